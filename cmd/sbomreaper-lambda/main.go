// Command sbomreaper-lambda ends associations that no worker finished, as an AWS Lambda function
// (runtime provided.al2023, build with -tags lambda.norpc) invoked on a schedule. The SQS worker
// retries and records a failure on the last delivery, but a worker killed during that delivery,
// or an event that reaches the dead-letter queue unprocessed, would leave a version IN_PROGRESS
// forever (docs/behaviour.md, "Unreadable SBOMs"); worker.Reaper records those FAILED once they
// are older than SBOMCAT_REAP_AFTER, which must exceed the queue's visibility timeout ×
// maxReceiveCount.
//
// Configuration is the worker binaries' environment (internal/wiring): the store settings and
// SBOMCAT_REAP_AFTER.
package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/sbomcat/sbomcat/internal/wiring"
	"github.com/sbomcat/sbomcat/worker"
)

func main() {
	ctx := context.Background()
	// The store stays open for the life of the sandbox: lambda.Start never returns.
	h, _, err := newHandler(ctx, os.Getenv, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sbomreaper-lambda:", err)
		os.Exit(1)
	}
	lambda.Start(h.Handle)
}

type handler struct{ reaper *worker.Reaper }

// result is what an invocation returns, for the function's logs and tests.
type result struct {
	Reaped int `json:"reaped"`
}

func newHandler(ctx context.Context, getenv func(string) string, stderr io.Writer) (*handler, func() error, error) {
	e, err := wiring.OpenWorkerFromEnv(ctx, getenv, stderr)
	if err != nil {
		return nil, nil, err
	}
	return &handler{reaper: &worker.Reaper{Store: e.Store, MaxAge: e.Config.ReapAfter, Logger: e.Log}}, e.Store.Close, nil
}

// Handle reaps once per scheduled event. An error makes Lambda report the invocation failed;
// the next schedule tries again.
func (h *handler) Handle(ctx context.Context, _ events.EventBridgeEvent) (result, error) {
	n, err := h.reaper.Reap(ctx)
	return result{Reaped: n}, err
}
