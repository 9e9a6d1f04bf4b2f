package formats

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/internal/testkit"
)

func fileOpener(path string) Opener {
	return func() (io.ReadCloser, error) { return os.Open(path) }
}

// TestSamples checks every sample's verdict against the manifest: result, error code, and the
// format the file declares.
func TestSamples(t *testing.T) {
	dir, samples := testkit.Samples(t)
	mismatches := 0
	for _, s := range samples {
		v, err := Validate(context.Background(), fileOpener(filepath.Join(dir, s.Path)), Options{})
		if err != nil {
			t.Errorf("%s: %v", s.Path, err)
			continue
		}
		got := "SUCCEEDED"
		if !v.Valid() {
			got = "FAILED"
		}
		if got != s.Result {
			mismatches++
			t.Errorf("%s: got %s (%s), manifest says %s (%s)", s.Path, got, v.Problem, s.Result, s.Note)
			continue
		}
		if !v.Valid() && v.Problem == "" {
			t.Errorf("%s: failed without a message", s.Path)
		}
		if s.Format != "" && string(v.Format) != s.Format && s.Encoding == "json" {
			t.Errorf("%s: format %q, manifest says %q", s.Path, v.Format, s.Format)
		}
		if s.Encoding == "json" && s.Format == string(sbomcat.FormatCycloneDX) && v.SpecVersion != s.Version && v.SpecVersion != "" {
			t.Errorf("%s: spec version %q, manifest says %q", s.Path, v.SpecVersion, s.Version)
		}
	}
	t.Logf("%d samples, %d verdict mismatches", len(samples), mismatches)
}
