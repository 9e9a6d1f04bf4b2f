// Package constraint holds the member constraints of the AWS IoT model that the API edge checks
// (lengths, patterns, enums, required members: the botocore model's shapes), and renders their
// violations the way AWS does ("1 validation error detected: Value 'x' at 'packageName' failed
// to satisfy constraint: ..."). It knows wire member names and AWS sentences, so only the edge
// (api and the request checks of jobs) uses it; the domain speaks in sbomcat.Error codes.
package constraint

import (
	"fmt"
	"regexp"
	"strings"
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
	// re is Pattern anchored (AWS checks that the whole value matches) and, where Go's
	// regexp syntax differs from the model's, respelled.
	re *regexp.Regexp
}

func str(name string, min, max int, pattern, re string, sensitive bool) String {
	s := String{Name: name, Min: min, Max: max, Pattern: pattern, Sensitive: sensitive}
	if re != "" {
		s.re = regexp.MustCompile(re)
	}
	return s
}

// The string shapes the catalog operations check, as the AWS IoT model defines them.
var (
	PackageName            = str("PackageName", 1, 128, `[a-zA-Z0-9-_.]+`, `^[a-zA-Z0-9_.\-]+$`, false)
	VersionName            = str("VersionName", 1, 64, `[a-zA-Z0-9-_.]+`, `^[a-zA-Z0-9_.\-]+$`, false)
	ResourceDescription    = str("ResourceDescription", 0, 1024, `[^\p{C}]+`, `^[^\p{C}]+$`, true)
	ResourceAttributeKey   = str("ResourceAttributeKey", 1, 0, `[a-zA-Z0-9:_-]+`, `^[a-zA-Z0-9:_\-]+$`, false)
	ResourceAttributeValue = str("ResourceAttributeValue", 1, 0, `[^\p{C}]+`, `^[^\p{C}]+$`, false)
	PackageVersionRecipe   = str("PackageVersionRecipe", 0, 3072, "", "", true)
	TagKey                 = str("TagKey", 1, 128, `^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$`, `^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$`, false)
	TagValue               = str("TagValue", 0, 256, "", "", false)
	ClientToken            = str("ClientToken", 36, 64, `\S{36,64}`, `^\S+$`, false)
	RoleArn                = str("RoleArn", 20, 2048, "", "", false)
	S3Bucket               = str("S3Bucket", 1, 63, "", "", false)
	S3Key                  = str("S3Key", 1, 1024, "", "", false)
	S3Version              = str("S3Version", 1, 1024, "", "", false)
	PackageVersionArn      = str("PackageVersionArn", 1, 1600, "", "", false)
)

// Strings lists every string shape above, for audits against the model.
var Strings = []String{
	PackageName, VersionName, ResourceDescription, ResourceAttributeKey, ResourceAttributeValue,
	PackageVersionRecipe, TagKey, TagValue, ClientToken, RoleArn, S3Bucket, S3Key, S3Version,
	PackageVersionArn,
}

// Other bounds of the model.
const (
	// MaxTagMap is the TagMap's and TagList's length bound (min 1 where the model says so).
	MaxTagMap = 50
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
	if s.re == nil || value == "" || s.re.MatchString(value) {
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
