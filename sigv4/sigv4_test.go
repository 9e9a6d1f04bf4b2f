package sigv4_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/sbomcat/sbomcat/sigv4"
)

var (
	keys    = map[string]string{"AKID": "secret"}
	creds   = aws.Credentials{AccessKeyID: "AKID", SecretAccessKey: "secret"}
	signed  = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	hashOf0 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" // sha256 of nothing
)

func reason(t *testing.T, err error) sigv4.Reason {
	t.Helper()
	if err == nil {
		return 0
	}
	var e *sigv4.Error
	if !errors.As(err, &e) {
		t.Fatalf("%v is not a *sigv4.Error", err)
	}
	return e.Reason
}

func TestParseAuthorization(t *testing.T) {
	for _, tc := range []struct {
		h       string
		want    sigv4.Reason
		value   string
		missing []string
	}{
		{"AWS4-HMAC-SHA256 Credential=AKID/20260102/us-east-1/iot/aws4_request, SignedHeaders=host;x-amz-date, Signature=ab", 0, "", nil},
		{"Basic dGVzdDp0ZXN0", sigv4.BadAlgorithm, "Basic", nil},
		{"AWS4-HMAC-SHA256 Credential=AKID/20260102/us-east-1/iot/aws4_request, SignedHeaders=host", sigv4.MissingParams, "", []string{"Signature"}},
		{"AWS4-HMAC-SHA256 Signature=ab", sigv4.MissingParams, "", []string{"Credential", "SignedHeaders"}},
		{"AWS4-HMAC-SHA256 Credential=AKID, SignedHeaders=host, Signature=ab", sigv4.BadCredential, "AKID", nil},
		{"AWS4-HMAC-SHA256 Credential=/20260102/us-east-1/iot/aws4_request, SignedHeaders=host, Signature=ab", sigv4.BadCredential, "/20260102/us-east-1/iot/aws4_request", nil},
	} {
		a, err := sigv4.ParseAuthorization(tc.h)
		if got := reason(t, err); got != tc.want {
			t.Errorf("%s: reason %v, want %v", tc.h, got, tc.want)
			continue
		}
		if err == nil {
			if a.AccessKey != "AKID" || a.Date != "20260102" || a.Region != "us-east-1" || a.Service != "iot" || a.SignedHeaders != "host;x-amz-date" || a.Signature != "ab" {
				t.Errorf("parsed %+v", a)
			}
			continue
		}
		var e *sigv4.Error
		errors.As(err, &e)
		if e.Value != tc.value || !slices.Equal(e.Missing, tc.missing) {
			t.Errorf("%s: value %q missing %q, want %q %q", tc.h, e.Value, e.Missing, tc.value, tc.missing)
		}
	}
}

func TestSetDate(t *testing.T) {
	var a sigv4.Auth
	if got := reason(t, a.SetDate("")); got != sigv4.MissingDate {
		t.Errorf("empty: %v", got)
	}
	if got := reason(t, a.SetDate("yesterday")); got != sigv4.BadDate {
		t.Errorf("yesterday: %v", got)
	}
	if err := a.SetDate("20260102T030405Z"); err != nil || !a.SigningTime.Equal(signed) || a.AmzDate != "20260102T030405Z" {
		t.Errorf("%v %v", a.SigningTime, err)
	}
}

func TestParseQuery(t *testing.T) {
	good := url.Values{
		sigv4.QAlgorithm: {sigv4.Algorithm}, sigv4.QCredential: {"AKID/20260102/us-east-1/s3/aws4_request"},
		sigv4.QDate: {"20260102T030405Z"}, sigv4.QExpires: {"60"}, sigv4.QSignedHeaders: {"host"}, sigv4.QSignature: {"ab"},
	}
	with := func(k, v string) url.Values {
		q := url.Values{}
		for k, v := range good {
			q[k] = v
		}
		q.Set(k, v)
		return q
	}
	for _, tc := range []struct {
		name string
		q    url.Values
		want sigv4.Reason
	}{
		{"good", good, 0},
		{"no expiry", with(sigv4.QExpires, ""), sigv4.MissingParams},
		{"other algorithm", with(sigv4.QAlgorithm, "AWS4-HMAC-SHA1"), sigv4.BadAlgorithm},
		{"bad credential", with(sigv4.QCredential, "AKID/s3"), sigv4.BadCredential},
		{"bad date", with(sigv4.QDate, "yesterday"), sigv4.BadDate},
		{"expires not a number", with(sigv4.QExpires, "soon"), sigv4.BadExpires},
		{"negative expires", with(sigv4.QExpires, "-1"), sigv4.NegativeExpires},
		{"expires over a week", with(sigv4.QExpires, "604801"), sigv4.ExpiresTooLong},
		{"a week", with(sigv4.QExpires, "604800"), 0},
	} {
		a, err := sigv4.ParseQuery(tc.q)
		if got := reason(t, err); got != tc.want {
			t.Errorf("%s: reason %v, want %v", tc.name, got, tc.want)
		}
		if !a.Presigned {
			t.Errorf("%s: not presigned", tc.name)
		}
		if tc.name == "good" && (a.Expires != time.Minute || a.Service != "s3" || a.Signature != "ab" || !a.SigningTime.Equal(signed)) {
			t.Errorf("parsed %+v", a)
		}
	}
}

func TestCredentials(t *testing.T) {
	a := sigv4.Auth{AccessKey: "AKID", Region: "us-east-1", Service: "iot"}
	if c, err := a.Credentials(keys, "us-east-1", "iot"); err != nil || c != creds {
		t.Errorf("%+v %v", c, err)
	}
	for _, tc := range []struct {
		key, region, service string
		want                 sigv4.Reason
	}{
		{"nobody", "eu-west-1", "s3", sigv4.UnknownKey}, // the key first
		{"AKID", "eu-west-1", "s3", sigv4.WrongRegion},
		{"AKID", "us-east-1", "s3", sigv4.WrongService},
	} {
		a := sigv4.Auth{AccessKey: tc.key, Region: tc.region, Service: tc.service}
		if _, err := a.Credentials(keys, "us-east-1", "iot"); reason(t, err) != tc.want {
			t.Errorf("%+v: %v, want %v", a, err, tc.want)
		}
	}
}

func TestCheckTime(t *testing.T) {
	header := sigv4.Auth{Date: "20260102", SigningTime: signed}
	presigned := sigv4.Auth{Date: "20260102", SigningTime: signed, Presigned: true, Expires: time.Minute}
	for _, tc := range []struct {
		name  string
		a     sigv4.Auth
		after time.Duration
		want  sigv4.Reason
	}{
		{"header now", header, 0, 0},
		{"header 14 min late", header, 14 * time.Minute, 0},
		{"header 16 min late", header, 16 * time.Minute, sigv4.Skewed},
		{"header 16 min early", header, -16 * time.Minute, sigv4.Skewed},
		{"scope date", sigv4.Auth{Date: "20260101", SigningTime: signed}, 0, sigv4.DateMismatch},
		{"presigned in time", presigned, 59 * time.Second, 0},
		{"presigned expired", presigned, 61 * time.Second, sigv4.Expired},
		{"presigned, clock a little behind", presigned, -10 * time.Minute, 0},
		{"presigned in the future", presigned, -20 * time.Minute, sigv4.NotYetValid},
	} {
		if got := reason(t, tc.a.CheckTime(signed.Add(tc.after))); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestVerify signs requests with the SDK as a client would and verifies them.
func TestVerify(t *testing.T) {
	ctx := context.Background()
	path := "/things/with%20space/a+b"

	t.Run("header", func(t *testing.T) {
		for _, double := range []bool{true, false} {
			client := sigv4.NewSigner(double)
			r := httptest.NewRequest(http.MethodPut, "http://example.com"+path+"?x=1", nil)
			r.Header.Set("X-Custom", "v")
			if err := client.SignHTTP(ctx, creds, r, hashOf0, "iot", "us-east-1", signed); err != nil {
				t.Fatal(err)
			}
			a, err := sigv4.ParseAuthorization(r.Header.Get("Authorization"))
			if err == nil {
				err = a.SetDate(r.Header.Get("X-Amz-Date"))
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := a.Verify(ctx, sigv4.NewSigner(double), r, creds, hashOf0); err != nil {
				t.Errorf("double %v: %v", double, err)
			}
			// Path encoding is part of the signature: the other flavour does not verify.
			if got := reason(t, a.Verify(ctx, sigv4.NewSigner(!double), r, creds, hashOf0)); got != sigv4.SignatureMismatch {
				t.Errorf("double %v verified with %v: %v", double, !double, got)
			}
			for name, tamper := range map[string]func(r *http.Request) (*http.Request, aws.Credentials, string){
				"other secret": func(r *http.Request) (*http.Request, aws.Credentials, string) {
					return r, aws.Credentials{AccessKeyID: "AKID", SecretAccessKey: "other"}, hashOf0
				},
				"other payload": func(r *http.Request) (*http.Request, aws.Credentials, string) {
					return r, creds, sigv4.UnsignedPayload
				},
				"other header": func(r *http.Request) (*http.Request, aws.Credentials, string) {
					r = r.Clone(ctx)
					r.Header.Set("X-Custom", "w")
					return r, creds, hashOf0
				},
				"other query": func(r *http.Request) (*http.Request, aws.Credentials, string) {
					r = r.Clone(ctx)
					r.URL.RawQuery = "x=2"
					return r, creds, hashOf0
				},
			} {
				r, c, hash := tamper(r)
				if got := reason(t, a.Verify(ctx, sigv4.NewSigner(double), r, c, hash)); got != sigv4.SignatureMismatch {
					t.Errorf("double %v, %s: %v", double, name, got)
				}
			}
		}
	})

	t.Run("presigned", func(t *testing.T) {
		r := httptest.NewRequest(http.MethodGet, "http://example.com"+path+"?"+sigv4.QExpires+"=60", nil)
		u, hdr, err := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }).PresignHTTP(ctx, creds, r, sigv4.UnsignedPayload, "s3", "us-east-1", signed)
		if err != nil {
			t.Fatal(err)
		}
		req := httptest.NewRequest(http.MethodGet, u, nil)
		for k, v := range hdr {
			req.Header[k] = v
		}
		a, err := sigv4.ParseQuery(req.URL.Query())
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Verify(ctx, sigv4.NewSigner(false), req, creds, sigv4.UnsignedPayload); err != nil {
			t.Error(err)
		}
		req.URL.RawQuery = strings.Replace(req.URL.RawQuery, sigv4.QExpires+"=60", sigv4.QExpires+"=600", 1)
		a, _ = sigv4.ParseQuery(req.URL.Query())
		if got := reason(t, a.Verify(ctx, sigv4.NewSigner(false), req, creds, sigv4.UnsignedPayload)); got != sigv4.SignatureMismatch {
			t.Errorf("longer expiry: %v", got)
		}
	})
}

func TestService(t *testing.T) {
	for _, tc := range []struct{ auth, query, want string }{
		{"AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=ab", "", "s3"},
		{"AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/iot/aws4_request", "", "iot"},
		{"", sigv4.QCredential + "=AKID%2F20260101%2Fus-east-1%2Fs3%2Faws4_request", "s3"},
		{"", "", ""},
		{"AWS4-HMAC-SHA256 Credential=AKID/s3", "", ""},
		{"Basic dGVzdDp0ZXN0", "", ""},
	} {
		r := httptest.NewRequest(http.MethodGet, "/b/k?"+tc.query, nil)
		if tc.auth != "" {
			r.Header.Set("Authorization", tc.auth)
		}
		if got := sigv4.Service(r); got != tc.want {
			t.Errorf("%q %q: %q, want %q", tc.auth, tc.query, got, tc.want)
		}
	}
}

func TestRemoveDotSegments(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", "/"},
		{"/", "/"},
		{"/packages/p", "/packages/p"},
		{"/packages//versions/1.0.0", "/packages/versions/1.0.0"},
		{"/packages/p/versions/..", "/packages/p"},
		{"/packages/./p/", "/packages/p/"},
		{"/a/b/../../..", "/"},
		{"//", "/"},
		{"/packages/%2E%2E/x", "/packages/%2E%2E/x"}, // escaped dots are a name, not a segment
	} {
		if got := sigv4.RemoveDotSegments(tc.in); got != tc.want {
			t.Errorf("RemoveDotSegments(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestVerifyNormalisedPath: for services other than S3, a path that normalisation changes
// verifies whether the client signed it normalised (botocore, as SigV4 says) or as sent (the
// Go SDK); for S3 only as sent.
func TestVerifyNormalisedPath(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name, service, sent, signedPath string
		double                          bool
		want                            sigv4.Reason
	}{
		{"iot, signed normalised", "iot", "/packages//versions/1.0.0", "/packages/versions/1.0.0", true, 0},
		{"iot, signed as sent", "iot", "/packages//versions/1.0.0", "/packages//versions/1.0.0", true, 0},
		{"iot, dot segment signed normalised", "iot", "/packages/p/versions/..", "/packages/p", true, 0},
		{"iot, signed another path", "iot", "/packages//versions/1.0.0", "/packages/versions/2.0.0", true, sigv4.SignatureMismatch},
		{"s3, signed as sent", "s3", "/b//k", "/b//k", false, 0},
		{"s3, signed normalised", "s3", "/b//k", "/b/k", false, sigv4.SignatureMismatch},
	} {
		t.Run(tc.name, func(t *testing.T) {
			client := httptest.NewRequest(http.MethodGet, "http://example.com"+tc.signedPath, nil)
			if err := sigv4.NewSigner(tc.double).SignHTTP(ctx, creds, client, hashOf0, tc.service, "us-east-1", signed); err != nil {
				t.Fatal(err)
			}
			r := httptest.NewRequest(http.MethodGet, "http://example.com"+tc.sent, nil)
			r.Header = client.Header.Clone()
			a, err := sigv4.ParseAuthorization(r.Header.Get("Authorization"))
			if err == nil {
				err = a.SetDate(r.Header.Get("X-Amz-Date"))
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := reason(t, a.Verify(ctx, sigv4.NewSigner(tc.double), r, creds, hashOf0)); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestCheckSingle(t *testing.T) {
	for _, tc := range []struct {
		name   string
		header http.Header
		want   string
	}{
		{"one of each", http.Header{"Authorization": {"a"}, "X-Amz-Date": {"d"}, "X-Amz-Content-Sha256": {"h"}}, ""},
		{"two Authorization", http.Header{"Authorization": {"a", "b"}}, "Authorization"},
		{"two X-Amz-Date", http.Header{"Authorization": {"a"}, "X-Amz-Date": {"d", "e"}}, "X-Amz-Date"},
		{"two payload hashes", http.Header{"X-Amz-Content-Sha256": {"h", "UNSIGNED-PAYLOAD"}}, "X-Amz-Content-Sha256"},
		{"two tokens", http.Header{"X-Amz-Security-Token": {"t", "u"}}, "X-Amz-Security-Token"},
		{"other headers may repeat", http.Header{"X-Custom": {"a", "b"}}, ""},
	} {
		err := sigv4.CheckSingle(tc.header)
		var e *sigv4.Error
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want != "" && (!errors.As(err, &e) || e.Reason != sigv4.DuplicateHeader || e.Value != tc.want):
			t.Errorf("%s: %v, want duplicate %s", tc.name, err, tc.want)
		}
	}
}
