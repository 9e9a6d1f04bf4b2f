package formats

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/sbomcat/sbomcat"
)

// proxySchema has the shapes proxiesOf knows, as CycloneDX writes them: a licenseChoice of
// 1.5 and 1.6 (arrays whose first elements are disjoint, the second a tuple), a licence (members
// required by one alternative or the other), the items of a 1.7 licenseChoice (two disjoint
// objects), an anyOf of both kinds, and a oneOf whose alternatives overlap, which has no
// proxy: a proxy for it would say valid where both alternatives match.
const proxySchema = `{"type":"object","properties":{
	"lic":{"$ref":"#/definitions/choice"},
	"u":{"type":"array","uniqueItems":true,"items":{"$ref":"#/definitions/choice"}},
	"items17":{"type":"array","uniqueItems":true,"items":{"oneOf":[
		{"type":"object","required":["license"],"additionalProperties":false,"properties":{"license":{"$ref":"#/definitions/license"}}},
		{"type":"object","required":["expression"],"additionalProperties":false,"properties":{"expression":{"type":"string"}}}]}},
	"any":{"anyOf":[
		{"type":"object","required":["a"],"properties":{"a":{"type":"string"}}},
		{"type":"array","items":{"type":"string"}}]},
	"anyReq":{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"string"}},"anyOf":[{"required":["a"]},{"required":["b"]}]},
	"both":{"oneOf":[{"type":"array","items":{"type":"object"}},{"type":"array","maxItems":1}]},
	"ref":{"$ref":"#/definitions/ref"}},
 "definitions":{
	"choice":{"type":"array","oneOf":[
		{"type":"array","items":{"type":"object","required":["license"],"additionalProperties":false,"properties":{"license":{"$ref":"#/definitions/license"}}}},
		{"type":"array","additionalItems":false,"minItems":1,"maxItems":1,"items":[
			{"type":"object","additionalProperties":false,"required":["expression"],"properties":{"expression":{"type":"string"},"bom-ref":{"$ref":"#/definitions/ref"}}}]}]},
	"license":{"type":"object","oneOf":[{"required":["id"]},{"required":["name"]}],"additionalProperties":false,
		"properties":{"id":{"enum":["MIT","Apache-2.0"]},"name":{"type":"string"},"url":{"type":"string","format":"iri-reference"},"bom-ref":{"$ref":"#/definitions/ref"}}},
	"ref":{"allOf":[{"type":"string","minLength":1}]}}}`

// TestProxies: proxiesOf finds the proxies the shapes above should have, and none where the
// alternatives of a oneOf can both match.
func TestProxies(t *testing.T) {
	s := compileInline(t, proxySchema)
	counts := map[string]int{}
	for name, p := range s.props {
		counts[name] = len(p.resolved().proxies)
		if p := p.resolved(); p.items != nil {
			counts[name+"/items"] = len(p.items.resolved().proxies)
		}
	}
	lic := s.props["lic"].resolved().proxies[0].items.resolved().props["license"].resolved()
	counts["license"] = len(lic.proxies)
	want := map[string]int{"lic": 2, "u": 0, "u/items": 2, "items17": 0, "items17/items": 2, "any": 2, "anyReq": 2, "both": 0, "ref": 0, "license": 2}
	for name, n := range want {
		if counts[name] != n {
			t.Errorf("%s has %d proxies, want %d", name, counts[name], n)
		}
	}
	// The licence's proxies forbid the member the other alternative requires.
	for i, forbidden := range []string{"name", "id"} {
		if p := lic.proxies[i].props[forbidden]; p != never {
			t.Errorf("proxy %d of the licence allows %q", i, forbidden)
		}
	}
	if r := s.props["ref"].resolved(); r.minLen != 1 {
		t.Errorf("an allOf of one schema resolves to %s, not to that schema", r.loc)
	}
}

var manyLicences = strings.Repeat(`{"license":{"id":"MIT"}},{"license":{"name":"x","url":"http://x/y"}},`, 4000)

// proxyInstances are values for proxySchema: fast marks those that a proxy reads in full, so
// that nothing is parsed into the tree.
var proxyInstances = []struct {
	in   string
	fast bool
}{
	{`{"lic":[{"license":{"id":"MIT"}},{"license":{"bom-ref":"r","name":"x","url":"http://a/b"}}]}`, true},
	{`{"lic":[],"items17":[{"license":{"id":"MIT"}},{"expression":"MIT OR X"}],"any":{"a":"x"},"anyReq":{"b":"1"}}`, true},
	{`{"any":["1","2"],"anyReq":{"a":"1","b":"2"},"u":[[{"license":{"id":"MIT"}}],[{"license":{"id":"Apache-2.0"}}]]}`, true},
	{`{"lic":[` + manyLicences + `{"license":{"id":"MIT"}}]}`, false}, // past what the buffer holds
	{`{"lic":[{"license":{"name":"` + strings.Repeat("n", 300<<10) + `"}}]}`, false},
	{`{"lic":[{"expression":"MIT OR Apache-2.0","bom-ref":"e"}]}`, true},
	{`{"lic":[{"expression":"MIT"},{"expression":"ISC"}]}`, false},
	{`{"lic":[{"license":{"id":"GPL"}}],"items17":[{"license":{"id":"GPL"}},{"expression":1}]}`, false},
	{`{"lic":[{"license":{"id":"MIT","name":"both"}}],"items17":[{"license":{"name":"x","id":"MIT"}}]}`, false},
	{`{"lic":[{"license":{"url":"http://x"}}],"items17":[{"license":{}}]}`, false},
	{`{"lic":[{"license":{"id":"MIT"},"expression":"MIT"}]}`, false},
	{`{"lic":[{"foo":1}],"items17":[{},[],"x"]}`, false},
	{`{"lic":{},"any":"x","anyReq":[],"both":{}}`, false},
	{`{"lic":"x","items17":{"license":{"id":"MIT"}}}`, false},
	{`{"lic":[` + manyLicences + `{"license":{"id":"BSD"}}]}`, false},
	{`{"lic":[` + manyLicences + `{"license":{"id":"MIT","name":"n"}}]}`, false},
	{`{"both":[{}],"any":{"b":1},"anyReq":{"c":"1"}}`, false},
	{`{"both":[{},{}],"any":[1,"x"],"anyReq":{"a":1,"b":"x"}}`, false},
	{`{"both":[1],"items17":[{"expression":"a"},{"expression":"a"}]}`, false},
	{`{"both":[1,2],"u":[[{"license":{"id":"MIT"}}],[{"license":{"id":"MIT"}}]]}`, false},
	{`{"u":[[{"expression":"a"}],[{"expression":"a"}]],"ref":""}`, false},
	{`{"lic":[{"license":{"name":"\u00e9\ud800","id":"MIT"}}]}`, false},
	// Syntax errors and nesting in a value read against a proxy.
	{`{"lic":[{"license":{"id":"MIT"}},{]}`, false},
	{`{"lic":[{"license":{"id":"MIT"}}`, false},
	{`{"lic":[{"license":{"id":"MIT"},"license":{"id":"MIT}}]}`, false},
	{`{"lic":[{"license":{"id":"MIT"}} ,, ]}`, false},
	{`{"items17":[{"license":` + strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth) + `}]}`, false},
}

// proxyReaders read an instance whole, a byte at a time and in uneven pieces, so that values
// straddle what the buffer holds.
var proxyReaders = []func(string) io.Reader{
	func(s string) io.Reader { return strings.NewReader(s) },
	func(s string) io.Reader { return iotest.OneByteReader(strings.NewReader(s)) },
	func(s string) io.Reader { return iotest.HalfReader(strings.NewReader(s)) },
}

// TestProxiesAsParsed: a value read against proxies ends as it does when it is parsed whole
// for the evaluator, as without proxies: the same error, violations in the same order with
// the same messages, places and offsets, the same hint counts and digest.
func TestProxiesAsParsed(t *testing.T) {
	s := compileInline(t, proxySchema)
	for ii, inst := range proxyInstances {
		for ri, r := range proxyReaders {
			if ri > 0 && len(inst.in) > 64<<10 {
				continue // a byte at a time: slow, and the whole reader already fills the buffer
			}
			t.Run(fmt.Sprintf("instance %d reader %d", ii, ri), func(t *testing.T) {
				st := compareProxies(t, s, inst.in, r)
				if parsed := cap(st.t.nodes) > 0; inst.fast && parsed {
					t.Error("a value was parsed into the tree: its proxy did not accept it")
				}
			})
		}
	}
}

// compareProxies validates in against s with proxies and without them, and against the
// evaluator on in parsed whole, fails the test where they differ, and returns the streamer
// that used proxies.
func compareProxies(t *testing.T, s *schema, in string, r func(string) io.Reader) *streamer {
	t.Helper()
	run := func(noProxies bool) (*streamer, valueHash, error) {
		st := newStreamer(newScanner(r(in), nil))
		st.noProxies = noProxies
		var h valueHash
		err := st.valueHash(s, 0, &h)
		if err == nil {
			err = st.sc.expectEOF()
		}
		return st, h, err
	}
	got, gotHash, gotErr := run(false)
	want, wantHash, wantErr := run(true)
	if g, w := fmt.Sprintf("%T %v", gotErr, gotErr), fmt.Sprintf("%T %v", wantErr, wantErr); g != w {
		t.Fatalf("error %s, without proxies %s", g, w)
	}
	if gotErr != nil {
		return got
	}
	if gotHash != wantHash {
		t.Errorf("digest %x, without proxies %x", gotHash, wantHash)
	}
	if got.ev.count != want.ev.count || !slices.Equal(got.ev.errs, want.ev.errs) {
		t.Errorf("%d violations %v, without proxies %d %v", got.ev.count, got.ev.errs, want.ev.count, want.ev.errs)
	}
	if g, w := fmt.Sprint(got.ev.badEnum, got.ev.missing), fmt.Sprint(want.ev.badEnum, want.ev.missing); g != w {
		t.Errorf("hint counts %s, without proxies %s", g, w)
	}
	// And as the evaluator has it on the value parsed whole (TestStreamedAsParsed says why
	// the order may differ).
	var tr tree
	i, err := newScanner(strings.NewReader(in), nil).parseValue(&tr, 0)
	if err != nil {
		t.Fatalf("parsed whole: %v; streamed, no error", err)
	}
	ev := evaluator{t: &tr}
	ev.validate(s, i)
	if h := tr.hashNode(i); gotHash != h {
		t.Errorf("digest %x, parsed whole %x", gotHash, h)
	}
	sorted := func(v []violation) []violation {
		return slices.SortedFunc(slices.Values(v), func(a, b violation) int {
			return strings.Compare(fmt.Sprint(a), fmt.Sprint(b))
		})
	}
	if got.ev.count != ev.count || !slices.Equal(sorted(got.ev.errs), sorted(ev.errs)) {
		t.Errorf("%d violations %v, parsed whole %d %v", got.ev.count, got.ev.errs, ev.count, ev.errs)
	}
	return got
}

// cdxLicences are the licences of a component in each way CycloneDX 1.2 to 1.7 write them,
// and ways none of them allows.
var cdxLicences = []string{
	`[{"license":{"id":"MIT"}},{"license":{"name":"Acme","url":"https://acme.example/l"}}]`,
	`[{"expression":"MIT OR Apache-2.0"}]`,
	`[{"expression":"MIT","acknowledgement":"declared"}]`,
	`[{"license":{"id":"MIT","acknowledgement":"concluded"}},{"expression":"ISC"}]`,
	`[{"license":{"id":"MIT","name":"both"}}]`,
	`[{"license":{"id":"Not-A-Licence"}}]`,
	`[{"license":{}}]`,
	`[{"expression":"MIT"},{"expression":"ISC"}]`,
	`[{"license":{"id":"MIT"},"expression":"MIT"}]`,
	`[]`, `{}`, `"MIT"`,
}

// TestProxiesAsParsedCycloneDX compares as TestProxiesAsParsed does on the accepted CycloneDX
// schemas, with components whose licences are written in each way.
func TestProxiesAsParsedCycloneDX(t *testing.T) {
	for _, ref := range acceptedSchemas {
		if ref.format != sbomcat.FormatCycloneDX {
			continue
		}
		s, err := engineSchemas[ref]()
		if err != nil {
			t.Fatal(err)
		}
		for li, lic := range cdxLicences {
			var doc strings.Builder
			doc.WriteString(`{"bomFormat":"CycloneDX","specVersion":"` + ref.version + `","version":1,"components":[`)
			for i := range 3000 { // past the first buffer, where member orders are learned
				if i > 0 {
					doc.WriteString(",")
				}
				fmt.Fprintf(&doc, `{"type":"library","name":"a%d","version":"1","licenses":%s}`, i, lic)
			}
			doc.WriteString("]}")
			t.Run(fmt.Sprintf("%s licences %d", ref.version, li), func(t *testing.T) {
				compareProxies(t, s, doc.String(), proxyReaders[0])
			})
		}
	}
}

// FuzzProxiesAsParsed compares as TestProxiesAsParsed does on any instance, against
// proxySchema and the CycloneDX 1.5 and 1.7 schemas.
func FuzzProxiesAsParsed(f *testing.F) {
	for _, inst := range proxyInstances {
		if len(inst.in) < 4<<10 {
			f.Add([]byte(inst.in))
		}
	}
	for _, lic := range cdxLicences {
		f.Add([]byte(`{"bomFormat":"CycloneDX","specVersion":"1.5","components":[{"type":"library","name":"a","licenses":` + lic + `}]}`))
	}
	addSeeds(f, "testdata/cdx*.json", 16<<10)
	var schemas []*schema
	f.Fuzz(func(t *testing.T, data []byte) {
		if schemas == nil {
			schemas = append(schemas, compileInline(t, proxySchema))
			for _, ref := range acceptedSchemas {
				if ref.version == "1.5" || ref.version == "1.7" {
					s, err := engineSchemas[ref]()
					if err != nil {
						t.Fatal(err)
					}
					schemas = append(schemas, s)
				}
			}
		}
		for _, s := range schemas {
			for _, r := range proxyReaders[:2] {
				compareParsedOrFailed(t, s, string(data), r)
			}
		}
	})
}

// compareParsedOrFailed is compareProxies for an instance that may not be JSON.
func compareParsedOrFailed(t *testing.T, s *schema, in string, r func(string) io.Reader) {
	t.Helper()
	if _, err := newScanner(strings.NewReader(in), nil).parseValue(&tree{}, 0); err != nil {
		// Without a parsed value to compare with, with and without proxies must still agree.
		st := newStreamer(newScanner(r(in), nil))
		err := st.valueHash(s, 0, nil)
		ref := newStreamer(newScanner(r(in), nil))
		ref.noProxies = true
		refErr := ref.valueHash(s, 0, nil)
		if g, w := fmt.Sprintf("%T %v", err, err), fmt.Sprintf("%T %v", refErr, refErr); g != w {
			t.Fatalf("error %s, without proxies %s", g, w)
		}
		if st.ev.count != ref.ev.count || !slices.Equal(st.ev.errs, ref.ev.errs) {
			t.Fatalf("%d violations %v, without proxies %d %v", st.ev.count, st.ev.errs, ref.ev.count, ref.ev.errs)
		}
		return
	}
	compareProxies(t, s, in, r)
}
