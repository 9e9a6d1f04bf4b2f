package api

import (
	"net/url"
	"strings"
	"testing"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/api/constraint"
	"github.com/sbomcat/sbomcat/internal/testkit"
)

// modelCheck runs the model's checks of op on a request, as Handler.call does.
func modelCheck(op string, labels map[string]string, query, body string) error {
	q, err := url.ParseQuery(query)
	if err != nil {
		return err
	}
	obj, err := parseBody([]byte(body))
	if err != nil {
		return err
	}
	return constraint.IoT().Check(op, constraint.Request{Labels: labels, Query: q, Body: obj})
}

// TestRequestChecks: the model's constraints and the rules stricter than the model, in AWS's
// words.
func TestRequestChecks(t *testing.T) {
	long := func(n int) string { return strings.Repeat("a", n) }
	p := func(name string) map[string]string { return map[string]string{"packageName": name} }
	pv := map[string]string{"packageName": "p", "versionName": "1"}
	var manyTags []string
	for i := range 51 {
		manyTags = append(manyTags, `"`+long(i+1)+`":"v"`)
	}
	one := "1"
	tests := []struct {
		name    string
		err     error
		wantMsg string // substring; "" means valid
	}{
		{"package ok", modelCheck("CreatePackage", p("a-b_c.1"), "", `{"description":"x","tags":{"k":""}}`), ""},
		{"package name empty", modelCheck("CreatePackage", p(""), "", ``), "at 'packageName' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"package name long", modelCheck("CreatePackage", p(long(129)), "", ``), "Member must have length less than or equal to 128"},
		{"package name pattern", modelCheck("GetPackage", p("a b"), "", ``), "Value 'a b' at 'packageName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9-_.]+"},
		{"description control", modelCheck("CreatePackage", p("a"), "", `{"description":"x\u0000"}`), "Value at 'description'"},
		{"description long", modelCheck("CreatePackage", p("a"), "", `{"description":"`+long(1025)+`"}`), "less than or equal to 1024"},
		{"empty tags", modelCheck("CreatePackage", p("a"), "", `{"tags":{}}`), "at 'tags'"},
		{"51 tags", modelCheck("CreatePackage", p("a"), "", `{"tags":{`+strings.Join(manyTags, ",")+`}}`), "less than or equal to 50"},
		{"tag key pattern", modelCheck("CreatePackage", p("a"), "", `{"tags":{"a*b":"v"}}`), "Value 'a*b' at 'tags'"},
		{"tag value long", modelCheck("CreatePackage", p("a"), "", `{"tags":{"k":"`+long(257)+`"}}`), "less than or equal to 256"},
		{"client token short", modelCheck("DeletePackage", p("a"), "clientToken="+long(35), ``), "at 'clientToken'"},
		{"client token space", modelCheck("DeletePackage", p("a"), "clientToken="+long(30)+"+"+long(10), ``), `\S{36,64}`},
		{"client token empty", modelCheck("DeletePackage", p("a"), "clientToken=", ``), "greater than or equal to 36"},
		{"version ok", modelCheck("CreatePackageVersion", pv, "", `{"attributes":{"a:b_c-d":"v"},"recipe":"`+long(3072)+`"}`), ""},
		{"version name long", modelCheck("GetPackageVersion", map[string]string{"packageName": "p", "versionName": long(65)}, "", ``), "less than or equal to 64"},
		{"attr key pattern", modelCheck("CreatePackageVersion", pv, "", `{"attributes":{"a.b":"v"}}`), "[a-zA-Z0-9:_-]+"},
		{"attr value empty", modelCheck("UpdatePackageVersion", pv, "", `{"attributes":{"a":""}}`), "greater than or equal to 1"},
		{"recipe long", modelCheck("CreatePackageVersion", pv, "", `{"recipe":"`+long(3073)+`"}`), "Value at 'recipe'"},
		{"artifact empty key", modelCheck("CreatePackageVersion", pv, "", `{"artifact":{"s3Location":{"bucket":"b","key":""}}}`), "Value '' at 'artifact.s3Location.key'"},
		{"action enum", modelCheck("UpdatePackageVersion", pv, "", `{"action":"publish"}`), "Member must satisfy enum value set: [PUBLISH, DEPRECATE]"},
		{"two errors", modelCheck("CreatePackageVersion", map[string]string{"packageName": "", "versionName": ""}, "", ``), "2 validation errors detected"},
		{"max results", modelCheck("ListPackages", nil, "maxResults=101", ``), "Value '101' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100"},
		{"max results not a number", modelCheck("ListPackages", nil, "maxResults=ten", ``), "Member must be an integer"},
		{"string for boolean", modelCheck("UpdatePackage", p("a"), "", `{"unsetDefaultVersion":"yes"}`), "Member must be of type boolean, not a JSON string"},
		{"config short role", modelCheck("UpdatePackageConfiguration", nil, "", `{"versionUpdateByJobsConfig":{"roleArn":"arn:x"}}`), "Value 'arn:x' at 'versionUpdateByJobsConfig.roleArn'"},
		{"tag list without key", modelCheck("TagResource", nil, "", `{"resourceArn":"x","tags":[{"Value":"v"}]}`), "tags.1.member.Key"},
		{"untag key pattern", modelCheck("UntagResource", nil, "", `{"resourceArn":"x","tagKeys":["a#b"]}`), "Value 'a#b' at 'tagKeys.1.member'"},
		{"untag long key", modelCheck("UntagResource", nil, "", `{"resourceArn":"x","tagKeys":["`+long(129)+`"]}`), "tagKeys.1.member"},
		{"job document source empty", modelCheck("CreateJob", map[string]string{"jobId": "j"}, "", `{"targets":["t"],"documentSource":""}`), "at 'documentSource'"},
		{"expires not an integer", modelCheck("CreateJob", map[string]string{"jobId": "j"}, "", `{"targets":["t"],"presignedUrlConfig":{"expiresInSec":1.5}}`), "Value '1.5' at 'presignedUrlConfig.expiresInSec' failed to satisfy constraint: Member must be an integer (long)"},
		{"invalid UTF-8", modelCheck("CreatePackage", p("a"), "", "{\"description\":\"\xff\"}"), "not valid UTF-8: invalid byte at offset 16"},
		{"artifact without key", errOf(artifactOf(&locationWrapper{S3Location: &s3LocationJSON{Bucket: ptr("b")}})), "Value at 'artifact.s3Location.key' failed to satisfy constraint: Member must not be null"},
		{"artifact without location", errOf(artifactOf(&locationWrapper{})), "artifact.s3Location"},
		{"update both default", checkUpdatePackage(sbomcat.PackageUpdate{DefaultVersion: &one, UnsetDefaultVersion: true}), "at the same time"},
		{"sbom nil", checkSBOM(nil), "needs to include SBOM reference"},
		{"sbom no bucket", checkSBOM(&sbomcat.S3Location{Key: "k", Version: "v"}), "S3 bucket name for SBOM cannot be null"},
		{"sbom no key", checkSBOM(&sbomcat.S3Location{Bucket: "b", Version: "v"}), "S3 key name for SBOM cannot be null"},
		{"sbom no version", checkSBOM(&sbomcat.S3Location{Bucket: "b", Key: "k"}), "S3 object version for SBOM cannot be null"},
		{"sbom long bucket", checkSBOM(&sbomcat.S3Location{Bucket: long(64), Key: "k", Version: "v"}), "String length exceeds limit"},
		{"sbom ok", checkSBOM(&sbomcat.S3Location{Bucket: "b", Key: "k", Version: "v"}), ""},
		{"arn name pattern", errOf(resourceOf(sbomcat.DefaultScope, ptr("arn:aws:iot:us-east-1:000000000000:package/a b"))), "at 'resourceArn package name'"},
		{"arn empty version", errOf(resourceOf(sbomcat.DefaultScope, ptr("arn:aws:iot:us-east-1:000000000000:package/p/version/"))), "at 'resourceArn version name'"},
		{"arn missing", errOf(resourceOf(sbomcat.DefaultScope, nil)), "Value at 'resourceArn' failed to satisfy constraint: Member must not be null"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { testkit.WantInvalid(t, tt.err, tt.wantMsg) })
	}
}

func ptr(s string) *string { return &s }

func errOf[T any](_ T, err error) error { return err }
