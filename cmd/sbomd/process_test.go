package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	iottypes "github.com/aws/aws-sdk-go-v2/service/iot/types"

	"github.com/sbomcat/sbomcat/internal/testkit"
)

// Helpers that run sbomd (and sbomctl) as separate processes, built from this tree, the way a
// user runs them.

// deadline bounds every wait of the process tests: generous, because a loaded CI machine is
// slow, and never a measure of speed.
const deadline = testkit.ServerDeadline

// sbomdTags are build tags for the sbomd under test: "pprof" serves net/http/pprof (pprof.go).
var sbomdTags = flag.String("sbomd.tags", "", "build tags for the sbomd binary under test (pprof: serve net/http/pprof on 127.0.0.1:6061)")

var bins struct {
	once           sync.Once
	dir            string
	sbomd, sbomctl string
	err            error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if bins.dir != "" {
		os.RemoveAll(bins.dir)
	}
	os.Exit(code)
}

// binaries builds sbomd and sbomctl once per test binary.
func binaries(t testing.TB) (sbomd, sbomctl string) {
	t.Helper()
	bins.once.Do(func() {
		goTool, err := exec.LookPath("go")
		if err != nil {
			bins.err = fmt.Errorf("the go command is needed to build sbomd: %w", err)
			return
		}
		if bins.dir, bins.err = os.MkdirTemp("", "sbomd-test-"); bins.err != nil {
			return
		}
		for _, b := range []struct {
			dst *string
			pkg string
		}{{&bins.sbomd, "."}, {&bins.sbomctl, "../sbomctl"}} {
			*b.dst = filepath.Join(bins.dir, filepath.Base(filepath.Clean(b.pkg)))
			if b.pkg == "." {
				*b.dst = filepath.Join(bins.dir, "sbomd")
			}
			out, err := exec.Command(goTool, "build", "-tags", *sbomdTags, "-o", *b.dst, b.pkg).CombinedOutput()
			if err != nil {
				bins.err = fmt.Errorf("go build %s: %w\n%s", b.pkg, err, out)
				return
			}
		}
	})
	if bins.err != nil {
		t.Fatal(bins.err)
	}
	return bins.sbomd, bins.sbomctl
}

// proc is one sbomd process.
type proc struct{ *testkit.Server }

// startProc starts sbomd on addr ("127.0.0.1:0" for a free port) and dataDir, waits until it
// serves, and stops it when the test ends, failing the test if it does not stop cleanly.
func startProc(t testing.TB, addr, dataDir string, env []string, args ...string) *proc {
	t.Helper()
	bin, _ := binaries(t)
	cmd := exec.Command(bin, append([]string{"--addr", addr, "--data-dir", dataDir}, args...)...)
	cmd.Env = testkit.HermeticEnv(env...)
	p := &proc{testkit.StartServer(t, cmd)}
	t.Cleanup(func() {
		if err := p.stop(); err != nil {
			t.Errorf("sbomd did not stop cleanly: %v\n%s", err, p.Logs)
		}
	})
	return p
}

// stop ends the process with SIGTERM, as a service manager does, and reports how it ended.
// Stopping a stopped process does nothing.
func (p *proc) stop() error {
	if p.Exited() {
		return nil
	}
	err := p.Stop(deadline)
	if errors.Is(err, testkit.ErrStillRunning) {
		p.Kill()
		return errors.New("still running long after SIGTERM; killed")
	}
	return err
}

// results lists every validation result of a version, by file name.
func results(t testing.TB, c *iot.Client, pkg, version string) map[string]iottypes.SbomValidationResultSummary {
	t.Helper()
	out := map[string]iottypes.SbomValidationResultSummary{}
	pages := iot.NewListSbomValidationResultsPaginator(c, &iot.ListSbomValidationResultsInput{PackageName: aws.String(pkg), VersionName: aws.String(version), MaxResults: aws.Int32(2)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(context.Background())
		if err != nil {
			t.Fatalf("ListSbomValidationResults %s %s: %v", pkg, version, err)
		}
		for _, r := range page.ValidationResultSummaries {
			out[aws.ToString(r.FileName)] = r
		}
	}
	return out
}

// unsignedStatus sends a request without any signature and returns the status and body.
func unsignedStatus(t testing.TB, method, url, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	bufio.NewReader(resp.Body).WriteTo(&b)
	return resp.StatusCode, b.String()
}
