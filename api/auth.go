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

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/sbomcat/sbomcat/sigv4"
)

// SigV4 verification (decisions item 17), by package sigv4: the verifier rebuilds the request
// as the client saw it (method, path, query, the headers the client signed, the body's hash)
// and signs it again with the SDK's own v4 signer and the stored secret; the request is
// genuine when both signatures agree. The SDK signer URI-encodes the already-escaped path once
// more, which is exactly SigV4's double encoding for non-S3 services. What is left here is
// the IoT API's: the payload hash is the body's, only the Authorization header is accepted,
// and failures are answered with IoT's 403 errors.

const signingService = "iot"

func authError(name, format string, args ...any) *wireError {
	return &wireError{awsError: awsError{Name: name, Status: http.StatusForbidden}, Message: fmt.Sprintf(format, args...)}
}

type verifier struct {
	keys   map[string]string // access key id -> secret access key
	region string
	now    func() time.Time
	signer *v4.Signer
}

// verify checks r's credentials and, when checkSignature is set, its signature over body. It
// returns nil when the request is authentic.
func (v *verifier) verify(ctx context.Context, r *http.Request, body []byte, checkSignature bool) *wireError {
	h := r.Header.Get("Authorization")
	if h == "" {
		if r.URL.Query().Get(sigv4.QSignature) != "" {
			return authError("MissingAuthenticationTokenException", "Query-string (presigned) authentication is not supported by this endpoint; sign the Authorization header.")
		}
		return authError("MissingAuthenticationTokenException", "Missing Authentication Token")
	}
	a, err := sigv4.ParseAuthorization(h)
	if err != nil {
		return v.refuse(&a, err, time.Time{})
	}
	creds, err := a.Credentials(v.keys, v.region, signingService)
	if err != nil {
		return v.refuse(&a, err, time.Time{})
	}
	if err := a.SetDate(r.Header.Get("X-Amz-Date")); err != nil {
		return v.refuse(&a, err, time.Time{})
	}
	now := v.now()
	if err := a.CheckTime(now); err != nil {
		return v.refuse(&a, err, now)
	}

	if !checkSignature {
		return nil
	}
	sum := sha256.Sum256(body)
	payloadHash := hex.EncodeToString(sum[:])
	// A client may declare the payload hash (S3 style); it must then be the body's, unless the
	// client chose not to sign the payload at all.
	if declared := r.Header.Get("X-Amz-Content-Sha256"); declared == sigv4.UnsignedPayload {
		payloadHash = declared
	} else if declared != "" && !strings.EqualFold(declared, payloadHash) {
		return authError("InvalidSignatureException", "The provided 'x-amz-content-sha256' header does not match what was computed.")
	}
	if err := a.Verify(ctx, v.signer, r, creds, payloadHash); err != nil {
		return v.refuse(&a, err, now)
	}
	return nil
}

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
	default: // SignatureMismatch
		return authError("InvalidSignatureException", "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
	}
}
