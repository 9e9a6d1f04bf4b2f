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
	manyTags := map[string]string{}
	for i := range MaxTags + 1 {
		manyTags[long(i+1)] = "v"
	}
	tests := []struct {
		name    string
		err     error
		wantMsg string // substring; "" means valid
	}{
		{"package ok", (&Package{Name: "p", Tags: map[string]string{"k": ""}}).Validate(), ""},
		{"package no name", (&Package{}).Validate(), "needs a name"},
		{"too many tags", (&Package{Name: "p", Tags: manyTags}).Validate(), "at most 50 tags"},
		{"reserved tag key", (&Package{Name: "p", Tags: map[string]string{"AWS:x": "v"}}).Validate(), "reserved prefix"},
		{"version ok", (&PackageVersion{PackageName: "p", VersionName: "1", Attributes: map[string]string{"a": long(3071)}}).Validate(), ""},
		{"version no name", (&PackageVersion{PackageName: "p"}).Validate(), "version name"},
		{"attributes 3KB", (&PackageVersion{PackageName: "p", VersionName: "1", Attributes: map[string]string{"a": long(2000), "b": long(1100)}}).Validate(), "limited to 3072 bytes"},
		{"version reserved tag", (&PackageVersion{PackageName: "p", VersionName: "1", Tags: map[string]string{"aws:x": ""}}).Validate(), "reserved prefix"},
		{"update attributes 3KB", VersionUpdate{Attributes: map[string]string{"k": long(3072)}}.Validate(), "these have 3073"},
		{"sbom ok", ValidateSBOM(S3Location{Bucket: "b", Key: "k", Version: "v"}), ""},
		{"sbom no version", ValidateSBOM(S3Location{Bucket: "b", Key: "k"}), "the object version is missing"},
		{"sbom nothing", ValidateSBOM(S3Location{}), "the bucket and key and object version is missing"},
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

func TestParseARN(t *testing.T) {
	s := DefaultScope
	tests := []struct {
		arn       string
		want      ResourceID
		versioned bool
		errCode   string // of ParseARN, then of Holds
	}{
		{s.PackageARN("p"), ResourceID{PackageName: "p"}, false, ""},
		{s.VersionARN("p", "1.0"), ResourceID{PackageName: "p", VersionName: "1.0"}, true, ""},
		{s.PackageARN("p") + "/version/", ResourceID{PackageName: "p"}, true, ""},
		{"arn:aws:iot:eu-west-1:000000000000:package/p", ResourceID{PackageName: "p"}, false, ENOTFOUND},
		{"arn:aws:iot:us-east-1:111111111111:package/p", ResourceID{PackageName: "p"}, false, ENOTFOUND},
		{"arn:aws:iot:us-east-1:000000000000:thing/t", ResourceID{}, false, EINVALID},
		{"arn:aws:s3:::bucket", ResourceID{}, false, EINVALID},
		{"garbage", ResourceID{}, false, EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.arn, func(t *testing.T) {
			a, err := ParseARN(tt.arn)
			if err == nil {
				err = s.Holds(a)
			}
			if ErrCode(err) != tt.errCode {
				t.Fatalf("err = %v, want %q", err, tt.errCode)
			}
			if a.Resource != tt.want || a.Versioned != tt.versioned {
				t.Errorf("got %+v, want %+v (versioned %v)", a, tt.want, tt.versioned)
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
