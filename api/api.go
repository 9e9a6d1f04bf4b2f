// Package api serves the AWS IoT Software Package Catalog operations over restJson1, wire
// compatible with the AWS SDKs: same paths, query parameters, status codes, member names and
// error shapes. It is the only package that knows the wire format; the catalog itself is an
// sbomcat.Store. With Config.Jobs it also serves the job operations that deploy package
// versions (CreateJob, DescribeJob, GetJobDocument, ListJobs, DeleteJob; package jobs).
//
// CreateJob takes the members the jobs package implements (jobId, document,
// destinationPackageVersions, presignedUrlConfig, targets, description, targetSelection) and
// refuses every other member of the model that is given (documentSource, abortConfig,
// documentParameters, jobExecutionsRetryConfig, jobExecutionsRolloutConfig, jobTemplateArn,
// namespaceId, schedulingConfig, tags, timeoutConfig) with an InvalidRequestException naming
// it, rather than create a job other than the one asked for; ListJobs and DeleteJob refuse
// namespaceId, thingGroupId and thingGroupName likewise.
package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"reflect"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/google/uuid"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/jobs"
)

// Enqueuer hands a new SBOM association to the validation worker's queue (SQS when deployed).
// The worker calls Store.RecordValidation with the association's id when it is done.
type Enqueuer interface {
	Enqueue(ctx context.Context, a sbomcat.Association) error
}

// Defaults of Config's zero values.
const (
	DefaultMaxBodyBytes           = 1 << 20
	DefaultMaxPackages            = 100
	DefaultMaxVersions            = 10000
	DefaultMaxInFlightValidations = 100
	DefaultIdempotencyTTL         = 24 * time.Hour
)

// Config configures a Handler. Only Store is required.
type Config struct {
	Store sbomcat.Store
	// Queue receives every new association. Nil means the store queues associations itself,
	// durably, in the transaction that records them (the embedded SQLite queue); associations
	// are also recoverable with Store.ListInProgress.
	Queue Enqueuer
	// Scope gives the partition, region and account of ARNs; the region is also the one
	// requests must be signed for. Zero fields take sbomcat.DefaultScope's.
	Scope sbomcat.Scope
	// Credentials maps access key ids to secret keys for SigV4 verification. Nil means the
	// development pair test/test.
	Credentials map[string]string
	// DisableAuth turns SigV4 verification off, for deployments where something in front
	// (API Gateway's IAM authorisation) has verified the caller already.
	DisableAuth bool
	// Logger receives one structured line per request. Nil discards.
	Logger *slog.Logger
	// Limits; zero means the default, negative means no limit.
	MaxBodyBytes           int64
	MaxPackages            int
	MaxVersions            int
	MaxInFlightValidations int
	// IdempotencyTTL is how long a clientToken is remembered.
	IdempotencyTTL time.Duration
	// Now returns the current time (signature expiry, idempotency records, job times). Nil is
	// time.Now.
	Now func() time.Time

	// Jobs keeps the jobs of CreateJob, DescribeJob, GetJobDocument, ListJobs and DeleteJob
	// (sqlite.Store and dynamodb.Store implement jobs.Store next to sbomcat.Store, so the
	// catalog's store usually serves). Nil leaves those operations unserved: their paths
	// answer UnknownOperationException like any path this server does not know.
	Jobs jobs.Store
	// Presigner signs the S3 URLs that replace artifact placeholders at each GetJobDocument
	// (s3presign.New over an S3 client for the artifacts' endpoint). Nil refuses job documents
	// with artifact placeholders at CreateJob; every other job works.
	Presigner jobs.Presigner
}

// Handler is the API's http.Handler.
type Handler struct {
	cfg    Config
	log    *slog.Logger
	verify *verifier
	// ops are the operations served: the catalog's, and the jobs' when Config.Jobs is set.
	ops  []*operation
	jobs *jobs.Service
}

// New returns a Handler for cfg.
func New(cfg Config) *Handler {
	if cfg.Scope.Partition == "" {
		cfg.Scope.Partition = sbomcat.DefaultScope.Partition
	}
	if cfg.Scope.Region == "" {
		cfg.Scope.Region = sbomcat.DefaultScope.Region
	}
	if cfg.Scope.Account == "" {
		cfg.Scope.Account = sbomcat.DefaultScope.Account
	}
	if cfg.Credentials == nil {
		cfg.Credentials = map[string]string{"test": "test"}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.MaxPackages == 0 {
		cfg.MaxPackages = DefaultMaxPackages
	}
	if cfg.MaxVersions == 0 {
		cfg.MaxVersions = DefaultMaxVersions
	}
	if cfg.MaxInFlightValidations == 0 {
		cfg.MaxInFlightValidations = DefaultMaxInFlightValidations
	}
	if cfg.IdempotencyTTL == 0 {
		cfg.IdempotencyTTL = DefaultIdempotencyTTL
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	h := &Handler{cfg: cfg, log: cfg.Logger, ops: operations}
	if cfg.Jobs != nil {
		// The service reads the same catalog and scope as the catalog operations, so that a
		// job's destinations are checked against what this endpoint serves.
		h.jobs = &jobs.Service{Catalog: cfg.Store, Store: cfg.Jobs, Presigner: cfg.Presigner, Scope: cfg.Scope, Now: cfg.Now}
		h.ops = append(slices.Clip(operations), jobOperations...)
	}
	if !cfg.DisableAuth {
		h.verify = &verifier{keys: cfg.Credentials, region: cfg.Scope.Region, now: cfg.Now, signer: v4.NewSigner()}
	}
	return h
}

// request is what an operation sees of an HTTP request.
type request struct {
	ctx    context.Context
	op     *operation
	params map[string]string // path labels, unescaped
	query  url.Values
	body   []byte
}

// ServeHTTP authenticates, routes and answers one request. Every failure, including a panic,
// becomes an AWS-shaped error.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	reqID := uuid.NewString()
	w.Header().Set("X-Amzn-RequestId", reqID)
	log := h.log.With("request_id", reqID)

	op, params, routeErr := route(h.ops, r)
	d := catalogErrors
	opName := ""
	if op != nil {
		d, opName = op.errors, op.name
	}
	status, errName := http.StatusOK, ""
	fail := func(err error, res resource) {
		shape := writeError(w, d, err, res)
		status, errName = shape.Status, shape.Name
		if shape.Status >= 500 {
			log.Error("internal error", "op", opName, "error", err.Error())
		}
	}
	defer func() {
		if p := recover(); p != nil {
			log.Error("panic", "op", opName, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			fail(errors.New("panic"), resource{})
		}
		log.Info("request", "op", opName, "method", r.Method, "path", r.URL.EscapedPath(),
			"status", status, "error", errName, "duration_ms", time.Since(start).Milliseconds())
	}()

	// hostile (issue 10): credentials that are already wrong are refused from the headers
	// alone, before the body is read.
	if h.verify != nil {
		if werr := h.verify.verifyHeaders(r); werr != nil {
			fail(werr, resource{})
			return
		}
	}
	// The body is read before authentication because the signature covers its hash; the limit
	// keeps that read bounded.
	body, err := io.ReadAll(io.LimitReader(r.Body, h.cfg.MaxBodyBytes+1))
	if err != nil {
		fail(sbomcat.Errorf(sbomcat.EINVALID, "The request body could not be read."), resource{})
		return
	}
	tooBig := int64(len(body)) > h.cfg.MaxBodyBytes
	if h.verify != nil {
		// An oversize body was not read in full, so its signature cannot be checked; everything
		// else about the credentials still is.
		if werr := h.verify.verify(r.Context(), r, body, !tooBig); werr != nil {
			fail(werr, resource{})
			return
		}
	}
	if tooBig {
		fail(sbomcat.Errorf(sbomcat.EINVALID, "The request body exceeds the limit of %d bytes.", h.cfg.MaxBodyBytes), resource{})
		return
	}
	if routeErr != nil {
		fail(routeErr, resource{})
		return
	}

	req := &request{ctx: r.Context(), op: op, params: params, query: r.URL.Query(), body: body}
	out, err := op.handle(h, req)
	if err != nil {
		fail(err, h.subject(params))
		return
	}
	writeJSON(w, out)
}

// subject names the resource a request is about, for the members of conflict errors:
// ConflictException.resourceId (the package or version ARN) and
// ResourceAlreadyExistsException.resourceId and resourceArn (the job id and ARN).
func (h *Handler) subject(params map[string]string) resource {
	pkg, ver, job := params["packageName"], params["versionName"], params["jobId"]
	switch {
	case pkg != "" && ver != "":
		return resource{id: h.cfg.Scope.VersionARN(pkg, ver)}
	case pkg != "":
		return resource{id: h.cfg.Scope.PackageARN(pkg)}
	case job != "":
		return resource{id: job, arn: jobs.ARN(h.cfg.Scope, job)}
	}
	return resource{}
}

// writeJSON writes a 200 response: out as JSON, or an empty body when out is nil (the update,
// delete and disassociate operations).
func writeJSON(w http.ResponseWriter, out any) {
	var b []byte
	switch v := out.(type) {
	case nil:
	case json.RawMessage:
		b = v
	default:
		var err error
		if b, err = json.Marshal(v); err != nil {
			writeError(w, catalogErrors, err, resource{})
			return
		}
	}
	if len(b) > 0 {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}

// decode unmarshals the JSON body into v. An empty body is an empty object. Malformed JSON and
// members of the wrong type are ValidationExceptions naming the member; unknown members are
// ignored.
func decode(body []byte, v any) error {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || bytes.Equal(trimmed, []byte("null")) {
		return nil
	}
	if trimmed[0] != '{' {
		return sbomcat.Errorf(sbomcat.EINVALID, "The request body must be a JSON object.")
	}
	// First pass: generic JSON, so that syntax errors are reported as such and members can be
	// matched exactly (encoding/json matches names case-insensitively, AWS does not).
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.UseNumber()
	var generic any
	err := dec.Decode(&generic)
	if err == nil && dec.More() {
		return sbomcat.Errorf(sbomcat.EINVALID, "The request body has data after the JSON object.")
	}
	if err == nil {
		var exact []byte
		if exact, err = json.Marshal(exactMembers(generic, reflect.TypeOf(v))); err == nil {
			err = json.Unmarshal(exact, v)
		}
	}
	if err != nil {
		var typeErr *json.UnmarshalTypeError
		var syntaxErr *json.SyntaxError
		switch {
		case errors.As(err, &typeErr):
			return sbomcat.Errorf(sbomcat.EINVALID, "1 validation error detected: Value at '%s' failed to satisfy constraint: Member must be of type %s, not a JSON %s", typeErr.Field, jsonType(typeErr.Type.String()), typeErr.Value)
		case errors.As(err, &syntaxErr):
			return sbomcat.Errorf(sbomcat.EINVALID, "The request body is not valid JSON: %s at offset %d.", strings.TrimPrefix(syntaxErr.Error(), "invalid character "), syntaxErr.Offset)
		}
		return sbomcat.Errorf(sbomcat.EINVALID, "The request body is not valid JSON: %s.", strings.TrimPrefix(err.Error(), "json: "))
	}
	return nil
}

// exactMembers drops, at every level, the object members whose names are not exactly a member
// of the target type: AWS ignores unknown members, and "Description" is not "description".
func exactMembers(v any, t reflect.Type) any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			return v
		}
		fields := map[string]reflect.Type{}
		for i := range t.NumField() {
			f := t.Field(i)
			if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); name != "" && name != "-" {
				fields[name] = f.Type
			}
		}
		for k, val := range obj {
			if ft, ok := fields[k]; ok {
				obj[k] = exactMembers(val, ft)
			} else {
				delete(obj, k)
			}
		}
	case reflect.Map:
		if obj, ok := v.(map[string]any); ok {
			for k, val := range obj {
				obj[k] = exactMembers(val, t.Elem())
			}
		}
	case reflect.Slice:
		if list, ok := v.([]any); ok {
			for i, val := range list {
				list[i] = exactMembers(val, t.Elem())
			}
		}
	}
	return v
}

func jsonType(goType string) string {
	switch {
	case strings.HasPrefix(goType, "map["), strings.HasPrefix(goType, "api."), strings.HasPrefix(goType, "*api."):
		return "structure or map"
	case strings.HasPrefix(goType, "[]"):
		return "list"
	case strings.Contains(goType, "bool"):
		return "boolean"
	case strings.Contains(goType, "string"):
		return "string"
	case strings.Contains(goType, "int"):
		return "long" // presignedUrlConfig.expiresInSec, the only number member
	}
	return goType
}
