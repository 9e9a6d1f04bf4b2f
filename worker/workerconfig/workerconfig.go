// Package workerconfig builds the validation worker from environment variables, the same way
// for every binary that runs it: cmd/sbomworker (the SQS long-poll runner),
// cmd/sbomworker-lambda, and the embedded queue of the local server.
//
// AWS settings are the SDK's own (config.LoadDefaultConfig): AWS_REGION, credentials, and the
// endpoint variables AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL_SQS and
// AWS_ENDPOINT_URL_DYNAMODB, which point the worker at LocalStack or an emulator. The rest:
//
//	SBOMWORKER_STORE              sqlite (default) or dynamodb
//	SBOMWORKER_SQLITE_PATH        SQLite database file (default .sbomd/catalog.db, sbomd's)
//	SBOMWORKER_TABLE              DynamoDB table (required with SBOMWORKER_STORE=dynamodb)
//	SBOMWORKER_QUEUE_URL          SQS queue URL (the long-poll runner)
//	SBOMWORKER_CONCURRENCY        validations at once (default GOMAXPROCS)
//	SBOMWORKER_MAX_RECEIVE_COUNT  the queue's redrive maxReceiveCount, which marks the last attempt
//	                              (default: read from the queue by the runner; 5 in Lambda)
//	SBOMWORKER_VISIBILITY_TIMEOUT runner's message visibility, extended while a job runs (default 60s)
//	SBOMWORKER_WAIT_TIME          runner's long-poll wait (default 20s)
//	SBOMWORKER_SHUTDOWN_GRACE     time for jobs to finish after SIGTERM (default 20s)
//	SBOMWORKER_TIMEOUT            bound on one validation (default 10m)
//	SBOMWORKER_LOG_LEVEL          debug, info, warn or error (default info)
//	SBOMCAT_PROFILE               validation profile: aws (default) or strict
//	SBOMCAT_MAX_OBJECT_BYTES, SBOMCAT_MAX_FILE_BYTES, SBOMCAT_MAX_TOTAL_BYTES, SBOMCAT_MAX_ENTRIES
//	                              limits (package validator)
//	SBOMCAT_S3_USE_PATH_STYLE     path-style S3 addressing, for emulators (package objects)
//
// Temporary files go to os.TempDir ($TMPDIR).
package workerconfig

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/dynamodb"
	"github.com/sbomcat/sbomcat/objects"
	"github.com/sbomcat/sbomcat/sqlite"
	"github.com/sbomcat/sbomcat/validator"
	"github.com/sbomcat/sbomcat/worker"
)

// Environment variables (see the package documentation).
const (
	EnvStore             = "SBOMWORKER_STORE"
	EnvSQLitePath        = "SBOMWORKER_SQLITE_PATH"
	EnvTable             = "SBOMWORKER_TABLE"
	EnvQueueURL          = "SBOMWORKER_QUEUE_URL"
	EnvConcurrency       = "SBOMWORKER_CONCURRENCY"
	EnvMaxReceiveCount   = "SBOMWORKER_MAX_RECEIVE_COUNT"
	EnvVisibilityTimeout = "SBOMWORKER_VISIBILITY_TIMEOUT"
	EnvWaitTime          = "SBOMWORKER_WAIT_TIME"
	EnvShutdownGrace     = "SBOMWORKER_SHUTDOWN_GRACE"
	EnvTimeout           = "SBOMWORKER_TIMEOUT"
	EnvLogLevel          = "SBOMWORKER_LOG_LEVEL"
	EnvReapAfter         = "SBOMWORKER_REAP_AFTER"
	EnvProfile           = "SBOMCAT_PROFILE"
)

// Store kinds.
const (
	StoreSQLite   = "sqlite"
	StoreDynamoDB = "dynamodb"
)

// DefaultReapAfter bounds how long an association may stay IN_PROGRESS: far beyond what the
// default retries take (5 deliveries, each at most SBOMWORKER_TIMEOUT's 10 minutes, plus backoff).
const DefaultReapAfter = 2 * time.Hour

// DefaultSQLitePath is the database of `sbomd` run with its default data directory, so that a
// worker started beside it shares its catalog.
const DefaultSQLitePath = ".sbomd/" + sqlite.FileName

// Config is the worker's configuration. Zero durations and counts mean the defaults of the
// packages that use them.
type Config struct {
	Store      string
	SQLitePath string
	Table      string

	QueueURL          string
	Concurrency       int
	MaxReceiveCount   int
	VisibilityTimeout time.Duration
	WaitTime          time.Duration
	ShutdownGrace     time.Duration
	// ReapAfter is how long an association may stay IN_PROGRESS before the runner's reaper
	// records it FAILED (worker.Reaper); 0 means DefaultReapAfter.
	ReapAfter time.Duration

	Timeout   time.Duration
	LogLevel  slog.Level
	Validator validator.Validator
	S3        objects.Options
}

// FromEnv reads the configuration through getenv (os.Getenv in production).
func FromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		Store:      strings.ToLower(strings.TrimSpace(getenv(EnvStore))),
		SQLitePath: getenv(EnvSQLitePath),
		Table:      getenv(EnvTable),
		QueueURL:   getenv(EnvQueueURL),
	}
	var errs []error
	if c.Store == "" {
		c.Store = StoreSQLite
	}
	switch c.Store {
	case StoreSQLite:
		if c.SQLitePath == "" {
			c.SQLitePath = DefaultSQLitePath
		}
	case StoreDynamoDB:
		if c.Table == "" {
			errs = append(errs, fmt.Errorf("%s=%s needs %s", EnvStore, StoreDynamoDB, EnvTable))
		}
	default:
		errs = append(errs, fmt.Errorf("%s: %q is not %s or %s", EnvStore, c.Store, StoreSQLite, StoreDynamoDB))
	}
	for _, n := range []struct {
		env string
		dst *int
	}{{EnvConcurrency, &c.Concurrency}, {EnvMaxReceiveCount, &c.MaxReceiveCount}} {
		if v := getenv(n.env); v != "" {
			i, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || i <= 0 {
				errs = append(errs, fmt.Errorf("%s: %q is not a positive whole number", n.env, v))
			}
			*n.dst = i
		}
	}
	for _, d := range []struct {
		env string
		dst *time.Duration
	}{{EnvVisibilityTimeout, &c.VisibilityTimeout}, {EnvWaitTime, &c.WaitTime}, {EnvShutdownGrace, &c.ShutdownGrace}, {EnvTimeout, &c.Timeout}, {EnvReapAfter, &c.ReapAfter}} {
		if v := getenv(d.env); v != "" {
			t, err := time.ParseDuration(strings.TrimSpace(v))
			if err != nil || t <= 0 {
				errs = append(errs, fmt.Errorf("%s: %q is not a positive duration like 30s or 5m", d.env, v))
			}
			*d.dst = t
		}
	}
	if v := getenv(EnvLogLevel); v != "" {
		if err := c.LogLevel.UnmarshalText([]byte(v)); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", EnvLogLevel, err))
		}
	}
	switch p := sbomcat.Profile(strings.ToLower(getenv(EnvProfile))); p {
	case "", sbomcat.ProfileAWS, sbomcat.ProfileStrict:
		c.Validator.Profile = p
	default:
		errs = append(errs, fmt.Errorf("%s: %q is not %s or %s", EnvProfile, p, sbomcat.ProfileAWS, sbomcat.ProfileStrict))
	}
	var err error
	if c.Validator.Limits, err = validator.LimitsFromEnv(getenv); err != nil {
		errs = append(errs, err)
	}
	if c.S3, err = objects.OptionsFromEnv(getenv); err != nil {
		errs = append(errs, err)
	}
	return c, errors.Join(errs...)
}

// AWS loads the SDK's configuration from the environment and shared files.
func AWS(ctx context.Context) (aws.Config, error) {
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return cfg, fmt.Errorf("aws configuration: %w", err)
	}
	return cfg, nil
}

// Logger returns the JSON logger every worker binary writes to w (stderr).
func (c Config) Logger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: c.LogLevel}))
}

// OpenStore opens the configured store. Close it when done.
func (c Config) OpenStore(ctx context.Context, awsCfg aws.Config) (sbomcat.Store, error) {
	switch c.Store {
	case StoreDynamoDB:
		return dynamodb.New(ddb.NewFromConfig(awsCfg), c.Table), nil
	default:
		return sqlite.Open(ctx, c.SQLitePath)
	}
}

// Worker returns the worker on store, reading S3 through awsCfg, logging to log and writing
// metrics to metrics (stdout).
func (c Config) Worker(awsCfg aws.Config, store sbomcat.Store, log *slog.Logger, metrics io.Writer) *worker.Worker {
	return worker.New(worker.Config{
		Store:     store,
		Objects:   objects.New(awsCfg, c.S3),
		Validator: c.Validator,
		Logger:    log,
		Metrics:   metrics,
		Timeout:   c.Timeout,
	})
}
