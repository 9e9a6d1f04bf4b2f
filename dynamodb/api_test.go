package dynamodb_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	"github.com/aws/aws-sdk-go-v2/service/iot/types"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/api"
	"github.com/sbomcat/sbomcat/catalog"
	"github.com/sbomcat/sbomcat/internal/testkit"
	"github.com/sbomcat/sbomcat/jobs"
)

// apiClient serves the API configured so, and returns an SDK client for it that does not retry.
func apiClient(t *testing.T, cfg api.Config) *iot.Client {
	srv := httptest.NewServer(api.New(cfg))
	t.Cleanup(srv.Close)
	sdk := testkit.SDKConfig(srv.URL)
	sdk.RetryMaxAttempts = 1
	return iot.NewFromConfig(sdk)
}

// TestAPI runs the deployed stack, the API handler on the DynamoDB store, through the SDK: the
// operations whose storage differs most from SQLite (paging, association, tags, idempotency).
func TestAPI(t *testing.T) {
	store := newStore(t)
	c := apiClient(t, api.Config{Catalog: catalog.New(catalog.Config{Store: store})})
	ctx := context.Background()

	token := aws.String("11111111-2222-3333-4444-555555555555")
	for range 2 { // the retry with the same clientToken answers as the first call
		if _, err := c.CreatePackage(ctx, &iot.CreatePackageInput{PackageName: aws.String("fw"), Tags: map[string]string{"k": "v"}, ClientToken: token}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 5 {
		if _, err := c.CreatePackageVersion(ctx, &iot.CreatePackageVersionInput{PackageName: aws.String("fw"), VersionName: aws.String(fmt.Sprint("1.", i))}); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	p := iot.NewListPackageVersionsPaginator(c, &iot.ListPackageVersionsInput{PackageName: aws.String("fw"), MaxResults: aws.Int32(2)})
	for _, out := range testkit.Pages(t, p.HasMorePages, p.NextPage) {
		for _, s := range out.PackageVersionSummaries {
			names = append(names, aws.ToString(s.VersionName))
		}
	}
	if fmt.Sprint(names) != "[1.0 1.1 1.2 1.3 1.4]" {
		t.Errorf("versions %v", names)
	}

	if _, err := c.AssociateSbomWithPackageVersion(ctx, &iot.AssociateSbomWithPackageVersionInput{PackageName: aws.String("fw"), VersionName: aws.String("1.0"),
		Sbom: &types.Sbom{S3Location: &types.S3Location{Bucket: aws.String("b"), Key: aws.String("s.zip"), Version: aws.String("1")}}}); err != nil {
		t.Fatal(err)
	}
	pending, err := store.ListInProgress(ctx, 10)
	if err != nil || len(pending) != 1 {
		t.Fatalf("in progress: %v %v", pending, err)
	}
	if err := store.RecordValidation(ctx, sbomcat.Validation{AssociationID: pending[0].ID, PackageName: "fw", VersionName: "1.0",
		Results: []sbomcat.FileResult{{FileName: "a.json", Result: sbomcat.ResultSucceeded}}}); err != nil {
		t.Fatal(err)
	}
	gv, err := c.GetPackageVersion(ctx, &iot.GetPackageVersionInput{PackageName: aws.String("fw"), VersionName: aws.String("1.0")})
	if err != nil || gv.SbomValidationStatus != types.SbomValidationStatusSucceeded {
		t.Fatalf("after validation: %+v %v", gv, err)
	}
	res, err := c.ListSbomValidationResults(ctx, &iot.ListSbomValidationResultsInput{PackageName: aws.String("fw"), VersionName: aws.String("1.0")})
	if err != nil || len(res.ValidationResultSummaries) != 1 || aws.ToString(res.ValidationResultSummaries[0].FileName) != "a.json" {
		t.Fatalf("results %+v %v", res, err)
	}
	tags, err := c.ListTagsForResource(ctx, &iot.ListTagsForResourceInput{ResourceArn: aws.String("arn:aws:iot:us-east-1:000000000000:package/fw")})
	if err != nil || len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Key) != "k" {
		t.Fatalf("tags %+v %v", tags, err)
	}
	_, err = c.DeletePackage(ctx, &iot.DeletePackageInput{PackageName: aws.String("fw")})
	var ve *types.ValidationException
	if !errors.As(err, &ve) {
		t.Errorf("deleting a package with versions: %v", err)
	}
}

// TestJobsAPI runs the job operations on the deployed stack (API handler on DynamoDB), where a
// job's documents and body are separate attributes: the placeholder resolution, both views,
// paging across Query pages, the conflict and the forced delete.
func TestJobsAPI(t *testing.T) {
	store := newStore(t)
	c := apiClient(t, api.Config{Catalog: catalog.New(catalog.Config{Store: store}), Jobs: store.(jobs.Store)})
	ctx := context.Background()

	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(c.CreatePackage(ctx, &iot.CreatePackageInput{PackageName: aws.String("fw")}))
	must(c.CreatePackageVersion(ctx, &iot.CreatePackageVersionInput{PackageName: aws.String("fw"), VersionName: aws.String("1.0"), Attributes: map[string]string{"url": "https://x/fw-1.0.bin"}}))
	must(c.UpdatePackageVersion(ctx, &iot.UpdatePackageVersionInput{PackageName: aws.String("fw"), VersionName: aws.String("1.0"), Action: types.PackageVersionActionPublish}))
	must(c.UpdatePackage(ctx, &iot.UpdatePackageInput{PackageName: aws.String("fw"), DefaultVersionName: aws.String("1.0")}))

	doc := `{"url":"${aws:iot:package:fw:version:$default:attributes:url}"}`
	dests := []string{"arn:aws:iot:us-east-1:000000000000:package/fw/version/$default"}
	for i := range 5 {
		must(c.CreateJob(ctx, &iot.CreateJobInput{JobId: aws.String(fmt.Sprint("job-", i)), Document: aws.String(doc), DestinationPackageVersions: dests,
			Targets: []string{"arn:aws:iot:us-east-1:000000000000:thing/d"}}))
	}
	_, err := c.CreateJob(ctx, &iot.CreateJobInput{JobId: aws.String("job-0"), Document: aws.String(`{}`), Targets: []string{"t"}})
	var exists *types.ResourceAlreadyExistsException
	if !errors.As(err, &exists) || aws.ToString(exists.ResourceId) != "job-0" {
		t.Fatalf("duplicate CreateJob: %v", err)
	}

	after, err := c.GetJobDocument(ctx, &iot.GetJobDocumentInput{JobId: aws.String("job-3")})
	if err != nil || aws.ToString(after.Document) != `{"url":"https://x/fw-1.0.bin"}` {
		t.Fatalf("GetJobDocument = %v, %v", after, err)
	}
	before, err := c.GetJobDocument(ctx, &iot.GetJobDocumentInput{JobId: aws.String("job-3"), BeforeSubstitution: true})
	if err != nil || aws.ToString(before.Document) != doc {
		t.Fatalf("GetJobDocument(beforeSubstitution) = %v, %v", before, err)
	}
	d, err := c.DescribeJob(ctx, &iot.DescribeJobInput{JobId: aws.String("job-3")})
	if err != nil || fmt.Sprint(d.Job.DestinationPackageVersions) != "[arn:aws:iot:us-east-1:000000000000:package/fw/version/1.0]" {
		t.Fatalf("DescribeJob = %+v, %v", d, err)
	}

	var ids []string
	p := iot.NewListJobsPaginator(c, &iot.ListJobsInput{MaxResults: aws.Int32(2)})
	for _, out := range testkit.Pages(t, p.HasMorePages, p.NextPage) {
		for _, s := range out.Jobs {
			ids = append(ids, aws.ToString(s.JobId))
		}
	}
	if fmt.Sprint(ids) != "[job-0 job-1 job-2 job-3 job-4]" {
		t.Errorf("listed %v", ids)
	}

	must(c.DeleteJob(ctx, &iot.DeleteJobInput{JobId: aws.String("job-3"), Force: true}))
	_, err = c.DeleteJob(ctx, &iot.DeleteJobInput{JobId: aws.String("job-3"), Force: true})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("deleting a deleted job: %v", err)
	}
}
