package formats

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// mutator applies structure-aware edits to a decoded JSON document, driven by fuzzer bytes,
// so that mutations stay JSON and reach the schema rules rather than the parser.
type mutator struct {
	ops []byte
	pos int
}

func (m *mutator) next() int {
	if m.pos >= len(m.ops) {
		return 0
	}
	b := m.ops[m.pos]
	m.pos++
	return int(b)
}

// replacements are values the schemas tend to care about.
var replacements = []any{
	nil, true, false, json.Number("0"), json.Number("-1"), json.Number("1.5"), json.Number("1e3"),
	"", "x", "CycloneDX", "1.4", "SPDX-2.3", "2024-05-01T10:00:00Z", "2024-05-01", "not a date",
	"https://example.com/a", "git@github.com:a/b", "a@b.example", "@", "pkg:npm/a@1",
	"NOASSERTION", "PACKAGE-MANAGER", "PACKAGE_MANAGER", "library", "application", "SHA-256",
	"Apache-2.0", "MIT OR Apache-2.0", "SPDXRef-X", "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79",
	map[string]any{}, []any{}, map[string]any{"name": "n"}, []any{"x"},
	map[string]any{"license": map[string]any{"id": "MIT"}}, map[string]any{"expression": "MIT"},
}

var extraKeys = []string{"name", "version", "type", "bom-ref", "purl", "licenses", "hashes", "unknownKey", "copyrightText", "SPDXID", "expression", "url", "email", "timestamp", "content", "alg"}

// replacement returns a fresh copy, so later edits never alias (and never make cycles).
func (m *mutator) replacement(i int) any {
	b, _ := json.Marshal(replacements[i%len(replacements)])
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.UseNumber()
	var v any
	_ = d.Decode(&v)
	return v
}

func (m *mutator) mutate(v any, depth int) any {
	op := m.next()
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		switch {
		case op%8 == 0 || len(keys) == 0 || depth > 12:
			return m.replacement(m.next())
		case op%8 == 1:
			delete(x, keys[m.next()%len(keys)])
		case op%8 == 2:
			x[extraKeys[m.next()%len(extraKeys)]] = m.replacement(m.next())
		default:
			k := keys[m.next()%len(keys)]
			x[k] = m.mutate(x[k], depth+1)
		}
		return x
	case []any:
		switch {
		case op%8 == 0 || len(x) == 0 || depth > 12:
			return m.replacement(m.next())
		case op%8 == 1: // a duplicate: uniqueItems
			b, _ := json.Marshal(x[m.next()%len(x)])
			d := json.NewDecoder(strings.NewReader(string(b)))
			d.UseNumber()
			var dup any
			_ = d.Decode(&dup)
			return append(x, dup)
		case op%8 == 2:
			i := m.next() % len(x)
			return append(x[:i], x[i+1:]...)
		default:
			i := m.next() % len(x)
			x[i] = m.mutate(x[i], depth+1)
			return x
		}
	default:
		return m.replacement(op)
	}
}

// FuzzSchemaMutations edits valid documents structurally and checks our engine and the oracle
// still agree on every result.
func FuzzSchemaMutations(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*-valid*.json")
	sort.Strings(seeds)
	var docs [][]byte
	for _, p := range seeds {
		data, err := os.ReadFile(p)
		if err != nil || strings.Contains(p, "version-at-end") || strings.Contains(p, "utf8-bom") {
			continue
		}
		docs = append(docs, data)
	}
	if len(docs) == 0 {
		f.Fatal("no seed documents")
	}
	for i := range docs {
		for _, ops := range []string{"\x03\x00\x01", "\x03\x05\x03\x01\x01", "\x02\x07\x03", "\x01\x03"} {
			f.Add(uint8(i), []byte(ops))
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, ops []byte) {
		var doc any
		d := json.NewDecoder(strings.NewReader(string(docs[int(which)%len(docs)])))
		d.UseNumber()
		if err := d.Decode(&doc); err != nil {
			t.Fatal(err)
		}
		m := &mutator{ops: ops}
		for m.pos < len(m.ops) {
			doc = m.mutate(doc, 0)
		}
		data, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		ours, err := validateBytes(data, Options{})
		if err != nil {
			t.Fatalf("error on in-memory input: %v", err)
		}
		if want, ok := oracleVerdict(t, data, ours); ok && ours.Valid() != want {
			t.Fatalf("our engine says valid=%v (%s), the oracle says %v\n%s", ours.Valid(), ours.Problem, want, data)
		}
	})
}
