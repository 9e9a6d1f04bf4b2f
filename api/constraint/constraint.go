// Package constraint holds the AWS IoT model of the operations served (model.json, from
// botocore), checks requests against every constraint it puts on their input (Model.Check:
// types, lengths, patterns, ranges, enums, required members, at any depth), and renders
// violations the way AWS does ("1 validation error detected: Value 'x' at 'packageName' failed
// to satisfy constraint: ..."). It knows wire member names and AWS sentences, so only the API edge
// uses it; the domain (catalog, jobs) speaks in sbomcat.Error codes and its own words.
package constraint

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/sbomcat/sbomcat"
)

// String is a string shape of the model: its length bounds in characters and its pattern.
type String struct {
	// Name is the shape's name in the model, e.g. "PackageName".
	Name string
	// Min and Max bound the length in characters; Max 0 means none.
	Min, Max int
	// Pattern is the model's pattern as the model spells it (for messages); "" means none.
	Pattern string
	// Sensitive values are never echoed in messages.
	Sensitive bool
	// re is Pattern anchored: AWS checks that the whole value matches (see anchored).
	re func() *regexp.Regexp
}

// fromModel returns the string shape name of the model in model.json.
func fromModel(name string) String {
	s := IoT().Shapes[name]
	if s == nil || s.Type != "string" {
		panic("constraint: no string shape " + name + " in model.json")
	}
	return String{Name: name, Min: bound(s.Min, 0), Max: bound(s.Max, 0), Pattern: s.Pattern, Sensitive: s.Sensitive, re: s.re}
}

// The string shapes checked outside the model's walk (Model.Check): the names inside a
// resourceArn, and the lengths jobs.Service checks itself. They are read from the model on
// first use, as the model is (IoT).
var (
	PackageName       = sync.OnceValue(func() String { return fromModel("PackageName") })
	VersionName       = sync.OnceValue(func() String { return fromModel("VersionName") })
	RoleArn           = sync.OnceValue(func() String { return fromModel("RoleArn") })
	PackageVersionArn = sync.OnceValue(func() String { return fromModel("PackageVersionArn") })
)

// The limits AWS documents for an SBOM's location, which its model does not carry.
var (
	S3Bucket  = String{Name: "S3Bucket", Min: 1, Max: 63}
	S3Key     = String{Name: "S3Key", Min: 1, Max: 1024}
	S3Version = String{Name: "S3Version", Min: 1, Max: 1024}
)

// Violations collects constraint violations and renders them the way AWS does
// ("2 validation errors detected: Value 'x' at 'packageName' failed to satisfy constraint: ...").
type Violations struct {
	msgs []string
}

// Add records that field (with value, or nil for a sensitive or absent one) breaks constraint.
func (v *Violations) Add(field string, value *string, constraint string) {
	if value == nil {
		v.msgs = append(v.msgs, fmt.Sprintf("Value at '%s' failed to satisfy constraint: %s", field, constraint))
		return
	}
	v.msgs = append(v.msgs, fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: %s", *value, field, constraint))
}

// Addf records a violation in free text, for rules that are not a single member constraint.
func (v *Violations) Addf(format string, args ...any) {
	v.msgs = append(v.msgs, fmt.Sprintf(format, args...))
}

// Required records a missing required member.
func (v *Violations) Required(field string) {
	v.Add(field, nil, "Member must not be null")
}

// Length checks min <= characters(value) <= max (max 0: no upper bound). Sensitive values are
// not echoed.
func (v *Violations) Length(field, value string, min, max int, sensitive bool) {
	n := utf8.RuneCountInString(value)
	shown := &value
	if sensitive {
		shown = nil
	}
	if n < min {
		v.Add(field, shown, fmt.Sprintf("Member must have length greater than or equal to %d", min))
	}
	if max > 0 && n > max {
		v.Add(field, shown, fmt.Sprintf("Member must have length less than or equal to %d", max))
	}
}

// Check checks value, the member at field, against shape s: its length, then its pattern (an
// empty value is only checked for length).
func (v *Violations) Check(field, value string, s String) {
	v.Length(field, value, s.Min, s.Max, s.Sensitive)
	if s.re == nil || value == "" || s.re().MatchString(value) {
		return
	}
	shown := &value
	if s.Sensitive {
		shown = nil
	}
	v.Add(field, shown, "Member must satisfy regular expression pattern: "+s.Pattern)
}

// Enum checks that value is one of allowed.
func (v *Violations) Enum(field, value string, allowed ...string) {
	for _, a := range allowed {
		if value == a {
			return
		}
	}
	v.Add(field, &value, "Member must satisfy enum value set: ["+strings.Join(allowed, ", ")+"]")
}

// Err returns the violations as one EINVALID *sbomcat.Error, or nil when there are none.
func (v *Violations) Err() error {
	switch len(v.msgs) {
	case 0:
		return nil
	case 1:
		return sbomcat.Errorf(sbomcat.EINVALID, "1 validation error detected: %s", v.msgs[0])
	}
	return sbomcat.Errorf(sbomcat.EINVALID, "%d validation errors detected: %s", len(v.msgs), strings.Join(v.msgs, "; "))
}
