package formats

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
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
	propList []propEntry
	propIdx  map[string]int32
	propBase int
	propRows *int // the rows of the whole table, final once the compiler is done
	patProps []patternSchema
	addl     *schema // nil: anything allowed
	required []string

	// arrays
	items    *schema // the single-schema form
	minItems int
	maxItems int
	unique   bool

	// strings
	minLen, maxLen int
	pattern        *lazyPattern
	format         func(string) error
	formatName     string

	// any type
	enum       []hashedValue // non-nil, if empty, when there is an enum
	enumText   string        // the allowed values, for messages
	enumStrs   map[string]struct{}
	allOf      []*schema
	anyOf      []*schema
	oneOf      []*schema
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

	*rareKeywords // never nil: noRare when s has none of them (see ownRare)
}

// rareKeywords hold the keywords few schemas have, apart, so that the many schemas without
// them take 448 bytes rather than 632: a CycloneDX 1.6 schema compiles to 827 nodes.
type rareKeywords struct {
	// objects
	minProps   int
	maxProps   int // -1: no bound
	depsReq    map[string][]string
	depsSchema map[string]*schema
	propNames  *schema

	// arrays
	tuple     []*schema // the array form of items
	addlItems *schema
	contains  *schema

	// numbers
	minimum, maximum, exclMin, exclMax, multipleOf *float64

	// any type
	constHash *valueHash
	constVal  any
	constText string
	not       *schema
	ifS       *schema
	thenS     *schema
	elseS     *schema
}

// noRare is the rareKeywords of every schema that has none of them. It is never written to:
// compileInto gives a schema its own before setting one (ownRare).
var noRare = &rareKeywords{maxProps: -1}

// ownRare gives s rareKeywords of its own, if it shares noRare.
func (s *schema) ownRare() {
	if s.rareKeywords == noRare {
		r := *noRare
		s.rareKeywords = &r
	}
}

// isRare reports whether keyword k is one of rareKeywords'.
func isRare(k string) bool {
	switch k {
	case "minProperties", "maxProperties", "dependencies", "propertyNames", "additionalItems",
		"contains", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
		"const", "not", "if", "then", "else":
		return true
	}
	return false
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
	docs map[string]*schemaText // by absolute URL without fragment
	done map[string]*schema     // by absolute URL with fragment
	// propRows counts the rows of learned member orders handed out (schema.propBase): one
	// table serves every schema a compiler makes, so one validation needs one, allocated once
	// at its full size (schema.propRows) when the first object is met.
	propRows *int
	// composites are the schemas compiled with allOf, anyOf or oneOf, for finish, which can
	// only look at their subschemas once every reference is compiled.
	composites []*schema
	refs       map[[2]string]string    // resolveRef's, by document URL and $ref
	patterns   map[string]*lazyPattern // by source
	// fields are the members of the schemas being compiled, each schema's sorted by name
	// (see pushFields).
	fields []textMember
	scan   scanner // decode's
	dec    docDecoder
	names  map[string]string // keep's
	// enumUpdates change the enum of the schema at a place (schema.loc) as it is compiled.
	enumUpdates map[string]func([]any) []any
}

func newCompiler() *compiler {
	return &compiler{docs: map[string]*schemaText{}, done: map[string]*schema{}, propRows: new(int),
		refs: map[[2]string]string{}, patterns: map[string]*lazyPattern{}, names: map[string]string{},
		enumUpdates: map[string]func([]any) []any{}}
}

// addText adds the schema document at URL u.
func (c *compiler) addText(u string, t *schemaText) { c.docs[u] = t }

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
	v, err := resolvePointer(doc.root, frag)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ref, err)
	}
	s := &schema{loc: ref, rareKeywords: noRare}
	c.done[ref] = s // before compiling: recursive references find it
	if err := c.compileInto(s, v, docURL, ref); err != nil {
		return nil, err
	}
	return s, nil
}

func resolvePointer(doc textValue, frag string) (textValue, error) {
	if frag == "" || frag == "/" {
		return doc, nil
	}
	frag, err := url.PathUnescape(frag)
	if err != nil {
		return textValue{}, err
	}
	if !strings.HasPrefix(frag, "/") {
		return textValue{}, fmt.Errorf("unsupported fragment %q", frag)
	}
	v := doc
	for _, tok := range strings.Split(frag[1:], "/") {
		if strings.Contains(tok, "~") {
			tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		}
		switch v.kind() {
		case '{':
			var ok bool
			if v, ok = v.member(tok); !ok {
				return textValue{}, fmt.Errorf("no member %q", tok)
			}
		case '[':
			kids := v.kids()
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(kids) {
				return textValue{}, fmt.Errorf("no element %q", tok)
			}
			v = v.at(kids[i])
		default:
			return textValue{}, fmt.Errorf("cannot descend into a %s at %q", kindOfText(v.kind()), tok)
		}
	}
	return v, nil
}

// kindOfText names the kind of a JSON value from its first byte.
func kindOfText(c byte) nodeKind {
	switch c {
	case '{':
		return kindObject
	case '[':
		return kindArray
	case '"':
		return kindString
	case 't', 'f':
		return kindTrue
	case 'n':
		return kindNull
	}
	return kindNumber
}

// refOf is the $ref of schema v, if it has one that is a string (draft-07: then it is all the
// schema says).
func (c *compiler) refOf(v textValue) (string, bool) {
	r, ok := v.member("$ref")
	if !ok || r.kind() != '"' {
		return "", false
	}
	ref, err := c.decode(r)
	s, _ := ref.(string)
	return s, err == nil
}

// keep is a member name of a schema's text for a compiled schema to keep: a copy, as the
// names are views of the text (textMember), one for each name.
func (c *compiler) keep(name string) string {
	if k, ok := c.names[name]; ok {
		return k
	}
	k := strings.Clone(name)
	c.names[k] = k
	return k
}

// decode decodes v as encoding/json with UseNumber would.
func (c *compiler) decode(v textValue) (any, error) {
	if v.kind() == '"' { // most are plain ASCII: the text between the quotes, as it is
		if b := v.t.b[v.start+1 : v.end-1]; plainRun(b, 0) == len(b) {
			return string(b), nil
		}
	}
	c.scan = scanner{buf: v.t.b[v.start:v.end], end: int(v.end - v.start), eof: true, keyBuf: c.scan.keyBuf}
	c.dec.s = &c.scan
	return c.dec.value(0)
}

// pushFields pushes the members of object v onto c.fields sorted by name, only the last of
// a repeated name (as a decoded map keeps it), and returns where they start and end on it.
// The caller reads them by index, as compiling the schemas in them pushes more (and may
// move c.fields), then pops them.
func (c *compiler) pushFields(v textValue) (int, int) {
	mark := len(c.fields)
	if v.kind() != '{' {
		return mark, mark
	}
	c.fields = append(c.fields, v.kids()...)
	slices.SortStableFunc(c.fields[mark:], func(a, b textMember) int { return strings.Compare(a.key, b.key) })
	end := mark
	for i := mark; i < len(c.fields); i++ {
		if i+1 < len(c.fields) && c.fields[i+1].key == c.fields[i].key {
			continue
		}
		c.fields[end] = c.fields[i]
		end++
	}
	c.fields = c.fields[:end]
	return mark, end
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

func (c *compiler) sub(v textValue, docURL, loc string) (*schema, error) {
	// A subschema that is a $ref is the schema it refers to: every reader resolves references
	// (schema.resolved), so the one that would stand for it in between is left out (a third
	// of a CycloneDX schema's nodes, and of what compiling it allocates for them).
	if ref, ok := c.refOf(v); ok {
		target, err := c.resolveRef(docURL, ref)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", loc, err)
		}
		return c.schemaAt(target)
	}
	s := &schema{loc: loc, rareKeywords: noRare}
	return s, c.compileInto(s, v, docURL, loc)
}

func (c *compiler) subs(v textValue, docURL, loc string) ([]*schema, error) {
	if v.kind() != '[' {
		return nil, fmt.Errorf("%s: want an array of schemas", loc)
	}
	arr := v.kids()
	out := make([]*schema, len(arr))
	for i, e := range arr {
		s, err := c.sub(v.at(e), docURL, loc+"/"+strconv.Itoa(i))
		if err != nil {
			return nil, err
		}
		out[i] = s
	}
	return out, nil
}

// number is keyword k's value, of the schema at loc.
func number(v any, loc, k string) (*float64, error) {
	n, ok := v.(json.Number)
	if !ok {
		return nil, fmt.Errorf("%s/%s: want a number", loc, k)
	}
	f, err := n.Float64()
	return &f, err
}

func integer(v any, loc, k string) (int, error) {
	f, err := number(v, loc, k)
	if err != nil {
		return 0, err
	}
	return int(*f), nil
}

func (c *compiler) compileInto(s *schema, v textValue, docURL, loc string) error {
	s.maxItems, s.maxLen = -1, -1 // and noRare's maxProps
	switch v.kind() {
	case 't', 'f':
		b := v.kind() == 't'
		s.always = &b
		return nil
	case '{':
	default:
		return fmt.Errorf("%s: a schema must be an object or a boolean", loc)
	}
	if ref, ok := c.refOf(v); ok {
		target, err := c.resolveRef(docURL, ref)
		if err != nil {
			return fmt.Errorf("%s: %w", loc, err)
		}
		s.ref, err = c.schemaAt(target)
		return err
	}
	first, end := c.pushFields(v)
	var err error
	for i := first; i < end; i++ {
		f := c.fields[i]
		k := f.key
		if annotations[k] {
			continue
		}
		raw := v.at(f)
		var val any // the keyword's value decoded, but for those that hold schemas
		if !holdsSchemas(k) {
			if val, err = c.decode(raw); err != nil {
				return fmt.Errorf("%s/%s: %w", loc, k, err)
			}
		}
		var kl string // the keyword's place, for the schemas in it
		if holdsSchemas(k) {
			kl = loc + "/" + k
		}
		s.keywords = append(s.keywords, c.keep(k))
		if isRare(k) || k == "items" && raw.kind() == '[' {
			s.ownRare()
		}
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
			from, to := c.pushFields(raw)
			s.props = make(map[string]*schema, to-from)
			for j := from; j < to; j++ { // by name, so propOrder is sorted
				p := c.fields[j]
				name := c.keep(p.key)
				if s.props[name], err = c.sub(raw.at(p), docURL, kl+"/"+name); err != nil {
					return err
				}
				s.propOrder = append(s.propOrder, name)
			}
			c.fields = c.fields[:from]
		case "patternProperties":
			from, to := c.pushFields(raw)
			for j := from; j < to; j++ {
				p := c.fields[j]
				re, err := c.pattern(c.keep(p.key))
				if err != nil {
					return fmt.Errorf("%s: %w", kl, err)
				}
				sub, err := c.sub(raw.at(p), docURL, kl+"/"+p.key)
				if err != nil {
					return err
				}
				s.patProps = append(s.patProps, patternSchema{re, sub})
			}
			c.fields = c.fields[:from]
		case "required":
			arr, _ := val.([]any)
			for _, e := range arr {
				name, _ := e.(string)
				s.required = append(s.required, name)
			}
		case "dependencies":
			from, to := c.pushFields(raw)
			for j := from; j < to; j++ {
				name, d := c.keep(c.fields[j].key), raw.at(c.fields[j])
				if d.kind() == '[' {
					dv, err := c.decode(d)
					if err != nil {
						return err
					}
					arr, _ := dv.([]any)
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
			c.fields = c.fields[:from]
		case "items":
			if raw.kind() == '[' {
				s.tuple, err = c.subs(raw, docURL, kl)
			} else {
				s.items, err = c.sub(raw, docURL, kl)
			}
		case "uniqueItems":
			s.unique, _ = val.(bool)
		case "pattern":
			src, _ := val.(string)
			if s.pattern, err = c.pattern(src); err != nil {
				return fmt.Errorf("%s/%s: %w", loc, k, err)
			}
		case "format":
			name, _ := val.(string)
			// Unknown formats (CycloneDX 1.2 says "string") are annotations, as in draft-07.
			if f, ok := formatCheckers[name]; ok {
				s.format, s.formatName = f, name
			}
		case "enum":
			arr, _ := val.([]any)
			if update := c.enumUpdates[loc]; update != nil {
				arr = update(arr)
			}
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
			s.addl, err = c.sub(raw, docURL, kl)
		case "propertyNames":
			s.propNames, err = c.sub(raw, docURL, kl)
		case "additionalItems":
			s.addlItems, err = c.sub(raw, docURL, kl)
		case "contains":
			s.contains, err = c.sub(raw, docURL, kl)
		case "not":
			s.not, err = c.sub(raw, docURL, kl)
		case "if":
			s.ifS, err = c.sub(raw, docURL, kl)
		case "then":
			s.thenS, err = c.sub(raw, docURL, kl)
		case "else":
			s.elseS, err = c.sub(raw, docURL, kl)
		case "allOf":
			s.allOf, err = c.subs(raw, docURL, kl)
		case "anyOf":
			s.anyOf, err = c.subs(raw, docURL, kl)
		case "oneOf":
			s.oneOf, err = c.subs(raw, docURL, kl)
		case "minProperties":
			s.minProps, err = integer(val, loc, k)
		case "maxProperties":
			s.maxProps, err = integer(val, loc, k)
		case "minItems":
			s.minItems, err = integer(val, loc, k)
		case "maxItems":
			s.maxItems, err = integer(val, loc, k)
		case "minLength":
			s.minLen, err = integer(val, loc, k)
		case "maxLength":
			s.maxLen, err = integer(val, loc, k)
		case "minimum":
			s.minimum, err = number(val, loc, k)
		case "maximum":
			s.maximum, err = number(val, loc, k)
		case "exclusiveMinimum":
			s.exclMin, err = number(val, loc, k)
		case "exclusiveMaximum":
			s.exclMax, err = number(val, loc, k)
		case "multipleOf":
			s.multipleOf, err = number(val, loc, k)
		default:
			return fmt.Errorf("%s: keyword %q is not supported by this engine", loc, k)
		}
		if err != nil {
			return err
		}
	}
	c.fields = c.fields[:first]
	if s.ifS == nil && s.rareKeywords != noRare { // then/else without if are ignored
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

// holdsSchemas reports whether keyword k's value is a schema or holds schemas, which the
// compiler reads from the text rather than decoded.
func holdsSchemas(k string) bool {
	switch k {
	case "properties", "patternProperties", "dependencies", "items", "additionalProperties",
		"propertyNames", "additionalItems", "contains", "not", "if", "then", "else", "allOf",
		"anyOf", "oneOf":
		return true
	}
	return false
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
