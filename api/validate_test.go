package api

import (
	"strings"
	"testing"

	"github.com/sbomcat/sbomcat"
	c "github.com/sbomcat/sbomcat/api/constraint"
)

// TestRequestChecks: the model's constraints and the domain's rules, in AWS's words.
func TestRequestChecks(t *testing.T) {
	long := func(n int) string { return strings.Repeat("a", n) }
	bigAttrs := map[string]string{"a": long(2000), "b": long(1100)}
	manyTags := map[string]string{}
	for i := range 51 {
		manyTags[long(i+1)] = "v"
	}
	pkg := func(p sbomcat.Package) error { return checkCreatePackage(p) }
	ver := func(v sbomcat.PackageVersion) error { return checkCreateVersion(v) }
	one := "1"
	role := "arn:x"
	tests := []struct {
		name    string
		err     error
		wantMsg string // substring; "" means valid
	}{
		{"package ok", pkg(sbomcat.Package{Name: "a-b_c.1", Description: "x", Tags: map[string]string{"k": ""}}), ""},
		{"package name empty", pkg(sbomcat.Package{}), "at 'packageName' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"package name long", pkg(sbomcat.Package{Name: long(129)}), "Member must have length less than or equal to 128"},
		{"package name pattern", pkg(sbomcat.Package{Name: "a b"}), "Value 'a b' at 'packageName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9-_.]+"},
		{"description control", pkg(sbomcat.Package{Name: "a", Description: "x\x00"}), "Value at 'description'"},
		{"description long", pkg(sbomcat.Package{Name: "a", Description: long(1025)}), "less than or equal to 1024"},
		{"empty tags", pkg(sbomcat.Package{Name: "a", Tags: map[string]string{}}), "at 'tags'"},
		{"51 tags", pkg(sbomcat.Package{Name: "a", Tags: manyTags}), "less than or equal to 50"},
		{"tag key pattern", pkg(sbomcat.Package{Name: "a", Tags: map[string]string{"a*b": "v"}}), "tags.a*b"},
		{"tag key reserved", pkg(sbomcat.Package{Name: "a", Tags: map[string]string{"aws:x": "v"}}), "Tag key 'aws:x' at 'tags.aws:x' uses the reserved prefix 'aws:'"},
		{"tag value long", pkg(sbomcat.Package{Name: "a", Tags: map[string]string{"k": long(257)}}), "less than or equal to 256"},
		{"version ok", ver(sbomcat.PackageVersion{PackageName: "p", VersionName: "1.0", Attributes: map[string]string{"a:b_c-d": "v"}, Recipe: long(3072)}), ""},
		{"version name long", ver(sbomcat.PackageVersion{PackageName: "p", VersionName: long(65)}), "less than or equal to 64"},
		{"attr key pattern", ver(sbomcat.PackageVersion{PackageName: "p", VersionName: "1", Attributes: map[string]string{"a.b": "v"}}), "[a-zA-Z0-9:_-]+"},
		{"attr value empty", ver(sbomcat.PackageVersion{PackageName: "p", VersionName: "1", Attributes: map[string]string{"a": ""}}), "greater than or equal to 1"},
		{"attrs 3KB", ver(sbomcat.PackageVersion{PackageName: "p", VersionName: "1", Attributes: bigAttrs}), "limited to 3072 bytes (keys and values; got 3102)"},
		{"recipe long", ver(sbomcat.PackageVersion{PackageName: "p", VersionName: "1", Recipe: long(3073)}), "Value at 'recipe'"},
		{"artifact no key", ver(sbomcat.PackageVersion{PackageName: "p", VersionName: "1", Artifact: &sbomcat.S3Location{Bucket: "b"}}), "artifact.s3Location.key"},
		{"two errors", ver(sbomcat.PackageVersion{}), "2 validation errors detected"},
		{"update both default", checkUpdatePackage(sbomcat.PackageUpdate{DefaultVersion: &one, UnsetDefaultVersion: true}), "at the same time"},
		{"update attributes 3KB", checkUpdateVersion(sbomcat.VersionUpdate{Attributes: bigAttrs}), "limited to 3072 bytes"},
		{"sbom nil", checkSBOM(nil), "needs to include SBOM reference"},
		{"sbom no bucket", checkSBOM(&sbomcat.S3Location{Key: "k", Version: "v"}), "S3 bucket name for SBOM cannot be null"},
		{"sbom no key", checkSBOM(&sbomcat.S3Location{Bucket: "b", Version: "v"}), "S3 key name for SBOM cannot be null"},
		{"sbom no version", checkSBOM(&sbomcat.S3Location{Bucket: "b", Key: "k"}), "S3 object version for SBOM cannot be null"},
		{"sbom long bucket", checkSBOM(&sbomcat.S3Location{Bucket: long(64), Key: "k", Version: "v"}), "String length exceeds limit"},
		{"sbom ok", checkSBOM(&sbomcat.S3Location{Bucket: "b", Key: "k", Version: "v"}), ""},
		{"config short role", checkConfiguration(sbomcat.PackageConfigurationUpdate{VersionUpdateByJobsRoleARN: &role}), "Value 'arn:x' at 'versionUpdateByJobsConfig.roleArn'"},
		{"arn name pattern", errOf(resourceOf(sbomcat.DefaultScope, ptr("arn:aws:iot:us-east-1:000000000000:package/a b"))), "at 'resourceArn package name'"},
		{"arn empty version", errOf(resourceOf(sbomcat.DefaultScope, ptr("arn:aws:iot:us-east-1:000000000000:package/p/version/"))), "at 'resourceArn version name'"},
		{"arn missing", errOf(resourceOf(sbomcat.DefaultScope, nil)), "Value at 'resourceArn' failed to satisfy constraint: Member must not be null"},
		{"tag list without key", errOf(tagsOf([]tagJSON{{Value: ptr("v")}})), "tags.1.member.Key"},
		{"untag long key", checkTagKeys([]string{long(129)}), "tagKeys.1.member"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.wantMsg == "" {
				if tt.err != nil {
					t.Fatalf("unexpected error: %v", tt.err)
				}
				return
			}
			if sbomcat.ErrCode(tt.err) != sbomcat.EINVALID {
				t.Fatalf("err = %v, want EINVALID", tt.err)
			}
			if msg := sbomcat.ErrMessage(tt.err); !strings.Contains(msg, tt.wantMsg) {
				t.Errorf("message %q does not contain %q", msg, tt.wantMsg)
			}
		})
	}
}

func TestClientToken(t *testing.T) {
	tests := []struct {
		token string
		ok    bool
	}{
		{"", true},
		{strings.Repeat("a", 36), true},
		{strings.Repeat("a", 64), true},
		{strings.Repeat("a", 35), false},
		{strings.Repeat("a", 65), false},
		{strings.Repeat("a", 30) + " " + strings.Repeat("a", 10), false},
	}
	for _, tt := range tests {
		var v c.Violations
		checkClientToken(&v, "clientToken", tt.token)
		if (v.Err() == nil) != tt.ok {
			t.Errorf("token %q: err = %v, want ok=%v", tt.token, v.Err(), tt.ok)
		}
	}
}

func ptr(s string) *string { return &s }

func errOf[T any](_ T, err error) error { return err }
