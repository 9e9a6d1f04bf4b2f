// Package testkit holds the helpers the tests of several packages share: a buffer concurrent
// writers (processes, loggers) can fill while a test reads it, free loopback addresses,
// building the module's binaries and running them as servers (process.go), plain HTTP
// requests (http.go), SDK clients and SigV4 signing (sdk.go), the shared SBOM fixtures
// (sboms.go, Fixture) and zip archives of them, the SBOMs written by others and their
// manifest (samples.go), CPU time (cpu.go), a logger to t.Log (log.go), and a recording
// queue. It is for tests only; nothing in a binary imports it.
package testkit

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Buffer collects what concurrent writers write (a process's output, logs, metrics) for a
// test to read at any time.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// String is everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// FreePort is a loopback port no one listens on at the moment of the call, for a server
// started next (which may lose it to another process: callers retry).
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// FreeAddr is "127.0.0.1:" and a FreePort, for a server the test starts next.
func FreeAddr(t testing.TB) string {
	t.Helper()
	p, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(p))
}

// GoTool is the go command: `go test` puts $GOROOT/bin first on the PATH of its tests.
func GoTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return "go"
}

// Build builds the main package in dir (relative to the test's package directory) with the
// given build tags into a temporary directory of the test and returns the binary's path.
func Build(t testing.TB, dir, name string, tags ...string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), name)
	args := []string{"build"}
	if len(tags) > 0 {
		args = append(args, "-tags", strings.Join(tags, ","))
	}
	cmd := exec.Command(GoTool(), append(args, "-o", bin, ".")...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", dir, err, out)
	}
	return bin
}

// Fixture is the path of a shared test fixture in the repository's top-level testdata folder:
// "cdx16-valid.json", or "convert/cdx16.xml" for the encodings sbomctl convert reads. A pattern
// ("*.json") gives a pattern for filepath.Glob.
func Fixture(name string) string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		panic("testkit: no caller information to find the testdata folder")
	}
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata", filepath.FromSlash(name))
}

// ReadFixture reads a shared test fixture (see Fixture), failing the test when it cannot.
func ReadFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(Fixture(name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// SkipShort skips t under -short, saying why: for tests that build binaries or start processes,
// emulators or browsers.
func SkipShort(t testing.TB, why string) {
	t.Helper()
	if testing.Short() {
		t.Skip(why)
	}
}

// AWSCLI is the path of the aws command on the PATH, for tests that drive the AWS CLI; t is
// skipped when there is none, with why it needs one.
func AWSCLI(t testing.TB, why string) string {
	t.Helper()
	p, err := exec.LookPath("aws")
	if err != nil {
		t.Skip("no aws command on the PATH: " + why)
	}
	return p
}
