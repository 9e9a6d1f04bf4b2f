package formats

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/sbomcat/sbomcat"
)

var update = flag.Bool("update", false, "rewrite testdata/verdicts.golden")

// expectValid says what each fixture must give, from its name: "strict-" fixtures conform to
// their schema but break reference rules; "-valid" ones pass everything; the rest fail.
func expectValid(name string, profile sbomcat.Profile) bool {
	if strings.HasPrefix(name, "strict-") {
		return profile != sbomcat.ProfileStrict
	}
	return strings.Contains(name, "-valid")
}

// TestFixtures runs every fixture under both profiles, checks the verdict its name promises,
// and compares every message with testdata/verdicts.golden (go test -run TestFixtures -update
// rewrites it; review the diff).
func TestFixtures(t *testing.T) {
	files, err := filepath.Glob("testdata/*.*")
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	var golden bytes.Buffer
	for _, path := range files {
		name := filepath.Base(path)
		if name == "verdicts.golden" {
			continue
		}
		for _, profile := range []sbomcat.Profile{sbomcat.ProfileAWS, sbomcat.ProfileStrict} {
			v, err := Validate(context.Background(), fileOpener(path), Options{Profile: profile})
			if err != nil {
				t.Errorf("%s (%s): %v", name, profile, err)
				continue
			}
			if want := expectValid(name, profile); v.Valid() != want {
				t.Errorf("%s (%s): valid=%v, want %v: %s", name, profile, v.Valid(), want, v.Problem)
			}
			if !v.Valid() && v.Problem == "" {
				t.Errorf("%s (%s): failed without a message", name, profile)
			}
			fmt.Fprintf(&golden, "%s\t%s\t%s\t%s\t%s\t%s\n", name, profile, v.Kind, v.Format, v.SpecVersion, v.Problem)
		}
	}
	const goldenPath = "testdata/verdicts.golden"
	if *update {
		if err := os.WriteFile(goldenPath, golden.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(goldenPath)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(want, golden.Bytes()) {
		gotLines, wantLines := strings.Split(golden.String(), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gotLines) || i < len(wantLines); i++ {
			var g, w string
			if i < len(gotLines) {
				g = gotLines[i]
			}
			if i < len(wantLines) {
				w = wantLines[i]
			}
			if g != w {
				t.Errorf("verdicts differ from %s (line %d):\n got: %s\nwant: %s", goldenPath, i+1, g, w)
				break
			}
		}
	}
}

// failingReader returns an error partway, like a dropped connection or an exceeded limit.
type failingReader struct {
	r   io.Reader
	n   int
	err error
}

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, f.err
	}
	if len(p) > f.n {
		p = p[:f.n]
	}
	n, err := f.r.Read(p)
	f.n -= n
	return n, err
}

type limitErr struct{}

func (limitErr) Error() string { return "limit exceeded" }

// TestReaderErrorsAreReturned checks that an error from the reader is an error, whatever the
// phase it strikes in, and never a verdict about the content.
func TestReaderErrorsAreReturned(t *testing.T) {
	data, err := os.ReadFile("testdata/cdx14-valid-version-at-end.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, at := range []int{0, 10, 1000, 70_000, len(data) - 10} {
		open := func() (io.ReadCloser, error) {
			return io.NopCloser(&failingReader{r: bytes.NewReader(data), n: at, err: limitErr{}}), nil
		}
		_, err := Validate(context.Background(), open, Options{})
		var le limitErr
		if !errorsAs(err, &le) {
			t.Errorf("reader failing after %d bytes: err = %v, want the reader's error", at, err)
		}
	}
}

func TestContextCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Validate(ctx, fileOpener("testdata/cdx16-valid.json"), Options{})
	if err == nil || !strings.Contains(err.Error(), "context canceled") {
		t.Fatalf("err = %v, want context canceled", err)
	}
}

// FuzzDetect feeds arbitrary bytes to recognition: it must never panic, and whatever it
// decides must come with a message that names what was found.
func FuzzDetect(f *testing.F) {
	addSeeds(f, "testdata/*.*", 8<<10)
	f.Add([]byte("\xef\xbb\xbf{\"spdxVersion\":\"SPDX-2.3\"}"))
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > prefixSize {
			data = data[:prefixSize]
		}
		sn := sniff(data)
		if !sn.json {
			if msg := rejectedMessage(sn); msg == "" {
				t.Fatalf("kind %v without a message", sn.kind)
			}
			return
		}
		h, err := scanHeader(newScanner(prefixEnd{atEOF: true}, data[sn.skip:]))
		if err != nil {
			var se *syntaxError
			if !errorsAs(err, &se) {
				t.Fatalf("in-memory header scan failed with %v", err)
			}
			return
		}
		kind, format, version, problem := classify(h)
		if problem == "" {
			if _, ok := findSchema(format, version); !ok {
				t.Fatalf("accepted %v %s %s without a schema", kind, format, version)
			}
		}
	})
}
