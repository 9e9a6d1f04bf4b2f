package localstack

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	iottypes "github.com/aws/aws-sdk-go-v2/service/iot/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sbomcat/sbomcat/deploy"
	"github.com/sbomcat/sbomcat/internal/sbomgen"
	"github.com/sbomcat/sbomcat/internal/testkit"
	"github.com/sbomcat/sbomcat/worker/workertest"
)

// TestRunAgainstEmulators runs run.sh, unchanged but for the per-service endpoint variables,
// against standalone emulators on loopback ports (fauxqs, dynalite, cmd/s3server), then drives
// the whole flow through the official Go SDK: upload a zip of SBOMs as a new object version,
// create a package version, associate it through the API the script started, wait for the
// worker the script started to validate it, and page through the results. It then stops the
// script (which must stop its processes), runs it again on the same resources (its setup is
// idempotent and the catalog survives), and validates a second association.
func TestRunAgainstEmulators(t *testing.T) {
	testkit.SkipShort(t, "starts emulators, builds and runs the script's binaries")
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("run.sh needs bash")
	}
	ctx := context.Background()
	sqsSrv := workertest.StartSQS(t)
	ddbURL := workertest.StartDynamoDB(t).URL
	s3URL := startS3Server(t)
	apiAddr := testkit.FreeAddr(t)
	env := map[string]string{
		"AWS_ENDPOINT_URL_S3":       s3URL,
		"AWS_ENDPOINT_URL_SQS":      sqsSrv.URL,
		"AWS_ENDPOINT_URL_DYNAMODB": ddbURL,
		// Where the API listens and the script keeps its files: test settings, not code.
		"SBOMCAT_ADDR":      apiAddr,
		"SBOMCAT_STATE_DIR": t.TempDir(),
		// A stopped worker's long poll can outlive it on the SQS side (fauxqs, like SQS,
		// does not notice the closed connection) and take a message sent meanwhile, which
		// then stays invisible for the receive's visibility timeout. Short polls and a short
		// visibility keep the restart below from waiting on that; the worker's own settings,
		// passed through the script's environment.
		"SBOMCAT_WAIT_TIME":          "1s",
		"SBOMCAT_VISIBILITY_TIMEOUT": "5s",
	}

	s3c := testkit.S3Client(s3URL)
	iotc := iot.NewFromConfig(testkit.SDKConfig("http://" + apiAddr))

	script := startScript(t, env)
	script.waitReady(t, iotc)

	t.Run("resources are the template's", func(t *testing.T) {
		checkResources(t, s3c, sqsSrv.Client(), ddb.NewFromConfig(testkit.SDKConfig(ddbURL)))
	})

	first := []sbomFile{
		{"gateway.cdx.json", generated(t, sbomgen.CycloneDX), true},
		{"libs/openssl.spdx.json", []byte(`{"spdxVersion":"SPDX-2.3","dataLicense":"CC0-1.0","SPDXID":"SPDXRef-DOCUMENT","name":"openssl",` +
			`"documentNamespace":"https://example.com/spdx/openssl-3.0.13","creationInfo":{"created":"2025-03-14T09:26:53Z","creators":["Tool: test"]},` +
			`"packages":[{"SPDXID":"SPDXRef-Package-openssl","name":"openssl","versionInfo":"3.0.13","downloadLocation":"NOASSERTION","filesAnalyzed":false}]}`), true},
		{"radio.cdx.json", []byte(`{"bomFormat":"CycloneDX","specVersion":"1.5","version":1,"components":[{"type":"library","name":"radio","purl":7}]}`), false},
	}
	t.Run("associate and validate", func(t *testing.T) {
		validate(t, s3c, iotc, "gateway-fw", "1.0", first, iottypes.SbomValidationStatusFailed)
	})

	if err := script.stop(t); err != nil {
		t.Fatalf("run.sh exited with %v after SIGTERM, want 0:\n%s", err, script.out)
	}
	if c, err := net.Dial("tcp", apiAddr); err == nil {
		c.Close()
		t.Fatal("the API still answers after the script stopped")
	}
	if err := syscall.Kill(-script.cmd.Process.Pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Fatalf("processes of the script's group survive it (kill -0: %v)", err)
	}

	// Again, on the same resources: nothing is recreated, nothing is lost.
	script = startScript(t, env)
	script.waitReady(t, iotc)
	v, err := iotc.GetPackageVersion(ctx, &iot.GetPackageVersionInput{PackageName: aws.String("gateway-fw"), VersionName: aws.String("1.0")})
	if err != nil || v.SbomValidationStatus != iottypes.SbomValidationStatusFailed {
		t.Fatalf("after a restart: %v, %v; want the version and its FAILED status kept", v, err)
	}
	t.Run("validate after restart", func(t *testing.T) {
		validate(t, s3c, iotc, "gateway-fw", "1.1", first[:2], iottypes.SbomValidationStatusSucceeded)
	})
	if err := script.stop(t); err != nil {
		t.Fatalf("run.sh exited with %v after SIGTERM, want 0:\n%s", err, script.out)
	}
}

// TestRefusesWithoutEndpoints: run.sh never talks to real AWS.
func TestRefusesWithoutEndpoints(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("run.sh needs bash")
	}
	for _, env := range []map[string]string{
		{},
		{"AWS_ENDPOINT_URL_S3": "http://127.0.0.1:1", "AWS_ENDPOINT_URL_SQS": "http://127.0.0.1:1"},
	} {
		cmd := exec.Command("bash", "run.sh")
		cmd.Env = scriptEnv(env)
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 2 || !strings.Contains(string(out), "AWS_ENDPOINT_URL") {
			t.Errorf("env %v: %v %s; want exit 2 naming the endpoint variables", env, err, out)
		}
	}
}

type sbomFile struct {
	name    string
	content []byte
	valid   bool
}

func generated(t *testing.T, gen func(w io.Writer, size int64) error) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := gen(&b, 32<<10); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// validate uploads files as a zip, associates it with a new version of pkg and checks the
// worker's verdicts, reading the results one per page.
func validate(t *testing.T, s3c *s3.Client, iotc *iot.Client, pkg, version string, files []sbomFile, want iottypes.SbomValidationStatus) {
	ctx := context.Background()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		w, err := zw.Create(f.name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(f.content)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	key := pkg + "/" + version + "/sboms.zip"
	put, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("sboms"), Key: aws.String(key), Body: bytes.NewReader(buf.Bytes())})
	if err != nil {
		t.Fatalf("upload: %v", err)
	}
	if aws.ToString(put.VersionId) == "" {
		t.Fatal("the upload got no version id: the script's bucket is not versioned")
	}
	if _, err := iotc.CreatePackage(ctx, &iot.CreatePackageInput{PackageName: aws.String(pkg)}); err != nil {
		var conflict *iottypes.ConflictException
		if !errors.As(err, &conflict) {
			t.Fatalf("create package: %v", err)
		}
	}
	if _, err := iotc.CreatePackageVersion(ctx, &iot.CreatePackageVersionInput{PackageName: aws.String(pkg), VersionName: aws.String(version)}); err != nil {
		t.Fatalf("create package version: %v", err)
	}
	if _, err := iotc.AssociateSbomWithPackageVersion(ctx, &iot.AssociateSbomWithPackageVersionInput{
		PackageName: aws.String(pkg), VersionName: aws.String(version),
		Sbom: &iottypes.Sbom{S3Location: &iottypes.S3Location{Bucket: aws.String("sboms"), Key: aws.String(key), Version: put.VersionId}},
	}); err != nil {
		t.Fatalf("associate: %v", err)
	}
	if status := testkit.WaitValidated(t, iotc, pkg, version); status != want {
		t.Errorf("status %s, want %s", status, want)
	}
	got := map[string]iottypes.SbomValidationResult{}
	pages := iot.NewListSbomValidationResultsPaginator(iotc, &iot.ListSbomValidationResultsInput{
		PackageName: aws.String(pkg), VersionName: aws.String(version), MaxResults: aws.Int32(1)})
	n := 0
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			t.Fatalf("list results: %v", err)
		}
		n++
		for _, r := range page.ValidationResultSummaries {
			got[aws.ToString(r.FileName)] = r.ValidationResult
			if r.ValidationResult == iottypes.SbomValidationResultFailed && aws.ToString(r.ErrorMessage) == "" {
				t.Errorf("%s failed without a message", aws.ToString(r.FileName))
			}
		}
	}
	if n < len(files) {
		t.Errorf("%d pages of one result for %d files", n, len(files))
	}
	for _, f := range files {
		w := iottypes.SbomValidationResultSucceeded
		if !f.valid {
			w = iottypes.SbomValidationResultFailed
		}
		if got[f.name] != w {
			t.Errorf("%s: %q, want %s", f.name, got[f.name], w)
		}
	}
	if len(got) != len(files) {
		t.Errorf("results for %v, want one per file", got)
	}
}

// checkResources compares what the script created with template.yaml: a versioned bucket, the
// queue's redrive policy to its dead-letter queue, and the table's keys and indexes.
func checkResources(t *testing.T, s3c *s3.Client, sqsc *sqs.Client, ddbc *ddb.Client) {
	ctx := context.Background()
	v, err := s3c.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String("sboms")})
	if err != nil || v.Status != s3types.BucketVersioningStatusEnabled {
		t.Errorf("bucket versioning: %v %v", v, err)
	}

	tpl, err := deploy.Load("../../template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	vals := deploy.Values{Parameters: map[string]any{"SbomBuckets": []any{"sboms"}}}
	q, err := sqsc.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("sbomcat-associations")})
	if err != nil {
		t.Fatal(err)
	}
	dlq, err := sqsc.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("sbomcat-associations-dlq")})
	if err != nil {
		t.Fatal(err)
	}
	attrs := func(url *string) map[string]string {
		out, err := sqsc.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: url,
			AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameAll}})
		if err != nil {
			t.Fatal(err)
		}
		return out.Attributes
	}
	qa, da := attrs(q.QueueUrl), attrs(dlq.QueueUrl)
	var redrive struct {
		DeadLetterTargetArn string `json:"deadLetterTargetArn"`
		MaxReceiveCount     any    `json:"maxReceiveCount"`
	}
	if err := json.Unmarshal([]byte(qa["RedrivePolicy"]), &redrive); err != nil {
		t.Fatalf("redrive policy %q: %v", qa["RedrivePolicy"], err)
	}
	wantReceives := fmt.Sprint(tpl.Parameters["MaxReceiveCount"].Default)
	if redrive.DeadLetterTargetArn != da["QueueArn"] || fmt.Sprint(redrive.MaxReceiveCount) != wantReceives {
		t.Errorf("redrive policy %+v: want %s after %s receives (the template's default)", redrive, da["QueueArn"], wantReceives)
	}

	table, err := tpl.Resource("Table", vals)
	if err != nil {
		t.Fatal(err)
	}
	desc, err := ddbc.DescribeTable(ctx, &ddb.DescribeTableInput{TableName: aws.String("sbomcat")})
	if err != nil {
		t.Fatal(err)
	}
	keys := func(ks any) string {
		var parts []string
		for _, k := range ks.([]any) {
			m := k.(map[string]any)
			parts = append(parts, fmt.Sprint(m["AttributeName"], "/", m["KeyType"]))
		}
		return strings.Join(parts, ",")
	}
	sdkKeys := func(name string, ks []ddbtypes.KeySchemaElement) string {
		var parts []string
		for _, k := range ks {
			parts = append(parts, fmt.Sprint(aws.ToString(k.AttributeName), "/", k.KeyType))
		}
		return name + ":" + strings.Join(parts, ",")
	}
	want := []string{":" + keys(table["KeySchema"])}
	for _, g := range table["GlobalSecondaryIndexes"].([]any) {
		m := g.(map[string]any)
		want = append(want, fmt.Sprint(m["IndexName"])+":"+keys(m["KeySchema"]))
	}
	got := []string{sdkKeys("", desc.Table.KeySchema)}
	for _, g := range desc.Table.GlobalSecondaryIndexes {
		got = append(got, sdkKeys(aws.ToString(g.IndexName), g.KeySchema))
	}
	sort.Strings(want)
	sort.Strings(got)
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("table keys and indexes %v, template %v", got, want)
	}
}

// scriptProc is a running run.sh.
type scriptProc struct {
	cmd    *exec.Cmd
	out    *testkit.Buffer
	exited chan error
}

func scriptEnv(extra map[string]string) []string {
	// The test's own environment must not point the script elsewhere; where the tools are
	// installed it may say.
	env := testkit.HermeticEnv()
	if tools, ok := os.LookupEnv("SBOMCAT_TOOLS"); ok {
		env = append(env, "SBOMCAT_TOOLS="+tools)
	}
	for k, v := range extra {
		env = append(env, k+"="+v)
	}
	return env
}

func startScript(t *testing.T, env map[string]string) *scriptProc {
	t.Helper()
	cmd := exec.Command("bash", "run.sh")
	cmd.Env = scriptEnv(env)
	out := &testkit.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	// Its own process group, so that whatever it starts can be found and stopped.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &scriptProc{cmd: cmd, out: out, exited: make(chan error, 1)}
	go func() { s.exited <- cmd.Wait() }()
	t.Cleanup(func() {
		// Normally stopped by the test already; this is for a test that failed midway.
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-s.exited:
		case <-time.After(15 * time.Second):
		}
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		if t.Failed() {
			t.Logf("run.sh output:\n%s", out)
		}
	})
	return s
}

// waitReady waits until the API the script started answers, failing at once if the script
// exits. The bound is generous: the script may build its binaries first.
func (s *scriptProc) waitReady(t *testing.T, iotc *iot.Client) {
	t.Helper()
	deadline := time.Now().Add(4 * time.Minute)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err := iotc.ListPackages(ctx, &iot.ListPackagesInput{})
		cancel()
		if err == nil {
			return
		}
		select {
		case werr := <-s.exited:
			s.exited <- werr
			t.Fatalf("run.sh exited (%v) before the API answered:\n%s", werr, s.out)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("the API did not answer (last: %v):\n%s", err, s.out)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// stop sends SIGTERM to the script alone and returns its exit error.
func (s *scriptProc) stop(t *testing.T) error {
	t.Helper()
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.exited:
		s.exited <- err
		return err
	case <-time.After(60 * time.Second):
		t.Fatalf("run.sh did not stop within 60 s of SIGTERM:\n%s", s.out)
		return nil
	}
}

// startS3Server builds and runs cmd/s3server on a free loopback port until the test ends.
func startS3Server(t *testing.T) string {
	t.Helper()
	bin := testkit.Build(t, "../../cmd/s3server", "s3server")
	return testkit.StartServer(t, exec.Command(bin, "--addr", "127.0.0.1:0", "--data-dir", t.TempDir())).URL
}
