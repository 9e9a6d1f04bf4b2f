package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"

	"github.com/sbomcat/sbomcat/api"
	"github.com/sbomcat/sbomcat/catalog"
	"github.com/sbomcat/sbomcat/internal/testkit"
	"github.com/sbomcat/sbomcat/sqlite"
)

// env is a real API handler on a loopback listener, backed by a real SQLite file, and an
// official SDK client pointed at it.
type env struct {
	t      *testing.T
	store  *sqlite.Store
	srv    *httptest.Server
	client *iot.Client
	queue  *testkit.Queue
	logs   *testkit.Buffer
}

// envConfig is what a test may change of an env: the API's configuration and the catalog
// service's under it.
type envConfig struct {
	api.Config
	Service catalog.Config
}

func newEnv(t *testing.T, opts ...func(*envConfig)) *env {
	t.Helper()
	// No purge: tests may run the service on an injected clock behind the store's, whose
	// purge would then delete the clientToken records the tests make.
	store, err := sqlite.OpenWith(context.Background(), filepath.Join(t.TempDir(), sqlite.FileName), sqlite.Options{PurgeInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	e := &env{t: t, store: store, queue: &testkit.Queue{}, logs: &testkit.Buffer{}}
	log := slog.New(slog.NewJSONHandler(e.logs, nil))
	cfg := envConfig{Config: api.Config{Logger: log}, Service: catalog.Config{Store: store, Queue: e.queue, Logger: log}}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.Service.Now == nil {
		cfg.Service.Now = cfg.Now
	}
	cfg.Catalog = catalog.New(cfg.Service)
	e.srv = httptest.NewServer(api.New(cfg.Config))
	t.Cleanup(e.srv.Close)
	e.client = e.newClient("test", "test", "us-east-1")
	return e
}

// newClient returns an SDK client with static credentials. Retries are off so that a 500
// surfaces at once.
func (e *env) newClient(key, secret, region string, opts ...func(*iot.Options)) *iot.Client {
	cfg := aws.Config{
		Region:           region,
		Credentials:      credentials.NewStaticCredentialsProvider(key, secret, ""),
		RetryMaxAttempts: 1,
	}
	opts = append([]func(*iot.Options){func(o *iot.Options) { o.BaseEndpoint = aws.String(e.srv.URL) }}, opts...)
	return iot.NewFromConfig(cfg, opts...)
}

// apiError asserts err is an AWS API error with the given code and HTTP status, and returns it.
func apiError(t *testing.T, err error, code string, status int) smithy.APIError {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error %v is not an API error, want %s", err, code)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("error code %s (%s), want %s", ae.ErrorCode(), ae.ErrorMessage(), code)
	}
	var re *awshttp.ResponseError
	if !errors.As(err, &re) {
		t.Fatalf("error %v carries no HTTP response", err)
	}
	if re.HTTPStatusCode() != status {
		t.Fatalf("HTTP status %d, want %d", re.HTTPStatusCode(), status)
	}
	if re.ServiceRequestID() == "" {
		t.Errorf("error response without a request id")
	}
	return ae
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func ok(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// rawResponse is a response to a hand-made request, body decoded where it is JSON.
type rawResponse struct {
	status int
	header http.Header
	body   []byte
	json   map[string]any
}

// raw sends a request signed with the SDK's signer (unless signer is nil) and returns the
// response. mutate may change the request after signing.
func (e *env) raw(method, path string, body []byte, sign func(*http.Request, []byte), mutate ...func(*http.Request)) rawResponse {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if len(body) > 0 {
		req.Header.Set("Content-Type", "application/json")
	}
	if sign != nil {
		sign(req, body)
	}
	for _, m := range mutate {
		m(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	out := rawResponse{status: resp.StatusCode, header: resp.Header, body: b}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(b, &out.json); err != nil {
			e.t.Fatalf("response is not JSON: %v: %q", err, b)
		}
	}
	return out
}

// signer signs like the SDK does, for the given credentials, service, region and time.
func signer(key, secret, service, region string, at time.Time) func(*http.Request, []byte) {
	return func(req *http.Request, body []byte) {
		sum := sha256.Sum256(body)
		err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: key, SecretAccessKey: secret},
			req, hex.EncodeToString(sum[:]), service, region, at)
		if err != nil {
			panic(err)
		}
	}
}

// signed signs with the development pair for iot in us-east-1, now.
func signed(req *http.Request, body []byte) {
	signer("test", "test", "iot", "us-east-1", time.Now())(req, body)
}

func readCloser(b []byte) io.ReadCloser { return io.NopCloser(bytes.NewReader(b)) }

// awsRequestID returns the request id the SDK read from X-Amzn-RequestId.
func awsRequestID(md middleware.Metadata) (string, bool) {
	return awsmiddleware.GetRequestIDMetadata(md)
}

// errorAs returns err as the SDK's typed error T (*types.ConflictException, ...), failing the
// test, with what was called, when it is not one.
func errorAs[T error](t *testing.T, err error, what string) T {
	t.Helper()
	var target T
	if !errors.As(err, &target) {
		t.Fatalf("%s: %v, want %T", what, err, target)
	}
	return target
}
