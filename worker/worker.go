// Package worker validates one SBOM association and records its results: the core of the
// service's asynchronous loop, a plain function from a job (queue.Job) to recorded results.
//
// It knows nothing of SQS or Lambda. The SQS runner, the Lambda handler and the embedded
// local queue (package queue) all call Worker.Process; the error it returns is the only thing
// they act on: nil means the job is finished (recorded, or discarded because it no longer
// matters) and the message may be deleted; any error means "try again later".
//
// For one job it
//
//  0. checks in the store that the association is still current and not yet validated, so
//     that superseded associations and duplicate deliveries cost no download;
//  1. opens the version (GetObject with the VersionId) and checks the size its response states
//     before reading the body: over the object limit, the body is closed unread and one
//     FILE_SIZE_LIMIT_EXCEEDED result recorded (docs/behaviour.md, "Limits");
//  2. downloads the body, holding small objects in memory and spooling larger ones to a
//     temporary file, so memory stays bounded whatever the size;
//  3. validates it (package validator) and records the results with Store.RecordValidation,
//     which is conditional on the association still being current: results of a superseded or
//     disassociated association are discarded (docs/behaviour.md, "Validation status").
//
// Permanent S3 failures end FAILED with one result named after the object and no error code;
// transient ones are returned for a retry, and on the last delivery attempt end FAILED with a
// message saying validation could not complete (docs/behaviour.md, "Validation status").
package worker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"time"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/internal/ctxio"
	"github.com/sbomcat/sbomcat/profiles"
	"github.com/sbomcat/sbomcat/queue"
	"github.com/sbomcat/sbomcat/validator"
)

// Store is the part of the catalog the worker uses; sbomcat.Store implements it.
type Store interface {
	GetVersion(ctx context.Context, pkg, version string) (*sbomcat.PackageVersion, error)
	RecordValidation(ctx context.Context, v sbomcat.Validation) error
}

// Config configures a Worker. Store and Objects are required.
type Config struct {
	Store     Store
	Objects   Objects
	Validator validator.Validator
	// Logger receives one line per job. Nil discards.
	Logger *slog.Logger
	// Metrics receives one CloudWatch Embedded Metric Format line per job (os.Stdout in
	// production, where Lambda and the CloudWatch agent pick it up). Nil discards.
	Metrics io.Writer
	// Namespace is the metrics' CloudWatch namespace; "" means DefaultNamespace.
	Namespace string
	// TempDir is where objects larger than MemoryBytes are spooled; "" means os.TempDir().
	TempDir string
	// MemoryBytes is the largest object held in memory instead of a temporary file; 0 means
	// DefaultMemoryBytes, negative means always spool.
	MemoryBytes int64
	// Timeout bounds one job, S3 reads included, so that a hung connection cannot hold a
	// message (whose visibility the runner keeps extending) forever; 0 means DefaultTimeout.
	Timeout time.Duration
	// Now is the clock for durations; nil means time.Now.
	Now func() time.Time
}

// Defaults of Config's zero values.
const (
	DefaultNamespace   = "sbomcat"
	DefaultMemoryBytes = 1 << 20
	DefaultTimeout     = 10 * time.Minute

	recordTimeout = 30 * time.Second
)

// Worker processes jobs. It holds no state between jobs and may be used concurrently.
type Worker struct {
	cfg     Config
	log     *slog.Logger
	metrics *emf
}

// New returns a Worker for cfg.
func New(cfg Config) *Worker {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Namespace == "" {
		cfg.Namespace = DefaultNamespace
	}
	if cfg.MemoryBytes == 0 {
		cfg.MemoryBytes = DefaultMemoryBytes
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	// Resolved once: the download bound below and the validator's checks use the same numbers.
	cfg.Validator.Limits = cfg.Validator.Limits.WithDefaults()
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	removeOrphanSpools(cfg.TempDir, cfg.Logger)
	return &Worker{cfg: cfg, log: cfg.Logger, metrics: newEMF(cfg.Metrics, cfg.Namespace)}
}

// Spool files are named after the process that writes them, so that a worker killed mid-download
// (SIGKILL, an out-of-memory kill, a Lambda sandbox reset) leaves files the next worker can
// recognise as orphans: their process is gone.
func spoolPattern() string { return fmt.Sprintf("sbom-%d-*.spool", os.Getpid()) }

// removeOrphanSpools deletes spool files in dir whose writing process no longer exists. Files of
// live processes, other workers sharing the directory included, are left alone.
func removeOrphanSpools(dir string, log *slog.Logger) {
	if dir == "" {
		dir = os.TempDir()
	}
	matches, _ := filepath.Glob(filepath.Join(dir, "sbom-*-*.spool"))
	for _, m := range matches {
		var pid int
		if _, err := fmt.Sscanf(filepath.Base(m), "sbom-%d-", &pid); err != nil || pid <= 0 || processAlive(pid) {
			continue
		}
		if err := os.Remove(m); err == nil {
			log.Info("removed an orphaned spool file", "path", m, "pid", pid)
		}
	}
}

// jobLog writes the lines about one job, each with the job's attributes first, as a logger
// from With would; but With formats the attributes the moment it is called, and most jobs log
// one line.
type jobLog struct {
	l     *slog.Logger
	attrs []any
}

func (j *jobLog) log(level slog.Level, msg string, args []any) {
	j.l.Log(context.Background(), level, msg, append(j.attrs[:len(j.attrs):len(j.attrs)], args...)...)
}

func (j *jobLog) Info(msg string, args ...any)  { j.log(slog.LevelInfo, msg, args) }
func (j *jobLog) Warn(msg string, args ...any)  { j.log(slog.LevelWarn, msg, args) }
func (j *jobLog) Error(msg string, args ...any) { j.log(slog.LevelError, msg, args) }

// Outcomes of a job, the metrics' dimension.
const (
	OutcomeSucceeded = "SUCCEEDED" // recorded, every file valid
	OutcomeFailed    = "FAILED"    // recorded, at least one failure (or unreadable object)
	OutcomeDiscarded = "DISCARDED" // the association was superseded, removed or deleted
	OutcomeDuplicate = "DUPLICATE" // already validated: a duplicate delivery
	OutcomeRetry     = "RETRY"     // transient failure, returned for another delivery
)

// report is what one job did, for the log line and the metrics.
type report struct {
	outcome string
	bytes   int64
	results []sbomcat.FileResult
}

// Process validates the job's SBOM and records the results. It returns nil when the job is
// finished, and an error when it should be delivered again.
func (w *Worker) Process(ctx context.Context, job queue.Job) error {
	start := w.cfg.Now()
	a := job.Association
	log := &jobLog{l: w.log, attrs: []any{"association_id", a.ID, "package", a.PackageName, "version", a.VersionName,
		"message_id", job.MessageID, "attempt", job.Attempt, "sbom", describe(a.SBOM)}}
	ctx, cancel := context.WithTimeout(ctx, w.cfg.Timeout)
	defer cancel()

	rep, err := w.process(ctx, job, log)
	elapsed := w.cfg.Now().Sub(start)
	if err != nil {
		rep.outcome = OutcomeRetry
		log.Warn("validation will be retried", "error", err.Error(), "duration_ms", elapsed.Milliseconds())
	} else {
		log.Info("validation done", "outcome", rep.outcome, "files", len(rep.results), "bytes", rep.bytes, "duration_ms", elapsed.Milliseconds())
	}
	w.metrics.emit(a, job, rep, elapsed, start)
	return err
}

func (w *Worker) process(ctx context.Context, job queue.Job, log *jobLog) (report, error) {
	a := job.Association
	if !job.Current {
		if rep, done, err := w.check(ctx, a, log); done || err != nil {
			return rep, err
		}
	}
	return w.validateAndRecord(ctx, job, log)
}

// check reads the version: a message for an association that is no longer current, or that is
// already done (a duplicate delivery), needs no download: RecordValidation would discard the
// first and rewrite the second with the same results. done reports that the job ends here.
func (w *Worker) check(ctx context.Context, a sbomcat.Association, log *jobLog) (rep report, done bool, err error) {
	v, err := w.cfg.Store.GetVersion(ctx, a.PackageName, a.VersionName)
	switch {
	case sbomcat.ErrCode(err) == sbomcat.ENOTFOUND:
		log.Info("results discarded", "reason", sbomcat.ErrMessage(err))
		return report{outcome: OutcomeDiscarded}, true, nil
	case err != nil:
		return report{}, true, fmt.Errorf("get version: %w", err)
	case v.AssociationID != a.ID:
		log.Info("results discarded", "reason", "the association was superseded or removed before its validation began")
		return report{outcome: OutcomeDiscarded}, true, nil
	case v.SBOMStatus != sbomcat.StatusInProgress:
		log.Info("already validated: duplicate delivery", "status", v.SBOMStatus)
		return report{outcome: OutcomeDuplicate}, true, nil
	}
	return report{}, false, nil
}

// validateAndRecord downloads and validates the job's SBOM and records the results.
func (w *Worker) validateAndRecord(ctx context.Context, job queue.Job, log *jobLog) (report, error) {
	a := job.Association
	results, n, err := w.validate(ctx, a.SBOM, a.Profile)
	rep := report{bytes: n}
	if err != nil {
		var oe *ObjectError
		switch {
		case errors.As(err, &oe) && oe.Permanent():
			// Decisions item 9: one result named after the object, no error code.
			log.Info("object unreadable", "reason", oe.Error())
			results = []sbomcat.FileResult{{FileName: objectName(a.SBOM.Key), Result: sbomcat.ResultFailed, ErrorMessage: oe.Reason}}
		case errors.Is(ctx.Err(), context.Canceled):
			// Shutting down: the job was not failed, only interrupted; another delivery finishes it.
			return rep, fmt.Errorf("interrupted: %w", err)
		case job.Last:
			log.Error("validation could not complete on the last attempt", "error", err.Error())
			results = []sbomcat.FileResult{{FileName: objectName(a.SBOM.Key), Result: sbomcat.ResultFailed, ErrorMessage: couldNotComplete(job, err)}}
		default:
			return rep, err
		}
	}
	rep.results = results
	// Record even if the job's deadline has just passed or shutdown began: the work is done, and
	// the write is short.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	err = w.cfg.Store.RecordValidation(rctx, sbomcat.Validation{AssociationID: a.ID, PackageName: a.PackageName, VersionName: a.VersionName, Results: results})
	switch code := sbomcat.ErrCode(err); code {
	case "":
		rep.outcome = string(sbomcat.RollUp(results))
		return rep, nil
	case sbomcat.ECONFLICT, sbomcat.ENOTFOUND:
		// Decisions item 10: a newer association, a disassociation or a deleted version makes
		// these results moot. Dropping them is success as far as the queue is concerned.
		log.Info("results discarded", "reason", sbomcat.ErrMessage(err))
		rep.outcome = OutcomeDiscarded
		return rep, nil
	default:
		return rep, fmt.Errorf("record validation %s: %w", a.ID, err)
	}
}

// validate reads the object version at loc and returns its results and the bytes downloaded,
// under profile when it is set (a package's sbomcat:profile tag), else the validator's own. A
// profile that names nothing known gets one FAILED result saying so, before any download.
func (w *Worker) validate(ctx context.Context, loc sbomcat.S3Location, profile sbomcat.Profile) ([]sbomcat.FileResult, int64, error) {
	v := w.cfg.Validator
	name := objectName(loc.Key)
	if profile != "" {
		if _, err := profiles.Parse(string(profile)); err != nil {
			// Like an unreadable object (decisions item 9): one result, no error code.
			msg := fmt.Sprintf("not validated: the package's %s tag: %v", sbomcat.TagProfile, err)
			return []sbomcat.FileResult{{FileName: name, Result: sbomcat.ResultFailed, ErrorMessage: msg}}, 0, nil
		}
		v.Profile = profile
	}
	// No HeadObject first: GetObject's response states the length before a byte of the body is
	// read, and an object over the limit has its body closed unread. That is one request per
	// validation fewer, on a path where each request costs about as much CPU as validating a
	// small SBOM. The copy below never reads past the limit, whatever length the server stated.
	body, size, err := w.cfg.Objects.Open(ctx, loc)
	if err != nil {
		return nil, 0, err
	}
	defer body.Close()
	if res, over := v.CheckSize(name, size); over {
		return []sbomcat.FileResult{res}, 0, nil
	}
	sp, err := w.spool(ctx, body, size, v.Limits.MaxObjectBytes)
	if sp != nil {
		defer sp.close()
	}
	if err != nil {
		return nil, sp.bytes(), err
	}
	// An object longer than its stated size is caught here: ValidateObject checks the bytes
	// actually read against the same limit.
	results, err := v.ValidateObject(ctx, name, sp.r, sp.n)
	return results, sp.n, err
}

// spooled is a downloaded object: in memory or in a temporary file that close removes.
type spooled struct {
	r    io.ReaderAt
	n    int64
	file *os.File
}

func (s *spooled) bytes() int64 {
	if s == nil {
		return 0
	}
	return s.n
}

func (s *spooled) close() {
	if s.file != nil {
		s.file.Close()
		os.Remove(s.file.Name())
	}
}

// spool copies up to limit+1 bytes of body, so that an object larger than it claimed is caught
// without reading it all.
func (w *Worker) spool(ctx context.Context, body io.Reader, size, limit int64) (*spooled, error) {
	src := io.LimitReader(ctxio.Reader(ctx, body), limit+1)
	if size >= 0 && size <= w.cfg.MemoryBytes {
		var buf bytes.Buffer
		buf.Grow(int(size) + bytes.MinRead)
		n, err := buf.ReadFrom(src)
		s := &spooled{r: bytes.NewReader(buf.Bytes()), n: n}
		if err != nil {
			return s, fmt.Errorf("download: %w", err)
		}
		return s, nil
	}
	f, err := os.CreateTemp(w.cfg.TempDir, spoolPattern())
	if err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	s := &spooled{r: f, file: f}
	s.n, err = io.Copy(f, src)
	if err != nil {
		return s, fmt.Errorf("download: %w", err)
	}
	return s, nil
}

// objectName is a single object's file name: the last path segment of its key
// (docs/behaviour.md, "Objects and archives"), as the API names results it records itself.
func objectName(key string) string { return path.Base(key) }

// couldNotComplete is the message of a transient failure on the last attempt. It says what
// kind of failure it was without internal detail.
func couldNotComplete(job queue.Job, err error) string {
	what := "An internal error occurred."
	var oe *ObjectError
	if errors.As(err, &oe) {
		what = oe.Reason
	} else if errors.Is(err, context.DeadlineExceeded) {
		what = "The validation timed out."
	}
	attempts := ""
	if job.Attempt > 1 {
		attempts = fmt.Sprintf(" after %d attempts", job.Attempt)
	}
	return fmt.Sprintf("Validation could not complete%s. %s Associate the SBOM again to retry.", attempts, what)
}
