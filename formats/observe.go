package formats

import (
	"strconv"
	"strings"

	"github.com/sbomcat/sbomcat"
)

// This file is the hook through which rules beyond the schema (the minimum-elements profiles
// of package profiles) see a document without a second pass over it: the streamer hands a
// Checker every value it parses whole, an array element (a component, a package, a
// relationship) or a member it could not stream, while the value is in the reused tree. A
// Checker reads what it needs through Node and keeps no Node after Value returns, so memory
// stays bounded by the largest element, as the schema check's is.

// Checker checks rules beyond the schema as the document streams by. Validate makes one per
// document (Options.Checks), calls Start once the format and version are known, Value for each
// value parsed whole, in document order, and Report only for a document that conforms to its
// schema.
type Checker interface {
	Start(format sbomcat.Format, version string)
	// Value is called with a value and its place in the document; neither may be kept.
	Value(path Path, v Node)
	// Report returns what is wrong ("" when nothing is) and where the first problem is, if
	// it has a place. places turns input offsets (Node.Offset) into lines and columns in one
	// pass over the file; call it at most once, and only on failure.
	Report(places func(offsets []int64) []sbomcat.Place) (problem string, first *sbomcat.Place)
}

// Path is where a value is: the member names and array indexes from the document's root.
type Path struct{ p []pathElem }

// Len is how many steps the path has.
func (p Path) Len() int { return len(p.p) }

// Key returns step i's member name; ok is false when step i is an array index.
func (p Path) Key(i int) (key []byte, ok bool) { return p.p[i].key, p.p[i].key != nil }

// Index returns step i's array index (meaningless for a member name).
func (p Path) Index(i int) int { return p.p[i].idx }

// Pointer writes the path as a JSON Pointer ("/components/3").
func (p Path) Pointer() string {
	var b strings.Builder
	for _, e := range p.p {
		b.WriteByte('/')
		if e.key != nil {
			b.WriteString(escapePointer(string(e.key)))
		} else {
			b.WriteString(strconv.Itoa(e.idx))
		}
	}
	return b.String()
}

// Node is a read-only view of one parsed JSON value, valid only during Checker.Value. The zero
// Node reads as null, so a missing member's view can be read like any other.
type Node struct {
	t *tree
	i int32
}

var nullNode = node{kind: kindNull}

func (n Node) node() *node {
	if n.t == nil {
		return &nullNode
	}
	return &n.t.nodes[n.i]
}

// IsString, IsArray and IsObject report the value's JSON type.
func (n Node) IsString() bool { return n.node().kind == kindString }
func (n Node) IsArray() bool  { return n.node().kind == kindArray }
func (n Node) IsObject() bool { return n.node().kind == kindObject }

// Text is a string value's text (at most its first 1 MiB); "" for any other value.
func (n Node) Text() []byte {
	if nd := n.node(); nd.kind == kindString {
		return nd.str
	}
	return nil
}

// Len is how many elements or members an array or object has; 0 for anything else.
func (n Node) Len() int {
	if nd := n.node(); nd.kind == kindArray || nd.kind == kindObject {
		return int(nd.n)
	}
	return 0
}

// Elem returns element or member j (0 <= j < Len) and, for a member, its name.
func (n Node) Elem(j int) (key []byte, v Node) {
	c := n.node().first + int32(j)
	return n.t.nodes[c].key, Node{n.t, c}
}

// Get returns an object's member named key.
func (n Node) Get(key string) (Node, bool) {
	nd := n.node()
	if nd.kind != kindObject {
		return Node{}, false
	}
	for c := nd.first; c < nd.first+nd.n; c++ {
		if string(n.t.nodes[c].key) == key {
			return Node{n.t, c}, true
		}
	}
	return Node{}, false
}

// Offset is where the value starts in the input, for Report's places.
func (n Node) Offset() int64 {
	if n.t == nil {
		return 0
	}
	return n.t.offset(n.i)
}

// observe hands the value at i, at the evaluator's current path, to the checker, if any.
func (st *streamer) observe(i int32) {
	if st.checker != nil {
		st.checker.Value(Path{st.ev.path}, Node{&st.t, i})
	}
}
