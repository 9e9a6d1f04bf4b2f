// Command sbomworker-lambda is the validation worker as an AWS Lambda function (runtime
// provided.al2023, build with -tags lambda.norpc) behind an SQS event source mapping with
// FunctionResponseTypes=["ReportBatchItemFailures"]. It turns each batch into worker jobs and
// reports the messages to retry as BatchItemFailures; everything else is package queue's and
// package worker's, which know nothing of Lambda.
//
// Configuration is the worker binaries' environment (internal/wiring, the README's table); set
// SBOMCAT_MAX_RECEIVE_COUNT to the queue's redrive maxReceiveCount (default 5) so that the last attempt records a failure
// instead of leaving the version IN_PROGRESS.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/sbomcat/sbomcat/internal/wiring"
	"github.com/sbomcat/sbomcat/queue"
)

func main() {
	ctx := context.Background()
	// The store stays open for the life of the sandbox: lambda.Start never returns, and Lambda
	// ends the process without warning, so there is no point at which to close it.
	h, _, err := newHandler(ctx, os.Getenv, os.Stdout, os.Stderr)
	if err != nil {
		// An init error: Lambda reports it and retries the batch later.
		fmt.Fprintln(os.Stderr, "sbomworker-lambda:", err)
		os.Exit(1)
	}
	lambda.Start(h.Handle)
}

// handler adapts SQS events to a queue.Consumer.
type handler struct {
	consumer *queue.Consumer
	// margin is kept free before the invocation's deadline, so that the function can still
	// report which messages failed rather than be killed and have the whole batch retried.
	margin time.Duration
}

func newHandler(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer) (*handler, func() error, error) {
	e, err := wiring.OpenWorkerFromEnv(ctx, getenv, stderr)
	if err != nil {
		return nil, nil, err
	}
	c := e.Config
	w := c.Worker(e.AWS, e.Store, e.Log, stdout)
	return &handler{
		consumer: &queue.Consumer{Processor: w, MaxReceiveCount: c.MaxReceiveCount, Concurrency: c.Concurrency, Logger: e.Log},
		margin:   2 * time.Second,
	}, e.Store.Close, nil
}

// Handle processes a batch. It returns no error: a failure of one message is reported for that
// message alone, which is what ReportBatchItemFailures is for.
func (h *handler) Handle(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	if dl, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, dl.Add(-min(h.margin, time.Until(dl)/10)))
		defer cancel()
	}
	msgs := make([]queue.Message, len(ev.Records))
	for i, r := range ev.Records {
		n, _ := strconv.Atoi(r.Attributes["ApproximateReceiveCount"])
		msgs[i] = queue.Message{ID: r.MessageId, Body: r.Body, ReceiveCount: n}
	}
	var resp events.SQSEventResponse
	for _, id := range h.consumer.HandleBatch(ctx, msgs) {
		resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: id})
	}
	return resp, nil
}
