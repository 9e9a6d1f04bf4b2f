package jobs_test

import (
	"strings"
	"testing"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/jobs"
	"github.com/sbomcat/sbomcat/jobs/jobstest"
)

// TestEncodeJob: the stored form round-trips every field, keeps documents as written (no HTML
// escaping, which would grow a document of '<' sixfold), and a body of another format version
// or garbage is an internal error, never a half-read job.
func TestEncodeJob(t *testing.T) {
	for _, j := range []*jobs.Job{jobstest.FullJob("full"), jobstest.MinimalJob("min")} {
		j.Document = `{"html":"<a href='x'>&</a>"}`
		b, err := jobs.EncodeJob(j)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), `<a href='x'>&</a>`) {
			t.Errorf("stored form escapes the document: %s", b)
		}
		got, err := jobs.DecodeJob(b)
		if err != nil {
			t.Fatal(err)
		}
		jobstest.EqualJobs(t, got, j)
	}
	for _, body := range []string{`{"v":2,"id":"x"}`, `{"id":"x"}`, `not json`, ``} {
		_, err := jobs.DecodeJob([]byte(body))
		if err == nil || sbomcat.ErrCode(err) != sbomcat.EINTERNAL {
			t.Errorf("DecodeJob(%q) = %v, want an internal error", body, err)
		}
	}
}

// TestCreateWithoutPresigner: a server with no S3 endpoint refuses artifact placeholders at
// CreateJob, where the caller can act on it, instead of failing every GetJobDocument; other
// documents are unaffected.
func TestCreateWithoutPresigner(t *testing.T) {
	e := newEnv(t)
	svc := *e.svc
	svc.Presigner = nil
	_, err := svc.Create(e.ctx, jobs.CreateRequest{
		JobID:                      "no-presigner",
		Document:                   `{"u":"${aws:iot:package:TestPackage:version:1.0.0:artifact:s3-presigned-url}"}`,
		DestinationPackageVersions: []string{arn("TestPackage", "1.0.0")},
		PresignedURLConfig:         &jobs.PresignedURLConfig{RoleARN: roleARN},
		Targets:                    targets,
	})
	wantErr(t, err, sbomcat.EINVALID, "This server is not configured with an S3 endpoint to presign artifact URLs, so the job document cannot use artifact presigned-URL placeholders.")
	if _, err := svc.Create(e.ctx, jobs.CreateRequest{
		JobID:                      "attributes-only",
		Document:                   `{"l":"${aws:iot:package:TestPackage:version:1.0.0:attributes:location}"}`,
		DestinationPackageVersions: []string{arn("TestPackage", "1.0.0")},
		Targets:                    targets,
	}); err != nil {
		t.Fatal(err)
	}
	doc, err := svc.Document(e.ctx, "attributes-only", false)
	if err != nil || doc != `{"l":"prod-artifacts.s3.us-east-1.amazonaws.com/mqtt-core"}` {
		t.Errorf("document = %s, %v", doc, err)
	}
}
