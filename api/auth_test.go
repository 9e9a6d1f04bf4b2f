package api_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/iot"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/api"
	"github.com/sbomcat/sbomcat/catalog"
	"github.com/sbomcat/sbomcat/internal/httpguard"
	"github.com/sbomcat/sbomcat/sigv4"
)

// signedUnsigned signs as an S3 client that does not sign the payload: x-amz-content-sha256
// UNSIGNED-PAYLOAD, and that as the payload hash.
func signedUnsigned(r *http.Request, _ []byte) {
	r.Header.Set("X-Amz-Content-Sha256", sigv4.UnsignedPayload)
	err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}, r, sigv4.UnsignedPayload, "iot", "us-east-1", time.Now())
	if err != nil {
		panic(err)
	}
}

// TestSignatures checks SigV4 verification with the SDK's own clients, and with hand-signed
// requests for what the SDK will not do.
func TestSignatures(t *testing.T) {
	e := newEnv(t, func(c *envConfig) {
		c.Credentials = map[string]string{"test": "test", "AKIDEXAMPLE": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}
	})
	ctx := context.Background()
	anon := func(o *iot.Options) { o.Credentials = aws.AnonymousCredentials{} }

	sdk := []struct {
		name    string
		client  *iot.Client
		code    string
		message string
	}{
		{"dev pair", e.newClient("test", "test", "us-east-1"), "", ""},
		{"second key pair", e.newClient("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "us-east-1"), "", ""},
		{"unsigned", e.newClient("test", "test", "us-east-1", anon), "MissingAuthenticationTokenException", "Missing Authentication Token"},
		{"wrong secret", e.newClient("test", "wrong", "us-east-1"), "InvalidSignatureException", "does not match"},
		{"unknown key", e.newClient("nobody", "test", "us-east-1"), "UnrecognizedClientException", "security token"},
		{"wrong region", e.newClient("test", "test", "eu-west-1"), "InvalidSignatureException", "'us-east-1'"},
		{"wrong service", e.newClient("test", "test", "us-east-1", iot.WithSigV4SigningName("s3")), "InvalidSignatureException", "'iot'"},
	}
	for _, tt := range sdk {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.client.ListPackages(ctx, &iot.ListPackagesInput{})
			if tt.code == "" {
				ok(t, err)
				return
			}
			ae := apiError(t, err, tt.code, http.StatusForbidden)
			if !strings.Contains(ae.ErrorMessage(), tt.message) {
				t.Errorf("message %q does not contain %q", ae.ErrorMessage(), tt.message)
			}
		})
	}

	body := []byte(`{"description":"signed"}`)
	forgeBody := func(r *http.Request) { r.Body = readCloser([]byte(`{"description":"forged"}`)) }
	raw := []struct {
		name    string
		sign    func(*http.Request, []byte)
		mutate  func(*http.Request)
		code    string
		message string
	}{
		{"signed an hour ago", signer("test", "test", "iot", "us-east-1", time.Now().Add(-time.Hour)), nil, "InvalidSignatureException", "Signature expired"},
		{"signed an hour ahead", signer("test", "test", "iot", "us-east-1", time.Now().Add(time.Hour)), nil, "InvalidSignatureException", "Signature expired"},
		{"body changed after signing", signed, forgeBody, "InvalidSignatureException", "does not match"},
		{"path changed after signing", signed, func(r *http.Request) { r.URL.Path = "/packages/other" }, "InvalidSignatureException", "does not match"},
		{"query changed after signing", signed, func(r *http.Request) { r.URL.RawQuery = "clientToken=" + strings.Repeat("x", 40) }, "InvalidSignatureException", "does not match"},
		{"signed header changed", signed, setHeader("Content-Type", "text/plain"), "InvalidSignatureException", "does not match"},
		{"declared payload hash differs", signed, setHeader("X-Amz-Content-Sha256", strings.Repeat("0", 64)), "InvalidSignatureException", "x-amz-content-sha256"},
		{"unsigned payload, body swapped after signing", signedUnsigned, forgeBody, "InvalidSignatureException", "does not match"},
		{"second Authorization appended", signed, addHeader("Authorization", "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/iot/aws4_request, SignedHeaders=host, Signature=00"), "IncompleteSignatureException", "'Authorization'"},
		{"second X-Amz-Date appended", signed, addHeader("X-Amz-Date", "20200101T000000Z"), "IncompleteSignatureException", "'X-Amz-Date'"},
		{"no date", signed, delHeader("X-Amz-Date"), "IncompleteSignatureException", "X-Amz-Date"},
		{"not sigv4", nil, setHeader("Authorization", "Basic dGVzdDp0ZXN0"), "IncompleteSignatureException", "algorithm"},
		{"no signature", nil, setHeader("Authorization", "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/iot/aws4_request, SignedHeaders=host"), "IncompleteSignatureException", "'Signature'"},
		{"bad credential", nil, setHeader("Authorization", "AWS4-HMAC-SHA256 Credential=test, SignedHeaders=host, Signature=00"), "IncompleteSignatureException", "Credential"},
		{"presigned", nil, func(r *http.Request) { r.URL.RawQuery = "X-Amz-Signature=abc" }, "MissingAuthenticationTokenException", "presigned"},
		{"unknown path unsigned", nil, func(r *http.Request) { r.URL.Path = "/nowhere" }, "MissingAuthenticationTokenException", "Missing Authentication Token"},
	}
	for _, tt := range raw {
		t.Run(tt.name, func(t *testing.T) {
			var mutate []func(*http.Request)
			if tt.mutate != nil {
				mutate = append(mutate, tt.mutate)
			}
			resp := e.raw(http.MethodPut, "/packages/p", body, tt.sign, mutate...)
			if resp.status != http.StatusForbidden || resp.header.Get("X-Amzn-ErrorType") != tt.code {
				t.Fatalf("got %d %s %s, want 403 %s", resp.status, resp.header.Get("X-Amzn-ErrorType"), resp.body, tt.code)
			}
			if msg, _ := resp.json["message"].(string); !strings.Contains(msg, tt.message) {
				t.Errorf("message %q does not contain %q", msg, tt.message)
			}
		})
	}
	// A declared payload hash (as S3 clients send) is accepted when it is the body's; the body
	// is always signed, so UNSIGNED-PAYLOAD is refused as AWS refuses it.
	for i, tc := range []struct {
		declared string
		status   int
	}{{"body", http.StatusOK}, {sigv4.UnsignedPayload, http.StatusForbidden}} {
		b := []byte(`{"description":"declared"}`)
		sign := signedUnsigned
		if tc.declared == "body" {
			sign = func(r *http.Request, body []byte) {
				sum := sha256.Sum256(body)
				r.Header.Set("X-Amz-Content-Sha256", hex.EncodeToString(sum[:]))
				signed(r, body)
			}
		}
		resp := e.raw(http.MethodPut, fmt.Sprintf("/packages/declared-%d", i), b, sign)
		if resp.status != tc.status {
			t.Errorf("declared payload hash %s: %d %s, want %d", tc.declared, resp.status, resp.body, tc.status)
		}
		if tc.status == http.StatusOK {
			ok(t, e.store.DeletePackage(ctx, fmt.Sprintf("declared-%d", i)))
		} else if resp.header.Get("X-Amzn-ErrorType") != "InvalidSignatureException" {
			t.Errorf("declared payload hash %s: %s", tc.declared, resp.header.Get("X-Amzn-ErrorType"))
		}
	}

	// None of the refused requests did anything.
	list := must[*iot.ListPackagesOutput](t)(e.client.ListPackages(ctx, &iot.ListPackagesInput{}))
	if len(list.PackageSummaries) != 0 {
		t.Errorf("a refused request created %v", list.PackageSummaries)
	}
}

// TestAuthDisabled: behind API Gateway with IAM authorisation the handler trusts its caller.
func TestAuthDisabled(t *testing.T) {
	e := newEnv(t, func(c *envConfig) { c.DisableAuth = true })
	resp := e.raw(http.MethodPut, "/packages/p", nil, nil)
	if resp.status != http.StatusOK || resp.json["packageArn"] != pkgARN+"p" {
		t.Errorf("unsigned request with auth disabled: %d %s", resp.status, resp.body)
	}
}

// TestCustomScope: ARNs carry the configured partition, region and account, and requests must
// be signed for that region.
func TestCustomScope(t *testing.T) {
	e := newEnv(t, func(c *envConfig) {
		c.Scope.Region, c.Scope.Account = "eu-central-1", "123456789012"
	})
	ctx := context.Background()
	_, err := e.client.ListPackages(ctx, &iot.ListPackagesInput{})
	ae := apiError(t, err, "InvalidSignatureException", http.StatusForbidden)
	if !strings.Contains(ae.ErrorMessage(), "eu-central-1") {
		t.Errorf("message %q does not name the configured region", ae.ErrorMessage())
	}
	c := e.newClient("test", "test", "eu-central-1")
	out := must[*iot.CreatePackageOutput](t)(c.CreatePackage(ctx, &iot.CreatePackageInput{PackageName: aws.String("p")}))
	if aws.ToString(out.PackageArn) != "arn:aws:iot:eu-central-1:123456789012:package/p" {
		t.Errorf("ARN %s", aws.ToString(out.PackageArn))
	}
}

// TestLogs: one JSON line per request with the request id the client saw, and no secrets.
func TestLogs(t *testing.T) {
	const secret = "s3cr3t-DO-NOT-LOG"
	e := newEnv(t, func(c *envConfig) { c.Credentials = map[string]string{"AKIALOGTEST": secret} })
	ctx := context.Background()
	c := e.newClient("AKIALOGTEST", secret, "us-east-1")
	out := must[*iot.CreatePackageOutput](t)(c.CreatePackage(ctx, &iot.CreatePackageInput{PackageName: aws.String("p"), Description: aws.String("private words")}))
	reqID, _ := awsRequestID(out.ResultMetadata)
	_, err := c.GetPackage(ctx, &iot.GetPackageInput{PackageName: aws.String("nope")})
	apiError(t, err, "ResourceNotFoundException", 404)

	logs := e.logs.String()
	lines := strings.Split(strings.TrimSpace(logs), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d log lines, want 2:\n%s", len(lines), logs)
	}
	var first, second map[string]any
	ok(t, json.Unmarshal([]byte(lines[0]), &first))
	ok(t, json.Unmarshal([]byte(lines[1]), &second))
	if first["request_id"] != reqID || first["op"] != "CreatePackage" || first["status"] != float64(200) {
		t.Errorf("first line %v (request id %s)", first, reqID)
	}
	if second["op"] != "GetPackage" || second["status"] != float64(404) || second["error"] != "ResourceNotFoundException" {
		t.Errorf("second line %v", second)
	}
	for _, leak := range []string{secret, "Signature=", "AWS4-HMAC-SHA256", "private words"} {
		if strings.Contains(logs, leak) {
			t.Errorf("logs contain %q", leak)
		}
	}
}

// failingBody fails the test when anything reads it.
type failingBody struct{ t *testing.T }

func (b failingBody) Read([]byte) (int, error) {
	b.t.Error("the body was read")
	return 0, io.ErrUnexpectedEOF
}

// TestRefusedFromHeaders: a request whose credentials cannot be genuine is refused before a
// byte of its body is read, so a client cannot make the server hold bodies it will refuse.
func TestRefusedFromHeaders(t *testing.T) {
	e := newEnv(t)
	h := api.New(api.Config{Catalog: catalog.New(catalog.Config{Store: e.store})})
	for _, tc := range []struct {
		name string
		sign func(*http.Request, []byte)
		code string
	}{
		{"unsigned", nil, "MissingAuthenticationTokenException"},
		{"unknown key", signer("nobody", "x", "iot", "us-east-1", time.Now()), "UnrecognizedClientException"},
		{"wrong region", signer("test", "test", "iot", "eu-west-1", time.Now()), "InvalidSignatureException"},
		{"wrong service", signer("test", "test", "s3", "us-east-1", time.Now()), "InvalidSignatureException"},
		{"signed a day ago", signer("test", "test", "iot", "us-east-1", time.Now().Add(-24*time.Hour)), "InvalidSignatureException"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPut, "/packages/p", nil)
			r.ContentLength = 1 << 20
			if tc.sign != nil {
				tc.sign(r, nil)
			}
			r.Body = io.NopCloser(failingBody{t})
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != http.StatusForbidden || w.Header().Get("X-Amzn-ErrorType") != tc.code {
				t.Errorf("%d %s %s, want 403 %s", w.Code, w.Header().Get("X-Amzn-ErrorType"), w.Body, tc.code)
			}
		})
	}
}

// TestEmptyLabelVerifies: botocore signs "/packages//versions/1.0.0" normalised, as SigV4
// says for every service but S3; the signature verifies and the API answers the path as sent,
// whose empty package name is a client error.
func TestEmptyLabelVerifies(t *testing.T) {
	e := newEnv(t)
	resp := e.raw(http.MethodGet, "/packages//versions/1.0.0", nil, func(r *http.Request, body []byte) {
		norm := r.Clone(context.Background())
		norm.URL.Path, norm.URL.RawPath = "/packages/versions/1.0.0", ""
		signer("test", "test", "iot", "us-east-1", time.Now())(norm, body)
		r.Header = norm.Header
	})
	if resp.status != http.StatusBadRequest || resp.header.Get("X-Amzn-ErrorType") != "ValidationException" || !strings.Contains(string(resp.body), "packageName") {
		t.Errorf("%d %s %s, want 400 ValidationException about packageName", resp.status, resp.header.Get("X-Amzn-ErrorType"), resp.body)
	}
}

// busyBody is a request body that the connection guard refused to buffer (its budget full).
type busyBody struct{}

func (busyBody) Read([]byte) (int, error) { return 0, httpguard.ErrBusy }

// TestBusyBodyIsThrottling: a body the guard could not buffer in time is ThrottlingException,
// which the SDKs retry, not a client error they would give up on.
func TestBusyBodyIsThrottling(t *testing.T) {
	e := newEnv(t)
	h := api.New(api.Config{Catalog: catalog.New(catalog.Config{Store: e.store}), DisableAuth: true})
	r := httptest.NewRequest(http.MethodPut, "/packages/fw", busyBody{})
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusBadRequest || w.Header().Get("X-Amzn-ErrorType") != "ThrottlingException" {
		t.Fatalf("%d %s %s, want 400 ThrottlingException", w.Code, w.Header().Get("X-Amzn-ErrorType"), w.Body)
	}
	if _, err := e.store.GetPackage(context.Background(), "fw"); sbomcat.ErrCode(err) != sbomcat.ENOTFOUND {
		t.Fatalf("package stored: %v", err)
	}
}

// setHeader, addHeader and delHeader return mutations that change one header of a signed
// request.
func setHeader(k, v string) func(*http.Request) { return func(r *http.Request) { r.Header.Set(k, v) } }
func addHeader(k, v string) func(*http.Request) { return func(r *http.Request) { r.Header.Add(k, v) } }
func delHeader(k string) func(*http.Request)    { return func(r *http.Request) { r.Header.Del(k) } }
