package localobjects

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/objects"
	"github.com/sbomcat/sbomcat/s3local"
	"github.com/sbomcat/sbomcat/worker"
)

// TestLocalObjects: the worker's in-process reader gives the bytes of exactly the version asked
// for, and for what cannot be read the same *objects.Error reasons objects.S3 gives for S3's
// answers, so that the worker records the same verdicts and messages either way.
func TestLocalObjects(t *testing.T) {
	ctx := context.Background()
	b, err := s3local.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	if err := b.CreateBucket("sboms"); err != nil {
		t.Fatal(err)
	}
	var vc gofakes3.VersioningConfiguration
	vc.SetEnabled(true)
	if err := b.SetVersioningConfiguration("sboms", vc); err != nil {
		t.Fatal(err)
	}
	put := func(body string) string {
		res, err := b.PutObject("sboms", "fw.json", map[string]string{}, strings.NewReader(body), int64(len(body)), nil)
		if err != nil {
			t.Fatal(err)
		}
		return string(res.VersionID)
	}
	v1, v2 := put("first"), put("second, longer")
	del, err := b.DeleteObject("sboms", "fw.json")
	if err != nil || !del.IsDeleteMarker {
		t.Fatalf("DeleteObject: %+v, %v", del, err)
	}
	o := localObjects{b: b}

	for _, tc := range []struct{ version, body string }{{v1, "first"}, {v2, "second, longer"}} {
		loc := sbomcat.S3Location{Bucket: "sboms", Key: "fw.json", Version: tc.version}
		rc, size, err := o.Open(ctx, loc)
		if err != nil {
			t.Fatalf("Open %s: %v", tc.version, err)
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || string(got) != tc.body || size != int64(len(tc.body)) {
			t.Errorf("Open %s: %q (size %d), %v", tc.version, got, size, err)
		}
	}

	for _, tc := range []struct {
		name string
		loc  sbomcat.S3Location
		want objects.Reason
	}{
		{"no such bucket", sbomcat.S3Location{Bucket: "nope", Key: "fw.json", Version: v1}, objects.NoSuchBucket},
		{"no such version", sbomcat.S3Location{Bucket: "sboms", Key: "fw.json", Version: "not-a-version"}, objects.NoSuchVersion},
		// With a version id, what is missing is that version, whether or not the key ever existed.
		{"no such key", sbomcat.S3Location{Bucket: "sboms", Key: "other.json", Version: v1}, objects.NoSuchVersion},
		{"the latest is deleted", sbomcat.S3Location{Bucket: "sboms", Key: "fw.json"}, objects.NoSuchKey},
		{"a delete marker", sbomcat.S3Location{Bucket: "sboms", Key: "fw.json", Version: string(del.VersionID)}, objects.DeleteMarker},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := o.Open(ctx, tc.loc)
			var oe *objects.Error
			if !errors.As(err, &oe) || oe.Reason != tc.want || !oe.Permanent() || oe.Op != "get" || oe.Location != tc.loc {
				t.Fatalf("%v (%+v), want reason %d", err, oe, tc.want)
			}
			var we *worker.ObjectError
			if !errors.As(err, &we) || !we.Permanent() || we.Reason != oe.Message() {
				t.Errorf("worker contract %+v, want permanent with reason %q", we, oe.Message())
			}
		})
	}

	// A closed store is a failure to retry, not a verdict on the SBOM.
	b.Close()
	var oe *objects.Error
	var we *worker.ObjectError
	if _, _, err := o.Open(ctx, sbomcat.S3Location{Bucket: "sboms", Key: "fw.json", Version: v1}); !errors.As(err, &oe) || oe.Permanent() || !errors.As(err, &we) || we.Permanent() {
		t.Errorf("Open on a closed store: %v, want a transient *objects.Error", err)
	}
}
