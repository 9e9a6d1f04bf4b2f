package queue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/internal/defaults"
)

// Job is one delivery of an association to a Processor (the worker). It is the queue's type,
// not the worker's, so that package queue imports no worker: the API, which publishes events
// (Encode), links neither the worker nor its validator.
type Job struct {
	Association sbomcat.Association
	// MessageID identifies the delivery for logs (an SQS message id); may be "".
	MessageID string
	// Attempt counts deliveries of this association, from 1.
	Attempt int
	// Last is set on the last delivery attempt: a transient failure is then recorded as FAILED
	// instead of being returned for a retry, so that no association stays IN_PROGRESS forever.
	Last bool
	// Current is set by a caller that has just found the association current and in progress
	// in the store (Local counts the attempt with a write conditional on both), so that
	// the worker need not read the version again before downloading.
	Current bool
}

// Processor does the work of one job; *worker.Worker implements it. Nil means the job is
// finished; an error means it should be delivered again.
type Processor interface {
	Process(ctx context.Context, job Job) error
}

// ProcessorFunc adapts a function to Processor.
type ProcessorFunc func(ctx context.Context, job Job) error

// Process calls f.
func (f ProcessorFunc) Process(ctx context.Context, job Job) error { return f(ctx, job) }

// Message is one delivery of a queue message, whatever brought it (the long-poll runner, or
// Lambda's SQS event source through cmd/sbomworker-lambda).
type Message struct {
	ID   string
	Body string
	// ReceiveCount is SQS's ApproximateReceiveCount: 1 on the first delivery.
	ReceiveCount int
}

// DefaultBackoff is how long a failed delivery waits before the next one, given its receive
// count: it doubles from 2 s up to 5 minutes. Local and the SQS runner (package sqs) both use it.
func DefaultBackoff(receiveCount int) time.Duration {
	d := 2 * time.Second
	for i := 1; i < receiveCount && d < 5*time.Minute; i++ {
		d *= 2
	}
	return min(d, 5*time.Minute)
}

// DefaultMaxReceiveCount is the number of deliveries assumed when neither configuration nor the
// queue's redrive policy says.
const DefaultMaxReceiveCount = 5

// Consumer turns messages into jobs for a Processor.
type Consumer struct {
	Processor Processor
	// MaxReceiveCount is the queue's redrive policy maxReceiveCount: a delivery with this
	// ApproximateReceiveCount or more is the last one, after which SQS moves the message to the
	// dead-letter queue. 0 means DefaultMaxReceiveCount.
	MaxReceiveCount int
	// Concurrency bounds HandleBatch's parallelism; 0 means the batch's size.
	Concurrency int
	// Logger; nil discards.
	Logger *slog.Logger
}

// PoisonError is a message that is not an association event. It is reported as a failure so
// that the queue's redrive policy moves it to the dead-letter queue, where it can be inspected;
// it never reaches the worker.
type PoisonError struct {
	MessageID string
	Err       error
}

func (e *PoisonError) Error() string { return fmt.Sprintf("poison message %s: %v", e.MessageID, e.Err) }
func (e *PoisonError) Unwrap() error { return e.Err }

// Handle processes one message: nil means delete it, an error means leave it for another
// delivery (or the dead-letter queue).
func (c *Consumer) Handle(ctx context.Context, m Message) error {
	log := c.logger()
	a, err := Decode([]byte(m.Body))
	if err != nil {
		log.Error("poison message: not an association event", "message_id", m.ID, "receive_count", m.ReceiveCount, "error", err.Error())
		return &PoisonError{MessageID: m.ID, Err: err}
	}
	limit := defaults.Positive(c.MaxReceiveCount, DefaultMaxReceiveCount)
	attempt := max(m.ReceiveCount, 1)
	return c.Processor.Process(ctx, Job{Association: a, MessageID: m.ID, Attempt: attempt, Last: attempt >= limit})
}

// HandleBatch processes messages concurrently and returns the ids of those that must be
// delivered again, in the batch's order. One message's failure never holds up the others.
func (c *Consumer) HandleBatch(ctx context.Context, msgs []Message) []string {
	n := c.Concurrency
	if n <= 0 || n > len(msgs) {
		n = len(msgs)
	}
	failed := make([]bool, len(msgs))
	sem := make(chan struct{}, max(n, 1))
	var wg sync.WaitGroup
	for i, m := range msgs {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			defer func() {
				// A panic in one job must not take the batch (and every other message's result)
				// down with it: that message alone is retried.
				if r := recover(); r != nil {
					c.logger().Error("job panicked", "message_id", m.ID, "panic", fmt.Sprint(r))
					failed[i] = true
				}
			}()
			if err := c.Handle(ctx, m); err != nil {
				failed[i] = true
				var pe *PoisonError
				if !errors.As(err, &pe) {
					c.logger().Warn("message will be delivered again", "message_id", m.ID, "receive_count", m.ReceiveCount, "error", err.Error())
				}
			}
		}()
	}
	wg.Wait()
	var ids []string
	for i, f := range failed {
		if f {
			ids = append(ids, msgs[i].ID)
		}
	}
	return ids
}

func (c *Consumer) logger() *slog.Logger {
	if c.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return c.Logger
}
