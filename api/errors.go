package api

import (
	"encoding/json"
	"errors"
	"maps"
	"net/http"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/jobs"
)

// awsError is an error shape on the wire: its name (X-Amzn-ErrorType and __type) and status.
type awsError struct {
	Name   string
	Status int
}

// dialect maps application error codes onto the error shapes an operation's model lists. The
// package catalog operations share one set; the IoT-wide tagging operations predate it and use
// the older names (InvalidRequestException and friends), so the SDK still returns typed errors
// for them.
type dialect map[string]awsError

var (
	catalogErrors = dialect{
		sbomcat.EINVALID:  {"ValidationException", http.StatusBadRequest},
		sbomcat.ENOTFOUND: {"ResourceNotFoundException", http.StatusNotFound},
		sbomcat.ECONFLICT: {"ConflictException", http.StatusConflict},
		sbomcat.EQUOTA:    {"ServiceQuotaExceededException", http.StatusPaymentRequired},
		sbomcat.EBUSY:     {"ThrottlingException", http.StatusBadRequest},
		sbomcat.EINTERNAL: {"InternalServerException", http.StatusInternalServerError},
	}
	// iotErrors are the IoT-wide names, which the tagging and the job operations share: the
	// catalog's but for an invalid request, a quota and an internal failure. The two differ on
	// a conflict, so each names its own.
	iotErrors = catalogErrors.with(dialect{
		sbomcat.EINVALID:  {"InvalidRequestException", http.StatusBadRequest},
		sbomcat.EQUOTA:    {"LimitExceededException", http.StatusGone},
		sbomcat.EINTERNAL: {"InternalFailureException", http.StatusInternalServerError},
	})
	taggingErrors = iotErrors.with(dialect{sbomcat.ECONFLICT: {"InvalidRequestException", http.StatusBadRequest}})
	// jobErrors are the job operations' names: InvalidRequestException for every refused
	// request (docs/behaviour.md, "Jobs"), ResourceAlreadyExistsException for a duplicate job id,
	// and InvalidStateTransitionException for deleting a running job without force. The SDK returns
	// typed errors for each where the operation's model lists it (CreateJob: InvalidRequest,
	// ResourceAlreadyExists, ResourceNotFound, LimitExceeded; DescribeJob, GetJobDocument,
	// ListJobs: InvalidRequest, ResourceNotFound; DeleteJob: InvalidRequest,
	// InvalidStateTransition, ResourceNotFound, LimitExceeded). InternalFailureException is in none
	// of them, so it arrives as a generic API error with that code.
	jobErrors = iotErrors.with(dialect{
		sbomcat.ECONFLICT:  {"ResourceAlreadyExistsException", http.StatusConflict},
		jobs.EINVALIDSTATE: {"InvalidStateTransitionException", http.StatusConflict},
	})
)

// with is d with the shapes of more added or replaced; d is left as it is.
func (d dialect) with(more dialect) dialect {
	out := maps.Clone(d)
	maps.Copy(out, more)
	return out
}

func (d dialect) of(code string) awsError {
	if e, ok := d[code]; ok {
		return e
	}
	return d[sbomcat.EINTERNAL]
}

// wireError is an error that is already in AWS terms: authentication failures and unknown
// operations, which have no application code.
type wireError struct {
	awsError
	Message string
}

func (e *wireError) Error() string { return e.Name + ": " + e.Message }

type errorBody struct {
	Type        string `json:"__type"`
	Message     string `json:"message"`
	ResourceID  string `json:"resourceId,omitempty"`
	ResourceArn string `json:"resourceArn,omitempty"`
}

// resource is what a request is about, for the members of conflict errors.
type resource struct {
	id  string // ConflictException and ResourceAlreadyExistsException resourceId
	arn string // ResourceAlreadyExistsException resourceArn
}

// writeError writes err as docs/behaviour.md, "Errors", says: X-Amzn-ErrorType, X-Amzn-RequestId
// (set by the caller) and {"__type","message"}, plus resourceId for ConflictException and
// resourceId and resourceArn for ResourceAlreadyExistsException. It returns the shape written, for
// the access log.
func writeError(w http.ResponseWriter, d dialect, err error, res resource) awsError {
	var shape awsError
	var body errorBody
	if we, ok := err.(*wireError); ok {
		shape, body.Message = we.awsError, we.Message
	} else {
		code := sbomcat.ErrCode(err)
		shape, body.Message = d.of(code), sbomcat.ErrMessage(err)
		if code == sbomcat.ECONFLICT {
			switch shape.Name {
			case "ConflictException":
				body.ResourceID = res.id
				var e *sbomcat.Error
				if errors.As(err, &e) && e.ResourceID != "" {
					body.ResourceID = e.ResourceID
				}
			case "ResourceAlreadyExistsException":
				// The job of the request's path is the one that exists.
				body.ResourceID, body.ResourceArn = res.id, res.arn
			}
		}
	}
	body.Type = shape.Name
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", shape.Name)
	w.WriteHeader(shape.Status)
	json.NewEncoder(w).Encode(body)
	return shape
}
