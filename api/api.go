// Package api serves the AWS IoT Software Package Catalog operations over restJson1, wire
// compatible with the AWS SDKs: same paths, query parameters, status codes, member names and
// error shapes. It is the only package that knows the wire format; the catalog's use cases are
// a catalog.Service (Config.Catalog). With Config.Jobs it also serves the job operations that deploy package
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
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/api/constraint"
	"github.com/sbomcat/sbomcat/catalog"
	"github.com/sbomcat/sbomcat/internal/httpguard"
	"github.com/sbomcat/sbomcat/jobs"
	"github.com/sbomcat/sbomcat/sigv4"
)

// Catalog is the package catalog's use cases the operations call: catalog.Service
// implements it. Its read methods are the Store's (sbomcat.Store), so any front end reading
// the catalog can take either.
type Catalog interface {
	CreatePackage(ctx context.Context, p sbomcat.Package, clientToken string) (*sbomcat.Package, error)
	GetPackage(ctx context.Context, name string) (*sbomcat.Package, error)
	ListPackages(ctx context.Context, page sbomcat.PageRequest) (sbomcat.Page[sbomcat.Package], error)
	UpdatePackage(ctx context.Context, name string, u sbomcat.PackageUpdate, clientToken string) (*sbomcat.Package, error)
	DeletePackage(ctx context.Context, name string, clientToken string) error

	CreateVersion(ctx context.Context, v sbomcat.PackageVersion, clientToken string) (*sbomcat.PackageVersion, error)
	GetVersion(ctx context.Context, pkg, version string) (*sbomcat.PackageVersion, error)
	ListVersions(ctx context.Context, pkg string, status sbomcat.VersionStatus, page sbomcat.PageRequest) (sbomcat.Page[sbomcat.PackageVersion], error)
	UpdateVersion(ctx context.Context, pkg, version string, u sbomcat.VersionUpdate, clientToken string) (*sbomcat.PackageVersion, error)
	DeleteVersion(ctx context.Context, pkg, version string, clientToken string) error

	AssociateSBOM(ctx context.Context, pkg, version string, sbom sbomcat.S3Location, clientToken string) (*sbomcat.PackageVersion, error)
	DisassociateSBOM(ctx context.Context, pkg, version string, clientToken string) error
	ListValidationResults(ctx context.Context, pkg, version string, result sbomcat.ValidationResult, page sbomcat.PageRequest) (sbomcat.Page[sbomcat.FileResult], error)

	GetPackageConfiguration(ctx context.Context) (sbomcat.PackageConfiguration, error)
	UpdatePackageConfiguration(ctx context.Context, u sbomcat.PackageConfigurationUpdate, clientToken string) (sbomcat.PackageConfiguration, error)

	TagResource(ctx context.Context, id sbomcat.ResourceID, tags map[string]string) error
	UntagResource(ctx context.Context, id sbomcat.ResourceID, keys []string) error
	ListTags(ctx context.Context, id sbomcat.ResourceID) (map[string]string, error)
}

var _ Catalog = (*catalog.Service)(nil)

// Defaults of Config's zero values, and the catalog's quota defaults under the names the
// flags and the SAM template document them by.
const (
	DefaultMaxBodyBytes           = 1 << 20
	DefaultMaxPackages            = catalog.DefaultMaxPackages
	DefaultMaxVersions            = catalog.DefaultMaxVersions
	DefaultMaxInFlightValidations = catalog.DefaultMaxInFlightValidations
)

// Config configures a Handler. Only Catalog is required.
type Config struct {
	// Catalog serves the catalog operations (catalog.New over a Store and the validation queue).
	Catalog Catalog
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
	// MaxBodyBytes bounds a request body; zero means the default.
	MaxBodyBytes int64
	// Now returns the current time (signature expiry, job times). Nil is time.Now.
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
	ops     []*operation
	catalog Catalog
	jobs    *jobs.Service
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
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	h := &Handler{cfg: cfg, log: cfg.Logger, ops: operations, catalog: cfg.Catalog}
	if cfg.Jobs != nil {
		// The service reads the same catalog and scope as the catalog operations, so that a
		// job's destinations are checked against what this endpoint serves.
		h.jobs = &jobs.Service{Catalog: cfg.Catalog, Store: cfg.Jobs, Presigner: cfg.Presigner, Scope: cfg.Scope, Now: cfg.Now}
		h.ops = append(slices.Clip(operations), jobOperations...)
	}
	if !cfg.DisableAuth {
		h.verify = &verifier{keys: cfg.Credentials, region: cfg.Scope.Region, now: cfg.Now, signer: sigv4.NewSigner(true)}
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
	// parsed is the body as call parsed it for the model's checks (parseBody), and decoded
	// the operation's input as a documented check decoded it: withBody starts from either
	// rather than parse the body again. Both are nil until set.
	parsed  map[string]any
	decoded any
}

// ServeHTTP authenticates, routes and answers one request. Every failure, including a panic,
// becomes an AWS-shaped error.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	reqID := uuid.NewString()
	w.Header().Set("X-Amzn-RequestId", reqID)

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
			h.log.Error("internal error", "request_id", reqID, "op", opName, "error", err.Error())
		}
	}
	defer func() {
		if p := recover(); p != nil {
			h.log.Error("panic", "request_id", reqID, "op", opName, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			fail(errors.New("panic"), resource{})
		}
		// request_id is an attribute of each line rather than of a logger from With, which
		// would format it before knowing whether any line is written.
		h.log.Info("request", "request_id", reqID, "op", opName, "method", r.Method, "path", r.URL.EscapedPath(),
			"status", status, "error", errName, "duration_ms", time.Since(start).Milliseconds())
	}()

	// Credentials that are already wrong are refused from the headers
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
	if errors.Is(err, httpguard.ErrBusy) {
		fail(sbomcat.Errorf(sbomcat.EBUSY, "The server is receiving too many request bodies at once; retry later."), resource{})
		return
	} else if err != nil {
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
	out, err := h.call(req)
	if err != nil {
		fail(err, h.subject(params))
		return
	}
	writeJSON(w, out)
}

// call checks req against every constraint the model puts on its operation's input, then
// calls the operation: no operation sees input the model refuses.
func (h *Handler) call(req *request) (any, error) {
	if first := documentedChecks[req.op.name]; first != nil {
		if err := first(req); err != nil {
			return nil, err
		}
	}
	in := constraint.Request{Labels: req.params, Query: req.query}
	if constraint.IoT().HasBody(req.op.name) {
		obj, err := parseBody(req.body)
		if err != nil {
			return nil, err
		}
		in.Body = obj
	}
	if err := constraint.IoT().Check(req.op.name, in); err != nil {
		return nil, err
	}
	req.parsed = in.Body
	return req.op.handle(h, req)
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
