package testkit

import (
	"bufio"
	"encoding/json"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// Server is a server process a test started with StartServer.
type Server struct {
	Cmd *exec.Cmd
	// URL is http:// and the address of the process's "serving" log line.
	URL  string
	done chan struct{}
	err  error // Wait's result, once done is closed
}

// StartServer starts cmd, which logs JSON lines to stderr, and returns once it logged
// {"msg":"serving","addr":...}; it fails t if the process exits first or says nothing of the
// kind within 30 s. When the test ends the process gets SIGTERM, and SIGKILL 15 s later.
func StartServer(t testing.TB, cmd *exec.Cmd) *Server {
	t.Helper()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &Server{Cmd: cmd, done: make(chan struct{})}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			var line struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "serving" {
				select {
				case addr <- line.Addr:
				default:
				}
			}
		}
		s.err = cmd.Wait()
		close(s.done)
	}()
	t.Cleanup(func() {
		if s.Stop(15*time.Second) == errStillRunning {
			cmd.Process.Kill()
		}
	})
	select {
	case a := <-addr:
		s.URL = "http://" + a
	case <-s.done:
		t.Fatalf("%s exited before serving: %v", cmd.Path, s.err)
	case <-time.After(30 * time.Second):
		t.Fatalf("%s did not report its address in 30 s", cmd.Path)
	}
	return s
}

type stillRunning struct{}

func (stillRunning) Error() string { return "still running" }

var errStillRunning error = stillRunning{}

// Stop sends SIGTERM and returns the process's exit error, or an error saying it is still
// running after patience.
func (s *Server) Stop(patience time.Duration) error {
	s.Cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
		return s.err
	case <-time.After(patience):
		return errStillRunning
	}
}
