package formats

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

func compileInline(t *testing.T, src string) *schema {
	t.Helper()
	text, err := newSchemaText([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	c := newCompiler()
	c.addText("mem://test", text)
	s, err := c.compileURL("mem://test#")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func streamValidate(t *testing.T, s *schema, instance string) (*streamer, error) {
	t.Helper()
	st := newStreamer(newScanner(strings.NewReader(instance), nil))
	st.source = stringSource(instance)
	return st, st.document(s)
}

// stringSource reads instance again, as Validate's source reads the file.
func stringSource(instance string) source {
	return source{context.Background(), func() (io.ReadCloser, error) {
		return io.NopCloser(strings.NewReader(instance)), nil
	}, 0}
}

// TestEngineKeywords checks each keyword on its own, through the streaming path (objects and
// arrays at the top stream; everything else is evaluated on a parsed tree).
func TestEngineKeywords(t *testing.T) {
	tests := []struct {
		name, schema, instance string
		wantPtr                string // "" when valid
	}{
		{"type ok", `{"type":"string"}`, `"x"`, ""},
		{"type bad", `{"type":"string"}`, `1`, "/"},
		{"integer accepts 1.0", `{"type":"integer"}`, `1.0`, ""},
		{"integer rejects 1.5", `{"type":"integer"}`, `1.5`, "/"},
		{"required streamed", `{"type":"object","required":["a"]}`, `{"b":1}`, "/"},
		{"additionalProperties false streamed", `{"properties":{"a":{}},"additionalProperties":false}`, `{"a":1,"b":2}`, "/b"},
		{"additionalProperties schema", `{"additionalProperties":{"type":"string"}}`, `{"a":"x","b":2}`, "/b"},
		{"nested pointer", `{"properties":{"a":{"type":"array","items":{"properties":{"b":{"type":"string"}}}}}}`, `{"a":[{"b":"x"},{"b":1}]}`, "/a/1/b"},
		{"pointer escapes", `{"properties":{"a/b~c":{"type":"string"}}}`, `{"a/b~c":1}`, "/a~1b~0c"},
		{"uniqueItems streamed", `{"type":"array","uniqueItems":true}`, `[{"a":1,"b":2},{"b":2,"a":1}]`, "/"},
		{"uniqueItems numbers", `{"uniqueItems":true}`, `[1, 1.0]`, "/"},
		{"uniqueItems distinct", `{"uniqueItems":true}`, `[1, "1", [1], {"1":1}]`, ""},
		{"uniqueItems nested", `{"properties":{"x":{"uniqueItems":true}}}`, `{"x":[[1,2],[1,2]]}`, "/x"},
		{"minItems", `{"type":"array","minItems":2}`, `[1]`, "/"},
		{"maxItems", `{"type":"array","maxItems":1}`, `[1,2]`, "/"},
		{"tuple items", `{"items":[{"type":"string"}],"additionalItems":false}`, `["a",1]`, "/1"},
		{"enum strings", `{"enum":["a","b"]}`, `"c"`, "/"},
		{"enum mixed", `{"enum":[1,{"a":[true]},null]}`, `{"a":[true]}`, ""},
		{"const", `{"const":{"a":1}}`, `{"a":1.0}`, ""},
		{"const bad", `{"const":"x"}`, `"y"`, "/"},
		{"pattern unanchored", `{"pattern":"b"}`, `"abc"`, ""},
		{"pattern bad", `{"pattern":"^a+$"}`, `"ab"`, "/"},
		{"minLength counts characters", `{"minLength":2}`, `"é"`, "/"},
		{"maxLength", `{"maxLength":1}`, `"ab"`, "/"},
		{"minimum", `{"minimum":1}`, `0.5`, "/"},
		{"exclusiveMaximum", `{"exclusiveMaximum":1}`, `1`, "/"},
		{"multipleOf", `{"multipleOf":0.5}`, `1.5`, ""},
		{"format date-time", `{"format":"date-time"}`, `"2020-04-13"`, "/"},
		{"format ignored on numbers", `{"format":"date-time"}`, `5`, ""},
		{"unknown format is an annotation", `{"format":"string"}`, `"x"`, ""},
		{"oneOf exactly one", `{"oneOf":[{"required":["a"]},{"required":["b"]}]}`, `{"a":1}`, ""},
		{"oneOf two", `{"oneOf":[{"required":["a"]},{"required":["b"]}]}`, `{"a":1,"b":2}`, "/"},
		{"oneOf none", `{"oneOf":[{"required":["a"]},{"required":["b"]}]}`, `{"c":1}`, "/"},
		{"anyOf", `{"anyOf":[{"type":"string"},{"type":"number"}]}`, `true`, "/"},
		{"allOf", `{"allOf":[{"type":"string"},{"minLength":3}]}`, `"ab"`, "/"},
		{"not", `{"not":{"type":"null"}}`, `null`, "/"},
		{"if then", `{"if":{"properties":{"k":{"const":"a"}}},"then":{"required":["x"]},"else":{"required":["y"]}}`, `{"k":"a","y":1}`, "/"},
		{"if else", `{"if":{"properties":{"k":{"const":"a"}}},"then":{"required":["x"]},"else":{"required":["y"]}}`, `{"k":"b","y":1}`, ""},
		{"dependencies array", `{"dependencies":{"a":["b"]}}`, `{"a":1}`, "/"},
		{"dependencies schema", `{"dependencies":{"a":{"required":["c"]}}}`, `{"a":1,"c":2}`, ""},
		{"propertyNames", `{"propertyNames":{"maxLength":2}}`, `{"abc":1}`, "/abc"},
		{"patternProperties", `{"patternProperties":{"^x-":{"type":"string"}},"additionalProperties":false}`, `{"x-a":"s","y":1}`, "/y"},
		{"contains", `{"contains":{"const":3}}`, `[1,2]`, "/"},
		{"ref", `{"definitions":{"s":{"type":"string"}},"properties":{"a":{"$ref":"#/definitions/s"}}}`, `{"a":1}`, "/a"},
		{"ref ignores siblings (draft-07)", `{"definitions":{"s":{}},"properties":{"a":{"$ref":"#/definitions/s","type":"string"}}}`, `{"a":1}`, ""},
		{"recursive ref", `{"properties":{"c":{"type":"array","items":{"$ref":"#"}},"n":{"type":"string"}}}`, `{"c":[{"c":[{"n":1}]}]}`, "/c/0/c/0/n"},
		{"false schema", `{"properties":{"a":false}}`, `{"a":1}`, "/a"},
		{"true schema", `{"properties":{"a":true}}`, `{"a":[1,{"b":null}]}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := streamValidate(t, compileInline(t, tt.schema), tt.instance)
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantPtr == "" {
				if st.ev.count != 0 {
					t.Fatalf("want valid, got %v", st.ev.errs)
				}
				return
			}
			if st.ev.count == 0 {
				t.Fatal("want a violation, got none")
			}
			if got := st.ev.errs[0].ptr; got != tt.wantPtr {
				t.Fatalf("violation at %s (%s), want at %s", got, st.ev.errs[0].msg, tt.wantPtr)
			}
		})
	}
}

func TestEngineRefusesUnknownKeywords(t *testing.T) {
	text, err := newSchemaText([]byte(`{"unevaluatedProperties": false}`))
	if err != nil {
		t.Fatal(err)
	}
	c := newCompiler()
	c.addText("mem://x", text)
	if _, err := c.compileURL("mem://x#"); err == nil {
		t.Fatal("a schema with a keyword the engine does not implement compiled")
	}
}

func TestScannerSyntax(t *testing.T) {
	bad := []string{`{`, `{"a"}`, `{"a":}`, `[1,]`, `[1 2]`, `01`, `1.`, `-`, `1e`, `"\x"`, `"\u12g4"`, "\"a\x01\"", `tru`, `nul`, `{"a":1,}`, `"abc`, "\"\xff\""}
	for _, in := range bad {
		sc := newScanner(strings.NewReader(in), nil)
		if err := sc.skipValue(0); err == nil {
			if err := sc.expectEOF(); err == nil {
				t.Errorf("%q: accepted by skipValue", in)
			}
		}
		var tr tree
		sc = newScanner(strings.NewReader(in), nil)
		if _, err := sc.parseValue(&tr, 0); err == nil {
			if err := sc.expectEOF(); err == nil {
				t.Errorf("%q: accepted by parseValue", in)
			}
		}
	}
	good := []string{`{}`, `[]`, `-0`, `1.5e+10`, `"\ud83d\ude00"`, `"\ud800"`, `{"a":[null,true,false,{"b":"é"}]}`, "  1  "}
	for _, in := range good {
		if !json.Valid([]byte(in)) {
			t.Fatalf("%q: test input is not JSON", in)
		}
		var tr tree
		sc := newScanner(strings.NewReader(in), nil)
		if _, err := sc.parseValue(&tr, 0); err != nil {
			t.Errorf("%q: %v", in, err)
		}
	}
}

// TestScannerSmallReads feeds the scanner one byte at a time so that every token straddles a
// buffer refill.
func TestScannerSmallReads(t *testing.T) {
	in := `{"key\u00e9":["é😀\n",-1.25e-3,true,false,null,{"":[]}]}`
	var tr tree
	sc := newScanner(&oneByteReader{strings.NewReader(in)}, nil)
	sc.buf = make([]byte, 4)
	i, err := sc.parseValue(&tr, 0)
	if err != nil {
		t.Fatal(err)
	}
	var want any
	_ = json.Unmarshal([]byte(in), &want)
	wantHash := hashAny(want)
	if got := tr.hashNode(i); got != wantHash {
		t.Fatal("parsed value differs from encoding/json's")
	}
}

type oneByteReader struct{ r io.Reader }

func (o *oneByteReader) Read(p []byte) (int, error) {
	if len(p) > 1 {
		p = p[:1]
	}
	return o.r.Read(p)
}

// heapSampler records the largest live heap seen while the engine reads its input (collecting
// garbage first, so that what it sees is what the engine holds).
type heapSampler struct {
	r     io.Reader
	reads int
	max   uint64
}

func (h *heapSampler) Read(p []byte) (int, error) {
	if h.reads%16 == 0 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		h.max = max(h.max, ms.HeapAlloc)
	}
	h.reads++
	return h.r.Read(p)
}

// TestStreamingMemoryIsFlat validates a 40 MB array of small components and checks the live
// heap stays far below the document's size: what remains is the read buffer, one element's tree
// and an offset, part of a digest and a slot or two per element for uniqueItems (19 to 29 bytes).
func TestStreamingMemoryIsFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 40 MB document")
	}
	var doc bytes.Buffer
	doc.WriteString(`{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[`)
	for i := 0; doc.Len() < 40<<20; i++ {
		if i > 0 {
			doc.WriteByte(',')
		}
		doc.WriteString(`{"type":"library","name":"lib-`)
		doc.WriteString(strings.Repeat("x", i%50) + strconv.Itoa(i))
		doc.WriteString(`","version":"1.0.`)
		doc.WriteString(strings.Repeat("1", 1+i%5))
		doc.WriteString(`","description":"a component that takes some space in the document"}`)
	}
	doc.WriteString(`]}`)
	data := doc.Bytes()
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	h := &heapSampler{r: bytes.NewReader(data)}
	v, err := Validate(t.Context(), func() (io.ReadCloser, error) { h.r = bytes.NewReader(data); return io.NopCloser(h), nil }, Options{})
	if err != nil || !v.Valid() {
		t.Fatalf("%v %s", err, v.Problem)
	}
	grew := int64(h.max) - int64(before.HeapAlloc)
	t.Logf("document %d MiB, live heap grew by at most %.1f MiB", len(data)>>20, float64(grew)/(1<<20))
	if grew > int64(len(data))/2 {
		t.Errorf("live heap grew by %d bytes while streaming a %d-byte document", grew, len(data))
	}
}

// TestLongStrings checks strings past maxKeptString: only a prefix is kept, yet length,
// equality and uniqueness see the whole value.
func TestLongStrings(t *testing.T) {
	long := strings.Repeat("é", maxKeptString) // 2 bytes each: twice the kept size
	tests := []struct {
		name, schema, instance string
		valid                  bool
	}{
		{"maxLength counts every character", `{"maxLength":` + strconv.Itoa(maxKeptString) + `}`, `"` + long + `"`, true},
		{"maxLength exceeded by the unkept tail", `{"maxLength":` + strconv.Itoa(maxKeptString-1) + `}`, `"` + long + `"`, false},
		{"equal long strings are equal", `{"uniqueItems":true}`, `["` + long + `","` + long + `"]`, false},
		{"strings differing after the kept prefix differ", `{"uniqueItems":true}`, `["` + long + `a","` + long + `b"]`, true},
		{"escapes in the tail count", `{"uniqueItems":true}`, `["` + long + `\u0041","` + long + `A"]`, false},
		{"const compares the whole value", `{"const":"x"}`, `"` + long + `"`, false},
		{"a pattern cannot be half-checked", `{"pattern":"^é+$"}`, `"` + long + `"`, false},
		{"no constraint, no problem", `{"type":"string"}`, `"` + long + `"`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := streamValidate(t, compileInline(t, tt.schema), tt.instance)
			if err != nil {
				t.Fatal(err)
			}
			if valid := st.ev.count == 0; valid != tt.valid {
				t.Fatalf("valid=%v, want %v: %v", valid, tt.valid, st.ev.errs)
			}
		})
	}
}

// TestLongStringMemory validates a document whose one string is 64 MiB and checks the live
// heap does not hold it.
func TestLongStringMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 64 MiB document")
	}
	head := `{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"metadata":{"component":{"type":"library","name":"`
	data := []byte(head + strings.Repeat("a", 64<<20) + `"}}}`)
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	h := &heapSampler{}
	v, err := Validate(t.Context(), func() (io.ReadCloser, error) { h.r = bytes.NewReader(data); return io.NopCloser(h), nil }, Options{})
	if err != nil || !v.Valid() {
		t.Fatalf("%v %s", err, v.Problem)
	}
	grew := int64(h.max) - int64(before.HeapAlloc)
	t.Logf("64 MiB string: live heap grew by at most %.1f MiB", float64(grew)/(1<<20))
	if grew > 16<<20 {
		t.Errorf("live heap grew by %d bytes for a 64 MiB string", grew)
	}
}

// TestScannerContainerErrors: the messages of an object or array that ends too soon or lacks a
// separator, which verdicts quote.
func TestScannerContainerErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{`, "offset 1: unexpected end of file inside an object"},
		{`[`, "offset 1: unexpected end of file inside an array"},
		{`{"a":1`, "offset 6: unexpected end of file inside an object"},
		{`[1, 2`, "offset 5: unexpected end of file inside an array"},
		{`{"a":1 "b":2}`, `offset 7: expected ',' or '}' after an object member, found '"'`},
		{`[1 2]`, "offset 3: expected ',' or ']' after an array element, found '2'"},
		{"[1\x002]", "offset 2: expected ',' or ']' after an array element, found byte 0x00"},
	} {
		for _, parse := range []func(*scanner) error{
			func(sc *scanner) error { return sc.skipValue(0) },
			func(sc *scanner) error { _, err := sc.parseValue(&tree{}, 0); return err },
		} {
			if err := parse(newScanner(strings.NewReader(tc.in), nil)); err == nil || err.Error() != tc.want {
				t.Errorf("%q: %v, want %s", tc.in, err, tc.want)
			}
		}
	}
}
