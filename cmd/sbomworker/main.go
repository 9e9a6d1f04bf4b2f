// Command sbomworker validates SBOM associations from an SQS queue outside Lambda (a container,
// a VM, or next to LocalStack): it long-polls the queue, validates each association's SBOM from
// S3, and records the results in the catalog store.
//
//	SBOMCAT_QUEUE_URL=https://sqs.us-east-1.amazonaws.com/123456789012/sbom-associations \
//	SBOMCAT_STORE=dynamodb SBOMCAT_TABLE=sbomcat sbomworker
//
// Configuration is environment only; `sbomworker -h` lists the variables (package
// internal/wiring reads them). SIGTERM or SIGINT stops it gracefully: no new messages are
// taken, validations in progress get SBOMCAT_SHUTDOWN_GRACE to finish, and the messages of any still running are
// handed back to the queue. Validation metrics go to stdout in CloudWatch Embedded Metric Format,
// logs to stderr as JSON.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/sbomcat/sbomcat/internal/wiring"
	"github.com/sbomcat/sbomcat/internal/wiring/awswiring"
	"github.com/sbomcat/sbomcat/internal/wiring/settings"
	sbomsqs "github.com/sbomcat/sbomcat/sqs"
	"github.com/sbomcat/sbomcat/worker"
)

// gcPercent is the worker's GOGC unless the environment sets one (GOGC and GOMEMLIMIT keep
// their meaning): a small SBOM's job allocates little but often, and at the default of 100
// the collector took about 8% of the worker's CPU on a stream of them; 400 collects a
// quarter as often for a few MB more heap. Large SBOMs are spooled and streamed, not held.
const gcPercent = 400

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	if len(os.Args) > 1 {
		// No flags: everything is in the environment, as in Lambda.
		fmt.Fprint(os.Stderr, usage)
		if os.Args[1] == "-h" || os.Args[1] == "-help" || os.Args[1] == "--help" {
			os.Exit(0)
		}
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "sbomworker:", err)
		os.Exit(1)
	}
}

const usage = `usage: sbomworker (configured by environment variables)

  SBOMCAT_QUEUE_URL           SQS queue URL (required)
  SBOMCAT_STORE               sqlite (default) or dynamodb
  SBOMCAT_SQLITE_PATH         SQLite database file (default .sbomd/catalog.db)
  SBOMCAT_TABLE               DynamoDB table (with SBOMCAT_STORE=dynamodb)
  SBOMCAT_CONCURRENCY         validations at once (default: two per CPU, at least 10)
  SBOMCAT_MAX_RECEIVE_COUNT   last delivery attempt (default: the queue's redrive policy)
  SBOMCAT_VISIBILITY_TIMEOUT  message visibility, extended while a validation runs (default 60s)
  SBOMCAT_WAIT_TIME           long-poll wait (default 20s)
  SBOMCAT_SHUTDOWN_GRACE      time for validations to finish after SIGTERM (default 20s)
  SBOMCAT_VALIDATION_TIMEOUT  bound on one validation (default 10m)
  SBOMCAT_REAP_AFTER          an association still IN_PROGRESS after this ends FAILED (default 2h)
  SBOMCAT_LOG_LEVEL           debug, info, warn or error (default info)
  SBOMCAT_PROFILE             aws (default) or strict
  SBOMCAT_MAX_OBJECT_BYTES, SBOMCAT_MAX_FILE_BYTES, SBOMCAT_MAX_TOTAL_BYTES, SBOMCAT_MAX_ENTRIES
  SBOMCAT_S3_USE_PATH_STYLE   true for S3 emulators
  AWS_REGION, AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL_SQS, AWS_ENDPOINT_URL_DYNAMODB,
  credentials ...             as for every AWS SDK

The SBOMWORKER_ names of the previous release (SBOMWORKER_TIMEOUT for
SBOMCAT_VALIDATION_TIMEOUT) still work for this release, with a warning; the SBOMCAT_ name wins.
`

// run works until ctx is done. Metrics go to stdout, logs to stderr.
func run(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer) error {
	c, err := wiring.WorkerFromEnv(getenv)
	if err != nil {
		return err
	}
	if c.QueueURL == "" {
		return errors.New(settings.EnvQueueURL + " is required")
	}
	log := c.Logger(stderr)
	awsCfg, err := awswiring.Load(ctx, "")
	if err != nil {
		return err
	}
	store, err := c.OpenStore(ctx, awsCfg)
	if err != nil {
		return err
	}
	defer store.Close()
	w := c.Worker(awsCfg, store, log, stdout)
	r := sbomsqs.NewRunner(awssqs.NewFromConfig(awsCfg), c.QueueURL, w, sbomsqs.RunnerOptions{
		Concurrency:       c.Concurrency,
		WaitTime:          c.WaitTime,
		VisibilityTimeout: c.VisibilityTimeout,
		MaxReceiveCount:   c.MaxReceiveCount,
		ShutdownGrace:     c.ShutdownGrace,
		Logger:            log,
	})
	// The reaper ends associations no delivery finished (a worker that died on the last
	// attempt, an event that reached the dead-letter queue unprocessed).
	reaper := &worker.Reaper{Store: store, MaxAge: c.ReapAfter, Logger: log}
	go reaper.Run(ctx, min(c.ReapAfter/4, 5*time.Minute))
	return r.Run(ctx)
}
