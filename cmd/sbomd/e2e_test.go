package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	iottypes "github.com/aws/aws-sdk-go-v2/service/iot/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/internal/sbomgen"
	"github.com/sbomcat/sbomcat/internal/testkit"
	"github.com/sbomcat/sbomcat/sqlite"
)

const presignRole = "arn:aws:iam::000000000000:role/iot-jobs-presign"

// e2e holds what the steps of TestEndToEnd share.
type e2e struct {
	t       *testing.T
	ctx     context.Context
	dataDir string
	s3      *s3.Client
	iot     *iot.Client
}

func (e *e2e) connect(p *proc) { e.s3, e.iot = testkit.Clients(p.URL) }

func (e *e2e) put(key string, body []byte) string {
	e.t.Helper()
	out, err := e.s3.PutObject(e.ctx, &s3.PutObjectInput{Bucket: aws.String("sboms"), Key: aws.String(key), Body: bytes.NewReader(body)})
	if err != nil {
		e.t.Fatalf("PutObject %s: %v", key, err)
	}
	if aws.ToString(out.VersionId) == "" {
		e.t.Fatalf("PutObject %s: no version id", key)
	}
	return aws.ToString(out.VersionId)
}

func (e *e2e) createVersion(pkg, version string, artifact *iottypes.S3Location) {
	e.t.Helper()
	if _, err := e.iot.CreatePackageVersion(e.ctx, &iot.CreatePackageVersionInput{PackageName: aws.String(pkg), VersionName: aws.String(version),
		Artifact: artifactOf(artifact)}); err != nil {
		e.t.Fatalf("CreatePackageVersion %s %s: %v", pkg, version, err)
	}
}

func artifactOf(loc *iottypes.S3Location) *iottypes.PackageVersionArtifact {
	if loc == nil {
		return nil
	}
	return &iottypes.PackageVersionArtifact{S3Location: loc}
}

func (e *e2e) associate(pkg, version, key, objVersion string) {
	e.t.Helper()
	out, err := e.iot.AssociateSbomWithPackageVersion(e.ctx, &iot.AssociateSbomWithPackageVersionInput{
		PackageName: aws.String(pkg), VersionName: aws.String(version),
		Sbom: &iottypes.Sbom{S3Location: &iottypes.S3Location{Bucket: aws.String("sboms"), Key: aws.String(key), Version: aws.String(objVersion)}},
	})
	if err != nil {
		e.t.Fatalf("AssociateSbomWithPackageVersion %s %s: %v", pkg, version, err)
	}
	if out.SbomValidationStatus != iottypes.SbomValidationStatusInProgress {
		e.t.Fatalf("associated %s %s: status %s, want IN_PROGRESS", pkg, version, out.SbomValidationStatus)
	}
}

func (e *e2e) get(key, version string) []byte {
	e.t.Helper()
	out, err := e.s3.GetObject(e.ctx, &s3.GetObjectInput{Bucket: aws.String("sboms"), Key: aws.String(key), VersionId: aws.String(version)})
	if err != nil {
		e.t.Fatalf("GetObject %s %s: %v", key, version, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return b
}

// storeStatus reads a version's SBOM status from the catalog file while no sbomd runs.
func (e *e2e) storeStatus(pkg, version string) sbomcat.ValidationStatus {
	e.t.Helper()
	st, err := sqlite.Open(e.ctx, filepath.Join(e.dataDir, sqlite.FileName))
	if err != nil {
		e.t.Fatal(err)
	}
	defer st.Close()
	v, err := st.GetVersion(e.ctx, pkg, version)
	if err != nil {
		e.t.Fatal(err)
	}
	return v.SBOMStatus
}

// jobArtifactURL creates a job (unless it exists) whose document asks for the artifact of a
// package version, and returns the presigned URL GetJobDocument puts in its place.
func (e *e2e) jobArtifactURL(jobID, pkg, version string, create bool) string {
	e.t.Helper()
	if create {
		_, err := e.iot.CreateJob(e.ctx, &iot.CreateJobInput{
			JobId:                      aws.String(jobID),
			Targets:                    []string{"arn:aws:iot:us-east-1:000000000000:thing/device-1"},
			Document:                   aws.String(`{"operation":"install","url":"${aws:iot:package:` + pkg + `:version:` + version + `:artifact-location:s3-presigned-url}"}`),
			DestinationPackageVersions: []string{"arn:aws:iot:us-east-1:000000000000:package/" + pkg + "/version/" + version},
			PresignedUrlConfig:         &iottypes.PresignedUrlConfig{RoleArn: aws.String(presignRole), ExpiresInSec: aws.Int64(600)},
		})
		if err != nil {
			e.t.Fatalf("CreateJob: %v", err)
		}
	}
	doc, err := e.iot.GetJobDocument(e.ctx, &iot.GetJobDocumentInput{JobId: aws.String(jobID)})
	if err != nil {
		e.t.Fatalf("GetJobDocument: %v", err)
	}
	var d struct{ Operation, URL string }
	if err := json.Unmarshal([]byte(aws.ToString(doc.Document)), &d); err != nil || d.Operation != "install" {
		e.t.Fatalf("job document %s: %v", aws.ToString(doc.Document), err)
	}
	u, err := url.Parse(d.URL)
	if err != nil || u.Query().Get("X-Amz-Algorithm") != "AWS4-HMAC-SHA256" || u.Query().Get("X-Amz-Expires") != "600" || u.Query().Get("X-Amz-Signature") == "" {
		e.t.Fatalf("artifact URL %q is not a SigV4 presigned URL valid for 600 s (%v)", d.URL, err)
	}
	return d.URL
}

// fetch GETs u with net/http, no credentials, as a device would.
func fetch(t testing.TB, u string) (int, []byte) {
	t.Helper()
	resp, b := testkit.Get(t, u)
	return resp.StatusCode, b
}

// TestEndToEnd starts sbomd as its own process and drives the whole service through the
// official Go SDK clients: a versioned bucket, SBOM uploads, packages, associations,
// validation results and a job's presigned artifact URL; then it kills sbomd in the middle
// of a validation, restarts it on the same data directory (once without a worker, once with
// one), and checks that nothing was lost and that the interrupted association completes.
// Last, sbomctl demo runs against the same process.
func TestEndToEnd(t *testing.T) {
	testkit.SkipShort(t, "builds and runs sbomd")
	_, sbomctl := binaries(t)
	e := &e2e{t: t, ctx: context.Background(), dataDir: t.TempDir()}
	spool := t.TempDir() // the worker's TMPDIR: a spool file there means a validation is under way
	p := startProc(t, "127.0.0.1:0", e.dataDir, []string{"TMPDIR=" + spool})
	addr := p.Addr // every restart binds the same address, as a service would
	e.connect(p)

	// Nothing unsigned gets through, whatever API its path belongs to.
	for _, r := range []struct{ method, path, body string }{
		{http.MethodGet, "/packages", ""},
		{http.MethodPut, "/packages/evil", `{}`},
		{http.MethodGet, "/", ""},
		{http.MethodPut, "/sboms", ""},
		{http.MethodGet, "/sboms/fw.zip", ""},
		{http.MethodPut, "/sboms/evil.json", testkit.CycloneDXValid},
	} {
		if status, body := unsignedStatus(t, r.method, p.URL+r.path, r.body); status != http.StatusForbidden {
			t.Errorf("unsigned %s %s: %d %s", r.method, r.path, status, body)
		}
	}

	// A versioned bucket; the first upload of a key and its next version.
	testkit.CreateVersionedBucket(t, e.s3, "sboms")
	if _, err := e.s3.HeadObject(e.ctx, &s3.HeadObjectInput{Bucket: aws.String("sboms"), Key: aws.String("evil.json")}); err == nil {
		t.Error("the unsigned PUT stored an object")
	}
	goodZip := testkit.Zip(t, "fw/app.cdx.json", testkit.CycloneDXValid, "fw/os.spdx.json", testkit.SPDXValid)
	mixedZip := testkit.Zip(t, "fw/app.cdx.json", testkit.CycloneDXValid, "fw/os.spdx.json", testkit.SPDXValid, "fw/radio.cdx.json", testkit.CycloneDXInvalid)
	v1 := e.put("gateway/sboms.zip", goodZip)
	v2 := e.put("gateway/sboms.zip", mixedZip)
	if v1 == v2 {
		t.Fatalf("two uploads, one version id %s", v1)
	}
	firmware1 := []byte("firmware image 1.0.0\x00\x01\x02")
	a1 := e.put("gateway/firmware.bin", firmware1)
	e.put("gateway/firmware.bin", []byte("a later firmware image, not the one the version names"))

	// A package; a version whose SBOM is all valid, one with an invalid file.
	if _, err := e.iot.CreatePackage(e.ctx, &iot.CreatePackageInput{PackageName: aws.String("gateway")}); err != nil {
		t.Fatal(err)
	}
	e.createVersion("gateway", "1.0.0", &iottypes.S3Location{Bucket: aws.String("sboms"), Key: aws.String("gateway/firmware.bin"), Version: aws.String(a1)})
	e.createVersion("gateway", "1.1.0", nil)
	e.associate("gateway", "1.0.0", "gateway/sboms.zip", v1)
	e.associate("gateway", "1.1.0", "gateway/sboms.zip", v2)
	if s := testkit.WaitValidated(t, e.iot, "gateway", "1.0.0"); s != iottypes.SbomValidationStatusSucceeded {
		t.Errorf("1.0.0: %s, want SUCCEEDED", s)
	}
	if s := testkit.WaitValidated(t, e.iot, "gateway", "1.1.0"); s != iottypes.SbomValidationStatusFailed {
		t.Errorf("1.1.0: %s, want FAILED", s)
	}
	checkResults := func() {
		t.Helper()
		r := results(t, e.iot, "gateway", "1.0.0")
		if len(r) != 2 || r["fw/app.cdx.json"].ValidationResult != iottypes.SbomValidationResultSucceeded || r["fw/os.spdx.json"].ValidationResult != iottypes.SbomValidationResultSucceeded {
			t.Errorf("1.0.0 results: %+v", r)
		}
		r = results(t, e.iot, "gateway", "1.1.0")
		bad := r["fw/radio.cdx.json"]
		if len(r) != 3 || r["fw/app.cdx.json"].ValidationResult != iottypes.SbomValidationResultSucceeded ||
			bad.ValidationResult != iottypes.SbomValidationResultFailed || bad.ErrorCode != iottypes.SbomValidationErrorCodeIncompatibleFormat ||
			!strings.Contains(aws.ToString(bad.ErrorMessage), "/components/0/purl") {
			t.Errorf("1.1.0 results: %+v (radio: %s)", r, aws.ToString(bad.ErrorMessage))
		}
	}
	checkResults()

	// A job: its document's artifact placeholder becomes a presigned URL of sbomd's own S3
	// endpoint, which a device fetches with plain HTTP and no credentials.
	if _, err := e.iot.UpdatePackageVersion(e.ctx, &iot.UpdatePackageVersionInput{PackageName: aws.String("gateway"), VersionName: aws.String("1.0.0"),
		Action: iottypes.PackageVersionActionPublish}); err != nil {
		t.Fatal(err)
	}
	artifactURL := e.jobArtifactURL("install-gateway", "gateway", "1.0.0", true)
	if status, body := fetch(t, artifactURL); status != http.StatusOK || !bytes.Equal(body, firmware1) {
		t.Errorf("artifact URL: %d %q, want the pinned version's bytes %q", status, body, firmware1)
	}
	if status, _ := fetch(t, strings.Replace(artifactURL, "X-Amz-Expires=600", "X-Amz-Expires=601", 1)); status != http.StatusForbidden {
		t.Errorf("tampered artifact URL: %d, want 403", status)
	}

	// A large SBOM, so that its validation is still running when sbomd is killed: the spool
	// file in the worker's TMPDIR shows the worker has taken it up.
	var big bytes.Buffer
	if err := sbomgen.CycloneDX(&big, 40<<20); err != nil {
		t.Fatal(err)
	}
	vBig := e.put("gateway/big.cdx.json", big.Bytes())
	e.createVersion("gateway", "2.0.0", nil)
	e.associate("gateway", "2.0.0", "gateway/big.cdx.json", vBig)
	end := time.Now().Add(deadline)
	for {
		if m, _ := filepath.Glob(filepath.Join(spool, "sbom-*.spool")); len(m) > 0 {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("the worker never took up the large SBOM:\n%s", p.Logs)
		}
		time.Sleep(time.Millisecond)
	}
	p.Kill()
	if s := e.storeStatus("gateway", "2.0.0"); s != sbomcat.StatusInProgress {
		t.Fatalf("after the kill, 2.0.0 is %s: the validation was not in flight, so the restart proves nothing", s)
	}

	// Restart without a worker: the API and S3 are back with everything, and an association
	// made now waits, durably, for a worker.
	p = startProc(t, addr, e.dataDir, nil, "--worker=false")
	e.connect(p)
	checkResults()
	e.createVersion("gateway", "3.0.0", nil)
	e.associate("gateway", "3.0.0", "gateway/sboms.zip", v1)
	if err := p.stop(); err != nil {
		t.Fatalf("stop: %v\n%s", err, p.Logs)
	}
	for _, v := range []string{"2.0.0", "3.0.0"} {
		if s := e.storeStatus("gateway", v); s != sbomcat.StatusInProgress {
			t.Fatalf("%s is %s with no worker running", v, s)
		}
	}

	// Restart with the worker: both associations complete, and everything else is as it was.
	p = startProc(t, addr, e.dataDir, nil)
	e.connect(p)
	if s := testkit.WaitValidated(t, e.iot, "gateway", "2.0.0"); s != iottypes.SbomValidationStatusSucceeded {
		t.Errorf("2.0.0 after restart: %s, want SUCCEEDED\n%s", s, p.Logs)
	}
	if r := results(t, e.iot, "gateway", "2.0.0"); len(r) != 1 || r["big.cdx.json"].ValidationResult != iottypes.SbomValidationResultSucceeded {
		t.Errorf("2.0.0 results: %+v", r)
	}
	if s := testkit.WaitValidated(t, e.iot, "gateway", "3.0.0"); s != iottypes.SbomValidationStatusSucceeded {
		t.Errorf("3.0.0 after restart: %s, want SUCCEEDED", s)
	}
	checkResults()
	if got := e.get("gateway/sboms.zip", v1); !bytes.Equal(got, goodZip) {
		t.Error("version 1 of sboms.zip changed across restarts")
	}
	if got := e.get("gateway/sboms.zip", v2); !bytes.Equal(got, mixedZip) {
		t.Error("version 2 of sboms.zip changed across restarts")
	}
	vers, err := e.s3.ListObjectVersions(e.ctx, &s3.ListObjectVersionsInput{Bucket: aws.String("sboms")})
	if err != nil || len(vers.Versions) != 5 {
		t.Errorf("ListObjectVersions after restarts: %d versions, %v; want 5", len(vers.Versions), err)
	}
	if vc, err := e.s3.GetBucketVersioning(e.ctx, &s3.GetBucketVersioningInput{Bucket: aws.String("sboms")}); err != nil || vc.Status != s3types.BucketVersioningStatusEnabled {
		t.Errorf("bucket versioning after restarts: %+v, %v", vc, err)
	}
	list, err := e.iot.ListPackageVersions(e.ctx, &iot.ListPackageVersionsInput{PackageName: aws.String("gateway")})
	if err != nil || len(list.PackageVersionSummaries) != 4 {
		t.Errorf("ListPackageVersions after restarts: %+v, %v", list, err)
	}
	// The URL presigned before the restarts still works (same key, same address), and the job
	// hands out fresh ones.
	if status, body := fetch(t, artifactURL); status != http.StatusOK || !bytes.Equal(body, firmware1) {
		t.Errorf("artifact URL from before the restarts: %d %q", status, body)
	}
	if status, body := fetch(t, e.jobArtifactURL("install-gateway", "gateway", "1.0.0", false)); status != http.StatusOK || !bytes.Equal(body, firmware1) {
		t.Errorf("artifact URL after the restarts: %d %q", status, body)
	}

	// sbomctl demo, the binary, against this sbomd.
	cmd := exec.Command(sbomctl, "demo", "--endpoint", p.URL)
	cmd.Env = testkit.HermeticEnv()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("sbomctl demo: %v\nstdout:\n%s\nstderr:\n%s", err, &stdout, &stderr)
	}
	for _, want := range []string{"validated   FAILED", "FILE", "RESULT", "ERROR CODE", "MESSAGE",
		"gateway-fw.cdx.json", "SUCCEEDED", "broken-radio.cdx.json", "FAILED", "INCOMPATIBLE_FORMAT", "every verdict as expected"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("sbomctl demo output lacks %q:\n%s", want, &stdout)
		}
	}
	if strings.Contains(p.Logs.String(), `"level":"ERROR"`) {
		t.Errorf("errors logged:\n%s", p.Logs)
	}
}

// cdxNTIA has every NTIA minimum element (docs/profiles.md); testkit.CycloneDXValid has none of the
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
	testkit.SkipShort(t, "builds and runs sbomd")
	e := &e2e{t: t, ctx: context.Background(), dataDir: t.TempDir()}
	// No worker at first: associations wait IN_PROGRESS in the catalog while a tag changes.
	p := startProc(t, "127.0.0.1:0", e.dataDir, nil, "--worker=false")
	e.connect(p)
	testkit.CreateVersionedBucket(t, e.s3, "sboms")
	bare, complete := e.put("bare.cdx.json", []byte(testkit.CycloneDXValid)), e.put("complete.cdx.json", []byte(cdxNTIA))

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
		t.Fatalf("stop: %v\n%s", err, p.Logs)
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
		if s := testkit.WaitValidated(t, e.iot, tc.pkg, tc.version); s != tc.status {
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
	if s := testkit.WaitValidated(t, e.iot, "retagged", "1.0.0"); s != iottypes.SbomValidationStatusSucceeded {
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
