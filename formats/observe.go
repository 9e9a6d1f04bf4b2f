package formats

import (
	"strconv"
	"strings"

	"github.com/sbomcat/sbomcat"
)

// This file is the hook through which rules beyond the schema (the minimum-elements profiles
// of package profiles) see a document without a second pass over it and without building any
// of it: the streamer shows a Checker the document as it reads it, as events in document
// order: where each object and array starts and ends, and every other value. A value the
// streamer streams is shown as it streams by; a value it had to parse whole (an anyOf, an
// enum, ...) is walked in the tree and shown the same way, and a value no schema looks at is
// streamed for the Checker rather than skipped. So a Checker cannot tell one from the other,
// needs no tree of its own, and memory stays bounded by the largest element, as the schema
// check's is.

// Checker checks rules beyond the schema as the document streams by. Validate makes one per
// document (Options.Checks), calls Start once the format and version are known, then Enter,
// Value and Leave as the document is read, and Report only for a document that conforms to
// its schema.
type Checker interface {
	Start(format sbomcat.Format, version string)
	// Enter is called where an object or an array starts, offset being where in the input
	// (for Report's places), and reports whether the Checker wants what it holds: if so,
	// each value inside is shown and then Leave is called with the same path; if not, nothing
	// inside is shown and Leave is not called. The root is entered with an empty path.
	Enter(path Path, array bool, offset int64) bool
	Leave(path Path)
	// Value is called with every string, number, boolean and null inside what the Checker
	// entered. Neither the path nor the value may be kept.
	Value(path Path, v Node)
	// Report returns what is wrong ("" when nothing is) and where the first problem is, if
	// it has a place. places turns input offsets into lines and columns in one pass over the
	// file; call it at most once, and only on failure.
	Report(places func(offsets []int64) []sbomcat.Place) (problem string, first *sbomcat.Place)
}

// Path is where a value is: the member names and array indexes from the document's root.
type Path struct{ p []pathElem }

// Len is how many steps the path has.
func (p Path) Len() int { return len(p.p) }

// Key returns step i's member name; ok is false when step i is an array index.
func (p Path) Key(i int) (key []byte, ok bool) { return p.p[i].key, p.p[i].key != nil }

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

// Node is a read-only view of one string, number, boolean or null, valid only during
// Checker.Value.
type Node struct{ n *node }

// IsString reports whether the value is a string.
func (n Node) IsString() bool { return n.n.kind == kindString }

// Text is a string value's text (at most its first 1 MiB); "" for any other value.
func (n Node) Text() []byte {
	if n.n.kind == kindString {
		return n.n.str
	}
	return nil
}

// anything accepts every value and streams it: what the streamer reads for a watching Checker
// where no schema looks (an unknown member, a true schema), rather than skipping it.
var anything = func() *schema {
	s := &schema{loc: "(anything, for a Checker)", streamable: true, maxItems: -1, maxLen: -1, rareKeywords: noRare}
	s.addl, s.items = s, s
	return s
}()

// show walks the value at i, parsed whole, for a watching Checker, as if it had streamed by.
func (st *streamer) show(i int32) {
	n := &st.t.nodes[i]
	p := Path{st.ev.path}
	if n.kind != kindObject && n.kind != kindArray {
		st.checker.Value(p, Node{n})
		return
	}
	if !st.checker.Enter(p, n.kind == kindArray, st.t.offset(i)) {
		return
	}
	for j := range n.n {
		c := n.first + j
		step := pathElem{key: st.t.nodes[c].key}
		if n.kind == kindArray {
			step.idx = int(j)
		}
		st.ev.path = append(st.ev.path, step)
		st.show(c)
		st.ev.path = st.ev.path[:len(st.ev.path)-1]
	}
	st.checker.Leave(Path{st.ev.path})
}
