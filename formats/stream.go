package formats

// streamer validates a document against a compiled schema as it streams by. Objects and arrays
// whose schema can be checked member by member (no anyOf, enum, ... at that level) are never
// built: their members and elements are validated one at a time and dropped (uniqueItems keeps
// a 64-bit digest, computed as the element streams by, and the input offset of each element,
// to read it again should its digest match another's). Anything else is parsed into a
// reusable tree and handed to the evaluator. So memory is the largest such value, not the
// document: one component, one package, one relationship.
type streamer struct {
	sc *scanner
	t  tree
	ev evaluator

	// source reads the input again, to compare uniqueItems elements whose digests match.
	source source

	keys []byte // the names of the members being read, outermost first (see object)
	// next learns the order members come in: at row schema.propBase+k, 1 + the index in
	// propList of the member that last came after the member at row k (0: none yet). See
	// property. (A byte a row measured 6% slower on CycloneDX than int32.)
	next []int32
	// checker, when set, is shown the document as it is read (observe.go); watch is whether
	// it wants the values at the current place.
	checker Checker
	watch   bool
	// wholeElements parses every array element whole before checking it, as the engine once
	// did: tests compare the two ways.
	wholeElements bool
	// speculating counts the speculative reads under way (proxy.go): while it is above zero
	// the evaluator is quiet, and what does not conform ends the read with errNoMatch.
	speculating int
	// noProxies parses every value whose schema has proxies, as the engine once did: tests
	// compare the two ways.
	noProxies bool
}

func newStreamer(sc *scanner) *streamer {
	// keys is never nil, so neither is a member name on it, "" included: a nil key marks an
	// array element (pathElem).
	st := &streamer{sc: sc, keys: make([]byte, 0, 256)}
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
	// base is where the tree counts the value's offsets from: before the whitespace that
	// precedes it unless a streamable schema peeked past that whitespace, as the streamer
	// always did; it makes a difference only past 4 GiB of whitespace, where a node's offset
	// gives out, but a failure's place stays what it was.
	base := st.sc.offset()
	if r.always == nil && (r.streamable || r.plainString || r.proxies != nil) {
		c, ok := st.sc.at(), true // peek, inlined (see at)
		if c <= ' ' {
			c, ok = st.sc.skipSpace()
		}
		if !ok {
			return st.sc.eofError("where a value was expected")
		}
		if r.streamable {
			base = st.sc.offset()
		}
		switch {
		case c == '{' && r.streamable && (r.types == 0 || r.types&tObject != 0):
			return st.object(r, depth, h)
		case c == '[' && r.streamable && (r.types == 0 || r.types&tArray != 0):
			return st.array(r, depth, h)
		case c == '"' && r.plainString && !st.watch: // a watching Checker is shown a tree node
			return st.str(r, base, h)
		case (c == '{' || c == '[') && r.proxies != nil && !st.watch && st.speculating < maxSpeculation && !st.noProxies:
			if done, err := st.speculate(r, c, depth, h); done || err != nil {
				return err
			}
		}
	}
	return st.parsed(s, base, depth, h)
}

// str reads a string value whose opening quote is next and checks it against s, a
// plainString schema, as parsed would but with no tree node: half the time of a CycloneDX
// document went to leaf strings (descriptions, URLs, hashes, purls) built into the tree, then
// checked and digested from there. It stores the digest in *h when h is non-nil, and counts
// the value's offset from base as parsed does, so a failure names the same place.
func (st *streamer) str(s *schema, base int64, h *valueHash) error {
	st.t.reset(base)
	off := st.t.base + int64(st.t.relOffset(st.sc.offset()))
	v, inPlace, err := st.sc.stringView(st.t.bytes[:0])
	if err != nil {
		return err
	}
	if !inPlace {
		st.t.bytes = v // the buffer, grown, for the next value
	}
	var long *longString
	if st.sc.spill != nil { // takeLong is not inlined, and strings are rarely long
		l, _ := st.sc.takeLong()
		long = &l
	}
	prev := st.ev.off
	st.ev.off = off
	// The order of the evaluator's check: the string keywords, then the enum.
	ok := st.ev.str(s, v, long)
	if s.enumStrs != nil && !s.hasEnumStr(v, long) {
		ok = st.ev.notInEnum(s, v)
	}
	st.ev.off = prev
	if err := st.conforms(ok); err != nil {
		return err
	}
	if h != nil {
		*h = stringHash(v, long)
	}
	return nil
}

// parsed parses the next value into the tree, whose offsets count from base, validates it
// against s, stores its digest in *h when h is non-nil, and shows it to a watching Checker.
func (st *streamer) parsed(s *schema, base int64, depth int, h *valueHash) error {
	st.t.reset(base)
	i, err := st.sc.parseValue(&st.t, depth)
	if err != nil {
		return err
	}
	if err := st.conforms(st.ev.validate(s, i)); err != nil {
		return err
	}
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
	row := s.propBase // the start of the object: see member
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
		p, err := st.member(s, key, &row, depth, mh, &seenBits, seenMore)
		st.keys = st.keys[:mark]
		switch {
		case err != nil || mh == nil:
		case p != nil:
			oh.addKey(p.key, *mh)
		default:
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
	ok := true
	for j, req := range s.required {
		if seenMore == nil && seenBits&(1<<j) == 0 || seenMore != nil && !seenMore[j] {
			st.ev.noteMissing(req)
			ok = st.ev.fail("missing required property %q", req)
		}
	}
	if !st.ev.bounds(count, s.minProps, s.maxProps, "properties") {
		ok = false
	}
	return st.conforms(ok)
}

// conforms is errNoMatch when a speculative read (proxy.go) finds what its proxy refuses, ok
// false, and nil otherwise: outside one, violations are recorded and reading goes on.
func (st *streamer) conforms(ok bool) error {
	if !ok && st.speculating > 0 {
		return errNoMatch
	}
	return nil
}

// member validates the value of the member named key of an object checked against s, noting
// which required properties it is, and digests the value into *mh when mh is non-nil. *row is
// the learned-order row of the member before it (see property), and becomes this member's. p
// is the declared property it is, nil if none.
func (st *streamer) member(s *schema, key []byte, row *int, depth int, mh *valueHash, seenBits *uint64, seenMore []bool) (p *propEntry, err error) {
	var sub *schema
	if p = st.property(s, key, row); p != nil && seenMore == nil {
		*seenBits |= p.reqBits
		sub = p.sch
	} else {
		if p != nil {
			sub = p.sch
		} else {
			sub = s.addl
		}
		for j, req := range s.required { // a required name need not be a declared property
			if req == bytesString(key) {
				if seenMore != nil {
					seenMore[j] = true
				} else {
					*seenBits |= 1 << j
				}
			}
		}
	}
	st.ev.path = append(st.ev.path, pathElem{key: key})
	if sub != nil {
		if r := sub.resolved(); r.always != nil {
			if !*r.always {
				if st.speculating > 0 {
					st.ev.path = st.ev.path[:len(st.ev.path)-1]
					return p, errNoMatch
				}
				st.sc.peek() // to the value: where a fix would go
				st.ev.off = st.sc.offset()
				st.ev.fail("property %q is not allowed here%s", key, suggest(s, key))
			}
			sub = nil // nothing to check in the value
		}
	}
	if sub = st.orAnything(sub); sub != nil {
		err = st.valueHash(sub, depth+1, mh)
	} else {
		err = st.skip(depth+1, mh)
	}
	st.ev.path = st.ev.path[:len(st.ev.path)-1]
	return p, err
}

// property finds the declared property of s named key, nil if there is none. Tools write
// members in the same order object after object, so the member that came after the previous
// one (at *row) last time is tried first, with one string comparison; only a wrong guess pays
// for the map lookup, which was about a tenth of a CycloneDX document's time. The learned order is
// the streamer's own, as schemas are shared between goroutines.
func (st *streamer) property(s *schema, key []byte, row *int) *propEntry {
	if s.propList == nil {
		return nil
	}
	r := *row
	if len(st.next) < *s.propRows && st.sc.base > 0 {
		// A row for every object schema of the graph, once the document is past its first
		// buffer: a small document would pay more for the table (4 KiB for CycloneDX 1.6,
		// 6% of a small file's time) than learning saves it.
		st.next = make([]int32, *s.propRows)
	}
	var i int32 = -1
	// A streamer validates against one graph: were it given another, rows would only be
	// guessed wrong, not read out of bounds.
	if r < len(st.next) {
		if g := st.next[r] - 1; g >= 0 && int(g) < len(s.propList) && s.propList[g].name == bytesString(key) {
			i = g
		}
	}
	if i < 0 {
		if j, found := s.propIdx[bytesString(key)]; found {
			i = j
			if r < len(st.next) {
				st.next[r] = j + 1
			}
		}
	}
	if i < 0 {
		*row = s.propBase + len(s.propList) + 1
		return nil
	}
	*row = s.propBase + 1 + int(i)
	return &s.propList[i]
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
	var off, end int64 // where the current element starts and ends
	// Elements with the same digest are read again and compared, while a duplicate would be
	// spelled out in the verdict; past that (the document already fails) the digest is trusted
	// for the count of further violations, so a document with many duplicates is not read
	// again for each.
	equal := func(prev int) (bool, error) {
		if len(st.ev.errs) >= maxReported {
			return true, nil
		}
		return st.sameElements(seen.offset(prev), off, end)
	}
	err = st.sc.eachElement(func(j int) error {
		count++
		off = st.sc.offset()
		st.ev.path = append(st.ev.path, pathElem{idx: j})
		var err error
		sub := s.itemAt(j)
		switch items := st.orAnything(sub); {
		case items == nil:
			err = st.skip(depth+1, eh)
		case st.wholeElements && items == sub:
			err = st.parsed(items, st.sc.offset(), depth+1, eh)
		default:
			err = st.valueHash(items, depth+1, eh)
		}
		st.ev.path = st.ev.path[:len(st.ev.path)-1]
		if err != nil || eh == nil {
			return err
		}
		ah.add(*eh)
		if s.unique && !reportedDup { // one duplicate is reported an array
			end = st.sc.offset()
			prev, dup, err := seen.add(*eh, off, equal)
			if err != nil {
				return err
			}
			if dup {
				reportedDup = true
				st.ev.off = start
				return st.conforms(st.ev.fail("items %d and %d are equal, but items must be unique", prev, j))
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
	return st.conforms(st.ev.bounds(count, s.minItems, s.maxItems, "items"))
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
