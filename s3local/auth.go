package s3local

import (
	"crypto/hmac"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// S3's flavour of SigV4, so the S3 endpoint can authenticate requests the way the IoT API
// does (gofakes3 accepts any credentials). It differs from the IoT API's verifier in three
// ways: the service is "s3"; the path is not URI-encoded a second time; and the payload hash
// is the x-amz-content-sha256 header the client signed, never a hash of the body, so the body
// is not read here. Handler then checks a hex x-amz-content-sha256 against the bytes as they
// stream in (400 BadDigest), which together make the signature cover the body. Chunk
// signatures of STREAMING-AWS4-HMAC-SHA256-PAYLOAD bodies are not verified; their trailing
// or header checksums are.

const (
	sigV4Algorithm = "AWS4-HMAC-SHA256"
	amzDateFormat  = "20060102T150405Z"
	maxClockSkew   = 15 * time.Minute // as in S3
)

// AuthConfig configures Authenticate.
type AuthConfig struct {
	Credentials map[string]string // access key id -> secret access key
	Region      string            // the region clients must sign for, e.g. us-east-1
	Now         func() time.Time  // default time.Now
}

// SigV4Service returns the service named in a request's SigV4 credential scope ("s3",
// "iot", ...), from the Authorization header or a presigned URL's X-Amz-Credential, or ""
// for a request that carries no SigV4 credential. A server that serves several AWS APIs on
// one port routes by it, as LocalStack does.
func SigV4Service(r *http.Request) string {
	cred := ""
	if h := r.Header.Get("Authorization"); strings.HasPrefix(h, sigV4Algorithm+" ") {
		for _, part := range strings.Split(strings.TrimPrefix(h, sigV4Algorithm+" "), ",") {
			if k, v, _ := strings.Cut(strings.TrimSpace(part), "="); k == "Credential" {
				cred = v
			}
		}
	} else {
		cred = r.URL.Query().Get("X-Amz-Credential")
	}
	scope := strings.Split(cred, "/")
	if len(scope) != 5 || scope[4] != "aws4_request" {
		return ""
	}
	return scope[3]
}

// Authenticate lets through only requests signed (SigV4, Authorization header) for service
// s3 in cfg.Region with one of cfg.Credentials, and answers the rest with S3's 403/400
// errors. Mount it outside Handler: it must see the request exactly as the client signed it.
func Authenticate(next http.Handler, cfg AuthConfig) http.Handler {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if status, code, msg := verifyS3(r, cfg, signer); status != 0 {
			writeError(w, r, status, code, msg)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// verifyS3 returns 0 for an authentic request, else the status, code and message to answer.
func verifyS3(r *http.Request, cfg AuthConfig, signer *v4.Signer) (int, string, string) {
	h := r.Header.Get("Authorization")
	if h == "" {
		if r.URL.Query().Has("X-Amz-Signature") {
			return http.StatusForbidden, "AccessDenied", "Presigned URLs are not supported by this endpoint; sign the Authorization header."
		}
		return http.StatusForbidden, "AccessDenied", "Access Denied: the request is not signed."
	}
	alg, rest, _ := strings.Cut(h, " ")
	if alg != sigV4Algorithm {
		return http.StatusBadRequest, "InvalidArgument", "Unsupported Authorization type; sign requests with AWS4-HMAC-SHA256."
	}
	var cred, signedHeaders, signature string
	for _, part := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "Credential":
			cred = v
		case "SignedHeaders":
			signedHeaders = v
		case "Signature":
			signature = v
		}
	}
	scope := strings.Split(cred, "/")
	if len(scope) != 5 || scope[4] != "aws4_request" || signedHeaders == "" || signature == "" {
		return http.StatusBadRequest, "AuthorizationHeaderMalformed", "The authorization header is malformed."
	}
	accessKey, date, region, service := scope[0], scope[1], scope[2], scope[3]
	secret, ok := cfg.Credentials[accessKey]
	if !ok {
		return http.StatusForbidden, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records."
	}
	if region != cfg.Region {
		return http.StatusBadRequest, "AuthorizationHeaderMalformed", fmt.Sprintf("The authorization header is malformed; the region '%s' is wrong; expecting '%s'.", region, cfg.Region)
	}
	if service != "s3" {
		return http.StatusBadRequest, "AuthorizationHeaderMalformed", fmt.Sprintf("The authorization header is malformed; the service '%s' is wrong; expecting 's3'.", service)
	}
	signingTime, err := time.Parse(amzDateFormat, r.Header.Get("X-Amz-Date"))
	if err != nil {
		return http.StatusForbidden, "AccessDenied", "AWS authentication requires a valid X-Amz-Date header."
	}
	if date != signingTime.Format("20060102") {
		return http.StatusBadRequest, "AuthorizationHeaderMalformed", "The authorization header is malformed; the credential date does not match X-Amz-Date."
	}
	if d := cfg.Now().Sub(signingTime); d > maxClockSkew || d < -maxClockSkew {
		return http.StatusForbidden, "RequestTimeTooSkewed", "The difference between the request time and the current time is too large."
	}
	payloadHash := r.Header.Get("X-Amz-Content-Sha256")
	if payloadHash == "" {
		return http.StatusBadRequest, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256"
	}

	// Sign again what the client signed, with the stored secret, and compare.
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	re := &http.Request{
		Method: r.Method,
		URL:    &url.URL{Scheme: scheme, Host: r.Host, Path: r.URL.Path, RawPath: r.URL.RawPath, RawQuery: r.URL.RawQuery},
		Host:   r.Host,
		Header: http.Header{},
	}
	for _, name := range strings.Split(signedHeaders, ";") {
		switch name {
		case "host":
		case "content-length":
			re.ContentLength, _ = strconv.ParseInt(r.Header.Get("Content-Length"), 10, 64)
			if re.ContentLength == 0 {
				re.ContentLength = r.ContentLength
			}
		default:
			if vals := r.Header.Values(name); len(vals) > 0 {
				re.Header[http.CanonicalHeaderKey(name)] = vals
			}
		}
	}
	creds := aws.Credentials{AccessKeyID: accessKey, SecretAccessKey: secret}
	if err := signer.SignHTTP(r.Context(), creds, re, payloadHash, "s3", region, signingTime); err != nil {
		return http.StatusForbidden, "SignatureDoesNotMatch", "The request signature could not be computed: " + err.Error()
	}
	want := re.Header.Get("Authorization")
	wantSig := want[strings.LastIndex(want, "Signature=")+len("Signature="):]
	if !strings.Contains(want, "SignedHeaders="+signedHeaders+",") || !hmac.Equal([]byte(wantSig), []byte(signature)) {
		return http.StatusForbidden, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method."
	}
	return 0, "", ""
}
