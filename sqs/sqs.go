// Package sqs carries association events over Amazon SQS (or an emulator): Publisher sends them
// for the API, Runner long-polls them for the worker outside Lambda. The event format and the
// consumer that turns a message into a worker job are package queue's, which imports no SDK;
// the Lambda handler (cmd/sbomworker-lambda) uses queue.Consumer directly.
package sqs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/internal/defaults"
	"github.com/sbomcat/sbomcat/internal/periodic"
	"github.com/sbomcat/sbomcat/internal/workers"
	"github.com/sbomcat/sbomcat/queue"
)

// Sender is the part of the SQS client Publisher uses; *awssqs.Client implements it.
type Sender interface {
	SendMessage(ctx context.Context, in *awssqs.SendMessageInput, opts ...func(*awssqs.Options)) (*awssqs.SendMessageOutput, error)
}

// Publisher publishes association events to an SQS queue: the API's queue (catalog.Enqueuer) when
// associations are validated by Lambda or by a worker long-polling SQS.
type Publisher struct {
	client Sender
	url    string
}

// NewPublisher returns a publisher to the queue at queueURL. A FIFO queue (its name ends in
// ".fifo") gets the version as message group, so that one version's associations are delivered
// in order, and the association id as deduplication id.
func NewPublisher(client Sender, queueURL string) *Publisher {
	return &Publisher{client: client, url: queueURL}
}

// Enqueue sends a's event. It is catalog.Enqueuer's method, so that a Publisher can be the API's
// queue as it is.
func (p *Publisher) Enqueue(ctx context.Context, a sbomcat.Association) error {
	body, err := queue.Encode(a)
	if err != nil {
		return err
	}
	in := &awssqs.SendMessageInput{QueueUrl: aws.String(p.url), MessageBody: aws.String(string(body))}
	if strings.HasSuffix(p.url, ".fifo") {
		in.MessageGroupId = aws.String(a.PackageName + "/" + a.VersionName)
		in.MessageDeduplicationId = aws.String(a.ID)
	}
	if _, err := p.client.SendMessage(ctx, in); err != nil {
		return fmt.Errorf("publish association %s: %w", a.ID, err)
	}
	return nil
}

// Receiver is the part of the SQS client the Runner uses; *awssqs.Client implements it.
type Receiver interface {
	ReceiveMessage(ctx context.Context, in *awssqs.ReceiveMessageInput, opts ...func(*awssqs.Options)) (*awssqs.ReceiveMessageOutput, error)
	DeleteMessageBatch(ctx context.Context, in *awssqs.DeleteMessageBatchInput, opts ...func(*awssqs.Options)) (*awssqs.DeleteMessageBatchOutput, error)
	ChangeMessageVisibility(ctx context.Context, in *awssqs.ChangeMessageVisibilityInput, opts ...func(*awssqs.Options)) (*awssqs.ChangeMessageVisibilityOutput, error)
	GetQueueAttributes(ctx context.Context, in *awssqs.GetQueueAttributesInput, opts ...func(*awssqs.Options)) (*awssqs.GetQueueAttributesOutput, error)
}

// RunnerOptions configure a Runner. Zero values mean the defaults below.
type RunnerOptions struct {
	// Concurrency is how many messages are processed at once (default DefaultConcurrency).
	Concurrency int
	// WaitTime is ReceiveMessage's long-poll wait, at most 20 s (default 20 s).
	WaitTime time.Duration
	// VisibilityTimeout is how long a received message stays hidden (default 60 s). While a job
	// runs, the runner extends it every third of that, so a long validation keeps its message
	// however long it takes, and a crashed worker's message comes back within this time.
	VisibilityTimeout time.Duration
	// MaxReceiveCount is the redrive policy's maxReceiveCount, which decides the last attempt.
	// 0 reads it from the queue's RedrivePolicy, or queue.DefaultMaxReceiveCount without one.
	MaxReceiveCount int
	// Backoff is how long a failed message stays hidden before its next delivery, given its
	// receive count (default queue.DefaultBackoff).
	Backoff func(receiveCount int) time.Duration
	// ShutdownGrace is how long jobs in progress may finish after Run's context is done
	// (default 20 s, within the 30 s that ECS and Kubernetes give after SIGTERM; at least
	// WaitTime plus a second). Jobs still running then are interrupted and their messages made
	// visible again at once.
	ShutdownGrace time.Duration
	// Logger; nil discards.
	Logger *slog.Logger
}

// DefaultConcurrency is RunnerOptions.Concurrency's default: two jobs per CPU, at least 10,
// SQS's largest receive. A small SBOM's job spends most of its time waiting on S3 and the
// store, and a receive asks for as many messages as there are free slots: with 4 slots on 2
// CPUs a receive brought about two messages, with 10 about five, and each validation cost
// fewer requests and less CPU (on fauxqs and dynalite, 2 shared CPUs: a backlog drained at
// 278–412/s against 243–323/s, end to end 178–243/s against 155–183/s; on SQLite, which
// commits concurrent writes together, no difference). Large SBOMs' validations are CPU-bound;
// each one's memory stays bounded (objects over a MiB are spooled to disk, and the engine
// streams in about 12 MiB for a 50 MB SBOM), so ten at once hold a little over 100 MiB.
func DefaultConcurrency() int { return max(10, 2*runtime.GOMAXPROCS(0)) }

// maxBatch is SQS's limit on messages per ReceiveMessage and entries per DeleteMessageBatch.
const maxBatch = 10

// Runner long-polls an SQS queue and hands each message to a queue.Processor: the worker's loop
// outside Lambda. A message is deleted when its job is finished and otherwise left to come back
// after a backoff, until the queue's redrive policy moves it to the dead-letter queue.
//
// Messages are received and deleted up to ten per request: each request to SQS costs about as
// much as a small SBOM's validation, so batching is most of the runner's throughput.
type Runner struct {
	client Receiver
	url    string
	proc   queue.Processor
	o      RunnerOptions
	log    *slog.Logger
}

// NewRunner returns a Runner on the queue at queueURL.
func NewRunner(client Receiver, queueURL string, p queue.Processor, o RunnerOptions) *Runner {
	o.Concurrency = defaults.Positive(o.Concurrency, DefaultConcurrency())
	if o.WaitTime <= 0 || o.WaitTime > 20*time.Second {
		o.WaitTime = 20 * time.Second
	}
	o.VisibilityTimeout = defaults.Positive(o.VisibilityTimeout, 60*time.Second)
	o.VisibilityTimeout = max(o.VisibilityTimeout.Round(time.Second), 3*time.Second)
	if o.Backoff == nil {
		o.Backoff = queue.DefaultBackoff
	}
	o.ShutdownGrace = defaults.Positive(o.ShutdownGrace, 20*time.Second)
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Runner{client: client, url: queueURL, proc: p, o: o, log: o.Logger.With("queue_url", queueURL)}
}

// MaxReceiveCount returns the redrive policy's maxReceiveCount of the queue, 0 if it has none.
func MaxReceiveCount(ctx context.Context, client Receiver, queueURL string) (int, error) {
	out, err := client.GetQueueAttributes(ctx, &awssqs.GetQueueAttributesInput{
		QueueUrl: aws.String(queueURL), AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameRedrivePolicy},
	})
	if err != nil {
		return 0, fmt.Errorf("queue attributes of %s: %w", queueURL, err)
	}
	policy := out.Attributes[string(types.QueueAttributeNameRedrivePolicy)]
	if policy == "" {
		return 0, nil
	}
	var rp struct {
		// SQS writes it as a number; the console and some tools as a string.
		MaxReceiveCount json.Number `json:"maxReceiveCount"`
	}
	if err := json.Unmarshal([]byte(policy), &rp); err != nil {
		return 0, fmt.Errorf("redrive policy of %s: %w", queueURL, err)
	}
	n, err := strconv.Atoi(rp.MaxReceiveCount.String())
	if err != nil {
		return 0, fmt.Errorf("redrive policy of %s: maxReceiveCount %q: %w", queueURL, rp.MaxReceiveCount, err)
	}
	return n, nil
}

// Run receives and processes messages until ctx is done, then lets jobs in progress finish
// within the shutdown grace and returns. It returns an error only if the queue cannot be used
// at all at start (it does not exist, or its attributes cannot be read).
func (r *Runner) Run(ctx context.Context) error {
	maxRC := r.o.MaxReceiveCount
	if maxRC <= 0 {
		n, err := MaxReceiveCount(ctx, r.client, r.url)
		if err != nil {
			return err
		}
		if maxRC = n; maxRC <= 0 {
			maxRC = queue.DefaultMaxReceiveCount
			r.log.Warn("queue has no redrive policy: poison messages will not reach a dead-letter queue", "assumed_max_receive_count", maxRC)
		}
	}
	consumer := &queue.Consumer{Processor: r.proc, MaxReceiveCount: maxRC, Logger: r.log}
	r.log.Info("runner started", "concurrency", r.o.Concurrency, "max_receive_count", maxRC, "visibility_timeout_s", r.o.VisibilityTimeout.Seconds())

	// Jobs run under work, which outlives ctx by the shutdown grace.
	work, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()
	// Finished messages are deleted in batches by one goroutine, which drains what is left
	// once every job has ended, even while shutting down.
	acks := make(chan ack, r.o.Concurrency+maxBatch)
	acked := make(chan struct{})
	go func() { defer close(acked); r.deleteLoop(work, acks) }()
	slots := make(chan struct{}, r.o.Concurrency)
	// A receive waits for half a batch of free slots (a batch: ten, or the concurrency when
	// lower), so that a busy runner asks for messages several at a time rather than one at a
	// time as single jobs end.
	batch := min(r.o.Concurrency, maxBatch)
	threshold := max(1, batch/2)
	// The jobs run on Concurrency goroutines kept for the runner's life (package workers). A
	// message is handed over only once it has a slot, so handing one over never blocks.
	var wg sync.WaitGroup
	jobs, stopWorkers := workers.Start(r.o.Concurrency, func(m types.Message) {
		r.handle(work, consumer, m, acks)
		<-slots
		wg.Done()
	})
	defer stopWorkers()
	pause := time.Duration(0)
	for ctx.Err() == nil {
		// Ask for as many messages as there are free slots, so that none waits invisible
		// behind a busy worker while another could take it.
		free := 0
		for free < threshold && ctx.Err() == nil {
			select {
			case slots <- struct{}{}:
				free++
			case <-ctx.Done():
			}
		}
	fill:
		for free < batch {
			select {
			case slots <- struct{}{}:
				free++
			default:
				break fill
			}
		}
		if ctx.Err() != nil {
			for range free {
				<-slots
			}
			break
		}
		msgs, err := r.receive(ctx, free)
		for range free - len(msgs) {
			<-slots
		}
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			// The queue is unreachable or throttling: back off instead of spinning.
			pause = min(max(2*pause, time.Second), 30*time.Second)
			r.log.Error("receive failed", "error", err.Error(), "retry_in_s", pause.Seconds())
			sleep(ctx, pause)
			continue
		}
		pause = 0
		for _, m := range msgs {
			wg.Add(1)
			jobs <- m
		}
	}

	// The long poll in progress was abandoned, but SQS may still hand it messages until its
	// wait time ends, and they would stay invisible for the visibility timeout: so interrupted
	// messages are released only after that, whatever the grace.
	grace := max(r.o.ShutdownGrace, r.o.WaitTime+time.Second)
	r.log.Info("runner stopping", "grace_s", grace.Seconds())
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(grace):
		r.log.Warn("shutdown grace over: interrupting jobs in progress")
		stopWork()
		<-done
	}
	close(acks)
	<-acked
	r.log.Info("runner stopped")
	return nil
}

func (r *Runner) receive(ctx context.Context, n int) ([]types.Message, error) {
	out, err := r.client.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{
		QueueUrl:                    aws.String(r.url),
		MaxNumberOfMessages:         int32(n),
		WaitTimeSeconds:             int32(r.o.WaitTime / time.Second),
		VisibilityTimeout:           int32(r.o.VisibilityTimeout / time.Second),
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameApproximateReceiveCount},
	})
	if err != nil {
		return nil, err
	}
	return out.Messages, nil
}

// handle processes one message, keeping it invisible while its job runs, and hands it to the
// deleter (acks) when its job is finished.
func (r *Runner) handle(work context.Context, c *queue.Consumer, m types.Message, acks chan<- ack) {
	id := aws.ToString(m.MessageId)
	rc, _ := strconv.Atoi(m.Attributes[string(types.MessageSystemAttributeNameApproximateReceiveCount)])
	log := r.log.With("message_id", id, "receive_count", rc)

	hbCtx, stopHB := context.WithCancel(work)
	var hb sync.WaitGroup
	hb.Add(1)
	go func() { defer hb.Done(); r.heartbeat(hbCtx, m.ReceiptHandle, log) }()
	err := c.Handle(work, queue.Message{ID: id, Body: aws.ToString(m.Body), ReceiveCount: rc})
	stopHB()
	hb.Wait()

	if err == nil {
		acks <- ack{id: id, receipt: m.ReceiptHandle}
		return
	}
	// Visibility changes must be sent even while shutting down.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(work), 10*time.Second)
	defer cancel()
	var pe *queue.PoisonError
	switch {
	case work.Err() != nil:
		// Interrupted by shutdown: hand it back at once for another worker (or this one after
		// a restart) to take.
		r.setVisibility(ctx, m.ReceiptHandle, 0, log)
	default:
		if !errors.As(err, &pe) {
			log.Warn("job failed; the message will be delivered again", "error", err.Error())
		}
		r.setVisibility(ctx, m.ReceiptHandle, r.o.Backoff(rc), log)
	}
}

// ack is a message whose job is finished, to delete.
type ack struct {
	id      string
	receipt *string
}

// ackLinger is how long the deleter waits for more finished messages to fill a batch. A
// message waiting to be deleted is still invisible, so waiting changes nothing but the size
// of the batches.
const ackLinger = 20 * time.Millisecond

// deleteLoop deletes the messages sent on acks, up to ten per request, until acks is closed
// and drained. Deletes are sent even after work is cancelled: a finished job's message that
// is not deleted is only validated again.
func (r *Runner) deleteLoop(work context.Context, acks <-chan ack) {
	ctx := context.WithoutCancel(work)
	linger := time.NewTimer(0)
	<-linger.C
	for first := range acks {
		batch := []ack{first}
		linger.Reset(ackLinger)
	fill:
		for len(batch) < maxBatch {
			select {
			case a, ok := <-acks:
				if !ok {
					break fill
				}
				batch = append(batch, a)
			case <-linger.C:
				break fill
			}
		}
		if !linger.Stop() {
			select {
			case <-linger.C:
			default:
			}
		}
		r.deleteBatch(ctx, batch)
	}
}

// deleteBatch deletes up to ten messages. A message that is not deleted comes back and is
// processed again, which changes nothing: failures are logged, not retried.
func (r *Runner) deleteBatch(ctx context.Context, batch []ack) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	entries := make([]types.DeleteMessageBatchRequestEntry, len(batch))
	for i, a := range batch {
		entries[i] = types.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: a.receipt}
	}
	out, err := r.client.DeleteMessageBatch(ctx, &awssqs.DeleteMessageBatchInput{QueueUrl: aws.String(r.url), Entries: entries})
	if err != nil {
		for _, a := range batch {
			r.log.Warn("delete failed; the message will be delivered again", "message_id", a.id, "error", err.Error())
		}
		return
	}
	for _, f := range out.Failed {
		id := aws.ToString(f.Id)
		if i, err := strconv.Atoi(id); err == nil && i >= 0 && i < len(batch) {
			id = batch[i].id
		}
		r.log.Warn("delete failed; the message will be delivered again", "message_id", id, "error", aws.ToString(f.Code)+": "+aws.ToString(f.Message))
	}
}

// heartbeat extends the message's visibility until ctx is done.
func (r *Runner) heartbeat(ctx context.Context, receipt *string, log *slog.Logger) {
	periodic.Every(ctx, r.o.VisibilityTimeout/3, func() { r.setVisibility(ctx, receipt, r.o.VisibilityTimeout, log) })
}

func (r *Runner) setVisibility(ctx context.Context, receipt *string, d time.Duration, log *slog.Logger) {
	secs := int32(min(d, 12*time.Hour) / time.Second) // SQS's maximum
	_, err := r.client.ChangeMessageVisibility(ctx, &awssqs.ChangeMessageVisibilityInput{
		QueueUrl: aws.String(r.url), ReceiptHandle: receipt, VisibilityTimeout: secs,
	})
	if err != nil && ctx.Err() == nil {
		log.Warn("changing visibility failed", "visibility_s", secs, "error", err.Error())
	}
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
