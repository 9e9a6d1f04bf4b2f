package sbomcat

import (
	"strings"
)

// Domain limits: rules of the catalog itself, whatever front end a request came through. The
// shapes of the wire model (lengths, patterns, enums, required members) are checked by the API
// edge, which also renders these rules in AWS's words; the Validate methods here are what every
// caller of the catalog service gets, with messages in the catalog's own words.
const (
	// MaxTags is the most tags a resource may carry.
	MaxTags = 50
	// MaxAttributesBytes bounds a version's attributes: "combined size of all the attributes
	// ... limited to 3KB", keys and values counted in bytes.
	MaxAttributesBytes = 3072
)

// ReservedTagKey reports whether a tag key uses the prefix reserved for AWS's own tags, which
// no caller may set (as everywhere in AWS).
func ReservedTagKey(k string) bool {
	return strings.HasPrefix(strings.ToLower(k), "aws:")
}

// AttributesSize is what attrs count against MaxAttributesBytes: the bytes of every key and value.
func AttributesSize(attrs map[string]string) int {
	size := 0
	for k, v := range attrs {
		size += len(k) + len(v)
	}
	return size
}

// ValidateTags checks the domain rules of a resource's tags: at most MaxTags, no reserved key.
func ValidateTags(tags map[string]string) error {
	if len(tags) > MaxTags {
		return Errorf(EINVALID, "A resource can have at most %d tags; the request gives %d.", MaxTags, len(tags))
	}
	for k := range tags {
		if ReservedTagKey(k) {
			return Errorf(EINVALID, "Tag key %q uses the reserved prefix 'aws:'.", k)
		}
	}
	return nil
}

// ValidateAttributes checks a version's attributes against MaxAttributesBytes.
func ValidateAttributes(attrs map[string]string) error {
	if n := AttributesSize(attrs); n > MaxAttributesBytes {
		return Errorf(EINVALID, "The combined size of a package version's attributes is limited to %d bytes (keys and values); these have %d.", MaxAttributesBytes, n)
	}
	return nil
}

// Validate checks the domain rules of a new package: its tags.
func (p *Package) Validate() error {
	if p.Name == "" {
		return Errorf(EINVALID, "A package needs a name.")
	}
	return ValidateTags(p.Tags)
}

// Validate checks the domain rules of a new package version: its attributes and tags.
func (pv *PackageVersion) Validate() error {
	if pv.PackageName == "" || pv.VersionName == "" {
		return Errorf(EINVALID, "A package version needs a package name and a version name.")
	}
	if err := ValidateAttributes(pv.Attributes); err != nil {
		return err
	}
	return ValidateTags(pv.Tags)
}

// Validate checks the domain rules of a version update: its attributes.
func (u VersionUpdate) Validate() error {
	return ValidateAttributes(u.Attributes)
}

// ValidateSBOM checks that l names one SBOM object exactly: bucket, key and object version are
// all required, because the validation results belong to that one version of the object
// (docs/behaviour.md, "SBOM association").
func ValidateSBOM(l S3Location) error {
	var missing []string
	for _, m := range []struct{ name, value string }{{"bucket", l.Bucket}, {"key", l.Key}, {"object version", l.Version}} {
		if m.value == "" {
			missing = append(missing, m.name)
		}
	}
	if len(missing) > 0 {
		return Errorf(EINVALID, "An SBOM is named by its S3 bucket, key and object version; the %s is missing.", strings.Join(missing, " and "))
	}
	return nil
}
