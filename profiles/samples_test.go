package profiles

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sbomcat/sbomcat/formats"
	"github.com/sbomcat/sbomcat/internal/testkit"
)

// TestSamples judges real-world SBOMs under the profiles and compares with the verdicts in
// testdata/samples.tsv, each element of which was checked by hand against the file: the
// counts were recomputed from the decoded JSON, field by field, as docs/profiles.md maps them.
func TestSamples(t *testing.T) {
	dir := testkit.SamplesDir(t)
	rows := testkit.TSV(t, "testdata/samples.tsv")
	if len(rows) == 0 {
		t.Fatal("samples.tsv: no rows")
	}
	for _, c := range rows {
		if len(c) != 4 {
			t.Fatalf("samples.tsv: row %q has %d columns, want 4", strings.Join(c, "\t"), len(c))
		}
		path, profile, result, want := c[0], c[1], c[2], c[3]
		t.Run(profile+"/"+path, func(t *testing.T) {
			set, err := Parse(profile)
			if err != nil {
				t.Fatal(err)
			}
			v, err := formats.Validate(context.Background(), fileOpener(filepath.Join(dir, path)), set.Options())
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
}
