package formats

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
	"unsafe"

	"github.com/sbomcat/sbomcat"
)

// TestPlaces checks the line and column of failures on documents whose failing line is known,
// in the message and in Verdict.Place.
func TestPlaces(t *testing.T) {
	const head = `{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,`
	tests := []struct {
		name      string
		doc       string
		ptr       string
		line, col int
		inMessage string
	}{
		{name: "wrong type in a component",
			doc: head + "\n\"components\":[\n  {\"type\":\"library\",\"name\":\"a\"},\n  {\"type\":\"library\",\"name\":\"b\",\"purl\":7}]}",
			ptr: "/components/1/purl", line: 4, col: 39,
			inMessage: "schema violation at /components/1/purl (line 4, column 39): expected string, got number"},
		{name: "columns count characters, not bytes",
			doc: head + "\n\"components\":[{\"type\":\"library\",\"name\":\"héllo wörld\",\"purl\":7}]}",
			ptr: "/components/0/purl", line: 2, col: 61},
		{name: "a byte order mark is no column",
			doc: "\ufeff" + `{"bomFormat":"CycloneDX","specVersion":"1.6","version":"x"}`,
			ptr: "/version", line: 1, col: 56},
		{name: "property not allowed on a streamed object: at its value",
			doc: head + "\n  \"colour\": \"red\"}",
			ptr: "/colour", line: 2, col: 13},
		{name: "missing property: at the object",
			doc: "{\"spdxVersion\":\"SPDX-2.3\",\n\"packages\":[\n   {\"name\":\"x\"}]}",
			ptr: "/packages/0", line: 3, col: 4, inMessage: `missing required property "SPDXID"`},
		{name: "after 100 KB of leading whitespace and lines",
			doc: strings.Repeat(" \n", 50000) + head + "\"components\":7}",
			ptr: "/components", line: 50001, col: 71},
		{name: "syntax error",
			doc:  head + "\n\"components\":[\n  {\"type\":\"library\" \"name\":\"a\"}]}",
			line: 3, col: 21, inMessage: "invalid JSON (line 3, column 21): expected ',' or '}'"},
		{name: "trailing data",
			doc:  head + "\"components\":[]}\n\n  x",
			line: 3, col: 3, inMessage: "trailing data after the JSON document (line 3, column 3)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := validateBytes([]byte(tt.doc), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if v.Valid() || v.Place == nil {
				t.Fatalf("want a failure with a place, got %+v", v)
			}
			want := sbomcat.Place{Pointer: tt.ptr, Line: tt.line, Column: tt.col}
			if *v.Place != want {
				t.Errorf("place %+v, want %+v (%s)", *v.Place, want, v.Problem)
			}
			if !strings.Contains(v.Problem, want.String()) || !strings.Contains(v.Problem, tt.inMessage) {
				t.Errorf("message %q does not name %s / %q", v.Problem, want, tt.inMessage)
			}
			checkPlace(t, []byte(tt.doc), v)
		})
	}
}

// checkPlace checks a failure's place against an independent reading of the document:
// encoding/json's decoder finds where the value at the pointer starts, and the line and column
// are counted from the bytes before it.
func checkPlace(t testing.TB, data []byte, v Verdict) {
	t.Helper()
	if v.Place == nil || v.Place.Pointer == "" {
		return
	}
	body := bytes.TrimPrefix(data, []byte{0xEF, 0xBB, 0xBF})
	bom := len(data) - len(body)
	paths := [][]string{pointerPath(v.Place.Pointer)}
	if v.Place.Pointer == "/" {
		// The engine names the root "/", as its messages do, and "/" is also RFC 6901's pointer
		// of a root member named "": the place may be either.
		paths = append(paths, []string{""})
	}
	var line, col int
	for _, path := range paths {
		off, ok := pathOffset(body, path)
		if !ok {
			continue // a document encoding/json reads differently (duplicate members, ...)
		}
		before := body[:off]
		line = bytes.Count(before, []byte("\n")) + 1
		col = utf8.RuneCount(before[bytes.LastIndexByte(before, '\n')+1:]) + 1
		if p := *v.Place; p.Line == line && p.Column == col {
			return
		}
	}
	if line > 0 {
		t.Errorf("%s: place %s, but the value starts at line %d, column %d (BOM %d bytes)", v.Problem, v.Place, line, col, bom)
	}
}

// pointerPath splits a JSON Pointer into its unescaped steps; "/" is the root, as the engine
// writes it.
func pointerPath(ptr string) []string {
	var path []string
	if ptr != "/" {
		for _, s := range strings.Split(ptr, "/")[1:] {
			path = append(path, strings.NewReplacer("~1", "/", "~0", "~").Replace(s))
		}
	}
	return path
}

// pathOffset returns where the value at path (a JSON Pointer's steps) starts, using
// encoding/json.
func pathOffset(doc []byte, path []string) (int, bool) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	start := func() int { // the value after the last token: skip whitespace, ':' and ','
		i := int(dec.InputOffset())
		for i < len(doc) && strings.IndexByte(" \t\r\n:,", doc[i]) >= 0 {
			i++
		}
		return i
	}
	for _, step := range path {
		tok, err := dec.Token()
		if err != nil {
			return 0, false
		}
		switch tok {
		case json.Delim('{'):
			found := false
			seen := map[string]bool{}
			for dec.More() {
				k, err := dec.Token()
				if err != nil || seen[k.(string)] {
					return 0, false
				}
				seen[k.(string)] = true
				if k == step && !found {
					found = true
					break
				}
				var skip json.RawMessage
				if err := dec.Decode(&skip); err != nil {
					return 0, false
				}
			}
			if !found {
				return 0, false
			}
		case json.Delim('['):
			idx, err := strconv.Atoi(step)
			if err != nil {
				return 0, false
			}
			for j := 0; j < idx; j++ {
				var skip json.RawMessage
				if !dec.More() || dec.Decode(&skip) != nil {
					return 0, false
				}
			}
			if !dec.More() {
				return 0, false
			}
		default:
			return 0, false
		}
	}
	return start(), true
}

func TestPathOffset(t *testing.T) {
	doc := []byte(`{"a": [1, {"b/c": 2, "~d": [3]}], "e": 4}`)
	for ptr, want := range map[string]string{"/": "{", "/a/1/b~1c": "2", "/a/1/~0d/0": "3", "/e": "4"} {
		off, ok := pathOffset(doc, pointerPath(ptr))
		if got := fmt.Sprintf("%c", doc[off]); !ok || got != want {
			t.Errorf("%s: %q %v, want %q", ptr, got, ok, want)
		}
	}
}

// TestStrictPlaces checks the places of the strict profile's findings, found by pointer after
// decoding, against encoding/json's reading of the fixtures.
func TestStrictPlaces(t *testing.T) {
	paths, _ := filepath.Glob("testdata/strict-*.json")
	if len(paths) < 5 {
		t.Fatalf("only %d strict fixtures", len(paths))
	}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		v, err := validateBytes(data, Options{Profile: sbomcat.ProfileStrict})
		if err != nil {
			t.Fatal(err)
		}
		if v.Valid() || v.Place == nil || v.Place.Line == 0 || !strings.Contains(v.Problem, v.Place.String()) {
			t.Errorf("%s: place %v in %q", p, v.Place, v.Problem)
			continue
		}
		checkPlace(t, data, v)
	}
}

// TestNodeSize: the offset each node carries for line and column sits in padding, so trees
// (one per array element) take no more memory than before it.
func TestNodeSize(t *testing.T) {
	if size := unsafe.Sizeof(node{}); size != 72 && unsafe.Sizeof(uintptr(0)) == 8 {
		t.Errorf("node is %d bytes, was 72 before it carried an offset", size)
	}
}
