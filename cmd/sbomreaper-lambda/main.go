// Command sbomreaper-lambda ends associations that no worker finished, as an AWS Lambda function
// (runtime provided.al2023, build with -tags lambda.norpc) invoked on a schedule. The SQS worker
// retries and records a failure on the last delivery, but a worker killed during that delivery,
// or an event that reaches the dead-letter queue unprocessed, would leave a version IN_PROGRESS
// forever (decisions item 9); worker.Reaper records those FAILED once they are older than
// SBOMWORKER_REAP_AFTER, which must exceed the queue's visibility timeout × maxReceiveCount.
//
// Configuration is the environment of package workerconfig (the store settings and
// SBOMWORKER_REAP_AFTER).
package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/sbomcat/sbomcat/worker"
	"github.com/sbomcat/sbomcat/worker/workerconfig"
)

func main() {
	ctx := context.Background()
	h, closeStore, err := newHandler(ctx, os.Getenv, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sbomreaper-lambda:", err)
		os.Exit(1)
	}
	defer closeStore()
	lambda.Start(h.Handle)
}

type handler struct{ reaper *worker.Reaper }

// result is what an invocation returns, for the function's logs and tests.
type result struct {
	Reaped int `json:"reaped"`
}

func newHandler(ctx context.Context, getenv func(string) string, stderr io.Writer) (*handler, func() error, error) {
	c, err := workerconfig.FromEnv(getenv)
	if err != nil {
		return nil, nil, err
	}
	awsCfg, err := workerconfig.AWS(ctx)
	if err != nil {
		return nil, nil, err
	}
	store, err := c.OpenStore(ctx, awsCfg)
	if err != nil {
		return nil, nil, err
	}
	maxAge := c.ReapAfter
	if maxAge == 0 {
		maxAge = workerconfig.DefaultReapAfter
	}
	return &handler{reaper: &worker.Reaper{Store: store, MaxAge: maxAge, Logger: c.Logger(stderr)}}, store.Close, nil
}

// Handle reaps once per scheduled event. An error makes Lambda report the invocation failed;
// the next schedule tries again.
func (h *handler) Handle(ctx context.Context, _ events.EventBridgeEvent) (result, error) {
	n, err := h.reaper.Reap(ctx)
	return result{Reaped: n}, err
}
