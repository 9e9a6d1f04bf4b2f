package formats

import (
	"bytes"
	"errors"
	"fmt"
	"unsafe"
)

// schemaText is a schema document as the compiler reads it: its text, with where each member
// and element of its objects and arrays starts and ends, found in one pass. The compiler
// decodes only the values it uses (a keyword's own value: a type, an enum) and steps over the
// rest, the descriptions, titles and examples that are most of a CycloneDX schema's bytes:
// decoding whole documents into maps and strings, for the compiler to look at a few keys of
// each, was two fifths of compiling one and most of what that allocated.
type schemaText struct {
	b    []byte
	root textValue
	// members are the members of each object and the elements of each array (with no key),
	// each container's in a row, in the document's order.
	members []textMember
	stack   []textMember // the members of the containers still open while indexing
}

// textValue is one JSON value of a schemaText: its bytes are t.b[start:end], and when it is an
// object or an array, its members are t.members[first:first+n].
type textValue struct {
	t *schemaText
	textMember
}

// textMember is a member of an object or an element of an array. Its key is a view of the
// text when the name has no escapes: what outlives the text must copy it (compiler.keep). n
// is -1 for an array whose elements were not noted (see kids).
type textMember struct {
	key        string
	start, end int32
	first, n   int32
}

// newSchemaText indexes a JSON document. Its text is kept, and must not change.
func newSchemaText(b []byte) (*schemaText, error) {
	if len(b) > 1<<31-1 {
		return nil, fmt.Errorf("a schema of %d bytes is too large", len(b))
	}
	// A CycloneDX schema has a member or element for every 56 bytes or so.
	t := &schemaText{b: b, members: make([]textMember, 0, len(b)/48+16)}
	s := &scanner{buf: b, end: len(b), eof: true}
	if _, ok := s.peek(); !ok {
		return nil, s.eofError("where a value was expected")
	}
	root, err := t.index(s, "", 0)
	if err != nil {
		return nil, err
	}
	t.root = textValue{t, root}
	if c, more := s.peek(); more {
		return nil, s.fail("unexpected %s after the top-level value", describeByte(c))
	}
	t.stack = nil
	return t, nil
}

// index reads the value at s's position (whitespace skipped), noting the members of the
// objects and the elements of the arrays in it, and returns it as a member named key.
func (t *schemaText) index(s *scanner, key string, depth int) (textMember, error) {
	m := textMember{key: key, start: int32(s.pos)}
	c := s.at()
	if c != '{' && c != '[' {
		err := s.skipValue(depth)
		m.end = int32(s.pos)
		return m, err
	}
	if depth >= maxDepth {
		return m, s.tooDeep()
	}
	s.pos++
	if c == '[' {
		if scalars, err := scalarsOnly(s, depth); scalars || err != nil {
			m.n, m.end = -1, int32(s.pos) // see kids
			return m, err
		}
	}
	mark := len(t.stack)
	var err error
	if c == '{' {
		err = s.eachMember(func(k []byte) error { return t.member(s, t.name(s, k), depth) })
	} else {
		err = s.eachElement(func(int) error { return t.member(s, "", depth) })
	}
	if err != nil {
		return m, err
	}
	m.first, m.n = int32(len(t.members)), int32(len(t.stack)-mark)
	t.members = append(t.members, t.stack[mark:]...)
	t.stack = t.stack[:mark]
	m.end = int32(s.pos)
	return m, nil
}

func (t *schemaText) member(s *scanner, key string, depth int) error {
	if _, ok := s.peek(); !ok {
		return s.eofError("where a value was expected")
	}
	m, err := t.index(s, key, depth+1)
	t.stack = append(t.stack, m)
	return err
}

// name is the member name k that s just read (and the ':' after it), as a view of the text
// when it stands there as it is, with no escapes; otherwise a copy.
func (t *schemaText) name(s *scanner, k []byte) string {
	q := s.pos - 1 // the ':'
	for q > 0 && t.b[q] != '"' {
		q--
	}
	if q < len(k) || !bytes.Equal(t.b[q-len(k):q], k) {
		return string(k)
	}
	return unsafe.String(unsafe.SliceData(t.b[q-len(k):q]), len(k))
}

// kind is the first byte of v's text: '{', '[', '"', 't', 'f', 'n' or a number's first.
func (v textValue) kind() byte { return v.t.b[v.start] }

// kids are the members of an object or the elements of an array, in the document's order
// (a repeated member name included), none for any other value.
func (v textValue) kids() []textMember {
	if v.n < 0 { // an array with no object or array in it: its elements were not noted
		s := &scanner{buf: v.t.b[:v.end], pos: int(v.start) + 1, end: int(v.end), eof: true}
		var kids []textMember
		_ = s.eachElement(func(int) error { // the text was read once, so it has no errors
			s.peek()
			start := int32(s.pos)
			err := s.skipValue(0)
			kids = append(kids, textMember{start: start, end: int32(s.pos)})
			return err
		})
		return kids
	}
	return v.t.members[v.first : v.first+v.n]
}

// errContainer stops scalarsOnly at the first object or array.
var errContainer = errors.New("an object or array")

// scalarsOnly reads the elements of the array whose '[' s just read, if none is an object or
// an array: no schema is found among them by position (they are an enum's values, a list of
// required names), so their places are not noted, and the compiler reads such arrays whole.
// Otherwise it leaves s where it was.
func scalarsOnly(s *scanner, depth int) (bool, error) {
	start := s.pos
	err := s.eachElement(func(int) error {
		if c, _ := s.peek(); c == '{' || c == '[' {
			return errContainer
		}
		return s.skipValue(depth + 1)
	})
	if errors.Is(err, errContainer) {
		s.pos = start
		return false, nil
	}
	return err == nil, err
}

func (v textValue) at(m textMember) textValue { return textValue{v.t, m} }

// member is the value of the member of object v named name, the last one if the name
// repeats (as a decoded map keeps it).
func (v textValue) member(name string) (textValue, bool) {
	if v.kind() != '{' {
		return textValue{}, false
	}
	kids := v.kids()
	for k := len(kids) - 1; k >= 0; k-- {
		if kids[k].key == name {
			return v.at(kids[k]), true
		}
	}
	return textValue{}, false
}
