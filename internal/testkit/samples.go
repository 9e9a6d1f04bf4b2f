package testkit

import (
	"bufio"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// SamplesPath is where the folder of SBOMs written by others stands, if it is there: next to
// the repository, in ../shared/samples. They are read in place, never copied into the
// repository.
func SamplesPath() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		panic("testkit: no caller information to find the samples folder")
	}
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "shared", "samples")
}

// SamplesDir is SamplesPath for the tests that need the samples: t is skipped when the folder
// is absent.
func SamplesDir(t testing.TB) string {
	t.Helper()
	dir := SamplesPath()
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("no samples at %s (the shared folder is absent): %v", dir, err)
	}
	return dir
}

// Sample is a row of the samples' MANIFEST.tsv: a file (its path under SamplesDir), the verdict
// the default profile must give it, what it declares, and a note on where the verdict comes
// from.
type Sample struct {
	Path, Result, Code, Format, Version, Encoding, Note string
}

// Samples returns the samples folder (see SamplesDir) and its MANIFEST.tsv.
func Samples(t testing.TB) (dir string, samples []Sample) {
	t.Helper()
	dir = SamplesDir(t)
	rows := TSV(t, filepath.Join(dir, "MANIFEST.tsv"))
	if len(rows) == 0 {
		t.Fatal("MANIFEST.tsv: no header row")
	}
	for _, c := range rows[1:] {
		if len(c) < 10 {
			t.Fatalf("MANIFEST.tsv: short row %q", strings.Join(c, "\t"))
		}
		samples = append(samples, Sample{c[0], c[1], c[2], c[3], c[4], c[5], c[9]})
	}
	return dir, samples
}

// TSV returns the rows of the tab-separated file path, each split into its columns, passing
// over the lines that start with '#'.
func TSV(t testing.TB, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows [][]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if !strings.HasPrefix(sc.Text(), "#") {
			rows = append(rows, strings.Split(sc.Text(), "\t"))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return rows
}
