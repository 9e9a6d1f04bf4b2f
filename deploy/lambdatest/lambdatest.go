// Package lambdatest runs the Lambda bootstraps under the AWS Lambda Runtime Interface Emulator
// (aws-lambda-rie, github.com/aws/aws-lambda-runtime-interface-emulator, pinned as a tool in
// go.mod), the runtime AWS publishes for running functions outside Lambda: it starts the
// bootstrap as Lambda does (environment, Runtime API, one invocation at a time) and accepts
// invocations on POST /2015-03-31/functions/function/invocations.
//
// Tests build a bootstrap with Build (make build-lambda's flags, any architecture), start it
// with Start, send events with Invoke, and read the init duration the emulator reports with
// InitDuration (LogInit logs it with the CPU time to the first event, FirstEventCPU). The emulator is built from the module cache on first use; nothing is fetched
// beyond the Go module proxy.
package lambdatest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sbomcat/sbomcat/internal/testkit"
	"github.com/sbomcat/sbomcat/worker/workertest"
)

// Emulator is the package path of the emulator's command, as go.mod's tool line names it.
const Emulator = "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie"

// BuildFlags are `make build-lambda`'s flags after GOOS/GOARCH/CGO_ENABLED=0; the Makefile
// spells them out and TestMakefileBuildsWithBuildFlags keeps the two equal.
var BuildFlags = []string{"-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w"}

// skipUnlessLinux skips tests on systems the emulator does not run on: it starts the runtime
// with Linux-only process attributes, and Lambda is Linux.
func skipUnlessLinux(t testing.TB) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skipf("the Lambda Runtime Interface Emulator runs on Linux only, not %s", runtime.GOOS)
	}
}

// goBuild runs `go build` in the module root with env added to the test's environment.
func goBuild(t testing.TB, env []string, args ...string) {
	t.Helper()
	root, err := workertest.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(testkit.GoTool(), append([]string{"build"}, args...)...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %v: %v\n%s", args, err, out)
	}
}

// Build builds the command in dir (relative to the working directory: "." in a command's own
// test) as `make build-lambda` does, for linux/goarch, and returns the bootstrap's path.
func Build(t testing.TB, dir, goarch string) string {
	t.Helper()
	pkg, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "bootstrap")
	goBuild(t, []string{"GOOS=linux", "GOARCH=" + goarch, "CGO_ENABLED=0"},
		append(append([]string{}, BuildFlags...), "-o", bin, pkg)...)
	return bin
}

// LinksNone fails the test if the command in the working directory (a command's own test),
// built as `make build-lambda` builds it, links any of pkgs: every package linked costs a cold
// start its initialisation and the pages of the binary.
func LinksNone(t testing.TB, pkgs ...string) {
	t.Helper()
	args := append([]string{"list", "-deps"}, BuildFlags[:2]...) // -tags lambda.norpc
	out, err := exec.Command(testkit.GoTool(), append(args, ".")...).CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if !slices.Contains(deps, "github.com/aws/aws-lambda-go/lambda") {
		t.Fatalf("the dependencies listed lack the Lambda runtime: %v", deps)
	}
	for _, pkg := range pkgs {
		if slices.Contains(deps, pkg) {
			t.Errorf("the function links %s", pkg)
		}
	}
}

// BuildEmulator builds aws-lambda-rie for the host and returns its path.
func BuildEmulator(t testing.TB) string {
	t.Helper()
	skipUnlessLinux(t)
	bin := filepath.Join(t.TempDir(), "aws-lambda-rie")
	goBuild(t, nil, "-o", bin, Emulator)
	return bin
}

// Function is one emulator process running one bootstrap: one sandbox, initialised on the
// first invocation (a cold start) and reused by the next ones.
type Function struct {
	URL  string // the invocation endpoint
	cmd  *exec.Cmd
	out  *testkit.Buffer
	stop func()
}

// Stop stops the emulator and the function (also done when the test ends).
func (f *Function) Stop() { f.stop() }

// Start runs bootstrap under the emulator rie with exactly env as the function's environment
// (the emulator passes its own environment to the function), on free loopback ports for both
// the invocation endpoint and the Runtime API. The function stops when the test ends.
func Start(t testing.TB, rie, bootstrap string, env []string) *Function {
	t.Helper()
	var lastErr error
	// A port free when chosen can be taken before the emulator binds it: try a few.
	for range 5 {
		invoke, api := testkit.FreeAddr(t), testkit.FreeAddr(t)
		f := &Function{URL: "http://" + invoke + "/2015-03-31/functions/function/invocations", out: &testkit.Buffer{}}
		f.cmd = exec.Command(rie, "--runtime-interface-emulator-address", invoke, "--runtime-api-address", api, bootstrap)
		f.cmd.Dir = filepath.Dir(bootstrap)
		// INFO is the level of the emulator's "INIT REPORT" line.
		f.cmd.Env = append([]string{"LOG_LEVEL=info"}, env...)
		f.cmd.Stdout, f.cmd.Stderr = f.out, f.out
		f.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := f.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- f.cmd.Wait() }()
		stop := func() {
			// The emulator starts the bootstrap in a process group of its own, and kills it
			// on SIGTERM; SIGKILL is for an emulator that does not stop.
			f.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-exited:
			case <-time.After(10 * time.Second):
				syscall.Kill(-f.cmd.Process.Pid, syscall.SIGKILL)
				<-exited
			}
		}
		f.stop = sync.OnceFunc(stop)
		if lastErr = waitListening(invoke, exited, f.out); lastErr == nil {
			t.Cleanup(f.stop)
			return f
		}
		f.stop()
	}
	t.Fatalf("aws-lambda-rie did not start: %v", lastErr)
	return nil
}

func waitListening(addr string, exited <-chan error, out *testkit.Buffer) error {
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			return fmt.Errorf("exited: %v: %s", err, out.String())
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("not listening on %s after 20 s: %s", addr, out.String())
}

// Invoke sends event (marshalled to JSON) as one synchronous invocation and returns the
// emulator's status and the function's response payload. A function error is status 200 with
// an error document, as Lambda's Invoke API answers.
func (f *Function) Invoke(t testing.TB, event any) (int, []byte) {
	t.Helper()
	body, err := json.Marshal(event)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(f.URL, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatalf("invoke: %v\nemulator output:\n%s", err, f.Output())
	}
	defer resp.Body.Close()
	payload, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, payload
}

// InvokeOK is Invoke that fails the test unless the invocation succeeded, and decodes the
// response payload into out.
func (f *Function) InvokeOK(t testing.TB, event, out any) {
	t.Helper()
	status, payload := f.Invoke(t, event)
	var fnErr struct {
		ErrorType    string `json:"errorType"`
		ErrorMessage string `json:"errorMessage"`
	}
	if status != http.StatusOK || (json.Unmarshal(payload, &fnErr) == nil && fnErr.ErrorType != "") {
		t.Fatalf("invocation: status %d, payload %s\nemulator output:\n%s", status, payload, f.Output())
	}
	if err := json.Unmarshal(payload, out); err != nil {
		t.Fatalf("response payload %s: %v", payload, err)
	}
}

// Output is everything the emulator and the function have written so far.
func (f *Function) Output() string { return f.out.String() }

// initReport is the emulator's log line for the end of the init phase: the time from starting
// the bootstrap to its first GET /runtime/invocation/next, as Lambda's "Init Duration" is.
// (The "Init Duration" of the emulator's REPORT line is not that: it measures only the
// emulator's hand-off of the init request, a millisecond or so whatever the function does.)
var initReport = regexp.MustCompile(`INIT REPORT\(durationMs: ([0-9.]+)\)`)

// InitDuration returns the init duration of the sandbox's cold start, once it has been
// invoked.
func (f *Function) InitDuration() (time.Duration, error) {
	out := f.Output()
	if strings.Contains(out, "INIT RTDONE(status: error)") {
		return 0, errors.New("the function's init failed")
	}
	m := initReport.FindStringSubmatch(out)
	if m == nil {
		return 0, errors.New("no INIT REPORT line in the emulator's output (not invoked yet?)")
	}
	ms, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return 0, fmt.Errorf("INIT REPORT duration %q: %w", m[1], err)
	}
	return time.Duration(ms * float64(time.Millisecond)), nil
}

// ColdStarts starts bootstrap n times, each in a fresh emulator, invokes it once with event,
// and returns the init durations the emulator reported, in order.
func ColdStarts(t testing.TB, rie, bootstrap string, env []string, event any, n int) []time.Duration {
	t.Helper()
	var ds []time.Duration
	for range n {
		f := Start(t, rie, bootstrap, env)
		if status, payload := f.Invoke(t, event); status != http.StatusOK {
			t.Fatalf("cold start invocation: status %d, %s\n%s", status, payload, f.Output())
		}
		// The emulator may write its INIT REPORT line after the invocation has answered.
		d, err := f.InitDuration()
		for deadline := time.Now().Add(10 * time.Second); err != nil && time.Now().Before(deadline); {
			time.Sleep(20 * time.Millisecond)
			d, err = f.InitDuration()
		}
		if err != nil {
			t.Fatalf("%v\nemulator output:\n%s", err, f.Output())
		}
		ds = append(ds, d)
		f.Stop()
	}
	return ds
}

// LogInit logs what a cold start of bootstrap costs: the init duration the emulator reports,
// best of three cold starts (each invoked once with event), and the CPU time the bootstrap has
// used when it first asks for an event, median of five starts. Wall-clock times on a shared
// machine follow its load, so they are logged, never asserted; the CPU time is the steadier
// figure to compare builds by.
func LogInit(t testing.TB, rie, bootstrap string, env []string, event any) {
	t.Helper()
	inits := ColdStarts(t, rie, bootstrap, env, event, 3)
	t.Logf("init duration (aws-lambda-rie INIT REPORT), best of %d cold starts: %v (all: %v)", len(inits), slices.Min(inits), inits)
	var cpu []time.Duration
	for range 5 {
		cpu = append(cpu, FirstEventCPU(t, bootstrap, env))
	}
	slices.Sort(cpu)
	t.Logf("CPU time to the first /next, median of %d starts: %v (all: %v)", len(cpu), cpu[len(cpu)/2], cpu)
}

// FirstEventCPU starts bootstrap with env against a Runtime API of its own and returns the CPU
// time (user and system, all its threads: /proc/<pid>/task/*/schedstat) it has used when it
// first asks for an event (GET /2018-06-01/runtime/invocation/next), the end of Lambda's init
// phase. The bootstrap is then killed.
func FirstEventCPU(t testing.TB, bootstrap string, env []string) time.Duration {
	t.Helper()
	skipUnlessLinux(t)
	asked := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/runtime/invocation/next") {
			select {
			case asked <- struct{}{}:
			default:
			}
		}
		<-r.Context().Done() // the request is pending until the bootstrap is killed
	}))
	defer srv.Close()
	cmd := exec.Command(bootstrap)
	cmd.Env = append([]string{"AWS_LAMBDA_RUNTIME_API=" + srv.Listener.Addr().String()}, env...)
	var out testkit.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() { cmd.Process.Kill(); <-exited }()
	select {
	case <-asked:
		// The bootstrap waits for the answer: its CPU time stands still.
		return threadsCPU(cmd.Process.Pid)
	case err := <-exited:
		t.Fatalf("the bootstrap exited before asking for an event: %v\n%s", err, out.String())
	case <-time.After(20 * time.Second):
		t.Fatalf("the bootstrap did not ask for an event within 20 s\n%s", out.String())
	}
	return 0
}

// threadsCPU is the time pid's threads have run, from the first field of their schedstat.
func threadsCPU(pid int) time.Duration {
	stats, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/schedstat", pid))
	var ns int64
	for _, s := range stats {
		b, err := os.ReadFile(s)
		if err != nil {
			continue // a thread that has just ended
		}
		if f := strings.Fields(string(b)); len(f) > 0 {
			n, _ := strconv.ParseInt(f[0], 10, 64)
			ns += n
		}
	}
	return time.Duration(ns)
}
