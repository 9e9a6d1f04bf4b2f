package wiring

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/dynamodb"
	"github.com/sbomcat/sbomcat/internal/wiring/awsenv"
	"github.com/sbomcat/sbomcat/internal/wiring/settings"
	"github.com/sbomcat/sbomcat/objects"
	"github.com/sbomcat/sbomcat/sqlite"
	"github.com/sbomcat/sbomcat/validator"
	"github.com/sbomcat/sbomcat/worker"
)

// The worker binaries' variables (cmd/sbomworker, cmd/sbomworker-lambda, cmd/sbomreaper-lambda),
// besides the shared ones. Their previous names began SBOMWORKER_ (SBOMWORKER_TIMEOUT for
// SBOMCAT_VALIDATION_TIMEOUT).
const (
	EnvStore             = "SBOMCAT_STORE"
	EnvSQLitePath        = "SBOMCAT_SQLITE_PATH"
	EnvMaxReceiveCount   = "SBOMCAT_MAX_RECEIVE_COUNT"
	EnvVisibilityTimeout = "SBOMCAT_VISIBILITY_TIMEOUT"
	EnvWaitTime          = "SBOMCAT_WAIT_TIME"
	EnvReapAfter         = "SBOMCAT_REAP_AFTER"
)

// DefaultReapAfter bounds how long an association may stay IN_PROGRESS: far beyond what the
// default retries take (5 deliveries, each at most the 10 minutes of one validation, plus backoff).
const DefaultReapAfter = 2 * time.Hour

// DefaultSQLitePath is the database of `sbomd` run with its default data directory, so that a
// worker started beside it shares its catalog.
const DefaultSQLitePath = ".sbomd/" + sqlite.FileName

// WorkerConfig is the worker binaries' configuration. Zero durations and counts mean the
// defaults of the packages that use them.
type WorkerConfig struct {
	Store StoreConfig

	QueueURL          string
	Concurrency       int
	MaxReceiveCount   int
	VisibilityTimeout time.Duration
	WaitTime          time.Duration
	ShutdownGrace     time.Duration
	// ReapAfter is how long an association may stay IN_PROGRESS before the reaper records it
	// FAILED (worker.Reaper).
	ReapAfter time.Duration

	Timeout   time.Duration
	LogLevel  slog.Level
	Validator validator.Validator
	S3        objects.Options

	// Warnings are lines to log on start (deprecated variable names in use).
	Warnings []string
}

// WorkerFromEnv reads the worker binaries' configuration through getenv (os.Getenv in
// production), naming every variable that is malformed.
func WorkerFromEnv(getenv func(string) string) (WorkerConfig, error) {
	e := settings.NewEnv(getenv)
	c := WorkerConfig{
		Store: StoreConfig{
			Kind:       strings.ToLower(strings.TrimSpace(e.String(EnvStore, "SBOMWORKER_STORE", ""))),
			SQLitePath: e.String(EnvSQLitePath, "SBOMWORKER_SQLITE_PATH", DefaultSQLitePath),
			Table:      e.String(settings.EnvTable, "SBOMWORKER_TABLE", ""),
		},
		QueueURL:          e.String(settings.EnvQueueURL, "SBOMWORKER_QUEUE_URL", ""),
		Concurrency:       e.PositiveInt(settings.EnvConcurrency, "SBOMWORKER_CONCURRENCY", 0),
		MaxReceiveCount:   e.PositiveInt(EnvMaxReceiveCount, "SBOMWORKER_MAX_RECEIVE_COUNT", 0),
		VisibilityTimeout: e.PositiveDuration(EnvVisibilityTimeout, "SBOMWORKER_VISIBILITY_TIMEOUT", 0),
		WaitTime:          e.PositiveDuration(EnvWaitTime, "SBOMWORKER_WAIT_TIME", 0),
		ShutdownGrace:     e.PositiveDuration(settings.EnvShutdownGrace, "SBOMWORKER_SHUTDOWN_GRACE", 0),
		Timeout:           e.PositiveDuration(settings.EnvValidationTimeout, "SBOMWORKER_TIMEOUT", 0),
		ReapAfter:         e.PositiveDuration(EnvReapAfter, "SBOMWORKER_REAP_AFTER", DefaultReapAfter),
		S3:                objects.Options{UsePathStyle: e.Bool(settings.EnvS3UsePathStyle, "", false)},
	}
	switch c.Store.Kind {
	case "":
		c.Store.Kind = StoreSQLite
	case StoreSQLite:
	case StoreDynamoDB:
		if c.Store.Table == "" {
			e.Fail(fmt.Errorf("%s=%s needs %s", EnvStore, StoreDynamoDB, settings.EnvTable))
		}
	default:
		e.Fail(fmt.Errorf("%s: %q is not %s or %s", EnvStore, c.Store.Kind, StoreSQLite, StoreDynamoDB))
	}
	if v := e.String(settings.EnvLogLevel, "SBOMWORKER_LOG_LEVEL", ""); v != "" {
		if err := c.LogLevel.UnmarshalText([]byte(v)); err != nil {
			e.Fail(fmt.Errorf("%s: %w", settings.EnvLogLevel, err))
		}
	}
	c.Validator = validator.Validator{Profile: e.Profile(), Limits: e.Limits().WithDefaults()}
	c.Warnings = e.Warnings()
	return c, e.Err()
}

// Logger returns the JSON logger every worker binary writes to w (stderr), after logging the
// configuration's warnings on it.
func (c WorkerConfig) Logger(w io.Writer) *slog.Logger {
	log := slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: c.LogLevel}))
	for _, msg := range c.Warnings {
		log.Warn(msg)
	}
	return log
}

// Worker returns the worker on store, reading S3 through awsCfg, logging to log and writing
// metrics to metrics (stdout).
func (c WorkerConfig) Worker(awsCfg aws.Config, store worker.Store, log *slog.Logger, metrics io.Writer) *worker.Worker {
	return worker.New(worker.Config{
		Store:     store,
		Objects:   S3Objects(awsCfg, c.S3),
		Validator: c.Validator,
		Logger:    log,
		Metrics:   metrics,
		Timeout:   c.Timeout,
	})
}

// OpenStore opens the worker binaries' store. It is typed as the catalog alone, not Catalog:
// the worker and the reaper use no jobs, and the Lambdas' IAM policies (which deploy's tests
// derive from the code reached) grant only what the catalog's reads and records need.
func (c WorkerConfig) OpenStore(ctx context.Context, awsCfg aws.Config) (sbomcat.Store, error) {
	if c.Store.Kind == StoreDynamoDB {
		return dynamodb.New(ddb.NewFromConfig(awsCfg), c.Store.Table), nil
	}
	return sqlite.Open(ctx, c.Store.SQLitePath)
}

// WorkerEnv is what the worker's Lambdas start from.
type WorkerEnv struct {
	Config WorkerConfig
	Log    *slog.Logger // to the stderr given, the configuration's warnings already logged
	AWS    aws.Config
	Store  sbomcat.Store // open: the caller closes it
}

// OpenWorkerFromEnv reads the worker's configuration from getenv, logs its warnings to stderr,
// builds the AWS configuration from getenv as Lambda sets it (awsenv.Load) and opens the store.
func OpenWorkerFromEnv(ctx context.Context, getenv func(string) string, stderr io.Writer) (WorkerEnv, error) {
	var e WorkerEnv
	var err error
	if e.Config, err = WorkerFromEnv(getenv); err != nil {
		return e, err
	}
	e.Log = e.Config.Logger(stderr)
	if e.AWS, err = awsenv.Load(getenv); err != nil {
		return e, err
	}
	e.Store, err = e.Config.OpenStore(ctx, e.AWS)
	return e, err
}
