package api

import (
	"strconv"
	"unicode/utf8"

	"github.com/sbomcat/sbomcat"
	c "github.com/sbomcat/sbomcat/api/constraint"
)

// Request checks beyond the model's. Every constraint of the AWS model (types, required members,
// lengths, patterns, ranges, enums) is checked before an operation runs (Handler.call, against
// constraint.IoT()); what is left here are the rules stricter than the model that this server
// keeps (docs/behaviour.md, "Errors"), rendered as AWS renders its own. The catalog's domain
// rules (reserved tag keys, the attributes' byte budget) are the catalog service's.

// pageRequest reads maxResults and nextToken (the model has bounded maxResults already). An
// empty nextToken is refused: no page ever hands one out.
func pageRequest(r *request) (sbomcat.PageRequest, error) {
	var p sbomcat.PageRequest
	var v c.Violations
	if r.query.Has("maxResults") {
		p.MaxResults, _ = strconv.Atoi(r.query.Get("maxResults"))
	}
	if r.query.Has("nextToken") {
		p.NextToken = r.query.Get("nextToken")
		if p.NextToken == "" {
			v.Add("nextToken", &p.NextToken, "Member must not be empty")
		}
	}
	return p, v.Err()
}

// names returns the path labels an operation has.
func names(r *request) (pkg, ver string) {
	return r.params["packageName"], r.params["versionName"]
}

// pathAndToken returns the path labels and the clientToken ("" when none) of an operation.
func pathAndToken(r *request) (pkg, ver, token string) {
	pkg, ver = names(r)
	return pkg, ver, r.query.Get("clientToken")
}

// artifactOf returns the artifact location of a request. The model makes s3Location, bucket
// and key optional; an artifact without them could not be fetched, so they are required.
func artifactOf(w *locationWrapper) (*sbomcat.S3Location, error) {
	var v c.Violations
	switch {
	case w == nil:
		return nil, nil
	case w.S3Location == nil:
		v.Required("artifact.s3Location")
	default:
		if w.S3Location.Bucket == nil {
			v.Required("artifact.s3Location.bucket")
		}
		if w.S3Location.Key == nil {
			v.Required("artifact.s3Location.key")
		}
	}
	return toLocation(w), v.Err()
}

// checkUpdatePackage checks UpdatePackage's members: naming a default version and unsetting it
// at once contradict each other.
func checkUpdatePackage(u sbomcat.PackageUpdate) error {
	if u.DefaultVersion != nil && u.UnsetDefaultVersion {
		var v c.Violations
		v.Addf("You cannot name a defaultVersionName and set unsetDefaultVersion equal to true at the same time")
		return v.Err()
	}
	return nil
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
		r.decoded = &in // the operation's input: withBody does not decode the body again
		return checkSBOM(toLocation(in.Sbom))
	},
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
	v.Check("resourceArn package name", a.Resource.PackageName, c.PackageName())
	if a.Versioned {
		v.Check("resourceArn version name", a.Resource.VersionName, c.VersionName())
	}
	if err := v.Err(); err != nil {
		return sbomcat.ResourceID{}, err
	}
	if err := scope.Holds(a); err != nil {
		return sbomcat.ResourceID{}, err
	}
	return a.Resource, nil
}

// tagsOf returns TagResource's tags as a map (the model has checked each).
func tagsOf(in []tagJSON) map[string]string {
	tags := map[string]string{}
	for _, t := range in {
		tags[deref(t.Key)] = deref(t.Value)
	}
	return tags
}
