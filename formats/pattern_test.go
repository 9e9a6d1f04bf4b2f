package formats

import (
	"math/rand/v2"
	"sort"
	"testing"
)

// schemaPatterns collects every "pattern" and patternProperties name of the accepted schemas.
func schemaPatterns(t testing.TB) []string {
	t.Helper()
	set := map[string]bool{}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, e := range v {
				if p, ok := e.(string); ok && k == "pattern" {
					set[p] = true
				}
				if pp, ok := e.(map[string]any); ok && k == "patternProperties" {
					for name := range pp {
						set[name] = true
					}
				}
				walk(e)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	paths := append([]string(nil), cycloneDXCommon...)
	for _, ref := range acceptedSchemas {
		paths = append(paths, ref.path)
	}
	for _, p := range paths {
		doc, err := schemaDoc(p)
		if err != nil {
			t.Fatal(err)
		}
		walk(doc)
	}
	out := make([]string, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// extraPatterns exercise the hand matcher's shapes beyond what the schemas use today.
var extraPatterns = []string{
	`^$`, `^a$`, `^[a-c]*x$`, `^(ab|cd)?e$`, `^[^x]+$`, `^.{2,4}$`, `^(?s).*$`, `^[\x{80}-\x{10FFFF}]+$`,
	`^(.*)$`, `^.+$`, `^a.*$`, `^[^b]*$`, `^x[^\n]+$`, `^(?i)abc$`, `^a*?b$`, `^[a-z]+[a-z]$`, `^x|y$`, `abc`, `^[\s]{1,3}z$`, `^(([0-9]{2})|([a-f]{3}))(-[A-Z])?$`,
}

// patternAlphabet holds the characters fuzzed strings are made of: the edges of the classes the
// patterns use, and characters that need care (newline, non-ASCII, invalid UTF-8).
var patternAlphabet = []string{
	"0", "1", "9", "a", "f", "g", "z", "A", "F", "G", "Z", "-", "+", ".", "/", ":", "#", "(", ")", " ",
	"\t", "\n", "\r", "u", "r", "n", "i", "d", "c", "x", "C", "R", "E", "é", "€", "😀", "\xff", "\xc3",
	"urn:uuid:", "urn:cdx:", "CRE:", "3e671687", "395b", "a30f-a58921a69b79",
}

// randomString makes a string from pieces of the alphabet, or a mutation of a known match.
func randomString(r *rand.Rand, matches []string) string {
	if len(matches) > 0 && r.IntN(2) == 0 {
		b := []byte(matches[r.IntN(len(matches))])
		for range r.IntN(3) {
			if len(b) == 0 {
				break
			}
			i := r.IntN(len(b))
			switch r.IntN(3) {
			case 0:
				b = append(b[:i], b[i+1:]...)
			case 1:
				b[i] = patternAlphabet[r.IntN(len(patternAlphabet))][0]
			default:
				b = append(b[:i], append([]byte(patternAlphabet[r.IntN(len(patternAlphabet))]), b[i:]...)...)
			}
		}
		return string(b)
	}
	var b []byte
	for range r.IntN(140) {
		b = append(b, patternAlphabet[r.IntN(len(patternAlphabet))]...)
	}
	return string(b)
}

// knownMatches are strings of the shapes the schemas' patterns describe, for mutation.
var knownMatches = []string{
	"urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79", "urn:cdx:3e671687-395b-41f5-a30f-a58921a69b79/1",
	"urn:cdx:3e671687-395b-41f5-a30f-a58921a69b79/12#comp", "application/json", "en", "en-US", "DE",
	"CRE:123-456", "0123456789abcdef0123456789abcdef", "0123456789abcdef0123456789abcdef01234567",
	"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "Apache-2.0 (x)", "x", "ab", "cde",
}

// TestHandPatternsAgreeWithRegexp checks the hand matcher against regexp on random strings for
// every pattern of the accepted schemas, and that the schemas' common patterns are hand-matched.
func TestHandPatternsAgreeWithRegexp(t *testing.T) {
	pats := append(schemaPatterns(t), extraPatterns...)
	r := rand.New(rand.NewPCG(1, 2))
	for _, src := range pats {
		p, err := compilePattern(src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if p.hand == nil {
			t.Logf("%s: matched by regexp", src)
			continue
		}
		for range 20000 {
			s := randomString(r, knownMatches)
			if got, want := p.Match([]byte(s)), p.re.MatchString(s); got != want {
				t.Fatalf("pattern %s on %q: hand matcher says %v, regexp %v", src, s, got, want)
			}
		}
	}
	for _, src := range []string{
		`^(.*)$`, `^[-+a-z0-9.]+/[-+a-z0-9.]+$`, `^([a-z]{2})(-[A-Z]{2})?$`,
		`^([a-fA-F0-9]{32}|[a-fA-F0-9]{40}|[a-fA-F0-9]{64}|[a-fA-F0-9]{96}|[a-fA-F0-9]{128})$`,
		`^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`,
		`^urn:cdx:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/[1-9][0-9]*#.+$`,
	} {
		if p, _ := compilePattern(src); p.hand == nil {
			t.Errorf("%s falls back to regexp; the hand matcher should take it", src)
		}
	}
}

// FuzzHandPatterns feeds arbitrary strings to every hand-matched pattern and regexp alike.
func FuzzHandPatterns(f *testing.F) {
	for _, s := range knownMatches {
		f.Add(s)
	}
	var pats []*pattern
	for _, src := range append(schemaPatterns(f), extraPatterns...) {
		if p, err := compilePattern(src); err == nil && p.hand != nil {
			pats = append(pats, p)
		}
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, p := range pats {
			if got, want := p.Match([]byte(s)), p.re.MatchString(s); got != want {
				t.Fatalf("pattern %s on %q: hand matcher says %v, regexp %v", p, s, got, want)
			}
		}
	})
}
