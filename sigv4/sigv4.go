// Package sigv4 verifies AWS Signature Version 4 the way the SDK makes it: it rebuilds the
// request as the client saw it (method, path, query, the headers the client signed) and signs
// it again with the SDK's own v4 signer and the stored secret; the request is genuine when both
// signatures agree. The common case is signed here first, exactly as the SDK would sign it and
// several times cheaper (fast.go); what does not match there is left to the SDK's signer.
//
// It holds only the mechanism the IoT API (api) and the S3 endpoint (s3local) share. What each
// service answers is theirs: every failure is an *Error whose Reason the caller maps to its own
// wire error and message, and the order of the checks is the caller's, step by step:
//
//	a, err := sigv4.ParseAuthorization(h)        // or ParseQuery(r.URL.Query()), presigned URLs
//	err = a.SetDate(r.Header.Get("X-Amz-Date"))  // the header form's signing time
//	creds, err := a.Credentials(keys, region, service)
//	err = a.CheckTime(now)
//	err = a.Verify(ctx, signer, r, creds, payloadHash)
package sigv4

import (
	"context"
	"crypto/hmac"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

const (
	Algorithm  = "AWS4-HMAC-SHA256"
	DateFormat = "20060102T150405Z" // X-Amz-Date, ISO 8601 basic
	// MaxClockSkew is how far a request's X-Amz-Date may be from the server's clock, as in AWS.
	MaxClockSkew = 15 * time.Minute
	// MaxPresignExpiry is the longest X-Amz-Expires: seven days.
	MaxPresignExpiry = 7 * 24 * time.Hour
	UnsignedPayload  = "UNSIGNED-PAYLOAD"
)

// Query parameters of query-string authentication (presigned URLs).
const (
	QAlgorithm     = "X-Amz-Algorithm"
	QCredential    = "X-Amz-Credential"
	QDate          = "X-Amz-Date"
	QExpires       = "X-Amz-Expires"
	QSignedHeaders = "X-Amz-SignedHeaders"
	QSignature     = "X-Amz-Signature"
)

// Reason is why a request failed verification.
type Reason int

const (
	BadAlgorithm      Reason = iota + 1 // not AWS4-HMAC-SHA256; Error.Value is what was given
	MissingParams                       // Error.Missing names what is absent, in order
	BadCredential                       // not <key>/<date>/<region>/<service>/aws4_request; Error.Value is the credential
	MissingDate                         // no X-Amz-Date
	BadDate                             // X-Amz-Date not in DateFormat; Error.Value is what was given
	BadExpires                          // X-Amz-Expires not a number; Error.Value is what was given
	NegativeExpires                     // X-Amz-Expires below zero
	ExpiresTooLong                      // X-Amz-Expires beyond MaxPresignExpiry
	UnknownKey                          // the access key id is not configured
	WrongRegion                         // the scope's region is not the configured one (Auth.Region)
	WrongService                        // the scope's service is not the expected one (Auth.Service)
	DateMismatch                        // the scope's date is not X-Amz-Date's
	Skewed                              // X-Amz-Date too far from now (header form)
	NotYetValid                         // presigned in the future, beyond the clock skew
	Expired                             // presigned and past X-Amz-Expires
	SignFailed                          // the SDK could not sign; Error.Err says why
	SignatureMismatch                   // the signatures differ
	DuplicateHeader                     // a signing header appears more than once; Error.Value names it
)

var reasons = [...]string{"", "bad algorithm", "missing parameters", "bad credential", "missing date", "bad date",
	"bad expires", "negative expires", "expires too long", "unknown key", "wrong region", "wrong service",
	"date mismatch", "clock skewed", "not yet valid", "expired", "sign failed", "signature mismatch",
	"duplicate header"}

func (r Reason) String() string {
	if r > 0 && int(r) < len(reasons) {
		return reasons[r]
	}
	return "reason " + strconv.Itoa(int(r))
}

// Error is a verification failure. Its text is for logs; callers answer with their own errors.
type Error struct {
	Reason  Reason
	Value   string   // the offending value, where the Reason says so
	Missing []string // MissingParams: the parameters absent, in the order checked
	Err     error    // SignFailed, BadDate: the underlying error
}

func (e *Error) Error() string {
	s := "sigv4: " + e.Reason.String()
	if e.Value != "" {
		s += fmt.Sprintf(" %q", e.Value)
	}
	if len(e.Missing) > 0 {
		s += " " + strings.Join(e.Missing, ", ")
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Auth is what a request says about its signature, from either form.
type Auth struct {
	Credential                       string // as given: <key>/<date>/<region>/<service>/aws4_request
	AccessKey, Date, Region, Service string // Credential's parts
	SignedHeaders, Signature         string
	AmzDate                          string    // X-Amz-Date as given
	SigningTime                      time.Time // X-Amz-Date
	Presigned                        bool
	Expires                          time.Duration // presigned only
}

// params reads "Credential=..., SignedHeaders=..., Signature=..."; a repeated one's last value wins.
func params(s string) (credential, signedHeaders, signature string) {
	for _, part := range strings.Split(s, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "Credential":
			credential = v
		case "SignedHeaders":
			signedHeaders = v
		case "Signature":
			signature = v
		}
	}
	return credential, signedHeaders, signature
}

// scope splits a credential into its five parts, or returns nil.
func scope(credential string) []string {
	s := strings.Split(credential, "/")
	if len(s) != 5 || s[4] != "aws4_request" {
		return nil
	}
	return s
}

// setScope fills a's credential fields, reporting whether credential is well formed.
func (a *Auth) setScope(credential string) bool {
	a.Credential = credential
	s := scope(credential)
	if s == nil || s[0] == "" {
		return false
	}
	a.AccessKey, a.Date, a.Region, a.Service = s[0], s[1], s[2], s[3]
	return true
}

// Service returns the service named in r's credential scope ("s3", "iot", ...), from the
// Authorization header or a presigned URL's X-Amz-Credential, or "" for a request that carries
// no SigV4 credential.
func Service(r *http.Request) string {
	cred := ""
	if h := r.Header.Get("Authorization"); strings.HasPrefix(h, Algorithm+" ") {
		cred, _, _ = params(strings.TrimPrefix(h, Algorithm+" "))
	} else {
		cred = r.URL.Query().Get(QCredential)
	}
	if s := scope(cred); s != nil {
		return s[3]
	}
	return ""
}

// signingHeaders are the headers that say how a request is signed. Each may appear once: with
// two, the server would read one and a proxy or log another, and a header appended after
// signing (a second Authorization or X-Amz-Date) would go unnoticed.
var signingHeaders = []string{"Authorization", "X-Amz-Date", "X-Amz-Content-Sha256", "X-Amz-Security-Token"}

// CheckSingle returns a DuplicateHeader error naming the first signing header (Authorization,
// X-Amz-Date, X-Amz-Content-Sha256, X-Amz-Security-Token) that h holds more than once.
func CheckSingle(h http.Header) error {
	for _, name := range signingHeaders {
		if len(h.Values(name)) > 1 {
			return &Error{Reason: DuplicateHeader, Value: name}
		}
	}
	return nil
}

// ParseAuthorization reads "AWS4-HMAC-SHA256 Credential=AK/20260101/us-east-1/iot/aws4_request,
// SignedHeaders=host;x-amz-date, Signature=hex". The signing time is not in it: see SetDate.
func ParseAuthorization(h string) (Auth, error) {
	var a Auth
	alg, rest, _ := strings.Cut(h, " ")
	if alg != Algorithm {
		return a, &Error{Reason: BadAlgorithm, Value: alg}
	}
	cred, signedHeaders, signature := params(rest)
	a.SignedHeaders, a.Signature, a.Credential = signedHeaders, signature, cred
	var missing []string
	for _, m := range []struct{ name, val string }{{"Credential", cred}, {"Signature", signature}, {"SignedHeaders", signedHeaders}} {
		if m.val == "" {
			missing = append(missing, m.name)
		}
	}
	if len(missing) > 0 {
		return a, &Error{Reason: MissingParams, Missing: missing}
	}
	if !a.setScope(cred) {
		return a, &Error{Reason: BadCredential, Value: cred}
	}
	return a, nil
}

// SetDate sets a's signing time from an X-Amz-Date value.
func (a *Auth) SetDate(amzDate string) error {
	a.AmzDate = amzDate
	if amzDate == "" {
		return &Error{Reason: MissingDate}
	}
	t, err := time.Parse(DateFormat, amzDate)
	if err != nil {
		return &Error{Reason: BadDate, Value: amzDate, Err: err}
	}
	a.SigningTime = t
	return nil
}

// ParseQuery reads a presigned URL's X-Amz-* parameters: all of them, the algorithm, the
// credential, the date and the expiry, in that order.
func ParseQuery(q url.Values) (Auth, error) {
	a := Auth{Presigned: true}
	var missing []string
	for _, p := range []string{QAlgorithm, QCredential, QSignature, QDate, QSignedHeaders, QExpires} {
		if q.Get(p) == "" {
			missing = append(missing, p)
		}
	}
	if len(missing) > 0 {
		return a, &Error{Reason: MissingParams, Missing: missing}
	}
	if alg := q.Get(QAlgorithm); alg != Algorithm {
		return a, &Error{Reason: BadAlgorithm, Value: alg}
	}
	if !a.setScope(q.Get(QCredential)) {
		return a, &Error{Reason: BadCredential, Value: a.Credential}
	}
	if err := a.SetDate(q.Get(QDate)); err != nil {
		return a, err
	}
	exp := q.Get(QExpires)
	secs, err := strconv.ParseInt(exp, 10, 64)
	switch {
	case err != nil:
		return a, &Error{Reason: BadExpires, Value: exp, Err: err}
	case secs < 0:
		return a, &Error{Reason: NegativeExpires, Value: exp}
	case time.Duration(secs)*time.Second > MaxPresignExpiry:
		return a, &Error{Reason: ExpiresTooLong, Value: exp}
	}
	a.Expires = time.Duration(secs) * time.Second
	a.SignedHeaders, a.Signature = q.Get(QSignedHeaders), q.Get(QSignature)
	return a, nil
}

// Credentials returns the credentials a's access key signs with, when the key is one of keys
// (access key id -> secret) and a is scoped to region and service.
func (a *Auth) Credentials(keys map[string]string, region, service string) (aws.Credentials, error) {
	secret, ok := keys[a.AccessKey]
	if !ok {
		return aws.Credentials{}, &Error{Reason: UnknownKey, Value: a.AccessKey}
	}
	if a.Region != region {
		return aws.Credentials{}, &Error{Reason: WrongRegion, Value: a.Region}
	}
	if a.Service != service {
		return aws.Credentials{}, &Error{Reason: WrongService, Value: a.Service}
	}
	return aws.Credentials{AccessKeyID: a.AccessKey, SecretAccessKey: secret}, nil
}

// CheckTime checks that the scope's date is the signing time's and that the request is
// current at now: within MaxClockSkew of it, or for a presigned URL from its signing time
// (give or take the skew) until Expires later, however often it is used meanwhile.
func (a *Auth) CheckTime(now time.Time) error {
	if a.Date != a.SigningTime.Format("20060102") {
		return &Error{Reason: DateMismatch, Value: a.Date}
	}
	if a.Presigned {
		if a.SigningTime.Sub(now) > MaxClockSkew {
			return &Error{Reason: NotYetValid}
		}
		if now.After(a.SigningTime.Add(a.Expires)) {
			return &Error{Reason: Expired}
		}
	} else if d := now.Sub(a.SigningTime); d > MaxClockSkew || d < -MaxClockSkew {
		return &Error{Reason: Skewed}
	}
	return nil
}

// Signer is what Verify signs with: the SDK's v4 signer (which clients may use to sign too)
// and what the fast path of Verify needs to know of its setting (see fast.go).
type Signer struct {
	*v4.Signer
	doubleEncode bool
	keys         keyCache
}

// NewSigner returns the signer Verify wants. doubleEncode URI-encodes the (already
// escaped) path once more, as SigV4 does for every service but S3. Header hoisting is off: a
// presigned request's headers are whatever X-Amz-SignedHeaders lists, and the SDK would
// otherwise move x-amz-* headers into the query while re-signing, and no longer sign the
// request the client signed. (A signer from v4.NewSigner() does as well for the header form.)
func NewSigner(doubleEncode bool) *Signer {
	return &Signer{Signer: v4.NewSigner(func(o *v4.SignerOptions) {
		o.DisableURIPathEscaping = !doubleEncode
		o.DisableHeaderHoisting = true
	}), doubleEncode: doubleEncode}
}

// Verify signs again, with creds and signer, what the client signed of r (method, URL, host,
// the headers a.SignedHeaders lists, payloadHash as the payload's hash), for a's region and
// service in the form the client used, and compares the result with a's signature.
//
// For every service but S3 the canonical URI is the path with dot segments removed and
// consecutive slashes collapsed, as the SigV4 specification says and botocore (the AWS CLI)
// signs; the SDK signer does not normalise, and neither do the SDKs that sign the path as
// sent (the Go SDK's), so a request whose path normalisation changes is accepted when it is
// signed either way. Routing is the caller's and uses the path as sent.
//
// The common case (the Authorization header, no query string, plain header values) is
// signed here without the SDK (see fast.go); a signature that matches there is the one the SDK
// would compute, and anything else is signed again by the SDK, which decides.
func (a *Auth) Verify(ctx context.Context, signer *Signer, r *http.Request, creds aws.Credentials, payloadHash string) error {
	if a.fastMatch(signer, r, creds, payloadHash) {
		return nil
	}
	err := a.verify(ctx, signer.Signer, rebuild(r, a.SignedHeaders), creds, payloadHash)
	var e *Error
	if a.Service == "s3" || !errors.As(err, &e) || e.Reason != SignatureMismatch {
		return err
	}
	raw := r.URL.EscapedPath()
	norm := RemoveDotSegments(raw)
	if norm == raw {
		return err
	}
	re := rebuild(r, a.SignedHeaders)
	path, uerr := url.PathUnescape(norm)
	if uerr != nil {
		return err
	}
	re.URL.Path, re.URL.RawPath = path, norm
	return a.verify(ctx, signer.Signer, re, creds, payloadHash)
}

// RemoveDotSegments is SigV4's URI normalisation for services other than S3, as botocore
// implements it: RFC 3986's remove_dot_segments (section 5.2.4), with empty segments dropped
// too ("//" becomes "/"); a leading and a trailing "/" are kept.
func RemoveDotSegments(path string) string {
	if path == "" {
		return "/"
	}
	var out []string
	for _, seg := range strings.Split(path, "/") {
		switch seg {
		case "", ".":
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		default:
			out = append(out, seg)
		}
	}
	s := strings.Join(out, "/")
	if strings.HasPrefix(path, "/") {
		s = "/" + s
	}
	if strings.HasSuffix(path, "/") && len(out) > 0 {
		s += "/"
	}
	return s
}

// verify signs re, the request as the client signed it, and compares.
func (a *Auth) verify(ctx context.Context, signer *v4.Signer, re *http.Request, creds aws.Credentials, payloadHash string) error {
	var wantHeaders, wantSig string
	if a.Presigned {
		rq := re.URL.Query()
		rq.Del(QSignature)
		re.URL.RawQuery = rq.Encode()
		signed, _, err := signer.PresignHTTP(ctx, creds, re, payloadHash, a.Service, a.Region, a.SigningTime)
		if err != nil {
			return &Error{Reason: SignFailed, Err: err}
		}
		u, err := url.Parse(signed)
		if err != nil {
			return &Error{Reason: SignFailed, Err: err}
		}
		wantHeaders, wantSig = u.Query().Get(QSignedHeaders), u.Query().Get(QSignature)
	} else {
		if err := signer.SignHTTP(ctx, creds, re, payloadHash, a.Service, a.Region, a.SigningTime); err != nil {
			return &Error{Reason: SignFailed, Err: err}
		}
		_, rest, _ := strings.Cut(re.Header.Get("Authorization"), " ")
		_, wantHeaders, wantSig = params(rest)
	}
	if wantHeaders != a.SignedHeaders || !hmac.Equal([]byte(wantSig), []byte(a.Signature)) {
		return &Error{Reason: SignatureMismatch}
	}
	return nil
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
