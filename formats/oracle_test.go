package formats

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/sbomcat/sbomcat/internal/testkit"
)

// oracleSchemas compiles every accepted schema once with santhosh-tekuri/jsonschema, the
// maintained validator that is the reference our own engine must agree with.
var oracleSchemas = sync.OnceValues(func() (map[schemaRef]*jsonschema.Schema, error) {
	out := make(map[schemaRef]*jsonschema.Schema)
	for _, ref := range acceptedSchemas {
		// SPDX 2.2 and 2.3 share an $id prefix; each is compiled by its own compiler.
		c := newOracleCompiler()
		url, err := schemaDocs(ref, c.AddResource)
		if err != nil {
			return nil, err
		}
		sch, err := c.Compile(url)
		if err != nil {
			return nil, fmt.Errorf("compiling %s: %w", ref.path, err)
		}
		out[ref] = sch
	}
	return out, nil
})

func newOracleCompiler() *jsonschema.Compiler {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft7)
	c.AssertFormat()
	// Our checkers replace v6's own (which lacks idn-email), so both engines share them.
	for name, check := range formatCheckers {
		c.RegisterFormat(&jsonschema.Format{Name: name, Validate: func(v any) error {
			if s, ok := v.(string); ok {
				return check(s)
			}
			return nil
		}})
	}
	return c
}

// oracleVerdict validates data with the oracle against the schema our engine chose for it. It
// reports applicable=false when our engine chose no schema (the file was not an accepted
// format and version) or when the two engines' JSON decoders are known to differ (invalid UTF-8,
// which encoding/json replaces silently; duplicate member names, where encoding/json keeps the
// last and we check every one; numbers beyond float64).
func oracleVerdict(t testing.TB, data []byte, ours Verdict) (valid, applicable bool) {
	ref, ok := findSchema(ours.Format, ours.SpecVersion)
	if !ok || (ours.Kind != KindSPDXJSON && ours.Kind != KindCycloneDXJSON) {
		return false, false
	}
	body := bytes.TrimPrefix(data, []byte{0xEF, 0xBB, 0xBF})
	if !utf8.Valid(body) || hasDuplicateKeysOrHugeNumbers(body) {
		return false, false
	}
	schemas, err := oracleSchemas()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return false, true // not JSON
	}
	return schemas[ref].Validate(doc) == nil, true
}

// hasDuplicateKeysOrHugeNumbers parses with our own parser (an error means "no": the verdicts
// are compared on syntax too).
func hasDuplicateKeysOrHugeNumbers(data []byte) bool {
	sc := newScanner(bytes.NewReader(nil), data)
	var tr tree
	i, err := sc.parseValue(&tr, 0)
	if err != nil {
		return strings.Contains(err.Error(), "out of range")
	}
	var walk func(i int32) bool
	walk = func(i int32) bool {
		n := tr.nodes[i]
		if n.kind == kindObject {
			seen := map[string]bool{}
			for j := int32(0); j < n.n; j++ {
				k := string(tr.nodes[n.first+j].key)
				if seen[k] {
					return true
				}
				seen[k] = true
			}
		}
		if n.kind == kindObject || n.kind == kindArray {
			for j := int32(0); j < n.n; j++ {
				if walk(n.first + j) {
					return true
				}
			}
		}
		return false
	}
	return walk(i)
}

func validateBytes(data []byte, opts Options) (Verdict, error) {
	return Validate(context.Background(), func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	}, opts)
}

// TestEngineAgreesWithOracle compares our streaming engine's verdict with the maintained
// validator's on every sample and fixture whose format and version we accept.
func TestEngineAgreesWithOracle(t *testing.T) {
	var paths []string
	fixtures, _ := filepath.Glob("testdata/*.json")
	paths = append(paths, fixtures...)
	if _, err := os.Stat(testkit.SamplesPath()); err == nil {
		dir, samples := testkit.Samples(t)
		for _, s := range samples {
			paths = append(paths, filepath.Join(dir, s.Path))
		}
	} else {
		t.Logf("no samples at %s; comparing on fixtures only", testkit.SamplesPath())
	}
	compared := 0
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		ours, err := validateBytes(data, Options{})
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		t.Run(filepath.Base(p), func(t *testing.T) { sameWithCollidingDigests(t, data, ours) })
		want, ok := oracleVerdict(t, data, ours)
		if !ok {
			continue
		}
		compared++
		if ours.Valid() != want {
			t.Errorf("%s: our engine says valid=%v (%s), the oracle says %v", p, ours.Valid(), ours.Problem, want)
		}
		checkPlace(t, data, ours)
	}
	t.Logf("compared %d files", compared)
	if compared < 20 {
		t.Errorf("only %d files compared; the fixtures alone should give more", compared)
	}
}

// FuzzEngineAgreesWithOracle mutates SBOMs and checks both engines still agree.
func FuzzEngineAgreesWithOracle(f *testing.F) {
	addSeeds(f, "testdata/*.json", 64<<10)
	f.Fuzz(func(t *testing.T, data []byte) {
		ours, err := validateBytes(data, Options{})
		if err != nil {
			t.Fatalf("error on in-memory input: %v", err)
		}
		if !ours.Valid() && ours.Problem == "" {
			t.Fatal("failed without a message")
		}
		sameWithCollidingDigests(t, data, ours)
		want, ok := oracleVerdict(t, data, ours)
		if ok && ours.Valid() != want {
			t.Fatalf("our engine says valid=%v (%s), the oracle says %v", ours.Valid(), ours.Problem, want)
		}
		if ok && utf8.Valid(data) {
			checkPlace(t, data, ours)
		}
	})
}

var jsonschemaUnmarshal = jsonschema.UnmarshalJSON
