package formats

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/CycloneDX/sbom-utility/resources"
	"github.com/github/go-spdx/v2/spdxexp/spdxlicenses"

	"github.com/sbomcat/sbomcat/internal/testkit"
)

// TestPrecompile: every accepted schema compiles (sbomd compiles them all at start).
func TestPrecompile(t *testing.T) {
	if err := Precompile(); err != nil {
		t.Fatal(err)
	}
}

// TestDecodeDocAsEncodingJSON: the schema documents decode to what encoding/json decoded
// them to before (numbers as json.Number), every embedded schema file and a few documents
// with what the files lack (escapes, repeated names, nesting, numbers of every form).
func TestDecodeDocAsEncodingJSON(t *testing.T) {
	docs := map[string][]byte{
		"inline": []byte(` {"a\u00e9\n\ud83d\ude00":[1,-0,2.5e-3,1E+400,true,false,null,{},[],""],` +
			`"a":{"x":"\"\\\/\b\f\n\r\t"},"a":[{"b":[[[]]]}],"":-12345678901234567890} `),
	}
	err := fs.WalkDir(resources.BOMSchemaFiles, ".", func(path string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(path, ".json") {
			docs[path], err = fs.ReadFile(resources.BOMSchemaFiles, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, ref := range acceptedSchemas { // each accepted schema is among the files walked
		if docs[ref.path] == nil {
			t.Errorf("%s not found", ref.path)
		}
	}
	for name, b := range docs {
		d := json.NewDecoder(bytes.NewReader(b))
		d.UseNumber()
		var want any
		if err := d.Decode(&want); err != nil {
			t.Errorf("%s: encoding/json: %v", name, err)
			continue
		}
		got, err := decodeBytes(b)
		if err != nil {
			t.Errorf("%s: %v", name, err)
		} else if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: decoded differently from encoding/json", name)
		}
	}
	for _, bad := range []string{``, `{`, `{"a":1,}`, `[1 2]`, `{} x`, `"\x01"`, `01`, `tru`} {
		if _, err := decodeBytes([]byte(bad)); err == nil {
			t.Errorf("%q: decoded without an error", bad)
		}
	}
}

// TestNewerLicenceIDs: a licence id that the SPDX License List embedded by go-spdx has and
// CycloneDX's snapshot lacks is accepted, by our engine and by the oracle, and an id in
// neither is refused.
func TestNewerLicenceIDs(t *testing.T) {
	const newer = "Artistic-dist" // SPDX License List 3.27
	snapshot, err := readSchemaDoc(cycloneDXLicenseIDs)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(snapshot.(map[string]any)["enum"].([]any), any(newer)) || !slices.Contains(spdxlicenses.GetLicenses(), newer) {
		t.Fatalf("%s is no longer only in the newer list: pick another id", newer)
	}
	fixture, err := os.ReadFile(testkit.Fixture("cdx16-valid.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		id    string
		valid bool
	}{{"Apache-2.0", true}, {newer, true}, {"Not-A-Licence-Id", false}} {
		data := bytes.Replace(fixture, []byte(`{"id": "Apache-2.0"}`), []byte(`{"id": "`+tt.id+`"}`), 1)
		if tt.id != "Apache-2.0" && bytes.Equal(data, fixture) {
			t.Fatal("the fixture no longer has the licence id this test replaces")
		}
		v, err := validateBytes(data, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if v.Valid() != tt.valid {
			t.Errorf("%s: valid %v, want %v (%s)", tt.id, v.Valid(), tt.valid, v.Problem)
		}
		if oracle, applicable := oracleVerdict(t, data, v); !applicable || oracle != tt.valid {
			t.Errorf("%s: the oracle says valid %v (applicable %v), want %v", tt.id, oracle, applicable, tt.valid)
		}
	}
}

// TestCompiledSchemasKeepNoText: a compiled schema holds nothing of the schema text it was
// compiled from (member names are views of it until the compiler copies them): with the text
// overwritten after compiling, every fixture and sample gets the same violations.
func TestCompiledSchemasKeepNoText(t *testing.T) {
	paths, _ := filepath.Glob("testdata/*.json")
	if _, err := os.Stat(testkit.SamplesPath()); err == nil {
		dir, samples := testkit.Samples(t)
		for _, s := range samples {
			paths = append(paths, filepath.Join(dir, s.Path))
		}
	}
	docs := map[schemaRef][][]byte{}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if v, err := validateBytes(data, Options{}); err == nil && (v.Kind == KindCycloneDXJSON || v.Kind == KindSPDXJSON) {
			if ref, ok := findSchema(v.Format, v.SpecVersion); ok {
				docs[ref] = append(docs[ref], data)
			}
		}
	}
	for _, ref := range acceptedSchemas {
		c := newCompiler()
		id, err := c.addSchemaTexts(ref)
		if err != nil {
			t.Fatal(err)
		}
		scribbled, err := c.compileURL(id + "#")
		if err != nil {
			t.Fatal(err)
		}
		for _, text := range c.docs {
			for i := range text.b {
				text.b[i] = '#'
			}
		}
		want, err := engineSchemas[ref]()
		if err != nil {
			t.Fatal(err)
		}
		if len(docs[ref]) == 0 && ref.version == "1.6" {
			t.Fatalf("%s: no fixture to compare on", ref.path)
		}
		for _, data := range docs[ref] {
			got, wanted := violations(t, scribbled, data), violations(t, want, data)
			if got != wanted {
				t.Errorf("%s: with the schema text overwritten:\n%s\nwant\n%s", ref.path, got, wanted)
			}
		}
	}
}

// violations validates data against s, as a string of everything the engine reports.
func violations(t *testing.T, s *schema, data []byte) string {
	st, err := streamValidate(t, s, string(data))
	return fmt.Sprint(err, st.ev.count, st.ev.errs)
}
