// Package objects reads SBOM objects from Amazon S3 (or any S3-compatible server), always pinned
// to an object version, and tells permanent failures apart from transient ones.
//
// It implements worker.Objects and keeps the S3 SDK out of the worker: failures are *Error (S3's
// reason, for this package's callers and tests), returned wrapped in the worker's own
// *worker.ObjectError, whose Kind and Reason say what the service tells the user
// (docs/behaviour.md, "Unreadable SBOMs"). Configuration comes as values (Options); reading it
// from the environment is the wiring's job (internal/wiring).
package objects

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/worker"
)

// Options configure the S3 client beyond what the SDK's shared configuration says.
type Options struct {
	// UsePathStyle addresses buckets in the path rather than the host name, which S3 emulators
	// and most self-hosted S3 servers need.
	UsePathStyle bool
}

// S3 reads objects through an S3 client.
type S3 struct {
	client *s3.Client
}

// New returns an S3 on cfg, the SDK's configuration as config.LoadDefaultConfig loads it, so
// that AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_S3 are honoured like in every other AWS tool.
func New(cfg aws.Config, o Options) *S3 {
	return &S3{client: s3.NewFromConfig(cfg, func(so *s3.Options) {
		so.UsePathStyle = o.UsePathStyle
		// Objects are pinned by version id, whose content never changes; S3 emulators rarely
		// send checksums, and a warning per object would drown the logs.
		so.DisableLogOutputChecksumValidationSkipped = true
	})}
}

// NewFromClient wraps an existing client.
func NewFromClient(c *s3.Client) *S3 { return &S3{client: c} }

// Open starts reading the object version at loc and returns its body and its size. The caller
// closes the body; reading it may fail with a transient *Error.
func (s *S3) Open(ctx context.Context, loc sbomcat.S3Location) (io.ReadCloser, int64, error) {
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{
		Bucket: aws.String(loc.Bucket), Key: aws.String(loc.Key), VersionId: aws.String(loc.Version),
	})
	if err != nil {
		return nil, 0, classify("get", loc, err)
	}
	size := aws.ToInt64(out.ContentLength)
	if out.ContentLength == nil {
		size = -1
	}
	return &body{rc: out.Body, loc: loc}, size, nil
}

// Reason says why an object could not be read.
type Reason int

const (
	// Unavailable: S3 could not be reached or failed (throttling, 5xx, timeouts, connection
	// errors, anything unrecognised). Try again later.
	Unavailable Reason = iota
	// NoSuchBucket, NoSuchKey and NoSuchVersion: the object version does not exist.
	NoSuchBucket
	NoSuchKey
	NoSuchVersion
	// AccessDenied: the credentials may not read the object.
	AccessDenied
	// InvalidVersion: the version id is malformed (S3 answers 400 InvalidArgument).
	InvalidVersion
	// DeleteMarker: the version is a delete marker (S3 answers 405 MethodNotAllowed).
	DeleteMarker
)

// Error is a failure to read an object.
type Error struct {
	Reason   Reason
	Location sbomcat.S3Location
	// Op is "get" or "read".
	Op  string
	Err error
}

func (e *Error) Error() string {
	return fmt.Sprintf("s3 %s s3://%s/%s?versionId=%s: %v", e.Op, e.Location.Bucket, e.Location.Key, e.Location.Version, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Permanent reports whether trying again cannot help.
func (e *Error) Permanent() bool { return e.Reason != Unavailable }

// Message is a caller-safe sentence that says what is wrong, for a validation result.
func (e *Error) Message() string {
	l := e.Location
	obj := fmt.Sprintf("s3://%s/%s", l.Bucket, l.Key)
	switch e.Reason {
	case NoSuchBucket:
		return fmt.Sprintf("The SBOM could not be read: S3 bucket %s does not exist.", l.Bucket)
	case NoSuchKey:
		return fmt.Sprintf("The SBOM could not be read: S3 object %s does not exist.", obj)
	case NoSuchVersion:
		return fmt.Sprintf("The SBOM could not be read: version %s of S3 object %s does not exist.", l.Version, obj)
	case AccessDenied:
		return fmt.Sprintf("The SBOM could not be read: access to version %s of S3 object %s was denied. "+
			"Allow the validation worker s3:GetObject and s3:GetObjectVersion on it (without s3:ListBucket, S3 also answers this way for an object that does not exist).", l.Version, obj)
	case InvalidVersion:
		return fmt.Sprintf("The SBOM could not be read: %q is not a valid version id for S3 object %s.", l.Version, obj)
	case DeleteMarker:
		return fmt.Sprintf("The SBOM could not be read: version %s of S3 object %s is a delete marker (the object was deleted).", l.Version, obj)
	}
	status := ""
	if code := statusOf(e.Err); code != 0 {
		status = fmt.Sprintf(" (HTTP %d)", code)
	}
	return fmt.Sprintf("S3 was unavailable while reading version %s of S3 object %s%s.", l.Version, obj, status)
}

// ForWorker returns e in the worker's error contract: a *worker.ObjectError that wraps e.
func (e *Error) ForWorker() error {
	kind := worker.ObjectNotFound
	switch e.Reason {
	case Unavailable:
		kind = worker.ObjectTransient
	case AccessDenied:
		kind = worker.ObjectAccessDenied
	}
	return &worker.ObjectError{Kind: kind, Reason: e.Message(), Err: e}
}

// classify turns an SDK error into an *Error, in the worker's contract; context cancellation
// passes through unchanged because it says nothing about S3.
func classify(op string, loc sbomcat.S3Location, err error) error {
	if errors.Is(err, context.Canceled) {
		return err
	}
	e := &Error{Reason: Unavailable, Location: loc, Op: op, Err: err}
	var ae smithy.APIError
	code := ""
	if errors.As(err, &ae) {
		code = ae.ErrorCode()
	}
	status := statusOf(err)
	switch {
	case code == "NoSuchBucket":
		e.Reason = NoSuchBucket
	case code == "NoSuchKey":
		e.Reason = NoSuchKey
	case code == "NoSuchVersion":
		e.Reason = NoSuchVersion
	case code == "AccessDenied" || code == "AllAccessDisabled" || code == "InvalidObjectState":
		e.Reason = AccessDenied
	case code == "InvalidArgument" && status == http.StatusBadRequest:
		e.Reason = InvalidVersion
	case code == "MethodNotAllowed" || status == http.StatusMethodNotAllowed:
		e.Reason = DeleteMarker
	// A response without an error code (a proxy's, say): the status is all there is.
	case status == http.StatusNotFound:
		e.Reason = NoSuchKey
	case status == http.StatusForbidden:
		e.Reason = AccessDenied
	}
	return e.ForWorker()
}

func statusOf(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// body turns read errors into transient errors: a connection cut mid-object is worth a retry.
type body struct {
	rc  io.ReadCloser
	loc sbomcat.S3Location
}

func (b *body) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if err != nil && err != io.EOF && !errors.Is(err, context.Canceled) {
		err = (&Error{Reason: Unavailable, Location: b.loc, Op: "read", Err: err}).ForWorker()
	}
	return n, err
}

func (b *body) Close() error { return b.rc.Close() }
