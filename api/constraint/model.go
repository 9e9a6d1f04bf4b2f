package constraint

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// The AWS IoT model of the operations served, written down from botocore's
// data/iot/2015-05-28/service-2.json (documentation dropped, everything else of the operations'
// input shapes kept). It is regenerated with `go test ./api -run TestModel -update` where
// botocore is installed; api's tests check that it lists exactly the operations served.
//
//go:embed model.json
var modelJSON []byte

// IoT returns the model in model.json, decoded on first use: decoding it at start took about a
// twentieth of the API Lambda's CPU time before its first event, and an invocation that
// checks nothing (a malformed request, an unknown route) needs none of it.
var IoT = sync.OnceValue(func() *Model { return mustModel(modelJSON) })

// Model is the part of a botocore service model the edge checks requests against.
type Model struct {
	Operations map[string]Operation `json:"operations"`
	Shapes     map[string]*Shape    `json:"shapes"`
}

// Operation is an operation's HTTP binding, input shape and the errors it lists.
type Operation struct {
	HTTP struct {
		Method     string `json:"method"`
		RequestURI string `json:"requestUri"`
	} `json:"http"`
	Input  string   `json:"input"`
	Errors []string `json:"errors"`
}

// Shape is a botocore shape with its constraints.
type Shape struct {
	Type      string            `json:"type"`
	Min       *float64          `json:"min,omitempty"`
	Max       *float64          `json:"max,omitempty"`
	Pattern   string            `json:"pattern,omitempty"`
	Enum      []string          `json:"enum,omitempty"`
	Sensitive bool              `json:"sensitive,omitempty"`
	Required  []string          `json:"required,omitempty"`
	Members   map[string]Member `json:"members,omitempty"`
	Member    *Member           `json:"member,omitempty"` // a list's
	Key       *Member           `json:"key,omitempty"`    // a map's
	Value     *Member           `json:"value,omitempty"`  // a map's

	// re is Pattern anchored: AWS checks that the whole value matches. The model's patterns
	// are Java's; those of the served operations mean the same in Go's syntax (the package's
	// tests compile every one). nil when there is no pattern.
	re func() *regexp.Regexp
}

// Member refers to a shape; Location is "uri", "querystring", "header" or "" (the body).
type Member struct {
	Shape        string `json:"shape"`
	Location     string `json:"location,omitempty"`
	LocationName string `json:"locationName,omitempty"`
}

// Matches reports whether s satisfies the shape's pattern (true when it has none).
func (s *Shape) Matches(v string) bool { return s.re == nil || s.re().MatchString(v) }

// anchored returns pattern anchored at both ends, compiled on first use: compiling the
// model's patterns at start took about a tenth of the API Lambda's cold start, and a request
// uses a few of them.
func anchored(pattern string) func() *regexp.Regexp {
	if pattern == "" {
		return nil
	}
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(?:` + pattern + `)$`) })
}

func mustModel(b []byte) *Model {
	var m Model
	if err := json.Unmarshal(b, &m); err != nil {
		panic(fmt.Sprintf("constraint: model.json: %v", err))
	}
	for name, s := range m.Shapes {
		s.re = anchored(s.Pattern)
		for _, ref := range s.refs() {
			if m.Shapes[ref.Shape] == nil {
				panic(fmt.Sprintf("constraint: model.json: shape %s refers to missing shape %s", name, ref.Shape))
			}
		}
	}
	return &m
}

func (s *Shape) refs() []Member {
	var out []Member
	for _, k := range slices.Sorted(maps.Keys(s.Members)) {
		out = append(out, s.Members[k])
	}
	for _, r := range []*Member{s.Member, s.Key, s.Value} {
		if r != nil {
			out = append(out, *r)
		}
	}
	return out
}

// Request is an operation's input as it arrived: path labels (unescaped), query and the JSON
// body decoded with json.Decoder.UseNumber (nil when the operation has no body members).
type Request struct {
	Labels map[string]string
	Query  url.Values
	Body   map[string]any
}

// HasBody reports whether op's input has members in the body.
func (m *Model) HasBody(op string) bool {
	for _, mem := range m.Shapes[m.Operations[op].Input].Members {
		if mem.Location == "" {
			return true
		}
	}
	return false
}

// Check checks r against every constraint the model puts on op's input, at any depth: types,
// required members, lengths, patterns, ranges and enums. It returns the violations as one
// EINVALID error (Violations.Err), or nil.
func (m *Model) Check(op string, r Request) error {
	o, ok := m.Operations[op]
	if !ok {
		return fmt.Errorf("constraint: operation %s is not in the model", op)
	}
	in := m.Shapes[o.Input]
	var v Violations
	for _, name := range slices.Sorted(maps.Keys(in.Members)) {
		mem := in.Members[name]
		val, present := any(nil), false
		switch mem.Location {
		case "uri":
			val, present = r.Labels[mem.LocationName]
		case "querystring":
			if r.Query.Has(mem.LocationName) {
				val, present = r.Query.Get(mem.LocationName), true
			}
		case "":
			val, present = r.Body[name]
			present = present && val != nil
		}
		field := name
		if !present {
			if slices.Contains(in.Required, name) {
				v.Required(field)
			}
			continue
		}
		m.check(&v, field, mem.Shape, val, mem.Location != "", in.Sensitive)
	}
	return v.Err()
}

// check checks val, the value at field, against shape name. text is true for values from the
// path or the query, which arrive as strings whatever their type.
func (m *Model) check(v *Violations, field, name string, val any, text, sensitive bool) {
	s := m.Shapes[name]
	sensitive = sensitive || s.Sensitive
	switch s.Type {
	case "string":
		str, ok := val.(string)
		if !ok {
			v.Add(field, nil, "Member must be of type string, not a JSON "+jsonKind(val))
			return
		}
		m.checkString(v, field, s, str, sensitive)
	case "integer", "long", "double", "float":
		m.checkNumber(v, field, s, val, text)
	case "boolean":
		m.checkBool(v, field, val, text)
	case "structure":
		m.checkStructure(v, field, s, val, sensitive)
	case "list":
		list, ok := val.([]any)
		if !ok {
			v.Add(field, nil, "Member must be of type list, not a JSON "+jsonKind(val))
			return
		}
		m.count(v, field, s, len(list))
		for i, e := range list {
			if e != nil {
				m.check(v, fmt.Sprintf("%s.%d.member", field, i+1), s.Member.Shape, e, false, sensitive)
			}
		}
	case "map":
		obj, ok := val.(map[string]any)
		if !ok {
			v.Add(field, nil, "Member must be of type map, not a JSON "+jsonKind(val))
			return
		}
		m.count(v, field, s, len(obj))
		for _, k := range slices.Sorted(maps.Keys(obj)) {
			m.check(v, field, s.Key.Shape, k, false, sensitive)
			if obj[k] == nil {
				v.Add(field+"."+k, nil, "Map value must not be null")
				continue
			}
			m.check(v, field+"."+k, s.Value.Shape, obj[k], false, sensitive)
		}
	}
}

// MaxEchoed is the longest value, in characters, that a violation message quotes: a longer
// one (a 32 KB job document) would bury the message.
const MaxEchoed = 256

func (m *Model) checkString(v *Violations, field string, s *Shape, str string, sensitive bool) {
	if !utf8.ValidString(str) {
		v.Add(field, nil, "Member must be valid UTF-8")
		return
	}
	sensitive = sensitive || utf8.RuneCountInString(str) > MaxEchoed
	v.Length(field, str, bound(s.Min, 0), bound(s.Max, 0), sensitive)
	if len(s.Enum) > 0 {
		v.Enum(field, str, s.Enum...)
	}
	if str != "" && !s.Matches(str) {
		shown := &str
		if sensitive {
			shown = nil
		}
		v.Add(field, shown, "Member must satisfy regular expression pattern: "+s.Pattern)
	}
}

func (m *Model) checkNumber(v *Violations, field string, s *Shape, val any, text bool) {
	raw, ok := val.(json.Number)
	if str, isText := val.(string); isText && text {
		raw, ok = json.Number(str), true
	}
	if !ok {
		v.Add(field, nil, "Member must be of type "+s.Type+", not a JSON "+jsonKind(val))
		return
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if s.Type == "integer" || s.Type == "long" {
		bits := 64
		if s.Type == "integer" {
			bits = 32
		}
		var i int64
		i, err = strconv.ParseInt(string(raw), 10, bits)
		f = float64(i)
	}
	shown := string(raw)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		v.Add(field, &shown, "Member must be "+article(s.Type))
		return
	}
	if s.Min != nil && f < *s.Min {
		v.Add(field, &shown, "Member must have value greater than or equal to "+number(*s.Min))
	}
	if s.Max != nil && f > *s.Max {
		v.Add(field, &shown, "Member must have value less than or equal to "+number(*s.Max))
	}
}

func (m *Model) checkBool(v *Violations, field string, val any, text bool) {
	if _, ok := val.(bool); ok {
		return
	}
	if s, ok := val.(string); ok && text {
		if strings.EqualFold(s, "true") || strings.EqualFold(s, "false") {
			return
		}
		v.Add(field, &s, "Member must be a boolean (true or false)")
		return
	}
	v.Add(field, nil, "Member must be of type boolean, not a JSON "+jsonKind(val))
}

func (m *Model) checkStructure(v *Violations, field string, s *Shape, val any, sensitive bool) {
	obj, ok := val.(map[string]any)
	if !ok {
		v.Add(field, nil, "Member must be of type structure, not a JSON "+jsonKind(val))
		return
	}
	for _, name := range slices.Sorted(maps.Keys(s.Members)) {
		f := field + "." + name
		e, present := obj[name]
		if !present || e == nil {
			if slices.Contains(s.Required, name) {
				v.Required(f)
			}
			continue
		}
		m.check(v, f, s.Members[name].Shape, e, false, sensitive)
	}
}

// count checks a list's or map's number of entries.
func (m *Model) count(v *Violations, field string, s *Shape, n int) {
	if s.Min != nil && float64(n) < *s.Min {
		v.Add(field, nil, "Member must have length greater than or equal to "+number(*s.Min))
	}
	if s.Max != nil && float64(n) > *s.Max {
		v.Add(field, nil, "Member must have length less than or equal to "+number(*s.Max))
	}
}

func bound(p *float64, zero int) int {
	if p == nil {
		return zero
	}
	return int(*p)
}

func number(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func article(typ string) string {
	switch typ {
	case "integer":
		return "an integer"
	case "long":
		return "an integer (long)"
	}
	return "a number"
}

// jsonKind names the JSON type of a value decoded with UseNumber, for type-mismatch messages.
func jsonKind(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case json.Number:
		return "number"
	case bool:
		return "boolean"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "null"
}
