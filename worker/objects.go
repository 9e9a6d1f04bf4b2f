package worker

import (
	"context"
	"io"
	"strings"

	"github.com/sbomcat/sbomcat"
)

// Objects reads S3 object versions. The wiring (internal/wiring) gives the worker one on S3
// (package objects) or on sbomd's embedded S3 store; neither is imported here, so the worker
// depends on no SDK.
//
// Failures the worker must tell apart are returned as (or wrapping) an *ObjectError; any other
// error is transient.
type Objects interface {
	// Open returns the object version's body and its size (-1 if unknown), without reading the
	// body: the worker checks the size against the object limit first, and closes the body
	// unread when it is over. Read errors of the body follow the same contract.
	Open(ctx context.Context, loc sbomcat.S3Location) (io.ReadCloser, int64, error)
}

// ObjectErrorKind says what an ObjectError means for the validation.
type ObjectErrorKind int

const (
	// ObjectTransient: the store could not be reached or failed (throttling, 5xx, timeouts,
	// connection errors). Another delivery may succeed.
	ObjectTransient ObjectErrorKind = iota
	// ObjectNotFound: the object version does not exist (no such bucket, key or version, a
	// malformed version id, a delete marker). Retrying cannot help.
	ObjectNotFound
	// ObjectAccessDenied: the worker's credentials may not read the object version. Retrying
	// cannot help until someone changes the permissions, so the validation ends FAILED.
	ObjectAccessDenied
)

// ObjectError is the worker's error contract with Objects.
type ObjectError struct {
	Kind ObjectErrorKind
	// Reason is a sentence safe to show the user that says what is wrong: a permanent failure
	// is recorded with it as the result's message, and a transient one that persists until the
	// last attempt is quoted in that attempt's message.
	Reason string
	// Err is the underlying failure, for logs.
	Err error
}

func (e *ObjectError) Error() string {
	if e.Err == nil {
		return e.Reason
	}
	return e.Err.Error()
}

func (e *ObjectError) Unwrap() error { return e.Err }

// Permanent reports whether trying again cannot help.
func (e *ObjectError) Permanent() bool { return e.Kind != ObjectTransient }

// describe formats loc for logs.
func describe(loc sbomcat.S3Location) string {
	return "s3://" + loc.Bucket + "/" + strings.TrimPrefix(loc.Key, "/") + "?versionId=" + loc.Version
}
