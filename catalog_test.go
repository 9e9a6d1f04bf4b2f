package sbomcat

import (
	"strings"
	"testing"
	"time"
)

func TestVersionStatusNext(t *testing.T) {
	tests := []struct {
		from    VersionStatus
		action  VersionAction
		want    VersionStatus
		errCode string
	}{
		{VersionDraft, ActionPublish, VersionPublished, ""},
		{VersionDraft, ActionDeprecate, VersionDraft, ECONFLICT},
		{VersionPublished, ActionPublish, VersionPublished, ""},
		{VersionPublished, ActionDeprecate, VersionDeprecated, ""},
		{VersionDeprecated, ActionPublish, VersionPublished, ""},
		{VersionDeprecated, ActionDeprecate, VersionDeprecated, ""},
		{VersionDraft, "DELETE", VersionDraft, EINVALID},
	}
	for _, tt := range tests {
		t.Run(string(tt.from)+"_"+string(tt.action), func(t *testing.T) {
			got, err := tt.from.Next(tt.action)
			if ErrCode(err) != tt.errCode {
				t.Fatalf("err = %v, want code %q", err, tt.errCode)
			}
			if got != tt.want {
				t.Errorf("Next = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestPackageVersionApply(t *testing.T) {
	desc := "new"
	attrs := map[string]string{"k": "v"}
	art := &S3Location{Bucket: "b", Key: "k"}
	tests := []struct {
		name    string
		status  VersionStatus
		upd     VersionUpdate
		errCode string
		check   func(t *testing.T, v *PackageVersion)
	}{
		{"draft attributes", VersionDraft, VersionUpdate{Attributes: attrs}, "", func(t *testing.T, v *PackageVersion) {
			if v.Attributes["k"] != "v" {
				t.Errorf("attributes not replaced: %v", v.Attributes)
			}
		}},
		{"draft artifact and publish", VersionDraft, VersionUpdate{Artifact: art, Action: ActionPublish}, "", func(t *testing.T, v *PackageVersion) {
			if v.Artifact == nil || v.Artifact.Bucket != "b" || v.Status != VersionPublished {
				t.Errorf("got %+v", v)
			}
		}},
		{"published attributes", VersionPublished, VersionUpdate{Attributes: attrs}, ECONFLICT, nil},
		{"deprecated artifact", VersionDeprecated, VersionUpdate{Artifact: art}, ECONFLICT, nil},
		{"published description", VersionPublished, VersionUpdate{Description: &desc}, "", func(t *testing.T, v *PackageVersion) {
			if v.Description != "new" {
				t.Errorf("description = %q", v.Description)
			}
		}},
		{"deprecated recipe", VersionDeprecated, VersionUpdate{Recipe: &desc}, "", func(t *testing.T, v *PackageVersion) {
			if v.Recipe != "new" {
				t.Errorf("recipe = %q", v.Recipe)
			}
		}},
		{"draft deprecate changes nothing", VersionDraft, VersionUpdate{Description: &desc, Action: ActionDeprecate}, ECONFLICT, func(t *testing.T, v *PackageVersion) {
			if v.Description != "old" || v.Status != VersionDraft {
				t.Errorf("refused update changed the version: %+v", v)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := &PackageVersion{PackageName: "p", VersionName: "1", Status: tt.status, Description: "old"}
			err := v.Apply(tt.upd, time.Unix(1, 0))
			if ErrCode(err) != tt.errCode {
				t.Fatalf("err = %v, want code %q", err, tt.errCode)
			}
			if tt.check != nil {
				tt.check(t, v)
			}
		})
	}
}

func TestPackageApply(t *testing.T) {
	v1 := "1"
	tests := []struct {
		name    string
		upd     PackageUpdate
		def     *PackageVersion
		errCode string
		want    string
	}{
		{"set published", PackageUpdate{DefaultVersion: &v1}, &PackageVersion{VersionName: "1", Status: VersionPublished}, "", "1"},
		{"set deprecated", PackageUpdate{DefaultVersion: &v1}, &PackageVersion{VersionName: "1", Status: VersionDeprecated}, "", "1"},
		{"set draft", PackageUpdate{DefaultVersion: &v1}, &PackageVersion{VersionName: "1", Status: VersionDraft}, ECONFLICT, "old"},
		{"set missing", PackageUpdate{DefaultVersion: &v1}, nil, ENOTFOUND, "old"},
		{"unset", PackageUpdate{UnsetDefaultVersion: true}, nil, "", ""},
		{"both", PackageUpdate{DefaultVersion: &v1, UnsetDefaultVersion: true}, nil, EINVALID, "old"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &Package{Name: "p", DefaultVersion: "old"}
			err := p.Apply(tt.upd, tt.def, time.Unix(1, 0))
			if ErrCode(err) != tt.errCode {
				t.Fatalf("err = %v, want code %q", err, tt.errCode)
			}
			if p.DefaultVersion != tt.want {
				t.Errorf("default = %q, want %q", p.DefaultVersion, tt.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	long := func(n int) string { return strings.Repeat("a", n) }
	bigAttrs := map[string]string{"a": long(2000), "b": long(1100)}
	manyTags := map[string]string{}
	for i := range 51 {
		manyTags[long(i+1)] = "v"
	}
	tests := []struct {
		name    string
		err     error
		wantMsg string // substring; "" means valid
	}{
		{"package ok", (&Package{Name: "a-b_c.1", Description: "x", Tags: map[string]string{"k": ""}}).Validate(), ""},
		{"package name empty", (&Package{}).Validate(), "at 'packageName' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"package name long", (&Package{Name: long(129)}).Validate(), "Member must have length less than or equal to 128"},
		{"package name pattern", (&Package{Name: "a b"}).Validate(), "Value 'a b' at 'packageName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9-_.]+"},
		{"description control", (&Package{Name: "a", Description: "x\x00"}).Validate(), "Value at 'description'"},
		{"description long", (&Package{Name: "a", Description: long(1025)}).Validate(), "less than or equal to 1024"},
		{"empty tags", (&Package{Name: "a", Tags: map[string]string{}}).Validate(), "at 'tags'"},
		{"51 tags", (&Package{Name: "a", Tags: manyTags}).Validate(), "less than or equal to 50"},
		{"tag key pattern", (&Package{Name: "a", Tags: map[string]string{"a*b": "v"}}).Validate(), "tags.a*b"},
		{"tag key reserved", (&Package{Name: "a", Tags: map[string]string{"aws:x": "v"}}).Validate(), "reserved prefix"},
		{"tag value long", (&Package{Name: "a", Tags: map[string]string{"k": long(257)}}).Validate(), "less than or equal to 256"},
		{"version ok", (&PackageVersion{PackageName: "p", VersionName: "1.0", Attributes: map[string]string{"a:b_c-d": "v"}, Recipe: long(3072)}).Validate(), ""},
		{"version name long", (&PackageVersion{PackageName: "p", VersionName: long(65)}).Validate(), "less than or equal to 64"},
		{"attr key pattern", (&PackageVersion{PackageName: "p", VersionName: "1", Attributes: map[string]string{"a.b": "v"}}).Validate(), "[a-zA-Z0-9:_-]+"},
		{"attr value empty", (&PackageVersion{PackageName: "p", VersionName: "1", Attributes: map[string]string{"a": ""}}).Validate(), "greater than or equal to 1"},
		{"attrs 3KB", (&PackageVersion{PackageName: "p", VersionName: "1", Attributes: bigAttrs}).Validate(), "limited to 3072 bytes"},
		{"recipe long", (&PackageVersion{PackageName: "p", VersionName: "1", Recipe: long(3073)}).Validate(), "Value at 'recipe'"},
		{"artifact no key", (&PackageVersion{PackageName: "p", VersionName: "1", Artifact: &S3Location{Bucket: "b"}}).Validate(), "artifact.s3Location.key"},
		{"two errors", (&PackageVersion{PackageName: "", VersionName: ""}).Validate(), "2 validation errors detected"},
		{"update both default", PackageUpdate{DefaultVersion: new("1"), UnsetDefaultVersion: true}.Validate(), "at the same time"},
		{"update bad action", VersionUpdate{Action: "DELETE"}.Validate(), "enum value set: [PUBLISH, DEPRECATE]"},
		{"sbom nil", ValidateSBOM(nil), "needs to include SBOM reference"},
		{"sbom no bucket", ValidateSBOM(&S3Location{Key: "k", Version: "v"}), "S3 bucket name for SBOM cannot be null"},
		{"sbom no key", ValidateSBOM(&S3Location{Bucket: "b", Version: "v"}), "S3 key name for SBOM cannot be null"},
		{"sbom no version", ValidateSBOM(&S3Location{Bucket: "b", Key: "k"}), "S3 object version for SBOM cannot be null"},
		{"sbom long bucket", ValidateSBOM(&S3Location{Bucket: long(64), Key: "k", Version: "v"}), "String length exceeds limit"},
		{"sbom ok", ValidateSBOM(&S3Location{Bucket: "b", Key: "k", Version: "v"}), ""},
		{"config short role", PackageConfiguration{VersionUpdateByJobsRoleARN: "arn:x"}.Validate(), "roleArn"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.wantMsg == "" {
				if tt.err != nil {
					t.Fatalf("unexpected error: %v", tt.err)
				}
				return
			}
			if ErrCode(tt.err) != EINVALID {
				t.Fatalf("err = %v, want EINVALID", tt.err)
			}
			if msg := ErrMessage(tt.err); !strings.Contains(msg, tt.wantMsg) {
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
		var v Violations
		v.ClientToken("clientToken", tt.token)
		if (v.Err() == nil) != tt.ok {
			t.Errorf("token %q: err = %v, want ok=%v", tt.token, v.Err(), tt.ok)
		}
	}
}

func TestParseARN(t *testing.T) {
	s := DefaultScope
	tests := []struct {
		arn     string
		want    ResourceID
		errCode string
	}{
		{s.PackageARN("p"), ResourceID{PackageName: "p"}, ""},
		{s.VersionARN("p", "1.0"), ResourceID{PackageName: "p", VersionName: "1.0"}, ""},
		{"arn:aws:iot:eu-west-1:000000000000:package/p", ResourceID{}, ENOTFOUND},
		{"arn:aws:iot:us-east-1:111111111111:package/p", ResourceID{}, ENOTFOUND},
		{"arn:aws:iot:us-east-1:000000000000:thing/t", ResourceID{}, EINVALID},
		{"arn:aws:s3:::bucket", ResourceID{}, EINVALID},
		{"garbage", ResourceID{}, EINVALID},
		{"arn:aws:iot:us-east-1:000000000000:package/a b", ResourceID{}, EINVALID},
		{"arn:aws:iot:us-east-1:000000000000:package/p/version/", ResourceID{}, EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.arn, func(t *testing.T) {
			got, err := s.ParseARN(tt.arn)
			if ErrCode(err) != tt.errCode {
				t.Fatalf("err = %v, want %q", err, tt.errCode)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
	if got := s.ARN(ResourceID{PackageName: "p", VersionName: "v"}); got != "arn:aws:iot:us-east-1:000000000000:package/p/version/v" {
		t.Errorf("ARN = %s", got)
	}
}

func TestPageToken(t *testing.T) {
	type cursor struct{ Name string }
	tok, err := EncodePageToken(ListID("versions", "p", ""), cursor{"b"})
	if err != nil {
		t.Fatal(err)
	}
	var c cursor
	if err := DecodePageToken(tok, ListID("versions", "p", ""), &c); err != nil || c.Name != "b" {
		t.Fatalf("round trip: %v %+v", err, c)
	}
	for _, bad := range []struct{ token, list string }{
		{tok, ListID("versions", "p", "DRAFT")},
		{tok, ListID("packages")},
		{"garbage", ListID("versions", "p", "")},
		{tok[:len(tok)-2], ListID("versions", "p", "")},
	} {
		if err := DecodePageToken(bad.token, bad.list, &c); ErrCode(err) != EINVALID {
			t.Errorf("DecodePageToken(%q, %q) = %v, want EINVALID", bad.token, bad.list, err)
		}
	}
}
