// Package httpguard bounds what a slow or stalled client can cost an HTTP server: time, by
// closing a connection that makes no progress for a while, and memory, by a budget for the
// request bodies that handlers hold in memory, shared by all connections.
//
// It is not an authenticator and knows nothing of AWS: handlers still refuse what they must
// (from the headers, before the body, where they can). It is installed once, on the server
// and around the handler:
//
//	g := httpguard.New(httpguard.Config{Stall: 30 * time.Second})
//	srv := g.Server(mux, logger)
//
// and g.Buffered wraps the handlers (or routes) that read whole bodies into memory.
//
// Why per-read deadlines and not http.Server.ReadTimeout/WriteTimeout: those bound a whole
// request, and a 1 GiB upload at normal speed must not be cut, while a client that sends
// nothing for Stall must be. A deadline of Stall is set before each body read and each write
// (in pieces of at most writeChunk bytes), so a client that keeps moving is never cut, and
// one that stops is cut Stall later.
package httpguard

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/sbomcat/sbomcat/internal/defaults"
)

// Defaults of Config's zero values.
const (
	DefaultStall       = 30 * time.Second
	DefaultMaxBuffered = 64 << 20
	// DefaultMaxHeaderBytes caps a request's header block. net/http's default is 1 MiB, so
	// that 1,000 clients trickling headers could hold a GiB; SigV4-signed AWS requests
	// (presigned query strings included) need a few KiB.
	DefaultMaxHeaderBytes = 64 << 10
)

// writeChunk is the largest piece written under one deadline: a client that reads slowly
// but steadily takes well under Stall for it.
const writeChunk = 64 << 10

// readChunk is the most one Read of a Buffered body reserves, so that a reader asking for a
// huge buffer does not reserve far more than will arrive.
const readChunk = 64 << 10

// ErrBusy is the error of a Buffered body's Read when the budget stayed full for Stall.
var ErrBusy = errors.New("httpguard: the server holds too many unfinished request bodies; retry later")

// Config configures a Guard. Zero fields take the defaults.
type Config struct {
	// Stall is how long a request may go without progress: the header block must arrive
	// within it (http.Server.ReadHeaderTimeout), and each body read and each response write
	// must move some bytes within it, or the connection is closed.
	Stall time.Duration
	// MaxBuffered bounds the bytes read, and not yet released, by all requests in Buffered
	// handlers together. A request releases its bytes when its handler returns.
	MaxBuffered int64
	// MaxHeaderBytes is http.Server.MaxHeaderBytes.
	MaxHeaderBytes int
}

// Guard applies a Config. Its methods are safe for concurrent use.
type Guard struct {
	stall          time.Duration
	maxHeaderBytes int
	budget         budget
}

// New returns a Guard for cfg.
func New(cfg Config) *Guard {
	return &Guard{stall: defaults.Positive(cfg.Stall, DefaultStall),
		maxHeaderBytes: defaults.Positive(cfg.MaxHeaderBytes, DefaultMaxHeaderBytes),
		budget:         budget{max: defaults.Positive(cfg.MaxBuffered, DefaultMaxBuffered), freed: make(chan struct{})}}
}

// Stall returns the configured stall timeout.
func (g *Guard) Stall() time.Duration { return g.stall }

// Held returns the bytes Buffered handlers hold now.
func (g *Guard) Held() int64 {
	g.budget.mu.Lock()
	defer g.budget.mu.Unlock()
	return g.budget.used
}

// Server returns the server sbomcat's commands serve h with: h behind Handler, the header
// limits of Configure, idle keep-alive connections closed after two minutes, and the server's
// own complaints (TLS handshakes, malformed requests) logged as warnings. There is no
// ReadTimeout or WriteTimeout: a 5 GiB object takes a while to upload or download, and the
// guard cuts a connection that stalls instead.
func (g *Guard) Server(h http.Handler, log *slog.Logger) *http.Server {
	srv := &http.Server{
		Handler:           g.Handler(h),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	g.Configure(srv)
	return srv
}

// Configure sets srv's header limits: the header block within Stall (or the server's own
// ReadHeaderTimeout if shorter), at most MaxHeaderBytes. ReadTimeout and WriteTimeout are
// left alone (zero): Handler bounds progress instead of total time.
func (g *Guard) Configure(srv *http.Server) {
	if srv.ReadHeaderTimeout <= 0 || srv.ReadHeaderTimeout > g.stall {
		srv.ReadHeaderTimeout = g.stall
	}
	if srv.MaxHeaderBytes <= 0 || srv.MaxHeaderBytes > g.maxHeaderBytes {
		srv.MaxHeaderBytes = g.maxHeaderBytes
	}
}

// Handler wraps next so that each body read and each response write must make progress
// within Stall. Mount it outermost: it needs the server's own ResponseWriter to set the
// connection's deadlines.
func (g *Guard) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		// A deadline left by the previous request on this connection must not cut this one.
		_ = rc.SetWriteDeadline(time.Time{})
		body := &stallBody{r: r.Body, rc: rc, stall: g.stall}
		if r.Body != nil && r.Body != http.NoBody {
			r = withBody(r, body)
		} else {
			body.done = true
		}
		next.ServeHTTP(&stallWriter{ResponseWriter: w, rc: rc, stall: g.stall}, r)
		// What is left (the buffered end of the response; the rest of a body the handler did
		// not read, which net/http may discard to reuse the connection) must move too.
		_ = rc.SetWriteDeadline(time.Now().Add(g.stall))
		if !body.done {
			_ = rc.SetReadDeadline(time.Now().Add(g.stall))
		}
	})
}

// withBody returns a shallow copy of r reading body. The server's own request must keep its
// body: net/http inspects it after the handler (was it read to the end, may the rest be
// discarded, may the connection be reused), and would otherwise reuse a connection whose
// body was cut short and parse the rest of the body as the next request.
func withBody(r *http.Request, body io.ReadCloser) *http.Request {
	r2 := new(http.Request)
	*r2 = *r
	r2.Body = body
	return r2
}

// stallBody gives each Read a deadline of stall and lifts it at the end of the body, when
// net/http starts its own background read of the connection (which must not time out while
// the handler works).
type stallBody struct {
	r     io.ReadCloser
	rc    *http.ResponseController
	stall time.Duration
	done  bool
}

func (b *stallBody) Read(p []byte) (int, error) {
	if !b.done {
		_ = b.rc.SetReadDeadline(time.Now().Add(b.stall))
	}
	n, err := b.r.Read(p)
	// Only the end of the body lifts the deadline: after a failed read net/http may still try
	// to read (and discard) the rest, which must stay bounded.
	if err == io.EOF && !b.done {
		b.done = true
		_ = b.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}

func (b *stallBody) Close() error { return b.r.Close() }

// stallWriter gives each piece of a response a write deadline of stall.
type stallWriter struct {
	http.ResponseWriter
	rc    *http.ResponseController
	stall time.Duration
}

func (w *stallWriter) Write(p []byte) (int, error) {
	written := 0
	for len(p) > 0 {
		piece := p[:min(len(p), writeChunk)]
		_ = w.rc.SetWriteDeadline(time.Now().Add(w.stall))
		n, err := w.ResponseWriter.Write(piece)
		written += n
		if err != nil {
			return written, err
		}
		p = p[n:]
	}
	return written, nil
}

func (w *stallWriter) Flush() {
	_ = w.rc.SetWriteDeadline(time.Now().Add(w.stall))
	_ = w.rc.Flush()
}

// Unwrap lets http.ResponseController reach the server's writer.
func (w *stallWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Buffered wraps next, a handler that holds the request bodies it reads in memory: each byte
// it reads counts against MaxBuffered until it returns. A read that finds the budget full
// waits for room up to Stall (a stalled client holding room is cut by then), then fails with
// ErrBusy.
func (g *Guard) Buffered(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		b := &budgetBody{r: r.Body, g: g, req: r}
		defer func() { g.budget.release(b.held) }()
		next.ServeHTTP(w, withBody(r, b))
	})
}

// BufferedIf is Buffered for the requests buffers reports true for (an S3 endpoint holds
// XML documents in memory but streams object data); the others are served by next as they
// are.
func (g *Guard) BufferedIf(next http.Handler, buffers func(*http.Request) bool) http.Handler {
	b := g.Buffered(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if buffers(r) {
			b.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// budgetBody reserves budget before each read and keeps what was read.
type budgetBody struct {
	r    io.ReadCloser
	g    *Guard
	req  *http.Request
	held int64
}

func (b *budgetBody) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return b.r.Read(p)
	}
	p = p[:min(len(p), readChunk)]
	want := int64(len(p))
	if err := b.g.budget.acquire(b.req, want, b.g.stall); err != nil {
		return 0, err
	}
	n, err := b.r.Read(p)
	b.g.budget.release(want - int64(n))
	b.held += int64(n)
	return n, err
}

func (b *budgetBody) Close() error { return b.r.Close() }

// budget is a counting semaphore over bytes whose waiters wake when bytes are released.
type budget struct {
	mu    sync.Mutex
	used  int64
	max   int64
	freed chan struct{} // closed, and replaced, at each release
}

// acquire takes n bytes, waiting up to timeout (or until r's context ends) for room.
func (b *budget) acquire(r *http.Request, n int64, timeout time.Duration) error {
	var timer *time.Timer
	for {
		b.mu.Lock()
		if b.used+n <= b.max {
			b.used += n
			b.mu.Unlock()
			return nil
		}
		freed := b.freed
		b.mu.Unlock()
		if timer == nil {
			timer = time.NewTimer(timeout)
			defer timer.Stop()
		}
		select {
		case <-freed:
		case <-timer.C:
			return ErrBusy
		case <-r.Context().Done():
			return r.Context().Err()
		}
	}
}

func (b *budget) release(n int64) {
	if n <= 0 {
		return
	}
	b.mu.Lock()
	b.used -= n
	close(b.freed)
	b.freed = make(chan struct{})
	b.mu.Unlock()
}
