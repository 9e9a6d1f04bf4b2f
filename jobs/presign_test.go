package jobs_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sbomcat/sbomcat/internal/testkit"
	"github.com/sbomcat/sbomcat/jobs"
)

// TestArtifactPresignedURL: both placeholder spellings become real SigV4 presigned GET URLs
// for the artifact's object version, valid for expiresInSec, signed afresh at every
// GetJobDocument, that fetch that version's bytes from the S3 engine and not another's.
func TestArtifactPresignedURL(t *testing.T) {
	e := newEnv(t)
	doc := `{"steps":[` +
		`{"download":"${aws:iot:package:TestPackage:version:1.0.0:artifact-location:s3-presigned-url}"},` +
		`{"download":"${aws:iot:package:TestPackage:version:1.0.0:artifact:s3-presigned-url}"},` +
		`{"download":"${aws:iot:package:TestPackage:version:1.0.2:artifact:s3-presigned-url}","sig":"${aws:iot:package:TestPackage:version:1.0.2:attributes:signature}"}]}`
	created, err := e.svc.Create(e.ctx, jobs.CreateRequest{
		JobID:                      "artifacts",
		Document:                   doc,
		DestinationPackageVersions: []string{arn("TestPackage", "1.0.0"), arn("TestPackage", "1.0.2")},
		PresignedURLConfig:         &jobs.PresignedURLConfig{RoleARN: roleARN, ExpiresInSec: ptr(int64(120))},
		Targets:                    targets,
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := e.presign.calls.Load(); n != 0 {
		t.Errorf("CreateJob presigned %d URLs; URLs are signed at GetJobDocument", n)
	}
	// The stored resolution keeps the placeholders (canonical spelling), not URLs that would
	// expire.
	if strings.Contains(created.Resolved.Document, "X-Amz-Signature") || strings.Count(created.Resolved.Document, ":artifact-location:s3-presigned-url}") != 3 {
		t.Errorf("resolved document = %s", created.Resolved.Document)
	}

	type rendered struct {
		Steps []struct{ Download, Sig string }
	}
	get := func() rendered {
		t.Helper()
		out, err := e.svc.Document(e.ctx, "artifacts", false)
		if err != nil {
			t.Fatal(err)
		}
		var r rendered
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("document %s: %v", out, err)
		}
		if len(r.Steps) != 3 {
			t.Fatalf("document %s", out)
		}
		return r
	}

	signedAfter := time.Now().UTC().Truncate(time.Second)
	r := get()
	if n := e.presign.calls.Load(); n != 3 {
		t.Errorf("GetJobDocument presigned %d URLs, want 3", n)
	}
	if r.Steps[2].Sig != "sig-102" {
		t.Errorf("attribute next to an artifact = %q", r.Steps[2].Sig)
	}
	for i, want := range []struct {
		version string
		body    []byte
	}{{e.v1, firmwareV1}, {e.v1, firmwareV1}, {e.v2, firmwareV2}} {
		u, err := url.Parse(r.Steps[i].Download)
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		if got := u.Scheme + "://" + u.Host; got != e.s3URL {
			t.Errorf("URL %d points at %s, want the S3 endpoint %s", i, got, e.s3URL)
		}
		if u.Path != "/"+bucket+"/"+artifactKey {
			t.Errorf("URL %d path = %s", i, u.Path)
		}
		if q.Get("versionId") != want.version {
			t.Errorf("URL %d versionId = %q, want %q", i, q.Get("versionId"), want.version)
		}
		if q.Get("X-Amz-Expires") != "120" {
			t.Errorf("URL %d X-Amz-Expires = %q, want expiresInSec 120", i, q.Get("X-Amz-Expires"))
		}
		if q.Get("X-Amz-Algorithm") != "AWS4-HMAC-SHA256" || len(q.Get("X-Amz-Signature")) != 64 ||
			!strings.HasPrefix(q.Get("X-Amz-Credential"), "test/") || !strings.Contains(q.Get("X-Amz-Credential"), "/us-east-1/s3/aws4_request") {
			t.Errorf("URL %d is not SigV4-presigned: %s", i, u.RawQuery)
		}
		signed, err := time.Parse("20060102T150405Z", q.Get("X-Amz-Date"))
		if err != nil || signed.Before(signedAfter) {
			t.Errorf("URL %d X-Amz-Date = %q, want the time of GetJobDocument (after %v)", i, q.Get("X-Amz-Date"), signedAfter)
		}
		if body := testkit.GetOK(t, u.String()); string(body) != string(want.body) {
			t.Errorf("URL %d fetched %q, want %q", i, body, want.body)
		}
	}

	get()
	if n := e.presign.calls.Load(); n != 6 {
		t.Errorf("two GetJobDocument calls presigned %d URLs, want 6 (afresh each time)", n)
	}
	before, err := e.svc.Document(e.ctx, "artifacts", true)
	if err != nil {
		t.Fatal(err)
	}
	if before != doc {
		t.Errorf("document before substitution = %s", before)
	}
	if n := e.presign.calls.Load(); n != 6 {
		t.Errorf("beforeSubstitution presigned URLs")
	}
}

// TestArtifactDefaultExpiry: without expiresInSec a URL is valid for 3600 s.
func TestArtifactDefaultExpiry(t *testing.T) {
	e := newEnv(t)
	if _, err := e.svc.Create(e.ctx, jobs.CreateRequest{
		JobID:                      "default-expiry",
		Document:                   `{"u":"${aws:iot:package::version::artifact:s3-presigned-url}"}`,
		DestinationPackageVersions: []string{arn("TestPackage", "$default")},
		PresignedURLConfig:         &jobs.PresignedURLConfig{RoleARN: roleARN},
		Targets:                    targets,
	}); err != nil {
		t.Fatal(err)
	}
	out, err := e.svc.Document(e.ctx, "default-expiry", false)
	if err != nil {
		t.Fatal(err)
	}
	var d struct{ U string }
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(d.U)
	if err != nil {
		t.Fatal(err)
	}
	if q := u.Query(); q.Get("X-Amz-Expires") != "3600" || q.Get("versionId") != e.v1 {
		t.Errorf("URL query = %s, want X-Amz-Expires=3600 and the default version's artifact", u.RawQuery)
	}
	if body := testkit.GetOK(t, d.U); string(body) != string(firmwareV1) {
		t.Errorf("fetched %q, want %q", body, firmwareV1)
	}
}
