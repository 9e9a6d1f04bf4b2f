package formats

import (
	"bytes"
	"encoding/json"
	"io"
	"math/rand/v2"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// randomJSON writes a random value drawn from few names, strings and numbers, so that random
// pairs are often equal or nearly so, spelling numbers and ordering members as r chooses: a
// value written twice from the same seed of v but another r is the same value written
// differently.
func randomJSON(b *strings.Builder, v, r *rand.Rand, depth int) {
	switch k := v.IntN(8); {
	case depth > 3 || k < 2:
		nums := [][]string{{"0", "-0", "0.0", "0e5"}, {"1", "1.0", "10e-1", "1E0"}, {"-2.5", "-25e-1", "-2.50"}, {"1e3", "1000", "1000.0"}}
		spell := nums[v.IntN(len(nums))]
		b.WriteString(spell[r.IntN(len(spell))])
	case k < 4:
		strs := [][]string{{`"a"`, `"\u0061"`}, {`""`}, {`"é"`, `"\u00e9"`}, {`"ab"`}, {`"1"`}}
		spell := strs[v.IntN(len(strs))]
		b.WriteString(spell[r.IntN(len(spell))])
	case k == 4:
		b.WriteString([]string{"null", "true", "false"}[v.IntN(3)])
	case k == 5:
		b.WriteByte('[')
		for i := range v.IntN(4) {
			if i > 0 {
				b.WriteByte(',')
			}
			randomJSON(b, v, r, depth+1)
		}
		b.WriteByte(']')
	default:
		names := []string{"a", "b", "c", "d"}
		v.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
		names = names[:v.IntN(len(names)+1)]
		members := make([]string, len(names))
		for i, name := range names {
			var m strings.Builder
			randomJSON(&m, v, r, depth+1)
			members[i] = strconv.Quote(name) + ":" + m.String()
		}
		r.Shuffle(len(members), func(i, j int) { members[i], members[j] = members[j], members[i] })
		b.WriteString("{" + strings.Join(members, ",") + "}")
	}
}

func parseOne(t *testing.T, in string) (*tree, int32) {
	t.Helper()
	var tr tree
	i, err := newScanner(strings.NewReader(in), nil).parseValue(&tr, 0)
	if err != nil {
		t.Fatalf("%s: %v", in, err)
	}
	return &tr, i
}

func decode(t *testing.T, in string, numbers bool) any {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(in))
	if numbers {
		d.UseNumber()
	}
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestValueEquality checks nodesEqual and equalsAny against encoding/json's decoded values
// compared with reflect.DeepEqual (numbers as float64, objects as maps), on random pairs and
// on values written twice in different ways.
func TestValueEquality(t *testing.T) {
	equalPairs := 0
	for seed := range uint64(3000) {
		var a, b strings.Builder
		randomJSON(&a, rand.New(rand.NewPCG(seed, 1)), rand.New(rand.NewPCG(seed, 2)), 0)
		same := seed%2 == 0 // the same value, written another way, or another random value
		if same {
			randomJSON(&b, rand.New(rand.NewPCG(seed, 1)), rand.New(rand.NewPCG(seed, 3)), 0)
		} else {
			randomJSON(&b, rand.New(rand.NewPCG(seed+1, 1)), rand.New(rand.NewPCG(seed, 3)), 0)
		}
		want := reflect.DeepEqual(decode(t, a.String(), false), decode(t, b.String(), false))
		if same && !want {
			t.Fatalf("%s and %s: the test wrote different values", a.String(), b.String())
		}
		ta, i := parseOne(t, a.String())
		tb, j := parseOne(t, b.String())
		if got := nodesEqual(ta, i, tb, j); got != want {
			t.Errorf("nodesEqual(%s, %s) = %v, want %v", a.String(), b.String(), got, want)
		}
		if got := ta.equalsAny(i, decode(t, b.String(), true)); got != want {
			t.Errorf("equalsAny(%s, %s) = %v, want %v", a.String(), b.String(), got, want)
		}
		if want && ta.hashNode(i) != tb.hashNode(j) {
			t.Errorf("%s and %s are equal but digest differently", a.String(), b.String())
		}
		if want {
			equalPairs++
		}
	}
	if equalPairs < 1500 {
		t.Errorf("only %d equal pairs", equalPairs)
	}
}

// TestRepeatedNamesCompareAsMultisets: the engine checks every member of a repeated name, and
// equality counts them all, as the digest does.
func TestRepeatedNamesCompareAsMultisets(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{`{"a":1,"a":2}`, `{"a":2,"a":1}`, true},
		{`{"a":1,"a":1,"b":1}`, `{"a":1,"b":1,"b":1}`, false},
		{`{"a":1,"a":1}`, `{"a":1,"a":2}`, false},
		{`{"a":[1,{"x":1,"y":2}],"a":[1,{"y":2,"x":1}]}`, `{"a":[1,{"x":1,"y":2}],"a":[1,{"x":1,"y":2}]}`, true},
	}
	for _, tt := range tests {
		ta, i := parseOne(t, tt.a)
		tb, j := parseOne(t, tt.b)
		if got := nodesEqual(ta, i, tb, j); got != tt.want {
			t.Errorf("nodesEqual(%s, %s) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
	// A value from a schema has no repeated names: an object that repeats one is not it.
	ta, i := parseOne(t, `{"a":1,"a":1}`)
	if ta.equalsAny(i, decode(t, `{"a":1,"b":1}`, true)) {
		t.Error(`{"a":1,"a":1} equals {"a":1,"b":1}`)
	}
}

// withDigestShift runs f with digests cut to 64-shift bits.
func withDigestShift(t testing.TB, shift uint, f func()) {
	t.Helper()
	old := digestShift
	digestShift = shift
	defer func() { digestShift = old }()
	f()
}

// TestEveryDigestCollides makes every digest the same, so that uniqueItems, enum and const
// decide by comparing values alone: streamed, in a tree, and read again from a file, seekable
// or not.
func TestEveryDigestCollides(t *testing.T) {
	tests := []struct {
		name, schema, instance string
		wantPtr                string // "" when valid
	}{
		{"distinct streamed", `{"type":"array","uniqueItems":true,"items":{"type":"object"}}`, `[{"a":1},{"a":2},{"b":1},{"a":1,"b":1},{"b":1,"a":2}]`, ""},
		{"equal streamed", `{"type":"array","uniqueItems":true,"items":{"type":"object"}}`, `[{"a":1},{"a":2}, {"b":1,"a":[1.0,"x"]}, {"a":[1,"x"],"b":1e0}]`, "/"},
		{"distinct in a tree", `{"anyOf":[{"uniqueItems":true}]}`, `[1,"1",[1],{"1":1},null,true,false,[],{}]`, ""},
		{"equal in a tree", `{"anyOf":[{"uniqueItems":true}]}`, `[1,"1",[1],{"1":1},null,true,{"1":1.0}]`, "/"},
		{"nested, inner equal", `{"type":"array","uniqueItems":true,"items":{"type":"object","properties":{"x":{"type":"array","uniqueItems":true}}}}`, `[{"x":[1,2]},{"x":[2,[3],[3.0]]}]`, "/1/x"},
		{"nested, outer equal", `{"type":"array","uniqueItems":true,"items":{"type":"object","properties":{"x":{"type":"array","uniqueItems":true}}}}`, `[{"x":[1,2]},{"x":[2,1]},{"x":[1,2]}]`, "/"},
		{"nested, distinct", `{"type":"array","uniqueItems":true,"items":{"type":"object","properties":{"x":{"type":"array","uniqueItems":true}}}}`, `[{"x":[1,2]},{"x":[2,1]},{"x":[[1],2]}]`, ""},
		{"enum of objects, in", `{"enum":[{"a":1},{"a":2},"x",[1]]}`, `{"a":2}`, ""},
		{"enum of objects, out", `{"enum":[{"a":1},{"a":2},"x",[1]]}`, `{"a":3}`, "/"},
		{"const, equal", `{"const":{"a":[1,"x"]}}`, `{"a":[1.0,"x"]}`, ""},
		{"const, different", `{"const":{"a":[1,"x"]}}`, `{"a":[1,"y"]}`, "/"},
	}
	withDigestShift(t, 64, func() {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				st, err := streamValidate(t, compileInline(t, tt.schema), tt.instance)
				if err != nil {
					t.Fatal(err)
				}
				gotPtr := ""
				if len(st.ev.errs) > 0 {
					gotPtr = st.ev.errs[0].ptr
				}
				if gotPtr != tt.wantPtr {
					t.Errorf("violations %v, want one at %q", st.ev.errs, tt.wantPtr)
				}
			})
		}
	})
	// Through Validate, which reads the file again to compare components.
	doc := `{"bomFormat":"CycloneDX","specVersion":"1.5","version":1,"components":[` +
		`{"type":"library","name":"a","version":"1"},{"type":"library","name":"a","version":"2"},` +
		`{"type":"library","version":"1","name":"b"},{"type":"library","name":"b","version":"1"}]}`
	for _, seekable := range []bool{true, false} {
		open := func() (io.ReadCloser, error) {
			if seekable {
				return io.NopCloser(bytes.NewReader([]byte(doc))), nil
			}
			return io.NopCloser(struct{ io.Reader }{strings.NewReader(doc)}), nil
		}
		for _, d := range []string{doc, strings.Replace(doc, `"name":"b","version":"1"}]`, `"name":"b","version":"3"}]`, 1)} {
			doc = d
			var v Verdict
			withDigestShift(t, 64, func() { v, _ = Validate(t.Context(), open, Options{}) })
			want, err := validateBytes([]byte(d), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if v.Problem != want.Problem {
				t.Errorf("seekable=%v: every digest colliding: %q; the digests as they are: %q", seekable, v.Problem, want.Problem)
			}
		}
		doc = strings.Replace(doc, `"name":"b","version":"3"}]`, `"name":"b","version":"1"}]`, 1)
	}
}

// andMore is the count of violations past those spelled out: the only part of a verdict that
// trusts a digest match without comparing the values.
var andMore = regexp.MustCompile(` \(and \d+ more\)`)

// sameWithCollidingDigests validates data again with digests cut to 8 bits, so that items,
// enum values and consts share digests all the time and the comparisons that follow a match
// decide, and checks the verdict is ours: the oracle differential test and fuzz target call
// it on every document they compare.
func sameWithCollidingDigests(t testing.TB, data []byte, ours Verdict) {
	t.Helper()
	var cut Verdict
	var err error
	withDigestShift(t, 56, func() { cut, err = validateBytes(data, Options{}) })
	if g, w := andMore.ReplaceAllString(cut.Problem, ""), andMore.ReplaceAllString(ours.Problem, ""); err != nil || g != w {
		t.Fatalf("with 8-bit digests %q (%v), with whole digests %q", g, err, w)
	}
}

// TestLongElementsCompareByDigest: an element longer than maxComparedBytes is not read again
// whole (its tree could take 40 times its bytes), so with every digest colliding two different
// ones are taken to be equal; just under the limit they are compared.
func TestLongElementsCompareByDigest(t *testing.T) {
	s := `{"type":"array","uniqueItems":true,"items":{"type":"object"}}`
	pair := func(n int) string {
		return `[{"a":"` + strings.Repeat("x", n) + `"},{"a":"` + strings.Repeat("y", n) + `"}]`
	}
	withDigestShift(t, 64, func() {
		for _, tt := range []struct {
			n       int
			wantDup bool
		}{{maxComparedBytes - 100, false}, {maxComparedBytes, true}} {
			st, err := streamValidate(t, compileInline(t, s), pair(tt.n))
			if err != nil {
				t.Fatal(err)
			}
			if dup := st.ev.count > 0; dup != tt.wantDup {
				t.Errorf("elements of %d bytes: duplicate=%v, want %v", tt.n+8, dup, tt.wantDup)
			}
		}
	})
}

// TestInputChangedWhileCompared: a file that is not the same when read again to compare two
// items is a read error, not a verdict.
func TestInputChangedWhileCompared(t *testing.T) {
	doc := `{"bomFormat":"CycloneDX","specVersion":"1.5","version":1,"components":[` +
		`{"type":"library","name":"a"},{"type":"library","name":"b"}]}`
	for name, again := range map[string]func() (io.ReadCloser, error){
		"changed": func() (io.ReadCloser, error) {
			return io.NopCloser(strings.NewReader(strings.Replace(doc, `"library"`, `"library`, 1))), nil
		},
		"gone": func() (io.ReadCloser, error) { return nil, os.ErrNotExist },
	} {
		opened := 0
		open := func() (io.ReadCloser, error) {
			if opened++; opened == 1 {
				return io.NopCloser(strings.NewReader(doc)), nil
			}
			return again()
		}
		var err error
		withDigestShift(t, 64, func() { _, err = Validate(t.Context(), open, Options{}) })
		if err == nil || !strings.Contains(err.Error(), "reading items again") {
			t.Errorf("%s: error %v, want one about reading the items again", name, err)
		}
	}
}
