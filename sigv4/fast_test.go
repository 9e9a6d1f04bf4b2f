package sigv4

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// TestFastMatchesSDK holds Verify's fast path to the SDK's signer: over requests signed in
// many shapes (paths that need escaping, odd spacing, repeated and ignored headers, default and
// other ports, queries, content lengths), each signed with either path encoding and verified
// with either signer, the fast path never accepts what the SDK's signer refuses, and it does
// accept the plain requests the SDK's signer accepts.
func TestFastMatchesSDK(t *testing.T) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func(xs ...string) string { return xs[rng.IntN(len(xs))] }
	creds := aws.Credentials{AccessKeyID: "AKID", SecretAccessKey: "secret"}
	signers := map[bool]*Signer{true: NewSigner(true), false: NewSigner(false)}
	var fastHits, plain int
	for i := range 4000 {
		// Mostly verified with the signer's own path encoding, sometimes with the other.
		double := rng.IntN(2) == 0
		verifyDouble := double != (rng.IntN(4) == 0)
		service := pick("iot", "s3", "execute-api")
		host := pick("example.com", "example.com:80", "example.com:443", "127.0.0.1:4566", "[::1]:80", "[::1]:8080")
		path := pick("/", "", "/packages/p/versions/v", "/things/with%20space/a+b", "/a//b/../c", "/%E2%82%AC/x", "/k%2Fey", "/a%2Bb%3Dc", "/~user/*")
		query := pick("", "", "", "x=1", "a=b&a=c", "a=c&a=b", "b=1&a=2", "prefix=a%20b", "clientToken=0f4a8a5e-7c2b-4f63-9d7e-2a8f2f3b1c4d", "k", "k=", "a=1&a=1", "a+b=c", "x=~._-")
		scheme := pick("http", "https")
		u := scheme + "://" + host + path
		if path == "" {
			u = scheme + "://" + host
		}
		if query != "" {
			u += "?" + query
		}
		var body string
		if rng.IntN(2) == 0 {
			body = `{"sbom":{}}`
		}
		r := httptest.NewRequest(pick(http.MethodGet, http.MethodPut, http.MethodPost), u, strings.NewReader(body))
		if rng.IntN(3) == 0 && body != "" {
			r.ContentLength = int64(len(body)) // as the SDK's client sends it
		}
		for range rng.IntN(4) {
			name := pick("X-Custom", "Content-Type", "amz-sdk-invocation-id", "User-Agent", "X-Amzn-Trace-Id", "X-Amz-Content-Sha256")
			val := pick("v", "application/json", " padded ", "two  spaces", "a,b", "tab\tinside", "", "üñí")
			r.Header.Add(name, val)
		}
		hash := pick(hashOf0, UnsignedPayload)
		signing := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).Add(time.Duration(rng.IntN(48)) * time.Hour)
		client := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = !double })
		if err := client.SignHTTP(ctx, creds, r, hash, service, "us-east-1", signing); err != nil {
			t.Fatal(err)
		}
		// The server's copy: the request as it arrives, and sometimes changed on the way.
		srv := r.Clone(ctx)
		if rng.IntN(2) == 0 {
			// The SDK signed the host without a default port; a client may still send it.
			srv.Host = host
		}
		if rng.IntN(4) == 0 {
			srv.TLS = nil // signed for https, received over http (a TLS proxy in front)
		}
		switch rng.IntN(8) {
		case 0:
			srv.Header.Set("X-Custom", "changed")
		case 1:
			srv.URL.Path += "x"
			srv.URL.RawPath = ""
		case 2:
			hash = hashOf0 + "0"
		case 3:
			srv.URL.RawQuery += "&z=1"
		}
		a, err := ParseAuthorization(srv.Header.Get("Authorization"))
		if err == nil {
			err = a.SetDate(srv.Header.Get("X-Amz-Date"))
		}
		if err != nil {
			t.Fatal(err)
		}
		if rng.IntN(10) == 0 {
			// A client that lists its headers otherwise than the SDK would.
			a.SignedHeaders = pick("host", "X-Amz-Date;host", "host;host;x-amz-date", "host;user-agent;x-amz-date", "content-length;host;x-amz-date")
		}
		signer := signers[verifyDouble]
		fast := a.fastMatch(signer, srv, creds, hash)
		sdk := a.verify(ctx, signer.Signer, rebuild(srv, a.SignedHeaders), creds, hash)
		desc := fmt.Sprintf("#%d %s %s (double %v, verified %v) signed %q", i, srv.Method, srv.URL, double, verifyDouble, a.SignedHeaders)
		if fast && sdk != nil {
			t.Fatalf("%s: the fast path accepts what the SDK refuses: %v", desc, sdk)
		}
		if sdk == nil && plainQuery(srv.URL.RawQuery) && plainHeaders(srv, a.SignedHeaders) && !defaultPort(srv, srv.Host) {
			plain++
			if !fast {
				t.Errorf("%s: a plain request the SDK accepts is not matched by the fast path", desc)
			}
		}
		if fast {
			fastHits++
		}
		// Verify answers as the SDK's signer does, whichever path decides.
		if got := a.Verify(ctx, signer, srv, creds, hash); (got == nil) != (sdk == nil) && (sdk == nil || !errorsMatchNormalised(a, srv)) {
			t.Errorf("%s: Verify %v, the SDK's signer %v", desc, got, sdk)
		}
	}
	t.Logf("%d plain, %d fast", plain, fastHits)
	if plain < 500 || fastHits < plain {
		t.Errorf("%d plain requests, %d matched by the fast path: the cases do not exercise it", plain, fastHits)
	}
}

// plainHeaders reports whether every signed header value of r is one the SDK signs as it is.
func plainHeaders(r *http.Request, signed string) bool {
	for name := range strings.SplitSeq(signed, ";") {
		for _, v := range r.Header.Values(name) {
			if !plainValue(v) {
				return false
			}
		}
	}
	return true
}

// errorsMatchNormalised reports whether Verify may accept what the SDK refuses for r's path as
// sent: the retry with the normalised path (see Verify), for services other than S3.
func errorsMatchNormalised(a Auth, r *http.Request) bool {
	return a.Service != "s3" && RemoveDotSegments(r.URL.EscapedPath()) != r.URL.EscapedPath()
}

const hashOf0 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// BenchmarkVerify: one signed AssociateSbomWithPackageVersion as the Go SDK sends it, verified by Verify
// (the fast path) and by the SDK's signer alone.
func BenchmarkVerify(b *testing.B) {
	ctx := context.Background()
	creds := aws.Credentials{AccessKeyID: "AKID", SecretAccessKey: "secret"}
	r := httptest.NewRequest(http.MethodPut, "http://127.0.0.1:4566/packages/bench/versions/1.0.1/sbom?clientToken=0f4a8a5e-7c2b-4f63-9d7e-2a8f2f3b1c4d", strings.NewReader(`{}`))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Amz-Sdk-Invocation-Id", "0f4a8a5e-7c2b-4f63-9d7e-2a8f2f3b1c4d")
	r.Header.Set("Amz-Sdk-Request", "attempt=1; max=3")
	if err := v4.NewSigner().SignHTTP(ctx, creds, r, hashOf0, "iot", "us-east-1", time.Now()); err != nil {
		b.Fatal(err)
	}
	a, err := ParseAuthorization(r.Header.Get("Authorization"))
	if err == nil {
		err = a.SetDate(r.Header.Get("X-Amz-Date"))
	}
	if err != nil {
		b.Fatal(err)
	}
	signer := NewSigner(true)
	b.Run("Verify", func(b *testing.B) {
		for b.Loop() {
			if err := a.Verify(ctx, signer, r, creds, hashOf0); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("SDK", func(b *testing.B) {
		for b.Loop() {
			if err := a.verify(ctx, signer.Signer, rebuild(r, a.SignedHeaders), creds, hashOf0); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestFastRefusesOtherLists: a client that lists its signed headers otherwise than the SDK's
// signer would (unsorted, repeated, in capitals, with a header the SDK never signs), or hashes
// its query as sent where the SDK sorts and escapes it, is refused by the SDK's signer, so the
// fast path must not match it either, even though the signature is right for what the client
// hashed.
func TestFastRefusesOtherLists(t *testing.T) {
	ctx := context.Background()
	creds := aws.Credentials{AccessKeyID: "AKID", SecretAccessKey: "secret"}
	signing := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	amzDate := signing.Format(DateFormat)
	for _, tc := range []struct{ list, query string }{
		{"x-amz-date;host", ""}, {"host;host;x-amz-date", ""}, {"X-Custom;host;x-amz-date", ""},
		{"host;user-agent;x-amz-date", ""}, {"host", ""},
		// A query hashed as sent, where the SDK sorts and escapes it.
		{"host;x-amz-date", "b=1&a=2"}, {"host;x-amz-date", "a=%7E"}, {"host;x-amz-date", "k"},
	} {
		list := tc.list
		target := "http://example.com/p"
		if tc.query != "" {
			target += "?" + tc.query
		}
		r := httptest.NewRequest(http.MethodGet, target, nil)
		r.Header.Set("X-Amz-Date", amzDate)
		r.Header.Set("User-Agent", "deviant/1.0")
		r.Header.Set("X-Custom", "v")
		// The client's canonical request: each listed header as the list names it, in its order.
		var canon strings.Builder
		canon.WriteString("GET\n/p\n" + tc.query + "\n")
		for name := range strings.SplitSeq(list, ";") {
			v := r.Header.Get(name)
			if strings.EqualFold(name, "host") {
				v = r.Host
			}
			canon.WriteString(name + ":" + v + "\n")
		}
		canon.WriteString("\n" + list + "\n" + hashOf0)
		sum := sha256.Sum256([]byte(canon.String()))
		toSign := Algorithm + "\n" + amzDate + "\n20260102/us-east-1/iot/aws4_request\n" + hex.EncodeToString(sum[:])
		signer := NewSigner(true)
		mac := signer.keys.key(creds.SecretAccessKey, "20260102", "us-east-1", "iot").sum([]byte(toSign))
		a := Auth{AccessKey: "AKID", Date: "20260102", Region: "us-east-1", Service: "iot", SignedHeaders: list,
			Signature: hex.EncodeToString(mac[:]), AmzDate: amzDate, SigningTime: signing}
		if a.fastMatch(signer, r, creds, hashOf0) {
			t.Errorf("%q %q: matched by the fast path", list, tc.query)
		}
		if err := a.Verify(ctx, signer, r, creds, hashOf0); err == nil {
			t.Errorf("%q %q: verified", list, tc.query)
		}
	}
}
