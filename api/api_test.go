package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	"github.com/aws/aws-sdk-go-v2/service/iot/types"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/catalog"
	"github.com/sbomcat/sbomcat/internal/testkit"
	"github.com/sbomcat/sbomcat/jobs"
	"github.com/sbomcat/sbomcat/jobs/s3presign"
	"github.com/sbomcat/sbomcat/worker/workertest"
)

const (
	pkgARN = "arn:aws:iot:us-east-1:000000000000:package/"
)

func TestPackages(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.client

	created := must[*iot.CreatePackageOutput](t)(c.CreatePackage(ctx, &iot.CreatePackageInput{
		PackageName: aws.String("fw"), Description: aws.String("firmware"),
		Tags: map[string]string{"team": "iot", "env": "dev"},
	}))
	if aws.ToString(created.PackageName) != "fw" || aws.ToString(created.PackageArn) != pkgARN+"fw" || aws.ToString(created.Description) != "firmware" {
		t.Errorf("CreatePackage = %+v", created)
	}

	got := must[*iot.GetPackageOutput](t)(c.GetPackage(ctx, &iot.GetPackageInput{PackageName: aws.String("fw")}))
	if aws.ToString(got.PackageArn) != pkgARN+"fw" || aws.ToString(got.Description) != "firmware" || got.DefaultVersionName != nil {
		t.Errorf("GetPackage = %+v", got)
	}
	if got.CreationDate == nil || got.LastModifiedDate == nil || got.LastModifiedDate.Before(*got.CreationDate) {
		t.Errorf("dates: created %v modified %v", got.CreationDate, got.LastModifiedDate)
	}

	must[*iot.UpdatePackageOutput](t)(c.UpdatePackage(ctx, &iot.UpdatePackageInput{PackageName: aws.String("fw"), Description: aws.String("new")}))
	got = must[*iot.GetPackageOutput](t)(c.GetPackage(ctx, &iot.GetPackageInput{PackageName: aws.String("fw")}))
	if aws.ToString(got.Description) != "new" {
		t.Errorf("description after update %q", aws.ToString(got.Description))
	}

	// Default version: set and unset.
	must[*iot.CreatePackageVersionOutput](t)(c.CreatePackageVersion(ctx, &iot.CreatePackageVersionInput{PackageName: aws.String("fw"), VersionName: aws.String("1.0")}))
	must[*iot.UpdatePackageVersionOutput](t)(c.UpdatePackageVersion(ctx, &iot.UpdatePackageVersionInput{PackageName: aws.String("fw"), VersionName: aws.String("1.0"), Action: types.PackageVersionActionPublish}))
	must[*iot.UpdatePackageOutput](t)(c.UpdatePackage(ctx, &iot.UpdatePackageInput{PackageName: aws.String("fw"), DefaultVersionName: aws.String("1.0")}))
	got = must[*iot.GetPackageOutput](t)(c.GetPackage(ctx, &iot.GetPackageInput{PackageName: aws.String("fw")}))
	if aws.ToString(got.DefaultVersionName) != "1.0" {
		t.Errorf("default version %q", aws.ToString(got.DefaultVersionName))
	}
	list := must[*iot.ListPackagesOutput](t)(c.ListPackages(ctx, &iot.ListPackagesInput{}))
	if len(list.PackageSummaries) != 1 || aws.ToString(list.PackageSummaries[0].DefaultVersionName) != "1.0" || list.PackageSummaries[0].CreationDate == nil || list.NextToken != nil {
		t.Errorf("ListPackages = %+v", list)
	}
	must[*iot.UpdatePackageOutput](t)(c.UpdatePackage(ctx, &iot.UpdatePackageInput{PackageName: aws.String("fw"), UnsetDefaultVersion: aws.Bool(true)}))
	got = must[*iot.GetPackageOutput](t)(c.GetPackage(ctx, &iot.GetPackageInput{PackageName: aws.String("fw")}))
	if got.DefaultVersionName != nil {
		t.Errorf("default version not unset: %q", aws.ToString(got.DefaultVersionName))
	}

	// Delete: versions first, then the package; deleting again succeeds.
	must[*iot.DeletePackageVersionOutput](t)(c.DeletePackageVersion(ctx, &iot.DeletePackageVersionInput{PackageName: aws.String("fw"), VersionName: aws.String("1.0")}))
	must[*iot.DeletePackageOutput](t)(c.DeletePackage(ctx, &iot.DeletePackageInput{PackageName: aws.String("fw")}))
	must[*iot.DeletePackageOutput](t)(c.DeletePackage(ctx, &iot.DeletePackageInput{PackageName: aws.String("fw")}))
	_, err := c.GetPackage(ctx, &iot.GetPackageInput{PackageName: aws.String("fw")})
	errorAs[*types.ResourceNotFoundException](t, err, "GetPackage after delete")
}

func TestPackageVersions(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.client
	must[*iot.CreatePackageOutput](t)(c.CreatePackage(ctx, &iot.CreatePackageInput{PackageName: aws.String("fw")}))

	attrs := map[string]string{"os": "linux", "arch": "arm64"}
	cv := must[*iot.CreatePackageVersionOutput](t)(c.CreatePackageVersion(ctx, &iot.CreatePackageVersionInput{
		PackageName: aws.String("fw"), VersionName: aws.String("1.0.0"), Description: aws.String("first"),
		Attributes: attrs,
		Artifact:   &types.PackageVersionArtifact{S3Location: &types.S3Location{Bucket: aws.String("art"), Key: aws.String("fw.bin"), Version: aws.String("v1")}},
		Recipe:     aws.String(`{"install":"fw.bin"}`),
		Tags:       map[string]string{"k": "v"},
	}))
	if aws.ToString(cv.PackageVersionArn) != pkgARN+"fw/version/1.0.0" || cv.Status != types.PackageVersionStatusDraft ||
		!maps.Equal(cv.Attributes, attrs) || aws.ToString(cv.Description) != "first" {
		t.Errorf("CreatePackageVersion = %+v", cv)
	}

	gv := must[*iot.GetPackageVersionOutput](t)(c.GetPackageVersion(ctx, &iot.GetPackageVersionInput{PackageName: aws.String("fw"), VersionName: aws.String("1.0.0")}))
	if gv.Artifact == nil || aws.ToString(gv.Artifact.S3Location.Bucket) != "art" || aws.ToString(gv.Artifact.S3Location.Version) != "v1" ||
		aws.ToString(gv.Recipe) != `{"install":"fw.bin"}` || gv.Sbom != nil || gv.SbomValidationStatus != "" ||
		gv.CreationDate == nil || gv.LastModifiedDate == nil {
		t.Errorf("GetPackageVersion = %+v", gv)
	}

	// DRAFT-only members change while DRAFT.
	must[*iot.UpdatePackageVersionOutput](t)(c.UpdatePackageVersion(ctx, &iot.UpdatePackageVersionInput{
		PackageName: aws.String("fw"), VersionName: aws.String("1.0.0"),
		Attributes: map[string]string{"os": "rtos"},
		Artifact:   &types.PackageVersionArtifact{S3Location: &types.S3Location{Bucket: aws.String("art2"), Key: aws.String("fw2.bin")}},
		Recipe:     aws.String("r2"), Description: aws.String("second"),
	}))
	gv = must[*iot.GetPackageVersionOutput](t)(c.GetPackageVersion(ctx, &iot.GetPackageVersionInput{PackageName: aws.String("fw"), VersionName: aws.String("1.0.0")}))
	if !maps.Equal(gv.Attributes, map[string]string{"os": "rtos"}) || aws.ToString(gv.Artifact.S3Location.Bucket) != "art2" ||
		gv.Artifact.S3Location.Version != nil || aws.ToString(gv.Recipe) != "r2" || aws.ToString(gv.Description) != "second" {
		t.Errorf("after update: %+v", gv)
	}

	list := must[*iot.ListPackageVersionsOutput](t)(c.ListPackageVersions(ctx, &iot.ListPackageVersionsInput{PackageName: aws.String("fw")}))
	if len(list.PackageVersionSummaries) != 1 || aws.ToString(list.PackageVersionSummaries[0].VersionName) != "1.0.0" ||
		list.PackageVersionSummaries[0].Status != types.PackageVersionStatusDraft || aws.ToString(list.PackageVersionSummaries[0].PackageName) != "fw" {
		t.Errorf("ListPackageVersions = %+v", list)
	}

	must[*iot.DeletePackageVersionOutput](t)(c.DeletePackageVersion(ctx, &iot.DeletePackageVersionInput{PackageName: aws.String("fw"), VersionName: aws.String("1.0.0")}))
	must[*iot.DeletePackageVersionOutput](t)(c.DeletePackageVersion(ctx, &iot.DeletePackageVersionInput{PackageName: aws.String("fw"), VersionName: aws.String("1.0.0")}))
	_, err := c.GetPackageVersion(ctx, &iot.GetPackageVersionInput{PackageName: aws.String("fw"), VersionName: aws.String("1.0.0")})
	errorAs[*types.ResourceNotFoundException](t, err, "GetPackageVersion after delete")
}

// TestLifecycle drives every lifecycle action from every status, and the DRAFT-only members.
func TestLifecycle(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.client
	must[*iot.CreatePackageOutput](t)(c.CreatePackage(ctx, &iot.CreatePackageInput{PackageName: aws.String("p")}))

	reach := func(t *testing.T, name string, st types.PackageVersionStatus) {
		t.Helper()
		must[*iot.CreatePackageVersionOutput](t)(c.CreatePackageVersion(ctx, &iot.CreatePackageVersionInput{PackageName: aws.String("p"), VersionName: aws.String(name)}))
		path := map[types.PackageVersionStatus][]types.PackageVersionAction{
			types.PackageVersionStatusPublished:  {types.PackageVersionActionPublish},
			types.PackageVersionStatusDeprecated: {types.PackageVersionActionPublish, types.PackageVersionActionDeprecate},
		}[st]
		for _, a := range path {
			must[*iot.UpdatePackageVersionOutput](t)(c.UpdatePackageVersion(ctx, &iot.UpdatePackageVersionInput{PackageName: aws.String("p"), VersionName: aws.String(name), Action: a}))
		}
	}
	artifact := &types.PackageVersionArtifact{S3Location: &types.S3Location{Bucket: aws.String("b"), Key: aws.String("k")}}
	tests := []struct {
		name     string
		from     types.PackageVersionStatus
		in       iot.UpdatePackageVersionInput
		conflict bool
		want     types.PackageVersionStatus
	}{
		{"draft publish", types.PackageVersionStatusDraft, iot.UpdatePackageVersionInput{Action: types.PackageVersionActionPublish}, false, types.PackageVersionStatusPublished},
		{"draft deprecate", types.PackageVersionStatusDraft, iot.UpdatePackageVersionInput{Action: types.PackageVersionActionDeprecate}, true, types.PackageVersionStatusDraft},
		{"published publish", types.PackageVersionStatusPublished, iot.UpdatePackageVersionInput{Action: types.PackageVersionActionPublish}, false, types.PackageVersionStatusPublished},
		{"published deprecate", types.PackageVersionStatusPublished, iot.UpdatePackageVersionInput{Action: types.PackageVersionActionDeprecate}, false, types.PackageVersionStatusDeprecated},
		{"deprecated publish", types.PackageVersionStatusDeprecated, iot.UpdatePackageVersionInput{Action: types.PackageVersionActionPublish}, false, types.PackageVersionStatusPublished},
		{"deprecated deprecate", types.PackageVersionStatusDeprecated, iot.UpdatePackageVersionInput{Action: types.PackageVersionActionDeprecate}, false, types.PackageVersionStatusDeprecated},
		{"draft attributes", types.PackageVersionStatusDraft, iot.UpdatePackageVersionInput{Attributes: map[string]string{"a": "b"}}, false, types.PackageVersionStatusDraft},
		{"published attributes", types.PackageVersionStatusPublished, iot.UpdatePackageVersionInput{Attributes: map[string]string{"a": "b"}}, true, types.PackageVersionStatusPublished},
		{"deprecated attributes", types.PackageVersionStatusDeprecated, iot.UpdatePackageVersionInput{Attributes: map[string]string{"a": "b"}}, true, types.PackageVersionStatusDeprecated},
		{"draft artifact", types.PackageVersionStatusDraft, iot.UpdatePackageVersionInput{Artifact: artifact}, false, types.PackageVersionStatusDraft},
		{"published artifact", types.PackageVersionStatusPublished, iot.UpdatePackageVersionInput{Artifact: artifact}, true, types.PackageVersionStatusPublished},
		{"deprecated artifact", types.PackageVersionStatusDeprecated, iot.UpdatePackageVersionInput{Artifact: artifact}, true, types.PackageVersionStatusDeprecated},
		{"published recipe and description", types.PackageVersionStatusPublished, iot.UpdatePackageVersionInput{Recipe: aws.String("r"), Description: aws.String("d")}, false, types.PackageVersionStatusPublished},
		{"deprecated recipe", types.PackageVersionStatusDeprecated, iot.UpdatePackageVersionInput{Recipe: aws.String("r")}, false, types.PackageVersionStatusDeprecated},
		{"draft attributes and publish", types.PackageVersionStatusDraft, iot.UpdatePackageVersionInput{Attributes: map[string]string{"a": "b"}, Action: types.PackageVersionActionPublish}, false, types.PackageVersionStatusPublished},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := fmt.Sprintf("v%d", i)
			reach(t, name, tt.from)
			in := tt.in
			in.PackageName, in.VersionName = aws.String("p"), aws.String(name)
			_, err := c.UpdatePackageVersion(ctx, &in)
			if tt.conflict {
				ce := errorAs[*types.ConflictException](t, err, "UpdatePackageVersion")
				if aws.ToString(ce.ResourceId) != pkgARN+"p/version/"+name {
					t.Errorf("resourceId = %q", aws.ToString(ce.ResourceId))
				}
			} else if err != nil {
				t.Fatal(err)
			}
			gv := must[*iot.GetPackageVersionOutput](t)(c.GetPackageVersion(ctx, &iot.GetPackageVersionInput{PackageName: aws.String("p"), VersionName: aws.String(name)}))
			if gv.Status != tt.want {
				t.Errorf("status %s, want %s", gv.Status, tt.want)
			}
			if tt.conflict && (len(gv.Attributes) != 0 || gv.Artifact != nil) {
				t.Errorf("a refused update changed the version: %+v", gv)
			}
		})
	}
}

// TestErrors checks every error type the operations produce: typed where the operation's model
// lists the error, by ErrorCode() elsewhere.
func TestErrors(t *testing.T) {
	e := newEnv(t, func(c *envConfig) {
		c.Service.Limits = catalog.Limits{Packages: 3, Versions: 3, InFlightValidations: 1}
	})
	ctx := context.Background()
	c := e.client
	for _, p := range []string{"p", "other"} {
		must[*iot.CreatePackageOutput](t)(c.CreatePackage(ctx, &iot.CreatePackageInput{PackageName: aws.String(p)}))
	}
	for _, v := range []string{"draft", "pub"} {
		must[*iot.CreatePackageVersionOutput](t)(c.CreatePackageVersion(ctx, &iot.CreatePackageVersionInput{PackageName: aws.String("p"), VersionName: aws.String(v)}))
	}
	must[*iot.UpdatePackageVersionOutput](t)(c.UpdatePackageVersion(ctx, &iot.UpdatePackageVersionInput{PackageName: aws.String("p"), VersionName: aws.String("pub"), Action: types.PackageVersionActionPublish}))
	must[*iot.UpdatePackageOutput](t)(c.UpdatePackage(ctx, &iot.UpdatePackageInput{PackageName: aws.String("p"), DefaultVersionName: aws.String("pub")}))
	sbom := &types.Sbom{S3Location: &types.S3Location{Bucket: aws.String("b"), Key: aws.String("s.zip"), Version: aws.String("1")}}
	must[*iot.AssociateSbomWithPackageVersionOutput](t)(c.AssociateSbomWithPackageVersion(ctx, &iot.AssociateSbomWithPackageVersionInput{PackageName: aws.String("p"), VersionName: aws.String("pub"), Sbom: sbom}))

	var (
		validation *types.ValidationException
		notFound   *types.ResourceNotFoundException
		conflict   *types.ConflictException
		quota      *types.ServiceQuotaExceededException
		invalidReq *types.InvalidRequestException
	)
	typed := func(target any) func(error) bool {
		return func(err error) bool { return errors.As(err, target) }
	}
	tests := []struct {
		name    string
		call    func() error
		code    string
		status  int
		typed   func(error) bool // nil: the model does not list the error for this operation
		message string           // substring of the message
	}{
		{"GetPackage missing", func() error {
			_, err := c.GetPackage(ctx, &iot.GetPackageInput{PackageName: aws.String("nope")})
			return err
		}, "ResourceNotFoundException", 404, typed(&notFound), "nope"},
		{"GetPackage bad name", func() error {
			_, err := c.GetPackage(ctx, &iot.GetPackageInput{PackageName: aws.String("bad*name")})
			return err
		}, "ValidationException", 400, typed(&validation), "packageName"},
		{"CreatePackage exists", func() error {
			_, err := c.CreatePackage(ctx, &iot.CreatePackageInput{PackageName: aws.String("p")})
			return err
		}, "ConflictException", 409, typed(&conflict), "already exists"},
		{"CreatePackage long description", func() error {
			_, err := c.CreatePackage(ctx, &iot.CreatePackageInput{PackageName: aws.String("x"), Description: aws.String(strings.Repeat("d", 1025))})
			return err
		}, "ValidationException", 400, typed(&validation), "description"},
		{"CreatePackage bad tag", func() error {
			_, err := c.CreatePackage(ctx, &iot.CreatePackageInput{PackageName: aws.String("x"), Tags: map[string]string{"a*": "v"}})
			return err
		}, "ValidationException", 400, typed(&validation), "tags"},
		{"CreatePackage quota", func() error {
			_, err := c.CreatePackage(ctx, &iot.CreatePackageInput{PackageName: aws.String("third")})
			if err != nil {
				return err
			}
			_, err = c.CreatePackage(ctx, &iot.CreatePackageInput{PackageName: aws.String("fourth")})
			return err
		}, "ServiceQuotaExceededException", 402, typed(&quota), "quota"},
		{"UpdatePackage missing", func() error {
			_, err := c.UpdatePackage(ctx, &iot.UpdatePackageInput{PackageName: aws.String("nope"), Description: aws.String("d")})
			return err
		}, "ResourceNotFoundException", 404, typed(&notFound), "nope"},
		{"UpdatePackage default missing version", func() error {
			_, err := c.UpdatePackage(ctx, &iot.UpdatePackageInput{PackageName: aws.String("p"), DefaultVersionName: aws.String("nope")})
			return err
		}, "ResourceNotFoundException", 404, typed(&notFound), "nope"},
		{"UpdatePackage default draft", func() error {
			_, err := c.UpdatePackage(ctx, &iot.UpdatePackageInput{PackageName: aws.String("p"), DefaultVersionName: aws.String("draft")})
			return err
		}, "ConflictException", 409, typed(&conflict), "DRAFT"},
		{"UpdatePackage set and unset", func() error {
			_, err := c.UpdatePackage(ctx, &iot.UpdatePackageInput{PackageName: aws.String("p"), DefaultVersionName: aws.String("pub"), UnsetDefaultVersion: aws.Bool(true)})
			return err
		}, "ValidationException", 400, typed(&validation), "at the same time"},
		{"DeletePackage with versions", func() error {
			_, err := c.DeletePackage(ctx, &iot.DeletePackageInput{PackageName: aws.String("p")})
			return err
		}, "ValidationException", 400, typed(&validation), "must be deleted"},
		{"ListPackages maxResults 0", func() error {
			_, err := c.ListPackages(ctx, &iot.ListPackagesInput{MaxResults: aws.Int32(0)})
			return err
		}, "ValidationException", 400, typed(&validation), "maxResults"},
		{"ListPackages maxResults 101", func() error {
			_, err := c.ListPackages(ctx, &iot.ListPackagesInput{MaxResults: aws.Int32(101)})
			return err
		}, "ValidationException", 400, typed(&validation), "less than or equal to 100"},
		{"ListPackages bad token", func() error {
			_, err := c.ListPackages(ctx, &iot.ListPackagesInput{NextToken: aws.String("forged")})
			return err
		}, "ValidationException", 400, typed(&validation), "nextToken"},
		{"CreatePackageVersion missing package", func() error {
			_, err := c.CreatePackageVersion(ctx, &iot.CreatePackageVersionInput{PackageName: aws.String("nope"), VersionName: aws.String("1")})
			return err
		}, "ResourceNotFoundException", 404, nil, "nope"},
		{"CreatePackageVersion exists", func() error {
			_, err := c.CreatePackageVersion(ctx, &iot.CreatePackageVersionInput{PackageName: aws.String("p"), VersionName: aws.String("draft")})
			return err
		}, "ConflictException", 409, typed(&conflict), "already exists"},
		{"CreatePackageVersion attributes too big", func() error {
			_, err := c.CreatePackageVersion(ctx, &iot.CreatePackageVersionInput{PackageName: aws.String("p"), VersionName: aws.String("big"),
				Attributes: map[string]string{"a": strings.Repeat("x", 3000), "b": strings.Repeat("y", 100)}})
			return err
		}, "ValidationException", 400, typed(&validation), "3072"},
		{"CreatePackageVersion recipe too long", func() error {
			_, err := c.CreatePackageVersion(ctx, &iot.CreatePackageVersionInput{PackageName: aws.String("p"), VersionName: aws.String("r"), Recipe: aws.String(strings.Repeat("r", 3073))})
			return err
		}, "ValidationException", 400, typed(&validation), "recipe"},
		{"CreatePackageVersion quota", func() error {
			_, err := c.CreatePackageVersion(ctx, &iot.CreatePackageVersionInput{PackageName: aws.String("other"), VersionName: aws.String("1")})
			if err != nil {
				return err
			}
			_, err = c.CreatePackageVersion(ctx, &iot.CreatePackageVersionInput{PackageName: aws.String("other"), VersionName: aws.String("2")})
			return err
		}, "ServiceQuotaExceededException", 402, typed(&quota), "quota"},
		{"GetPackageVersion missing", func() error {
			_, err := c.GetPackageVersion(ctx, &iot.GetPackageVersionInput{PackageName: aws.String("p"), VersionName: aws.String("nope")})
			return err
		}, "ResourceNotFoundException", 404, typed(&notFound), "nope"},
		{"GetPackageVersion long name", func() error {
			_, err := c.GetPackageVersion(ctx, &iot.GetPackageVersionInput{PackageName: aws.String("p"), VersionName: aws.String(strings.Repeat("v", 65))})
			return err
		}, "ValidationException", 400, typed(&validation), "versionName"},
		{"UpdatePackageVersion missing", func() error {
			_, err := c.UpdatePackageVersion(ctx, &iot.UpdatePackageVersionInput{PackageName: aws.String("p"), VersionName: aws.String("nope"), Recipe: aws.String("r")})
			return err
		}, "ResourceNotFoundException", 404, typed(&notFound), "nope"},
		{"UpdatePackageVersion bad action", func() error {
			_, err := c.UpdatePackageVersion(ctx, &iot.UpdatePackageVersionInput{PackageName: aws.String("p"), VersionName: aws.String("draft"), Action: "DELETE"})
			return err
		}, "ValidationException", 400, typed(&validation), "enum value set"},
		{"DeletePackageVersion default", func() error {
			_, err := c.DeletePackageVersion(ctx, &iot.DeletePackageVersionInput{PackageName: aws.String("p"), VersionName: aws.String("pub")})
			return err
		}, "ValidationException", 400, typed(&validation), "default version"},
		{"ListPackageVersions missing package", func() error {
			_, err := c.ListPackageVersions(ctx, &iot.ListPackageVersionsInput{PackageName: aws.String("nope")})
			return err
		}, "ResourceNotFoundException", 404, nil, "nope"},
		{"ListPackageVersions bad status", func() error {
			_, err := c.ListPackageVersions(ctx, &iot.ListPackageVersionsInput{PackageName: aws.String("p"), Status: "ACTIVE"})
			return err
		}, "ValidationException", 400, typed(&validation), "status"},
		{"Associate missing version", func() error {
			_, err := c.AssociateSbomWithPackageVersion(ctx, &iot.AssociateSbomWithPackageVersionInput{PackageName: aws.String("p"), VersionName: aws.String("nope"), Sbom: sbom})
			return err
		}, "ResourceNotFoundException", 404, typed(&notFound), "nope"},
		{"Associate without version id", func() error {
			_, err := c.AssociateSbomWithPackageVersion(ctx, &iot.AssociateSbomWithPackageVersionInput{PackageName: aws.String("p"), VersionName: aws.String("draft"),
				Sbom: &types.Sbom{S3Location: &types.S3Location{Bucket: aws.String("b"), Key: aws.String("k")}}})
			return err
		}, "ValidationException", 400, typed(&validation), "S3 object version for SBOM cannot be null"},
		{"Associate without location", func() error {
			_, err := c.AssociateSbomWithPackageVersion(ctx, &iot.AssociateSbomWithPackageVersionInput{PackageName: aws.String("p"), VersionName: aws.String("draft"), Sbom: &types.Sbom{}})
			return err
		}, "ValidationException", 400, typed(&validation), "needs to include SBOM reference"},
		{"Associate too many in flight", func() error {
			_, err := c.AssociateSbomWithPackageVersion(ctx, &iot.AssociateSbomWithPackageVersionInput{PackageName: aws.String("p"), VersionName: aws.String("draft"), Sbom: sbom})
			return err
		}, "ServiceQuotaExceededException", 402, typed(&quota), "Too many ongoing SBOM validation workflows"},
		{"Disassociate missing version", func() error {
			_, err := c.DisassociateSbomFromPackageVersion(ctx, &iot.DisassociateSbomFromPackageVersionInput{PackageName: aws.String("p"), VersionName: aws.String("nope")})
			return err
		}, "ResourceNotFoundException", 404, typed(&notFound), "nope"},
		{"ListSbomValidationResults missing version", func() error {
			_, err := c.ListSbomValidationResults(ctx, &iot.ListSbomValidationResultsInput{PackageName: aws.String("p"), VersionName: aws.String("nope")})
			return err
		}, "ResourceNotFoundException", 404, typed(&notFound), "nope"},
		{"ListSbomValidationResults bad filter", func() error {
			_, err := c.ListSbomValidationResults(ctx, &iot.ListSbomValidationResultsInput{PackageName: aws.String("p"), VersionName: aws.String("pub"), ValidationResult: "MAYBE"})
			return err
		}, "ValidationException", 400, typed(&validation), "validationResult"},
		{"UpdatePackageConfiguration short role", func() error {
			_, err := c.UpdatePackageConfiguration(ctx, &iot.UpdatePackageConfigurationInput{VersionUpdateByJobsConfig: &types.VersionUpdateByJobsConfig{RoleArn: aws.String("arn:x")}})
			return err
		}, "ValidationException", 400, typed(&validation), "roleArn"},
		{"TagResource missing resource", func() error {
			_, err := c.TagResource(ctx, &iot.TagResourceInput{ResourceArn: aws.String(pkgARN + "nope"), Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
			return err
		}, "ResourceNotFoundException", 404, typed(&notFound), "nope"},
		{"TagResource other region", func() error {
			_, err := c.TagResource(ctx, &iot.TagResourceInput{ResourceArn: aws.String("arn:aws:iot:eu-west-1:000000000000:package/p"), Tags: []types.Tag{{Key: aws.String("k")}}})
			return err
		}, "ResourceNotFoundException", 404, typed(&notFound), "us-east-1"},
		{"TagResource not a package", func() error {
			_, err := c.TagResource(ctx, &iot.TagResourceInput{ResourceArn: aws.String("arn:aws:iot:us-east-1:000000000000:thing/t"), Tags: []types.Tag{{Key: aws.String("k")}}})
			return err
		}, "InvalidRequestException", 400, typed(&invalidReq), "package"},
		{"TagResource too many", func() error {
			var tags []types.Tag
			for i := range 51 {
				tags = append(tags, types.Tag{Key: aws.String(fmt.Sprint("k", i)), Value: aws.String("v")})
			}
			_, err := c.TagResource(ctx, &iot.TagResourceInput{ResourceArn: aws.String(pkgARN + "p"), Tags: tags})
			return err
		}, "InvalidRequestException", 400, typed(&invalidReq), "50"},
		{"TagResource reserved key", func() error {
			_, err := c.TagResource(ctx, &iot.TagResourceInput{ResourceArn: aws.String(pkgARN + "p"), Tags: []types.Tag{{Key: aws.String("aws:owner"), Value: aws.String("v")}}})
			return err
		}, "InvalidRequestException", 400, typed(&invalidReq), "reserved"},
		{"UntagResource missing version", func() error {
			_, err := c.UntagResource(ctx, &iot.UntagResourceInput{ResourceArn: aws.String(pkgARN + "p/version/nope"), TagKeys: []string{"k"}})
			return err
		}, "ResourceNotFoundException", 404, typed(&notFound), "nope"},
		{"ListTagsForResource bad arn", func() error {
			_, err := c.ListTagsForResource(ctx, &iot.ListTagsForResourceInput{ResourceArn: aws.String("not-an-arn")})
			return err
		}, "InvalidRequestException", 400, typed(&invalidReq), "ARN"},
		{"ListTagsForResource foreign token", func() error {
			_, err := c.ListTagsForResource(ctx, &iot.ListTagsForResourceInput{ResourceArn: aws.String(pkgARN + "p"), NextToken: aws.String("x")})
			return err
		}, "InvalidRequestException", 400, typed(&invalidReq), "nextToken"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			ae := apiError(t, err, tt.code, tt.status)
			if !strings.Contains(ae.ErrorMessage(), tt.message) {
				t.Errorf("message %q does not contain %q", ae.ErrorMessage(), tt.message)
			}
			if tt.typed != nil && !tt.typed(err) {
				t.Errorf("error %T is not the modelled type for %s", errors.Unwrap(err), tt.code)
			}
			if tt.typed == nil && typed(&notFound)(err) {
				t.Errorf("the model does not list %s here, yet the SDK returned the typed error", tt.code)
			}
		})
	}
}

// TestInternalErrors: a store that fails gives InternalServerException (InternalFailureException
// for the tagging operations) without leaking its error text; a queue that refuses an
// association ends it FAILED rather than IN_PROGRESS forever.
func TestInternalErrors(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.client
	must[*iot.CreatePackageOutput](t)(c.CreatePackage(ctx, &iot.CreatePackageInput{PackageName: aws.String("p")}))
	must[*iot.CreatePackageVersionOutput](t)(c.CreatePackageVersion(ctx, &iot.CreatePackageVersionInput{PackageName: aws.String("p"), VersionName: aws.String("1")}))

	e.queue.SetFail(true)
	_, err := c.AssociateSbomWithPackageVersion(ctx, &iot.AssociateSbomWithPackageVersionInput{PackageName: aws.String("p"), VersionName: aws.String("1"),
		Sbom: &types.Sbom{S3Location: &types.S3Location{Bucket: aws.String("b"), Key: aws.String("dir/s.zip"), Version: aws.String("1")}}})
	ise := errorAs[*types.InternalServerException](t, err, "Associate with a refusing queue")
	if strings.Contains(ise.ErrorMessage(), "queue unavailable") {
		t.Errorf("internal error text leaked: %q", ise.ErrorMessage())
	}
	gv := must[*iot.GetPackageVersionOutput](t)(c.GetPackageVersion(ctx, &iot.GetPackageVersionInput{PackageName: aws.String("p"), VersionName: aws.String("1")}))
	if gv.SbomValidationStatus != types.SbomValidationStatusFailed {
		t.Errorf("status after a refused enqueue: %s", gv.SbomValidationStatus)
	}
	res := must[*iot.ListSbomValidationResultsOutput](t)(c.ListSbomValidationResults(ctx, &iot.ListSbomValidationResultsInput{PackageName: aws.String("p"), VersionName: aws.String("1")}))
	if len(res.ValidationResultSummaries) != 1 || aws.ToString(res.ValidationResultSummaries[0].FileName) != "s.zip" || res.ValidationResultSummaries[0].ErrorMessage == nil {
		t.Errorf("results after a refused enqueue: %+v", res.ValidationResultSummaries)
	}

	e.store.Close()
	_, err = c.GetPackage(ctx, &iot.GetPackageInput{PackageName: aws.String("p")})
	ae := apiError(t, err, "InternalServerException", 500)
	if strings.Contains(ae.ErrorMessage(), "sql") {
		t.Errorf("internal error text leaked: %q", ae.ErrorMessage())
	}
	_, err = c.ListTagsForResource(ctx, &iot.ListTagsForResourceInput{ResourceArn: aws.String(pkgARN + "p")})
	errorAs[*types.InternalFailureException](t, err, "ListTagsForResource on a closed store")
	if !strings.Contains(e.logs.String(), `"level":"ERROR"`) {
		t.Errorf("internal errors were not logged")
	}
}

func TestSbomAssociation(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.client
	must[*iot.CreatePackageOutput](t)(c.CreatePackage(ctx, &iot.CreatePackageInput{PackageName: aws.String("p")}))
	must[*iot.CreatePackageVersionOutput](t)(c.CreatePackageVersion(ctx, &iot.CreatePackageVersionInput{PackageName: aws.String("p"), VersionName: aws.String("1")}))

	loc := func(key string) *types.Sbom {
		return &types.Sbom{S3Location: &types.S3Location{Bucket: aws.String("sboms"), Key: aws.String(key), Version: aws.String("v-" + key)}}
	}
	out := must[*iot.AssociateSbomWithPackageVersionOutput](t)(c.AssociateSbomWithPackageVersion(ctx, &iot.AssociateSbomWithPackageVersionInput{
		PackageName: aws.String("p"), VersionName: aws.String("1"), Sbom: loc("a.zip")}))
	if out.SbomValidationStatus != types.SbomValidationStatusInProgress || aws.ToString(out.Sbom.S3Location.Key) != "a.zip" ||
		aws.ToString(out.Sbom.S3Location.Version) != "v-a.zip" || aws.ToString(out.PackageName) != "p" || aws.ToString(out.VersionName) != "1" {
		t.Errorf("Associate = %+v", out)
	}
	queued := e.queue.All()
	if len(queued) != 1 || queued[0].PackageName != "p" || queued[0].VersionName != "1" || queued[0].SBOM.Key != "a.zip" || queued[0].ID == "" {
		t.Fatalf("queued %+v", queued)
	}
	first := queued[0]

	// A second association supersedes the first; results for the first are discarded.
	must[*iot.AssociateSbomWithPackageVersionOutput](t)(c.AssociateSbomWithPackageVersion(ctx, &iot.AssociateSbomWithPackageVersionInput{
		PackageName: aws.String("p"), VersionName: aws.String("1"), Sbom: loc("b.zip")}))
	second := e.queue.All()[1]
	if second.ID == first.ID {
		t.Fatal("re-association reused the association id")
	}
	stale := e.store.RecordValidation(ctx, sbomcat.Validation{AssociationID: first.ID, PackageName: "p", VersionName: "1",
		Results: []sbomcat.FileResult{{FileName: "old.json", Result: sbomcat.ResultSucceeded}}})
	if sbomcat.ErrCode(stale) != sbomcat.ECONFLICT {
		t.Fatalf("stale results: %v", stale)
	}
	gv := must[*iot.GetPackageVersionOutput](t)(c.GetPackageVersion(ctx, &iot.GetPackageVersionInput{PackageName: aws.String("p"), VersionName: aws.String("1")}))
	if gv.SbomValidationStatus != types.SbomValidationStatusInProgress || aws.ToString(gv.Sbom.S3Location.Key) != "b.zip" {
		t.Errorf("after re-association: %+v %+v", gv.SbomValidationStatus, gv.Sbom)
	}

	ok(t, e.store.RecordValidation(ctx, sbomcat.Validation{AssociationID: second.ID, PackageName: "p", VersionName: "1", Results: []sbomcat.FileResult{
		{FileName: "b/spdx.json", Result: sbomcat.ResultSucceeded, Format: sbomcat.FormatSPDX, SpecVersion: "SPDX-2.3"},
		{FileName: "a/readme.txt", Result: sbomcat.ResultFailed, ErrorCode: sbomcat.ErrorIncompatibleFormat, ErrorMessage: "not JSON"},
	}}))
	gv = must[*iot.GetPackageVersionOutput](t)(c.GetPackageVersion(ctx, &iot.GetPackageVersionInput{PackageName: aws.String("p"), VersionName: aws.String("1")}))
	if gv.SbomValidationStatus != types.SbomValidationStatusFailed {
		t.Errorf("status %s, want FAILED", gv.SbomValidationStatus)
	}
	res := must[*iot.ListSbomValidationResultsOutput](t)(c.ListSbomValidationResults(ctx, &iot.ListSbomValidationResultsInput{PackageName: aws.String("p"), VersionName: aws.String("1")}))
	want := []types.SbomValidationResultSummary{
		{FileName: aws.String("a/readme.txt"), ValidationResult: types.SbomValidationResultFailed, ErrorCode: types.SbomValidationErrorCodeIncompatibleFormat, ErrorMessage: aws.String("not JSON")},
		{FileName: aws.String("b/spdx.json"), ValidationResult: types.SbomValidationResultSucceeded},
	}
	if len(res.ValidationResultSummaries) != 2 {
		t.Fatalf("results %+v", res.ValidationResultSummaries)
	}
	for i, w := range want {
		g := res.ValidationResultSummaries[i]
		if aws.ToString(g.FileName) != aws.ToString(w.FileName) || g.ValidationResult != w.ValidationResult || g.ErrorCode != w.ErrorCode ||
			aws.ToString(g.ErrorMessage) != aws.ToString(w.ErrorMessage) {
			t.Errorf("result %d = %+v, want %+v", i, g, w)
		}
	}

	// Disassociate removes sbom, status and results; doing it again succeeds.
	must[*iot.DisassociateSbomFromPackageVersionOutput](t)(c.DisassociateSbomFromPackageVersion(ctx, &iot.DisassociateSbomFromPackageVersionInput{PackageName: aws.String("p"), VersionName: aws.String("1")}))
	must[*iot.DisassociateSbomFromPackageVersionOutput](t)(c.DisassociateSbomFromPackageVersion(ctx, &iot.DisassociateSbomFromPackageVersionInput{PackageName: aws.String("p"), VersionName: aws.String("1")}))
	gv = must[*iot.GetPackageVersionOutput](t)(c.GetPackageVersion(ctx, &iot.GetPackageVersionInput{PackageName: aws.String("p"), VersionName: aws.String("1")}))
	if gv.Sbom != nil || gv.SbomValidationStatus != "" {
		t.Errorf("after Disassociate: sbom %+v status %q", gv.Sbom, gv.SbomValidationStatus)
	}
	res = must[*iot.ListSbomValidationResultsOutput](t)(c.ListSbomValidationResults(ctx, &iot.ListSbomValidationResultsInput{PackageName: aws.String("p"), VersionName: aws.String("1")}))
	if len(res.ValidationResultSummaries) != 0 {
		t.Errorf("results after Disassociate: %+v", res.ValidationResultSummaries)
	}
}

// TestPagination pages through every list with the SDK's paginators, with and without filters.
func TestPagination(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.client

	var pkgs []string
	for i := range 7 {
		name := fmt.Sprintf("pkg-%d", (i*3)%7)
		pkgs = append(pkgs, name)
		must[*iot.CreatePackageOutput](t)(c.CreatePackage(ctx, &iot.CreatePackageInput{PackageName: aws.String(name)}))
	}
	slices.Sort(pkgs)
	var got []string
	pages := 0
	for p := iot.NewListPackagesPaginator(c, &iot.ListPackagesInput{MaxResults: aws.Int32(3)}); p.HasMorePages(); {
		out := must[*iot.ListPackagesOutput](t)(p.NextPage(ctx))
		pages++
		for _, s := range out.PackageSummaries {
			got = append(got, aws.ToString(s.PackageName))
		}
	}
	if !slices.Equal(got, pkgs) || pages != 3 {
		t.Errorf("ListPackages: %d pages %v, want 3 pages %v", pages, got, pkgs)
	}

	want := map[types.PackageVersionStatus][]string{}
	for i := range 9 {
		name := fmt.Sprintf("1.%d", (i*4)%9)
		must[*iot.CreatePackageVersionOutput](t)(c.CreatePackageVersion(ctx, &iot.CreatePackageVersionInput{PackageName: aws.String("pkg-0"), VersionName: aws.String(name)}))
		st := types.PackageVersionStatusDraft
		if i%2 == 1 {
			must[*iot.UpdatePackageVersionOutput](t)(c.UpdatePackageVersion(ctx, &iot.UpdatePackageVersionInput{PackageName: aws.String("pkg-0"), VersionName: aws.String(name), Action: types.PackageVersionActionPublish}))
			st = types.PackageVersionStatusPublished
		}
		want[st] = append(want[st], name)
		want[""] = append(want[""], name)
	}
	for _, st := range []types.PackageVersionStatus{"", types.PackageVersionStatusDraft, types.PackageVersionStatusPublished, types.PackageVersionStatusDeprecated} {
		slices.Sort(want[st])
		var got []string
		for p := iot.NewListPackageVersionsPaginator(c, &iot.ListPackageVersionsInput{PackageName: aws.String("pkg-0"), Status: st, MaxResults: aws.Int32(2)}); p.HasMorePages(); {
			out := must[*iot.ListPackageVersionsOutput](t)(p.NextPage(ctx))
			for _, s := range out.PackageVersionSummaries {
				if st != "" && s.Status != st {
					t.Errorf("filter %s listed %s", st, s.Status)
				}
				got = append(got, aws.ToString(s.VersionName))
			}
		}
		if !slices.Equal(got, want[st]) {
			t.Errorf("ListPackageVersions status %q: %v, want %v", st, got, want[st])
		}
	}

	// Validation results, seeded through the store as the worker will record them.
	must[*iot.AssociateSbomWithPackageVersionOutput](t)(c.AssociateSbomWithPackageVersion(ctx, &iot.AssociateSbomWithPackageVersionInput{
		PackageName: aws.String("pkg-0"), VersionName: aws.String("1.0"),
		Sbom: &types.Sbom{S3Location: &types.S3Location{Bucket: aws.String("b"), Key: aws.String("k.zip"), Version: aws.String("1")}}}))
	a := e.queue.All()[0]
	var results []sbomcat.FileResult
	wantRes := map[types.SbomValidationResult][]string{}
	for i := range 13 {
		r := sbomcat.FileResult{FileName: fmt.Sprintf("f%02d.json", (i*5)%13), Result: sbomcat.ResultSucceeded}
		if i%3 == 0 {
			r.Result, r.ErrorCode, r.ErrorMessage = sbomcat.ResultFailed, sbomcat.ErrorIncompatibleFormat, "bad"
		}
		results = append(results, r)
		wantRes[types.SbomValidationResult(r.Result)] = append(wantRes[types.SbomValidationResult(r.Result)], r.FileName)
		wantRes[""] = append(wantRes[""], r.FileName)
	}
	ok(t, e.store.RecordValidation(ctx, sbomcat.Validation{AssociationID: a.ID, PackageName: "pkg-0", VersionName: "1.0", Results: results}))
	for _, filter := range []types.SbomValidationResult{"", types.SbomValidationResultFailed, types.SbomValidationResultSucceeded} {
		slices.Sort(wantRes[filter])
		var got []string
		for p := iot.NewListSbomValidationResultsPaginator(c, &iot.ListSbomValidationResultsInput{PackageName: aws.String("pkg-0"), VersionName: aws.String("1.0"), ValidationResult: filter, MaxResults: aws.Int32(4)}); p.HasMorePages(); {
			out := must[*iot.ListSbomValidationResultsOutput](t)(p.NextPage(ctx))
			if len(out.ValidationResultSummaries) > 4 {
				t.Errorf("page of %d", len(out.ValidationResultSummaries))
			}
			for _, s := range out.ValidationResultSummaries {
				if filter != "" && s.ValidationResult != filter {
					t.Errorf("filter %s listed %s", filter, s.ValidationResult)
				}
				got = append(got, aws.ToString(s.FileName))
			}
		}
		if !slices.Equal(got, wantRes[filter]) {
			t.Errorf("ListSbomValidationResults %q: %v, want %v", filter, got, wantRes[filter])
		}
	}

	// A token works only for the list that issued it.
	first := must[*iot.ListPackageVersionsOutput](t)(c.ListPackageVersions(ctx, &iot.ListPackageVersionsInput{PackageName: aws.String("pkg-0"), Status: types.PackageVersionStatusDraft, MaxResults: aws.Int32(1)}))
	foreign := []func() error{
		func() error {
			_, err := c.ListPackageVersions(ctx, &iot.ListPackageVersionsInput{PackageName: aws.String("pkg-0"), Status: types.PackageVersionStatusPublished, NextToken: first.NextToken})
			return err
		},
		func() error {
			_, err := c.ListPackageVersions(ctx, &iot.ListPackageVersionsInput{PackageName: aws.String("pkg-1"), Status: types.PackageVersionStatusDraft, NextToken: first.NextToken})
			return err
		},
		func() error {
			_, err := c.ListPackages(ctx, &iot.ListPackagesInput{NextToken: first.NextToken})
			return err
		},
		func() error {
			_, err := c.ListSbomValidationResults(ctx, &iot.ListSbomValidationResultsInput{PackageName: aws.String("pkg-0"), VersionName: aws.String("1.0"), NextToken: first.NextToken})
			return err
		},
	}
	for i, call := range foreign {
		var ve *types.ValidationException
		if err := call(); !errors.As(err, &ve) {
			t.Errorf("foreign token %d: %v", i, err)
		}
	}
}

// TestIdempotency covers clientToken retries (docs/behaviour.md, "Idempotency").
func TestIdempotency(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.client
	tok := "11111111-2222-3333-4444-555555555555"
	tok2 := "66666666-2222-3333-4444-555555555555"

	in := &iot.CreatePackageInput{PackageName: aws.String("p"), Description: aws.String("d"), ClientToken: aws.String(tok)}
	first := must[*iot.CreatePackageOutput](t)(c.CreatePackage(ctx, in))
	again := must[*iot.CreatePackageOutput](t)(c.CreatePackage(ctx, in))
	if aws.ToString(again.PackageArn) != aws.ToString(first.PackageArn) || aws.ToString(again.Description) != "d" {
		t.Errorf("retry answered %+v, first %+v", again, first)
	}

	tests := []struct {
		name string
		call func() error
		code string // "" = success
	}{
		{"same token other parameters", func() error {
			_, err := c.CreatePackage(ctx, &iot.CreatePackageInput{PackageName: aws.String("p"), Description: aws.String("other"), ClientToken: aws.String(tok)})
			return err
		}, "ConflictException"},
		{"same token other name", func() error {
			_, err := c.CreatePackage(ctx, &iot.CreatePackageInput{PackageName: aws.String("q"), Description: aws.String("d"), ClientToken: aws.String(tok)})
			return err
		}, "ConflictException"},
		{"other token same name", func() error {
			_, err := c.CreatePackage(ctx, &iot.CreatePackageInput{PackageName: aws.String("p"), Description: aws.String("d"), ClientToken: aws.String(tok2)})
			return err
		}, "ConflictException"},
		{"tokens filled in by the SDK differ", func() error {
			_, err := c.CreatePackage(ctx, &iot.CreatePackageInput{PackageName: aws.String("p"), Description: aws.String("d")})
			return err
		}, "ConflictException"},
		{"token too short", func() error {
			_, err := c.CreatePackage(ctx, &iot.CreatePackageInput{PackageName: aws.String("z"), ClientToken: aws.String("short")})
			return err
		}, "ValidationException"},
		{"same token on another operation is another request", func() error {
			_, err := c.UpdatePackage(ctx, &iot.UpdatePackageInput{PackageName: aws.String("p"), Description: aws.String("d2"), ClientToken: aws.String(tok)})
			return err
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if tt.code == "" {
				ok(t, err)
				return
			}
			apiError(t, err, tt.code, map[string]int{"ConflictException": 409, "ValidationException": 400}[tt.code])
		})
	}

	// Version creation and SBOM association retried with one token: one version, one association.
	cv := &iot.CreatePackageVersionInput{PackageName: aws.String("p"), VersionName: aws.String("1"), ClientToken: aws.String(tok2)}
	must[*iot.CreatePackageVersionOutput](t)(c.CreatePackageVersion(ctx, cv))
	must[*iot.CreatePackageVersionOutput](t)(c.CreatePackageVersion(ctx, cv))
	as := &iot.AssociateSbomWithPackageVersionInput{PackageName: aws.String("p"), VersionName: aws.String("1"), ClientToken: aws.String(tok2),
		Sbom: &types.Sbom{S3Location: &types.S3Location{Bucket: aws.String("b"), Key: aws.String("k"), Version: aws.String("1")}}}
	a1 := must[*iot.AssociateSbomWithPackageVersionOutput](t)(c.AssociateSbomWithPackageVersion(ctx, as))
	a2 := must[*iot.AssociateSbomWithPackageVersionOutput](t)(c.AssociateSbomWithPackageVersion(ctx, as))
	if n := len(e.queue.All()); n != 1 {
		t.Errorf("a retried association was queued %d times", n)
	}
	if a1.SbomValidationStatus != a2.SbomValidationStatus || aws.ToString(a2.Sbom.S3Location.Key) != "k" {
		t.Errorf("retry answered %+v, first %+v", a2, a1)
	}
	// Update and delete retried with one token succeed each time.
	upd := &iot.UpdatePackageVersionInput{PackageName: aws.String("p"), VersionName: aws.String("1"), Action: types.PackageVersionActionPublish, ClientToken: aws.String(tok)}
	must[*iot.UpdatePackageVersionOutput](t)(c.UpdatePackageVersion(ctx, upd))
	must[*iot.UpdatePackageVersionOutput](t)(c.UpdatePackageVersion(ctx, upd))
	del := &iot.DeletePackageVersionInput{PackageName: aws.String("p"), VersionName: aws.String("1"), ClientToken: aws.String(tok)}
	must[*iot.DeletePackageVersionOutput](t)(c.DeletePackageVersion(ctx, del))
	must[*iot.DeletePackageVersionOutput](t)(c.DeletePackageVersion(ctx, del))
	_, err := c.DeletePackageVersion(ctx, &iot.DeletePackageVersionInput{PackageName: aws.String("p"), VersionName: aws.String("2"), ClientToken: aws.String(tok)})
	apiError(t, err, "ConflictException", 409)
}

func TestTags(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.client
	must[*iot.CreatePackageOutput](t)(c.CreatePackage(ctx, &iot.CreatePackageInput{PackageName: aws.String("p"), Tags: map[string]string{"team": "fw", "cost center": "42"}}))
	must[*iot.CreatePackageVersionOutput](t)(c.CreatePackageVersion(ctx, &iot.CreatePackageVersionInput{PackageName: aws.String("p"), VersionName: aws.String("1"), Tags: map[string]string{"stage": "beta"}}))

	list := func(arn string) map[string]string {
		t.Helper()
		out := must[*iot.ListTagsForResourceOutput](t)(c.ListTagsForResource(ctx, &iot.ListTagsForResourceInput{ResourceArn: aws.String(arn)}))
		m := map[string]string{}
		for _, tag := range out.Tags {
			m[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
		}
		if out.NextToken != nil {
			t.Errorf("unexpected next token")
		}
		return m
	}
	if got := list(pkgARN + "p"); !maps.Equal(got, map[string]string{"team": "fw", "cost center": "42"}) {
		t.Errorf("package tags at creation: %v", got)
	}
	if got := list(pkgARN + "p/version/1"); !maps.Equal(got, map[string]string{"stage": "beta"}) {
		t.Errorf("version tags at creation: %v", got)
	}
	must[*iot.TagResourceOutput](t)(c.TagResource(ctx, &iot.TagResourceInput{ResourceArn: aws.String(pkgARN + "p/version/1"),
		Tags: []types.Tag{{Key: aws.String("stage"), Value: aws.String("ga")}, {Key: aws.String("ünïcode:/=+-@"), Value: aws.String("ok")}, {Key: aws.String("empty")}}}))
	must[*iot.UntagResourceOutput](t)(c.UntagResource(ctx, &iot.UntagResourceInput{ResourceArn: aws.String(pkgARN + "p"), TagKeys: []string{"team", "absent"}}))
	if got := list(pkgARN + "p/version/1"); !maps.Equal(got, map[string]string{"stage": "ga", "ünïcode:/=+-@": "ok", "empty": ""}) {
		t.Errorf("version tags: %v", got)
	}
	if got := list(pkgARN + "p"); !maps.Equal(got, map[string]string{"cost center": "42"}) {
		t.Errorf("package tags: %v", got)
	}
}

func TestPackageConfiguration(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.client
	got := must[*iot.GetPackageConfigurationOutput](t)(c.GetPackageConfiguration(ctx, &iot.GetPackageConfigurationInput{}))
	if got.VersionUpdateByJobsConfig == nil || aws.ToBool(got.VersionUpdateByJobsConfig.Enabled) || got.VersionUpdateByJobsConfig.RoleArn != nil {
		t.Errorf("default configuration %+v", got.VersionUpdateByJobsConfig)
	}
	role := "arn:aws:iam::000000000000:role/package-jobs"
	must[*iot.UpdatePackageConfigurationOutput](t)(c.UpdatePackageConfiguration(ctx, &iot.UpdatePackageConfigurationInput{
		VersionUpdateByJobsConfig: &types.VersionUpdateByJobsConfig{Enabled: aws.Bool(true), RoleArn: aws.String(role)}}))
	got = must[*iot.GetPackageConfigurationOutput](t)(c.GetPackageConfiguration(ctx, &iot.GetPackageConfigurationInput{}))
	if !aws.ToBool(got.VersionUpdateByJobsConfig.Enabled) || aws.ToString(got.VersionUpdateByJobsConfig.RoleArn) != role {
		t.Errorf("configuration %+v", got.VersionUpdateByJobsConfig)
	}
	// Members left out stay as they were.
	must[*iot.UpdatePackageConfigurationOutput](t)(c.UpdatePackageConfiguration(ctx, &iot.UpdatePackageConfigurationInput{
		VersionUpdateByJobsConfig: &types.VersionUpdateByJobsConfig{Enabled: aws.Bool(false)}}))
	got = must[*iot.GetPackageConfigurationOutput](t)(c.GetPackageConfiguration(ctx, &iot.GetPackageConfigurationInput{}))
	if aws.ToBool(got.VersionUpdateByJobsConfig.Enabled) || aws.ToString(got.VersionUpdateByJobsConfig.RoleArn) != role {
		t.Errorf("configuration %+v", got.VersionUpdateByJobsConfig)
	}
}

// TestURIEscaping sends names that need escaping in paths and query strings: the signature
// must verify (double encoding) and the server must see the names unescaped.
func TestURIEscaping(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.client

	// Valid names, including the dot forms that path cleaning would eat.
	for _, name := range []string{"a-b_c.d", ".", "..", "...", "-", "_"} {
		t.Run("valid "+name, func(t *testing.T) {
			must[*iot.CreatePackageOutput](t)(c.CreatePackage(ctx, &iot.CreatePackageInput{PackageName: aws.String(name)}))
			must[*iot.CreatePackageVersionOutput](t)(c.CreatePackageVersion(ctx, &iot.CreatePackageVersionInput{PackageName: aws.String(name), VersionName: aws.String(name)}))
			got := must[*iot.GetPackageVersionOutput](t)(c.GetPackageVersion(ctx, &iot.GetPackageVersionInput{PackageName: aws.String(name), VersionName: aws.String(name)}))
			if aws.ToString(got.PackageName) != name || aws.ToString(got.VersionName) != name {
				t.Errorf("round trip of %q: %+v", name, got)
			}
			tags := must[*iot.ListTagsForResourceOutput](t)(c.ListTagsForResource(ctx, &iot.ListTagsForResourceInput{ResourceArn: aws.String(pkgARN + name + "/version/" + name)}))
			if len(tags.Tags) != 0 {
				t.Errorf("tags %+v", tags.Tags)
			}
		})
	}
	// Invalid names arrive intact and are refused by name, not by signature or routing.
	for _, name := range []string{"bad name", "a/b", "ünï", "a%2Fb", "a+b", "x?y=z", "semi;colon", "hash#tag"} {
		t.Run("invalid "+name, func(t *testing.T) {
			_, err := c.GetPackage(ctx, &iot.GetPackageInput{PackageName: aws.String(name)})
			ae := apiError(t, err, "ValidationException", http.StatusBadRequest)
			if !strings.Contains(ae.ErrorMessage(), "'"+name+"'") {
				t.Errorf("message %q does not name %q", ae.ErrorMessage(), name)
			}
			_, err = c.CreatePackageVersion(ctx, &iot.CreatePackageVersionInput{PackageName: aws.String("a-b_c.d"), VersionName: aws.String(name)})
			apiError(t, err, "ValidationException", http.StatusBadRequest)
		})
	}
}

// TestIdempotencyExpiry: a clientToken is remembered for IdempotencyTTL only; after that the
// same request is a new one.
func TestIdempotencyExpiry(t *testing.T) {
	e := newEnv(t, func(c *envConfig) { c.Service.IdempotencyTTL = time.Nanosecond })
	ctx := context.Background()
	in := &iot.CreatePackageInput{PackageName: aws.String("p"), ClientToken: aws.String("11111111-2222-3333-4444-555555555555")}
	must[*iot.CreatePackageOutput](t)(e.client.CreatePackage(ctx, in))
	_, err := e.client.CreatePackage(ctx, in)
	errorAs[*types.ConflictException](t, err, "retry after the token expired")
}

// Jobs.

// The catalog every job test starts from, made through the SDK:
//
//	TestPackage  1.0.0  PUBLISHED   attributes, artifact = firmware.bin version 1   (default)
//	             1.0.2  PUBLISHED   attributes, artifact = firmware.bin version 2
//	             0.9.0  DEPRECATED  one attribute, no artifact
//	             2.0.0  DRAFT
//	Plain        1.0    PUBLISHED   no attributes, no artifact; no default version
const (
	artifactBucket = "artifacts"
	artifactKey    = "firmware/mqtt-core.bin"
	presignRole    = "arn:aws:iam::000000000000:role/iot-jobs-presign"
	jobARN         = "arn:aws:iot:us-east-1:000000000000:job/"
)

var (
	firmwareV1 = []byte("firmware image, version ONE\x00\x01\x02")
	firmwareV2 = []byte("firmware image, version TWO, a different length\xff")
	attrs100   = map[string]string{"location": "prod-artifacts/1.0.0", "signature": `IQoJb3J"quoted"\back`, "streamName": "mqtt-core"}
	attrs102   = map[string]string{"location": "prod-artifacts/1.0.2", "signature": "sig-102"}
	attrs100JS = `{"location":"prod-artifacts/1.0.0","signature":"IQoJb3J\"quoted\"\\back","streamName":"mqtt-core"}`
	attrs102JS = `{"location":"prod-artifacts/1.0.2","signature":"sig-102"}`
	jobTargets = []string{"arn:aws:iot:us-east-1:000000000000:thing/device-1"}
)

// jobsEnv is env with the job operations on: the SQLite store keeps the jobs next to the
// catalog, and artifact URLs are presigned for a real S3 engine (gofakes3 over HTTP) holding a
// versioned bucket with two versions of one firmware object.
type jobsEnv struct {
	*env
	ctx context.Context
	// now is the handler's fixed clock, so that job times can be asserted exactly. It is the
	// real time at start so that SigV4's 15-minute skew check still passes.
	now    time.Time
	v1, v2 string // S3 version ids of the two firmware objects
}

func newJobsEnv(t *testing.T) *jobsEnv {
	t.Helper()
	ctx := context.Background()
	s3srv := workertest.StartS3(t)
	s3srv.CreateBucket(t, artifactBucket)
	put := func(body []byte) string { return s3srv.Put(t, artifactBucket, artifactKey, body) }

	je := &jobsEnv{ctx: ctx, now: time.Now().UTC().Truncate(time.Millisecond)}
	je.v1, je.v2 = put(firmwareV1), put(firmwareV2)
	je.env = newEnv(t, func(c *envConfig) {
		c.Jobs = c.Service.Store.(jobs.Store)
		c.Presigner = s3presign.New(s3srv.Client())
		c.Now = func() time.Time { return je.now }
	})
	je.catalog(t)
	return je
}

func (e *jobsEnv) catalog(t *testing.T) {
	t.Helper()
	c := e.client
	for _, p := range []string{"TestPackage", "Plain"} {
		must[*iot.CreatePackageOutput](t)(c.CreatePackage(e.ctx, &iot.CreatePackageInput{PackageName: aws.String(p)}))
	}
	version := func(pkg, ver string, attrs map[string]string, objVersion string, actions ...types.PackageVersionAction) {
		t.Helper()
		in := &iot.CreatePackageVersionInput{PackageName: aws.String(pkg), VersionName: aws.String(ver), Attributes: attrs}
		if objVersion != "" {
			in.Artifact = &types.PackageVersionArtifact{S3Location: &types.S3Location{Bucket: aws.String(artifactBucket), Key: aws.String(artifactKey), Version: aws.String(objVersion)}}
		}
		must[*iot.CreatePackageVersionOutput](t)(c.CreatePackageVersion(e.ctx, in))
		for _, a := range actions {
			must[*iot.UpdatePackageVersionOutput](t)(c.UpdatePackageVersion(e.ctx, &iot.UpdatePackageVersionInput{PackageName: aws.String(pkg), VersionName: aws.String(ver), Action: a}))
		}
	}
	pub, dep := types.PackageVersionActionPublish, types.PackageVersionActionDeprecate
	version("TestPackage", "1.0.0", attrs100, e.v1, pub)
	version("TestPackage", "1.0.2", attrs102, e.v2, pub)
	version("TestPackage", "0.9.0", map[string]string{"location": "old"}, "", pub, dep)
	version("TestPackage", "2.0.0", map[string]string{"location": "draft"}, "")
	version("Plain", "1.0", nil, "", pub)
	e.setDefault(t, "1.0.0")
}

func (e *jobsEnv) setDefault(t *testing.T, ver string) {
	t.Helper()
	must[*iot.UpdatePackageOutput](t)(e.client.UpdatePackage(e.ctx, &iot.UpdatePackageInput{PackageName: aws.String("TestPackage"), DefaultVersionName: aws.String(ver)}))
}

func (e *jobsEnv) createJob(t *testing.T, in *iot.CreateJobInput) *iot.CreateJobOutput {
	t.Helper()
	if in.Targets == nil {
		in.Targets = jobTargets
	}
	return must[*iot.CreateJobOutput](t)(e.client.CreateJob(e.ctx, in))
}

func (e *jobsEnv) document(t *testing.T, id string, before bool) string {
	t.Helper()
	out := must[*iot.GetJobDocumentOutput](t)(e.client.GetJobDocument(e.ctx, &iot.GetJobDocumentInput{JobId: aws.String(id), BeforeSubstitution: before}))
	return aws.ToString(out.Document)
}

func (e *jobsEnv) describe(t *testing.T, id string, before bool) *types.Job {
	t.Helper()
	out := must[*iot.DescribeJobOutput](t)(e.client.DescribeJob(e.ctx, &iot.DescribeJobInput{JobId: aws.String(id), BeforeSubstitution: before}))
	if out.Job == nil {
		t.Fatal("DescribeJob returned no job")
	}
	return out.Job
}

// versionARN is a package version ARN of the default scope.
func versionARN(pkg, ver string) string { return pkgARN + pkg + "/version/" + ver }

// TestJobPlaceholders creates a job for each placeholder form through the SDK and reads both
// views of its document and destinations back.
func TestJobPlaceholders(t *testing.T) {
	e := newJobsEnv(t)
	tests := []struct {
		name      string
		doc       string
		dests     []string
		wantDoc   string
		wantDests []string // the substituted view; nil means as submitted
	}{
		{"one attribute",
			`{"download":"${aws:iot:package:TestPackage:version:1.0.2:attributes:location}"}`,
			[]string{versionARN("TestPackage", "1.0.2")},
			`{"download":"prod-artifacts/1.0.2"}`, nil},
		{"one attribute escaped inside text",
			`{"sig":"sig=${aws:iot:package:TestPackage:version:1.0.0:attributes:signature};"}`,
			[]string{versionARN("TestPackage", "1.0.0")},
			`{"sig":"sig=IQoJb3J\"quoted\"\\back;"}`, nil},
		{"all attributes",
			`{"attributes":"${aws:iot:package:TestPackage:version:1.0.2:attributes}","n":1}`,
			[]string{versionARN("TestPackage", "1.0.2")},
			`{"attributes":` + attrs102JS + `,"n":1}`, nil},
		{"all attributes of a version without any",
			`{"attributes":"${aws:iot:package:Plain:version:1.0:attributes}"}`,
			[]string{versionARN("Plain", "1.0")},
			`{"attributes":{}}`, nil},
		{"empty names from the single destination",
			`{"loc":"${aws:iot:package::version::attributes:location}","all":"${aws:iot:package::version::attributes}"}`,
			[]string{versionARN("TestPackage", "1.0.2")},
			`{"loc":"prod-artifacts/1.0.2","all":` + attrs102JS + `}`, nil},
		{"$default in document and destination",
			`{"attributes":"${aws:iot:package:TestPackage:version:$default:attributes}"}`,
			[]string{versionARN("TestPackage", "$default")},
			`{"attributes":` + attrs100JS + `}`, []string{versionARN("TestPackage", "1.0.0")}},
		{"$default through the empty names",
			`{"s":"${aws:iot:package::version::attributes:streamName}"}`,
			[]string{versionARN("TestPackage", "$default")},
			`{"s":"mqtt-core"}`, []string{versionARN("TestPackage", "1.0.0")}},
		{"a DEPRECATED version, an uninstall and an extra destination",
			`{"l":"${aws:iot:package:TestPackage:version:0.9.0:attributes:location}"}`,
			[]string{versionARN("TestPackage", "0.9.0"), versionARN("Plain", "$null")},
			`{"l":"old"}`, nil},
		{"no placeholders",
			`{"operation":"reboot"}`, nil,
			`{"operation":"reboot"}`, nil},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := fmt.Sprintf("form-%d", i)
			out := e.createJob(t, &iot.CreateJobInput{JobId: aws.String(id), Document: aws.String(tt.doc), DestinationPackageVersions: tt.dests})
			if aws.ToString(out.JobId) != id || aws.ToString(out.JobArn) != jobARN+id || out.Description != nil {
				t.Errorf("CreateJob = %+v", out)
			}
			if got := e.document(t, id, false); got != tt.wantDoc {
				t.Errorf("GetJobDocument = %s\nwant            %s", got, tt.wantDoc)
			}
			if got := e.document(t, id, true); got != tt.doc {
				t.Errorf("GetJobDocument(beforeSubstitution) = %s\nwant %s", got, tt.doc)
			}
			wantDests := tt.wantDests
			if wantDests == nil {
				wantDests = tt.dests
			}
			if got := e.describe(t, id, false).DestinationPackageVersions; !slices.Equal(got, wantDests) {
				t.Errorf("DescribeJob destinations = %q, want %q", got, wantDests)
			}
			if got := e.describe(t, id, true).DestinationPackageVersions; !slices.Equal(got, tt.dests) {
				t.Errorf("DescribeJob(beforeSubstitution) destinations = %q, want %q", got, tt.dests)
			}
		})
	}
}

// TestJobArtifactURLs: both artifact placeholder spellings become presigned S3 URLs, valid for
// expiresInSec, that net/http fetches from the S3 engine with the pinned version's bytes.
func TestJobArtifactURLs(t *testing.T) {
	e := newJobsEnv(t)
	doc := `{"steps":[` +
		`{"url":"${aws:iot:package:TestPackage:version:1.0.0:artifact-location:s3-presigned-url}"},` +
		`{"url":"${aws:iot:package:TestPackage:version:1.0.0:artifact:s3-presigned-url}"},` +
		`{"url":"${aws:iot:package:TestPackage:version:1.0.2:artifact:s3-presigned-url}"}]}`
	e.createJob(t, &iot.CreateJobInput{
		JobId: aws.String("artifacts"), Document: aws.String(doc),
		DestinationPackageVersions: []string{versionARN("TestPackage", "1.0.0"), versionARN("TestPackage", "1.0.2")},
		PresignedUrlConfig:         &types.PresignedUrlConfig{RoleArn: aws.String(presignRole), ExpiresInSec: aws.Int64(120)},
	})
	var got struct{ Steps []struct{ URL string } }
	resolved := e.document(t, "artifacts", false)
	if err := json.Unmarshal([]byte(resolved), &got); err != nil || len(got.Steps) != 3 {
		t.Fatalf("document %s: %v", resolved, err)
	}
	for i, want := range [][]byte{firmwareV1, firmwareV1, firmwareV2} {
		u, err := url.Parse(got.Steps[i].URL)
		ok(t, err)
		q := u.Query()
		if q.Get("X-Amz-Algorithm") != "AWS4-HMAC-SHA256" || q.Get("X-Amz-Signature") == "" || q.Get("X-Amz-Expires") != "120" {
			t.Errorf("step %d: %s is not a SigV4 presigned URL valid for 120 s", i, u)
		}
		if body := testkit.GetOK(t, u.String()); !bytes.Equal(body, want) {
			t.Errorf("step %d fetched %q, want %q", i, body, want)
		}
	}
	if before := e.document(t, "artifacts", true); before != doc {
		t.Errorf("document before substitution = %s", before)
	}
	j := e.describe(t, "artifacts", false)
	if c := j.PresignedUrlConfig; c == nil || aws.ToString(c.RoleArn) != presignRole || aws.ToInt64(c.ExpiresInSec) != 120 {
		t.Errorf("presignedUrlConfig = %+v", c)
	}
}

// TestJobDefaultVersion: $default is resolved when the job is created. After UpdatePackage
// changes the default, the existing job keeps its resolution (document, destinations and
// artifact bytes); a new job gets the new default; beforeSubstitution shows $default for both.
func TestJobDefaultVersion(t *testing.T) {
	e := newJobsEnv(t)
	doc := `{"attributes":"${aws:iot:package:TestPackage:version:$default:attributes}",` +
		`"url":"${aws:iot:package:TestPackage:version:$default:artifact:s3-presigned-url}"}`
	dflt := []string{versionARN("TestPackage", "$default")}
	create := func(id string) {
		e.createJob(t, &iot.CreateJobInput{JobId: aws.String(id), Document: aws.String(doc), DestinationPackageVersions: dflt,
			PresignedUrlConfig: &types.PresignedUrlConfig{RoleArn: aws.String(presignRole)}})
	}
	check := func(t *testing.T, id, ver, attrsJSON string, firmware []byte) {
		t.Helper()
		var got struct {
			Attributes json.RawMessage
			URL        string
		}
		resolved := e.document(t, id, false)
		if err := json.Unmarshal([]byte(resolved), &got); err != nil {
			t.Fatalf("document %s: %v", resolved, err)
		}
		if string(got.Attributes) != attrsJSON {
			t.Errorf("%s: attributes %s, want those of %s", id, got.Attributes, ver)
		}
		if body := testkit.GetOK(t, got.URL); !bytes.Equal(body, firmware) {
			t.Errorf("%s: artifact %q, want %s's %q", id, body, ver, firmware)
		}
		if before := e.document(t, id, true); before != doc {
			t.Errorf("%s: document before substitution = %s", id, before)
		}
		if got := e.describe(t, id, false).DestinationPackageVersions; !slices.Equal(got, []string{versionARN("TestPackage", ver)}) {
			t.Errorf("%s: destinations %q, want version %s", id, got, ver)
		}
		if got := e.describe(t, id, true).DestinationPackageVersions; !slices.Equal(got, dflt) {
			t.Errorf("%s: destinations before substitution %q", id, got)
		}
	}

	create("before-change")
	check(t, "before-change", "1.0.0", attrs100JS, firmwareV1)
	e.setDefault(t, "1.0.2")
	check(t, "before-change", "1.0.0", attrs100JS, firmwareV1)
	create("after-change")
	check(t, "after-change", "1.0.2", attrs102JS, firmwareV2)
}

// TestJobRefusals: every CreateJob refusal of the spec is a typed InvalidRequestException (400)
// with the spec's message, and stores nothing.
func TestJobRefusals(t *testing.T) {
	e := newJobsEnv(t)
	tp := func(ver string) []string { return []string{versionARN("TestPackage", ver)} }
	attr := func(ver string) *string {
		return aws.String(`{"a":"${aws:iot:package:TestPackage:version:` + ver + `:attributes:location}"}`)
	}
	artifact := func(ver, tail string) *string {
		return aws.String(`{"u":"${aws:iot:package:TestPackage:version:` + ver + `:` + tail + `}"}`)
	}
	role := &types.PresignedUrlConfig{RoleArn: aws.String(presignRole)}
	tests := []struct {
		name string
		in   iot.CreateJobInput
		msg  string
	}{
		{"unterminated", iot.CreateJobInput{Document: aws.String(`{"a":"${aws:iot:package:TestPackage:version:1.0.0:attributes:location"}`), DestinationPackageVersions: tp("1.0.0")},
			"One or more parameters or placeholders are not terminated."},
		{"artifact nested", iot.CreateJobInput{Document: aws.String(`{"a":"${aws:iot:s3-presigned-url:${aws:iot:package:TestPackage:version:1.0.0:artifact:s3-presigned-url}}"}`), DestinationPackageVersions: tp("1.0.0"), PresignedUrlConfig: role},
			"${aws:iot:package:[...]:artifact:s3-presigned-url} cannot be nested inside another placeholder."},
		{"package placeholder nested", iot.CreateJobInput{Document: aws.String(`{"a":"${aws:iot:package:TestPackage:version:${aws:iot:package:Plain:version:1.0:attributes:k}:attributes:location}"}`), DestinationPackageVersions: tp("1.0.0")},
			"${aws:iot:package:[...]} should not be the second layer pattern."},
		{"$null in the document", iot.CreateJobInput{Document: attr("$null"), DestinationPackageVersions: tp("$null")},
			"$null is not allowed to be referenced as a package version in job documents."},
		{"empty package name alone", iot.CreateJobInput{Document: aws.String(`{"a":"${aws:iot:package::version:1.0.0:attributes:location}"}`), DestinationPackageVersions: tp("1.0.0")},
			"Empty package name and version name have to be used in pair."},
		{"empty names, two destinations", iot.CreateJobInput{Document: aws.String(`{"a":"${aws:iot:package::version::attributes}"}`), DestinationPackageVersions: append(tp("1.0.0"), versionARN("Plain", "1.0"))},
			"Cannot resolve empty package name and version name given multiple elements in destination package versions."},
		{"all attributes appended to text", iot.CreateJobInput{Document: aws.String(`{"a":"v=${aws:iot:package:TestPackage:version:1.0.0:attributes}"}`), DestinationPackageVersions: tp("1.0.0")},
			"The package version attribute placeholder for all attributes has to be a json value by itself and not appended with other strings or nested with other placeholders."},
		{"DRAFT version", iot.CreateJobInput{Document: attr("2.0.0"), DestinationPackageVersions: tp("2.0.0")},
			"Package TestPackage version 2.0.0 is DRAFT; only PUBLISHED or DEPRECATED package versions can be deployed by jobs."},
		{"document version not among destinations", iot.CreateJobInput{Document: attr("1.0.2"), DestinationPackageVersions: tp("1.0.0")},
			"Package TestPackage version 1.0.2 referenced in the job document is not in destinationPackageVersions; the package versions of the job document and of destinationPackageVersions must match."},
		{"$default naming another version than the destination", iot.CreateJobInput{Document: attr("$default"), DestinationPackageVersions: tp("1.0.2")},
			"Package TestPackage version 1.0.0 referenced in the job document is not in destinationPackageVersions; the package versions of the job document and of destinationPackageVersions must match."},
		{"no artifact", iot.CreateJobInput{Document: artifact("0.9.0", "artifact:s3-presigned-url"), DestinationPackageVersions: tp("0.9.0"), PresignedUrlConfig: role},
			"Package TestPackage version 0.9.0 does not have an associated artifact to generate an S3 presigned url."},
		{"no role ARN", iot.CreateJobInput{Document: artifact("1.0.0", "artifact-location:s3-presigned-url"), DestinationPackageVersions: tp("1.0.0")},
			"presignedUrlConfig role ARN is required to generate an S3 presigned url in job document for package TestPackage version 1.0.0 artifact."},
		{"document over 32 KB", iot.CreateJobInput{Document: aws.String(`{"a":"` + strings.Repeat("x", jobs.MaxDocumentLen) + `"}`)},
			"1 validation error detected: Value at 'document' failed to satisfy constraint: Member must have length less than or equal to 32768"},
		{"expiresInSec 0 is given, not absent", iot.CreateJobInput{Document: aws.String(`{}`), PresignedUrlConfig: &types.PresignedUrlConfig{RoleArn: aws.String(presignRole), ExpiresInSec: aws.Int64(0)}},
			"1 validation error detected: Value '0' at 'presignedUrlConfig.expiresInSec' failed to satisfy constraint: Member must have value greater than or equal to 60"},
		{"expiresInSec over 3600", iot.CreateJobInput{Document: aws.String(`{}`), PresignedUrlConfig: &types.PresignedUrlConfig{RoleArn: aws.String(presignRole), ExpiresInSec: aws.Int64(3601)}},
			"1 validation error detected: Value '3601' at 'presignedUrlConfig.expiresInSec' failed to satisfy constraint: Member must have value less than or equal to 3600"},
		{"26 destinations", iot.CreateJobInput{Document: aws.String(`{}`), DestinationPackageVersions: slices.Repeat(tp("1.0.0"), 26)},
			"A job deploys at most 25 package versions; destinationPackageVersions names 26."},
		{"missing package", iot.CreateJobInput{Document: aws.String(`{}`), DestinationPackageVersions: []string{versionARN("Nope", "1.0")}},
			"Package Nope does not exist."},
		{"no document", iot.CreateJobInput{},
			"A job needs its document inline in document: this server does not fetch job documents."},
		{"documentSource", iot.CreateJobInput{Document: aws.String(`{}`), DocumentSource: aws.String("https://s3.amazonaws.com/b/doc.json")},
			"documentSource is not supported by this server; give the job document inline in document."},
		{"targetSelection CONTINUOUS", iot.CreateJobInput{Document: aws.String(`{}`), TargetSelection: types.TargetSelectionContinuous},
			"targetSelection CONTINUOUS is not supported by this server; its jobs are SNAPSHOT."},
		{"unsupported members", iot.CreateJobInput{Document: aws.String(`{}`),
			AbortConfig:        &types.AbortConfig{CriteriaList: []types.AbortCriteria{{Action: types.AbortActionCancel, FailureType: types.JobExecutionFailureTypeFailed, MinNumberOfExecutedThings: aws.Int32(1), ThresholdPercentage: aws.Float64(50)}}},
			Tags:               []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}},
			DocumentParameters: map[string]string{"p": "v"}},
			"3 validation errors detected: abortConfig is not supported by this server (it runs no job executions); documentParameters is not supported by this server (it has no job templates); tags is not supported by this server (it does not tag jobs)"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			id := fmt.Sprintf("refused-%d", i)
			in.JobId, in.Targets = aws.String(id), jobTargets
			_, err := e.client.CreateJob(e.ctx, &in)
			ire := errorAs[*types.InvalidRequestException](t, err, "CreateJob")
			apiError(t, err, "InvalidRequestException", http.StatusBadRequest)
			if ire.ErrorMessage() != tt.msg {
				t.Errorf("message = %q\nwant      %q", ire.ErrorMessage(), tt.msg)
			}
			_, err = e.client.DescribeJob(e.ctx, &iot.DescribeJobInput{JobId: aws.String(id)})
			errorAs[*types.ResourceNotFoundException](t, err, "refused job exists: DescribeJob")
		})
	}
}

// TestDescribeJob checks the whole job shape with AWS's defaults for what the subset does not
// set, and CreateJob's answer.
func TestDescribeJob(t *testing.T) {
	e := newJobsEnv(t)
	out := e.createJob(t, &iot.CreateJobInput{
		JobId: aws.String("full"), Document: aws.String(`{"a":"${aws:iot:package::version::attributes:location}"}`),
		DestinationPackageVersions: []string{versionARN("TestPackage", "$default")}, Description: aws.String("deploy 1.0.0"),
		PresignedUrlConfig: &types.PresignedUrlConfig{RoleArn: aws.String(presignRole)}, // expiresInSec absent: 3600
		Targets:            []string{"arn:aws:iot:us-east-1:000000000000:thing/d1", "arn:aws:iot:us-east-1:000000000000:thinggroup/g"},
		TargetSelection:    types.TargetSelectionSnapshot,
	})
	if aws.ToString(out.JobArn) != jobARN+"full" || aws.ToString(out.JobId) != "full" || aws.ToString(out.Description) != "deploy 1.0.0" {
		t.Errorf("CreateJob = %+v", out)
	}
	j := e.describe(t, "full", false)
	if aws.ToString(j.JobArn) != jobARN+"full" || aws.ToString(j.JobId) != "full" || j.Status != types.JobStatusInProgress ||
		j.TargetSelection != types.TargetSelectionSnapshot || aws.ToString(j.Description) != "deploy 1.0.0" ||
		!slices.Equal(j.Targets, []string{"arn:aws:iot:us-east-1:000000000000:thing/d1", "arn:aws:iot:us-east-1:000000000000:thinggroup/g"}) {
		t.Errorf("job = %+v", j)
	}
	if c := j.PresignedUrlConfig; c == nil || aws.ToString(c.RoleArn) != presignRole || aws.ToInt64(c.ExpiresInSec) != jobs.DefaultExpiresInSec {
		t.Errorf("presignedUrlConfig = %+v, want the role and the default 3600 s", c)
	}
	if j.CreatedAt == nil || !j.CreatedAt.Equal(e.now) || j.LastUpdatedAt == nil || !j.LastUpdatedAt.Equal(e.now) {
		t.Errorf("createdAt, lastUpdatedAt = %v, %v; want %v", j.CreatedAt, j.LastUpdatedAt, e.now)
	}
	d := j.JobProcessDetails
	if d == nil || d.ProcessingTargets == nil || len(d.ProcessingTargets) != 0 {
		t.Fatalf("jobProcessDetails = %+v, want zero counts and no processing targets", d)
	}
	for name, n := range map[string]*int32{"canceled": d.NumberOfCanceledThings, "failed": d.NumberOfFailedThings, "inProgress": d.NumberOfInProgressThings,
		"queued": d.NumberOfQueuedThings, "rejected": d.NumberOfRejectedThings, "removed": d.NumberOfRemovedThings,
		"succeeded": d.NumberOfSucceededThings, "timedOut": d.NumberOfTimedOutThings} {
		if n == nil || *n != 0 {
			t.Errorf("numberOf %s things = %v, want 0", name, n)
		}
	}
	if j.IsConcurrent == nil || *j.IsConcurrent {
		t.Errorf("isConcurrent = %v, want false", j.IsConcurrent)
	}
	if !slices.Equal(j.DestinationPackageVersions, []string{versionARN("TestPackage", "1.0.0")}) {
		t.Errorf("destinations = %q", j.DestinationPackageVersions)
	}

	// On the wire: the documented member names, timestamps as epoch-second numbers, and no
	// documentSource for an inline document.
	resp := e.raw("GET", "/jobs/full?beforeSubstitution=true", nil, signed)
	if resp.status != http.StatusOK {
		t.Fatalf("raw DescribeJob: %d %s", resp.status, resp.body)
	}
	if _, ok := resp.json["documentSource"]; ok {
		t.Errorf("documentSource in %s", resp.body)
	}
	job, _ := resp.json["job"].(map[string]any)
	want := []string{"createdAt", "description", "destinationPackageVersions", "isConcurrent", "jobArn", "jobId", "jobProcessDetails",
		"lastUpdatedAt", "presignedUrlConfig", "status", "targetSelection", "targets"}
	if got := slices.Sorted(maps.Keys(job)); !slices.Equal(got, want) {
		t.Errorf("job members = %q\nwant          %q", got, want)
	}
	if created, ok := job["createdAt"].(float64); !ok || int64(created*1000) != e.now.UnixMilli() {
		t.Errorf("createdAt = %v (%T), want epoch seconds %d", job["createdAt"], job["createdAt"], e.now.Unix())
	}
	if fmt.Sprint(job["destinationPackageVersions"]) != "["+versionARN("TestPackage", "$default")+"]" {
		t.Errorf("destinations before substitution = %v", job["destinationPackageVersions"])
	}

	// A minimal job shows no description, presignedUrlConfig or destinations.
	e.createJob(t, &iot.CreateJobInput{JobId: aws.String("minimal"), Document: aws.String(`{}`)})
	m := e.describe(t, "minimal", false)
	if m.Description != nil || m.PresignedUrlConfig != nil || m.DestinationPackageVersions != nil {
		t.Errorf("minimal job = %+v", m)
	}
}

// TestJobConflictsAndMissing: a duplicate jobId is ResourceAlreadyExistsException with the id
// and ARN; an unknown job is ResourceNotFoundException for every operation that names one.
func TestJobConflictsAndMissing(t *testing.T) {
	e := newJobsEnv(t)
	e.createJob(t, &iot.CreateJobInput{JobId: aws.String("dup"), Document: aws.String(`{"first":true}`)})
	_, err := e.client.CreateJob(e.ctx, &iot.CreateJobInput{JobId: aws.String("dup"), Document: aws.String(`{"second":true}`), Targets: jobTargets})
	ae := errorAs[*types.ResourceAlreadyExistsException](t, err, "duplicate CreateJob")
	apiError(t, err, "ResourceAlreadyExistsException", http.StatusConflict)
	if ae.ErrorMessage() != "Job dup already exists." || aws.ToString(ae.ResourceId) != "dup" || aws.ToString(ae.ResourceArn) != jobARN+"dup" {
		t.Errorf("ResourceAlreadyExistsException = %q, resourceId %q, resourceArn %q", ae.ErrorMessage(), aws.ToString(ae.ResourceId), aws.ToString(ae.ResourceArn))
	}
	if doc := e.document(t, "dup", true); doc != `{"first":true}` {
		t.Errorf("the refused duplicate changed the job: %s", doc)
	}

	ghost := aws.String("ghost")
	_, err1 := e.client.DescribeJob(e.ctx, &iot.DescribeJobInput{JobId: ghost})
	_, err2 := e.client.GetJobDocument(e.ctx, &iot.GetJobDocumentInput{JobId: ghost})
	_, err3 := e.client.GetJobDocument(e.ctx, &iot.GetJobDocumentInput{JobId: ghost, BeforeSubstitution: true})
	_, err4 := e.client.DeleteJob(e.ctx, &iot.DeleteJobInput{JobId: ghost, Force: true})
	for i, err := range []error{err1, err2, err3, err4} {
		var nf *types.ResourceNotFoundException
		if !errors.As(err, &nf) {
			t.Errorf("call %d on an unknown job = %v, want ResourceNotFoundException", i+1, err)
			continue
		}
		apiError(t, err, "ResourceNotFoundException", http.StatusNotFound)
		if nf.ErrorMessage() != "Job ghost does not exist." {
			t.Errorf("message %q", nf.ErrorMessage())
		}
	}
	// A jobId that breaks the model's pattern is refused before any lookup.
	_, err = e.client.DescribeJob(e.ctx, &iot.DescribeJobInput{JobId: aws.String("no such")})
	var ire *types.InvalidRequestException
	if !errors.As(err, &ire) || !strings.Contains(ire.ErrorMessage(), "'jobId'") {
		t.Errorf("DescribeJob of a malformed id = %v", err)
	}
}

// TestListJobs pages with the SDK's paginator and checks filters and tokens.
func TestListJobs(t *testing.T) {
	e := newJobsEnv(t)
	for _, id := range []string{"job-c", "job-a", "job-e", "job-b", "job-d"} {
		e.createJob(t, &iot.CreateJobInput{JobId: aws.String(id), Document: aws.String(`{}`)})
	}
	var ids []string
	pages := 0
	p := iot.NewListJobsPaginator(e.client, &iot.ListJobsInput{MaxResults: aws.Int32(2), Status: types.JobStatusInProgress, TargetSelection: types.TargetSelectionSnapshot})
	for p.HasMorePages() {
		out := must[*iot.ListJobsOutput](t)(p.NextPage(e.ctx))
		pages++
		if len(out.Jobs) > 2 {
			t.Fatalf("page of %d jobs, maxResults 2", len(out.Jobs))
		}
		for _, s := range out.Jobs {
			ids = append(ids, aws.ToString(s.JobId))
			if aws.ToString(s.JobArn) != jobARN+aws.ToString(s.JobId) || s.Status != types.JobStatusInProgress || s.TargetSelection != types.TargetSelectionSnapshot ||
				s.CreatedAt == nil || !s.CreatedAt.Equal(e.now) || s.LastUpdatedAt == nil || !s.LastUpdatedAt.Equal(e.now) {
				t.Errorf("summary = %+v", s)
			}
		}
	}
	if want := []string{"job-a", "job-b", "job-c", "job-d", "job-e"}; !slices.Equal(ids, want) || pages != 3 {
		t.Errorf("listed %v in %d pages, want %v in 3", ids, pages, want)
	}
	all := must[*iot.ListJobsOutput](t)(e.client.ListJobs(e.ctx, &iot.ListJobsInput{}))
	if len(all.Jobs) != 5 || all.NextToken != nil {
		t.Errorf("default page: %d jobs, nextToken %v", len(all.Jobs), all.NextToken)
	}
	for _, in := range []*iot.ListJobsInput{{Status: types.JobStatusCompleted}, {TargetSelection: types.TargetSelectionContinuous}} {
		if out := must[*iot.ListJobsOutput](t)(e.client.ListJobs(e.ctx, in)); len(out.Jobs) != 0 {
			t.Errorf("ListJobs(%+v) = %d jobs, want none", in, len(out.Jobs))
		}
	}

	pkgs := must[*iot.ListPackagesOutput](t)(e.client.ListPackages(e.ctx, &iot.ListPackagesInput{MaxResults: aws.Int32(1)}))
	for name, in := range map[string]*iot.ListJobsInput{
		"forged token":            {NextToken: aws.String("forged")},
		"another list's token":    {NextToken: pkgs.NextToken},
		"maxResults 251":          {MaxResults: aws.Int32(251)},
		"maxResults 0":            {MaxResults: aws.Int32(0)},
		"unknown status":          {Status: "RUNNING"},
		"thing group filter":      {ThingGroupName: aws.String("g")},
		"namespaceId (no spaces)": {NamespaceId: aws.String("ns")},
	} {
		_, err := e.client.ListJobs(e.ctx, in)
		errorAs[*types.InvalidRequestException](t, err, "ListJobs with "+name)
	}
}

// TestDeleteJob: an IN_PROGRESS job is deleted only with force, as on AWS.
func TestDeleteJob(t *testing.T) {
	e := newJobsEnv(t)
	e.createJob(t, &iot.CreateJobInput{JobId: aws.String("del"), Document: aws.String(`{}`)})
	_, err := e.client.DeleteJob(e.ctx, &iot.DeleteJobInput{JobId: aws.String("del")})
	iste := errorAs[*types.InvalidStateTransitionException](t, err, "DeleteJob without force")
	apiError(t, err, "InvalidStateTransitionException", http.StatusConflict)
	if iste.ErrorMessage() != "Job del is IN_PROGRESS; set force to true to delete a job that is not in a terminal state." {
		t.Errorf("message %q", iste.ErrorMessage())
	}
	e.describe(t, "del", false) // still there

	must[*iot.DeleteJobOutput](t)(e.client.DeleteJob(e.ctx, &iot.DeleteJobInput{JobId: aws.String("del"), Force: true}))
	_, err = e.client.DescribeJob(e.ctx, &iot.DescribeJobInput{JobId: aws.String("del")})
	errorAs[*types.ResourceNotFoundException](t, err, "DescribeJob after delete")
	if out := must[*iot.ListJobsOutput](t)(e.client.ListJobs(e.ctx, &iot.ListJobsInput{})); len(out.Jobs) != 0 {
		t.Errorf("deleted job still listed: %+v", out.Jobs)
	}
	// The id can be used again.
	e.createJob(t, &iot.CreateJobInput{JobId: aws.String("del"), Document: aws.String(`{"again":true}`)})
	if doc := e.document(t, "del", false); doc != `{"again":true}` {
		t.Errorf("re-created job's document = %s", doc)
	}
	resp := e.raw("DELETE", "/jobs/del?force=true", nil, signed)
	if resp.status != http.StatusOK || len(resp.body) != 0 {
		t.Errorf("DeleteJob answered %d %q, want 200 with an empty body", resp.status, resp.body)
	}
}

// TestJobWire sends what the SDK would not, and checks the error shapes of the job routes.
func TestJobWire(t *testing.T) {
	e := newJobsEnv(t)
	tests := []struct {
		name, method, path, body string
		status                   int
		errType, message         string
	}{
		{"expiresInSec as a string", "PUT", "/jobs/j1", `{"document":"{}","targets":["t"],"presignedUrlConfig":{"roleArn":"` + presignRole + `","expiresInSec":"60"}}`,
			400, "InvalidRequestException", "Value at 'presignedUrlConfig.expiresInSec' failed to satisfy constraint: Member must be of type long, not a JSON string"},
		{"expiresInSec a fraction", "PUT", "/jobs/j1", `{"document":"{}","targets":["t"],"presignedUrlConfig":{"roleArn":"` + presignRole + `","expiresInSec":60.5}}`,
			400, "InvalidRequestException", "presignedUrlConfig.expiresInSec"},
		{"targets not a list", "PUT", "/jobs/j1", `{"document":"{}","targets":"t"}`, 400, "InvalidRequestException", "'targets'"},
		{"malformed JSON", "PUT", "/jobs/j1", `{"document":`, 400, "InvalidRequestException", "not valid JSON"},
		{"no targets", "PUT", "/jobs/j1", `{"document":"{}"}`, 400, "InvalidRequestException", "'targets'"},
		{"bad jobId", "PUT", "/jobs/bad%20id", `{"document":"{}","targets":["t"]}`, 400, "InvalidRequestException", "'jobId'"},
		{"timeoutConfig", "PUT", "/jobs/j1", `{"document":"{}","targets":["t"],"timeoutConfig":{"inProgressTimeoutInMinutes":5}}`,
			400, "InvalidRequestException", "1 validation error detected: timeoutConfig is not supported by this server (it runs no job executions)"},
		{"null unsupported member is absent", "PUT", "/jobs/j2", `{"document":"{}","targets":["t"],"timeoutConfig":null,"Document":5}`, 200, "", ""},
		{"beforeSubstitution not a boolean", "GET", "/jobs/j2?beforeSubstitution=maybe", ``,
			400, "InvalidRequestException", "Value 'maybe' at 'beforeSubstitution' failed to satisfy constraint: Member must be a boolean (true or false)"},
		{"force not a boolean", "DELETE", "/jobs/j2?force=1", ``, 400, "InvalidRequestException", "'force'"},
		{"DeleteJob namespaceId", "DELETE", "/jobs/j2?force=true&namespaceId=ns", ``, 400, "InvalidRequestException", "namespaceId is not supported by this server (it has no job namespaces)"},
		{"maxResults not a number", "GET", "/jobs?maxResults=ten", ``, 400, "InvalidRequestException", "maxResults"},
		{"empty nextToken", "GET", "/jobs?nextToken=", ``, 400, "InvalidRequestException", "nextToken"},
		{"empty status", "GET", "/jobs?status=", ``, 400, "InvalidRequestException", "status"},
		{"unknown job operation", "POST", "/jobs/j2/cancel", `{}`, 404, "UnknownOperationException", ""},
		{"unknown method", "POST", "/jobs/j2", `{}`, 404, "UnknownOperationException", "method POST"},
		{"beforeSubstitution TRUE", "GET", "/jobs/j2/job-document?beforeSubstitution=TRUE", ``, 200, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := e.raw(tt.method, tt.path, []byte(tt.body), signed)
			if resp.status != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.status, tt.status, resp.body)
			}
			if tt.errType == "" {
				return
			}
			checkAWSShape(t, resp)
			if resp.json["__type"] != tt.errType {
				t.Errorf("error %v, want %s", resp.json["__type"], tt.errType)
			}
			if msg, _ := resp.json["message"].(string); !strings.Contains(msg, tt.message) {
				t.Errorf("message %q does not contain %q", msg, tt.message)
			}
		})
	}

	// The conflict body carries the members ResourceAlreadyExistsException models.
	resp := e.raw("PUT", "/jobs/j2", []byte(`{"document":"{}","targets":["t"]}`), signed)
	checkAWSShape(t, resp)
	if resp.status != http.StatusConflict || resp.json["resourceId"] != "j2" || resp.json["resourceArn"] != jobARN+"j2" {
		t.Errorf("duplicate: %d %s", resp.status, resp.body)
	}
	// SigV4 applies to the job routes as to every route.
	for _, r := range []struct{ method, path string }{{"GET", "/jobs"}, {"GET", "/jobs/j2"}, {"PUT", "/jobs/j3"}, {"DELETE", "/jobs/j2?force=true"}} {
		resp := e.raw(r.method, r.path, []byte(`{}`), nil)
		if resp.status != http.StatusForbidden || resp.json["__type"] != "MissingAuthenticationTokenException" {
			t.Errorf("unsigned %s %s: %d %s", r.method, r.path, resp.status, resp.body)
		}
	}
	_, err := e.newClient("test", "wrong", "us-east-1").GetJobDocument(e.ctx, &iot.GetJobDocumentInput{JobId: aws.String("j2")})
	apiError(t, err, "InvalidSignatureException", http.StatusForbidden)
	e.describe(t, "j2", false) // the unsigned DELETE did nothing
}

// TestJobsOff: without Config.Jobs the job paths are unknown operations, as before.
func TestJobsOff(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	_, err := e.client.DescribeJob(ctx, &iot.DescribeJobInput{JobId: aws.String("j")})
	apiError(t, err, "UnknownOperationException", http.StatusNotFound)
	_, err = e.client.CreateJob(ctx, &iot.CreateJobInput{JobId: aws.String("j"), Document: aws.String(`{}`), Targets: jobTargets})
	apiError(t, err, "UnknownOperationException", http.StatusNotFound)
	_, err = e.client.ListJobs(ctx, &iot.ListJobsInput{})
	apiError(t, err, "UnknownOperationException", http.StatusNotFound)
}

// TestJobInternalErrors: a store that fails gives InternalFailureException (500), which the
// job operations' model does not list, so it arrives as a generic API error with that code,
// without the store's error text.
func TestJobInternalErrors(t *testing.T) {
	e := newJobsEnv(t)
	e.createJob(t, &iot.CreateJobInput{JobId: aws.String("j"), Document: aws.String(`{}`)})
	e.store.Close()
	_, err := e.client.GetJobDocument(e.ctx, &iot.GetJobDocumentInput{JobId: aws.String("j")})
	ae := apiError(t, err, "InternalFailureException", http.StatusInternalServerError)
	if ae.ErrorMessage() != sbomcat.ErrMessage(errors.New("x")) {
		t.Errorf("internal error text leaked: %q", ae.ErrorMessage())
	}
}

// TestJobGarbageNeverFails throws random bodies and query strings at the job operations:
// whatever comes back is a well-formed AWS answer below 500.
func TestJobGarbageNeverFails(t *testing.T) {
	e := newJobsEnv(t)
	e.createJob(t, &iot.CreateJobInput{JobId: aws.String("j"), Document: aws.String(`{}`)})
	rng := rand.New(rand.NewPCG(3, 4))
	paths := []route{
		{"PUT", "/jobs/j"}, {"PUT", "/jobs/k"}, {"GET", "/jobs/j"}, {"GET", "/jobs/j/job-document"}, {"GET", "/jobs"}, {"DELETE", "/jobs/k"},
	}
	fragments := []string{`{`, `}`, `[`, `]`, `"`, `:`, `,`, `null`, `true`, `1e999`, `-0`, `"\u0000"`, `"\ud800"`,
		`{"document":`, `"{\"a\":\"${aws:iot:package:TestPackage:version:$default:attributes}\"}"`, `"${aws:iot:package::version::`,
		`{"presignedUrlConfig":`, `{"expiresInSec":`, `9223372036854775808`, `{"roleArn":`, `"targets":["t"]`,
		`{"destinationPackageVersions":`, `["arn:aws:iot:us-east-1:000000000000:package/TestPackage/version/$default"]`, "\xff\xfe"}
	queries := []string{"", "?beforeSubstitution=true", "?beforeSubstitution=", "?force=true", "?force=yes",
		"?maxResults=99999999999999999999", "?nextToken=%00", "?status=&targetSelection=", "?namespaceId=x"}
	e.garbage(t, rng, 300, paths, fragments, queries)
}
