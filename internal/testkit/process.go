package testkit

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	iottypes "github.com/aws/aws-sdk-go-v2/service/iot/types"
)

// ServerDeadline bounds StartServer's, WaitLog's and WaitValidated's waits: generous, because a loaded CI
// machine is slow, and never a measure of speed.
const ServerDeadline = 2 * time.Minute

// Server is a server process a test started with StartServer.
type Server struct {
	Cmd *exec.Cmd
	// Addr is the address of the process's "serving" log line; URL is http:// and Addr.
	Addr, URL string
	// Logs is what the process wrote to stdout and stderr.
	Logs *Buffer
	done chan struct{}
	err  error // Wait's result, once done is closed
}

// StartServer starts cmd, which logs JSON lines, and returns once it logged
// {"msg":"serving","addr":...}; it fails t if the process exits first or says nothing of the
// kind within ServerDeadline. When the test ends the process is shut down (Shutdown, with a
// patience of 15 s).
func StartServer(t testing.TB, cmd *exec.Cmd) *Server {
	t.Helper()
	s := &Server{Cmd: cmd, Logs: &Buffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = s.Logs, s.Logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.err = cmd.Wait(); close(s.done) }()
	t.Cleanup(func() { s.Shutdown(15 * time.Second) })
	s.Addr = s.WaitLog(t, "serving", "addr")
	s.URL = "http://" + s.Addr
	return s
}

// WaitLog waits until the process has logged a JSON line whose msg begins with msg and
// returns that line's member key (a string); it fails t if the process exits first or logs
// no such line within ServerDeadline.
func (s *Server) WaitLog(t testing.TB, msg, key string) string {
	t.Helper()
	end := time.Now().Add(ServerDeadline)
	for {
		sc := bufio.NewScanner(strings.NewReader(s.Logs.String()))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var line map[string]any
			if json.Unmarshal(sc.Bytes(), &line) != nil {
				continue
			}
			if m, _ := line["msg"].(string); strings.HasPrefix(m, msg) {
				v, _ := line[key].(string)
				return v
			}
		}
		select {
		case <-s.done:
			t.Fatalf("%s exited before logging %q: %v\n%s", s.Cmd.Path, msg, s.err, s.Logs)
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(end) {
			t.Fatalf("%s logged no %q in %s:\n%s", s.Cmd.Path, msg, ServerDeadline, s.Logs)
		}
	}
}

// WaitValidated polls GetPackageVersion until the version's SBOM status leaves IN_PROGRESS and
// returns it; it fails t if a call fails or the status has not changed within ServerDeadline.
func WaitValidated(t testing.TB, c *iot.Client, pkg, version string) iottypes.SbomValidationStatus {
	t.Helper()
	end := time.Now().Add(ServerDeadline)
	for {
		v, err := c.GetPackageVersion(context.Background(), &iot.GetPackageVersionInput{PackageName: aws.String(pkg), VersionName: aws.String(version)})
		if err != nil {
			t.Fatalf("GetPackageVersion %s %s: %v", pkg, version, err)
		}
		if s := v.SbomValidationStatus; s != iottypes.SbomValidationStatusInProgress {
			return s
		}
		if time.Now().After(end) {
			t.Fatalf("%s %s still IN_PROGRESS after %s", pkg, version, ServerDeadline)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// ErrStillRunning is Stop's error for a process still running after the patience given.
var ErrStillRunning = errors.New("still running")

// Stop sends SIGTERM, as a service manager does, and returns the process's exit error, or an
// error saying it is still running after patience. A process that has ended is not signalled.
func (s *Server) Stop(patience time.Duration) error {
	if !s.Exited() {
		s.Cmd.Process.Signal(syscall.SIGTERM)
	}
	select {
	case <-s.done:
		return s.err
	case <-time.After(patience):
		return ErrStillRunning
	}
}

// Shutdown stops the process as Stop does, and kills it if it is still running after patience.
func (s *Server) Shutdown(patience time.Duration) {
	if s.Stop(patience) == ErrStillRunning {
		s.Kill()
	}
}

// Kill sends SIGKILL (no shutdown, no flushing, as in a crash) and waits for the process to end.
func (s *Server) Kill() {
	s.Cmd.Process.Kill()
	<-s.done
}

// Exited reports whether the process has ended.
func (s *Server) Exited() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// HermeticEnv is the test process's environment without the variables that configure
// sbomcat's programs (SBOMCAT_, SBOMD_, SBOMWORKER_) or the AWS SDK (AWS_), plus extra: a
// process started with it is configured by its flags and extra alone.
func HermeticEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "SBOMCAT_") || strings.HasPrefix(k, "SBOMD_") || strings.HasPrefix(k, "SBOMWORKER_") || strings.HasPrefix(k, "AWS_") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, extra...)
}
