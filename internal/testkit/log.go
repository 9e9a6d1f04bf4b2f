package testkit

import (
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
)

// Logger logs JSON lines, as the programs do, to t.Log while the test runs (shown for failures
// and with -v), and drops the lines that come after it ended (t.Log would panic then). A
// benchmark's logger formats every line as production does, and drops it.
func Logger(t testing.TB) *slog.Logger {
	if _, ok := t.(*testing.B); ok {
		return slog.New(slog.NewJSONHandler(io.Discard, nil))
	}
	w := &testWriter{t: t}
	t.Cleanup(func() { w.mu.Lock(); w.done = true; w.mu.Unlock() })
	return slog.New(slog.NewJSONHandler(w, nil))
}

type testWriter struct {
	mu   sync.Mutex
	t    testing.TB
	done bool
}

func (w *testWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Log(strings.TrimSpace(string(p)))
	}
	return len(p), nil
}
