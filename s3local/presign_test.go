package s3local_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sbomcat/sbomcat/internal/testkit"
	"github.com/sbomcat/sbomcat/s3local"
)

// clockServer is startServer with a clock the test moves, so that expiry is tested without
// waiting for it.
func clockServer(t *testing.T) (*server, *atomic.Pointer[time.Time]) {
	t.Helper()
	b, err := s3local.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var now atomic.Pointer[time.Time]
	start := time.Now()
	now.Store(&start)
	h := s3local.Authenticate(b.Handler(), s3local.AuthConfig{
		Credentials: map[string]string{"test": "test", "other": "secret"},
		Region:      "us-east-1",
		Now:         func() time.Time { return *now.Load() },
	})
	s := &server{b: b, srv: httptest.NewServer(h)}
	t.Cleanup(s.stop)
	return s, &now
}

// fetch sends a request to a presigned URL with net/http, as a device or curl would, and
// returns the status, the body and S3's error code.
func fetch(t *testing.T, method, u string, body []byte, hdr http.Header) (int, []byte, string) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, b := testkit.Do(t, req)
	code := ""
	if i := bytes.Index(b, []byte("<Code>")); i >= 0 {
		code, _, _ = strings.Cut(string(b[i+len("<Code>"):]), "<")
	}
	return resp.StatusCode, b, code
}

// withQuery returns u with parameter k set to v ("" deletes it).
func withQuery(t *testing.T, u, k, v string) string {
	t.Helper()
	p, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	q := p.Query()
	if v == "" {
		q.Del(k)
	} else {
		q.Set(k, v)
	}
	p.RawQuery = q.Encode()
	return p.String()
}

// TestPresigned: URLs presigned by the official SDK's presign client fetch exactly the version
// they name, with net/http and no credentials, until they expire; anything altered, expired,
// or signed with a wrong or unknown key is refused.
func TestPresigned(t *testing.T) {
	ctx := context.Background()
	s, now := clockServer(t)
	c := s.client(t, aws.RequestChecksumCalculationWhenRequired)
	createBucket(t, c, "firmware", true)
	key := "gateway/7.1.0/fw image+ĉu.bin"
	v1 := put(t, c, "firmware", key, []byte("version one"), nil)
	put(t, c, "firmware", key, []byte("version two, the latest"), nil)

	pc := s3.NewPresignClient(c)
	presign := func(t *testing.T, pc *s3.PresignClient, version string, expires time.Duration) string {
		t.Helper()
		in := &s3.GetObjectInput{Bucket: aws.String("firmware"), Key: aws.String(key)}
		if version != "" {
			in.VersionId = aws.String(version)
		}
		req, err := pc.PresignGetObject(ctx, in, s3.WithPresignExpires(expires))
		if err != nil {
			t.Fatal(err)
		}
		return req.URL
	}
	good := presign(t, pc, v1, time.Hour)

	t.Run("valid", func(t *testing.T) {
		if status, body, _ := fetch(t, http.MethodGet, good, nil, nil); status != http.StatusOK || string(body) != "version one" {
			t.Errorf("GET pinned version: %d %q", status, body)
		}
		// Usable any number of times until it expires.
		if status, body, _ := fetch(t, http.MethodGet, good, nil, nil); status != http.StatusOK || string(body) != "version one" {
			t.Errorf("second GET: %d %q", status, body)
		}
		if status, body, _ := fetch(t, http.MethodGet, presign(t, pc, "", time.Hour), nil, nil); status != http.StatusOK || string(body) != "version two, the latest" {
			t.Errorf("GET latest: %d %q", status, body)
		}
		// A header the URL signs must be sent as signed.
		rng, err := pc.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("firmware"), Key: aws.String(key), VersionId: aws.String(v1), Range: aws.String("bytes=0-6")})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(rng.URL, "range") {
			t.Fatalf("Range is not among the signed headers: %s", rng.URL)
		}
		if status, body, _ := fetch(t, http.MethodGet, rng.URL, nil, rng.SignedHeader); status != http.StatusPartialContent || string(body) != "version" {
			t.Errorf("ranged GET: %d %q", status, body)
		}
		if status, _, code := fetch(t, http.MethodGet, rng.URL, nil, http.Header{"Range": {"bytes=0-10"}}); status != http.StatusForbidden || code != "SignatureDoesNotMatch" {
			t.Errorf("ranged GET with another range: %d %s", status, code)
		}
		head, err := pc.PresignHeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("firmware"), Key: aws.String(key), VersionId: aws.String(v1)})
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest(http.MethodHead, head.URL, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.ContentLength != int64(len("version one")) {
			t.Errorf("HEAD: %d, length %d", resp.StatusCode, resp.ContentLength)
		}
	})

	t.Run("presigned PUT", func(t *testing.T) {
		req, err := pc.PresignPutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("firmware"), Key: aws.String("uploaded.json")})
		if err != nil {
			t.Fatal(err)
		}
		if status, body, _ := fetch(t, http.MethodPut, req.URL, []byte(`{"uploaded":true}`), req.SignedHeader); status != http.StatusOK {
			t.Fatalf("PUT: %d %s", status, body)
		}
		if got := getBody(t, c, &s3.GetObjectInput{Bucket: aws.String("firmware"), Key: aws.String("uploaded.json")}); string(got) != `{"uploaded":true}` {
			t.Errorf("uploaded object = %q", got)
		}
		// The URL signs PUT, not GET.
		if status, _, code := fetch(t, http.MethodGet, req.URL, nil, nil); status != http.StatusForbidden || code != "SignatureDoesNotMatch" {
			t.Errorf("GET on a PUT URL: %d %s", status, code)
		}
	})

	t.Run("tampered", func(t *testing.T) {
		sig := withQuery(t, good, "X-Amz-Signature", "")
		p, _ := url.Parse(good)
		orig := p.Query().Get("X-Amz-Signature")
		flipped := string(rune(orig[0]^1)) + orig[1:]
		for name, u := range map[string]string{
			"other version":     withQuery(t, good, "versionId", "latest-please"),
			"no version":        withQuery(t, good, "versionId", ""),
			"longer expiry":     withQuery(t, good, "X-Amz-Expires", "7200"),
			"other date":        withQuery(t, good, "X-Amz-Date", now.Load().Add(time.Minute).UTC().Format("20060102T150405Z")),
			"flipped signature": withQuery(t, good, "X-Amz-Signature", flipped),
			"added parameter":   withQuery(t, good, "response-content-type", "text/html"),
			"other key":         strings.Replace(good, "fw%20image", "fw%20imagf", 1),
		} {
			if status, body, code := fetch(t, http.MethodGet, u, nil, nil); status != http.StatusForbidden || code != "SignatureDoesNotMatch" {
				t.Errorf("%s: %d %s %s", name, status, code, body)
			}
		}
		if status, _, code := fetch(t, http.MethodGet, sig, nil, nil); status != http.StatusBadRequest || code != "AuthorizationQueryParametersError" {
			t.Errorf("no signature: %d %s", status, code)
		}
	})

	t.Run("expired", func(t *testing.T) {
		short := presign(t, pc, v1, time.Minute)
		signed := *now.Load()
		t.Cleanup(func() { now.Store(&signed) })
		for _, tc := range []struct {
			after  time.Duration
			status int
			code   string
		}{
			{59 * time.Second, http.StatusOK, ""},
			{61 * time.Second, http.StatusForbidden, "AccessDenied"},
			{24 * time.Hour, http.StatusForbidden, "AccessDenied"},
			{-10 * time.Minute, http.StatusOK, ""}, // a server clock a little behind
			{-20 * time.Minute, http.StatusForbidden, "AccessDenied"},
		} {
			at := signed.Add(tc.after)
			now.Store(&at)
			if status, body, code := fetch(t, http.MethodGet, short, nil, nil); status != tc.status || code != tc.code {
				t.Errorf("%v after signing: %d %s %s", tc.after, status, code, body)
			}
		}
		now.Store(&signed)
		// Seven days is the longest S3 allows.
		week, err := pc.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("firmware"), Key: aws.String(key)}, s3.WithPresignExpires(7*24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if status, _, _ := fetch(t, http.MethodGet, week.URL, nil, nil); status != http.StatusOK {
			t.Errorf("seven-day URL: %d", status)
		}
		for _, exp := range []string{"604801", "-1", "soon"} {
			// Re-signed with the bad value, so that the value is what is refused, not the signature.
			u := signRaw(t, http.MethodGet, s.srv.URL+"/firmware/plain", "test", "test", "us-east-1", "s3", exp, signed)
			if status, _, code := fetch(t, http.MethodGet, u, nil, nil); status != http.StatusBadRequest || code != "AuthorizationQueryParametersError" {
				t.Errorf("X-Amz-Expires=%s: %d %s", exp, status, code)
			}
		}
	})

	t.Run("wrong key", func(t *testing.T) {
		for _, tc := range []struct {
			name, ak, sk string
			code         string
		}{
			{"wrong secret", "test", "nope", "SignatureDoesNotMatch"},
			{"another user's secret", "test", "secret", "SignatureDoesNotMatch"},
			{"unknown key id", "someone", "test", "InvalidAccessKeyId"},
		} {
			bad := s3.NewPresignClient(s.client(t, aws.RequestChecksumCalculationWhenRequired, func(o *s3.Options) { o.Credentials = staticCreds(tc.ak, tc.sk) }))
			if status, _, code := fetch(t, http.MethodGet, presign(t, bad, v1, time.Hour), nil, nil); status != http.StatusForbidden || code != tc.code {
				t.Errorf("%s: %d %s", tc.name, status, code)
			}
		}
		// The second configured pair is as good as the first.
		other := s3.NewPresignClient(s.client(t, aws.RequestChecksumCalculationWhenRequired, func(o *s3.Options) { o.Credentials = staticCreds("other", "secret") }))
		if status, body, _ := fetch(t, http.MethodGet, presign(t, other, v1, time.Hour), nil, nil); status != http.StatusOK || string(body) != "version one" {
			t.Errorf("second key pair: %d %q", status, body)
		}
	})

	t.Run("malformed", func(t *testing.T) {
		signed := *now.Load()
		for _, tc := range []struct {
			name   string
			url    string
			hdr    http.Header
			status int
			code   string
		}{
			{"wrong region", presign(t, s3.NewPresignClient(s.client(t, aws.RequestChecksumCalculationWhenRequired, func(o *s3.Options) { o.Region = "eu-west-1" })), v1, time.Hour), nil, http.StatusBadRequest, "AuthorizationQueryParametersError"},
			{"another service", signRaw(t, http.MethodGet, s.srv.URL+"/firmware/plain", "test", "test", "us-east-1", "iot", "60", signed), nil, http.StatusBadRequest, "AuthorizationQueryParametersError"},
			{"other algorithm", withQuery(t, good, "X-Amz-Algorithm", "AWS4-HMAC-SHA1"), nil, http.StatusBadRequest, "AuthorizationQueryParametersError"},
			{"no credential", withQuery(t, good, "X-Amz-Credential", ""), nil, http.StatusBadRequest, "AuthorizationQueryParametersError"},
			{"no expiry", withQuery(t, good, "X-Amz-Expires", ""), nil, http.StatusBadRequest, "AuthorizationQueryParametersError"},
			{"credential without the rest", s.srv.URL + "/firmware/plain?X-Amz-Signature=abc&X-Amz-Credential=test%2F20260101%2Fus-east-1%2Fs3%2Faws4_request", nil, http.StatusBadRequest, "AuthorizationQueryParametersError"},
			{"bad date", withQuery(t, good, "X-Amz-Date", "yesterday"), nil, http.StatusBadRequest, "AuthorizationQueryParametersError"},
			{"also an Authorization header", good, http.Header{"Authorization": {"AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=ab"}}, http.StatusBadRequest, "InvalidArgument"},
		} {
			if status, body, code := fetch(t, http.MethodGet, tc.url, nil, tc.hdr); status != tc.status || code != tc.code {
				t.Errorf("%s: %d %s %s", tc.name, status, code, body)
			}
		}
	})
}

// signRaw presigns a GET with the SDK's v4 signer directly, for what the presign client will
// not produce (another service, an out-of-range X-Amz-Expires).
func signRaw(t *testing.T, method, u, ak, sk, region, service, expires string, at time.Time) string {
	t.Helper()
	req, err := http.NewRequest(method, u+"?X-Amz-Expires="+url.QueryEscape(expires), nil)
	if err != nil {
		t.Fatal(err)
	}
	signed, _, err := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }).PresignHTTP(context.Background(),
		aws.Credentials{AccessKeyID: ak, SecretAccessKey: sk}, req, "UNSIGNED-PAYLOAD", service, region, at)
	if err != nil {
		t.Fatal(err)
	}
	return signed
}
