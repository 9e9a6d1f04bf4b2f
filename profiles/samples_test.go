package profiles

import (
	"bufio"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sbomcat/sbomcat/formats"
)

// samplesDir holds SBOMs written by others (../shared/samples), read in place.
var samplesDir = filepath.Join("..", "..", "shared", "samples")

// TestSamples judges real-world SBOMs under the profiles and compares with the verdicts in
// testdata/samples.tsv, each element of which was checked by hand against the file: the
// counts were recomputed from the decoded JSON, field by field, as docs/profiles.md maps them.
func TestSamples(t *testing.T) {
	if _, err := os.Stat(samplesDir); os.IsNotExist(err) {
		t.Skipf("no samples at %s (the shared folder is absent); skipping", samplesDir)
	}
	f, err := os.Open("testdata/samples.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	rows := 0
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "#") {
			continue
		}
		c := strings.Split(sc.Text(), "\t")
		if len(c) != 4 {
			t.Fatalf("samples.tsv: row %q has %d columns, want 4", sc.Text(), len(c))
		}
		rows++
		path, profile, result, want := c[0], c[1], c[2], c[3]
		t.Run(profile+"/"+path, func(t *testing.T) {
			set, err := Parse(profile)
			if err != nil {
				t.Fatal(err)
			}
			full := filepath.Join(samplesDir, path)
			v, err := formats.Validate(context.Background(), func() (io.ReadCloser, error) { return os.Open(full) }, set.Options())
			if err != nil {
				t.Fatal(err)
			}
			if got := map[bool]string{true: "SUCCEEDED", false: "FAILED"}[v.Valid()]; got != result {
				t.Fatalf("%s; want %s (%s)", got, result, v.Problem)
			}
			if got := strings.Join(reported(v.Problem), " | "); got != want {
				t.Errorf("reported\n %s\nwant\n %s", got, want)
			}
		})
	}
	if err := sc.Err(); err != nil || rows == 0 {
		t.Fatalf("samples.tsv: %d rows, %v", rows, err)
	}
}
