package profiles

import (
	"bytes"
	"strconv"

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
// a value at any depth on the way to what it needs and descends the rest itself.
func (c *checker) Value(p formats.Path, v formats.Node) {
	keys := make([]string, 0, 4)
	for i := 0; i < p.Len(); i++ {
		k, ok := p.Key(i)
		if !ok {
			k = []byte(strconv.Itoa(p.Index(i)))
		}
		keys = append(keys, string(k))
	}
	c.route(keys, p.Pointer(), v)
}

// route looks at v, found at keys (its JSON Pointer is ptr).
func (c *checker) route(keys []string, ptr string, v formats.Node) {
	if len(keys) == 0 { // the root, or a member the streamer did not stream: descend
		c.members(keys, ptr, v)
		return
	}
	list, item := "components", c.component
	if c.spdx {
		list, item = "packages", c.pkg
	}
	switch top := keys[0]; {
	case top == list:
		c.each(keys, ptr, v, item)
	case !c.spdx && top == "dependencies":
		c.each(keys, ptr, v, c.dependency)
	case c.spdx && top == "relationships":
		c.each(keys, ptr, v, c.relationship)
	case !c.spdx && top == "metadata":
		c.metadata(keys, ptr, v)
	case c.spdx && top == "creationInfo":
		c.creationInfo(keys, ptr, v)
	}
}

// members routes each member of an object found at keys.
func (c *checker) members(keys []string, ptr string, v formats.Node) {
	if !v.IsObject() {
		return
	}
	for j := 0; j < v.Len(); j++ {
		k, m := v.Elem(j)
		c.route(append(keys[:len(keys):len(keys)], string(k)), ptr+"/"+escape(string(k)), m)
	}
}

// each calls fn on the elements of the array at keys[:1], v being the array or one element.
func (c *checker) each(keys []string, ptr string, v formats.Node, fn func(ptr string, v formats.Node)) {
	switch len(keys) {
	case 1:
		if !v.IsArray() {
			return
		}
		for j := 0; j < v.Len(); j++ {
			_, e := v.Elem(j)
			fn(ptr+"/"+strconv.Itoa(j), e)
		}
	case 2:
		fn(ptr, v)
	}
}

// component checks a CycloneDX component and, as components too, those nested in it.
func (c *checker) component(ptr string, v formats.Node) {
	if !v.IsObject() {
		return
	}
	c.count(ptr, v, cdxFields(v))
	if sub, ok := v.Get("components"); ok && sub.IsArray() {
		for j := 0; j < sub.Len(); j++ {
			_, e := sub.Elem(j)
			c.component(ptr+"/components/"+strconv.Itoa(j), e)
		}
	}
}

func (c *checker) pkg(ptr string, v formats.Node) {
	if !v.IsObject() {
		return
	}
	have := spdxFields(v)
	if c.version == "2.2" { // no primaryPackagePurpose before SPDX 2.3: nothing can say it
		have |= fieldExecutable | fieldArchive | fieldStructured
	}
	c.count(ptr, v, have)
}

// count records a component that has the fields have.
func (c *checker) count(ptr string, v formats.Node, have field) {
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
			m.ptrs[m.count], m.offs[m.count] = ptr, v.Offset()
		}
		m.count++
	}
}

func (c *checker) dependency(_ string, v formats.Node) {
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

func (c *checker) relationship(_ string, v formats.Node) {
	if dependencyTypes[str(v, "relationshipType")] && text(v, "spdxElementId") && text(v, "relatedSpdxElement") {
		c.facts[factDependency] = true
	}
}

// metadata looks at CycloneDX metadata, whole or one member (or one element of one) at a time.
func (c *checker) metadata(keys []string, ptr string, v formats.Node) {
	if len(keys) == 1 {
		c.members(keys, ptr, v)
		return
	}
	switch keys[1] {
	case "timestamp":
		if len(keys) == 2 && nonEmpty(v.Text()) {
			c.facts[factTimestamp] = true
		}
	case "authors", "tools", "manufacture", "manufacturer", "supplier":
		if anyText(v) {
			c.facts[factAuthor] = true
		}
		if keys[1] != "tools" && hasContact(v) {
			c.facts[factCreatorContact] = true
		}
	}
}

func (c *checker) creationInfo(keys []string, ptr string, v formats.Node) {
	if len(keys) == 1 {
		c.members(keys, ptr, v)
		return
	}
	switch keys[1] {
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
func escape(s string) string {
	if !bytes.ContainsAny([]byte(s), "~/") {
		return s
	}
	s = string(bytes.ReplaceAll([]byte(s), []byte("~"), []byte("~0")))
	return string(bytes.ReplaceAll([]byte(s), []byte("/"), []byte("~1")))
}
