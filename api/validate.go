package api

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/sbomcat/sbomcat"
	c "github.com/sbomcat/sbomcat/api/constraint"
)

// Request checks: the AWS model's constraints on each operation's members, member by member in
// the model's order, rendered as AWS renders them. The shapes are in package constraint; the
// catalog's own rules (reserved tag keys, the attributes' byte budget, naming and unsetting a
// default version at once) are the domain's predicates, rendered here in the same message
// because AWS reports them together with the model's.

// pageRequest reads maxResults (1–100) and nextToken.
func pageRequest(r *request) (sbomcat.PageRequest, error) {
	var p sbomcat.PageRequest
	var v c.Violations
	if r.query.Has("maxResults") {
		s := r.query.Get("maxResults")
		n, err := strconv.Atoi(s)
		switch {
		case err != nil:
			v.Add("maxResults", &s, "Member must be an integer")
		case n < 1:
			v.Add("maxResults", &s, "Member must have value greater than or equal to 1")
		case n > sbomcat.DefaultMaxResults:
			v.Add("maxResults", &s, fmt.Sprintf("Member must have value less than or equal to %d", sbomcat.DefaultMaxResults))
		}
		p.MaxResults = n
	}
	if r.query.Has("nextToken") {
		p.NextToken = r.query.Get("nextToken")
		if p.NextToken == "" {
			v.Add("nextToken", &p.NextToken, "Member must not be empty")
		}
	}
	return p, v.Err()
}

// names checks the path labels an operation has.
func names(r *request, v *c.Violations) (pkg, ver string) {
	pkg, ver = r.params["packageName"], r.params["versionName"]
	v.Check("packageName", pkg, c.PackageName)
	if _, ok := r.params["versionName"]; ok {
		v.Check("versionName", ver, c.VersionName)
	}
	return pkg, ver
}

// clientToken reads the clientToken query member; "" means none was given.
func clientToken(r *request, v *c.Violations) string {
	t := r.query.Get("clientToken")
	if r.query.Has("clientToken") && t == "" {
		v.Add("clientToken", &t, fmt.Sprintf("Member must have length greater than or equal to %d", c.ClientToken.Min))
	}
	checkClientToken(v, "clientToken", t)
	return t
}

func checkClientToken(v *c.Violations, field, token string) {
	if token != "" {
		v.Check(field, token, c.ClientToken)
	}
}

// pathAndToken checks the path labels and the clientToken of an operation without a body.
func pathAndToken(r *request) (pkg, ver, token string, err error) {
	var v c.Violations
	pkg, ver = names(r, &v)
	token = clientToken(r, &v)
	return pkg, ver, token, v.Err()
}

// checkTags checks a TagMap: at most 50 entries, each key and value of its shape, no reserved key.
func checkTags(v *c.Violations, field string, tags map[string]string) {
	if len(tags) > c.MaxTagMap {
		v.Add(field, nil, fmt.Sprintf("Member must have length less than or equal to %d", c.MaxTagMap))
	}
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		kf := field + "." + k
		v.Check(kf, k, c.TagKey)
		if sbomcat.ReservedTagKey(k) {
			v.Addf("Tag key '%s' at '%s' uses the reserved prefix 'aws:'", k, kf)
		}
		v.Check(kf, tags[k], c.TagValue)
	}
}

// checkCreateTags checks the tags of a create request, where a given map has at least one entry.
func checkCreateTags(v *c.Violations, tags map[string]string) {
	if tags == nil {
		return
	}
	if len(tags) == 0 {
		v.Add("tags", nil, "Member must have length greater than or equal to 1")
	}
	checkTags(v, "tags", tags)
}

// checkAttributes checks ResourceAttributes: each key and value of its shape, and the domain's
// byte budget over all of them.
func checkAttributes(v *c.Violations, field string, attrs map[string]string) {
	for _, k := range slices.Sorted(maps.Keys(attrs)) {
		kf := field + "." + k
		v.Check(kf, k, c.ResourceAttributeKey)
		v.Check(kf, attrs[k], c.ResourceAttributeValue)
	}
	if size := sbomcat.AttributesSize(attrs); size > sbomcat.MaxAttributesBytes {
		v.Add(field, nil, fmt.Sprintf("The combined size of all the attributes on a package version is limited to %d bytes (keys and values; got %d)", sbomcat.MaxAttributesBytes, size))
	}
}

// checkArtifact checks an artifact's S3 location: bucket and key required, version optional.
func checkArtifact(v *c.Violations, field string, l *sbomcat.S3Location) {
	if l == nil {
		return
	}
	v.Length(field+".s3Location.bucket", l.Bucket, 1, 0, false)
	v.Length(field+".s3Location.key", l.Key, 1, 0, false)
}

func checkDescription(v *c.Violations, d *string) {
	if d != nil {
		v.Check("description", *d, c.ResourceDescription)
	}
}

func checkRecipe(v *c.Violations, recipe *string) {
	if recipe != nil {
		v.Check("recipe", *recipe, c.PackageVersionRecipe)
	}
}

// checkCreatePackage checks CreatePackage's members.
func checkCreatePackage(p sbomcat.Package) error {
	var v c.Violations
	v.Check("packageName", p.Name, c.PackageName)
	checkDescription(&v, &p.Description)
	checkCreateTags(&v, p.Tags)
	return v.Err()
}

// checkUpdatePackage checks UpdatePackage's members.
func checkUpdatePackage(u sbomcat.PackageUpdate) error {
	var v c.Violations
	checkDescription(&v, u.Description)
	if u.DefaultVersion != nil {
		v.Check("defaultVersionName", *u.DefaultVersion, c.VersionName)
		if u.UnsetDefaultVersion {
			v.Addf("You cannot name a defaultVersionName and set unsetDefaultVersion equal to true at the same time")
		}
	}
	return v.Err()
}

// checkCreateVersion checks CreatePackageVersion's members.
func checkCreateVersion(pv sbomcat.PackageVersion) error {
	var v c.Violations
	v.Check("packageName", pv.PackageName, c.PackageName)
	v.Check("versionName", pv.VersionName, c.VersionName)
	checkDescription(&v, &pv.Description)
	if pv.Attributes != nil {
		checkAttributes(&v, "attributes", pv.Attributes)
	}
	checkArtifact(&v, "artifact", pv.Artifact)
	checkRecipe(&v, &pv.Recipe)
	checkCreateTags(&v, pv.Tags)
	return v.Err()
}

// checkUpdateVersion checks UpdatePackageVersion's members (the action's enum is checked with
// the path, before these).
func checkUpdateVersion(u sbomcat.VersionUpdate) error {
	var v c.Violations
	checkDescription(&v, u.Description)
	if u.Attributes != nil {
		checkAttributes(&v, "attributes", u.Attributes)
	}
	checkArtifact(&v, "artifact", u.Artifact)
	checkRecipe(&v, u.Recipe)
	return v.Err()
}

// checkSBOM checks the SBOM of AssociateSbomWithPackageVersion with the messages AWS
// documents: bucket, key and version id are all required (docs/behaviour.md, "SBOM association").
func checkSBOM(l *sbomcat.S3Location) error {
	switch {
	case l == nil:
		return sbomcat.Errorf(sbomcat.EINVALID, "Associate request needs to include SBOM reference")
	case l.Bucket == "":
		return sbomcat.Errorf(sbomcat.EINVALID, "S3 bucket name for SBOM cannot be null")
	case utf8.RuneCountInString(l.Bucket) > c.S3Bucket.Max:
		return sbomcat.Errorf(sbomcat.EINVALID, "S3 bucket name for SBOM is illegal. String length exceeds limit")
	case l.Key == "":
		return sbomcat.Errorf(sbomcat.EINVALID, "S3 key name for SBOM cannot be null")
	case utf8.RuneCountInString(l.Key) > c.S3Key.Max:
		return sbomcat.Errorf(sbomcat.EINVALID, "S3 key name for SBOM is illegal. String length exceeds limit")
	case l.Version == "":
		return sbomcat.Errorf(sbomcat.EINVALID, "S3 object version for SBOM cannot be null")
	case utf8.RuneCountInString(l.Version) > c.S3Version.Max:
		return sbomcat.Errorf(sbomcat.EINVALID, "S3 object version for SBOM is illegal. String length exceeds limit")
	}
	return nil
}

// documentedChecks run before the model's, for the operations where AWS documents its own
// messages for what the model also refuses (docs/behaviour.md, "SBOM association").
var documentedChecks = map[string]func(*request) error{
	"AssociateSbomWithPackageVersion": func(r *request) error {
		var in associateInput
		if err := decode(r.body, &in); err != nil {
			return err
		}
		return checkSBOM(toLocation(in.Sbom))
	},
}

// checkConfiguration checks UpdatePackageConfiguration's members.
func checkConfiguration(u sbomcat.PackageConfigurationUpdate) error {
	var v c.Violations
	if arn := u.VersionUpdateByJobsRoleARN; arn != nil && *arn != "" {
		v.Length("versionUpdateByJobsConfig.roleArn", *arn, c.RoleArn.Min, c.RoleArn.Max, c.RoleArn.Sensitive)
	}
	return v.Err()
}

// resourceOf returns the package or version a resourceArn names: EINVALID when it is missing,
// not a package or version ARN, or its names break their shapes; ENOTFOUND when it is for
// another partition, region or account than scope.
func resourceOf(scope sbomcat.Scope, arn *string) (sbomcat.ResourceID, error) {
	var v c.Violations
	if arn == nil || *arn == "" {
		v.Required("resourceArn")
		return sbomcat.ResourceID{}, v.Err()
	}
	a, err := sbomcat.ParseARN(*arn)
	if err != nil {
		return sbomcat.ResourceID{}, err
	}
	v.Check("resourceArn package name", a.Resource.PackageName, c.PackageName)
	if a.Versioned {
		v.Check("resourceArn version name", a.Resource.VersionName, c.VersionName)
	}
	if err := v.Err(); err != nil {
		return sbomcat.ResourceID{}, err
	}
	if err := scope.Holds(a); err != nil {
		return sbomcat.ResourceID{}, err
	}
	return a.Resource, nil
}

// tagsOf returns TagResource's tags as a map, checking them.
func tagsOf(in []tagJSON) (map[string]string, error) {
	var v c.Violations
	if in == nil {
		v.Required("tags")
	}
	tags := map[string]string{}
	for i, t := range in {
		if t.Key == nil {
			v.Required(fmt.Sprintf("tags.%d.member.Key", i+1))
			continue
		}
		tags[*t.Key] = deref(t.Value)
	}
	checkTags(&v, "tags", tags)
	return tags, v.Err()
}

// checkTagKeys checks UntagResource's tagKeys.
func checkTagKeys(keys []string) error {
	var v c.Violations
	if keys == nil {
		v.Required("tagKeys")
	}
	for i, k := range keys {
		v.Length(fmt.Sprintf("tagKeys.%d.member", i+1), k, c.TagKey.Min, c.TagKey.Max, false)
	}
	return v.Err()
}
