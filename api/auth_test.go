package api_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/iot"
)

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
	raw := []struct {
		name    string
		sign    func(*http.Request, []byte)
		mutate  func(*http.Request)
		code    string
		message string
	}{
		{"signed an hour ago", signer("test", "test", "iot", "us-east-1", time.Now().Add(-time.Hour)), nil, "InvalidSignatureException", "Signature expired"},
		{"signed an hour ahead", signer("test", "test", "iot", "us-east-1", time.Now().Add(time.Hour)), nil, "InvalidSignatureException", "Signature expired"},
		{"body changed after signing", signed, func(r *http.Request) {
			b := []byte(`{"description":"forged"}`)
			r.Body = readCloser(b)
		}, "InvalidSignatureException", "does not match"},
		{"path changed after signing", signed, func(r *http.Request) { r.URL.Path = "/packages/other" }, "InvalidSignatureException", "does not match"},
		{"query changed after signing", signed, func(r *http.Request) { r.URL.RawQuery = "clientToken=" + strings.Repeat("x", 40) }, "InvalidSignatureException", "does not match"},
		{"signed header changed", signed, func(r *http.Request) { r.Header.Set("Content-Type", "text/plain") }, "InvalidSignatureException", "does not match"},
		{"declared payload hash differs", signed, func(r *http.Request) {
			r.Header.Set("X-Amz-Content-Sha256", strings.Repeat("0", 64))
		}, "InvalidSignatureException", "x-amz-content-sha256"},
		{"no date", signed, func(r *http.Request) { r.Header.Del("X-Amz-Date") }, "IncompleteSignatureException", "X-Amz-Date"},
		{"not sigv4", nil, func(r *http.Request) { r.Header.Set("Authorization", "Basic dGVzdDp0ZXN0") }, "IncompleteSignatureException", "algorithm"},
		{"no signature", nil, func(r *http.Request) {
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/iot/aws4_request, SignedHeaders=host")
		}, "IncompleteSignatureException", "'Signature'"},
		{"bad credential", nil, func(r *http.Request) {
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=test, SignedHeaders=host, Signature=00")
		}, "IncompleteSignatureException", "Credential"},
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
	// A declared payload hash (as S3 clients send) is accepted when it is the body's, or when
	// the client signed UNSIGNED-PAYLOAD.
	for i, declared := range []string{"body", "UNSIGNED-PAYLOAD"} {
		b := []byte(`{"description":"declared"}`)
		sign := func(r *http.Request, body []byte) {
			sum := sha256.Sum256(body)
			hash := hex.EncodeToString(sum[:])
			if declared != "body" {
				hash = declared
			}
			r.Header.Set("X-Amz-Content-Sha256", hash)
			err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}, r, hash, "iot", "us-east-1", time.Now())
			if err != nil {
				t.Fatal(err)
			}
		}
		resp := e.raw(http.MethodPut, fmt.Sprintf("/packages/declared-%d", i), b, sign)
		if resp.status != http.StatusOK {
			t.Errorf("declared payload hash %s: %d %s", declared, resp.status, resp.body)
		}
		ok(t, e.store.DeletePackage(ctx, fmt.Sprintf("declared-%d", i)))
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
