package sbomcat

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"
)

// Limits from the AWS model (spec §2) and quotas.
const (
	MaxPackageNameLen    = 128
	MaxVersionNameLen    = 64
	MaxDescriptionLen    = 1024
	MaxRecipeLen         = 3072
	MaxAttributesBytes   = 3072 // "combined size of all the attributes ... limited to 3KB"
	MaxTags              = 50
	MaxTagKeyLen         = 128
	MaxTagValueLen       = 256
	MinClientTokenLen    = 36
	MaxClientTokenLen    = 64
	MaxRoleARNLen        = 2048
	MinRoleARNLen        = 20
	MaxS3BucketLen       = 63
	MaxS3KeyLen          = 1024
	MaxS3VersionLen      = 1024
	MaxPackageVersionARN = 1600
)

// Patterns are anchored: AWS checks that the whole value matches the model's pattern.
var (
	namePattern        = pattern(`[a-zA-Z0-9-_.]+`, `^[a-zA-Z0-9_.\-]+$`)
	descriptionPattern = pattern(`[^\p{C}]+`, `^[^\p{C}]+$`)
	attrKeyPattern     = pattern(`[a-zA-Z0-9:_-]+`, `^[a-zA-Z0-9:_\-]+$`)
	attrValuePattern   = descriptionPattern
	tagKeyPattern      = pattern(`^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$`, `^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$`)
	clientTokenPattern = pattern(`\S{36,64}`, `^\S+$`)
)

type namedPattern struct {
	shown string // as the model spells it, for messages
	re    *regexp.Regexp
}

func pattern(shown, re string) namedPattern {
	return namedPattern{shown: shown, re: regexp.MustCompile(re)}
}

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

// Length checks min <= characters(value) <= max. Sensitive values are not echoed.
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

func (v *Violations) pattern(field, value string, p namedPattern, sensitive bool) {
	if value == "" || p.re.MatchString(value) {
		return
	}
	shown := &value
	if sensitive {
		shown = nil
	}
	v.Add(field, shown, "Member must satisfy regular expression pattern: "+p.shown)
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

// Err returns the violations as one EINVALID *Error, or nil when there are none.
func (v *Violations) Err() error {
	switch len(v.msgs) {
	case 0:
		return nil
	case 1:
		return Errorf(EINVALID, "1 validation error detected: %s", v.msgs[0])
	}
	return Errorf(EINVALID, "%d validation errors detected: %s", len(v.msgs), strings.Join(v.msgs, "; "))
}

// PackageName checks a PackageName member.
func (v *Violations) PackageName(field, name string) {
	v.Length(field, name, 1, MaxPackageNameLen, false)
	v.pattern(field, name, namePattern, false)
}

// VersionName checks a VersionName member.
func (v *Violations) VersionName(field, name string) {
	v.Length(field, name, 1, MaxVersionNameLen, false)
	v.pattern(field, name, namePattern, false)
}

// Description checks a ResourceDescription member (sensitive: never echoed).
func (v *Violations) Description(field, d string) {
	v.Length(field, d, 0, MaxDescriptionLen, true)
	v.pattern(field, d, descriptionPattern, true)
}

// ClientToken checks a ClientToken member; "" means none was given.
func (v *Violations) ClientToken(field, token string) {
	if token == "" {
		return
	}
	v.Length(field, token, MinClientTokenLen, MaxClientTokenLen, false)
	v.pattern(field, token, clientTokenPattern, false)
}

// Tags checks a TagMap (1 to 50 entries, key and value rules). Reserved "aws:" keys are
// refused as everywhere in AWS.
func (v *Violations) Tags(field string, tags map[string]string) {
	if len(tags) > MaxTags {
		v.Add(field, nil, fmt.Sprintf("Member must have length less than or equal to %d", MaxTags))
	}
	for _, k := range sortedKeys(tags) {
		v.TagKey(field+"."+k, k)
		v.Length(field+"."+k, tags[k], 0, MaxTagValueLen, false)
	}
}

// TagKey checks one TagKey.
func (v *Violations) TagKey(field, k string) {
	v.Length(field, k, 1, MaxTagKeyLen, false)
	if !tagKeyPattern.re.MatchString(k) {
		v.Add(field, &k, "Member must satisfy regular expression pattern: "+tagKeyPattern.shown)
	}
	if strings.HasPrefix(strings.ToLower(k), "aws:") {
		v.Addf("Tag key '%s' at '%s' uses the reserved prefix 'aws:'", k, field)
	}
}

// Attributes checks a ResourceAttributes map: key and value patterns and 3 KB in total.
func (v *Violations) Attributes(field string, attrs map[string]string) {
	size := 0
	for _, k := range sortedKeys(attrs) {
		val := attrs[k]
		size += len(k) + len(val)
		kf := field + "." + k
		v.Length(kf, k, 1, 0, false)
		v.pattern(kf, k, attrKeyPattern, false)
		v.Length(kf, val, 1, 0, false)
		v.pattern(kf, val, attrValuePattern, false)
	}
	if size > MaxAttributesBytes {
		v.Add(field, nil, fmt.Sprintf("The combined size of all the attributes on a package version is limited to %d bytes (keys and values; got %d)", MaxAttributesBytes, size))
	}
}

// Artifact checks an artifact's S3 location: bucket and key required, version optional.
func (v *Violations) Artifact(field string, l *S3Location) {
	if l == nil {
		v.Required(field + ".s3Location")
		return
	}
	v.Length(field+".s3Location.bucket", l.Bucket, 1, 0, false)
	v.Length(field+".s3Location.key", l.Key, 1, 0, false)
}

// Recipe checks a PackageVersionRecipe (sensitive).
func (v *Violations) Recipe(field, r string) {
	v.Length(field, r, 0, MaxRecipeLen, true)
}

// Validate checks a CreatePackage request.
func (p *Package) Validate() error {
	var v Violations
	v.PackageName("packageName", p.Name)
	v.Description("description", p.Description)
	if p.Tags != nil {
		if len(p.Tags) == 0 {
			v.Add("tags", nil, "Member must have length greater than or equal to 1")
		}
		v.Tags("tags", p.Tags)
	}
	return v.Err()
}

// Validate checks an UpdatePackage request.
func (u PackageUpdate) Validate() error {
	var v Violations
	if u.Description != nil {
		v.Description("description", *u.Description)
	}
	if u.DefaultVersion != nil {
		v.VersionName("defaultVersionName", *u.DefaultVersion)
	}
	if u.DefaultVersion != nil && u.UnsetDefaultVersion {
		v.Addf("You cannot name a defaultVersionName and set unsetDefaultVersion equal to true at the same time")
	}
	return v.Err()
}

// Validate checks a CreatePackageVersion request.
func (pv *PackageVersion) Validate() error {
	var v Violations
	v.PackageName("packageName", pv.PackageName)
	v.VersionName("versionName", pv.VersionName)
	v.Description("description", pv.Description)
	if pv.Attributes != nil {
		v.Attributes("attributes", pv.Attributes)
	}
	if pv.Artifact != nil {
		v.Artifact("artifact", pv.Artifact)
	}
	v.Recipe("recipe", pv.Recipe)
	if pv.Tags != nil {
		if len(pv.Tags) == 0 {
			v.Add("tags", nil, "Member must have length greater than or equal to 1")
		}
		v.Tags("tags", pv.Tags)
	}
	return v.Err()
}

// Validate checks an UpdatePackageVersion request.
func (u VersionUpdate) Validate() error {
	var v Violations
	if u.Description != nil {
		v.Description("description", *u.Description)
	}
	if u.Attributes != nil {
		v.Attributes("attributes", u.Attributes)
	}
	if u.Artifact != nil {
		v.Artifact("artifact", u.Artifact)
	}
	if u.Action != "" {
		v.Enum("action", string(u.Action), string(ActionPublish), string(ActionDeprecate))
	}
	if u.Recipe != nil {
		v.Recipe("recipe", *u.Recipe)
	}
	return v.Err()
}

// ValidateSBOM checks an SBOM location for AssociateSbomWithPackageVersion. Bucket, key and
// version id are all required (decisions item 11); the messages are the ones AWS documents.
func ValidateSBOM(l *S3Location) error {
	switch {
	case l == nil:
		return Errorf(EINVALID, "Associate request needs to include SBOM reference")
	case l.Bucket == "":
		return Errorf(EINVALID, "S3 bucket name for SBOM cannot be null")
	case utf8.RuneCountInString(l.Bucket) > MaxS3BucketLen:
		return Errorf(EINVALID, "S3 bucket name for SBOM is illegal. String length exceeds limit")
	case l.Key == "":
		return Errorf(EINVALID, "S3 key name for SBOM cannot be null")
	case utf8.RuneCountInString(l.Key) > MaxS3KeyLen:
		return Errorf(EINVALID, "S3 key name for SBOM is illegal. String length exceeds limit")
	case l.Version == "":
		return Errorf(EINVALID, "S3 object version for SBOM cannot be null")
	case utf8.RuneCountInString(l.Version) > MaxS3VersionLen:
		return Errorf(EINVALID, "S3 object version for SBOM is illegal. String length exceeds limit")
	}
	return nil
}

// Validate checks an UpdatePackageConfiguration request.
func (c PackageConfiguration) Validate() error {
	var v Violations
	if c.VersionUpdateByJobsRoleARN != "" {
		v.Length("versionUpdateByJobsConfig.roleArn", c.VersionUpdateByJobsRoleARN, MinRoleARNLen, MaxRoleARNLen, false)
	}
	return v.Err()
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
