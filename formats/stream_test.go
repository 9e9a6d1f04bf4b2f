package formats

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
)

// TestStreamedAsParsed: what the streamer finds reading strings straight from the scanner and
// looking members up by their learned order (stream.go: str, property) is what the evaluator
// finds on the same value parsed whole: the violations (message, pointer, offset), the counts
// behind the hints, and the digest uniqueItems compares. Each schema sees every instance, so
// each order of members follows others in the same streamer.
func TestStreamedAsParsed(t *testing.T) {
	long := strings.Repeat("é", maxKeptString)
	var manyReq []string
	for i := range 70 {
		manyReq = append(manyReq, strconv.Quote("r"+strconv.Itoa(i)))
	}
	schemas := []string{
		`{"type":"object","required":["z","a","c","a"],"additionalProperties":false,"properties":{
			"a":{"type":"string","pattern":"^[a-z]+$"},
			"b":{"type":"string","minLength":2,"maxLength":3},
			"c":{"type":["string","null"],"format":"iri-reference"},
			"d":{"enum":["x","y"]},
			"e":{"type":"array","uniqueItems":true,"items":{"type":"string","maxLength":5}},
			"f":{"allOf":[{"type":"string"}],"enum":["x"]},
			"g":{"type":"integer"},
			"h":{"type":"array","uniqueItems":true,"items":{"type":"object","properties":{"k":{"type":"string"},"l":{"enum":["p","q"]}}}}}}`,
		`{"type":"object","required":[` + strings.Join(manyReq, ",") + `],"properties":{"r1":{"type":"string"},"r69":{"maxLength":1}}}`,
		`{"type":"array","items":{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"string"}},"patternProperties":{"^b":{"minLength":3}}}}`,
		// The array form of items, with and without additionalItems.
		`{"type":"array","items":[{"type":"string","maxLength":2},{"type":"object","required":["a"]}],"additionalItems":{"type":"string"}}`,
		`{"type":"array","items":[{"type":"string"}],"additionalItems":false,"maxItems":1}`,
		`{"type":"array","items":[{"type":"string"},{"enum":["x"]}]}`,
	}
	instances := []string{
		`{"a":"abc","b":"xy","c":"http://x/y","d":"x","e":["a","b"],"f":"x","g":1,"h":[{"k":"1","l":"p"},{"l":"p","k":"1"}]}`,
		`{"h":[{"l":"q","k":"1"},{"k":"1","l":"q"}],"g":1,"f":"y","e":["a","a"],"d":"z","c":null,"b":"x","a":"ABC"}`,
		`{"a":"abc","a":"d1","b":"abcd","c":"%zz","c":"ok","q":1,"d":7}`,
		`{"b":"x",  "z":"1", "a":   "` + long + `", "e":["` + long + `","` + long + `"], "c":"` + long + `"}`,
		`{"e":["` + long + `a","` + long + `b"],"b":"` + long + `","d":"` + long + `"}`,
		`{"r1":"x","r69":"yy","r2":1,"r1":2}`,
		`{"r69":"y","r1":"x"}`,
		`[{"a":"x","b":"yy"},{"b":"y","a":1},{"bb":"y"},{"a":"x","b":"yyy"}]`,
		`{}`, `[]`, `"s"`, `{"a":"\u00e9\ud800x"}`,
		`["ab",{"a":1},"x","yyy"]`, `["abc",{},1,"x",2]`, `[1]`, `["ab",{"a":1},"ab",{"a":1}]`, `["x","x"]`,
		// Past the first buffer, where the streamer starts learning member orders (property):
		// orders that repeat, change, and members that are not declared.
		`[` + strings.Repeat(`{"a":"x","b":"yyy"},{"b":"yyy","a":"x"},{"a":"x","c":1,"b":"y"},{"bb":"y","a":2},`, 4000) + `{}]`,
		`{"e":["x"],"h":[` + strings.Repeat(`{"k":"a","l":"p"},{"l":"q","k":"b"},{"k":"c"},{"l":"q"},`, 5000) + `{}],"a":"a","c":"x"}`,
	}
	// Read whole, and a byte at a time, so that strings end past what the buffer holds.
	readers := []func(string) io.Reader{
		func(s string) io.Reader { return strings.NewReader(s) },
		func(s string) io.Reader { return iotest.OneByteReader(strings.NewReader(s)) },
	}
	for si, src := range schemas {
		s := compileInline(t, src)
		st := newStreamer(nil)
		for ii, in := range instances {
			t.Run(fmt.Sprintf("schema %d instance %d", si, ii), func(t *testing.T) {
				// The same streamer, emptied, for every instance: it keeps what it learned.
				st.sc = newScanner(readers[ii%2](in), nil)
				st.source = stringSource(in)
				st.ev = evaluator{t: &st.t}
				var got valueHash
				if err := st.valueHash(s, 0, &got); err != nil {
					t.Fatal(err)
				}
				sc := newScanner(strings.NewReader(in), nil)
				var tr tree
				i, err := sc.parseValue(&tr, 0)
				if err != nil {
					t.Fatal(err)
				}
				want := evaluator{t: &tr}
				want.validate(s, i)
				if h := tr.hashNode(i); got != h {
					t.Errorf("digest %x, parsed whole %x", got, h)
				}
				if st.ev.count != want.count {
					t.Errorf("%d violations %v, parsed whole %d %v", st.ev.count, st.ev.errs, want.count, want.errs)
				}
				// The streamer reports a duplicate as it meets it, the evaluator after the items.
				sortViolations := func(v []violation) []violation {
					return slices.SortedFunc(slices.Values(v), func(a, b violation) int {
						return strings.Compare(fmt.Sprint(a), fmt.Sprint(b))
					})
				}
				if g, w := sortViolations(st.ev.errs), sortViolations(want.errs); !slices.Equal(g, w) {
					t.Errorf("violations %v, parsed whole %v", g, w)
				}
				if g, w := fmt.Sprint(st.ev.badEnum, st.ev.missing), fmt.Sprint(want.badEnum, want.missing); g != w {
					t.Errorf("hint counts %s, parsed whole %s", g, w)
				}
			})
		}
	}
}
