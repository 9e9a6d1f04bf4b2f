package s3local_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"

	"github.com/sbomcat/sbomcat/s3local"
)

// TestInProcessReadsAfterWrites: the in-process accessors keep what they read of a version
// (s3local's version cache), and never answer from it after a write: a deleted version is
// gone, a deleted bucket too, and a closed Backend answers nothing.
func TestInProcessReadsAfterWrites(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name  string
		write func(t *testing.T, b *s3local.Backend, version string)
		want  error
	}{
		{"version deleted", func(t *testing.T, b *s3local.Backend, v string) {
			if _, err := b.DeleteObjectVersion("b", "k", gofakes3.VersionID(v)); err != nil {
				t.Fatal(err)
			}
		}, s3local.ErrNoSuchVersion},
		{"bucket deleted", func(t *testing.T, b *s3local.Backend, v string) {
			if err := b.ForceDeleteBucket("b"); err != nil {
				t.Fatal(err)
			}
		}, s3local.ErrNoSuchBucket},
		{"another version put", func(t *testing.T, b *s3local.Backend, v string) {
			if _, err := b.PutObject("b", "k", map[string]string{}, strings.NewReader("second"), 6, nil); err != nil {
				t.Fatal(err)
			}
		}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b, err := s3local.Open(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { b.Close() })
			if err := b.CreateBucket("b"); err != nil {
				t.Fatal(err)
			}
			var vc gofakes3.VersioningConfiguration
			vc.SetEnabled(true)
			if err := b.SetVersioningConfiguration("b", vc); err != nil {
				t.Fatal(err)
			}
			res, err := b.PutObject("b", "k", map[string]string{}, strings.NewReader("first"), 5, nil)
			if err != nil {
				t.Fatal(err)
			}
			v := string(res.VersionID)
			for range 2 { // the second read may come from the cache
				if info, err := b.StatObject(ctx, "b", "k", v); err != nil || info.Size != 5 {
					t.Fatalf("StatObject: %+v, %v", info, err)
				}
			}
			tt.write(t, b, v)
			_, err = b.StatObject(ctx, "b", "k", v)
			rc, _, oerr := b.OpenObject(ctx, "b", "k", v)
			if tt.want == nil {
				if err != nil || oerr != nil {
					t.Fatalf("StatObject: %v, OpenObject: %v; want the version", err, oerr)
				}
				body, _ := io.ReadAll(rc)
				rc.Close()
				if string(body) != "first" {
					t.Errorf("body %q, want the version's own", body)
				}
			} else if !errors.Is(err, tt.want) || !errors.Is(oerr, tt.want) {
				t.Errorf("StatObject: %v, OpenObject: %v; want %v", err, oerr, tt.want)
			}
			b.Close()
			if _, err := b.StatObject(ctx, "b", "k", v); err == nil {
				t.Error("StatObject answered after Close")
			}
		})
	}
}
