package sbomcat_test

import (
	"strings"
	"testing"
	"time"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/internal/testkit"
)

func TestVersionStatusNext(t *testing.T) {
	tests := []struct {
		from    sbomcat.VersionStatus
		action  sbomcat.VersionAction
		want    sbomcat.VersionStatus
		errCode string
	}{
		{sbomcat.VersionDraft, sbomcat.ActionPublish, sbomcat.VersionPublished, ""},
		{sbomcat.VersionDraft, sbomcat.ActionDeprecate, sbomcat.VersionDraft, sbomcat.ECONFLICT},
		{sbomcat.VersionPublished, sbomcat.ActionPublish, sbomcat.VersionPublished, ""},
		{sbomcat.VersionPublished, sbomcat.ActionDeprecate, sbomcat.VersionDeprecated, ""},
		{sbomcat.VersionDeprecated, sbomcat.ActionPublish, sbomcat.VersionPublished, ""},
		{sbomcat.VersionDeprecated, sbomcat.ActionDeprecate, sbomcat.VersionDeprecated, ""},
		{sbomcat.VersionDraft, "DELETE", sbomcat.VersionDraft, sbomcat.EINVALID},
	}
	for _, tt := range tests {
		t.Run(string(tt.from)+"_"+string(tt.action), func(t *testing.T) {
			got, err := tt.from.Next(tt.action)
			if sbomcat.ErrCode(err) != tt.errCode {
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
	art := &sbomcat.S3Location{Bucket: "b", Key: "k"}
	tests := []struct {
		name    string
		status  sbomcat.VersionStatus
		upd     sbomcat.VersionUpdate
		errCode string
		check   func(t *testing.T, v *sbomcat.PackageVersion)
	}{
		{"draft attributes", sbomcat.VersionDraft, sbomcat.VersionUpdate{Attributes: attrs}, "", func(t *testing.T, v *sbomcat.PackageVersion) {
			if v.Attributes["k"] != "v" {
				t.Errorf("attributes not replaced: %v", v.Attributes)
			}
		}},
		{"draft artifact and publish", sbomcat.VersionDraft, sbomcat.VersionUpdate{Artifact: art, Action: sbomcat.ActionPublish}, "", func(t *testing.T, v *sbomcat.PackageVersion) {
			if v.Artifact == nil || v.Artifact.Bucket != "b" || v.Status != sbomcat.VersionPublished {
				t.Errorf("got %+v", v)
			}
		}},
		{"published attributes", sbomcat.VersionPublished, sbomcat.VersionUpdate{Attributes: attrs}, sbomcat.ECONFLICT, nil},
		{"deprecated artifact", sbomcat.VersionDeprecated, sbomcat.VersionUpdate{Artifact: art}, sbomcat.ECONFLICT, nil},
		{"published description", sbomcat.VersionPublished, sbomcat.VersionUpdate{Description: &desc}, "", func(t *testing.T, v *sbomcat.PackageVersion) {
			if v.Description != "new" {
				t.Errorf("description = %q", v.Description)
			}
		}},
		{"deprecated recipe", sbomcat.VersionDeprecated, sbomcat.VersionUpdate{Recipe: &desc}, "", func(t *testing.T, v *sbomcat.PackageVersion) {
			if v.Recipe != "new" {
				t.Errorf("recipe = %q", v.Recipe)
			}
		}},
		{"draft deprecate changes nothing", sbomcat.VersionDraft, sbomcat.VersionUpdate{Description: &desc, Action: sbomcat.ActionDeprecate}, sbomcat.ECONFLICT, func(t *testing.T, v *sbomcat.PackageVersion) {
			if v.Description != "old" || v.Status != sbomcat.VersionDraft {
				t.Errorf("refused update changed the version: %+v", v)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := &sbomcat.PackageVersion{PackageName: "p", VersionName: "1", Status: tt.status, Description: "old"}
			err := v.Apply(tt.upd, time.Unix(1, 0))
			if sbomcat.ErrCode(err) != tt.errCode {
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
		upd     sbomcat.PackageUpdate
		def     *sbomcat.PackageVersion
		errCode string
		want    string
	}{
		{"set published", sbomcat.PackageUpdate{DefaultVersion: &v1}, &sbomcat.PackageVersion{VersionName: "1", Status: sbomcat.VersionPublished}, "", "1"},
		{"set deprecated", sbomcat.PackageUpdate{DefaultVersion: &v1}, &sbomcat.PackageVersion{VersionName: "1", Status: sbomcat.VersionDeprecated}, "", "1"},
		{"set draft", sbomcat.PackageUpdate{DefaultVersion: &v1}, &sbomcat.PackageVersion{VersionName: "1", Status: sbomcat.VersionDraft}, sbomcat.ECONFLICT, "old"},
		{"set missing", sbomcat.PackageUpdate{DefaultVersion: &v1}, nil, sbomcat.ENOTFOUND, "old"},
		{"unset", sbomcat.PackageUpdate{UnsetDefaultVersion: true}, nil, "", ""},
		{"both", sbomcat.PackageUpdate{DefaultVersion: &v1, UnsetDefaultVersion: true}, nil, sbomcat.EINVALID, "old"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &sbomcat.Package{Name: "p", DefaultVersion: "old"}
			err := p.Apply(tt.upd, tt.def, time.Unix(1, 0))
			if sbomcat.ErrCode(err) != tt.errCode {
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
	manyTags := map[string]string{}
	for i := range sbomcat.MaxTags + 1 {
		manyTags[long(i+1)] = "v"
	}
	tests := []struct {
		name    string
		err     error
		wantMsg string // substring; "" means valid
	}{
		{"package ok", (&sbomcat.Package{Name: "p", Tags: map[string]string{"k": ""}}).Validate(), ""},
		{"package no name", (&sbomcat.Package{}).Validate(), "needs a name"},
		{"too many tags", (&sbomcat.Package{Name: "p", Tags: manyTags}).Validate(), "at most 50 tags"},
		{"reserved tag key", (&sbomcat.Package{Name: "p", Tags: map[string]string{"AWS:x": "v"}}).Validate(), "reserved prefix"},
		{"version ok", (&sbomcat.PackageVersion{PackageName: "p", VersionName: "1", Attributes: map[string]string{"a": long(3071)}}).Validate(), ""},
		{"version no name", (&sbomcat.PackageVersion{PackageName: "p"}).Validate(), "version name"},
		{"attributes 3KB", (&sbomcat.PackageVersion{PackageName: "p", VersionName: "1", Attributes: map[string]string{"a": long(2000), "b": long(1100)}}).Validate(), "limited to 3072 bytes"},
		{"version reserved tag", (&sbomcat.PackageVersion{PackageName: "p", VersionName: "1", Tags: map[string]string{"aws:x": ""}}).Validate(), "reserved prefix"},
		{"update attributes 3KB", sbomcat.VersionUpdate{Attributes: map[string]string{"k": long(3072)}}.Validate(), "these have 3073"},
		{"sbom ok", sbomcat.ValidateSBOM(sbomcat.S3Location{Bucket: "b", Key: "k", Version: "v"}), ""},
		{"sbom no version", sbomcat.ValidateSBOM(sbomcat.S3Location{Bucket: "b", Key: "k"}), "the object version is missing"},
		{"sbom nothing", sbomcat.ValidateSBOM(sbomcat.S3Location{}), "the bucket and key and object version is missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { testkit.WantInvalid(t, tt.err, tt.wantMsg) })
	}
}

func TestParseARN(t *testing.T) {
	s := sbomcat.DefaultScope
	tests := []struct {
		arn       string
		want      sbomcat.ResourceID
		versioned bool
		errCode   string // of ParseARN, then of Holds
	}{
		{s.PackageARN("p"), sbomcat.ResourceID{PackageName: "p"}, false, ""},
		{s.VersionARN("p", "1.0"), sbomcat.ResourceID{PackageName: "p", VersionName: "1.0"}, true, ""},
		{s.PackageARN("p") + "/version/", sbomcat.ResourceID{PackageName: "p"}, true, ""},
		{"arn:aws:iot:eu-west-1:000000000000:package/p", sbomcat.ResourceID{PackageName: "p"}, false, sbomcat.ENOTFOUND},
		{"arn:aws:iot:us-east-1:111111111111:package/p", sbomcat.ResourceID{PackageName: "p"}, false, sbomcat.ENOTFOUND},
		{"arn:aws:iot:us-east-1:000000000000:thing/t", sbomcat.ResourceID{}, false, sbomcat.EINVALID},
		{"arn:aws:s3:::bucket", sbomcat.ResourceID{}, false, sbomcat.EINVALID},
		{"garbage", sbomcat.ResourceID{}, false, sbomcat.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.arn, func(t *testing.T) {
			a, err := sbomcat.ParseARN(tt.arn)
			if err == nil {
				err = s.Holds(a)
			}
			if sbomcat.ErrCode(err) != tt.errCode {
				t.Fatalf("err = %v, want %q", err, tt.errCode)
			}
			if a.Resource != tt.want || a.Versioned != tt.versioned {
				t.Errorf("got %+v, want %+v (versioned %v)", a, tt.want, tt.versioned)
			}
		})
	}
	if got := s.ARN(sbomcat.ResourceID{PackageName: "p", VersionName: "v"}); got != "arn:aws:iot:us-east-1:000000000000:package/p/version/v" {
		t.Errorf("ARN = %s", got)
	}
}

func TestPageToken(t *testing.T) {
	type cursor struct{ Name string }
	tok, err := sbomcat.EncodePageToken(sbomcat.ListID("versions", "p", ""), cursor{"b"})
	if err != nil {
		t.Fatal(err)
	}
	var c cursor
	if err := sbomcat.DecodePageToken(tok, sbomcat.ListID("versions", "p", ""), &c); err != nil || c.Name != "b" {
		t.Fatalf("round trip: %v %+v", err, c)
	}
	for _, bad := range []struct{ token, list string }{
		{tok, sbomcat.ListID("versions", "p", "DRAFT")},
		{tok, sbomcat.ListID("packages")},
		{"garbage", sbomcat.ListID("versions", "p", "")},
		{tok[:len(tok)-2], sbomcat.ListID("versions", "p", "")},
	} {
		if err := sbomcat.DecodePageToken(bad.token, bad.list, &c); sbomcat.ErrCode(err) != sbomcat.EINVALID {
			t.Errorf("DecodePageToken(%q, %q) = %v, want EINVALID", bad.token, bad.list, err)
		}
	}
}
