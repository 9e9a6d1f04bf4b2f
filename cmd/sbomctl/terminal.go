package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"time"
)

// terminalWidth reports whether w is a terminal and how many columns it has. Tests stand in
// for a terminal with a writer that has a TerminalWidth method.
func terminalWidth(w io.Writer, getenv func(string) string) (int, bool) {
	if t, ok := w.(interface{ TerminalWidth() int }); ok {
		return t.TerminalWidth(), true
	}
	f, ok := w.(*os.File)
	if !ok {
		return 0, false
	}
	cols, ok := fileTerminalWidth(f)
	if !ok {
		return 0, false
	}
	if cols <= 0 {
		if n, err := strconv.Atoi(getenv("COLUMNS")); err == nil && n > 0 {
			cols = n
		} else {
			cols = 80
		}
	}
	return cols, true
}

// useColour follows https://no-color.org: colour only on a terminal, never when NO_COLOR is set
// to anything, nor on a dumb terminal.
func useColour(onTerminal bool, getenv func(string) string) bool {
	return onTerminal && getenv("NO_COLOR") == "" && getenv("TERM") != "dumb"
}

// progress shows files and bytes done on a terminal, from after a delay on, so quick runs show
// nothing.
type progress struct {
	w             io.Writer
	total         int
	totalBytes    int64
	mu            sync.Mutex
	done          int
	doneBytes     int64
	shown         bool
	stop, stopped chan struct{}
}

// startProgress starts showing progress on w after delay; stop it with finish.
func startProgress(w io.Writer, total int, totalBytes int64, delay time.Duration) *progress {
	p := &progress{w: w, total: total, totalBytes: totalBytes, stop: make(chan struct{}), stopped: make(chan struct{})}
	go func() {
		defer close(p.stopped)
		t := time.NewTimer(delay)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-t.C:
				p.show()
				t.Reset(250 * time.Millisecond)
			}
		}
	}()
	return p
}

func (p *progress) add(bytes int64) {
	p.mu.Lock()
	p.done++
	if bytes > 0 {
		p.doneBytes += bytes
	}
	p.mu.Unlock()
}

func (p *progress) show() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.shown = true
	fmt.Fprintf(p.w, "\r\x1b[Ksbomctl: %d of %d files, %s of %s", p.done, p.total, mib(p.doneBytes), mib(p.totalBytes))
}

// Write writes a message on the terminal, clearing the progress line first.
func (p *progress) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
	return p.w.Write(b)
}

// finish stops the display and clears its line.
func (p *progress) finish() {
	close(p.stop)
	<-p.stopped
	if p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
