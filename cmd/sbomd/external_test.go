package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	iottypes "github.com/aws/aws-sdk-go-v2/service/iot/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sbomcat/sbomcat/dynamodb"
	"github.com/sbomcat/sbomcat/internal/testkit"
	"github.com/sbomcat/sbomcat/worker/workertest"
)

// TestExternalServices: with --table, --queue-url and --s3 external, sbomd keeps the catalog in
// DynamoDB, hands associations to SQS and reads SBOMs and artifacts from another S3, all found
// through the SDK's standard AWS_ENDPOINT_URL_* variables (here dynalite, fauxqs and gofakes3).
// With --worker=false associations wait in the queue; with the worker, sbomd long-polls it.
func TestExternalServices(t *testing.T) {
	testkit.SkipShort(t, "starts emulators")
	ctx := context.Background()
	dynamoURL := workertest.StartDynamoDB(t)
	sqsSrv := workertest.StartSQS(t)
	s3Srv := workertest.StartS3(t)
	q := sqsSrv.CreateQueue(t, "associations", 3, 30)
	if err := dynamodb.New(ddb.NewFromConfig(workertest.Config(dynamoURL)), "catalog").CreateTable(ctx); err != nil {
		t.Fatal(err)
	}
	s3Srv.CreateBucket(t, "sboms")
	vGood := s3Srv.Put(t, "sboms", "fw/sboms.zip", testkit.Zip(t, "a.cdx.json", testkit.CycloneDXValid, "b.spdx.json", testkit.SPDXValid))
	vBad := s3Srv.Put(t, "sboms", "fw/bad.json", []byte(testkit.CycloneDXInvalid))
	firmware := []byte("external firmware")
	vFw := s3Srv.Put(t, "sboms", "fw/firmware.bin", firmware)

	// The SDK reads these itself (config.LoadDefaultConfig), as it does in every AWS tool; shared
	// files are pointed away so that the machine's ~/.aws cannot interfere.
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL_DYNAMODB":   dynamoURL,
		"AWS_ENDPOINT_URL_SQS":        sqsSrv.URL,
		"AWS_ENDPOINT_URL_S3":         s3Srv.URL,
		"AWS_ENDPOINT_URL":            "",
		"AWS_ACCESS_KEY_ID":           workertest.AccessKey,
		"AWS_SECRET_ACCESS_KEY":       workertest.SecretKey,
		"AWS_SESSION_TOKEN":           "",
		"AWS_REGION":                  workertest.Region,
		"AWS_PROFILE":                 "",
		"AWS_CONFIG_FILE":             t.TempDir() + "/none",
		"AWS_SHARED_CREDENTIALS_FILE": t.TempDir() + "/none",
	} {
		t.Setenv(k, v)
	}
	env := map[string]string{"SBOMCAT_S3_USE_PATH_STYLE": "true"}
	args := []string{"--addr", "127.0.0.1:0", "--data-dir", t.TempDir(), "--table", "catalog", "--queue-url", q.URL, "--s3", "external"}

	associate := func(c *iot.Client, version, key, objVersion string) {
		t.Helper()
		if _, err := c.CreatePackageVersion(ctx, &iot.CreatePackageVersionInput{PackageName: aws.String("fw"), VersionName: aws.String(version),
			Artifact: &iottypes.PackageVersionArtifact{S3Location: &iottypes.S3Location{Bucket: aws.String("sboms"), Key: aws.String("fw/firmware.bin"), Version: aws.String(vFw)}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.AssociateSbomWithPackageVersion(ctx, &iot.AssociateSbomWithPackageVersionInput{PackageName: aws.String("fw"), VersionName: aws.String(version),
			Sbom: &iottypes.Sbom{S3Location: &iottypes.S3Location{Bucket: aws.String("sboms"), Key: aws.String(key), Version: aws.String(objVersion)}}}); err != nil {
			t.Fatal(err)
		}
	}

	// API only: the association is a message in the queue, and stays IN_PROGRESS.
	c, stop, logs := start(t, append(args, "--worker=false"), env, "test", "test", "us-east-1")
	if _, err := c.CreatePackage(ctx, &iot.CreatePackageInput{PackageName: aws.String("fw")}); err != nil {
		t.Fatal(err)
	}
	associate(c, "1.0", "fw/sboms.zip", vGood)
	if visible, _ := sqsSrv.Counts(t, q.URL); visible != 1 {
		t.Errorf("%d messages in the queue, want 1", visible)
	}
	if err := stop(); err != nil {
		t.Fatalf("stop: %v\n%s", err, logs)
	}

	// With the worker: the queued association and a new one are validated from the external S3
	// and recorded in DynamoDB.
	c, _, logs = start(t, args, env, "test", "test", "us-east-1")
	associate(c, "2.0", "fw/bad.json", vBad)
	for version, want := range map[string]iottypes.SbomValidationStatus{"1.0": iottypes.SbomValidationStatusSucceeded, "2.0": iottypes.SbomValidationStatusFailed} {
		if got := testkit.WaitValidated(t, c, "fw", version); got != want {
			t.Errorf("%s: %s, want %s\n%s", version, got, want, logs)
		}
	}
	if r := results(t, c, "fw", "2.0"); r["bad.json"].ErrorCode != iottypes.SbomValidationErrorCodeIncompatibleFormat {
		t.Errorf("2.0 results: %+v", r)
	}
	sqsSrv.WaitDrained(t, q.URL, 30*time.Second)

	// Artifact URLs are presigned for the external S3.
	if _, err := c.UpdatePackageVersion(ctx, &iot.UpdatePackageVersionInput{PackageName: aws.String("fw"), VersionName: aws.String("1.0"), Action: iottypes.PackageVersionActionPublish}); err != nil {
		t.Fatal(err)
	}
	e := &e2e{t: t, ctx: ctx, iot: c}
	u := e.jobArtifactURL("ext", "fw", "1.0", true)
	if !strings.HasPrefix(u, s3Srv.URL+"/sboms/fw/firmware.bin?") {
		t.Errorf("artifact URL %s is not on the external S3 %s", u, s3Srv.URL)
	}
	if status, body := fetch(t, u); status != http.StatusOK || string(body) != string(firmware) {
		t.Errorf("artifact URL: %d %q", status, body)
	}

	// S3 is not served here: a request signed for s3 is refused like any other non-IoT one.
	s3c, _ := testkit.Clients(aws.ToString(c.Options().BaseEndpoint))
	if _, err := s3c.ListBuckets(ctx, &s3.ListBucketsInput{}); err == nil || !strings.Contains(err.Error(), "403") {
		t.Errorf("ListBuckets on sbomd with external S3: %v, want 403", err)
	}
}
