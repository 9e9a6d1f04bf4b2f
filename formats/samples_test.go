package formats

import (
	"bufio"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sbomcat/sbomcat"
)

// samplesDir holds SBOMs written by others with the verdict the default profile must give
// (../shared/samples/MANIFEST.tsv). They are read in place, never copied into this repository.
var samplesDir = filepath.Join("..", "..", "shared", "samples")

type sample struct {
	path, result, code, format, version, encoding, note string
}

func loadManifest(t testing.TB) []sample {
	t.Helper()
	f, err := os.Open(filepath.Join(samplesDir, "MANIFEST.tsv"))
	if os.IsNotExist(err) {
		t.Skipf("no samples at %s (the shared folder is absent); skipping", samplesDir)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []sample
	sc := bufio.NewScanner(f)
	for first := true; sc.Scan(); first = false {
		if first {
			continue
		}
		c := strings.Split(sc.Text(), "\t")
		if len(c) < 10 {
			t.Fatalf("MANIFEST.tsv: short row %q", sc.Text())
		}
		out = append(out, sample{c[0], c[1], c[2], c[3], c[4], c[5], c[9]})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func fileOpener(path string) Opener {
	return func() (io.ReadCloser, error) { return os.Open(path) }
}

// TestSamples checks every sample's verdict against the manifest: result, error code, and the
// format the file declares.
func TestSamples(t *testing.T) {
	samples := loadManifest(t)
	mismatches := 0
	for _, s := range samples {
		v, err := Validate(context.Background(), fileOpener(filepath.Join(samplesDir, s.path)), Options{})
		if err != nil {
			t.Errorf("%s: %v", s.path, err)
			continue
		}
		got := "SUCCEEDED"
		if !v.Valid() {
			got = "FAILED"
		}
		if got != s.result {
			mismatches++
			t.Errorf("%s: got %s (%s), manifest says %s (%s)", s.path, got, v.Problem, s.result, s.note)
			continue
		}
		if !v.Valid() && v.Problem == "" {
			t.Errorf("%s: failed without a message", s.path)
		}
		if s.format != "" && string(v.Format) != s.format && s.encoding == "json" {
			t.Errorf("%s: format %q, manifest says %q", s.path, v.Format, s.format)
		}
		if s.encoding == "json" && s.format == string(sbomcat.FormatCycloneDX) && v.SpecVersion != s.version && v.SpecVersion != "" {
			t.Errorf("%s: spec version %q, manifest says %q", s.path, v.SpecVersion, s.version)
		}
	}
	t.Logf("%d samples, %d verdict mismatches", len(samples), mismatches)
}
