package formats

import (
	"math/rand/v2"
	"testing"
)

// iriSeeds are references of the shapes SBOMs carry, and near misses.
var iriSeeds = []string{
	"https://git.example.com/acme/lib-1.git", "https://example.com/lib?x=1#frag", "http://a:8080/b",
	"pkg:npm/%40acme/lib-1@1.0.0", "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79", "mailto:a@b.c",
	"lib/a:b", "a:b/c", ":x", "//host/x", "http://[::1]/", "http://a b/", "http://a%zz/", "/x%4", "x#a#b",
	"http://host:80x/", "http://host:/", "http:", "", "é/ü", "https://ex.com/é?q=ü", "a?b:c", "1a:b",
	"http://us@er/", "http://a/b\\c", "ftp://h/%41%4", "git+ssh://h.x/y", "http://h_~-.x", "*",
}

// checkPlainIRI fails when plainIRI vouches for a string that parseIRI refuses, or gets its
// absoluteness wrong.
func checkPlainIRI(t *testing.T, s string) {
	ok, abs := plainIRI(s)
	if !ok {
		return
	}
	u, err := parseIRI(s)
	if err != nil {
		t.Fatalf("plainIRI accepts %q, parseIRI refuses it: %v", s, err)
	}
	if u.IsAbs() != abs {
		t.Fatalf("plainIRI says absolute=%v for %q, net/url says %v", abs, s, u.IsAbs())
	}
}

// TestPlainIRIAgreesWithNetURL checks the allocation-free IRI check against net/url on the seeds
// and on random mutations of them, and that the common shapes take the fast path.
func TestPlainIRIAgreesWithNetURL(t *testing.T) {
	alphabet := []byte("az09:/?#%@[]._~-+ \t\\\x7f\x00é")
	r := rand.New(rand.NewPCG(3, 4))
	for _, s := range iriSeeds {
		checkPlainIRI(t, s)
		for range 5000 {
			b := []byte(s)
			for range 1 + r.IntN(3) {
				c := alphabet[r.IntN(len(alphabet))]
				i := r.IntN(len(b) + 1)
				if r.IntN(2) == 0 && i < len(b) {
					b[i] = c
				} else {
					b = append(b[:i], append([]byte{c}, b[i:]...)...)
				}
			}
			checkPlainIRI(t, string(b))
		}
	}
	for _, tc := range []struct {
		s   string
		abs bool
	}{
		{"https://git.example.com/acme/lib-1.git", true},
		{"https://example.com:8443/a/b?x=%20#frag", true},
		{"pkg:npm/%40acme/lib-1@1.0.0", true},
		{"urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79", true},
		{"docs/readme.txt", false},
	} {
		if ok, abs := plainIRI(tc.s); !ok || abs != tc.abs {
			t.Errorf("plainIRI(%q) = %v, %v; want the fast path, absolute=%v", tc.s, ok, abs, tc.abs)
		}
	}
}

// FuzzPlainIRI checks the allocation-free IRI check against net/url on arbitrary strings.
func FuzzPlainIRI(f *testing.F) {
	for _, s := range iriSeeds {
		f.Add(s)
	}
	f.Fuzz(checkPlainIRI)
}
