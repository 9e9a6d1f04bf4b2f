package formats

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"slices"
	"strconv"

	"github.com/sbomcat/sbomcat/internal/ctxio"
)

// Digests (tree.go) only find candidates: two values whose digests match are the same value
// when the functions here say so, under JSON Schema equality (numbers by value, object members
// in any order). A uniqueItems element streamed by is no longer in memory, so it is read again
// from the input (source) to be compared.

// checkSeed seeds the second digest of a long string's unkept part (see longString).
var checkSeed = maphash.MakeSeed()

// digestShift drops the low bits of the digests that comparisons start from: tests raise it
// so that different values share digests, and only the comparisons that follow tell them apart.
var digestShift uint

// cut is the part of a digest that comparisons start from: all of it, but in tests.
func (h valueHash) cut() valueHash { return h >> digestShift }

// hashedValue is a value from a schema document (an enum's or a const) with its digest.
type hashedValue struct {
	h valueHash
	v any
}

// equals reports whether the value at i equals v.
func (t *tree) equals(i int32, v hashedValue) bool {
	return t.hashNode(i).cut() == v.h.cut() && t.equalsAny(i, v.v)
}

// nodesEqual reports whether the value at i in a equals the value at j in b.
func nodesEqual(a *tree, i int32, b *tree, j int32) bool {
	na, nb := &a.nodes[i], &b.nodes[j]
	if na.kind != nb.kind {
		return false
	}
	switch na.kind {
	case kindNumber:
		return na.num == nb.num // -0 equals 0, as in leafHash
	case kindString:
		la, lb := a.longOf(na), b.longOf(nb)
		if (la == nil) != (lb == nil) || !bytes.Equal(na.str, nb.str) {
			return false
		}
		return la == nil || *la == *lb
	case kindArray:
		if na.n != nb.n {
			return false
		}
		for k := int32(0); k < na.n; k++ {
			if !nodesEqual(a, na.first+k, b, nb.first+k) {
				return false
			}
		}
		return true
	case kindObject:
		return na.n == nb.n && membersEqual(a, na, b, nb)
	}
	return true // null, true, false
}

// member is an object member for membersEqual: its node and its value's digest.
type member struct {
	key []byte
	i   int32
	h   valueHash
}

// membersEqual compares the members of two objects with as many members, in any order. A name
// may repeat (the engine checks every member of that name), so the members are compared as
// multisets: sorted by name and digest, each member is matched with an unmatched equal one
// among those of the same name and digest (more than one only when digests collide).
func membersEqual(a *tree, na *node, b *tree, nb *node) bool {
	ma, mb := sortedMembers(a, na), sortedMembers(b, nb)
	for k := range ma {
		if !bytes.Equal(ma[k].key, mb[k].key) || ma[k].h != mb[k].h {
			return false
		}
	}
	matched := make([]bool, len(mb))
	for start := 0; start < len(ma); {
		end := start + 1
		for end < len(ma) && bytes.Equal(ma[end].key, ma[start].key) && ma[end].h == ma[start].h {
			end++
		}
		for _, x := range ma[start:end] {
			found := false
			for y := start; y < end && !found; y++ {
				if !matched[y] && nodesEqual(a, x.i, b, mb[y].i) {
					matched[y], found = true, true
				}
			}
			if !found {
				return false
			}
		}
		start = end
	}
	return true
}

func sortedMembers(t *tree, n *node) []member {
	ms := make([]member, n.n)
	for k := range ms {
		c := n.first + int32(k)
		ms[k] = member{t.nodes[c].key, c, t.hashNode(c)}
	}
	slices.SortFunc(ms, func(x, y member) int {
		if c := bytes.Compare(x.key, y.key); c != 0 {
			return c
		}
		switch {
		case x.h < y.h:
			return -1
		case x.h > y.h:
			return 1
		}
		return 0
	})
	return ms
}

// equalsAny reports whether the value at i equals v, a value decoded from a schema document
// (json.Number for numbers), as hashAny digests it.
func (t *tree) equalsAny(i int32, v any) bool {
	n := &t.nodes[i]
	switch v := v.(type) {
	case nil:
		return n.kind == kindNull
	case bool:
		return v && n.kind == kindTrue || !v && n.kind == kindFalse
	case json.Number:
		f, _ := strconv.ParseFloat(string(v), 64)
		return n.kind == kindNumber && n.num == f
	case float64:
		return n.kind == kindNumber && n.num == v
	case string:
		// A string past maxKeptString is no schema's value (see hasEnumStr).
		return n.kind == kindString && !n.truncated() && string(n.str) == v
	case []any:
		if n.kind != kindArray || int(n.n) != len(v) {
			return false
		}
		for k, e := range v {
			if !t.equalsAny(n.first+int32(k), e) {
				return false
			}
		}
		return true
	case map[string]any:
		if n.kind != kindObject || int(n.n) != len(v) {
			return false
		}
		// As many members as v has, each with a name of v's and an equal value, and every
		// name of v among them: so no name repeats. (n is no larger than the schema's value.)
		kids := t.nodes[n.first : n.first+n.n]
		for k := range kids {
			e, ok := v[bytesString(kids[k].key)]
			if !ok || !t.equalsAny(n.first+int32(k), e) {
				return false
			}
		}
		for name := range v {
			if !hasMember(kids, name) {
				return false
			}
		}
		return true
	}
	return false
}

// source reads the input again from an offset (counted as the scanner counts them), so that
// two elements with the same digest can be compared after they streamed by: the file opened
// again, past skip bytes before the origin of the offsets. A value in the streamer, so that a
// document with no matching digests allocates nothing for it.
type source struct {
	ctx  context.Context
	open Opener
	skip int64
}

// errChanged is what confirming a digest match reports when the input read again is not what
// was read the first time.
var errChanged = errors.New("the input changed while it was read")

// errNoSource is what confirming a digest match reports when the streamer has no source.
var errNoSource = errors.New("no source to read elements again from")

// maxComparedBytes is the longest element, as written, that is read again whole to be compared:
// a tree takes up to about 40 times the bytes it is parsed from, and a document's memory stays
// what streaming takes. Longer elements whose digests match are taken to be equal, as a string's
// part past maxKeptString is compared by its digests alone; that takes an input with two
// elements of over 256 KiB that differ but share a 64-bit digest with a random seed.
const maxComparedBytes = 256 << 10

// sameElements reports whether the values that start at input offsets a and b (a < b; the one
// at b ends at bEnd; both were read once, so are well-formed) are equal, reading them again from
// the source.
func (st *streamer) sameElements(a, b, bEnd int64) (bool, error) {
	if bEnd-b > maxComparedBytes {
		return true, nil
	}
	if st.source.open == nil {
		return false, errNoSource
	}
	same, err := st.compareAgain(a, b)
	if err != nil {
		if re := (*readError)(nil); !errors.As(err, &re) {
			err = errChanged // not JSON now, or shorter: not what was read the first time
		}
		return false, fmt.Errorf("reading items again to compare them: %w", err)
	}
	return same, nil
}

func (st *streamer) compareAgain(a, b int64) (bool, error) {
	// How long is the first? Skipping it builds nothing.
	sc, closer, err := st.scanAt(a)
	if err != nil {
		return false, err
	}
	err = sc.skipValue(0)
	closer.Close()
	if err != nil {
		return false, err
	}
	if sc.offset()-a > maxComparedBytes {
		return true, nil
	}
	if sc, closer, err = st.scanAt(a); err != nil {
		return false, err
	}
	defer closer.Close()
	var ta, tb tree
	i, err := sc.parseValue(&ta, 0)
	if err != nil {
		return false, err
	}
	if err := sc.discardTo(b); err != nil {
		return false, err
	}
	j, err := sc.parseValue(&tb, 0)
	if err != nil {
		return false, err
	}
	return nodesEqual(&ta, i, &tb, j), nil
}

// scanAt returns a scanner over the source from input offset off on, and what closes it.
func (st *streamer) scanAt(off int64) (*scanner, io.Closer, error) {
	rc, err := st.source.at(off)
	if err != nil {
		return nil, nil, &readError{err}
	}
	sc := newScanner(rc, nil)
	sc.base = off
	return sc, rc, nil
}

// discardTo reads on to input offset off, which is not behind the scanner.
func (s *scanner) discardTo(off int64) error {
	for s.offset() < off {
		if s.pos == s.end && !s.fill() {
			if s.rerr != nil {
				return &readError{s.rerr}
			}
			return errChanged
		}
		s.pos += int(min(off-s.offset(), int64(s.end-s.pos)))
	}
	return nil
}

// at opens the input and reads it to input offset off, seeking when the file allows it.
func (src source) at(off int64) (io.ReadCloser, error) {
	rc, err := src.open()
	if err != nil {
		return nil, err
	}
	at := src.skip + off
	if sk, ok := rc.(io.Seeker); ok {
		if _, err := sk.Seek(at, io.SeekStart); err != nil {
			rc.Close()
			return nil, err
		}
		at = 0
	}
	r := ctxio.Reader(src.ctx, rc)
	if _, err := io.CopyN(io.Discard, r, at); err != nil {
		rc.Close()
		return nil, err
	}
	return struct {
		io.Reader
		io.Closer
	}{r, rc}, nil
}
