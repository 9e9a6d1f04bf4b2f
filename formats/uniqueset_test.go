package formats

import (
	"math/rand/v2"
	"testing"
)

// TestDigestSetAgreesWithMap adds random values, some repeated, to a digestSet and a map, and
// checks both report the same duplicates and earlier indexes, across growth and reuse. The
// values' digests are cut to a few bits in some rounds, so that different values share digests
// and only the comparison tells them apart.
func TestDigestSetAgreesWithMap(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	var e evaluator
	for _, bits := range []uint{64, 3, 0} {
		compared := 0
		for _, n := range []int{0, 1, 7, 8, 100, 5000, 20000, 3} {
			if bits < 64 && n > 5000 {
				continue // every element compared with every other: quadratic
			}
			d := e.takeSet()
			want := map[uint64]int{}
			var values, added []uint64
			for j := range n {
				v := r.Uint64()
				if len(added) > 0 && r.IntN(4) == 0 {
					v = added[r.IntN(len(added))]
				}
				values = append(values, v)
				h := valueHash(v >> (64 - bits))
				prev, dup, err := d.add(h, int64(j), func(prev int) (bool, error) {
					compared++
					if d.offset(prev) != int64(prev) {
						t.Fatalf("element %d has offset %d", prev, d.offset(prev))
					}
					return values[prev] == v, nil
				})
				if err != nil {
					t.Fatal(err)
				}
				wantPrev, wantDup := want[v]
				if dup != wantDup || dup && prev != wantPrev {
					t.Fatalf("bits=%d n=%d element %d: got (%d, %v), want (%d, %v)", bits, n, j, prev, dup, wantPrev, wantDup)
				}
				if !dup {
					want[v] = j
					added = append(added, v)
				}
			}
			e.putSet(d)
		}
		if bits < 64 && compared < 1000 {
			t.Errorf("bits=%d: only %d comparisons", bits, compared)
		}
	}
}
