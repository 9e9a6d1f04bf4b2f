package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/sbomcat/sbomcat/sigv4"
)

// SigV4 verification (docs/behaviour.md, "Authentication"), by package sigv4: the verifier rebuilds
// the request as the client saw it (method, path, query, the headers the client signed, the body's
// hash) and signs it again with the SDK's own v4 signer and the stored secret (sigv4 signs the
// common case itself, exactly as that signer would); the request is genuine when both signatures
// agree. The signer (sigv4.NewSigner(true)) URI-encodes the already-escaped path once more, which
// is exactly SigV4's double encoding for non-S3 services. What is left here is the IoT API's: the
// payload hash is always the body's (UNSIGNED-PAYLOAD is refused), only the Authorization header
// is accepted, the credentials are checked from the headers before the body is read
// (verifyHeaders), and failures are answered with IoT's 403 errors.

const signingService = "iot"

func authError(name, format string, args ...any) *wireError {
	return &wireError{awsError: awsError{Name: name, Status: http.StatusForbidden}, Message: fmt.Sprintf(format, args...)}
}

type verifier struct {
	keys   map[string]string // access key id -> secret access key
	region string
	now    func() time.Time
	signer *sigv4.Signer
}

// verifyHeaders checks what r's headers say about its credentials (the access key, the
// scope, the signing time) and that no signing header is repeated, so that a request that
// cannot be genuine is refused before its body is read.
func (v *verifier) verifyHeaders(r *http.Request) *wireError {
	_, _, _, werr := v.credentials(r)
	return werr
}

// credentials returns what r's headers say about its signature, checked: the parsed
// Authorization header, the secret it signs with and the time it was checked at.
func (v *verifier) credentials(r *http.Request) (sigv4.Auth, aws.Credentials, time.Time, *wireError) {
	var a sigv4.Auth
	if err := sigv4.CheckSingle(r.Header); err != nil {
		return a, aws.Credentials{}, time.Time{}, v.refuse(&a, err, time.Time{})
	}
	h := r.Header.Get("Authorization")
	if h == "" {
		if r.URL.Query().Get(sigv4.QSignature) != "" {
			return a, aws.Credentials{}, time.Time{}, authError("MissingAuthenticationTokenException", "Query-string (presigned) authentication is not supported by this endpoint; sign the Authorization header.")
		}
		return a, aws.Credentials{}, time.Time{}, authError("MissingAuthenticationTokenException", "Missing Authentication Token")
	}
	a, err := sigv4.ParseAuthorization(h)
	var creds aws.Credentials
	if err == nil {
		creds, err = a.Credentials(v.keys, v.region, signingService)
	}
	if err == nil {
		err = a.SetDate(r.Header.Get("X-Amz-Date"))
	}
	if err != nil {
		return a, creds, time.Time{}, v.refuse(&a, err, time.Time{})
	}
	now := v.now()
	if err := a.CheckTime(now); err != nil {
		return a, creds, now, v.refuse(&a, err, now)
	}
	return a, creds, now, nil
}

// verify checks r's credentials and, when checkSignature is set, its signature over body. It
// returns nil when the request is authentic.
func (v *verifier) verify(ctx context.Context, r *http.Request, body []byte, checkSignature bool) *wireError {
	a, creds, now, werr := v.credentials(r)
	if werr != nil || !checkSignature {
		return werr
	}
	// The signature always covers the body, as in AWS: the payload hash is the body's, whatever
	// the client declares. A declared x-amz-content-sha256 (S3 style) must be that hash; an
	// UNSIGNED-PAYLOAD one signs nothing of the body, so a body swapped after signing would
	// pass, and AWS answers it as a signature that does not match.
	sum := sha256.Sum256(body)
	payloadHash := hex.EncodeToString(sum[:])
	switch declared := r.Header.Get("X-Amz-Content-Sha256"); {
	case declared == "" || strings.EqualFold(declared, payloadHash):
	case strings.EqualFold(declared, sigv4.UnsignedPayload) || strings.HasPrefix(declared, "STREAMING-"):
		return authError("InvalidSignatureException", "%s This endpoint verifies the body: sign its SHA-256 hash, not '%s'.", mismatchMessage, declared)
	default:
		return authError("InvalidSignatureException", "The provided 'x-amz-content-sha256' header does not match what was computed.")
	}
	if err := a.Verify(ctx, v.signer, r, creds, payloadHash); err != nil {
		return v.refuse(&a, err, now)
	}
	return nil
}

// mismatchMessage is AWS's message for a signature that does not match.
const mismatchMessage = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."

// refuse answers a sigv4 failure with the IoT API's error and message; now is the time
// CheckTime was given.
func (v *verifier) refuse(a *sigv4.Auth, err error, now time.Time) *wireError {
	var e *sigv4.Error
	if !errors.As(err, &e) {
		return authError("InvalidSignatureException", "%v", err)
	}
	switch e.Reason {
	case sigv4.BadAlgorithm:
		return authError("IncompleteSignatureException", "Unsupported AWS 'algorithm': '%s'; sign requests with %s.", e.Value, sigv4.Algorithm)
	case sigv4.MissingParams:
		msgs := make([]string, len(e.Missing))
		for i, name := range e.Missing {
			msgs[i] = fmt.Sprintf("Authorization header requires '%s' parameter.", name)
		}
		return authError("IncompleteSignatureException", "%s", strings.Join(msgs, " "))
	case sigv4.BadCredential:
		return authError("IncompleteSignatureException", "Credential should have the form <access key>/<date>/<region>/<service>/aws4_request; got '%s'.", a.Credential)
	case sigv4.UnknownKey:
		return authError("UnrecognizedClientException", "The security token included in the request is invalid.")
	case sigv4.WrongRegion:
		return authError("InvalidSignatureException", "Credential should be scoped to a valid region, not '%s'. This endpoint serves region '%s'.", a.Region, v.region)
	case sigv4.WrongService:
		return authError("InvalidSignatureException", "Credential should be scoped to correct service: '%s'. ", signingService)
	case sigv4.MissingDate:
		return authError("IncompleteSignatureException", "Authorization header requires existence of a 'X-Amz-Date' header.")
	case sigv4.BadDate:
		return authError("IncompleteSignatureException", "X-Amz-Date '%s' is not in the ISO 8601 basic format %s.", a.AmzDate, sigv4.DateFormat)
	case sigv4.DateMismatch:
		return authError("InvalidSignatureException", "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s'.", a.Date, a.SigningTime.Format("20060102"))
	case sigv4.Skewed:
		return authError("InvalidSignatureException", "Signature expired: %s is now earlier than %s (%s - 15 min.)",
			a.AmzDate, now.Add(-sigv4.MaxClockSkew).UTC().Format(sigv4.DateFormat), now.UTC().Format(sigv4.DateFormat))
	case sigv4.SignFailed:
		return authError("InvalidSignatureException", "The request signature could not be computed: %v", e.Err)
	case sigv4.DuplicateHeader:
		return authError("IncompleteSignatureException", "The request has more than one '%s' header; a signed request carries exactly one.", e.Value)
	default: // SignatureMismatch
		return authError("InvalidSignatureException", "%s", mismatchMessage)
	}
}
