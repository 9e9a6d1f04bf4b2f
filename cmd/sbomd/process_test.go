package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	iottypes "github.com/aws/aws-sdk-go-v2/service/iot/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/sbomcat/sbomcat/internal/testkit"
)

// Helpers that run sbomd (and sbomctl) as separate processes, built from this tree, the way a
// user runs them.

// deadline bounds every wait of the process tests: generous, because a loaded CI machine is
// slow, and never a measure of speed.
const deadline = 2 * time.Minute

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

// hermeticEnv is the test process's environment without anything that configures sbomd, the
// validator or the AWS SDK, plus extra.
func hermeticEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "SBOMD_") || strings.HasPrefix(k, "SBOMCAT_") || strings.HasPrefix(k, "SBOMWORKER_") || strings.HasPrefix(k, "AWS_") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, extra...)
}

// proc is one sbomd process.
type proc struct {
	cmd    *exec.Cmd
	addr   string
	logs   *testkit.Buffer
	exited chan struct{}
	err    error // Wait's, once exited is closed
}

// startProc starts sbomd on addr ("127.0.0.1:0" for a free port) and dataDir, waits until it
// serves, and stops it when the test ends.
func startProc(t testing.TB, addr, dataDir string, env []string, args ...string) *proc {
	t.Helper()
	bin, _ := binaries(t)
	p := &proc{logs: &testkit.Buffer{}, exited: make(chan struct{})}
	p.cmd = exec.Command(bin, append([]string{"--addr", addr, "--data-dir", dataDir}, args...)...)
	p.cmd.Env = hermeticEnv(env...)
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		if err := p.stop(); err != nil {
			t.Errorf("sbomd did not stop cleanly: %v\n%s", err, p.logs)
		}
	})
	end := time.Now().Add(deadline)
	for p.addr == "" {
		select {
		case <-p.exited:
			t.Fatalf("sbomd exited before serving: %v\n%s", p.err, p.logs)
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(end) {
			t.Fatalf("sbomd not serving after %s:\n%s", deadline, p.logs)
		}
		p.addr = servingAddr(p.logs.String())
	}
	return p
}

// servingAddr finds the address in sbomd's "serving" log line.
func servingAddr(logs string) string {
	sc := bufio.NewScanner(strings.NewReader(logs))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var line struct{ Msg, Addr string }
		if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "serving" {
			return line.Addr
		}
	}
	return ""
}

// stop ends the process with SIGTERM, as a service manager does, and reports how it ended.
// Stopping a stopped process does nothing.
func (p *proc) stop() error {
	select {
	case <-p.exited:
		return nil
	default:
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
		return p.err
	case <-time.After(deadline):
		p.cmd.Process.Kill()
		<-p.exited
		return errors.New("still running long after SIGTERM; killed")
	}
}

// kill ends the process with SIGKILL: no shutdown, no flushing, as in a crash.
func (p *proc) kill() {
	p.cmd.Process.Kill()
	<-p.exited
}

func (p *proc) url() string { return "http://" + p.addr }

// clients returns the official SDK clients for sbomd at addr, configured as the README says:
// endpoint, region, test/test, path-style S3.
func clients(addr string) (*s3.Client, *iot.Client) {
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")}
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.BaseEndpoint = aws.String("http://" + addr)
		o.UsePathStyle = true
	})
	iotc := iot.NewFromConfig(cfg, func(o *iot.Options) { o.BaseEndpoint = aws.String("http://" + addr) })
	return s3c, iotc
}

// waitValidated polls GetPackageVersion until the SBOM status leaves IN_PROGRESS and returns
// it.
func waitValidated(t testing.TB, c *iot.Client, pkg, version string) iottypes.SbomValidationStatus {
	t.Helper()
	end := time.Now().Add(deadline)
	for {
		v, err := c.GetPackageVersion(context.Background(), &iot.GetPackageVersionInput{PackageName: aws.String(pkg), VersionName: aws.String(version)})
		if err != nil {
			t.Fatalf("GetPackageVersion %s %s: %v", pkg, version, err)
		}
		if s := v.SbomValidationStatus; s != iottypes.SbomValidationStatusInProgress {
			return s
		}
		if time.Now().After(end) {
			t.Fatalf("%s %s still IN_PROGRESS after %s", pkg, version, deadline)
		}
		time.Sleep(5 * time.Millisecond)
	}
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
