package console_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
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
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/sbomcat/sbomcat/internal/testkit"
	"github.com/sbomcat/sbomcat/validator"
)

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
	ctx := context.Background()
	_, err := s.s3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("sboms")})
	s.check("CreateBucket", err)
	_, err = s.s3.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String("sboms"),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}})
	s.check("PutBucketVersioning", err)
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
