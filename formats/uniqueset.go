package formats

// digestSet remembers an array's elements for uniqueItems: an open-addressing table of element
// numbers keyed by the digest itself (already uniformly random, so it needs no hashing of its
// own) with at most 3/4 of the slots full, and each element's input offset, in element order.
// A slot holds the element number and the digest's low 32 bits (those that choose the slot,
// and what is left of them tells most digests apart), so that a probe and a growth read slots
// and no element: one random access to memory an element, which is most of what a large
// array's set costs. An element keeps the digest's top 16 bits beside its offset, read when
// the low bits match: two elements whose 48 bits match are compared (equal.go), and the offset
// is where a streamed element is read again from for that. 8 bytes an element and 8 a slot: 19
// to 29 bytes an element. The elements are kept in chunks, so a long array's are never copied
// to a bigger slice (each copy would leave the old one's pages to the process until the
// runtime hands them back).
type digestSet struct {
	chunks [][]setElem // digestChunk elements each, the last one filling up
	count  int
	slots  []uint64 // the digest's low 32 bits, then element index + 1; 0 marks an empty slot
	n      int      // slots in use
}

// setElem is an element's input offset (below 2^48, 256 TiB) and its digest's top 16 bits.
type setElem uint64

func (e setElem) offset() int64 { return int64(e >> 16) }

const (
	digestChunkBits = 12
	digestChunk     = 1 << digestChunkBits
)

func (d *digestSet) elem(i int) setElem {
	return d.chunks[i>>digestChunkBits][i&(digestChunk-1)]
}

// offset is where element i starts in the input.
func (d *digestSet) offset(i int) int64 { return d.elem(i).offset() }

func (d *digestSet) push(e setElem) {
	last := len(d.chunks) - 1
	if last < 0 || len(d.chunks[last]) == digestChunk {
		size := digestChunk
		if last < 0 {
			size = 8 // the first chunk grows as needed: most arrays are short
		}
		d.chunks = append(d.chunks, make([]setElem, 0, size))
		last++
	}
	d.chunks[last] = append(d.chunks[last], e)
	d.count++
}

// maxKeptSetSlots is the largest set kept for reuse: clearing a bigger one for every small
// array would cost more than it saves.
const maxKeptSetSlots = 1 << 12

// add records the next element, with digest h, starting at input offset off, and reports the
// index of an earlier element equal to it, if any. equal decides whether an earlier element
// whose digest is h is the same value; only an error from it stops the search.
func (d *digestSet) add(h valueHash, off int64, equal func(prev int) (bool, error)) (prev int, dup bool, err error) {
	h = h.cut()
	j := d.count
	elem := setElem(off<<16 | int64(h>>48))
	d.push(elem)
	if (d.n+1)*4 > len(d.slots)*3 {
		d.grow()
	}
	top := uint64(h) << 32
	mask := uint64(len(d.slots) - 1)
	for i := top >> 32 & mask; ; i = (i + 1) & mask {
		v := d.slots[i]
		if v == 0 {
			d.slots[i] = top | uint64(j+1)
			d.n++
			return 0, false, nil
		}
		if v&^(1<<32-1) == top {
			prev := int(uint32(v)) - 1
			if uint16(d.elem(prev)) != uint16(elem) {
				continue
			}
			if same, err := equal(prev); err != nil || same {
				return prev, same, err
			}
		}
	}
}

func (d *digestSet) grow() {
	old := d.slots
	d.slots = make([]uint64, max(8, 2*len(old)))
	mask := uint64(len(d.slots) - 1)
	for _, v := range old {
		if v == 0 {
			continue
		}
		i := v >> 32 & mask
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
