package profiles

import (
	"bytes"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/formats"
)

// maxShown is how many components a message names for each missing element; the rest are
// counted.
const maxShown = 3

// missing is the components that lack one element: how many, and the first few in document
// order.
type missing struct {
	count int
	ptrs  [maxShown]string
	offs  [maxShown]int64
}

// add counts a component that lacks the element, starting at off, and keeps its pointer if it
// is among the first few. A component is counted where it ends, after the components nested in
// it, so it can come before components counted already.
func (m *missing) add(off int64, pointer func() string) {
	j := min(m.count, maxShown)
	for j > 0 && m.offs[j-1] > off {
		j--
	}
	if j < maxShown {
		copy(m.ptrs[j+1:], m.ptrs[j:maxShown-1])
		copy(m.offs[j+1:], m.offs[j:maxShown-1])
		m.ptrs[j], m.offs[j] = pointer(), off
	}
	m.count++
}

// checker is the formats.Checker of a set of rule sets, for one document. It sees the document
// as the streamer reads it and keeps, besides counts and the first few places, only a frame
// for each object or array it is inside of that matters to the profiles (a component, a hash,
// a property, ...), with the few flags that object needs: never a value.
type checker struct {
	rules      []*ruleSet
	fields     field // every rule set's component fields
	spdx       bool
	version    string
	facts      mark // the facts found (fact bits only)
	components int
	missing    [nFields]missing
	stack      []frame // reused from value to value: nothing is allocated per element
}

func newChecker(rules []*ruleSet) *checker {
	c := &checker{rules: rules}
	for _, r := range rules {
		c.fields |= r.fields
	}
	return c
}

func (c *checker) Start(format sbomcat.Format, version string) {
	c.spdx, c.version = format == sbomcat.FormatSPDX, version
}

// Enter pushes the frame of an object or array the profiles read, and declines the rest.
func (c *checker) Enter(p formats.Path, array bool, offset int64) bool {
	c.stack = append(c.stack, frame{})
	n := len(c.stack) - 1
	f := &c.stack[n]
	switch {
	case n > 0:
		k := kindObject
		if array {
			k = kindArray
		}
		c.child(&c.stack[n-1], f, p, k, nil)
	case array: // the root: an SBOM is an object
	case c.spdx:
		f.role, f.comp = roleSPDXRoot, -1
	default:
		f.role, f.comp = roleCDXRoot, -1
	}
	if f.role == roleNone && f.text == 0 && f.contact == 0 {
		c.stack = c.stack[:n]
		return false // nothing in it counts
	}
	if f.role == roleComponent || f.role == rolePackage {
		f.comp, f.off = int32(n), offset
	}
	return true
}

// Value records what a string, number, boolean or null gives.
func (c *checker) Value(p formats.Path, v formats.Node) {
	if len(c.stack) == 0 {
		return // the document is no object or array
	}
	text := v.Text()
	var f frame
	c.child(&c.stack[len(c.stack)-1], &f, p, kindScalar, text)
	if f.text != 0 && nonEmpty(text) {
		c.mark(f.comp, f.text)
	}
	if f.role == roleCreators && !bytes.HasPrefix(text, []byte("Tool:")) && agentContact(text) { // a tool is no creator to contact
		c.facts |= factCreatorContact.mark()
	}
}

// Leave pops the frame of an object or array that ends, and adds up what it found.
func (c *checker) Leave(p formats.Path) {
	f := &c.stack[len(c.stack)-1]
	c.stack = c.stack[:len(c.stack)-1]
	switch f.role {
	case roleComponent:
		c.count(p, f.off, f.have)
	case rolePackage:
		if c.version == "2.2" { // no primaryPackagePurpose before SPDX 2.3: nothing can say it
			f.have |= fieldExecutable | fieldArchive | fieldStructured
		}
		c.count(p, f.off, f.have)
	default: // a hash, a property, a reference, a relationship: it gives when it is whole
		if f.want != 0 && f.flags == f.want {
			c.mark(f.comp, f.gives)
		}
	}
}

// mark records what a value gives: facts to the document, fields to the component at index
// comp of the stack.
func (c *checker) mark(comp int32, m mark) {
	if fs := m.field(); fs != 0 && comp >= 0 {
		c.stack[comp].have |= fs
	}
	c.facts |= m &^ mark(^field(0))
}

// count records a component, starting at off, that has the fields have.
func (c *checker) count(p formats.Path, off int64, have field) {
	c.components++
	c.facts |= factComponents.mark()
	var ptr string
	pointer := func() string {
		if ptr == "" {
			ptr = p.Pointer()
		}
		return ptr
	}
	lack := c.fields &^ have
	for b := 0; lack != 0; b++ {
		if lack&(1<<b) == 0 {
			continue
		}
		lack &^= 1 << b
		c.missing[b].add(off, pointer)
	}
}
