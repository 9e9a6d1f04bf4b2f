package formats

// digestSet remembers the digests of an array's elements for uniqueItems: the digests in
// element order (16 bytes each) and an open-addressing table of element numbers keyed by the
// digest itself (already uniformly random, so it needs no hashing of its own), 4 bytes a slot
// with at most 3/4 of the slots full. That is about 24 bytes an element, against about 44 in a
// Go map keyed by digest. The digests are kept in chunks, so a long array's are never copied
// to a bigger slice (each copy would leave the old one's pages to the process until the
// runtime hands them back).
type digestSet struct {
	chunks [][]valueHash // digestChunk digests each, the last one filling up
	count  int
	slots  []uint32 // element index + 1; 0 marks an empty slot
	n      int      // slots in use
}

const (
	digestChunkBits = 12
	digestChunk     = 1 << digestChunkBits
)

func (d *digestSet) digest(i int) valueHash {
	return d.chunks[i>>digestChunkBits][i&(digestChunk-1)]
}

func (d *digestSet) push(h valueHash) {
	last := len(d.chunks) - 1
	if last < 0 || len(d.chunks[last]) == digestChunk {
		size := digestChunk
		if last < 0 {
			size = 8 // the first chunk grows as needed: most arrays are short
		}
		d.chunks = append(d.chunks, make([]valueHash, 0, size))
		last++
	}
	d.chunks[last] = append(d.chunks[last], h)
	d.count++
}

// maxKeptSetSlots is the largest set kept for reuse: clearing a bigger one for every small
// array would cost more than it saves.
const maxKeptSetSlots = 1 << 12

// add records the digest of the next element and reports the index of an earlier element with
// the same digest, if any.
func (d *digestSet) add(h valueHash) (prev int, dup bool) {
	j := d.count
	d.push(h)
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
		if d.digest(int(v-1)) == h {
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
		i := d.digest(int(v - 1))[0] & mask
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
	if len(d.slots) > maxKeptSetSlots || len(d.chunks) > 1 {
		return
	}
	clear(d.slots)
	if len(d.chunks) == 1 {
		d.chunks[0] = d.chunks[0][:0]
	}
	d.count, d.n = 0, 0
	e.sets = append(e.sets, d)
}
