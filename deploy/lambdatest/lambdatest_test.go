package lambdatest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sbomcat/sbomcat/internal/testkit"
	"github.com/sbomcat/sbomcat/worker/workertest"
)

// maxBootstrapBytes bounds each arm64 bootstrap (issue 14): a smaller deployment package
// uploads and cold-starts faster.
const maxBootstrapBytes = 20 << 20

// TestBootstrapSizes builds every function for arm64 exactly as `make build-lambda` does and
// checks its size.
func TestBootstrapSizes(t *testing.T) {
	testkit.SkipShort(t, "builds three arm64 binaries")
	root, err := workertest.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	for _, fn := range []string{"sbomapi-lambda", "sbomworker-lambda", "sbomreaper-lambda"} {
		t.Run(fn, func(t *testing.T) {
			fi, err := os.Stat(Build(t, filepath.Join(root, "cmd", fn), "arm64"))
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s arm64 bootstrap: %.1f MB", fn, float64(fi.Size())/(1<<20))
			if fi.Size() >= maxBootstrapBytes {
				t.Errorf("%s: %d bytes, want < %d", fn, fi.Size(), maxBootstrapBytes)
			}
		})
	}
}

// TestMakefileBuildsWithBuildFlags: the bootstraps the tests run are built as the deployed ones.
func TestMakefileBuildsWithBuildFlags(t *testing.T) {
	root, err := workertest.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	mk, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	want := "CGO_ENABLED=0 $(GO) build -tags lambda.norpc -trimpath -ldflags='-s -w'"
	if got := strings.Join(BuildFlags, " "); got != "-tags lambda.norpc -trimpath -ldflags=-s -w" {
		t.Fatalf("BuildFlags %q changed: update the Makefile's build-lambda and this test together", got)
	}
	if !strings.Contains(string(mk), want) {
		t.Errorf("Makefile's build-lambda no longer runs %q: keep it and BuildFlags equal", want)
	}
}
