package formats

import (
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// schema is one compiled JSON Schema (draft-07) node of our own engine. Keywords the accepted
// schemas never use (and annotations) are left out; compile refuses a schema that uses a keyword
// it does not know, so a future schema cannot be half-checked in silence.
type schema struct {
	loc string // where it came from, for debugging

	always *bool   // a boolean schema: true accepts anything, false nothing
	ref    *schema // draft-07: $ref overrides every sibling keyword

	types typeSet // zero: any type

	// objects
	props     map[string]*schema
	propOrder []string // sorted, for stable messages
	// propList is props in propOrder with their places in required, and propIdx each one's
	// index in it: the streamer looks members up by position (see streamer.member). propBase
	// is where this schema's rows start in a streamer's table of learned member orders.
	propList   []propEntry
	propIdx    map[string]int32
	propBase   int
	propRows   *int // the rows of the whole table, final once the compiler is done
	patProps   []patternSchema
	addl       *schema // nil: anything allowed
	required   []string
	minProps   int
	maxProps   int // -1: no bound
	depsReq    map[string][]string
	depsSchema map[string]*schema
	propNames  *schema

	// arrays
	items     *schema   // the single-schema form
	tuple     []*schema // the array form
	addlItems *schema
	minItems  int
	maxItems  int
	unique    bool
	contains  *schema

	// strings
	minLen, maxLen int
	pattern        *lazyPattern
	format         func(string) error
	formatName     string

	// numbers
	minimum, maximum, exclMin, exclMax, multipleOf *float64

	// any type
	enum       []hashedValue // non-nil, if empty, when there is an enum
	enumText   string        // the allowed values, for messages
	enumStrs   map[string]struct{}
	constHash  *valueHash
	constVal   any
	constText  string
	allOf      []*schema
	anyOf      []*schema
	oneOf      []*schema
	not        *schema
	ifS        *schema
	thenS      *schema
	elseS      *schema
	streamable bool // objects and arrays can be checked as they stream by
	// plainString: a string value is checked by the string keywords and an enum of strings
	// alone (no composite, no const), so the streamer reads it without building a tree node.
	plainString bool

	keywords []string // the keywords it has, sorted, annotations left out
	// proxies are streamable schemas each of which accepts only values s accepts: the
	// streamer tries them on a value before parsing it whole for s (see proxy.go), unless
	// they failed on a recent value, which it notes at row proxyRow of its table of learned
	// member orders.
	proxies  []*schema
	proxyRow int
}

// propEntry is one declared property of an object schema.
type propEntry struct {
	name string
	sch  *schema
	// reqBits has bit j set when required[j] is this property (when there are at most 64).
	reqBits uint64
	key     keyHash
}

type patternSchema struct {
	re  *lazyPattern
	sch *schema
}

type typeSet uint8

const (
	tNull typeSet = 1 << iota
	tBoolean
	tInteger
	tNumber
	tString
	tArray
	tObject
)

var typeNames = map[string]typeSet{
	"null": tNull, "boolean": tBoolean, "integer": tInteger, "number": tNumber,
	"string": tString, "array": tArray, "object": tObject,
}

func (ts typeSet) String() string {
	var names []string
	for _, n := range []string{"object", "array", "string", "number", "integer", "boolean", "null"} {
		if ts&typeNames[n] != 0 {
			names = append(names, n)
		}
	}
	return strings.Join(names, " or ")
}

// annotations are keywords that never affect a verdict.
var annotations = map[string]bool{
	"$schema": true, "$id": true, "$comment": true, "title": true, "description": true,
	"default": true, "examples": true, "definitions": true, "readOnly": true, "writeOnly": true,
	"contentEncoding": true, "contentMediaType": true, "meta:enum": true, "deprecated": true,
	"javaType": true, "format-description": true,
}

// compiler turns schema documents into schema graphs, resolving $ref across documents.
type compiler struct {
	docs map[string]any     // by absolute URL without fragment
	done map[string]*schema // by absolute URL with fragment
	// propRows counts the rows of learned member orders handed out (schema.propBase): one
	// table serves every schema a compiler makes, so one validation needs one, allocated once
	// at its full size (schema.propRows) when the first object is met.
	propRows *int
	// composites are the schemas compiled with allOf, anyOf or oneOf, for finish, which can
	// only look at their subschemas once every reference is compiled.
	composites []*schema
	refs       map[[2]string]string    // resolveRef's, by document URL and $ref
	patterns   map[string]*lazyPattern // by source
}

func newCompiler() *compiler {
	return &compiler{docs: map[string]any{}, done: map[string]*schema{}, propRows: new(int),
		refs: map[[2]string]string{}, patterns: map[string]*lazyPattern{}}
}

func (c *compiler) addDoc(u string, doc any) { c.docs[u] = doc }

// compileURL compiles the schema at ref, with the ones it refers to, and gives those that
// need it their proxies.
func (c *compiler) compileURL(ref string) (*schema, error) {
	s, err := c.schemaAt(ref)
	if err != nil {
		return nil, err
	}
	c.finish()
	return s, nil
}

// finish does what needs every schema compiled. An allOf of a single schema with nothing
// beside it is that schema: the evaluator checks it with the same messages at the same places,
// and the streamer can stream what it streams. CycloneDX's refLinkType is one, the strings of
// every dependsOn: streaming them rather than parsing each into the tree took 1-3% off the
// CPU time of a generated CycloneDX 1.5 document (interleaved runs of sbomctl). Then the
// schemas with anyOf or oneOf get their proxies (proxy.go).
func (c *compiler) finish() {
	for _, s := range c.composites {
		if len(s.allOf) == 1 && s.onlyKeywords("allOf") && !leadsTo(s.allOf[0], s) {
			s.ref = s.allOf[0]
		}
	}
	for _, s := range c.composites {
		if s.anyOf != nil || s.oneOf != nil {
			if s.proxies = c.proxiesOf(s); s.proxies != nil {
				s.proxyRow = *c.propRows
				*c.propRows++
			}
		}
	}
	c.composites = nil
}

// leadsTo reports whether following references from a reaches s, or goes on too long to tell.
func leadsTo(a, s *schema) bool {
	for range 100 {
		if a == s {
			return true
		}
		if a = a.ref; a == nil {
			return false
		}
	}
	return true
}

// schemaAt compiles the schema at ref once.
func (c *compiler) schemaAt(ref string) (*schema, error) {
	if s, ok := c.done[ref]; ok {
		return s, nil
	}
	docURL, frag, _ := strings.Cut(ref, "#")
	doc, ok := c.docs[docURL]
	if !ok {
		return nil, fmt.Errorf("schema %s is not loaded", docURL)
	}
	v, err := resolvePointer(doc, frag)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ref, err)
	}
	s := &schema{loc: ref}
	c.done[ref] = s // before compiling: recursive references find it
	if err := c.compileInto(s, v, docURL, ref); err != nil {
		return nil, err
	}
	return s, nil
}

func resolvePointer(doc any, frag string) (any, error) {
	if frag == "" || frag == "/" {
		return doc, nil
	}
	frag, err := url.PathUnescape(frag)
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(frag, "/") {
		return nil, fmt.Errorf("unsupported fragment %q", frag)
	}
	v := doc
	for _, tok := range strings.Split(frag[1:], "/") {
		if strings.Contains(tok, "~") {
			tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		}
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[tok]; !ok {
				return nil, fmt.Errorf("no member %q", tok)
			}
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(x) {
				return nil, fmt.Errorf("no element %q", tok)
			}
			v = x[i]
		default:
			return nil, fmt.Errorf("cannot descend into %T at %q", v, tok)
		}
	}
	return v, nil
}

// resolveRef is the absolute URL, with a fragment, of a $ref in the document at docURL. A
// schema repeats the same few references hundreds of times, so each is parsed once.
func (c *compiler) resolveRef(docURL, ref string) (string, error) {
	key := [2]string{docURL, ref}
	if target, ok := c.refs[key]; ok {
		return target, nil
	}
	base, err := url.Parse(docURL)
	if err != nil {
		return "", err
	}
	r, err := base.Parse(ref)
	if err != nil {
		return "", fmt.Errorf("bad $ref %q: %w", ref, err)
	}
	target := r.String()
	if !strings.Contains(target, "#") {
		target += "#"
	}
	c.refs[key] = target
	return target, nil
}

// pattern makes a pattern once per compiler: the same few (a bom-ref, a hash) recur, and
// schemas can share them.
func (c *compiler) pattern(src string) (*lazyPattern, error) {
	if p, ok := c.patterns[src]; ok {
		return p, nil
	}
	p, err := newLazyPattern(src)
	if err != nil {
		return nil, err
	}
	c.patterns[src] = p
	return p, nil
}

func (c *compiler) sub(v any, docURL, loc string) (*schema, error) {
	// A subschema that is a $ref is the schema it refers to: every reader resolves references
	// (schema.resolved), so the one that would stand for it in between is left out (a third
	// of a CycloneDX schema's nodes, and of what compiling it allocates for them).
	if m, ok := v.(map[string]any); ok {
		if ref, ok := m["$ref"].(string); ok {
			target, err := c.resolveRef(docURL, ref)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", loc, err)
			}
			return c.schemaAt(target)
		}
	}
	s := &schema{loc: loc}
	return s, c.compileInto(s, v, docURL, loc)
}

func (c *compiler) subs(v any, docURL, loc string) ([]*schema, error) {
	arr, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("%s: want an array of schemas", loc)
	}
	out := make([]*schema, len(arr))
	for i, e := range arr {
		s, err := c.sub(e, docURL, loc+"/"+strconv.Itoa(i))
		if err != nil {
			return nil, err
		}
		out[i] = s
	}
	return out, nil
}

func number(v any, loc string) (*float64, error) {
	n, ok := v.(json.Number)
	if !ok {
		return nil, fmt.Errorf("%s: want a number", loc)
	}
	f, err := n.Float64()
	return &f, err
}

func integer(v any, loc string) (int, error) {
	f, err := number(v, loc)
	if err != nil {
		return 0, err
	}
	return int(*f), nil
}

func (c *compiler) compileInto(s *schema, v any, docURL, loc string) error {
	s.maxProps, s.maxItems, s.maxLen = -1, -1, -1
	if b, ok := v.(bool); ok {
		s.always = &b
		return nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("%s: a schema must be an object or a boolean", loc)
	}
	if ref, ok := m["$ref"].(string); ok {
		target, err := c.resolveRef(docURL, ref)
		if err != nil {
			return fmt.Errorf("%s: %w", loc, err)
		}
		s.ref, err = c.schemaAt(target)
		return err
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var err error
	for _, k := range keys {
		if annotations[k] {
			continue
		}
		val := m[k]
		kl := loc + "/" + k
		s.keywords = append(s.keywords, k)
		switch k {
		case "type":
			switch t := val.(type) {
			case string:
				s.types |= typeNames[t]
			case []any:
				for _, e := range t {
					name, _ := e.(string)
					s.types |= typeNames[name]
				}
			}
			if s.types&tNumber != 0 {
				s.types |= tInteger
			}
		case "properties":
			pm, _ := val.(map[string]any)
			s.props = make(map[string]*schema, len(pm))
			for name, ps := range pm {
				if s.props[name], err = c.sub(ps, docURL, kl+"/"+name); err != nil {
					return err
				}
				s.propOrder = append(s.propOrder, name)
			}
			sort.Strings(s.propOrder)
		case "patternProperties":
			pm, _ := val.(map[string]any)
			names := make([]string, 0, len(pm))
			for name := range pm {
				names = append(names, name)
			}
			sort.Strings(names)
			for _, name := range names {
				re, err := c.pattern(name)
				if err != nil {
					return fmt.Errorf("%s: %w", kl, err)
				}
				sub, err := c.sub(pm[name], docURL, kl+"/"+name)
				if err != nil {
					return err
				}
				s.patProps = append(s.patProps, patternSchema{re, sub})
			}
		case "required":
			arr, _ := val.([]any)
			for _, e := range arr {
				name, _ := e.(string)
				s.required = append(s.required, name)
			}
		case "dependencies":
			dm, _ := val.(map[string]any)
			for name, d := range dm {
				if arr, ok := d.([]any); ok {
					if s.depsReq == nil {
						s.depsReq = map[string][]string{}
					}
					for _, e := range arr {
						req, _ := e.(string)
						s.depsReq[name] = append(s.depsReq[name], req)
					}
					continue
				}
				if s.depsSchema == nil {
					s.depsSchema = map[string]*schema{}
				}
				if s.depsSchema[name], err = c.sub(d, docURL, kl+"/"+name); err != nil {
					return err
				}
			}
		case "items":
			if _, ok := val.([]any); ok {
				s.tuple, err = c.subs(val, docURL, kl)
			} else {
				s.items, err = c.sub(val, docURL, kl)
			}
		case "uniqueItems":
			s.unique, _ = val.(bool)
		case "pattern":
			src, _ := val.(string)
			if s.pattern, err = c.pattern(src); err != nil {
				return fmt.Errorf("%s: %w", kl, err)
			}
		case "format":
			name, _ := val.(string)
			// Unknown formats (CycloneDX 1.2 says "string") are annotations, as in draft-07.
			if f, ok := formatCheckers[name]; ok {
				s.format, s.formatName = f, name
			}
		case "enum":
			arr, _ := val.([]any)
			s.enum = make([]hashedValue, 0, len(arr))
			allStrings := true
			// Messages show the first few values only (CycloneDX's licence ids are 1,500).
			text := make([]string, 0, min(len(arr), enumShown))
			for i, e := range arr {
				s.enum = append(s.enum, hashedValue{hashAny(e), e})
				str, ok := e.(string)
				allStrings = allStrings && ok
				switch {
				case i >= enumShown:
				case ok:
					text = append(text, strconv.Quote(str))
				default:
					b, _ := json.Marshal(e)
					text = append(text, string(b))
				}
			}
			if allStrings {
				s.enumStrs = make(map[string]struct{}, len(arr))
				for _, e := range arr {
					s.enumStrs[e.(string)] = struct{}{}
				}
			}
			s.enumText = listForMessage(text, len(arr))
		case "const":
			h := hashAny(val)
			s.constHash, s.constVal = &h, val
			b, _ := json.Marshal(val)
			s.constText = string(b)
		// The keywords that differ only in the field they fill (a switch: maps of the fields,
		// built for every schema, were a tenth of compiling a CycloneDX schema).
		case "additionalProperties":
			s.addl, err = c.sub(val, docURL, kl)
		case "propertyNames":
			s.propNames, err = c.sub(val, docURL, kl)
		case "additionalItems":
			s.addlItems, err = c.sub(val, docURL, kl)
		case "contains":
			s.contains, err = c.sub(val, docURL, kl)
		case "not":
			s.not, err = c.sub(val, docURL, kl)
		case "if":
			s.ifS, err = c.sub(val, docURL, kl)
		case "then":
			s.thenS, err = c.sub(val, docURL, kl)
		case "else":
			s.elseS, err = c.sub(val, docURL, kl)
		case "allOf":
			s.allOf, err = c.subs(val, docURL, kl)
		case "anyOf":
			s.anyOf, err = c.subs(val, docURL, kl)
		case "oneOf":
			s.oneOf, err = c.subs(val, docURL, kl)
		case "minProperties":
			s.minProps, err = integer(val, kl)
		case "maxProperties":
			s.maxProps, err = integer(val, kl)
		case "minItems":
			s.minItems, err = integer(val, kl)
		case "maxItems":
			s.maxItems, err = integer(val, kl)
		case "minLength":
			s.minLen, err = integer(val, kl)
		case "maxLength":
			s.maxLen, err = integer(val, kl)
		case "minimum":
			s.minimum, err = number(val, kl)
		case "maximum":
			s.maximum, err = number(val, kl)
		case "exclusiveMinimum":
			s.exclMin, err = number(val, kl)
		case "exclusiveMaximum":
			s.exclMax, err = number(val, kl)
		case "multipleOf":
			s.multipleOf, err = number(val, kl)
		default:
			return fmt.Errorf("%s: keyword %q is not supported by this engine", loc, k)
		}
		if err != nil {
			return err
		}
	}
	if s.ifS == nil { // then/else without if are ignored
		s.thenS, s.elseS = nil, nil
	}
	s.streamable = s.canStream()
	if s.props != nil {
		c.listProps(s)
	}
	if s.allOf != nil || s.anyOf != nil || s.oneOf != nil {
		c.composites = append(c.composites, s)
	}
	s.plainString = (s.types == 0 || s.types&tString != 0) && s.constHash == nil &&
		(s.enum == nil || s.enumStrs != nil) && s.allOf == nil && s.anyOf == nil &&
		s.oneOf == nil && s.not == nil && s.ifS == nil
	return nil
}

// canStream reports whether objects and arrays can be checked against s as they stream by:
// member by member, element by element, with nothing that needs the value whole.
func (s *schema) canStream() bool {
	return s.enum == nil && s.constHash == nil && s.allOf == nil && s.anyOf == nil &&
		s.oneOf == nil && s.not == nil && s.ifS == nil && s.patProps == nil &&
		s.depsReq == nil && s.depsSchema == nil && s.propNames == nil && s.contains == nil
}

// listProps fills s's propList and propIdx from its props and required, and gives it rows in
// the table of learned member orders: one for the start of an object, one after each declared
// property, one after any other member.
func (c *compiler) listProps(s *schema) {
	s.propIdx = make(map[string]int32, len(s.propOrder))
	for i, name := range s.propOrder {
		e := propEntry{name: name, sch: s.props[name], key: nameHash(name)}
		for j, req := range s.required {
			if req == name && j < 64 {
				e.reqBits |= 1 << j
			}
		}
		s.propList = append(s.propList, e)
		s.propIdx[name] = int32(i)
	}
	s.propBase, s.propRows = *c.propRows, c.propRows
	*c.propRows += len(s.propList) + 2
}

// enumShown is how many of an enum's values its messages list.
const enumShown = 8

// listForMessage joins the items shown of total items and counts the rest.
func listForMessage(shown []string, total int) string {
	if total <= len(shown) {
		return strings.Join(shown, ", ")
	}
	return fmt.Sprintf("%s (and %d more)", strings.Join(shown, ", "), total-len(shown))
}

// resolved follows $ref chains.
func (s *schema) resolved() *schema {
	for s.ref != nil {
		s = s.ref
	}
	return s
}
