package formats

// streamer validates a document against a compiled schema as it streams by. Objects and arrays
// whose schema can be checked member by member (no anyOf, enum, ... at that level) are never
// built: their members and elements are validated one at a time and dropped (uniqueItems keeps
// a 128-bit digest per element, computed as the element streams by). Anything else is parsed
// into a reusable tree and handed to the evaluator. So memory is the largest such value, not
// the document: one component, one package, one relationship.
type streamer struct {
	sc *scanner
	t  tree
	ev evaluator

	keys []byte // the names of the members being read, outermost first (see object)
	// checker, when set, is shown the document as it is read (observe.go); watch is whether
	// it wants the values at the current place.
	checker Checker
	watch   bool
	// wholeElements parses every array element whole before checking it, as the engine once
	// did: tests compare the two ways.
	wholeElements bool
}

func newStreamer(sc *scanner) *streamer {
	st := &streamer{sc: sc}
	st.ev.t = &st.t
	return st
}

// document validates the one top-level value and checks nothing but whitespace follows.
func (st *streamer) document(s *schema) error {
	if err := st.value(s, 0); err != nil {
		return err
	}
	return st.sc.expectEOF()
}

func (st *streamer) value(s *schema, depth int) error { return st.valueHash(s, depth, nil) }

// valueHash validates the next value against s and, when h is non-nil, stores its digest in
// *h (what tree.hashNode would give), so uniqueItems works on elements that are never built.
func (st *streamer) valueHash(s *schema, depth int, h *valueHash) error {
	r := s.resolved()
	if r.always == nil && r.streamable {
		c, ok := st.sc.peek()
		if !ok {
			return st.sc.eofError("where a value was expected")
		}
		switch {
		case c == '{' && (r.types == 0 || r.types&tObject != 0):
			return st.object(r, depth, h)
		case c == '[' && (r.types == 0 || r.types&tArray != 0):
			return st.array(r, depth, h)
		}
	}
	return st.parsed(s, depth, h)
}

// parsed parses the next value into the tree, validates it against s, stores its digest in *h
// when h is non-nil, and shows it to a watching Checker.
func (st *streamer) parsed(s *schema, depth int, h *valueHash) error {
	st.t.reset(st.sc.offset())
	i, err := st.sc.parseValue(&st.t, depth)
	if err != nil {
		return err
	}
	st.ev.validate(s, i)
	if h != nil {
		*h = st.t.hashNode(i)
	}
	if st.watch {
		st.show(i)
	}
	return nil
}

// skip consumes a value no schema looks at, digesting it into *h when h is non-nil.
func (st *streamer) skip(depth int, h *valueHash) error {
	if h == nil {
		return st.sc.skipValue(depth)
	}
	st.t.reset(st.sc.offset())
	i, err := st.sc.parseValue(&st.t, depth)
	if err != nil {
		return err
	}
	*h = st.t.hashNode(i)
	return nil
}

func (st *streamer) object(s *schema, depth int, h *valueHash) error {
	start, watching, err := st.begin(depth, false)
	if err != nil {
		return err
	}
	var seenBits uint64 // which required properties were seen; a slice past 64 of them
	var seenMore []bool
	if len(s.required) > 64 {
		seenMore = make([]bool, len(s.required))
	}
	count := 0
	var oh objectHash
	var mhv valueHash
	var mh *valueHash // each member's digest, when the object's is wanted
	if h != nil {
		mh = &mhv
	}
	err = st.sc.eachMember(func(rawKey []byte) error {
		count++
		// The scanner reuses its key buffer for the members of nested objects: the name is
		// kept on the streamer's key stack while its value is read.
		mark := len(st.keys)
		st.keys = append(st.keys, rawKey...)
		key := st.keys[mark:len(st.keys):len(st.keys)]
		err := st.member(s, key, depth, mh, &seenBits, seenMore)
		st.keys = st.keys[:mark]
		if err == nil && mh != nil {
			oh.add(key, *mh)
		}
		return err
	})
	if err != nil {
		return err
	}
	if h != nil {
		*h = oh.sum()
	}
	st.end(start, watching)
	for j, req := range s.required {
		if seenMore == nil && seenBits&(1<<j) == 0 || seenMore != nil && !seenMore[j] {
			st.ev.noteMissing(req)
			st.ev.fail("missing required property %q", req)
		}
	}
	st.ev.bounds(count, s.minProps, s.maxProps, "properties")
	return nil
}

// member validates the value of the member named key of an object checked against s, noting
// which required properties it is, and digests the value into *mh when mh is non-nil.
func (st *streamer) member(s *schema, key []byte, depth int, mh *valueHash, seenBits *uint64, seenMore []bool) error {
	for j, req := range s.required {
		if req == bytesString(key) {
			if seenMore != nil {
				seenMore[j] = true
			} else {
				*seenBits |= 1 << j
			}
		}
	}
	sub, found := s.props[bytesString(key)]
	if !found {
		sub = s.addl
	}
	st.ev.path = append(st.ev.path, pathElem{key: key})
	if sub != nil {
		if r := sub.resolved(); r.always != nil {
			if !*r.always {
				st.sc.peek() // to the value: where a fix would go
				st.ev.off = st.sc.offset()
				st.ev.fail("property %q is not allowed here%s", key, suggest(s, key))
			}
			sub = nil // nothing to check in the value
		}
	}
	var err error
	if sub = st.orAnything(sub); sub != nil {
		err = st.valueHash(sub, depth+1, mh)
	} else {
		err = st.skip(depth+1, mh)
	}
	st.ev.path = st.ev.path[:len(st.ev.path)-1]
	return err
}

func (st *streamer) array(s *schema, depth int, h *valueHash) error {
	start, watching, err := st.begin(depth, true)
	if err != nil {
		return err
	}
	var seen *digestSet
	if s.unique {
		seen = st.ev.takeSet()
		defer st.ev.putSet(seen)
	}
	ah := newArrayHash()
	var ehv valueHash
	var eh *valueHash // each element's digest, when uniqueness or the array's digest needs it
	if s.unique || h != nil {
		eh = &ehv
	}
	reportedDup := false
	count := 0
	err = st.sc.eachElement(func(j int) error {
		count++
		st.ev.path = append(st.ev.path, pathElem{idx: j})
		var err error
		switch items := st.orAnything(s.items); {
		case items == nil:
			err = st.skip(depth+1, eh)
		case st.wholeElements && items == s.items:
			err = st.parsed(items, depth+1, eh)
		default:
			err = st.valueHash(items, depth+1, eh)
		}
		st.ev.path = st.ev.path[:len(st.ev.path)-1]
		if err != nil || eh == nil {
			return err
		}
		ah.add(*eh)
		if s.unique {
			if prev, dup := seen.add(*eh); dup && !reportedDup {
				reportedDup = true
				st.ev.off = start
				st.ev.fail("items %d and %d are equal, but items must be unique", prev, j)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if h != nil {
		*h = valueHash(ah)
	}
	st.end(start, watching)
	st.ev.bounds(count, s.minItems, s.maxItems, "items")
	return nil
}

// begin starts streaming an object or array at depth: it checks the nesting, consumes the
// opening byte, and shows a watching Checker where the value starts. watching is whether the
// Checker watched the place the value is at, which end restores.
func (st *streamer) begin(depth int, array bool) (start int64, watching bool, err error) {
	if depth >= maxDepth {
		return 0, false, st.sc.tooDeep()
	}
	start = st.sc.offset()
	st.sc.pos++
	watching = st.watch
	if watching {
		st.watch = st.checker.Enter(Path{st.ev.path}, array, start)
	}
	return start, watching, nil
}

// end finishes what begin started, once the members or elements are read: a Checker that
// wanted the value leaves it, and what is checked of the value as a whole is reported at its
// start.
func (st *streamer) end(start int64, watching bool) {
	if st.watch {
		st.checker.Leave(Path{st.ev.path})
	}
	st.watch = watching
	st.ev.off = start
}

// orAnything is s, or anything where no schema looks (s is nil) but a Checker watches: the
// value is then streamed for the Checker rather than skipped.
func (st *streamer) orAnything(s *schema) *schema {
	if s == nil && st.watch {
		return anything
	}
	return s
}

// trailingDataError is a document followed by more than whitespace.
type trailingDataError struct{ offset int64 }

func (e *trailingDataError) Error() string { return "trailing data after the JSON document" }

// expectEOF checks that only whitespace remains.
func (s *scanner) expectEOF() error {
	_, ok := s.peek()
	if ok {
		return &trailingDataError{offset: s.offset()}
	}
	if s.rerr != nil {
		return &readError{s.rerr}
	}
	return nil
}
