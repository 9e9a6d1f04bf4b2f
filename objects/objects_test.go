package objects_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/internal/testkit"
	"github.com/sbomcat/sbomcat/objects"
	"github.com/sbomcat/sbomcat/worker"
	"github.com/sbomcat/sbomcat/worker/workertest"
)

func TestOpen(t *testing.T) {
	s := workertest.StartS3(t)
	s.CreateBucket(t, "bkt")
	v1 := s.Put(t, "bkt", "dir/sbom.json", []byte("first version"))
	s.Put(t, "bkt", "dir/sbom.json", []byte("the second, longer version"))
	// Configured as the binaries configure it: SDK config plus path-style, as emulators need.
	obj := objects.New(testkit.SDKConfig(s.URL), objects.Options{UsePathStyle: true})
	ctx := context.Background()
	loc := sbomcat.S3Location{Bucket: "bkt", Key: "dir/sbom.json", Version: v1}
	body, size, err := obj.Open(ctx, loc)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(body)
	body.Close()
	if err != nil || string(b) != "first version" || size != int64(len(b)) {
		t.Errorf("Open(v1) = %q (size %d), %v; want the first version", b, size, err)
	}
}

// TestErrors checks how failures are classified and what users are told.
func TestErrors(t *testing.T) {
	s := workertest.StartS3(t)
	s.CreateBucket(t, "bkt")
	v := s.Put(t, "bkt", "k.json", []byte("{}"))
	cfg := testkit.SDKConfig(s.URL)
	cfg.Retryer = func() aws.Retryer { return retry.AddWithMaxAttempts(retry.NewStandard(), 1) }
	obj := objects.New(cfg, objects.Options{UsePathStyle: true})
	tests := []struct {
		name    string
		loc     sbomcat.S3Location
		fault   func(*http.Request) (int, string)
		reason  objects.Reason
		message string
	}{
		{"no bucket", sbomcat.S3Location{Bucket: "nope", Key: "k.json", Version: v}, nil, objects.NoSuchBucket,
			"The SBOM could not be read: S3 bucket nope does not exist."},
		{"no key", sbomcat.S3Location{Bucket: "bkt", Key: "other.json", Version: v}, nil, objects.NoSuchKey,
			"The SBOM could not be read: S3 object s3://bkt/other.json does not exist."},
		{"no version", sbomcat.S3Location{Bucket: "bkt", Key: "k.json", Version: "v0"}, nil, objects.NoSuchVersion,
			"The SBOM could not be read: version v0 of S3 object s3://bkt/k.json does not exist."},
		{"access denied", sbomcat.S3Location{Bucket: "bkt", Key: "k.json", Version: v},
			func(*http.Request) (int, string) { return http.StatusForbidden, "AccessDenied" }, objects.AccessDenied,
			"The SBOM could not be read: access to version " + v + " of S3 object s3://bkt/k.json was denied. Allow the validation worker s3:GetObject and s3:GetObjectVersion on it (without s3:ListBucket, S3 also answers this way for an object that does not exist)."},
		{"delete marker", sbomcat.S3Location{Bucket: "bkt", Key: "k.json", Version: v},
			func(*http.Request) (int, string) { return http.StatusMethodNotAllowed, "MethodNotAllowed" }, objects.DeleteMarker,
			"The SBOM could not be read: version " + v + " of S3 object s3://bkt/k.json is a delete marker (the object was deleted)."},
		{"bad version id", sbomcat.S3Location{Bucket: "bkt", Key: "k.json", Version: "%%%"},
			func(*http.Request) (int, string) { return http.StatusBadRequest, "InvalidArgument" }, objects.InvalidVersion,
			`The SBOM could not be read: "%%%" is not a valid version id for S3 object s3://bkt/k.json.`},
		{"internal error", sbomcat.S3Location{Bucket: "bkt", Key: "k.json", Version: v},
			func(*http.Request) (int, string) { return http.StatusInternalServerError, "InternalError" }, objects.Unavailable,
			"S3 was unavailable while reading version " + v + " of S3 object s3://bkt/k.json (HTTP 500)."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.fault != nil {
				s.Fault.Store(&tt.fault)
				defer s.Fault.Store(nil)
			}
			_, _, err := obj.Open(context.Background(), tt.loc)
			var oe *objects.Error
			if !errors.As(err, &oe) {
				t.Fatalf("Open = %v, want an *objects.Error", err)
			}
			if oe.Reason != tt.reason || oe.Permanent() != (tt.reason != objects.Unavailable) || oe.Message() != tt.message {
				t.Errorf("reason %d permanent %v message\n%s\nwant reason %d message\n%s", oe.Reason, oe.Permanent(), oe.Message(), tt.reason, tt.message)
			}
			// The worker sees the same verdict through its own contract.
			var we *worker.ObjectError
			if !errors.As(err, &we) || we.Permanent() != oe.Permanent() || we.Reason != tt.message {
				t.Errorf("worker contract: %+v, want permanent %v and reason\n%s", we, oe.Permanent(), tt.message)
			}
		})
	}
}

func TestCanceledIsNotAnS3Failure(t *testing.T) {
	s := workertest.StartS3(t)
	obj := objects.New(testkit.SDKConfig(s.URL), objects.Options{UsePathStyle: true})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err := obj.Open(ctx, sbomcat.S3Location{Bucket: "bkt", Key: "k", Version: "v"})
	var oe *objects.Error
	if !errors.Is(err, context.Canceled) || errors.As(err, &oe) {
		t.Errorf("Open with a canceled context = %v; want context.Canceled, not an S3 error", err)
	}
}
