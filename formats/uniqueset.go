package formats

// digestSet remembers the digests of an array's elements for uniqueItems: open addressing on
// the digest itself (already uniformly random, so it needs no hashing of its own), 20 bytes a
// slot and at most 3/4 of the slots full, against about 44 bytes an element in a Go map.
type digestSet struct {
	keys []valueHash
	idx  []int32 // element index + 1; 0 marks an empty slot
	n    int
}

// maxKeptSetSlots is the largest set kept for reuse: clearing a bigger one for every small
// array would cost more than it saves.
const maxKeptSetSlots = 1 << 12

func (d *digestSet) init(slots int) {
	d.keys, d.idx, d.n = make([]valueHash, slots), make([]int32, slots), 0
}

// add records h for element j, or returns the index of an earlier element with the same digest.
func (d *digestSet) add(h valueHash, j int) (prev int, dup bool) {
	if (d.n+1)*4 > len(d.keys)*3 {
		d.grow()
	}
	mask := uint64(len(d.keys) - 1)
	for i := h[0] & mask; ; i = (i + 1) & mask {
		if d.idx[i] == 0 {
			d.keys[i], d.idx[i] = h, int32(j+1)
			d.n++
			return 0, false
		}
		if d.keys[i] == h {
			return int(d.idx[i] - 1), true
		}
	}
}

func (d *digestSet) grow() {
	old, oldIdx := d.keys, d.idx
	d.init(max(8, 2*len(old)))
	for i, x := range oldIdx {
		if x != 0 {
			d.add(old[i], int(x-1))
		}
	}
}

// takeSet returns an empty set, reusing one that an earlier array gave back.
func (e *evaluator) takeSet() *digestSet {
	if k := len(e.sets); k > 0 {
		d := e.sets[k-1]
		e.sets = e.sets[:k-1]
		return d
	}
	return &digestSet{}
}

// putSet gives a set back for reuse, emptied, unless it grew large.
func (e *evaluator) putSet(d *digestSet) {
	if len(d.keys) > maxKeptSetSlots {
		return
	}
	clear(d.idx)
	d.n = 0
	e.sets = append(e.sets, d)
}
