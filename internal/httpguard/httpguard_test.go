package httpguard_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sbomcat/sbomcat/internal/httpguard"
)

// stall is short so the tests are quick; waits for what it causes are bounded by wait, which
// is generous and never a measure of speed.
const (
	stall = 300 * time.Millisecond
	wait  = 30 * time.Second
)

// serve runs h behind g on a loopback listener until the test ends.
func serve(t *testing.T, g *httpguard.Guard, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := g.Server(h, slog.New(slog.DiscardHandler))
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// closedByServer reports whether the server closes c (EOF or reset, after any response)
// within wait.
func closedByServer(c net.Conn) bool {
	_ = c.SetReadDeadline(time.Now().Add(wait))
	_, err := io.Copy(io.Discard, c)
	var ne net.Error
	return !(errors.As(err, &ne) && ne.Timeout())
}

// TestStalledBody: a client that stops sending its body is cut, and the handler's read fails;
// one that sends slowly but steadily, for longer than the stall timeout in all, is not.
func TestStalledBody(t *testing.T) {
	g := httpguard.New(httpguard.Config{Stall: stall})
	readErr := make(chan error, 2)
	addr := serve(t, g, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, err := io.Copy(io.Discard, r.Body)
		r.Body.Close() // as gofakes3 does
		readErr <- err
		fmt.Fprintf(w, "%d", n)
	}))

	t.Run("stalled", func(t *testing.T) {
		c := dial(t, addr)
		fmt.Fprintf(c, "PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n%s", strings.Repeat("a", 999))
		if !closedByServer(c) {
			t.Fatal("the stalled connection is still open")
		}
		var ne net.Error
		if err := <-readErr; !errors.As(err, &ne) || !ne.Timeout() {
			t.Errorf("handler's read: %v, want a timeout", err)
		}
	})
	t.Run("rest of a cut body is not a request", func(t *testing.T) {
		c := dial(t, addr)
		fmt.Fprintf(c, "PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n%s", strings.Repeat("a", 500))
		<-readErr
		// The body's next bytes, after the cut, look like a request: they must not be served.
		fmt.Fprintf(c, "PUT /smuggled HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
		if !closedByServer(c) {
			t.Fatal("the stalled connection is still open")
		}
		select {
		case err := <-readErr:
			t.Errorf("the rest of a cut body was served as a request (%v)", err)
		default:
		}
	})
	t.Run("slow but steady", func(t *testing.T) {
		c := dial(t, addr)
		fmt.Fprintf(c, "PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 8\r\n\r\n")
		for range 8 { // 8 × stall/3 > 2 × stall in all
			time.Sleep(stall / 3)
			if _, err := c.Write([]byte("a")); err != nil {
				t.Fatal(err)
			}
		}
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK || string(b) != "8" {
			t.Errorf("%d %q", resp.StatusCode, b)
		}
		if err := <-readErr; err != nil {
			t.Error(err)
		}
	})
	t.Run("stalled headers", func(t *testing.T) {
		c := dial(t, addr)
		fmt.Fprintf(c, "PUT / HTTP/1.1\r\nHost: x\r\n")
		if !closedByServer(c) {
			t.Fatal("the connection with half its headers is still open")
		}
	})
}

// TestStalledReader: a client that stops reading the response makes the handler's write
// fail; the connection does not stay blocked.
func TestStalledReader(t *testing.T) {
	g := httpguard.New(httpguard.Config{Stall: stall})
	writeErr := make(chan error, 1)
	addr := serve(t, g, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chunk := make([]byte, 1<<20)
		var err error
		for i := 0; i < 1024 && err == nil; i++ { // 1 GiB: more than any socket buffers
			_, err = w.Write(chunk)
		}
		writeErr <- err
	}))
	c := dial(t, addr)
	fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	select {
	case err := <-writeErr:
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			t.Errorf("handler's write: %v, want a timeout", err)
		}
	case <-time.After(wait):
		t.Fatal("the handler is still writing to a client that does not read")
	}
}

// TestKeepAliveAfterStall: a connection idle for longer than the stall timeout between two
// requests serves the second one (no deadline of the first request is left to cut it).
func TestKeepAliveAfterStall(t *testing.T) {
	g := httpguard.New(httpguard.Config{Stall: stall})
	addr := serve(t, g, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if r.URL.Path == "/empty" {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		fmt.Fprint(w, "body")
	}))
	c := dial(t, addr)
	br := bufio.NewReader(c)
	for i, path := range []string{"/body", "/empty", "/body"} {
		if i > 0 {
			time.Sleep(2 * stall)
		}
		fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nab", path)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("request %d (%s): %v", i, path, err)
		}
		io.Copy(io.Discard, resp.Body)
		if resp.StatusCode >= 300 {
			t.Errorf("request %d: %d", i, resp.StatusCode)
		}
	}
}

// TestBudget: bodies held by Buffered handlers never exceed MaxBuffered in total, whatever
// the number of connections; a reader that finds no room waits, gets room when a holder
// finishes, and fails with ErrBusy when none does within the stall timeout.
func TestBudget(t *testing.T) {
	const budget, body = 1 << 20, 400 << 10 // room for two bodies, not three
	g := httpguard.New(httpguard.Config{Stall: stall, MaxBuffered: budget})
	release := make(chan struct{})
	var mu sync.Mutex
	var peak int64
	results := make(chan error, 10)
	addr := serve(t, g, g.Buffered(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := io.ReadAll(r.Body)
		mu.Lock()
		peak = max(peak, g.Held())
		mu.Unlock()
		results <- err
		if err == nil && r.URL.Path == "/hold" {
			<-release
		}
	})))
	send := func(path string) {
		c := dial(t, addr)
		fmt.Fprintf(c, "PUT %s HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s", path, body, strings.Repeat("a", body))
	}
	send("/hold")
	send("/hold")
	for range 2 {
		if err := <-results; err != nil {
			t.Fatalf("holder: %v", err)
		}
	}
	if held := g.Held(); held != 2*body {
		t.Errorf("held %d, want %d", held, 2*body)
	}
	// A third body finds no room and, with no holder finishing, fails after the stall timeout.
	send("/once")
	if err := <-results; !errors.Is(err, httpguard.ErrBusy) {
		t.Errorf("third body with the budget full: %v, want ErrBusy", err)
	}
	// Once the holders finish, everything they held is released and a new body fits.
	close(release)
	deadline := time.Now().Add(wait)
	for g.Held() != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if held := g.Held(); held != 0 {
		t.Fatalf("held %d after every handler returned", held)
	}
	send("/once")
	if err := <-results; err != nil {
		t.Errorf("body after release: %v", err)
	}
	if peak > budget {
		t.Errorf("peak %d bytes held, budget %d", peak, budget)
	}
}
