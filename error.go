package sbomcat

import (
	"errors"
	"fmt"
)

// Application error codes. Each maps one-to-one onto an AWS error shape at the API edge:
//
//	EINVALID  -> ValidationException (400)
//	ENOTFOUND -> ResourceNotFoundException (404)
//	ECONFLICT -> ConflictException (409)
//	EQUOTA    -> ServiceQuotaExceededException (402)
//	EBUSY     -> ThrottlingException (400; the SDKs retry it)
//	EINTERNAL -> InternalServerException (500)
//
// Only the edge knows the wire names; stores and domain code speak in these codes.
const (
	EINVALID  = "invalid"
	ENOTFOUND = "not_found"
	ECONFLICT = "conflict"
	EQUOTA    = "quota_exceeded"
	EBUSY     = "busy"
	EINTERNAL = "internal"
)

// Error is an application error: something the caller did or asked for that cannot be done.
// Its Message is safe to show to the caller. Any other error is internal and its text must not
// leave the process.
type Error struct {
	Code    string
	Message string
	// ResourceID names the resource a conflict is about (ConflictException.resourceId).
	ResourceID string
}

func (e *Error) Error() string {
	return fmt.Sprintf("sbomcat error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Conflictf returns an ECONFLICT *Error about the resource id.
func Conflictf(resourceID, format string, args ...any) *Error {
	return &Error{Code: ECONFLICT, Message: fmt.Sprintf(format, args...), ResourceID: resourceID}
}

// ErrCode returns the code of the application error in err's chain, EINTERNAL for any other
// non-nil error, and "" for nil.
func ErrCode(err error) string {
	return describe(err, func(e *Error) string { return e.Code }, EINTERNAL)
}

// ErrMessage returns the caller-safe message of the application error in err's chain, and a
// generic text for any other error so that internal details never leak.
func ErrMessage(err error) string {
	return describe(err, func(e *Error) string { return e.Message }, "Internal error.")
}

// describe is part of the application error in err's chain, internal for any other non-nil
// error, and "" for nil.
func describe(err error, part func(*Error) string, internal string) string {
	if err == nil {
		return ""
	}
	if e, ok := errors.AsType[*Error](err); ok {
		return part(e)
	}
	return internal
}
