// Package deploy reads template.yaml, the SAM template that deploys sbomcat to AWS, the way
// CloudFormation reads it, so that tests can check the template against the code: the
// short-form intrinsic functions (!Ref, !GetAtt, !Sub, !Join, !Split, !If, !FindInMap, ...) become
// their long forms ({"Ref": ...}, {"Fn::GetAtt": [...]}), and Eval resolves them for given
// parameter values, with resources standing for themselves as tokens (RefToken, AttToken).
//
// It is a reader for checking, not a CloudFormation engine: functions that need a live account
// (Fn::GetAZs, Fn::ImportValue, ...) are refused rather than guessed.
//
// Why not awslabs/goformation: it is archived, generates a Go type for every resource type
// (a large dependency for one template), and its intrinsic processing replaces what it cannot
// resolve with nothing, where a check wants to see the reference. gopkg.in/yaml.v3's node tree
// keeps the tags, which is all the short forms need.
package deploy

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Template is a parsed template. Values keep CloudFormation's long forms.
type Template struct {
	Parameters map[string]Parameter
	Conditions map[string]any
	Mappings   map[string]any
	Resources  map[string]Resource
	Outputs    map[string]any
	// Globals is SAM's Globals section (Function, HttpApi, ...).
	Globals   map[string]any
	Transform any
}

// Parameter is a template parameter.
type Parameter struct {
	Type          string
	Default       any
	AllowedValues []any
	MinValue      any
	MaxValue      any
}

// Resource is a template resource.
type Resource struct {
	Type           string
	Properties     map[string]any
	Metadata       map[string]any
	Condition      string
	DeletionPolicy string
	DependsOn      any
}

// Load reads and parses the template at path.
func Load(path string) (*Template, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("template: %w", err)
	}
	t, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("template %s: %w", path, err)
	}
	return t, nil
}

// Parse parses a template.
func Parse(b []byte) (*Template, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, err
	}
	if len(doc.Content) != 1 {
		return nil, errors.New("not one YAML document")
	}
	v, err := convert(doc.Content[0])
	if err != nil {
		return nil, err
	}
	root, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("the template is not a mapping")
	}
	t := &Template{
		Parameters: map[string]Parameter{},
		Resources:  map[string]Resource{},
		Conditions: mapOf(root["Conditions"]),
		Mappings:   mapOf(root["Mappings"]),
		Outputs:    mapOf(root["Outputs"]),
		Globals:    mapOf(root["Globals"]),
		Transform:  root["Transform"],
	}
	for name, p := range mapOf(root["Parameters"]) {
		m := mapOf(p)
		t.Parameters[name] = Parameter{Type: str(m["Type"]), Default: m["Default"], AllowedValues: listOf(m["AllowedValues"]),
			MinValue: m["MinValue"], MaxValue: m["MaxValue"]}
	}
	for name, r := range mapOf(root["Resources"]) {
		m := mapOf(r)
		if str(m["Type"]) == "" {
			return nil, fmt.Errorf("resource %s has no Type", name)
		}
		t.Resources[name] = Resource{Type: str(m["Type"]), Properties: mapOf(m["Properties"]), Metadata: mapOf(m["Metadata"]),
			Condition: str(m["Condition"]), DeletionPolicy: str(m["DeletionPolicy"]), DependsOn: m["DependsOn"]}
	}
	return t, nil
}

// convert turns a YAML node into maps, lists and scalars, short-form tags into long forms.
func convert(n *yaml.Node) (any, error) {
	if n.Kind == yaml.AliasNode {
		// CloudFormation does not expand YAML aliases; SAM CLI does. Refuse the ambiguity.
		return nil, fmt.Errorf("line %d: YAML alias *%s: CloudFormation does not accept aliases", n.Line, n.Value)
	}
	var v any
	switch n.Kind {
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if _, dup := m[k.Value]; dup {
				return nil, fmt.Errorf("line %d: duplicate key %q", k.Line, k.Value)
			}
			val, err := convert(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			m[k.Value] = val
		}
		v = m
	case yaml.SequenceNode:
		l := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			val, err := convert(c)
			if err != nil {
				return nil, err
			}
			l = append(l, val)
		}
		v = l
	case yaml.ScalarNode:
		v = scalar(n)
	default:
		return nil, fmt.Errorf("line %d: unexpected YAML node kind %v", n.Line, n.Kind)
	}
	if !strings.HasPrefix(n.Tag, "!") || strings.HasPrefix(n.Tag, "!!") {
		return v, nil
	}
	// A short form: !Name value.
	name := strings.TrimPrefix(n.Tag, "!")
	switch name {
	case "Ref", "Condition":
		return map[string]any{name: v}, nil
	case "GetAtt":
		// !GetAtt Resource.Attribute (the attribute may itself contain dots).
		if s, ok := v.(string); ok {
			res, attr, found := strings.Cut(s, ".")
			if !found {
				return nil, fmt.Errorf("line %d: !GetAtt %q is not Resource.Attribute", n.Line, s)
			}
			v = []any{res, attr}
		}
	}
	return map[string]any{"Fn::" + name: v}, nil
}

// scalar types a plain scalar as YAML does (strings, numbers, booleans, null); quoted and
// short-form-tagged scalars stay strings.
func scalar(n *yaml.Node) any {
	switch n.Tag {
	case "!!int":
		if i, err := strconv.ParseInt(n.Value, 0, 64); err == nil {
			return i
		}
	case "!!float":
		if f, err := strconv.ParseFloat(n.Value, 64); err == nil {
			return f
		}
	case "!!bool":
		if b, err := strconv.ParseBool(n.Value); err == nil {
			return b
		}
		return strings.EqualFold(n.Value, "true") || strings.EqualFold(n.Value, "yes")
	case "!!null":
		return nil
	}
	return n.Value
}

// Values are what a deployment supplies: parameter values and the pseudo parameters.
type Values struct {
	// Parameters override defaults. A list parameter takes a []any of strings or a
	// comma-separated string.
	Parameters map[string]any
	// Zero values mean TestPartition, TestRegion, TestAccount and TestStack.
	Partition, Region, AccountID, StackName string
}

// Pseudo parameter values used when Values leaves them empty.
const (
	TestPartition = "aws"
	TestRegion    = "us-east-1"
	TestAccount   = "123456789012"
	TestStack     = "sbomcat"
)

// RefToken is what Eval makes of a Ref to a resource: the resource stands for itself.
func RefToken(resource string) string { return "<Ref " + resource + ">" }

// AttToken is what Eval makes of Fn::GetAtt (or ${Resource.Attr} in Fn::Sub).
func AttToken(resource, attr string) string { return "<GetAtt " + resource + "." + attr + ">" }

// noValue is AWS::NoValue: the property or list element that evaluates to it is removed.
type noValue struct{}

// Eval resolves the intrinsic functions in v for vals.
func (t *Template) Eval(v any, vals Values) (any, error) {
	if vals.Partition == "" {
		vals.Partition = TestPartition
	}
	if vals.Region == "" {
		vals.Region = TestRegion
	}
	if vals.AccountID == "" {
		vals.AccountID = TestAccount
	}
	if vals.StackName == "" {
		vals.StackName = TestStack
	}
	e := &evaluator{t: t, vals: vals}
	out, err := e.eval(v)
	if _, removed := out.(noValue); removed {
		return nil, err
	}
	return out, err
}

type evaluator struct {
	t    *Template
	vals Values
}

func (e *evaluator) eval(v any) (any, error) {
	switch v := v.(type) {
	case []any:
		out := make([]any, 0, len(v))
		for _, x := range v {
			r, err := e.eval(x)
			if err != nil {
				return nil, err
			}
			if _, removed := r.(noValue); !removed {
				out = append(out, r)
			}
		}
		return out, nil
	case map[string]any:
		if len(v) == 1 {
			for k, arg := range v {
				if k == "Ref" || k == "Condition" || strings.HasPrefix(k, "Fn::") {
					return e.fn(k, arg)
				}
			}
		}
		out := make(map[string]any, len(v))
		for k, x := range v {
			r, err := e.eval(x)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			if _, removed := r.(noValue); !removed {
				out[k] = r
			}
		}
		return out, nil
	}
	return v, nil
}

func (e *evaluator) fn(name string, arg any) (any, error) {
	switch name {
	case "Ref":
		return e.ref(str(arg))
	case "Condition":
		return e.condition(str(arg))
	case "Fn::GetAtt":
		res, attr, err := e.stringPair(name, arg, "[Resource, Attribute]")
		if err != nil {
			return nil, err
		}
		if _, ok := e.t.Resources[res]; !ok {
			return nil, fmt.Errorf("Fn::GetAtt: no resource %s", res)
		}
		return AttToken(res, attr), nil
	case "Fn::Sub":
		return e.sub(arg)
	case "Fn::Join":
		return e.join(arg)
	case "Fn::Split":
		l, err := fnArgs(name, arg, 2, "[delimiter, string]")
		if err != nil {
			return nil, err
		}
		s, err := e.evalString(l[1])
		if err != nil {
			return nil, err
		}
		var out []any
		for _, p := range strings.Split(s, str(l[0])) {
			out = append(out, p)
		}
		return out, nil
	case "Fn::Select":
		return e.selectItem(arg)
	case "Fn::If":
		return e.ifThen(arg)
	case "Fn::Equals":
		a, b, err := e.stringPair(name, arg, "two values")
		if err != nil {
			return nil, err
		}
		return a == b, nil
	case "Fn::Not", "Fn::And", "Fn::Or":
		l := listOf(arg)
		var bs []bool
		for _, x := range l {
			r, err := e.eval(x)
			if err != nil {
				return nil, err
			}
			b, ok := r.(bool)
			if !ok {
				return nil, fmt.Errorf("%s: %v is not a condition", name, x)
			}
			bs = append(bs, b)
		}
		switch {
		case name == "Fn::Not" && len(bs) == 1:
			return !bs[0], nil
		case name == "Fn::And" && len(bs) >= 2:
			return !slices.Contains(bs, false), nil
		case name == "Fn::Or" && len(bs) >= 2:
			return slices.Contains(bs, true), nil
		}
		return nil, fmt.Errorf("%s %v: wrong number of conditions", name, arg)
	case "Fn::FindInMap":
		l := listOf(arg)
		if len(l) != 3 {
			return nil, fmt.Errorf("Fn::FindInMap %v: want [map, key, key]", arg)
		}
		keys := make([]string, 3)
		for i, x := range l {
			s, err := e.evalString(x)
			if err != nil {
				return nil, err
			}
			keys[i] = s
		}
		top, ok := mapOf(e.t.Mappings[keys[0]])[keys[1]]
		if !ok {
			return nil, fmt.Errorf("Fn::FindInMap: mapping %s has no key %q", keys[0], keys[1])
		}
		v, ok := mapOf(top)[keys[2]]
		if !ok {
			return nil, fmt.Errorf("Fn::FindInMap: mapping %s.%s has no key %q", keys[0], keys[1], keys[2])
		}
		return v, nil
	}
	return nil, fmt.Errorf("%s is not supported by this reader", name)
}

// join is Fn::Join: [delimiter, list].
func (e *evaluator) join(arg any) (any, error) {
	l, err := fnArgs("Fn::Join", arg, 2, "[delimiter, list]")
	if err != nil {
		return nil, err
	}
	delim, ok := l[0].(string)
	if !ok {
		// CloudFormation takes no functions in the delimiter.
		return nil, fmt.Errorf("Fn::Join delimiter %v is not a literal string", l[0])
	}
	items, err := e.eval(l[1])
	if err != nil {
		return nil, err
	}
	list, ok := items.([]any)
	if !ok {
		return nil, fmt.Errorf("Fn::Join of %v: not a list", items)
	}
	parts := make([]string, len(list))
	for i, x := range list {
		if parts[i], ok = scalarString(x); !ok {
			return nil, fmt.Errorf("Fn::Join element %v is not a string", x)
		}
	}
	return strings.Join(parts, delim), nil
}

// selectItem is Fn::Select: [index, list].
func (e *evaluator) selectItem(arg any) (any, error) {
	l, err := fnArgs("Fn::Select", arg, 2, "[index, list]")
	if err != nil {
		return nil, err
	}
	is, err := e.evalString(l[0])
	if err != nil {
		return nil, err
	}
	i, err := strconv.Atoi(is)
	if err != nil {
		return nil, fmt.Errorf("Fn::Select index %q: %w", is, err)
	}
	items, err := e.eval(l[1])
	if err != nil {
		return nil, err
	}
	list, _ := items.([]any)
	if i < 0 || i >= len(list) {
		return nil, fmt.Errorf("Fn::Select index %d out of %d", i, len(list))
	}
	return list[i], nil
}

// ifThen is Fn::If: [condition, then, else].
func (e *evaluator) ifThen(arg any) (any, error) {
	l, err := fnArgs("Fn::If", arg, 3, "[condition, then, else]")
	if err != nil {
		return nil, err
	}
	c, err := e.condition(str(l[0]))
	if err != nil {
		return nil, err
	}
	if c {
		return e.eval(l[1])
	}
	return e.eval(l[2])
}

// fnArgs returns the n arguments of the function name; want says what they are, for the
// message when there are not n.
func fnArgs(name string, arg any, n int, want string) ([]any, error) {
	l := listOf(arg)
	if len(l) != n {
		return nil, fmt.Errorf("%s %v: want %s", name, arg, want)
	}
	return l, nil
}

// stringPair evaluates the two arguments of the function name as strings.
func (e *evaluator) stringPair(name string, arg any, want string) (a, b string, err error) {
	l, err := fnArgs(name, arg, 2, want)
	if err != nil {
		return "", "", err
	}
	if a, err = e.evalString(l[0]); err != nil {
		return "", "", err
	}
	b, err = e.evalString(l[1])
	return a, b, err
}

func (e *evaluator) evalString(v any) (string, error) {
	r, err := e.eval(v)
	if err != nil {
		return "", err
	}
	s, ok := scalarString(r)
	if !ok {
		return "", fmt.Errorf("%v is not a string", r)
	}
	return s, nil
}

func (e *evaluator) condition(name string) (bool, error) {
	c, ok := e.t.Conditions[name]
	if !ok {
		return false, fmt.Errorf("no condition %s", name)
	}
	r, err := e.eval(c)
	if err != nil {
		return false, fmt.Errorf("condition %s: %w", name, err)
	}
	b, ok := r.(bool)
	if !ok {
		return false, fmt.Errorf("condition %s is %v, not a boolean", name, r)
	}
	return b, nil
}

func (e *evaluator) ref(name string) (any, error) {
	switch name {
	case "AWS::Partition":
		return e.vals.Partition, nil
	case "AWS::Region":
		return e.vals.Region, nil
	case "AWS::AccountId":
		return e.vals.AccountID, nil
	case "AWS::StackName":
		return e.vals.StackName, nil
	case "AWS::URLSuffix":
		if e.vals.Partition == "aws-cn" {
			return "amazonaws.com.cn", nil
		}
		return "amazonaws.com", nil
	case "AWS::NoValue":
		return noValue{}, nil
	}
	if p, ok := e.t.Parameters[name]; ok {
		v, given := e.vals.Parameters[name]
		if !given {
			v = p.Default
		}
		if v == nil {
			return nil, fmt.Errorf("parameter %s has no default and no value was given", name)
		}
		// Parameter values are strings to CloudFormation, whatever their YAML type; list
		// types are lists of strings.
		if strings.HasPrefix(p.Type, "List<") || p.Type == "CommaDelimitedList" {
			if l, ok := v.([]any); ok {
				return l, nil
			}
			s, _ := scalarString(v)
			var out []any
			for _, x := range strings.Split(s, ",") {
				out = append(out, strings.TrimSpace(x))
			}
			return out, nil
		}
		s, ok := scalarString(v)
		if !ok {
			return nil, fmt.Errorf("parameter %s: value %v is not a scalar", name, v)
		}
		return s, nil
	}
	if _, ok := e.t.Resources[name]; ok {
		return RefToken(name), nil
	}
	return nil, fmt.Errorf("!Ref %s: no such parameter or resource", name)
}

var subVar = regexp.MustCompile(`\$\{([^}]*)\}`)

func (e *evaluator) sub(arg any) (any, error) {
	var tmpl string
	vars := map[string]any{}
	switch a := arg.(type) {
	case string:
		tmpl = a
	case []any:
		if len(a) != 2 {
			return nil, fmt.Errorf("Fn::Sub %v: want string or [string, map]", arg)
		}
		var ok bool
		if tmpl, ok = a[0].(string); !ok {
			return nil, fmt.Errorf("Fn::Sub template %v is not a literal string", a[0])
		}
		vars = mapOf(a[1])
	default:
		return nil, fmt.Errorf("Fn::Sub %v: want string or [string, map]", arg)
	}
	var firstErr error
	out := subVar.ReplaceAllStringFunc(tmpl, func(m string) string {
		name := m[2 : len(m)-1]
		if strings.HasPrefix(name, "!") {
			return "${" + name[1:] + "}" // ${!Literal} is the literal ${Literal}
		}
		var s string
		var err error
		if v, ok := vars[name]; ok {
			s, err = e.evalString(v)
		} else if res, attr, dotted := strings.Cut(name, "."); dotted && !strings.HasPrefix(name, "AWS::") {
			if _, ok := e.t.Resources[res]; !ok {
				err = fmt.Errorf("${%s}: no resource %s", name, res)
			}
			s = AttToken(res, attr)
		} else {
			var r any
			if r, err = e.ref(name); err == nil {
				var ok bool
				if s, ok = scalarString(r); !ok {
					err = fmt.Errorf("${%s} is %v, not a string", name, r)
				}
			}
		}
		if err != nil && firstErr == nil {
			firstErr = fmt.Errorf("Fn::Sub: %w", err)
		}
		return s
	})
	return out, firstErr
}

// Resource returns the resource id with its properties evaluated for vals. For a SAM
// function, the Globals' Function properties come first (the resource's own win, environment
// variables merged), as SAM does.
func (t *Template) Resource(id string, vals Values) (map[string]any, error) {
	r, ok := t.Resources[id]
	if !ok {
		return nil, fmt.Errorf("no resource %s", id)
	}
	props := r.Properties
	if r.Type == "AWS::Serverless::Function" {
		props = mergeGlobals(mapOf(t.Globals["Function"]), props)
	}
	v, err := t.Eval(props, vals)
	if err != nil {
		return nil, fmt.Errorf("resource %s: %w", id, err)
	}
	return mapOf(v), nil
}

func mergeGlobals(globals, props map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range globals {
		out[k] = v
	}
	for k, v := range props {
		out[k] = v
	}
	gv := mapOf(mapOf(globals["Environment"])["Variables"])
	pv := mapOf(mapOf(props["Environment"])["Variables"])
	if len(gv) > 0 {
		vars := map[string]any{}
		for k, v := range gv {
			vars[k] = v
		}
		for k, v := range pv {
			vars[k] = v
		}
		out["Environment"] = map[string]any{"Variables": vars}
	}
	return out
}

// FunctionEnvironment returns the environment variables of the function id, evaluated for
// vals, as strings.
func (t *Template) FunctionEnvironment(id string, vals Values) (map[string]string, error) {
	props, err := t.Resource(id, vals)
	if err != nil {
		return nil, err
	}
	env := map[string]string{}
	for k, v := range mapOf(mapOf(props["Environment"])["Variables"]) {
		s, ok := scalarString(v)
		if !ok {
			return nil, fmt.Errorf("function %s: variable %s is %v, not a string", id, k, v)
		}
		env[k] = s
	}
	return env, nil
}

// scalarString renders a scalar as CloudFormation would pass it on.
func scalarString(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case int64:
		return strconv.FormatInt(v, 10), true
	case int:
		return strconv.Itoa(v), true
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true
	case bool:
		return strconv.FormatBool(v), true
	}
	return "", false
}

func mapOf(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func listOf(v any) []any {
	l, _ := v.([]any)
	return l
}

func str(v any) string {
	s, _ := scalarString(v)
	return s
}
