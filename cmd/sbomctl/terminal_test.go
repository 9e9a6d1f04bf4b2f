package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/sbomcat/sbomcat/internal/testkit"
)

// fakeTerminal is a terminal of a given width, for the table and the progress display.
type fakeTerminal struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	width  int
	onData func(string) // called with everything written so far, after each write
}

func (f *fakeTerminal) TerminalWidth() int { return f.width }

func (f *fakeTerminal) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, err := f.buf.Write(p)
	if f.onData != nil {
		f.onData(f.buf.String())
	}
	return n, err
}

func (f *fakeTerminal) String() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.buf.String()
}

var ansi = regexp.MustCompile("\x1b\\[[0-9;]*[A-Za-z]")

// TestTableOnTerminal: on a terminal the table fits its width (paths shortened in the middle,
// messages wrapped) and is coloured unless NO_COLOR says otherwise; piped, nothing is cut.
func TestTableOnTerminal(t *testing.T) {
	long := strings.Repeat("very-long-directory-name/", 6) + "firmware.cdx.json"
	d := files(t, map[string]string{"good.json": testkit.CycloneDXValid})
	tree := filepath.Join(d, filepath.FromSlash(long))
	writeFile(t, tree, cdxInvalidLines)
	args := []string{"validate", filepath.Join(d, "good.json"), tree}
	tests := []struct {
		name     string
		width    int // 0: not a terminal
		env      map[string]string
		colour   bool
		fullPath bool
	}{
		{name: "terminal, 100 columns", width: 100, colour: true},
		{name: "terminal, 60 columns", width: 60, colour: true},
		{name: "terminal with NO_COLOR", width: 100, env: map[string]string{"NO_COLOR": "1"}},
		{name: "dumb terminal", width: 100, env: map[string]string{"TERM": "dumb"}},
		{name: "piped", fullPath: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout interface {
				io.Writer
				String() string
			} = &bytes.Buffer{}
			if tt.width > 0 {
				stdout = &fakeTerminal{width: tt.width}
			}
			code := run(context.Background(), args, stdout, &bytes.Buffer{}, func(k string) string { return tt.env[k] })
			out := stdout.String()
			if code != exitFailed {
				t.Errorf("exit status %d", code)
			}
			if got := strings.Contains(out, "\x1b["); got != tt.colour {
				t.Errorf("colour %v, want %v:\n%s", got, tt.colour, out)
			}
			plain := ansi.ReplaceAllString(out, "")
			if got := strings.Contains(plain, tree); got != tt.fullPath {
				t.Errorf("full path shown %v, want %v:\n%s", got, tt.fullPath, plain)
			}
			if !tt.fullPath && !strings.Contains(plain, "…") || !strings.Contains(plain, "firmware.cdx.json") {
				t.Errorf("the path is not shortened in the middle:\n%s", plain)
			}
			for _, line := range strings.Split(plain, "\n") {
				if n := utf8.RuneCountInString(line); tt.width > 0 && n > tt.width {
					t.Errorf("line of %d characters on a %d-column terminal: %q", n, tt.width, line)
				}
			}
			// Wrapped or not, the whole message is there.
			msg := "CycloneDX 1.6 JSON: schema violation at /components/1/purl (line 5, column 14): expected string, got number"
			squeeze := func(s string) string { return strings.Join(strings.Fields(s), "") }
			if !strings.Contains(squeeze(plain), squeeze(msg)) {
				t.Errorf("message cut:\n%s", plain)
			}
		})
	}
}

// TestProgress: on a terminal, progress shows once the run lasts; elsewhere never.
func TestProgress(t *testing.T) {
	defer func(d time.Duration, r io.Reader) { progressDelay, stdin = d, r }(progressDelay, stdin)
	progressDelay = 0
	d := files(t, map[string]string{"a.json": testkit.CycloneDXValid})

	// Standard input blocks until the progress line is on the terminal, so the run is
	// certainly still going when it shows.
	shown := make(chan struct{})
	var once sync.Once
	stderr := &fakeTerminal{width: 80, onData: func(s string) {
		if strings.Contains(s, "1 of 2 files") {
			once.Do(func() { close(shown) })
		}
	}}
	pr, pw := io.Pipe()
	stdin = pr
	go func() {
		<-shown
		pw.Write([]byte(testkit.CycloneDXValid))
		pw.Close()
	}()
	code := run(context.Background(), []string{"validate", filepath.Join(d, "a.json"), "-"}, &bytes.Buffer{}, stderr, noEnv)
	if code != exitOK {
		t.Errorf("exit status %d: %s", code, stderr.String())
	}
	if out := stderr.String(); !strings.HasSuffix(out, "\r\x1b[K") {
		t.Errorf("progress line not cleared at the end: %q", out)
	}

	// Not a terminal: nothing, however long it takes.
	var plain bytes.Buffer
	stdin = strings.NewReader(testkit.CycloneDXValid)
	if code := run(context.Background(), []string{"validate", filepath.Join(d, "a.json"), "-"}, &bytes.Buffer{}, &plain, noEnv); code != exitOK || plain.Len() > 0 {
		t.Errorf("exit %d, stderr %q", code, plain.String())
	}
}
