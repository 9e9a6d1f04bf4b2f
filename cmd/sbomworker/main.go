// Command sbomworker validates SBOM associations from an SQS queue outside Lambda (a container,
// a VM, or next to LocalStack): it long-polls the queue, validates each association's SBOM from
// S3, and records the results in the catalog store.
//
//	SBOMWORKER_QUEUE_URL=https://sqs.us-east-1.amazonaws.com/123456789012/sbom-associations \
//	SBOMWORKER_STORE=dynamodb SBOMWORKER_TABLE=sbomcat sbomworker
//
// Configuration is environment only; `sbomworker -h` lists the variables (package
// workerconfig). SIGTERM or SIGINT stops it gracefully: no new messages are taken, validations
// in progress get SBOMWORKER_SHUTDOWN_GRACE to finish, and the messages of any still running are
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
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/sbomcat/sbomcat/queue"
	sbomsqs "github.com/sbomcat/sbomcat/sqs"
	"github.com/sbomcat/sbomcat/worker"
	"github.com/sbomcat/sbomcat/worker/workerconfig"
)

func main() {
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

  SBOMWORKER_QUEUE_URL          SQS queue URL (required)
  SBOMWORKER_STORE              sqlite (default) or dynamodb
  SBOMWORKER_SQLITE_PATH        SQLite database file (default .sbomd/catalog.db)
  SBOMWORKER_TABLE              DynamoDB table (with SBOMWORKER_STORE=dynamodb)
  SBOMWORKER_CONCURRENCY        validations at once (default: number of CPUs)
  SBOMWORKER_MAX_RECEIVE_COUNT  last delivery attempt (default: the queue's redrive policy)
  SBOMWORKER_VISIBILITY_TIMEOUT message visibility, extended while a validation runs (default 60s)
  SBOMWORKER_WAIT_TIME          long-poll wait (default 20s)
  SBOMWORKER_SHUTDOWN_GRACE     time for validations to finish after SIGTERM (default 20s)
  SBOMWORKER_TIMEOUT            bound on one validation (default 10m)
  SBOMWORKER_REAP_AFTER         an association still IN_PROGRESS after this ends FAILED (default 2h)
  SBOMWORKER_LOG_LEVEL          debug, info, warn or error (default info)
  SBOMCAT_PROFILE               aws (default) or strict
  SBOMCAT_MAX_OBJECT_BYTES, SBOMCAT_MAX_FILE_BYTES, SBOMCAT_MAX_TOTAL_BYTES, SBOMCAT_MAX_ENTRIES
  SBOMCAT_S3_USE_PATH_STYLE     true for S3 emulators
  AWS_REGION, AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL_SQS, AWS_ENDPOINT_URL_DYNAMODB,
  credentials ...               as for every AWS SDK
`

// run works until ctx is done. Metrics go to stdout, logs to stderr.
func run(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer) error {
	c, err := workerconfig.FromEnv(getenv)
	if err != nil {
		return err
	}
	if c.QueueURL == "" {
		return errors.New(workerconfig.EnvQueueURL + " is required")
	}
	log := c.Logger(stderr)
	awsCfg, err := workerconfig.AWS(ctx)
	if err != nil {
		return err
	}
	store, err := c.OpenStore(ctx, awsCfg)
	if err != nil {
		return err
	}
	defer store.Close()
	w := c.Worker(awsCfg, store, log, stdout)
	r := sbomsqs.NewRunner(sqs.NewFromConfig(awsCfg), c.QueueURL, w, sbomsqs.RunnerOptions{
		Concurrency:       c.Concurrency,
		WaitTime:          c.WaitTime,
		VisibilityTimeout: c.VisibilityTimeout,
		MaxReceiveCount:   c.MaxReceiveCount,
		ShutdownGrace:     c.ShutdownGrace,
		Logger:            log,
	})
	// The reaper ends associations no delivery finished (a worker that died on the last
	// attempt, an event that reached the dead-letter queue unprocessed).
	reapAfter := c.ReapAfter
	if reapAfter == 0 {
		reapAfter = workerconfig.DefaultReapAfter
	}
	reaper := &worker.Reaper{Store: store, MaxAge: reapAfter, Logger: log}
	go reaper.Run(ctx, min(reapAfter/4, 5*time.Minute))
	return r.Run(ctx)
}
