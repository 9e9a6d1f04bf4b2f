package formats

// streamer validates a document against a compiled schema as it streams by. Objects and arrays
// whose schema can be checked member by member (no anyOf, enum, ... at that level) are never
// built: their members are validated one at a time and dropped. Anything else, including every
// array element, is parsed into a reusable tree and handed to the evaluator. So memory is the
// largest such value, not the document: one component, one package, one relationship.
type streamer struct {
	sc *scanner
	t  tree
	ev evaluator
	// checker, when set, sees every value parsed whole (observe.go).
	checker Checker
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

func (st *streamer) value(s *schema, depth int) error {
	r := s.resolved()
	if r.always == nil && r.streamable {
		c, ok := st.sc.peek()
		if !ok {
			return st.sc.eofError("where a value was expected")
		}
		switch {
		case c == '{' && (r.types == 0 || r.types&tObject != 0):
			return st.object(r, depth)
		case c == '[' && (r.types == 0 || r.types&tArray != 0):
			return st.array(r, depth)
		}
	}
	st.t.reset(st.sc.offset())
	i, err := st.sc.parseValue(&st.t, depth)
	if err != nil {
		return err
	}
	st.ev.validate(s, i)
	st.observe(i)
	return nil
}

func (st *streamer) object(s *schema, depth int) error {
	if depth >= maxDepth {
		return st.sc.tooDeep()
	}
	start := st.sc.offset()
	st.sc.pos++ // '{'
	seen := make([]bool, len(s.required))
	count := 0
	err := st.sc.eachMember(func(rawKey []byte) error {
		count++
		key := string(rawKey) // the scanner reuses its key buffer
		for j, req := range s.required {
			if req == key {
				seen[j] = true
			}
		}
		sub, found := s.props[key]
		if !found {
			sub = s.addl
		}
		if sub == nil {
			return st.sc.skipValue(depth + 1)
		}
		st.ev.path = append(st.ev.path, pathElem{key: []byte(key)})
		var err error
		if r := sub.resolved(); r.always != nil {
			if !*r.always {
				st.sc.peek() // to the value: where a fix would go
				st.ev.off = st.sc.offset()
				st.ev.fail("property %q is not allowed here%s", key, suggest(s, []byte(key)))
			}
			err = st.sc.skipValue(depth + 1)
		} else {
			err = st.value(sub, depth+1)
		}
		st.ev.path = st.ev.path[:len(st.ev.path)-1]
		return err
	})
	if err != nil {
		return err
	}
	st.ev.off = start
	for j, req := range s.required {
		if !seen[j] {
			st.ev.noteMissing(req)
			st.ev.fail("missing required property %q", req)
		}
	}
	if count < s.minProps {
		st.ev.fail("has %d properties, fewer than the minimum %d", count, s.minProps)
	}
	if s.maxProps >= 0 && count > s.maxProps {
		st.ev.fail("has %d properties, more than the maximum %d", count, s.maxProps)
	}
	return nil
}

func (st *streamer) array(s *schema, depth int) error {
	if depth >= maxDepth {
		return st.sc.tooDeep()
	}
	start := st.sc.offset()
	st.sc.pos++ // '['
	var seen map[valueHash]int
	if s.unique {
		seen = make(map[valueHash]int)
	}
	reportedDup := false
	count := 0
	err := st.sc.eachElement(func(j int) error {
		count++
		if s.items == nil && !s.unique {
			return st.sc.skipValue(depth + 1)
		}
		st.t.reset(st.sc.offset())
		i, err := st.sc.parseValue(&st.t, depth+1)
		if err != nil {
			return err
		}
		if s.items != nil {
			st.ev.path = append(st.ev.path, pathElem{idx: j})
			st.ev.validate(s.items, i)
			st.observe(i)
			st.ev.path = st.ev.path[:len(st.ev.path)-1]
		}
		if s.unique {
			h := st.t.hashNode(i)
			if prev, dup := seen[h]; dup && !reportedDup {
				reportedDup = true
				st.ev.off = start
				st.ev.fail("items %d and %d are equal, but items must be unique", prev, j)
			} else if !dup {
				seen[h] = j
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	st.ev.off = start
	if count < s.minItems {
		st.ev.fail("has %d items, fewer than the minimum %d", count, s.minItems)
	}
	if s.maxItems >= 0 && count > s.maxItems {
		st.ev.fail("has %d items, more than the maximum %d", count, s.maxItems)
	}
	return nil
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
