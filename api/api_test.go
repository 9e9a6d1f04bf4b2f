package api_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	"github.com/aws/aws-sdk-go-v2/service/iot/types"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/catalog"
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
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("GetPackage after delete: %v", err)
	}
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
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("GetPackageVersion after delete: %v", err)
	}
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
				var ce *types.ConflictException
				if !errors.As(err, &ce) {
					t.Fatalf("err = %v, want ConflictException", err)
				}
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
	var ise *types.InternalServerException
	if !errors.As(err, &ise) {
		t.Fatalf("Associate with a refusing queue: %v", err)
	}
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
	var ife *types.InternalFailureException
	if !errors.As(err, &ife) {
		t.Errorf("ListTagsForResource on a closed store: %v", err)
	}
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
	var ce *types.ConflictException
	if !errors.As(err, &ce) {
		t.Errorf("retry after the token expired: %v, want ConflictException (the package exists)", err)
	}
}
