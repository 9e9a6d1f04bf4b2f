package formats

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"
)

// maxReported is how many violations a message spells out; the rest are counted.
const maxReported = 3

// violation is one schema failure at an instance location (a JSON Pointer).
type violation struct {
	ptr string
	msg string
	off int64 // where the value it is about starts in the input
}

// pathElem is one step of an instance location: a member name or an array index.
type pathElem struct {
	key []byte
	idx int
}

// evaluator checks parsed values against compiled schemas. In quiet mode (inside anyOf, oneOf,
// not and if) it stops at the first failure and records nothing; otherwise it records the first
// few violations and counts all of them.
type evaluator struct {
	t     *tree
	path  []pathElem
	off   int64 // input offset of the value being checked, for the violations found on it
	quiet int
	errs  []violation
	count int
	// Counts behind the hints for known tool habits, over all violations, not just those kept.
	missing map[string]int // required properties that were missing
	badEnum map[string]int // strings that were not among an enum's values

	sets []*digestSet // emptied uniqueItems sets, for reuse
}

func (e *evaluator) noteMissing(name string) {
	if e.quiet > 0 {
		return
	}
	if e.missing == nil {
		e.missing = map[string]int{}
	}
	e.missing[name]++
}

func (e *evaluator) pointer() string {
	var b strings.Builder
	for _, p := range e.path {
		b.WriteByte('/')
		if p.key == nil {
			b.WriteString(strconv.Itoa(p.idx))
			continue
		}
		for _, c := range string(p.key) {
			switch c {
			case '~':
				b.WriteString("~0")
			case '/':
				b.WriteString("~1")
			default:
				b.WriteRune(c)
			}
		}
	}
	if b.Len() == 0 {
		return "/"
	}
	return b.String()
}

// bounds checks how many properties or items (what) a value has, count, against a schema's
// minimum and maximum (-1: none), and reports whether they hold.
func (e *evaluator) bounds(count, minimum, maximum int, what string) bool {
	ok := true
	if count < minimum {
		ok = e.fail("has %d %s, fewer than the minimum %d", count, what, minimum)
	}
	if maximum >= 0 && count > maximum {
		ok = e.fail("has %d %s, more than the maximum %d", count, what, maximum)
	}
	return ok
}

// fail records a violation at the current location and returns false.
func (e *evaluator) fail(format string, args ...any) bool {
	if e.quiet > 0 {
		return false
	}
	e.count++
	if len(e.errs) < maxReported {
		e.errs = append(e.errs, violation{e.pointer(), fmt.Sprintf(format, args...), e.off})
	}
	return false
}

func kindType(n *node) typeSet {
	switch n.kind {
	case kindNull:
		return tNull
	case kindTrue, kindFalse:
		return tBoolean
	case kindNumber:
		if n.isInteger() {
			return tInteger | tNumber
		}
		return tNumber
	case kindString:
		return tString
	case kindArray:
		return tArray
	default:
		return tObject
	}
}

func bytesString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// validate reports whether the value at i conforms to s.
func (e *evaluator) validate(s *schema, i int32) bool {
	prev := e.off
	e.off = e.t.offset(i)
	ok := e.check(s, i)
	e.off = prev
	return ok
}

func (e *evaluator) check(s *schema, i int32) bool {
	s = s.resolved()
	if s.always != nil {
		if !*s.always {
			return e.fail("no value is allowed here")
		}
		return true
	}
	n := &e.t.nodes[i]
	if s.types != 0 && kindType(n)&s.types == 0 {
		if e.quiet > 0 { // the arguments of fail would allocate for nothing
			return false
		}
		return e.fail("expected %s, got %s", s.types, n.kind)
	}
	ok := true
	stop := func() bool { return !ok && e.quiet > 0 }
	switch n.kind {
	case kindObject:
		ok = e.object(s, i)
	case kindArray:
		ok = e.array(s, i)
	case kindString:
		ok = e.str(s, n.str, e.t.longOf(n))
	case kindNumber:
		ok = e.number(s, n)
	}
	if stop() {
		return false
	}
	if s.enum != nil && !e.inEnum(s, i) {
		if e.quiet > 0 {
			return false
		}
		if n.kind == kindString {
			ok = e.notInEnum(s, n.str)
		} else {
			ok = e.fail("value %s is not one of the allowed values: %s", e.show(i), s.enumText)
		}
		if stop() {
			return false
		}
	}
	if s.constHash != nil && !e.t.equals(i, hashedValue{*s.constHash, s.constVal}) {
		ok = e.fail("value %s is not the required value %s", e.show(i), s.constText)
		if stop() {
			return false
		}
	}
	if !e.composite(s, i) {
		ok = false
	}
	return ok
}

func (e *evaluator) inEnum(s *schema, i int32) bool {
	n := &e.t.nodes[i]
	if s.enumStrs != nil {
		return n.kind == kindString && s.hasEnumStr(n.str, e.t.longOf(n))
	}
	h := e.t.hashNode(i)
	for _, v := range s.enum { // few enums are not all strings, and those have few values
		if h.cut() == v.h.cut() && e.t.equalsAny(i, v.v) {
			return true
		}
	}
	return false
}

// hasEnumStr reports whether the string v (long, when only its prefix v was kept) is among the
// values of an enum of strings.
func (s *schema) hasEnumStr(v []byte, long *longString) bool {
	if long != nil { // no enumerated value is megabytes long
		return false
	}
	_, found := s.enumStrs[bytesString(v)]
	return found
}

// notInEnum reports the string v as not among the values of s's enum, counting it for the
// hints, and returns false.
func (e *evaluator) notInEnum(s *schema, v []byte) bool {
	if e.quiet > 0 {
		return false
	}
	if e.badEnum == nil {
		e.badEnum = map[string]int{}
	}
	e.badEnum[string(v)]++
	return e.fail("value %s is not one of the allowed values: %s", quoteShort(v), s.enumText)
}

// show renders a value briefly for a message.
func (e *evaluator) show(i int32) string {
	n := &e.t.nodes[i]
	switch n.kind {
	case kindString:
		return quoteShort(n.str)
	case kindNumber:
		return string(n.str)
	case kindArray:
		return "(an array)"
	case kindObject:
		return "(an object)"
	case kindTrue:
		return "true"
	case kindFalse:
		return "false"
	}
	return "null"
}

// quietly evaluates s against i without recording anything.
func (e *evaluator) quietly(s *schema, i int32) bool {
	e.quiet++
	ok := e.validate(s, i)
	e.quiet--
	return ok
}

// closest re-runs the alternatives that failed and describes the one with fewest violations,
// so "matches none of the alternatives" comes with the likeliest fix.
func (e *evaluator) closest(alts []*schema, i int32) string {
	best, bestCount := "", math.MaxInt
	for _, a := range alts {
		sub := &evaluator{t: e.t, path: append([]pathElem(nil), e.path...), off: e.off}
		if sub.validate(a, i) || sub.count == 0 {
			continue
		}
		if sub.count < bestCount {
			bestCount = sub.count
			best = sub.errs[0].ptr + ": " + sub.errs[0].msg
		}
	}
	if best == "" {
		return ""
	}
	return "; closest: " + best
}

func (e *evaluator) composite(s *schema, i int32) bool {
	ok := true
	for _, a := range s.allOf {
		if !e.validate(a, i) {
			ok = false
			if e.quiet > 0 {
				return false
			}
		}
	}
	if s.anyOf != nil {
		matched := false
		for _, a := range s.anyOf {
			if e.quietly(a, i) {
				matched = true
				break
			}
		}
		if !matched {
			if e.quiet > 0 {
				return false
			}
			ok = e.fail("matches none of the %d alternatives allowed here (anyOf)%s", len(s.anyOf), e.closest(s.anyOf, i))
		}
	}
	if s.oneOf != nil {
		var matches []int
		for j, a := range s.oneOf {
			if e.quietly(a, i) {
				matches = append(matches, j)
				if len(matches) > 1 {
					break
				}
			}
		}
		switch {
		case len(matches) == 0:
			if e.quiet > 0 {
				return false
			}
			ok = e.fail("matches none of the %d alternatives allowed here (oneOf)%s", len(s.oneOf), e.closest(s.oneOf, i))
		case len(matches) > 1:
			ok = e.fail("matches alternatives %d and %d where exactly one is allowed (oneOf)", matches[0]+1, matches[1]+1)
		}
		if !ok && e.quiet > 0 {
			return false
		}
	}
	if s.not != nil && e.quietly(s.not, i) {
		ok = e.fail("matches a schema it must not match (not)")
		if e.quiet > 0 {
			return false
		}
	}
	if s.ifS != nil {
		branch := s.elseS
		if e.quietly(s.ifS, i) {
			branch = s.thenS
		}
		if branch != nil && !e.validate(branch, i) {
			ok = false
		}
	}
	return ok
}

func (e *evaluator) object(s *schema, i int32) bool {
	n := e.t.nodes[i]
	ok := true
	kids := e.t.nodes[n.first : n.first+n.n]
	for j := range kids {
		c := n.first + int32(j)
		key := kids[j].key
		e.path = append(e.path, pathElem{key: key})
		if !e.member(s, key, c) {
			ok = false
		}
		e.path = e.path[:len(e.path)-1]
		if !ok && e.quiet > 0 {
			return false
		}
	}
	for _, req := range s.required {
		if !hasMember(kids, req) {
			if e.quiet > 0 {
				return false
			}
			e.noteMissing(req)
			ok = e.fail("missing required property %q", req)
			if e.quiet > 0 {
				return false
			}
		}
	}
	if !e.bounds(int(n.n), s.minProps, s.maxProps, "properties") {
		ok = false
	}
	for name, reqs := range s.depsReq {
		if hasMember(kids, name) {
			for _, req := range reqs {
				if !hasMember(kids, req) {
					ok = e.fail("property %q requires property %q", name, req)
				}
			}
		}
	}
	for name, dep := range s.depsSchema {
		if hasMember(kids, name) && !e.validate(dep, i) {
			ok = false
		}
	}
	return ok
}

// member checks one object member against properties, patternProperties,
// additionalProperties and propertyNames.
func (e *evaluator) member(s *schema, key []byte, c int32) bool {
	ok := true
	if s.propNames != nil {
		var kt tree
		kt.nodes = []node{{kind: kindString, str: key}}
		sub := &evaluator{t: &kt, quiet: 1}
		if !sub.validate(s.propNames, 0) {
			ok = e.fail("property name %q is not allowed here (propertyNames)", key)
		}
	}
	matched := false
	if p, found := s.props[bytesString(key)]; found {
		matched = true
		if !e.validate(p, c) {
			ok = false
		}
	}
	for _, pp := range s.patProps {
		if pp.re.Match(key) {
			matched = true
			if !e.validate(pp.sch, c) {
				ok = false
			}
		}
	}
	if !matched && s.addl != nil {
		if a := s.addl.resolved(); a.always != nil && !*a.always {
			if e.quiet > 0 {
				return false
			}
			prev := e.off
			e.off = e.t.offset(c) // the member's value: where a fix would go
			e.fail("property %q is not allowed here%s", key, suggest(s, key))
			e.off = prev
			return false
		}
		if !e.validate(s.addl, c) {
			ok = false
		}
	}
	return ok
}

// suggest names the declared property closest to a rejected one (a typo or a wrong case).
func suggest(s *schema, key []byte) string {
	k := strings.ToLower(string(key))
	for _, name := range s.propOrder {
		if strings.ToLower(name) == k {
			return fmt.Sprintf(" (did you mean %q?)", name)
		}
	}
	return ""
}

func hasMember(kids []node, name string) bool {
	for j := range kids {
		if bytesString(kids[j].key) == name {
			return true
		}
	}
	return false
}

func (e *evaluator) array(s *schema, i int32) bool {
	n := e.t.nodes[i]
	ok := true
	for j := int32(0); j < n.n; j++ {
		sub := s.itemAt(int(j))
		if sub == nil {
			continue
		}
		e.path = append(e.path, pathElem{idx: int(j)})
		if !e.validate(sub, n.first+j) {
			ok = false
		}
		e.path = e.path[:len(e.path)-1]
		if !ok && e.quiet > 0 {
			return false
		}
	}
	if !e.bounds(int(n.n), s.minItems, s.maxItems, "items") {
		ok = false
	}
	if s.unique && n.n > 1 {
		seen := e.takeSet()
		var j int32
		equal := func(prev int) (bool, error) { return nodesEqual(e.t, n.first+int32(prev), e.t, n.first+j), nil }
		for ; j < n.n; j++ {
			if prev, dup, _ := seen.add(e.t.hashNode(n.first+j), 0, equal); dup {
				ok = e.fail("items %d and %d are equal, but items must be unique", prev, j)
				break
			}
		}
		e.putSet(seen)
	}
	if s.contains != nil {
		found := false
		for j := int32(0); j < n.n && !found; j++ {
			found = e.quietly(s.contains, n.first+j)
		}
		if !found {
			ok = e.fail("contains no item of the required kind (contains)")
		}
	}
	return ok
}

// str checks a string value v against s's string keywords: the evaluator calls it for a parsed
// string, the streamer for one it reads straight from the scanner. long is the rest of a value
// longer than maxKeptString (v is then its kept prefix), nil for a value kept whole.
func (e *evaluator) str(s *schema, v []byte, long *longString) bool {
	ok := true
	if long != nil && (s.pattern != nil || s.format != nil) {
		// Checking a pattern or format would need the whole value in memory; no accepted
		// schema constrains a value this long that way, so it is refused, not half-checked.
		return e.fail("string of %d characters is too long to check against its pattern or format (the limit is %d bytes)", long.runes, maxKeptString)
	}
	if s.minLen > 0 || s.maxLen >= 0 {
		l := utf8.RuneCount(v)
		if long != nil {
			l = long.runes
		}
		if l < s.minLen {
			ok = e.fail("string of %d characters is shorter than the minimum %d", l, s.minLen)
		}
		if s.maxLen >= 0 && l > s.maxLen {
			ok = e.fail("string of %d characters is longer than the maximum %d", l, s.maxLen)
		}
	}
	if s.pattern != nil && !s.pattern.Match(v) {
		ok = e.fail("%s does not match the pattern %s", quoteShort(v), s.pattern)
	}
	if s.format != nil {
		if err := s.format(bytesString(v)); err != nil {
			ok = e.fail("%s (format %s)", err, s.formatName)
		}
	}
	return ok
}

func quoteShort(v []byte) string {
	s := string(v)
	if utf8.RuneCountInString(s) > 60 {
		s = string([]rune(s)[:60]) + "…"
	}
	return strconv.Quote(s)
}

func (e *evaluator) number(s *schema, n *node) bool {
	ok := true
	f := n.num
	if s.minimum != nil && f < *s.minimum {
		ok = e.fail("%s is less than the minimum %v", n.str, *s.minimum)
	}
	if s.maximum != nil && f > *s.maximum {
		ok = e.fail("%s is greater than the maximum %v", n.str, *s.maximum)
	}
	if s.exclMin != nil && f <= *s.exclMin {
		ok = e.fail("%s is not greater than %v", n.str, *s.exclMin)
	}
	if s.exclMax != nil && f >= *s.exclMax {
		ok = e.fail("%s is not less than %v", n.str, *s.exclMax)
	}
	if s.multipleOf != nil {
		q := f / *s.multipleOf
		if math.IsInf(q, 0) || q != math.Trunc(q) {
			ok = e.fail("%s is not a multiple of %v", n.str, *s.multipleOf)
		}
	}
	return ok
}
