package formats_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/formats"
	"github.com/sbomcat/sbomcat/internal/testkit"
	"github.com/sbomcat/sbomcat/profiles"
)

// recorder is a Checker that writes down all it is shown: two validations that show it a
// document alike leave the same record. It declines the objects and arrays decline names, so
// that what a Checker declines is compared too.
type recorder struct {
	decline func(formats.Path) bool
	log     strings.Builder
}

func (r *recorder) Start(f sbomcat.Format, v string) { fmt.Fprintf(&r.log, "start %s %s\n", f, v) }

func (r *recorder) Enter(p formats.Path, array bool, offset int64) bool {
	if r.decline != nil && r.decline(p) {
		fmt.Fprintf(&r.log, "decline %s\n", p.Pointer())
		return false
	}
	fmt.Fprintf(&r.log, "enter %s array=%v at %d\n", p.Pointer(), array, offset)
	return true
}

func (r *recorder) Leave(p formats.Path) { fmt.Fprintf(&r.log, "leave %s\n", p.Pointer()) }

func (r *recorder) Value(p formats.Path, v formats.Node) {
	fmt.Fprintf(&r.log, "value %s string=%v %q\n", p.Pointer(), v.IsString(), v.Text())
}

func (r *recorder) Report(func([]int64) []sbomcat.Place) (string, *sbomcat.Place) {
	return "", nil
}

// deep declines every object and array three or more steps from the root but those under a
// components member: a Checker that wants only some of the document.
func deep(p formats.Path) bool {
	if p.Len() < 3 {
		return false
	}
	for i := range p.Len() {
		if k, ok := p.Key(i); ok && string(k) == "components" {
			return false
		}
	}
	return true
}

// TestCheckerStreamedAsWhole: a Checker is shown a document alike whether the engine streams
// its array elements (components, packages, ...) member by member, as it does, or parses each
// one whole first, as it once did for a Checker; so the minimum-elements profiles, which see
// nothing else, give the same verdicts either way. Over the fixtures of both packages, the
// shared samples when they are present, and every one-member edit of the complete fixtures
// (removed, emptied, or its name given twice).
func TestCheckerStreamedAsWhole(t *testing.T) {
	docs := corpus(t)
	set, err := profiles.Parse("ntia,bsi")
	if err != nil {
		t.Fatal(err)
	}
	compared := 0
	for _, d := range docs {
		if !json.Valid(d.body) || !utf8.Valid(d.body) {
			continue // the Checker's record stops where the JSON breaks, which differs
		}
		for _, decline := range []func(formats.Path) bool{nil, deep} {
			var rec [2]*recorder
			for i, opts := range bothWays(formats.Options{}) {
				r := &recorder{decline: decline}
				opts.Checks = func() formats.Checker { return r }
				validate(t, d.body, opts)
				rec[i] = r
			}
			if got, want := rec[0].log.String(), rec[1].log.String(); got != want {
				t.Fatalf("%s: streamed, the Checker is shown %s", d.name, firstDifference(got, want))
			}
		}
		// A profile's verdict: the schema's message, when the file fails it, is the one the
		// streaming engine gives under aws (the whole elements may order it otherwise).
		if !validate(t, d.body, formats.Options{}).Valid() {
			continue
		}
		ways := bothWays(set.Options())
		streamed, whole := validate(t, d.body, ways[0]), validate(t, d.body, ways[1])
		if streamed.Problem != whole.Problem || !samePlace(streamed.Place, whole.Place) {
			t.Errorf("%s: streamed %q at %+v, parsed whole %q at %+v", d.name, streamed.Problem, streamed.Place, whole.Problem, whole.Place)
		}
		compared++
	}
	t.Logf("%d documents, %d profile verdicts compared", len(docs), compared)
}

// firstDifference says where two records part.
func firstDifference(streamed, whole string) string {
	a, b := strings.SplitAfter(streamed, "\n"), strings.SplitAfter(whole, "\n")
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return fmt.Sprintf("at line %d %q, parsed whole %q", i+1, a[i], b[i])
		}
	}
	return fmt.Sprintf("%d lines, parsed whole %d", len(a), len(b))
}

func bothWays(o formats.Options) [2]formats.Options {
	return [2]formats.Options{o, formats.WholeElements(o)}
}

func samePlace(a, b *sbomcat.Place) bool {
	return a == nil && b == nil || a != nil && b != nil && *a == *b
}

func validate(t *testing.T, body []byte, opts formats.Options) formats.Verdict {
	t.Helper()
	v, err := formats.Validate(context.Background(), func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(body)), nil
	}, opts)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

type document struct {
	name string
	body []byte
}

// corpus is the documents TestCheckerStreamedAsWhole compares on.
func corpus(t *testing.T) []document {
	paths, _ := filepath.Glob("testdata/*.json")
	more, _ := filepath.Glob("../profiles/testdata/*.json")
	paths = append(paths, more...)
	filepath.WalkDir(testkit.SamplesPath(), func(path string, e os.DirEntry, err error) error {
		if err == nil && !e.IsDir() && strings.HasSuffix(path, ".json") {
			paths = append(paths, path)
		}
		return nil // the samples are absent: the fixtures will do
	})
	var docs []document
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, document{p, b})
	}
	for _, base := range completeFixtures(t) {
		for i := 0; ; i++ {
			edited := false
			for _, e := range edits {
				var out bytes.Buffer
				n := 0
				if encode(&out, base.doc, &n, i, e) {
					docs = append(docs, document{fmt.Sprintf("%s, member %d %s", base.name, i, e), out.Bytes()})
					edited = true
				}
			}
			if !edited {
				break
			}
		}
	}
	return docs
}

type decoded struct {
	name string
	doc  map[string]any
}

// completeFixtures are package profiles' complete SBOMs, in every version they can be written
// in: CycloneDX 1.2 to 1.4 write metadata.tools as an array, and 1.2 has no properties; SPDX
// 2.2 has no primaryPackagePurpose.
func completeFixtures(t *testing.T) []decoded {
	load := func(name string) map[string]any {
		b, err := os.ReadFile("../profiles/testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		var d map[string]any
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatal(err)
		}
		return d
	}
	var out []decoded
	for minor := 2; minor <= 7; minor++ {
		d := load("complete.cdx.json")
		d["specVersion"] = "1." + strconv.Itoa(minor)
		if minor < 5 {
			d["metadata"].(map[string]any)["tools"] = []any{map[string]any{"vendor": "Acme", "name": "fw-sbom"}}
		}
		for _, c := range d["components"].([]any) {
			if minor < 3 {
				delete(c.(map[string]any), "properties")
			}
		}
		out = append(out, decoded{"complete.cdx.json as " + d["specVersion"].(string), d})
	}
	for _, version := range []string{"SPDX-2.2", "SPDX-2.3"} {
		d := load("complete.spdx.json")
		d["spdxVersion"] = version
		for _, p := range d["packages"].([]any) {
			if version == "SPDX-2.2" {
				delete(p.(map[string]any), "primaryPackagePurpose")
			}
		}
		out = append(out, decoded{"complete.spdx.json as " + version, d})
	}
	return out
}

// edits are what encode does to one member.
var edits = []string{"removed", `set to ""`, "set to []", "set to {}", `named twice, first with ""`, `named twice, then with ""`, "followed by an unknown member"}

// encode writes v as JSON, members in name order, with edit applied to the member numbered
// target (members are numbered from *n, in the order they are written), and reports whether
// it came to that member.
func encode(b *bytes.Buffer, v any, n *int, target int, edit string) bool {
	edited := false
	switch v := v.(type) {
	case map[string]any:
		b.WriteByte('{')
		comma := func() {
			if b.Bytes()[b.Len()-1] != '{' {
				b.WriteByte(',')
			}
		}
		member := func(name string, write func()) {
			comma()
			k, _ := json.Marshal(name)
			b.Write(k)
			b.WriteByte(':')
			write()
		}
		for _, name := range slices.Sorted(maps.Keys(v)) {
			here := *n == target
			*n++
			value := func() { edited = encode(b, v[name], n, target, edit) || edited }
			if !here {
				member(name, value)
				continue
			}
			edited = true
			empty := func(s string) func() { return func() { b.WriteString(s) } }
			switch edit {
			case "removed":
			case `set to ""`:
				member(name, empty(`""`))
			case "set to []":
				member(name, empty("[]"))
			case "set to {}":
				member(name, empty("{}"))
			case `named twice, first with ""`:
				member(name, empty(`""`))
				member(name, value)
			case `named twice, then with ""`:
				member(name, value)
				member(name, empty(`""`))
			case "followed by an unknown member":
				member(name, value)
				member("x-unknown", empty(`{"a": ["b", 1, {"c": null}]}`))
			}
		}
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			edited = encode(b, e, n, target, edit) || edited
		}
		b.WriteByte(']')
	default:
		j, _ := json.Marshal(v)
		b.Write(j)
	}
	return edited
}
