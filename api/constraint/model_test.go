package constraint

import (
	"maps"
	"regexp"
	"slices"
	"testing"
)

// TestPatternsCompile: the model's patterns are compiled on first use, so a pattern Go cannot
// compile would panic on the request that first needs it; every one must compile, anchored,
// and match as its shape says.
func TestPatternsCompile(t *testing.T) {
	n := 0
	for _, name := range slices.Sorted(maps.Keys(IoT().Shapes)) {
		s := IoT().Shapes[name]
		if (s.Pattern == "") != (s.re == nil) {
			t.Errorf("%s: pattern %q but compiled %v", name, s.Pattern, s.re != nil)
			continue
		}
		if s.Pattern == "" {
			continue
		}
		n++
		if _, err := regexp.Compile(`^(?:` + s.Pattern + `)$`); err != nil {
			t.Errorf("%s: pattern %q: %v", name, s.Pattern, err)
			continue
		}
		if got := s.re().String(); got != `^(?:`+s.Pattern+`)$` {
			t.Errorf("%s: compiled %q, want the pattern anchored", name, got)
		}
	}
	if n == 0 {
		t.Fatal("the model has no patterns: model.json not read?")
	}
	tests := []struct {
		s    String
		v    string
		want bool
	}{
		{PackageName(), "fw-1.0_x", true},
		{PackageName(), "fw 1", false}, // a space is outside [a-zA-Z0-9-_.]
		{PackageName(), "x" + "\n", false},
	}
	for _, tt := range tests {
		var v Violations
		v.Check("packageName", tt.v, tt.s)
		if got := v.Err() == nil; got != tt.want {
			t.Errorf("Check(%q) against %s: valid %v, want %v (%v)", tt.v, tt.s.Name, got, tt.want, v.Err())
		}
	}
}
