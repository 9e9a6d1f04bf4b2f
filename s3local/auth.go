package s3local

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/sbomcat/sbomcat/sigv4"
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
// x-amz-content-sha256 header is still checked against the body by Handler). Either way
// package sigv4 rebuilds the request from what the client signed and signs it again with the
// SDK's own signer and the stored secret; the request is genuine when both signatures agree.
// What is left here is S3's: which form, which payload hash, and S3's errors.

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
func SigV4Service(r *http.Request) string { return sigv4.Service(r) }

// Authenticate lets through only requests signed with SigV4 for service s3 in cfg.Region
// with one of cfg.Credentials, in the Authorization header or in the query string (a
// presigned URL, until it expires), and answers the rest with S3's 403/400 errors. Mount it
// outside Handler: it must see the request exactly as the client signed it.
func Authenticate(next http.Handler, cfg AuthConfig) http.Handler {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	signer := sigv4.NewSigner(false)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if status, code, msg := verifyS3(r, cfg, signer); status != 0 {
			writeError(w, r, status, code, msg)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// verifyS3 returns 0 for an authentic request, else the status, code and message to answer.
func verifyS3(r *http.Request, cfg AuthConfig, signer *sigv4.Signer) (int, string, string) {
	// A signing header given twice: one copy would be verified and another could be what a
	// proxy or log reads, and one appended after signing would go unnoticed.
	var dup *sigv4.Error
	if err := sigv4.CheckSingle(r.Header); errors.As(err, &dup) {
		return http.StatusBadRequest, "InvalidArgument", fmt.Sprintf("The request has more than one %s header; a signed request carries exactly one.", dup.Value)
	}
	q := r.URL.Query()
	queryAuth := q.Has(sigv4.QAlgorithm) || q.Has(sigv4.QSignature) || q.Has(sigv4.QCredential)
	var (
		a   sigv4.Auth
		err error
		// A presigned URL is signed before anyone knows what will be sent to it.
		payloadHash = sigv4.UnsignedPayload
	)
	switch h := r.Header.Get("Authorization"); {
	case h != "" && queryAuth:
		return http.StatusBadRequest, "InvalidArgument", "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified."
	case h != "":
		if a, err = sigv4.ParseAuthorization(h); err == nil {
			err = a.SetDate(r.Header.Get("X-Amz-Date"))
		}
		payloadHash = r.Header.Get("X-Amz-Content-Sha256")
		if err == nil && payloadHash == "" {
			return http.StatusBadRequest, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256"
		}
	case queryAuth:
		a, err = sigv4.ParseQuery(q)
	default:
		return http.StatusForbidden, "AccessDenied", "Access Denied: the request is not signed."
	}
	if err != nil {
		return s3AuthError(&a, err, cfg.Region)
	}
	creds, err := a.Credentials(cfg.Credentials, cfg.Region, "s3")
	if err == nil {
		err = a.CheckTime(cfg.Now())
	}
	if err == nil {
		// Sign again what the client signed, with the stored secret, and compare.
		err = a.Verify(r.Context(), signer, r, creds, payloadHash)
	}
	if err != nil {
		return s3AuthError(&a, err, cfg.Region)
	}
	return 0, "", ""
}

// s3AuthError answers a sigv4 failure with S3's status, code and message, which depend on
// the form, header or query string (a presigned URL), the request was signed in.
func s3AuthError(a *sigv4.Auth, err error, region string) (int, string, string) {
	malformed := "AuthorizationHeaderMalformed"
	if a.Presigned {
		malformed = "AuthorizationQueryParametersError"
	}
	const bad = "AuthorizationQueryParametersError"
	var e *sigv4.Error
	if !errors.As(err, &e) {
		e = &sigv4.Error{Reason: sigv4.SignFailed, Err: err}
	}
	switch reason := e.Reason; {
	case a.Presigned && reason == sigv4.MissingParams:
		return http.StatusBadRequest, bad, "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters."
	case a.Presigned && reason == sigv4.BadAlgorithm:
		return http.StatusBadRequest, bad, `X-Amz-Algorithm only supports "AWS4-HMAC-SHA256".`
	case a.Presigned && reason == sigv4.BadCredential:
		return http.StatusBadRequest, bad, "Error parsing the X-Amz-Credential parameter; it must have the form <access key>/<date>/<region>/s3/aws4_request."
	case a.Presigned && reason == sigv4.BadDate:
		return http.StatusBadRequest, bad, "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"."
	case reason == sigv4.BadExpires:
		return http.StatusBadRequest, bad, "X-Amz-Expires should be a number."
	case reason == sigv4.NegativeExpires:
		return http.StatusBadRequest, bad, "X-Amz-Expires must be non-negative."
	case reason == sigv4.ExpiresTooLong:
		return http.StatusBadRequest, bad, "X-Amz-Expires must be less than a week (in seconds) that is 604800."
	case reason == sigv4.BadAlgorithm:
		return http.StatusBadRequest, "InvalidArgument", "Unsupported Authorization type; sign requests with AWS4-HMAC-SHA256."
	case reason == sigv4.MissingParams, reason == sigv4.BadCredential:
		return http.StatusBadRequest, "AuthorizationHeaderMalformed", "The authorization header is malformed."
	case reason == sigv4.MissingDate, reason == sigv4.BadDate:
		return http.StatusForbidden, "AccessDenied", "AWS authentication requires a valid X-Amz-Date header."
	case reason == sigv4.UnknownKey:
		return http.StatusForbidden, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records."
	case reason == sigv4.WrongRegion:
		return http.StatusBadRequest, malformed, fmt.Sprintf("The credential is malformed; the region '%s' is wrong; expecting '%s'.", a.Region, region)
	case reason == sigv4.WrongService:
		return http.StatusBadRequest, malformed, fmt.Sprintf("The credential is malformed; the service '%s' is wrong; expecting 's3'.", a.Service)
	case reason == sigv4.DateMismatch:
		return http.StatusBadRequest, malformed, "The credential is malformed; the credential date does not match X-Amz-Date."
	case reason == sigv4.NotYetValid:
		return http.StatusForbidden, "AccessDenied", "Request is not valid yet."
	case reason == sigv4.Expired:
		return http.StatusForbidden, "AccessDenied", "Request has expired."
	case reason == sigv4.Skewed:
		return http.StatusForbidden, "RequestTimeTooSkewed", "The difference between the request time and the current time is too large."
	case reason == sigv4.SignFailed:
		return http.StatusForbidden, "SignatureDoesNotMatch", "The request signature could not be computed: " + e.Err.Error()
	default: // SignatureMismatch
		return http.StatusForbidden, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method."
	}
}
