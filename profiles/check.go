package profiles

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/formats"
)

// maxShown is how many components a message names for each missing element; the rest are
// counted.
const maxShown = 3

// missing is the components that lack one element: how many, and the first few.
type missing struct {
	count int
	ptrs  [maxShown]string
	offs  [maxShown]int64
}

// checker is the formats.Checker of a set of rule sets, for one document. It keeps facts,
// counts and the first few places, never a component.
type checker struct {
	rules      []*ruleSet
	fields     field // every rule set's component fields
	spdx       bool
	version    string
	facts      [nFacts]bool
	components int
	missing    [nFields]missing
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

// Value routes what the streamer parsed to the element checks. The streamer hands over array
// elements (each component, package, dependency, relationship) and members it could not
// stream; which of these a document's schema yields depends on its version, so routing accepts
// a value at any depth on the way to what it needs and descends the rest itself. It allocates
// nothing on the common path (one array element): pointers are written only for the few
// components a message names.
func (c *checker) Value(p formats.Path, v formats.Node) {
	var keys [3][]byte
	n := min(p.Len(), len(keys))
	for i := range n {
		if k, ok := p.Key(i); ok {
			keys[i] = k
		} else {
			keys[i] = indexKey
		}
	}
	c.route(keys[:n], where{path: p}, v)
}

// indexKey stands for an array index in route's keys, which route compares only with member
// names it knows (none of them empty).
var indexKey = []byte{}

// where is a value's place: the streamer's path, plus steps route took inside the value. Its
// pointer is written only when a message needs it.
type where struct {
	path   formats.Path
	suffix string
}

func (w where) pointer() string { return w.path.Pointer() + w.suffix }

func (w where) child(step string) where {
	return where{w.path, w.suffix + "/" + step}
}

// route looks at v, found at keys (the first steps of its path).
func (c *checker) route(keys [][]byte, at where, v formats.Node) {
	if len(keys) == 0 { // the root, or a member the streamer did not stream: descend
		c.members(keys, at, v)
		return
	}
	list, item := "components", c.component
	if c.spdx {
		list, item = "packages", c.pkg
	}
	switch top := string(keys[0]); {
	case top == list:
		c.each(keys, at, v, item)
	case !c.spdx && top == "dependencies":
		c.each(keys, at, v, c.dependency)
	case c.spdx && top == "relationships":
		c.each(keys, at, v, c.relationship)
	case !c.spdx && top == "metadata":
		c.metadata(keys, at, v)
	case c.spdx && top == "creationInfo":
		c.creationInfo(keys, at, v)
	}
}

// members routes each member of an object found at keys.
func (c *checker) members(keys [][]byte, at where, v formats.Node) {
	if !v.IsObject() || len(keys) >= 2 {
		return
	}
	for j := 0; j < v.Len(); j++ {
		k, m := v.Elem(j)
		c.route(append(keys[:len(keys):len(keys)], k), at.child(escape(string(k))), m)
	}
}

// each calls fn on the elements of the array at keys[:1], v being the array or one element.
func (c *checker) each(keys [][]byte, at where, v formats.Node, fn func(at where, v formats.Node)) {
	switch len(keys) {
	case 1:
		if !v.IsArray() {
			return
		}
		for j := 0; j < v.Len(); j++ {
			_, e := v.Elem(j)
			fn(at.child(strconv.Itoa(j)), e)
		}
	case 2:
		fn(at, v)
	}
}

// component checks a CycloneDX component and, as components too, those nested in it.
func (c *checker) component(at where, v formats.Node) {
	if !v.IsObject() {
		return
	}
	c.count(at, v, cdxFields(v))
	if sub, ok := v.Get("components"); ok && sub.IsArray() {
		for j := 0; j < sub.Len(); j++ {
			_, e := sub.Elem(j)
			c.component(at.child("components/"+strconv.Itoa(j)), e)
		}
	}
}

func (c *checker) pkg(at where, v formats.Node) {
	if !v.IsObject() {
		return
	}
	have := spdxFields(v)
	if c.version == "2.2" { // no primaryPackagePurpose before SPDX 2.3: nothing can say it
		have |= fieldExecutable | fieldArchive | fieldStructured
	}
	c.count(at, v, have)
}

// count records a component that has the fields have.
func (c *checker) count(at where, v formats.Node, have field) {
	c.components++
	c.facts[factComponents] = true
	lack := c.fields &^ have
	for b := 0; lack != 0; b++ {
		if lack&(1<<b) == 0 {
			continue
		}
		lack &^= 1 << b
		m := &c.missing[b]
		if m.count < maxShown {
			m.ptrs[m.count], m.offs[m.count] = at.pointer(), v.Offset()
		}
		m.count++
	}
}

func (c *checker) dependency(_ where, v formats.Node) {
	if c.facts[factDependency] {
		return // one is enough
	}
	if d, ok := v.Get("dependsOn"); ok && anyText(d) {
		c.facts[factDependency] = true
	}
}

// dependencyTypes are the SPDX relationships that say one package is part of, or needed by,
// another: NTIA's "included in", BSI's "dependencies".
var dependencyTypes = map[string]bool{
	"DEPENDS_ON": true, "DEPENDENCY_OF": true, "CONTAINS": true, "CONTAINED_BY": true,
	"BUILD_DEPENDENCY_OF": true, "DEV_DEPENDENCY_OF": true, "OPTIONAL_DEPENDENCY_OF": true,
	"PROVIDED_DEPENDENCY_OF": true, "TEST_DEPENDENCY_OF": true, "RUNTIME_DEPENDENCY_OF": true,
	"STATIC_LINK": true, "DYNAMIC_LINK": true, "HAS_PREREQUISITE": true, "PREREQUISITE_FOR": true,
}

func (c *checker) relationship(_ where, v formats.Node) {
	if c.facts[factDependency] {
		return // one is enough
	}
	if dependencyTypes[string(get(v, "relationshipType").Text())] && text(v, "spdxElementId") && text(v, "relatedSpdxElement") {
		c.facts[factDependency] = true
	}
}

// metadata looks at CycloneDX metadata, whole or one member (or one element of one) at a time.
func (c *checker) metadata(keys [][]byte, at where, v formats.Node) {
	if len(keys) == 1 {
		c.members(keys, at, v)
		return
	}
	switch k := string(keys[1]); k {
	case "timestamp":
		if len(keys) == 2 && nonEmpty(v.Text()) {
			c.facts[factTimestamp] = true
		}
	case "authors", "tools", "manufacture", "manufacturer", "supplier":
		if anyText(v) {
			c.facts[factAuthor] = true
		}
		if k != "tools" && hasContact(v) {
			c.facts[factCreatorContact] = true
		}
	}
}

func (c *checker) creationInfo(keys [][]byte, at where, v formats.Node) {
	if len(keys) == 1 {
		c.members(keys, at, v)
		return
	}
	switch string(keys[1]) {
	case "created":
		if len(keys) == 2 && nonEmpty(v.Text()) {
			c.facts[factTimestamp] = true
		}
	case "creators":
		if anyText(v) {
			c.facts[factAuthor] = true
		}
		forStrings(v, func(s []byte) {
			if bytes.HasPrefix(s, []byte("Tool:")) {
				return // a tool is no creator to contact
			}
			if agentContact(s) {
				c.facts[factCreatorContact] = true
			}
		})
	}
}

// escape writes a member name as a JSON Pointer step.
func escape(s string) string { return pointerEscaper.Replace(s) }

var pointerEscaper = strings.NewReplacer("~", "~0", "/", "~1")
