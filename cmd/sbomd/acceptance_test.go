package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	iottypes "github.com/aws/aws-sdk-go-v2/service/iot/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/sbomcat/sbomcat/dynamodb"
	"github.com/sbomcat/sbomcat/internal/testkit"
	"github.com/sbomcat/sbomcat/queue"
	"github.com/sbomcat/sbomcat/worker/workertest"
)

// A built sbomd on the AWS services, emulated: attempts that survive kill -9 and the invariants
// of the DynamoDB store under many concurrent SDK clients (the acceptance tests of issue 16),
// and the catalog, queue and SBOMs all kept outside sbomd (TestExternalServices).

// stormFor is how long the concurrent clients run; the acceptance run by hand is 45 s:
//
//	go test ./cmd/sbomd -run TestDynamoDBStorm -storm.duration 45s -v
var stormFor = flag.Duration("storm.duration", 3*time.Second, "how long TestDynamoDBStorm's clients run")

// catalogTable starts dynalite with the table "catalog" (dynamodb.Store.CreateTable), and returns
// dynalite's URL.
func catalogTable(t *testing.T) string {
	t.Helper()
	url := workertest.StartDynamoDB(t).URL
	if err := dynamodb.New(ddb.NewFromConfig(testkit.SDKConfig(url)), "catalog").CreateTable(context.Background()); err != nil {
		t.Fatal(err)
	}
	return url
}

// TestAttemptsSurviveKill: an SBOM whose every validation attempt stops the process (here the
// object's download hangs, and the process is killed with SIGKILL while it hangs, as an
// out-of-memory kill would) is attempted at most the maximum number of times across restarts;
// the start after the last one records FAILED, saying validation could not complete after that
// many attempts, without trying again.
func TestAttemptsSurviveKill(t *testing.T) {
	testkit.SkipShort(t, "starts sbomd several times")
	ctx := context.Background()
	s3srv := workertest.StartS3(t)
	s3srv.CreateBucket(t, "sboms")
	obj := s3srv.Put(t, "sboms", "fw/sbom.cdx.json", []byte(testkit.CycloneDXValid))
	// Every GET of the object hangs until the client goes away: each attempt is in progress
	// (counted in the store) when the process is killed. started announces each.
	started := make(chan struct{}, 16)
	var gets atomic.Int64
	hang := func(r *http.Request) (int, string) {
		if r.Method != http.MethodGet || !strings.Contains(r.URL.Path, "sbom.cdx.json") {
			return 0, ""
		}
		gets.Add(1)
		started <- struct{}{}
		<-r.Context().Done()
		return http.StatusServiceUnavailable, "SlowDown"
	}
	s3srv.Fault.Store(&hang)

	dataDir := t.TempDir()
	env := workertest.AWSEnv("AWS_ENDPOINT_URL_S3="+s3srv.URL, "SBOMCAT_S3_USE_PATH_STYLE=true")
	max := queue.DefaultMaxReceiveCount
	for attempt := 1; attempt <= max; attempt++ {
		p := startProc(t, "127.0.0.1:0", dataDir, env, "--s3", "external")
		if attempt == 1 {
			_, c := testkit.Clients(p.URL)
			if _, err := c.CreatePackage(ctx, &iot.CreatePackageInput{PackageName: aws.String("fw")}); err != nil {
				t.Fatal(err)
			}
			if _, err := c.CreatePackageVersion(ctx, &iot.CreatePackageVersionInput{PackageName: aws.String("fw"), VersionName: aws.String("1.0")}); err != nil {
				t.Fatal(err)
			}
			if _, err := c.AssociateSbomWithPackageVersion(ctx, &iot.AssociateSbomWithPackageVersionInput{PackageName: aws.String("fw"), VersionName: aws.String("1.0"),
				Sbom: &iottypes.Sbom{S3Location: &iottypes.S3Location{Bucket: aws.String("sboms"), Key: aws.String("fw/sbom.cdx.json"), Version: aws.String(obj)}}}); err != nil {
				t.Fatal(err)
			}
		}
		select {
		case <-started:
		case <-time.After(deadline):
			t.Fatalf("attempt %d did not start within %s:\n%s", attempt, deadline, p.Logs)
		}
		p.Kill()
	}

	// The next start finds the attempts used up: FAILED, no further download.
	p := startProc(t, "127.0.0.1:0", dataDir, env, "--s3", "external")
	_, c := testkit.Clients(p.URL)
	if got := testkit.WaitValidated(t, c, "fw", "1.0"); got != iottypes.SbomValidationStatusFailed {
		t.Fatalf("status %s, want FAILED\n%s", got, p.Logs)
	}
	r := results(t, c, "fw", "1.0")
	want := fmt.Sprintf("could not complete after %d attempts", max)
	if len(r) != 1 || !strings.Contains(aws.ToString(r["sbom.cdx.json"].ErrorMessage), want) {
		t.Errorf("results %+v, want one for sbom.cdx.json saying %q", r, want)
	}
	if n := len(started); n != 0 {
		t.Errorf("%d more downloads after the attempts were used up, want none", n)
	}
	if n := gets.Load(); n != int64(max) {
		t.Errorf("%d downloads in all, want %d (one per attempt)", n, max)
	}
}

// TestDynamoDBStorm: sbomd on a DynamoDB table (dynalite) under 50 concurrent SDK clients that
// create, delete, publish, associate, disassociate and set default versions on a few shared
// names for -storm.duration. No request gets a 5xx or takes 30 s; every error is one a client
// may get for that call; once the load stops, nothing stays IN_PROGRESS and the invariants
// hold as the API shows them.
func TestDynamoDBStorm(t *testing.T) {
	testkit.SkipShort(t, "starts dynalite")
	ctx := context.Background()
	dynamoURL := catalogTable(t)
	p := startProc(t, "127.0.0.1:0", t.TempDir(), workertest.AWSEnv("AWS_ENDPOINT_URL_DYNAMODB="+dynamoURL), "--table", "catalog")
	s3c := testkit.S3Client(p.URL)
	testkit.CreateVersionedBucket(t, s3c, "sboms")
	put, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("sboms"), Key: aws.String("sbom.cdx.json"), Body: strings.NewReader(testkit.CycloneDXValid)})
	if err != nil {
		t.Fatal(err)
	}
	st := &apiStorm{t: t, obj: aws.ToString(put.VersionId)}
	end := time.Now().Add(*stormFor)
	var wg sync.WaitGroup
	for i := range 50 {
		// One SDK client each, without retries, so that every error is seen as sent.
		c := iot.NewFromConfig(testkit.SDKConfig(p.URL), func(o *iot.Options) { o.RetryMaxAttempts = 1 })
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(i), uint64(time.Now().UnixNano())))
			for time.Now().Before(end) && !t.Failed() {
				st.round(ctx, c, r)
			}
		})
	}
	wg.Wait()
	t.Logf("%d requests by 50 clients in %s; slowest %s", st.calls.Load(), *stormFor, time.Duration(st.slowest.Load()))
	_, c := testkit.Clients(p.URL)
	checkAPIInvariants(t, c)
	if t.Failed() {
		for line := range strings.Lines(p.Logs.String()) {
			if strings.Contains(line, `"level":"ERROR"`) {
				t.Log(strings.TrimSpace(line))
			}
		}
	}
}

var (
	stormPackages = []string{"p0", "p1", "p2"}
	stormVersions = []string{"v0", "v1", "v2", "v3"}
)

// apiStorm is the state the storm's clients share.
type apiStorm struct {
	t       *testing.T
	obj     string
	calls   atomic.Int64
	slowest atomic.Int64
}

// round makes one random call on a shared name and checks how it ended.
func (st *apiStorm) round(ctx context.Context, c *iot.Client, r *rand.Rand) {
	pkg := aws.String(stormPackages[r.IntN(len(stormPackages))])
	ver := aws.String(stormVersions[r.IntN(len(stormVersions))])
	start := time.Now()
	var err error
	var op string
	switch r.IntN(9) {
	case 0:
		op = "CreatePackage"
		_, err = c.CreatePackage(ctx, &iot.CreatePackageInput{PackageName: pkg})
	case 1:
		op = "DeletePackage"
		_, err = c.DeletePackage(ctx, &iot.DeletePackageInput{PackageName: pkg})
	case 2:
		op = "CreatePackageVersion"
		_, err = c.CreatePackageVersion(ctx, &iot.CreatePackageVersionInput{PackageName: pkg, VersionName: ver})
	case 3:
		op = "DeletePackageVersion"
		_, err = c.DeletePackageVersion(ctx, &iot.DeletePackageVersionInput{PackageName: pkg, VersionName: ver})
	case 4:
		op = "UpdatePackageVersion"
		_, err = c.UpdatePackageVersion(ctx, &iot.UpdatePackageVersionInput{PackageName: pkg, VersionName: ver, Action: iottypes.PackageVersionActionPublish})
	case 5:
		op = "UpdatePackage(default)"
		_, err = c.UpdatePackage(ctx, &iot.UpdatePackageInput{PackageName: pkg, DefaultVersionName: ver})
	case 6:
		op = "UpdatePackage(unset)"
		_, err = c.UpdatePackage(ctx, &iot.UpdatePackageInput{PackageName: pkg, UnsetDefaultVersion: aws.Bool(true)})
	case 7:
		op = "AssociateSbomWithPackageVersion"
		_, err = c.AssociateSbomWithPackageVersion(ctx, &iot.AssociateSbomWithPackageVersionInput{PackageName: pkg, VersionName: ver,
			Sbom: &iottypes.Sbom{S3Location: &iottypes.S3Location{Bucket: aws.String("sboms"), Key: aws.String("sbom.cdx.json"), Version: aws.String(st.obj)}}})
	case 8:
		op = "DisassociateSbomFromPackageVersion"
		_, err = c.DisassociateSbomFromPackageVersion(ctx, &iot.DisassociateSbomFromPackageVersionInput{PackageName: pkg, VersionName: ver})
	}
	took := time.Since(start)
	st.calls.Add(1)
	for old := st.slowest.Load(); int64(took) > old && !st.slowest.CompareAndSwap(old, int64(took)); old = st.slowest.Load() {
	}
	if took > 30*time.Second {
		st.t.Errorf("%s %s/%s took %s", op, *pkg, *ver, took)
	}
	clientError(st.t, op, err)
}

// clientError fails the test unless err is nil or an error a client may get from a race on
// shared names with the default limits: not found, conflict, or a refused precondition
// (ValidationException: a package that still has versions, a default version being deleted).
// A 5xx, a quota refusal or a transport error fails it.
func clientError(t *testing.T, op string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() >= 500 {
		t.Errorf("%s: %d: %v", op, re.HTTPStatusCode(), err)
		return
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "ResourceNotFoundException", "ConflictException", "ValidationException":
			return
		}
	}
	t.Errorf("%s: %v", op, err)
}

// checkAPIInvariants waits until no version is IN_PROGRESS, then checks through the API what
// must hold after any storm: a package is listed exactly when GetPackage finds it; a missing
// package has no versions; a default version exists and is published; a version with an SBOM
// has the status and the one result its object gets alone (the object is valid); a version
// without one has no status and no results.
func checkAPIInvariants(t *testing.T, c *iot.Client) {
	t.Helper()
	ctx := context.Background()
	listed := map[string]bool{}
	pages := iot.NewListPackagesPaginator(c, &iot.ListPackagesInput{})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range page.PackageSummaries {
			listed[aws.ToString(p.PackageName)] = true
		}
	}
	for _, pkg := range stormPackages {
		p, err := c.GetPackage(ctx, &iot.GetPackageInput{PackageName: aws.String(pkg)})
		if (err == nil) != listed[pkg] {
			t.Errorf("package %s: GetPackage error %v, listed %v", pkg, err, listed[pkg])
		}
		if err != nil {
			for _, ver := range stormVersions {
				if _, err := c.GetPackageVersion(ctx, &iot.GetPackageVersionInput{PackageName: aws.String(pkg), VersionName: aws.String(ver)}); !isCode(err, "ResourceNotFoundException") {
					t.Errorf("version %s/%s of a missing package: %v, want ResourceNotFoundException", pkg, ver, err)
				}
			}
			continue
		}
		if d := aws.ToString(p.DefaultVersionName); d != "" {
			v, err := c.GetPackageVersion(ctx, &iot.GetPackageVersionInput{PackageName: aws.String(pkg), VersionName: aws.String(d)})
			if err != nil || v.Status != iottypes.PackageVersionStatusPublished {
				t.Errorf("package %s: default version %s missing or not published: %v", pkg, d, err)
			}
		}
		for _, ver := range stormVersions {
			checkVersion(t, c, pkg, ver)
		}
	}
}

// checkVersion waits for a version's validation to end and checks its status and results.
func checkVersion(t *testing.T, c *iot.Client, pkg, ver string) {
	t.Helper()
	ctx := context.Background()
	end := time.Now().Add(time.Minute)
	for {
		v, err := c.GetPackageVersion(ctx, &iot.GetPackageVersionInput{PackageName: aws.String(pkg), VersionName: aws.String(ver)})
		if isCode(err, "ResourceNotFoundException") {
			return
		} else if err != nil {
			t.Fatalf("GetPackageVersion %s/%s: %v", pkg, ver, err)
		}
		if v.SbomValidationStatus == iottypes.SbomValidationStatusInProgress {
			if time.Now().After(end) {
				t.Errorf("%s/%s still IN_PROGRESS a minute after the load stopped", pkg, ver)
				return
			}
			time.Sleep(50 * time.Millisecond)
			continue
		}
		r := results(t, c, pkg, ver)
		if v.Sbom == nil {
			if v.SbomValidationStatus != "" || len(r) != 0 {
				t.Errorf("%s/%s without an SBOM: status %q, %d results", pkg, ver, v.SbomValidationStatus, len(r))
			}
			return
		}
		if v.SbomValidationStatus != iottypes.SbomValidationStatusSucceeded || len(r) != 1 ||
			r["sbom.cdx.json"].ValidationResult != iottypes.SbomValidationResultSucceeded {
			t.Errorf("%s/%s: status %s, results %+v; want SUCCEEDED with one result for sbom.cdx.json", pkg, ver, v.SbomValidationStatus, r)
		}
		return
	}
}

func isCode(err error, code string) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == code
}

// TestExternalServices: with --table, --queue-url and --s3 external, sbomd keeps the catalog in
// DynamoDB, hands associations to SQS and reads SBOMs and artifacts from another S3, all found
// through the SDK's standard AWS_ENDPOINT_URL_* variables (here dynalite, fauxqs and gofakes3).
// With --worker=false associations wait in the queue; with the worker, sbomd long-polls it.
func TestExternalServices(t *testing.T) {
	testkit.SkipShort(t, "starts emulators")
	ctx := context.Background()
	dynamoURL := catalogTable(t)
	sqsSrv := workertest.StartSQS(t)
	s3Srv := workertest.StartS3(t)
	q := sqsSrv.CreateQueue(t, "associations", 3, 30)
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
	s3c := testkit.S3Client(aws.ToString(c.Options().BaseEndpoint))
	if _, err := s3c.ListBuckets(ctx, &s3.ListBucketsInput{}); err == nil || !strings.Contains(err.Error(), "403") {
		t.Errorf("ListBuckets on sbomd with external S3: %v, want 403", err)
	}
}
