package formats

import "testing"

// TestPrecompile: every accepted schema compiles (sbomd compiles them all at start).
func TestPrecompile(t *testing.T) {
	if err := Precompile(); err != nil {
		t.Fatal(err)
	}
}
