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
//
// Both of S3's SigV4 forms are accepted: the Authorization header, and query-string
// authentication (presigned URLs: X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date,
// X-Amz-Expires, X-Amz-SignedHeaders, X-Amz-Signature), whose payload is always
// UNSIGNED-PAYLOAD (a URL is signed before anyone knows what will be sent to it; a hex
// x-amz-content-sha256 header is still checked against the body by Handler). Either way the verifier rebuilds the
// request from what the client signed and signs it again with the SDK's own signer and the
// stored secret; the request is genuine when both signatures agree.

const (
	sigV4Algorithm = "AWS4-HMAC-SHA256"
	amzDateFormat  = "20060102T150405Z"
	maxClockSkew   = 15 * time.Minute // as in S3
	// maxPresignExpiry is S3's longest X-Amz-Expires: seven days.
	maxPresignExpiry = 7 * 24 * time.Hour
	unsignedPayload  = "UNSIGNED-PAYLOAD"
)

// Query parameters of S3's query-string authentication.
const (
	qAlgorithm     = "X-Amz-Algorithm"
	qCredential    = "X-Amz-Credential"
	qDate          = "X-Amz-Date"
	qExpires       = "X-Amz-Expires"
	qSignedHeaders = "X-Amz-SignedHeaders"
	qSignature     = "X-Amz-Signature"
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
		cred = r.URL.Query().Get(qCredential)
	}
	scope := strings.Split(cred, "/")
	if len(scope) != 5 || scope[4] != "aws4_request" {
		return ""
	}
	return scope[3]
}

// Authenticate lets through only requests signed with SigV4 for service s3 in cfg.Region
// with one of cfg.Credentials, in the Authorization header or in the query string (a
// presigned URL, until it expires), and answers the rest with S3's 403/400 errors. Mount it
// outside Handler: it must see the request exactly as the client signed it.
func Authenticate(next http.Handler, cfg AuthConfig) http.Handler {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	signer := v4.NewSigner(func(o *v4.SignerOptions) {
		o.DisableURIPathEscaping = true
		// A presigned request's headers are whatever X-Amz-SignedHeaders lists; the SDK would
		// otherwise move x-amz-* headers into the query while re-signing, and no longer sign
		// the request the client signed.
		o.DisableHeaderHoisting = true
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if status, code, msg := verifyS3(r, cfg, signer); status != 0 {
			writeError(w, r, status, code, msg)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// sigV4 is what a request says about its signature, from either form.
type sigV4 struct {
	accessKey, date, region, service string
	signedHeaders, signature         string
	signingTime                      time.Time
	payloadHash                      string
	presigned                        bool
	expires                          time.Duration // presigned only
}

// verifyS3 returns 0 for an authentic request, else the status, code and message to answer.
func verifyS3(r *http.Request, cfg AuthConfig, signer *v4.Signer) (int, string, string) {
	q := r.URL.Query()
	queryAuth := q.Has(qAlgorithm) || q.Has(qSignature) || q.Has(qCredential)
	var (
		s         sigV4
		status    int
		code, msg string
	)
	switch h := r.Header.Get("Authorization"); {
	case h != "" && queryAuth:
		return http.StatusBadRequest, "InvalidArgument", "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified."
	case h != "":
		s, status, code, msg = parseHeaderAuth(r, h)
	case queryAuth:
		s, status, code, msg = parseQueryAuth(q)
	default:
		return http.StatusForbidden, "AccessDenied", "Access Denied: the request is not signed."
	}
	if status != 0 {
		return status, code, msg
	}
	secret, ok := cfg.Credentials[s.accessKey]
	if !ok {
		return http.StatusForbidden, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records."
	}
	malformed := "AuthorizationHeaderMalformed"
	if s.presigned {
		malformed = "AuthorizationQueryParametersError"
	}
	if s.region != cfg.Region {
		return http.StatusBadRequest, malformed, fmt.Sprintf("The credential is malformed; the region '%s' is wrong; expecting '%s'.", s.region, cfg.Region)
	}
	if s.service != "s3" {
		return http.StatusBadRequest, malformed, fmt.Sprintf("The credential is malformed; the service '%s' is wrong; expecting 's3'.", s.service)
	}
	if s.date != s.signingTime.Format("20060102") {
		return http.StatusBadRequest, malformed, "The credential is malformed; the credential date does not match X-Amz-Date."
	}
	now := cfg.Now()
	if s.presigned {
		// A presigned URL is valid from its signing time (give or take the clock skew S3
		// tolerates) until X-Amz-Expires seconds later, however often it is used meanwhile.
		if s.signingTime.Sub(now) > maxClockSkew {
			return http.StatusForbidden, "AccessDenied", "Request is not valid yet."
		}
		if now.After(s.signingTime.Add(s.expires)) {
			return http.StatusForbidden, "AccessDenied", "Request has expired."
		}
	} else if d := now.Sub(s.signingTime); d > maxClockSkew || d < -maxClockSkew {
		return http.StatusForbidden, "RequestTimeTooSkewed", "The difference between the request time and the current time is too large."
	}

	// Sign again what the client signed, with the stored secret, and compare.
	re := rebuild(r, s.signedHeaders)
	creds := aws.Credentials{AccessKeyID: s.accessKey, SecretAccessKey: secret}
	var wantHeaders, wantSig string
	if s.presigned {
		rq := re.URL.Query()
		rq.Del(qSignature)
		re.URL.RawQuery = rq.Encode()
		signed, _, err := signer.PresignHTTP(r.Context(), creds, re, s.payloadHash, "s3", s.region, s.signingTime)
		if err != nil {
			return http.StatusForbidden, "SignatureDoesNotMatch", "The request signature could not be computed: " + err.Error()
		}
		u, err := url.Parse(signed)
		if err != nil {
			return http.StatusForbidden, "SignatureDoesNotMatch", "The request signature could not be computed: " + err.Error()
		}
		wantHeaders, wantSig = u.Query().Get(qSignedHeaders), u.Query().Get(qSignature)
	} else {
		if err := signer.SignHTTP(r.Context(), creds, re, s.payloadHash, "s3", s.region, s.signingTime); err != nil {
			return http.StatusForbidden, "SignatureDoesNotMatch", "The request signature could not be computed: " + err.Error()
		}
		want := re.Header.Get("Authorization")
		wantSig = want[strings.LastIndex(want, "Signature=")+len("Signature="):]
		if i := strings.Index(want, "SignedHeaders="); i >= 0 {
			wantHeaders, _, _ = strings.Cut(want[i+len("SignedHeaders="):], ",")
		}
	}
	if wantHeaders != s.signedHeaders || !hmac.Equal([]byte(wantSig), []byte(s.signature)) {
		return http.StatusForbidden, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method."
	}
	return 0, "", ""
}

// parseHeaderAuth reads "AWS4-HMAC-SHA256 Credential=AK/20260101/us-east-1/s3/aws4_request,
// SignedHeaders=host;x-amz-date, Signature=hex" and the headers it relies on.
func parseHeaderAuth(r *http.Request, h string) (s sigV4, status int, code, msg string) {
	alg, rest, _ := strings.Cut(h, " ")
	if alg != sigV4Algorithm {
		return s, http.StatusBadRequest, "InvalidArgument", "Unsupported Authorization type; sign requests with AWS4-HMAC-SHA256."
	}
	var cred string
	for _, part := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "Credential":
			cred = v
		case "SignedHeaders":
			s.signedHeaders = v
		case "Signature":
			s.signature = v
		}
	}
	if !s.setScope(cred) || s.signedHeaders == "" || s.signature == "" {
		return s, http.StatusBadRequest, "AuthorizationHeaderMalformed", "The authorization header is malformed."
	}
	var err error
	if s.signingTime, err = time.Parse(amzDateFormat, r.Header.Get("X-Amz-Date")); err != nil {
		return s, http.StatusForbidden, "AccessDenied", "AWS authentication requires a valid X-Amz-Date header."
	}
	if s.payloadHash = r.Header.Get("X-Amz-Content-Sha256"); s.payloadHash == "" {
		return s, http.StatusBadRequest, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256"
	}
	return s, 0, "", ""
}

// parseQueryAuth reads a presigned URL's X-Amz-* parameters, with S3's messages for what is
// missing or malformed.
func parseQueryAuth(q url.Values) (s sigV4, status int, code, msg string) {
	const bad = "AuthorizationQueryParametersError"
	s.presigned = true
	for _, p := range []string{qAlgorithm, qCredential, qSignature, qDate, qSignedHeaders, qExpires} {
		if q.Get(p) == "" {
			return s, http.StatusBadRequest, bad, "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters."
		}
	}
	if q.Get(qAlgorithm) != sigV4Algorithm {
		return s, http.StatusBadRequest, bad, `X-Amz-Algorithm only supports "AWS4-HMAC-SHA256".`
	}
	if !s.setScope(q.Get(qCredential)) {
		return s, http.StatusBadRequest, bad, "Error parsing the X-Amz-Credential parameter; it must have the form <access key>/<date>/<region>/s3/aws4_request."
	}
	var err error
	if s.signingTime, err = time.Parse(amzDateFormat, q.Get(qDate)); err != nil {
		return s, http.StatusBadRequest, bad, "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"."
	}
	secs, err := strconv.ParseInt(q.Get(qExpires), 10, 64)
	switch {
	case err != nil:
		return s, http.StatusBadRequest, bad, "X-Amz-Expires should be a number."
	case secs < 0:
		return s, http.StatusBadRequest, bad, "X-Amz-Expires must be non-negative."
	case time.Duration(secs)*time.Second > maxPresignExpiry:
		return s, http.StatusBadRequest, bad, "X-Amz-Expires must be less than a week (in seconds) that is 604800."
	}
	s.expires = time.Duration(secs) * time.Second
	s.signedHeaders, s.signature = q.Get(qSignedHeaders), q.Get(qSignature)
	s.payloadHash = unsignedPayload
	return s, 0, "", ""
}

// setScope splits a credential "AK/20260101/us-east-1/s3/aws4_request" into s.
func (s *sigV4) setScope(cred string) bool {
	scope := strings.Split(cred, "/")
	if len(scope) != 5 || scope[4] != "aws4_request" || scope[0] == "" {
		return false
	}
	s.accessKey, s.date, s.region, s.service = scope[0], scope[1], scope[2], scope[3]
	return true
}

// rebuild returns a copy of r with only what the client signed: method, URL, host and the
// headers listed in signedHeaders.
func rebuild(r *http.Request, signedHeaders string) *http.Request {
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
	return re
}
