// Package console is sbomcat's console in the browser: pages that show the package catalog,
// each version's per-file validation results, and a Validate view that judges files dropped
// onto it, served under /console/ on sbomd's own address.
//
// Everything it serves is embedded (static/: hand-written HTML, CSS and JavaScript, no build
// step, nothing fetched from elsewhere). It reads the catalog through the small Catalog
// interface, the read methods of the catalog service the API uses, and validates uploads with
// the validator package, so its verdicts are sbomctl's and the worker's. It stores nothing.
//
// The console is the one part of sbomd that is not behind SigV4, so it has its own guard: a
// token, exchanged once for an HttpOnly, SameSite=Strict session cookie (see Handler.ServeHTTP).
// It is not a multi-user application: whoever holds the token sees the whole catalog.
package console

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/internal/defaults"
	"github.com/sbomcat/sbomcat/validator"
)

// Prefix is the path the console is served under.
const Prefix = "/console/"

// cookieName is the session cookie's name.
const cookieName = "sbomcat_console"

//go:embed static
var static embed.FS

// Catalog is what the console reads: the read methods of the catalog service (sbomcat.Store has
// the same ones). Errors are *sbomcat.Error for what the caller asked wrongly (ENOTFOUND,
// EINVALID), anything else is internal.
type Catalog interface {
	GetPackage(ctx context.Context, name string) (*sbomcat.Package, error)
	ListPackages(ctx context.Context, page sbomcat.PageRequest) (sbomcat.Page[sbomcat.Package], error)
	GetVersion(ctx context.Context, pkg, version string) (*sbomcat.PackageVersion, error)
	ListVersions(ctx context.Context, pkg string, status sbomcat.VersionStatus, page sbomcat.PageRequest) (sbomcat.Page[sbomcat.PackageVersion], error)
	ListValidationResults(ctx context.Context, pkg, version string, result sbomcat.ValidationResult, page sbomcat.PageRequest) (sbomcat.Page[sbomcat.FileResult], error)
}

// Config configures a Handler.
type Config struct {
	Catalog Catalog
	// Validator judges the Validate view's uploads: give it the limits and profile the worker
	// uses, so that the console's verdicts are the service's.
	Validator validator.Validator
	// Token signs a browser in (/console/?token=TOKEN). It must not be empty: see NewToken.
	Token string
	// MaxConcurrentValidations bounds uploads validated at once (default 2): each may hold a
	// file of up to the object limit.
	MaxConcurrentValidations int
	// SpoolDir holds uploads larger than 1 MiB while they are validated ("" for the system's
	// temporary directory).
	SpoolDir string
	// Logger; nil discards.
	Logger *slog.Logger
}

// Handler serves the console. Build it with New.
type Handler struct {
	c       Config
	session string // the cookie value that proves a session: an HMAC of the token
	files   http.Handler
	mux     *http.ServeMux
	slots   chan struct{}
	log     *slog.Logger
}

// NewToken returns a random token of 128 bits, hex-encoded, for a Config that has none.
func NewToken() string {
	return rand.Text()
}

// New returns the console's handler. It serves paths under Prefix (and Prefix without its
// slash, redirected); give it only those (see Mount).
func New(c Config) (*Handler, error) {
	if c.Catalog == nil {
		return nil, errors.New("console: no catalog")
	}
	if c.Token == "" {
		return nil, errors.New("console: empty token: generate one with NewToken")
	}
	c.MaxConcurrentValidations = defaults.Positive(c.MaxConcurrentValidations, 2)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	sub, err := fs.Sub(static, "static")
	if err != nil {
		return nil, err
	}
	// The session cookie is derived from the token, so sessions need no state and end when
	// the token changes (a restart with a new random token signs every browser out).
	mac := hmac.New(sha256.New, []byte(c.Token))
	mac.Write([]byte("sbomcat console session v1"))
	h := &Handler{
		c:       c,
		session: hex.EncodeToString(mac.Sum(nil)),
		files:   http.StripPrefix(Prefix, http.FileServerFS(sub)),
		slots:   make(chan struct{}, c.MaxConcurrentValidations),
		log:     c.Logger,
	}
	h.mux = http.NewServeMux()
	h.mux.HandleFunc("GET /console/api/packages", h.packages)
	h.mux.HandleFunc("GET /console/api/package", h.pkg)
	h.mux.HandleFunc("GET /console/api/version", h.version)
	h.mux.HandleFunc("/console/api/validate", h.validate)
	h.mux.HandleFunc("/console/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "No such console endpoint: "+r.Method+" "+r.URL.Path+".")
	})
	h.mux.HandleFunc("/console/", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			writeError(w, http.StatusMethodNotAllowed, "The console's pages are read with GET.")
			return
		}
		h.files.ServeHTTP(w, r)
	})
	return h, nil
}

// Mount returns a handler that serves the console's paths with h and every other path with
// next. Requests routed elsewhere before it (S3's, by their signature) never reach it.
func Mount(h *Handler, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/console" || strings.HasPrefix(r.URL.Path, Prefix) {
			h.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// URL is the address that signs a browser in, for sbomd's log: base is http://host:port.
func (h *Handler) URL(base string) string {
	return strings.TrimSuffix(base, "/") + Prefix + "?token=" + h.c.Token
}

// ServeHTTP guards every console request:
//   - /console/?token=TOKEN with the right token sets the session cookie and redirects to
//     /console/ (the fragment, which names the view, is kept by the browser), so the token
//     leaves the address bar and the history; a wrong token gets 403;
//   - any other request without the session cookie gets 401 and a page saying how to sign in;
//   - a state-changing request from another origin gets 403 (http.CrossOriginProtection).
//
// Responses carry a Content-Security-Policy that allows only the console's own files: nothing
// an SBOM or a request holds can run as a script, even if it reached the page as markup.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("Cache-Control", "no-store")
	if r.URL.Path == "/console" {
		http.Redirect(w, r, Prefix+queryOf(r), http.StatusMovedPermanently)
		return
	}
	if tok, ok := r.URL.Query()["token"]; ok && r.URL.Path == Prefix {
		if len(tok) != 1 || !equal(tok[0], h.c.Token) {
			h.log.Warn("console sign-in refused: wrong token", "remote", r.RemoteAddr)
			writePage(w, http.StatusForbidden, "This console token is wrong. Open the console URL that sbomd printed in its log when it started (or the one set with --console-token).")
			return
		}
		http.SetCookie(w, &http.Cookie{
			Name: cookieName, Value: h.session, Path: Prefix,
			HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil,
		})
		http.Redirect(w, r, Prefix, http.StatusSeeOther)
		return
	}
	if c, err := r.Cookie(cookieName); err != nil || !equal(c.Value, h.session) {
		if strings.HasPrefix(r.URL.Path, Prefix+"api/") {
			writeError(w, http.StatusUnauthorized, "Not signed in to the console: open the console URL that sbomd printed in its log (http://ADDR/console/?token=...).")
			return
		}
		writePage(w, http.StatusUnauthorized, "Not signed in. Open the console URL that sbomd printed in its log when it started: http://ADDR/console/?token=... (the token is random unless set with --console-token or SBOMCAT_CONSOLE_TOKEN).")
		return
	}
	crossOrigin.Handler(h.mux).ServeHTTP(w, r)
}

var crossOrigin = http.NewCrossOriginProtection()

// equal compares a presented secret with the expected one in time that does not depend on
// where they differ, or on the presented one's length (both are hashed first).
func equal(got, want string) bool {
	g, w := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(g[:], w[:]) == 1
}

func queryOf(r *http.Request) string {
	if r.URL.RawQuery == "" {
		return ""
	}
	return "?" + r.URL.RawQuery
}

// writePage answers a browser with a plain page holding msg and no data.
func writePage(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	w.Write([]byte("sbomcat console: " + msg + "\n"))
}
