package jobs_test

import (
	"context"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/jobs"
	"github.com/sbomcat/sbomcat/jobs/s3presign"
	"github.com/sbomcat/sbomcat/sqlite"
	"github.com/sbomcat/sbomcat/worker/workertest"
)

// The catalog every test starts from.
//
//	TestPackage  1.0.0  PUBLISHED   attributes, artifact = firmware.bin version 1   (default)
//	             1.0.2  PUBLISHED   attributes, artifact = firmware.bin version 2
//	             0.9.0  DEPRECATED  one attribute, no artifact
//	             2.0.0  DRAFT
//	Plain        1.0    PUBLISHED   no attributes, no artifact; no default version
//	Other        3.1    PUBLISHED   a long attribute and one that looks like a placeholder
const (
	bucket       = "artifacts"
	artifactKey  = "firmware/mqtt-core.bin"
	roleARN      = "arn:aws:iam::000000000000:role/iot-jobs-presign"
	longAttrSize = 2000
)

var (
	firmwareV1 = []byte("firmware image, version ONE\x00\x01\x02")
	firmwareV2 = []byte("firmware image, version TWO, a different length\xff")

	attrs100 = map[string]string{
		"location":   "prod-artifacts.s3.us-east-1.amazonaws.com/mqtt-core",
		"signature":  `IQoJb3J"quoted"\back`,
		"streamName": "mqtt-core",
	}
	attrs102 = map[string]string{"location": "prod-artifacts/1.0.2", "signature": "sig-102"}
	// A substituted value is never scanned again: this one must reach the device as text.
	trickyAttr = "${aws:iot:package:TestPackage:version:1.0.0:artifact:s3-presigned-url}"
)

type env struct {
	ctx     context.Context
	catalog *sqlite.Store
	store   *memStore
	svc     *jobs.Service
	presign *countingPresigner
	s3      *s3.Client
	s3URL   string
	// v1 and v2 are the S3 version ids of the two firmware objects.
	v1, v2 string
	now    time.Time
}

// countingPresigner is the real presigner, counted: GetJobDocument must presign afresh at
// every call, and the count shows it.
type countingPresigner struct {
	jobs.Presigner
	calls atomic.Int64
}

func (c *countingPresigner) PresignGetObject(ctx context.Context, loc sbomcat.S3Location, expires time.Duration) (string, error) {
	c.calls.Add(1)
	return c.Presigner.PresignGetObject(ctx, loc, expires)
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{ctx: ctx, now: time.Date(2026, 5, 4, 10, 30, 0, 0, time.UTC)}

	// A real S3 engine over HTTP, with a versioned bucket holding two versions of one key.
	srv := workertest.StartS3(t)
	e.s3URL = srv.URL
	e.s3 = srv.Client()
	srv.CreateBucket(t, bucket)
	put := func(body []byte) string { return srv.Put(t, bucket, artifactKey, body) }
	e.v1, e.v2 = put(firmwareV1), put(firmwareV2)

	var err error
	if e.catalog, err = sqlite.Open(ctx, filepath.Join(t.TempDir(), sqlite.FileName)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.catalog.Close() })
	e.mustCatalog(t)

	e.store = newMemStore()
	e.presign = &countingPresigner{Presigner: s3presign.New(e.s3)}
	e.svc = &jobs.Service{
		Catalog:   e.catalog,
		Store:     e.store,
		Presigner: e.presign,
		Scope:     sbomcat.DefaultScope,
		Now:       func() time.Time { return e.now },
	}
	return e
}

func (e *env) mustCatalog(t *testing.T) {
	t.Helper()
	ctx := e.ctx
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{"TestPackage", "Plain", "Other"} {
		must(e.catalog.CreatePackage(ctx, &sbomcat.Package{Name: p}, sbomcat.NoLimit))
	}
	version := func(pkg, ver string, attrs map[string]string, artifact *sbomcat.S3Location, actions ...sbomcat.VersionAction) {
		t.Helper()
		must(e.catalog.CreateVersion(ctx, &sbomcat.PackageVersion{PackageName: pkg, VersionName: ver, Attributes: attrs, Artifact: artifact}, sbomcat.NoLimit))
		for _, a := range actions {
			_, err := e.catalog.UpdateVersion(ctx, pkg, ver, sbomcat.VersionUpdate{Action: a})
			must(err)
		}
	}
	pub, dep := sbomcat.ActionPublish, sbomcat.ActionDeprecate
	version("TestPackage", "1.0.0", attrs100, &sbomcat.S3Location{Bucket: bucket, Key: artifactKey, Version: e.v1}, pub)
	version("TestPackage", "1.0.2", attrs102, &sbomcat.S3Location{Bucket: bucket, Key: artifactKey, Version: e.v2}, pub)
	version("TestPackage", "0.9.0", map[string]string{"location": "old"}, nil, pub, dep)
	version("TestPackage", "2.0.0", map[string]string{"location": "draft"}, nil)
	version("Plain", "1.0", nil, nil, pub)
	version("Other", "3.1", map[string]string{"k": "other", "blob": strings.Repeat("x", longAttrSize), "tricky": trickyAttr}, nil, pub)
	e.setDefault(t, "TestPackage", "1.0.0")
}

func (e *env) setDefault(t *testing.T, pkg, ver string) {
	t.Helper()
	if _, err := e.catalog.UpdatePackage(e.ctx, pkg, sbomcat.PackageUpdate{DefaultVersion: &ver}); err != nil {
		t.Fatal(err)
	}
}

// arn returns the version ARN of the default scope.
func arn(pkg, ver string) string { return sbomcat.DefaultScope.VersionARN(pkg, ver) }

func ptr[T any](v T) *T { return &v }

// wantErr fails t unless err is an application error with the code and the exact message.
func wantErr(t *testing.T, err error, code, msg string) {
	t.Helper()
	if got := sbomcat.ErrCode(err); got != code {
		t.Fatalf("error = %v (code %q), want code %q", err, got, code)
	}
	if got := sbomcat.ErrMessage(err); msg != "" && got != msg {
		t.Fatalf("message = %q\nwant      %q", got, msg)
	}
}
