package formats

import (
	"math/rand/v2"
	"testing"
)

// TestDigestSetAgreesWithMap adds random digests, some repeated, to a digestSet and a map, and
// checks both report the same duplicates and earlier indexes, across growth and reuse.
func TestDigestSetAgreesWithMap(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	var e evaluator
	for _, n := range []int{0, 1, 7, 8, 100, 5000, 20000, 3} {
		d := e.takeSet()
		want := map[valueHash]int{}
		var added []valueHash
		for j := range n {
			h := valueHash{r.Uint64(), r.Uint64()}
			if len(added) > 0 && r.IntN(4) == 0 {
				h = added[r.IntN(len(added))]
			}
			prev, dup := d.add(h)
			wantPrev, wantDup := want[h]
			if dup != wantDup || dup && prev != wantPrev {
				t.Fatalf("n=%d element %d: got (%d, %v), want (%d, %v)", n, j, prev, dup, wantPrev, wantDup)
			}
			if !dup {
				want[h] = j
				added = append(added, h)
			}
		}
		e.putSet(d)
	}
}
