package s3local_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sbomcat/sbomcat/internal/testkit"
	"github.com/sbomcat/sbomcat/s3local"
)

// TestAuth: signed requests pass (keys with characters that SigV4 encodes specially
// included), anything else gets S3's authentication errors.
func TestAuth(t *testing.T) {
	ctx := context.Background()
	s := startServer(t, t.TempDir(), false)
	c := s.client(t, aws.RequestChecksumCalculationWhenSupported)
	createBucket(t, c, "auth", false)
	keys := []string{
		"plain.json",
		"dir/with space/and+plus=eq&amp;semi.json",
		"unicode/ĉu-ŝi/日本.json",
		"marks/~tilde!bang(paren)*star'quote,comma$dollar@at:colon.json",
		"double//slash/%percent#hash?question.json",
	}
	for _, k := range keys {
		put(t, c, "auth", k, []byte(k), map[string]string{"k": "v"})
		if got := getBody(t, c, &s3.GetObjectInput{Bucket: aws.String("auth"), Key: aws.String(k)}); string(got) != k {
			t.Errorf("GET %q = %q", k, got)
		}
	}
	out, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("auth"), Prefix: aws.String("dir/with space/")})
	if err != nil || len(out.Contents) != 1 || aws.ToString(out.Contents[0].Key) != keys[1] {
		t.Errorf("ListObjectsV2 with an encoded prefix: %+v, %v", out, err)
	}
	all, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("auth")})
	var listed []string
	for _, o := range all.Contents {
		listed = append(listed, aws.ToString(o.Key))
	}
	want := slices.Clone(keys)
	slices.Sort(want)
	if err != nil || !slices.Equal(listed, want) {
		t.Errorf("ListObjectsV2 = %q, %v; want %q", listed, err, want)
	}

	for _, tc := range []struct {
		name   string
		client func(o *s3.Options)
		status int
		code   string
	}{
		{"wrong secret", func(o *s3.Options) { o.Credentials = staticCreds("test", "nope") }, http.StatusForbidden, "SignatureDoesNotMatch"},
		{"unknown key", func(o *s3.Options) { o.Credentials = staticCreds("someone", "test") }, http.StatusForbidden, "InvalidAccessKeyId"},
		{"wrong region", func(o *s3.Options) { o.Region = "eu-west-1" }, http.StatusBadRequest, "AuthorizationHeaderMalformed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// A client of its own (not s3.New(c.Options(), ...)): the SDK's signer caches
			// derived keys by access key id, so sharing c's would sign "wrong secret"
			// requests with the right one.
			bad := s.client(t, aws.RequestChecksumCalculationWhenSupported, tc.client)
			_, err := bad.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("auth")})
			if httpStatus(err) != tc.status || apiCode(err) != tc.code {
				t.Errorf("want %d %s, got %v", tc.status, tc.code, err)
			}
			_, err = bad.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("auth"), Key: aws.String("plain.json"), Body: strings.NewReader("overwritten")})
			if httpStatus(err) != tc.status {
				t.Errorf("PutObject: want %d, got %v", tc.status, err)
			}
		})
	}
	if got := getBody(t, c, &s3.GetObjectInput{Bucket: aws.String("auth"), Key: aws.String("plain.json")}); string(got) != "plain.json" {
		t.Errorf("object after rejected PUTs = %q", got)
	}

	// Unsigned, whatever the path (presigned URLs: presign_test.go).
	for _, path := range []string{"/", "/auth", "/auth/plain.json", "/auth/plain.json?versionId=x"} {
		resp := s.rawRequest(t, http.MethodGet, path, nil, nil, true)
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusForbidden || !bytes.Contains(body, []byte("<Code>AccessDenied</Code>")) {
			t.Errorf("unsigned GET %s: %d %s", path, resp.StatusCode, body)
		}
	}
	// A signing header appended to a signed request.
	for _, h := range []string{"Authorization", "X-Amz-Date", "X-Amz-Content-Sha256"} {
		req, err := http.NewRequest(http.MethodGet, s.srv.URL+"/auth/plain.json", nil)
		if err != nil {
			t.Fatal(err)
		}
		testkit.SignS3Unsigned(t, req)
		req.Header.Add(h, req.Header.Get(h))
		resp, err := s.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || !bytes.Contains(body, []byte("<Code>InvalidArgument</Code>")) || !bytes.Contains(body, []byte(h)) {
			t.Errorf("second %s: %d %s", h, resp.StatusCode, body)
		}
	}
	// A correctly signed request whose body is not the one it was signed for.
	sum := sha256.Sum256([]byte("the signed body"))
	resp := s.rawRequest(t, http.MethodPut, "/auth/tampered", strings.NewReader("another body!!!"), map[string]string{"X-Amz-Content-Sha256": hex.EncodeToString(sum[:])})
	if body, _ := io.ReadAll(resp.Body); resp.StatusCode != http.StatusBadRequest || !bytes.Contains(body, []byte("BadDigest")) {
		t.Errorf("tampered body: %d %s", resp.StatusCode, body)
	}
	if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("auth"), Key: aws.String("tampered")}); httpStatus(err) != http.StatusNotFound {
		t.Errorf("tampered object was stored: %v", err)
	}
}

func staticCreds(ak, sk string) aws.CredentialsProvider {
	return aws.NewCredentialsCache(aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: ak, SecretAccessKey: sk}, nil
	}))
}

func TestSigV4Service(t *testing.T) {
	for _, tc := range []struct {
		name string
		req  func(r *http.Request)
		want string
	}{
		{"s3 header", func(r *http.Request) {
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=ab")
		}, "s3"},
		{"iot header", func(r *http.Request) {
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/iot/aws4_request,SignedHeaders=host,Signature=ab")
		}, "iot"},
		{"presigned", func(r *http.Request) {
			r.URL.RawQuery = "X-Amz-Credential=test%2F20260101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=ab"
		}, "s3"},
		{"unsigned", func(*http.Request) {}, ""},
		{"malformed", func(r *http.Request) { r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=test/s3") }, ""},
		{"other scheme", func(r *http.Request) { r.Header.Set("Authorization", "Basic dGVzdDp0ZXN0") }, ""},
	} {
		r := httptest.NewRequest(http.MethodGet, "/bucket/key", nil)
		tc.req(r)
		if got := s3local.SigV4Service(r); got != tc.want {
			t.Errorf("%s: SigV4Service = %q, want %q", tc.name, got, tc.want)
		}
	}
}
