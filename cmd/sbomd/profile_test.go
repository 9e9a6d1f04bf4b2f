package main

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	iottypes "github.com/aws/aws-sdk-go-v2/service/iot/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/sbomcat/sbomcat"
)

// cdxNTIA has every NTIA minimum element (docs/profiles.md); cdxValid has none of the
// per-component ones but passes the aws profile.
const cdxNTIA = `{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,` +
	`"metadata":{"timestamp":"2026-11-30T10:00:00Z","authors":[{"name":"Jane Builder"}]},` +
	`"components":[{"type":"library","bom-ref":"zlib","name":"zlib","version":"1.3.1","supplier":{"name":"zlib project"},"purl":"pkg:generic/zlib@1.3.1"}],` +
	`"dependencies":[{"ref":"root","dependsOn":["zlib"]}]}`

// TestProfileTag drives the sbomcat:profile package tag through a real sbomd with the AWS SDK:
// a tagged package's versions are validated under the tag's profile, others under sbomd's
// default; an unknown name fails the validation with a message naming it; and the profile is
// the tag's value when the association was made, not when it is validated.
func TestProfileTag(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs sbomd")
	}
	e := &e2e{t: t, ctx: context.Background(), dataDir: t.TempDir()}
	// No worker at first: associations wait IN_PROGRESS in the catalog while a tag changes.
	p := startProc(t, "127.0.0.1:0", e.dataDir, nil, "--worker=false")
	e.connect(p)
	if _, err := e.s3.CreateBucket(e.ctx, &s3.CreateBucketInput{Bucket: aws.String("sboms")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s3.PutBucketVersioning(e.ctx, &s3.PutBucketVersioningInput{Bucket: aws.String("sboms"),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}
	bare, complete := e.put("bare.cdx.json", []byte(cdxValid)), e.put("complete.cdx.json", []byte(cdxNTIA))

	packages := map[string]map[string]string{
		"plain":     nil,
		"regulated": {sbomcat.TagProfile: "ntia", "team": "radio"},
		"typo":      {sbomcat.TagProfile: "ntai"}, // tag values are free text: accepted here
		"retagged":  {sbomcat.TagProfile: "ntia"},
	}
	for name, tags := range packages {
		if _, err := e.iot.CreatePackage(e.ctx, &iot.CreatePackageInput{PackageName: aws.String(name), Tags: tags}); err != nil {
			t.Fatalf("CreatePackage %s: %v", name, err)
		}
	}
	for _, a := range []struct{ pkg, version, key, objVersion string }{
		{"plain", "1.0.0", "bare.cdx.json", bare},
		{"regulated", "1.0.0", "bare.cdx.json", bare},
		{"regulated", "1.1.0", "complete.cdx.json", complete},
		{"typo", "1.0.0", "bare.cdx.json", bare},
		{"retagged", "1.0.0", "bare.cdx.json", bare},
	} {
		e.createVersion(a.pkg, a.version, nil)
		e.associate(a.pkg, a.version, a.key, a.objVersion)
	}
	// The tag changes after the association: the queued validation keeps the profile it had.
	arn := packageARN(t, e, "retagged")
	if _, err := e.iot.TagResource(e.ctx, &iot.TagResourceInput{ResourceArn: aws.String(arn), Tags: []iottypes.Tag{{Key: aws.String(sbomcat.TagProfile), Value: aws.String("aws")}}}); err != nil {
		t.Fatal(err)
	}

	// A worker starts on the same catalog and validates what waits.
	if err := p.stop(); err != nil {
		t.Fatalf("stop: %v\n%s", err, p.logs)
	}
	p = startProc(t, "127.0.0.1:0", e.dataDir, nil)
	e.connect(p)
	for _, tc := range []struct {
		pkg, version string
		status       iottypes.SbomValidationStatus
		code         iottypes.SbomValidationErrorCode
		message      []string // what the one file's message says
	}{
		{"plain", "1.0.0", iottypes.SbomValidationStatusSucceeded, "", nil},
		{"regulated", "1.0.0", iottypes.SbomValidationStatusFailed, iottypes.SbomValidationErrorCodeIncompatibleFormat,
			[]string{"CycloneDX 1.6 JSON: NTIA minimum elements: ", "1 of 1 component lacks a supplier name (/components/0 line 1 column ", "set component.supplier.name", "no timestamp"}},
		{"regulated", "1.1.0", iottypes.SbomValidationStatusSucceeded, "", nil},
		{"typo", "1.0.0", iottypes.SbomValidationStatusFailed, "", []string{`sbomcat:profile tag: "ntai" is not a validation profile`, "aws, strict, ntia, bsi"}},
		{"retagged", "1.0.0", iottypes.SbomValidationStatusFailed, iottypes.SbomValidationErrorCodeIncompatibleFormat, []string{"NTIA minimum elements: "}},
	} {
		if s := waitValidated(t, e.iot, tc.pkg, tc.version); s != tc.status {
			t.Errorf("%s %s: %s, want %s", tc.pkg, tc.version, s, tc.status)
		}
		res := results(t, e.iot, tc.pkg, tc.version)
		if len(res) != 1 {
			t.Fatalf("%s %s: %d results, want 1: %v", tc.pkg, tc.version, len(res), res)
		}
		for _, r := range res {
			msg := aws.ToString(r.ErrorMessage)
			if r.ErrorCode != tc.code {
				t.Errorf("%s %s: code %q, want %q (%s)", tc.pkg, tc.version, r.ErrorCode, tc.code, msg)
			}
			for _, want := range tc.message {
				if !strings.Contains(msg, want) {
					t.Errorf("%s %s: message %q does not say %q", tc.pkg, tc.version, msg, want)
				}
			}
		}
	}
	// A new association reads the tag as it is now.
	e.associate("retagged", "1.0.0", "bare.cdx.json", bare)
	if s := waitValidated(t, e.iot, "retagged", "1.0.0"); s != iottypes.SbomValidationStatusSucceeded {
		t.Errorf("retagged, associated again under aws: %s", s)
	}
}

func packageARN(t *testing.T, e *e2e, name string) string {
	t.Helper()
	out, err := e.iot.GetPackage(e.ctx, &iot.GetPackageInput{PackageName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.PackageArn)
}
