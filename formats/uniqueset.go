package formats

// digestSet remembers the digests of an array's elements for uniqueItems: the digests in
// element order (16 bytes each) and an open-addressing table of element numbers keyed by the
// digest itself (already uniformly random, so it needs no hashing of its own), 4 bytes a slot
// with at most 3/4 of the slots full. That is about 24 bytes an element, against about 44 in a
// Go map keyed by digest.
type digestSet struct {
	digests []valueHash
	slots   []uint32 // element index + 1; 0 marks an empty slot
	n       int      // slots in use
}

// maxKeptSetSlots is the largest set kept for reuse: clearing a bigger one for every small
// array would cost more than it saves.
const maxKeptSetSlots = 1 << 12

// add records the digest of the next element and reports the index of an earlier element with
// the same digest, if any.
func (d *digestSet) add(h valueHash) (prev int, dup bool) {
	j := len(d.digests)
	d.digests = append(d.digests, h)
	if (d.n+1)*4 > len(d.slots)*3 {
		d.grow()
	}
	mask := uint64(len(d.slots) - 1)
	for i := h[0] & mask; ; i = (i + 1) & mask {
		v := d.slots[i]
		if v == 0 {
			d.slots[i] = uint32(j + 1)
			d.n++
			return 0, false
		}
		if d.digests[v-1] == h {
			return int(v - 1), true
		}
	}
}

func (d *digestSet) grow() {
	old := d.slots
	d.slots = make([]uint32, max(8, 2*len(old)))
	mask := uint64(len(d.slots) - 1)
	for _, v := range old {
		if v == 0 {
			continue
		}
		i := d.digests[v-1][0] & mask
		for d.slots[i] != 0 {
			i = (i + 1) & mask
		}
		d.slots[i] = v
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
	if len(d.slots) > maxKeptSetSlots {
		return
	}
	clear(d.slots)
	d.digests, d.n = d.digests[:0], 0
	e.sets = append(e.sets, d)
}
