package console_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	iottypes "github.com/aws/aws-sdk-go-v2/service/iot/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/console"
	"github.com/sbomcat/sbomcat/internal/testkit"
	"github.com/sbomcat/sbomcat/sqlite"
	"github.com/sbomcat/sbomcat/validator"
)

const (
	token   = "test-console-token-0123456789"
	hostile = `<img src=x onerror=alert(1)>.json`
)

// openStore opens a real SQLite catalog in a temporary directory.
func openStore(t testing.TB) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// seed puts a package with a version whose SBOM was validated into results.
func seed(t testing.TB, st sbomcat.Store, pkg, version string, results []sbomcat.FileResult) {
	t.Helper()
	ctx := context.Background()
	if _, err := st.GetPackage(ctx, pkg); err != nil {
		must(t, st.CreatePackage(ctx, &sbomcat.Package{Name: pkg, Description: "firmware of " + pkg}, sbomcat.NoLimit))
	}
	must(t, st.CreateVersion(ctx, &sbomcat.PackageVersion{PackageName: pkg, VersionName: version}, sbomcat.NoLimit))
	if results == nil {
		return
	}
	id := sbomcat.NewID()
	_, err := st.Associate(ctx, sbomcat.Association{ID: id, PackageName: pkg, VersionName: version,
		SBOM: sbomcat.S3Location{Bucket: "sboms", Key: pkg + "/" + version + ".zip", Version: "v1"}}, sbomcat.NoLimit)
	must(t, err)
	if len(results) > 0 {
		must(t, st.RecordValidation(ctx, sbomcat.Validation{AssociationID: id, PackageName: pkg, VersionName: version, Results: results}))
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// files returns n results, every failEvery-th one FAILED (none when failEvery is 0).
func files(n, failEvery int) []sbomcat.FileResult {
	out := make([]sbomcat.FileResult, n)
	for i := range out {
		out[i] = sbomcat.FileResult{FileName: fmt.Sprintf("sboms/file-%04d.cdx.json", i), Result: sbomcat.ResultSucceeded, Format: sbomcat.FormatCycloneDX, SpecVersion: "1.6"}
		if failEvery > 0 && i%failEvery == 0 {
			out[i].Result, out[i].ErrorCode = sbomcat.ResultFailed, sbomcat.ErrorIncompatibleFormat
			out[i].ErrorMessage = "CycloneDX 1.6 JSON: schema violation at /components/0/purl: expected string, got number"
		}
	}
	return out
}

// server serves the console over st on a loopback port, with the given validator limits.
func server(t testing.TB, st console.Catalog, limits validator.Limits) *httptest.Server {
	t.Helper()
	h, err := console.New(console.Config{Catalog: st, Token: token, Validator: validator.Validator{Limits: limits}, SpoolDir: t.TempDir()})
	must(t, err)
	notConsole := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "api", http.StatusTeapot) })
	srv := httptest.NewServer(console.Mount(h, notConsole))
	t.Cleanup(srv.Close)
	return srv
}

// client returns a client that does not follow redirects, and the session cookie got by
// signing in.
func signIn(t testing.TB, srv *httptest.Server) (*http.Client, *http.Cookie) {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Get(srv.URL + "/console/?token=" + token)
	must(t, err)
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/console/" {
		t.Fatalf("sign-in: %d, Location %q; want 303 to /console/", res.StatusCode, res.Header.Get("Location"))
	}
	for _, ck := range res.Cookies() {
		if ck.Name == "sbomcat_console" {
			if !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Path != "/console/" {
				t.Fatalf("session cookie %+v: want HttpOnly, SameSite=Strict, Path=/console/", ck)
			}
			return c, ck
		}
	}
	t.Fatalf("sign-in set no session cookie: %v", res.Header)
	return nil, nil
}

// get fetches path with the cookie (if any) and decodes a JSON answer into v (if not nil).
func get(t testing.TB, c *http.Client, srv *httptest.Server, ck *http.Cookie, path string, v any) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
	if ck != nil {
		req.AddCookie(ck)
	}
	res, err := c.Do(req)
	must(t, err)
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if v != nil && res.StatusCode == http.StatusOK {
		if err := json.Unmarshal(body, v); err != nil {
			t.Fatalf("GET %s: %v\n%s", path, err, body)
		}
	}
	return res.StatusCode, string(body)
}

func TestSignIn(t *testing.T) {
	st := openStore(t)
	seed(t, st, "secret-firmware", "1.0.0", files(3, 2))
	srv := server(t, st, validator.Limits{})
	c, session := signIn(t, srv)
	forged := &http.Cookie{Name: "sbomcat_console", Value: token} // the token itself is not a session
	for _, tc := range []struct {
		name   string
		path   string
		cookie *http.Cookie
		want   int
	}{
		{"page without session", "/console/", nil, http.StatusUnauthorized},
		{"script without session", "/console/app.js", nil, http.StatusUnauthorized},
		{"data without session", "/console/api/packages", nil, http.StatusUnauthorized},
		{"version data without session", "/console/api/version?package=secret-firmware&version=1.0.0", nil, http.StatusUnauthorized},
		{"forged cookie", "/console/api/packages", forged, http.StatusUnauthorized},
		{"wrong token", "/console/?token=" + token + "x", nil, http.StatusForbidden},
		{"empty token", "/console/?token=", nil, http.StatusForbidden},
		{"two tokens", "/console/?token=" + token + "&token=" + token, nil, http.StatusForbidden},
		{"token on another path", "/console/api/packages?token=" + token, nil, http.StatusUnauthorized},
		{"no slash", "/console", nil, http.StatusMovedPermanently},
		{"session: page", "/console/", session, http.StatusOK},
		{"session: data", "/console/api/packages", session, http.StatusOK},
		{"session: unknown endpoint", "/console/api/nothing", session, http.StatusNotFound},
		{"not the console", "/consoles", nil, http.StatusTeapot},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := get(t, c, srv, tc.cookie, tc.path, nil)
			if status != tc.want {
				t.Fatalf("GET %s: %d, want %d\n%s", tc.path, status, tc.want, body)
			}
			if status != http.StatusOK && strings.Contains(body, "secret-firmware") {
				t.Fatalf("GET %s answered %d with data: %s", tc.path, status, body)
			}
		})
	}
}

func TestHeaders(t *testing.T) {
	srv := server(t, openStore(t), validator.Limits{})
	c, ck := signIn(t, srv)
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/console/", nil)
	req.AddCookie(ck)
	res, err := c.Do(req)
	must(t, err)
	res.Body.Close()
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
		t.Errorf("Content-Security-Policy %q: want default-src 'self'", csp)
	}
	if res.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("X-Content-Type-Options %q", res.Header.Get("X-Content-Type-Options"))
	}
}

type packagesPage struct {
	Packages []struct {
		Name           string `json:"name"`
		Description    string `json:"description"`
		DefaultVersion string `json:"defaultVersion"`
		Versions       int    `json:"versions"`
	} `json:"packages"`
	Page, Pages, Total int
}

func TestPackagesView(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	for i := range 150 {
		name := fmt.Sprintf("pkg-%03d", i)
		must(t, st.CreatePackage(ctx, &sbomcat.Package{Name: name, Description: map[bool]string{true: "gateway", false: "sensor"}[i%10 == 0]}, sbomcat.NoLimit))
	}
	seed(t, st, "pkg-007", "1.0.0", nil)
	seed(t, st, "pkg-007", "1.1.0", nil)
	srv := server(t, st, validator.Limits{})
	c, ck := signIn(t, srv)
	for _, tc := range []struct {
		query                string
		wantRows, wantTotal  int
		wantFirst            string
		wantPage, wantPages  int
		wantVersionsOfPkg007 int
	}{
		{"", 100, 150, "pkg-000", 1, 2, 2},
		{"?page=2", 50, 150, "pkg-100", 2, 2, -1},
		{"?page=3", 0, 150, "", 3, 2, -1},
		{"?q=GATEWAY", 15, 15, "pkg-000", 1, 1, -1}, // description, case-insensitive
		{"?q=pkg-14", 10, 10, "pkg-140", 1, 1, -1},
		{"?q=nothing", 0, 0, "", 1, 1, -1},
	} {
		t.Run(tc.query, func(t *testing.T) {
			var p packagesPage
			if status, body := get(t, c, srv, ck, "/console/api/packages"+tc.query, &p); status != http.StatusOK {
				t.Fatalf("%d %s", status, body)
			}
			if len(p.Packages) != tc.wantRows || p.Total != tc.wantTotal || p.Page != tc.wantPage || p.Pages != tc.wantPages {
				t.Fatalf("%d rows, total %d, page %d of %d; want %d, %d, %d of %d", len(p.Packages), p.Total, p.Page, p.Pages, tc.wantRows, tc.wantTotal, tc.wantPage, tc.wantPages)
			}
			if tc.wantRows > 0 && p.Packages[0].Name != tc.wantFirst {
				t.Fatalf("first row %q, want %q", p.Packages[0].Name, tc.wantFirst)
			}
			for _, row := range p.Packages {
				if row.Name == "pkg-007" && row.Versions != tc.wantVersionsOfPkg007 {
					t.Fatalf("pkg-007 has %d versions, want %d", row.Versions, tc.wantVersionsOfPkg007)
				}
			}
		})
	}
}

func TestBadRequests(t *testing.T) {
	st := openStore(t)
	seed(t, st, "fw", "1.0.0", files(2, 0))
	srv := server(t, st, validator.Limits{})
	c, ck := signIn(t, srv)
	for _, tc := range []struct {
		path string
		want int
		says string
	}{
		{"/console/api/packages?page=0", 400, "page"},
		{"/console/api/packages?page=x", 400, "page"},
		{"/console/api/package?name=missing", 404, "missing"},
		{"/console/api/package", 404, ""},
		{"/console/api/version?package=fw&version=9.9.9", 404, "9.9.9"},
		{"/console/api/version?package=fw&version=1.0.0&result=MAYBE", 400, "SUCCEEDED or FAILED"},
		{"/console/api/version?package=fw&version=1.0.0&page=-3", 400, "page"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			status, body := get(t, c, srv, ck, tc.path, nil)
			if status != tc.want || !strings.Contains(body, tc.says) {
				t.Fatalf("%d %s; want %d saying %q", status, body, tc.want, tc.says)
			}
		})
	}
}

type versionPage struct {
	Package string `json:"package"`
	Version struct {
		Status           string `json:"status"`
		ValidationStatus string `json:"validationStatus"`
		Succeeded        int    `json:"succeeded"`
		Failed           int    `json:"failed"`
		SBOM             *struct{ Bucket, Key, Version string }
	} `json:"version"`
	Results            []pageResult `json:"results"`
	Page, Pages, Total int
}

// pageResult is a per-file result as the console's data endpoints write it.
type pageResult struct {
	FileName     string                   `json:"fileName"`
	Result       sbomcat.ValidationResult `json:"validationResult"`
	ErrorCode    sbomcat.ErrorCode        `json:"errorCode"`
	ErrorMessage string                   `json:"errorMessage"`
	Format       sbomcat.Format           `json:"format"`
	SpecVersion  string                   `json:"specVersion"`
	Pointer      string                   `json:"pointer"`
	Line         int                      `json:"line"`
	Column       int                      `json:"column"`
}

// showResults prints results with their places, for comparing two lists.
func showResults(rs []sbomcat.FileResult) string {
	var b strings.Builder
	for _, r := range rs {
		fmt.Fprintf(&b, "%+v", r)
		if r.Place != nil {
			fmt.Fprintf(&b, " at %+v", *r.Place)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func domainResults(rs []pageResult) []sbomcat.FileResult {
	out := make([]sbomcat.FileResult, len(rs))
	for i, r := range rs {
		out[i] = sbomcat.FileResult{FileName: r.FileName, Result: r.Result, ErrorCode: r.ErrorCode, ErrorMessage: r.ErrorMessage,
			Format: r.Format, SpecVersion: r.SpecVersion}
		if r.Line > 0 {
			out[i].Place = &sbomcat.Place{Pointer: r.Pointer, Line: r.Line, Column: r.Column}
		}
	}
	return out
}

func TestPackageAndVersionViews(t *testing.T) {
	st := openStore(t)
	seed(t, st, "fw", "1.0.0", files(250, 50)) // 5 failed
	seed(t, st, "fw", "1.1.0", []sbomcat.FileResult{})
	seed(t, st, "fw", "2.0.0-draft", nil)
	srv := server(t, st, validator.Limits{})
	c, ck := signIn(t, srv)

	var p struct {
		Versions []struct {
			Name, ValidationStatus string
			Succeeded, Failed      int
		} `json:"versions"`
		Total int
	}
	if status, body := get(t, c, srv, ck, "/console/api/package?name=fw", &p); status != 200 {
		t.Fatalf("%d %s", status, body)
	}
	got := fmt.Sprint(p.Versions)
	want := "[{1.0.0 FAILED 245 5} {1.1.0 IN_PROGRESS 0 0} {2.0.0-draft  0 0}]"
	if got != want || p.Total != 3 {
		t.Fatalf("versions %s (total %d), want %s", got, p.Total, want)
	}

	for _, tc := range []struct {
		query      string
		rows, page int
		pages      int
		first      string
		allResult  sbomcat.ValidationResult
	}{
		{"", 100, 1, 3, "sboms/file-0000.cdx.json", ""},
		{"&page=3", 50, 3, 3, "sboms/file-0200.cdx.json", ""},
		{"&result=FAILED", 5, 1, 1, "sboms/file-0000.cdx.json", sbomcat.ResultFailed},
		{"&result=SUCCEEDED&page=3", 45, 3, 3, "sboms/file-0205.cdx.json", sbomcat.ResultSucceeded},
	} {
		t.Run(tc.query, func(t *testing.T) {
			var v versionPage
			if status, body := get(t, c, srv, ck, "/console/api/version?package=fw&version=1.0.0"+tc.query, &v); status != 200 {
				t.Fatalf("%d %s", status, body)
			}
			if v.Version.Succeeded != 245 || v.Version.Failed != 5 || v.Version.ValidationStatus != "FAILED" || v.Version.SBOM == nil || v.Version.SBOM.Key != "fw/1.0.0.zip" {
				t.Fatalf("version %+v", v.Version)
			}
			if len(v.Results) != tc.rows || v.Page != tc.page || v.Pages != tc.pages || v.Results[0].FileName != tc.first {
				t.Fatalf("%d results from %q, page %d of %d; want %d from %q, page %d of %d", len(v.Results), v.Results[0].FileName, v.Page, v.Pages, tc.rows, tc.first, tc.page, tc.pages)
			}
			for _, r := range v.Results {
				if tc.allResult != "" && r.Result != tc.allResult {
					t.Fatalf("%s is %s under the filter %s", r.FileName, r.Result, tc.allResult)
				}
			}
		})
	}
}

// upload posts body as the file name to the Validate endpoint.
func upload(t testing.TB, c *http.Client, srv *httptest.Server, ck *http.Cookie, name string, body io.Reader, size int64) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/console/api/validate?name="+url.QueryEscape(name), body)
	req.ContentLength = size
	req.AddCookie(ck)
	res, err := c.Do(req)
	if err != nil {
		return 0, []byte(err.Error())
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

func TestValidate(t *testing.T) {
	srv := server(t, openStore(t), validator.Limits{MaxObjectBytes: 4 << 20, MaxEntries: 3})
	c, ck := signIn(t, srv)
	big := bytes.Repeat([]byte(" "), 2<<20) // spooled to disk: over 1 MiB
	copy(big, testkit.CycloneDXValid)
	v := validator.Validator{Limits: validator.Limits{MaxObjectBytes: 4 << 20, MaxEntries: 3}}
	for _, tc := range []struct {
		name, file string
		body       []byte
		want       []string // fileName result errorCode per result
	}{
		{"valid JSON", "ok.cdx.json", []byte(testkit.CycloneDXValid), []string{"ok.cdx.json SUCCEEDED "}},
		{"schema violation", "radio.cdx.json", []byte(testkit.CycloneDXInvalid), []string{"radio.cdx.json FAILED INCOMPATIBLE_FORMAT"}},
		{"path cut to its base name", `C:\Users\me\radio.cdx.json`, []byte(testkit.CycloneDXInvalid), []string{"radio.cdx.json FAILED INCOMPATIBLE_FORMAT"}},
		{"zip with a hostile member name", "sboms.zip", testkit.Zip(t, hostile, testkit.CycloneDXValid, "b/bad.json", testkit.CycloneDXInvalid),
			[]string{hostile + " SUCCEEDED ", "b/bad.json FAILED INCOMPATIBLE_FORMAT"}},
		{"zip over the entry limit", "many.zip", testkit.Zip(t, "1.json", testkit.CycloneDXValid, "2.json", testkit.CycloneDXValid, "3.json", testkit.CycloneDXValid, "4.json", testkit.CycloneDXValid), nil},
		{"not JSON", "a.bin", []byte{0, 1, 2, 3}, nil},
		{"spooled", "big.cdx.json", big, []string{"big.cdx.json SUCCEEDED "}},
		{"empty", "empty.json", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := upload(t, c, srv, ck, tc.file, bytes.NewReader(tc.body), int64(len(tc.body)))
			if status != http.StatusOK {
				t.Fatalf("%d %s", status, body)
			}
			var page struct{ Results []pageResult }
			must(t, json.Unmarshal(body, &page))
			got := struct{ Results []sbomcat.FileResult }{domainResults(page.Results)}
			// The console's verdicts are the validator's, as sbomctl gets them.
			want, err := v.ValidateObject(context.Background(), filepath.Base(strings.ReplaceAll(tc.file, `\`, "/")), bytes.NewReader(tc.body), int64(len(tc.body)))
			must(t, err)
			if showResults(got.Results) != showResults(want) {
				t.Fatalf("results %+v\nwant the validator's %+v", got.Results, want)
			}
			for i, w := range tc.want {
				r := got.Results[i]
				if g := fmt.Sprintf("%s %s %s", r.FileName, r.Result, r.ErrorCode); g != w {
					t.Fatalf("result %d: %q, want %q", i, g, w)
				}
			}
		})
	}

	t.Run("over the object limit, refused unread", func(t *testing.T) {
		// The body never comes: a server that waited for it would never answer.
		pr, pw := io.Pipe()
		defer pw.Close()
		status, body := upload(t, c, srv, ck, "huge.zip", pr, 5<<20)
		if status != http.StatusOK || !strings.Contains(string(body), "FILE_SIZE_LIMIT_EXCEEDED") {
			t.Fatalf("%d %s", status, body)
		}
	})
	for _, tc := range []struct {
		name   string
		file   string
		body   io.Reader
		size   int64
		status int
		says   string
	}{
		{"no name", "", strings.NewReader(testkit.CycloneDXValid), int64(len(testkit.CycloneDXValid)), 400, "name"},
		{"name too long", strings.Repeat("n", 2000), strings.NewReader(testkit.CycloneDXValid), int64(len(testkit.CycloneDXValid)), 400, "name"},
		{"no length", "a.json", io.MultiReader(strings.NewReader(testkit.CycloneDXValid)), -1, 411, "Content-Length"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := upload(t, c, srv, ck, tc.file, tc.body, tc.size)
			if status != tc.status || !strings.Contains(string(body), tc.says) {
				t.Fatalf("%d %s; want %d saying %q", status, body, tc.status, tc.says)
			}
		})
	}
	t.Run("GET is not allowed", func(t *testing.T) {
		if status, _ := get(t, c, srv, ck, "/console/api/validate?name=a.json", nil); status != http.StatusMethodNotAllowed {
			t.Fatalf("GET validate: %d", status)
		}
	})
	t.Run("cross-origin POST is refused", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/console/api/validate?name=a.json", strings.NewReader(testkit.CycloneDXValid))
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		req.AddCookie(ck)
		res, err := c.Do(req)
		must(t, err)
		res.Body.Close()
		if res.StatusCode != http.StatusForbidden {
			t.Fatalf("cross-origin POST: %d, want 403", res.StatusCode)
		}
	})
}

// The browser test drives Debian's Chromium through playwright-core (npm, installed into
// $SBOMCAT_TOOLS by `make tools`) against sbomd processes built from this tree: one serving
// the API and the console with no worker (so an association stays IN_PROGRESS while the page
// is looked at), and a second one on the same data directory that validates when the test
// says so. Data is made with the AWS SDK for Go, as a user makes it.

const chromiumPath = "/usr/bin/chromium"

// playwrightCore finds playwright-core under $SBOMCAT_TOOLS (or the repository's .tools).
func playwrightCore(t *testing.T) string {
	tools := os.Getenv("SBOMCAT_TOOLS")
	if tools == "" {
		tools, _ = filepath.Abs("../.tools")
	}
	dir := filepath.Join(tools, "node_modules", "playwright-core")
	if _, err := os.Stat(filepath.Join(dir, "package.json")); err != nil {
		t.Skipf("browser test skipped: playwright-core is not in %s (run `make tools`)", filepath.Dir(dir))
	}
	return dir
}

// daemon is one sbomd process.
type daemon struct {
	*testkit.Server
	url string // the console URL sbomd logged ("" when the console is off)
}

// startDaemon runs the sbomd binary on a free loopback port over dataDir until stop or the
// test's end; nothing from the environment configures it but env.
func startDaemon(t *testing.T, sbomd, dataDir string, env []string, args ...string) *daemon {
	t.Helper()
	cmd := exec.Command(sbomd, append([]string{"--addr", "127.0.0.1:0", "--data-dir", dataDir, "--max-packages", "-1"}, args...)...)
	cmd.Env = testkit.HermeticEnv(env...)
	d := &daemon{Server: testkit.StartServer(t, cmd)}
	// sbomd logs the console's URL after "serving", unless the console is off.
	if !slices.Contains(args, "--console=false") {
		d.url = d.WaitLog(t, "console", "url")
	}
	return d
}

func (d *daemon) stop() { d.Shutdown(time.Minute) }

// sdk is the AWS SDK for Go pointed at one sbomd, as the README configures it.
type sdk struct {
	t   *testing.T
	s3  *s3.Client
	iot *iot.Client
}

func newSDK(t *testing.T, url string) *sdk {
	s := &sdk{t: t}
	s.s3, s.iot = testkit.Clients(url)
	return s
}

func (s *sdk) check(what string, err error) {
	s.t.Helper()
	if err != nil {
		s.t.Fatalf("%s: %v", what, err)
	}
}

func (s *sdk) bucket() {
	testkit.CreateVersionedBucket(s.t, s.s3, "sboms")
}

func (s *sdk) pkg(name, description string) {
	_, err := s.iot.CreatePackage(context.Background(), &iot.CreatePackageInput{PackageName: aws.String(name), Description: aws.String(description)})
	s.check("CreatePackage "+name, err)
}

func (s *sdk) version(pkg, version string, publish bool) {
	ctx := context.Background()
	_, err := s.iot.CreatePackageVersion(ctx, &iot.CreatePackageVersionInput{PackageName: aws.String(pkg), VersionName: aws.String(version)})
	s.check("CreatePackageVersion", err)
	if publish {
		_, err = s.iot.UpdatePackageVersion(ctx, &iot.UpdatePackageVersionInput{PackageName: aws.String(pkg), VersionName: aws.String(version), Action: iottypes.PackageVersionActionPublish})
		s.check("UpdatePackageVersion", err)
	}
}

// associate uploads body as a new object version and associates it with the version.
func (s *sdk) associate(pkg, version string, body []byte) {
	ctx := context.Background()
	key := pkg + "/" + version + "/sboms.zip"
	put, err := s.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("sboms"), Key: aws.String(key), Body: bytes.NewReader(body)})
	s.check("PutObject", err)
	_, err = s.iot.AssociateSbomWithPackageVersion(ctx, &iot.AssociateSbomWithPackageVersionInput{
		PackageName: aws.String(pkg), VersionName: aws.String(version),
		Sbom: &iottypes.Sbom{S3Location: &iottypes.S3Location{Bucket: aws.String("sboms"), Key: aws.String(key), Version: put.VersionId}},
	})
	s.check("AssociateSbomWithPackageVersion", err)
}

// manyFiles is a zip of n CycloneDX files, every 10th one broken.
func manyFiles(t *testing.T, n int) []byte {
	var entries []any
	for i := range n {
		body := testkit.CycloneDXValid
		if i%10 == 3 {
			body = testkit.CycloneDXInvalid
		}
		entries = append(entries, fmt.Sprintf("parts/part-%04d.cdx.json", i), body)
	}
	return testkit.Zip(t, entries...)
}

func TestBrowser(t *testing.T) {
	testkit.SkipShort(t, "browser test skipped in -short mode")
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("browser test skipped: no Chromium at %s (apt-get install chromium)", chromiumPath)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("browser test skipped: no node on PATH")
	}
	pw := playwrightCore(t)

	sbomd := testkit.Build(t, "../cmd/sbomd", "sbomd")
	dataDir := t.TempDir()
	const consoleToken = "browser-test-token-5f2c9a"
	front := startDaemon(t, sbomd, dataDir, nil, "--worker=false", "--console-token", consoleToken)
	if want := front.URL + "/console/?token=" + consoleToken; front.url != want {
		t.Fatalf("sbomd logged the console URL %q, want %q", front.url, want)
	}
	api := newSDK(t, front.URL)
	api.bucket()
	for i := range 120 {
		api.pkg(fmt.Sprintf("module-%03d", i), "a filler package")
	}
	api.pkg("gateway-fw", "Gateway firmware for the field fleet")
	api.version("gateway-fw", "1.0.0", true)
	api.version("gateway-fw", "1.1.0", true)
	api.version("gateway-fw", "2.0.0", false)
	api.version("gateway-fw", "3.0.0", false)
	_, err = api.iot.UpdatePackage(context.Background(), &iot.UpdatePackageInput{PackageName: aws.String("gateway-fw"), DefaultVersionName: aws.String("1.1.0")})
	api.check("UpdatePackage", err)
	api.associate("gateway-fw", "1.0.0", testkit.Zip(t, hostile, testkit.CycloneDXValid, "radio.cdx.json", testkit.CycloneDXInvalid, "zlib.cdx.json", testkit.CycloneDXValid))
	api.associate("gateway-fw", "1.1.0", testkit.Zip(t, "radio.cdx.json", testkit.CycloneDXValid, "zlib.cdx.json", testkit.CycloneDXValid))
	api.associate("gateway-fw", "3.0.0", manyFiles(t, 150))

	// A worker validates these three, then stops; 2.0.0, associated after, stays IN_PROGRESS
	// until the browser script asks for a worker. The worker is a second sbomd on the same
	// SQLite catalog, reading the SBOMs from the first one's embedded S3 (which one process
	// owns) as an external S3.
	workerEnv := []string{"AWS_ENDPOINT_URL_S3=" + front.URL, "SBOMCAT_S3_USE_PATH_STYLE=true",
		"AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_REGION=us-east-1"}
	worker := func() *daemon {
		return startDaemon(t, sbomd, dataDir, workerEnv, "--console=false", "--s3", "external")
	}
	w := worker()
	for _, v := range []string{"1.0.0", "1.1.0", "3.0.0"} {
		testkit.WaitValidated(t, api.iot, "gateway-fw", v)
	}
	w.stop()
	api.associate("gateway-fw", "2.0.0", testkit.Zip(t, "a.cdx.json", testkit.CycloneDXValid, "b.cdx.json", testkit.CycloneDXInvalid))

	// Files for the Validate view, and the verdicts sbomctl gives them.
	upDir := t.TempDir()
	uploads := map[string][]byte{
		"valid.cdx.json":  []byte(testkit.CycloneDXValid),
		"broken.cdx.json": []byte(testkit.CycloneDXInvalid),
		"bundle.zip":      testkit.Zip(t, hostile, testkit.CycloneDXInvalid, "ok.json", testkit.CycloneDXValid),
	}
	var expected []map[string]string
	var v validator.Validator
	for _, name := range []string{"valid.cdx.json", "broken.cdx.json", "bundle.zip"} {
		path := filepath.Join(upDir, name)
		must(t, os.WriteFile(path, uploads[name], 0o600))
		results, err := v.ValidateFile(context.Background(), path)
		must(t, err)
		for _, r := range results {
			expected = append(expected, map[string]string{"source": name, "fileName": r.FileName, "result": string(r.Result), "errorCode": string(r.ErrorCode), "message": r.ErrorMessage})
		}
	}

	shots := os.Getenv("SBOMCAT_CONSOLE_SCREENSHOTS")
	if shots == "" {
		shots, err = os.MkdirTemp("", "console-screenshots-")
		must(t, err)
	}
	cfg, _ := json.Marshal(map[string]any{
		"base": front.URL, "token": consoleToken, "chromium": chromiumPath, "playwright": pw,
		"screenshots": shots, "uploadDir": upDir, "expected": expected,
	})

	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "e2e/console.cjs", string(cfg))
	stdin, err := cmd.StdinPipe()
	must(t, err)
	stdout, err := cmd.StdoutPipe()
	must(t, err)
	var stderr testkit.Buffer
	cmd.Stderr = &stderr
	must(t, cmd.Start())

	// The script prints its steps, and asks for what only the test can do (start a worker,
	// associate a new SBOM) with a line "ASK <action>"; the test answers "ok" once done.
	var back *sdk
	sc := bufio.NewScanner(stdout)
	passed := false
	for sc.Scan() {
		line := sc.Text()
		t.Log("browser:", line)
		switch {
		case line == "ASK start-worker":
			w = worker()
			back = newSDK(t, w.URL)
			back.s3 = api.s3 // S3 is the first sbomd's
		case line == "ASK replace-1.1.0":
			// Through the worker's sbomd, whose embedded queue validates it at once.
			back.associate("gateway-fw", "1.1.0", testkit.Zip(t, "radio.cdx.json", testkit.CycloneDXInvalid, "zlib.cdx.json", testkit.CycloneDXValid, "new.spdx.json", testkit.SPDXValid))
		case line == "PASS":
			passed = true
			continue
		default:
			continue
		}
		io.WriteString(stdin, "ok\n")
	}
	err = cmd.Wait()
	t.Logf("screenshots in %s", shots)
	if err != nil || !passed {
		t.Fatalf("browser script failed: %v\n%s", err, stderr.String())
	}
}

// TestSbomdConsoleFlags checks sbomd's console flags as a user meets them: the URL in the log,
// the token from the flag, the environment or chance, and --console=false.
func TestSbomdConsoleFlags(t *testing.T) {
	testkit.SkipShort(t, "builds and runs sbomd")
	sbomd := testkit.Build(t, "../cmd/sbomd", "sbomd")
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	status := func(u string) int {
		t.Helper()
		res, err := noRedirect.Get(u)
		must(t, err)
		res.Body.Close()
		return res.StatusCode
	}
	for _, tc := range []struct {
		name      string
		env, args []string
		token     string // "" for a random one
	}{
		{"flag", nil, []string{"--console-token", "from-the-flag"}, "from-the-flag"},
		{"environment", []string{"SBOMCAT_CONSOLE_TOKEN=from-the-env"}, nil, "from-the-env"},
		{"flag wins", []string{"SBOMCAT_CONSOLE_TOKEN=from-the-env"}, []string{"--console-token=from-the-flag"}, "from-the-flag"},
		{"random", nil, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := startDaemon(t, sbomd, t.TempDir(), tc.env, tc.args...)
			prefix := d.URL + "/console/?token="
			token, ok := strings.CutPrefix(d.url, prefix)
			if !ok || (tc.token != "" && token != tc.token) || (tc.token == "" && len(token) < 26) {
				t.Fatalf("console URL %q: want %s followed by %q (or a random token of 128 bits)", d.url, prefix, tc.token)
			}
			if got := status(d.url); got != http.StatusSeeOther {
				t.Fatalf("GET %s: %d, want 303", d.url, got)
			}
			if got := status(prefix + token + "x"); got != http.StatusForbidden {
				t.Fatalf("wrong token: %d, want 403", got)
			}
		})
	}
	t.Run("off", func(t *testing.T) {
		d := startDaemon(t, sbomd, t.TempDir(), []string{"SBOMCAT_CONSOLE_TOKEN=t0ken"}, "--console=false")
		if d.url != "" {
			t.Fatalf("sbomd logged a console URL %q with --console=false", d.url)
		}
		// No console: the path is the IoT API's, which refuses unsigned requests.
		if got := status(d.URL + "/console/?token=t0ken"); got != http.StatusForbidden {
			t.Fatalf("GET /console/ with the console off: %d, want the API's 403", got)
		}
	})
}
