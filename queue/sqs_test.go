package queue_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/internal/testkit"
	"github.com/sbomcat/sbomcat/queue"
	"github.com/sbomcat/sbomcat/sqlite"
	sbomsqs "github.com/sbomcat/sbomcat/sqs"
	"github.com/sbomcat/sbomcat/validator"
	"github.com/sbomcat/sbomcat/worker"
	"github.com/sbomcat/sbomcat/worker/workertest"
)

const bucket = "sboms"

// loop is the whole asynchronous path on real engines: fauxqs for SQS, gofakes3 for S3, an
// SQLite store, and the real worker.
type loop struct {
	s3      *workertest.S3Server
	sqs     *workertest.SQSServer
	q       workertest.Queue
	client  *countingSQS
	store   *sqlite.Store
	w       *worker.Worker
	pub     *sbomsqs.Publisher
	metrics *testkit.Buffer
}

func newLoop(t testing.TB, maxReceiveCount int, configure func(*worker.Config)) *loop {
	t.Helper()
	l := &loop{s3: workertest.StartS3(t), sqs: workertest.StartSQS(t), metrics: &testkit.Buffer{}}
	l.store, _ = workertest.OpenStore(t)
	l.s3.CreateBucket(t, bucket)
	l.q = l.sqs.CreateQueue(t, "associations", maxReceiveCount, 30)
	l.client = &countingSQS{Client: l.sqs.Client()}
	l.pub = sbomsqs.NewPublisher(l.client, l.q.URL)
	cfg := workertest.WorkerConfig(t, l.store, l.s3, l.metrics)
	if configure != nil {
		configure(&cfg)
	}
	l.w = worker.New(cfg)
	return l
}

// run starts a Runner until the returned stop is called (or the test ends).
func (l *loop) run(t *testing.T, o sbomsqs.RunnerOptions) (stop func()) {
	t.Helper()
	if o.WaitTime == 0 {
		o.WaitTime = time.Second
	}
	if o.Backoff == nil {
		o.Backoff = func(int) time.Duration { return 0 }
	}
	o.Logger = testkit.Logger(t)
	ctx, cancel := context.WithCancel(context.Background())
	r := sbomsqs.NewRunner(l.client, l.q.URL, l.w, o)
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	return stopper(t, "Run", cancel, func() error { return <-done })
}

// associate creates version fw/<version>, stores body as key and associates it, as the API
// does: Store.Associate, then Publish.
func (l *loop) associate(t *testing.T, version, key string, body []byte) sbomcat.Association {
	t.Helper()
	if _, err := l.store.GetVersion(context.Background(), "fw", version); err != nil {
		workertest.CreateVersion(t, l.store, "fw", version)
	}
	v := l.s3.Put(t, bucket, key, body)
	a := workertest.Associate(t, l.store, "fw", version, sbomcat.S3Location{Bucket: bucket, Key: key, Version: v})
	if err := l.pub.Enqueue(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	return a
}

func (l *loop) status(t *testing.T, version string) (sbomcat.ValidationStatus, []sbomcat.FileResult) {
	t.Helper()
	return workertest.Status(t, l.store, "fw", version)
}

func (l *loop) waitStatus(t *testing.T, version string, want sbomcat.ValidationStatus) []sbomcat.FileResult {
	t.Helper()
	var got []sbomcat.FileResult
	workertest.Eventually(t, 30*time.Second, "fw/"+version+" to be "+string(want), func() bool {
		var s sbomcat.ValidationStatus
		s, got = l.status(t, version)
		return s == want
	})
	return got
}

// waitDrained waits until the queue has no message, visible or in flight.
func (l *loop) waitDrained(t *testing.T, url string) {
	t.Helper()
	l.sqs.WaitDrained(t, url, 30*time.Second)
}

func (l *loop) receiveDLQ(t *testing.T) []string {
	t.Helper()
	out, err := l.sqs.Client().ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{
		QueueUrl: aws.String(l.q.DLQURL), MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
	if err != nil {
		t.Fatal(err)
	}
	var bodies []string
	for _, m := range out.Messages {
		bodies = append(bodies, aws.ToString(m.Body))
	}
	return bodies
}

func (l *loop) sendRaw(t *testing.T, body string) {
	t.Helper()
	if _, err := l.sqs.Client().SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: aws.String(l.q.URL), MessageBody: aws.String(body)}); err != nil {
		t.Fatal(err)
	}
}

// countingSQS is the real client, counting visibility changes, and the receives that brought
// messages and the deletes with the messages they deleted.
type countingSQS struct {
	*sqs.Client
	visibilityChanges           atomic.Int64
	receives, received          atomic.Int64
	deleteBatches, deletedInAll atomic.Int64
}

func (c *countingSQS) ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, opts ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error) {
	out, err := c.Client.ReceiveMessage(ctx, in, opts...)
	if err == nil && len(out.Messages) > 0 {
		c.receives.Add(1)
		c.received.Add(int64(len(out.Messages)))
	}
	return out, err
}

func (c *countingSQS) DeleteMessageBatch(ctx context.Context, in *sqs.DeleteMessageBatchInput, opts ...func(*sqs.Options)) (*sqs.DeleteMessageBatchOutput, error) {
	out, err := c.Client.DeleteMessageBatch(ctx, in, opts...)
	if err == nil {
		c.deleteBatches.Add(1)
		c.deletedInAll.Add(int64(len(out.Successful)))
	}
	return out, err
}

func (c *countingSQS) ChangeMessageVisibility(ctx context.Context, in *sqs.ChangeMessageVisibilityInput, opts ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error) {
	c.visibilityChanges.Add(1)
	return c.Client.ChangeMessageVisibility(ctx, in, opts...)
}

// TestSQSEndToEnd publishes associations of every kind, plus a poison message, and checks the
// results each version ends with, that the queue drains, and that only the poison message
// reaches the dead-letter queue.
func TestSQSEndToEnd(t *testing.T) {
	l := newLoop(t, 2, func(c *worker.Config) { c.Validator.Limits = validator.Limits{MaxObjectBytes: 64 << 10} })
	cdx, spdx, bad := testkit.ReadFixture(t, "cdx16-valid.json"), testkit.ReadFixture(t, "spdx23-valid.json"), testkit.ReadFixture(t, "not-sbom.json")
	cases := []struct {
		version, key string
		body         []byte
		status       sbomcat.ValidationStatus
		files        []string
		code         sbomcat.ErrorCode
	}{
		{"1", "fw/1/sbom.json", cdx, sbomcat.StatusSucceeded, []string{"sbom.json"}, ""},
		{"2", "fw/2/bundle.zip", testkit.Zip(t, "cdx.json", cdx, "spdx.json", spdx), sbomcat.StatusSucceeded, []string{"cdx.json", "spdx.json"}, ""},
		{"3", "fw/3/bad.json", bad, sbomcat.StatusFailed, []string{"bad.json"}, sbomcat.ErrorIncompatibleFormat},
		{"4", "fw/4/huge.json", bytes.Repeat([]byte{' '}, 100<<10), sbomcat.StatusFailed, []string{"huge.json"}, sbomcat.ErrorFileSizeLimitExceeded},
	}
	l.sendRaw(t, "this is not an event")
	for _, c := range cases {
		l.associate(t, c.version, c.key, c.body)
	}
	// An association whose object is deleted before the worker gets to it.
	workertest.CreateVersion(t, l.store, "fw", "5")
	v := l.s3.Put(t, bucket, "fw/5/gone.json", cdx)
	l.s3.DeleteVersion(t, bucket, "fw/5/gone.json", v)
	a := workertest.Associate(t, l.store, "fw", "5", sbomcat.S3Location{Bucket: bucket, Key: "fw/5/gone.json", Version: v})
	if err := l.pub.Enqueue(context.Background(), a); err != nil {
		t.Fatal(err)
	}

	l.run(t, sbomsqs.RunnerOptions{Concurrency: 2})
	for _, c := range cases {
		got := l.waitStatus(t, c.version, c.status)
		var files []string
		for _, r := range got {
			files = append(files, r.FileName)
			if !r.Succeeded() && r.ErrorCode != c.code {
				t.Errorf("fw/%s: %s has code %q, want %q", c.version, r.FileName, r.ErrorCode, c.code)
			}
		}
		if fmt.Sprint(files) != fmt.Sprint(c.files) {
			t.Errorf("fw/%s: files %v, want %v", c.version, files, c.files)
		}
	}
	got := l.waitStatus(t, "5", sbomcat.StatusFailed)
	if len(got) != 1 || got[0].FileName != "gone.json" || got[0].ErrorCode != "" || !strings.Contains(got[0].ErrorMessage, "does not exist") {
		t.Errorf("deleted object: results %+v", got)
	}
	l.waitDrained(t, l.q.URL)
	if dlq := l.receiveDLQ(t); len(dlq) != 1 || dlq[0] != "this is not an event" {
		t.Errorf("dead-letter queue holds %q, want only the poison message", dlq)
	}
	// The oversize object's body is closed unread (the server may have sent some of it already).
	seen := false
	for line := range strings.Lines(l.metrics.String()) {
		var doc struct {
			Version string `json:"versionName"`
			Bytes   int64
		}
		if err := json.Unmarshal([]byte(line), &doc); err != nil {
			t.Fatalf("metrics line %q: %v", line, err)
		}
		if doc.Version == "4" {
			seen = true
			if doc.Bytes != 0 {
				t.Errorf("fw/4: %d bytes of the oversize object read, want none", doc.Bytes)
			}
		}
	}
	if !seen {
		t.Error("no metrics for fw/4, the oversize object")
	}
	if n := l.s3.Heads(); n != 0 {
		t.Errorf("%d HEAD requests, want none: GET's stated length is the size", n)
	}
}

// TestSQSBatches: a backlog is received and deleted several messages per request, and every
// message is deleted once its validation is recorded.
func TestSQSBatches(t *testing.T) {
	l := newLoop(t, 3, nil)
	cdx := testkit.ReadFixture(t, "cdx16-valid.json")
	const n = 30
	for i := range n {
		l.associate(t, fmt.Sprint(i), "sbom.json", cdx)
	}
	l.run(t, sbomsqs.RunnerOptions{Concurrency: 10})
	for i := range n {
		l.waitStatus(t, fmt.Sprint(i), sbomcat.StatusSucceeded)
	}
	l.waitDrained(t, l.q.URL)
	workertest.Eventually(t, 10*time.Second, "every message deleted", func() bool { return l.client.deletedInAll.Load() == n })
	if r, m := l.client.receives.Load(), l.client.received.Load(); m != n || r >= n {
		t.Errorf("%d messages in %d receives, want %d in fewer", m, r, n)
	}
	if d := l.client.deleteBatches.Load(); d >= n {
		t.Errorf("%d messages deleted in %d requests, want fewer", n, d)
	}
}

// TestSQSDuplicateDelivery sends the same event twice: one set of results.
func TestSQSDuplicateDelivery(t *testing.T) {
	l := newLoop(t, 3, nil)
	a := l.associate(t, "1", "b.zip", testkit.Zip(t, "a.json", testkit.ReadFixture(t, "cdx16-valid.json"), "b.json", testkit.ReadFixture(t, "not-sbom.json")))
	if err := l.pub.Enqueue(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	l.run(t, sbomsqs.RunnerOptions{Concurrency: 2})
	l.waitDrained(t, l.q.URL)
	status, got := l.status(t, "1")
	if status != sbomcat.StatusFailed || len(got) != 2 {
		t.Errorf("status %s, results %+v; want FAILED with 2 results", status, got)
	}
	if n := strings.Count(l.metrics.String(), `"Validations":1`); n != 2 {
		t.Errorf("%d validations, want 2 (one per delivery)", n)
	}
}

// TestSQSSupersededMidValidation re-associates a version while its first SBOM is being
// downloaded: the first results are discarded, the second stand, both messages are deleted.
func TestSQSSupersededMidValidation(t *testing.T) {
	l := newLoop(t, 3, nil)
	started, release := l.s3.HoldFirstGet("/old.json")
	l.associate(t, "1", "old.json", testkit.ReadFixture(t, "not-sbom.json"))
	l.run(t, sbomsqs.RunnerOptions{Concurrency: 2})
	<-started
	l.associate(t, "1", "new.json", testkit.ReadFixture(t, "cdx16-valid.json"))
	l.waitStatus(t, "1", sbomcat.StatusSucceeded)
	close(release)
	l.waitDrained(t, l.q.URL)
	status, got := l.status(t, "1")
	if status != sbomcat.StatusSucceeded || len(got) != 1 || got[0].FileName != "new.json" {
		t.Errorf("status %s, results %+v; want the new association's", status, got)
	}
	if !strings.Contains(l.metrics.String(), `"Outcome":"DISCARDED"`) {
		t.Error("the superseded validation was not discarded")
	}
}

// TestSQSTransientFailures takes S3 away. With S3 back before the attempts run out, the
// validation succeeds; without, the last attempt records FAILED, the message is deleted and
// nothing reaches the dead-letter queue.
func TestSQSTransientFailures(t *testing.T) {
	cdx := testkit.ReadFixture(t, "cdx16-valid.json")
	t.Run("S3 restarted", func(t *testing.T) {
		l := newLoop(t, 50, nil)
		l.associate(t, "1", "sbom.json", cdx)
		l.s3.Stop()
		l.run(t, sbomsqs.RunnerOptions{Backoff: func(int) time.Duration { return time.Second }})
		workertest.Eventually(t, 30*time.Second, "a failed attempt", func() bool {
			return strings.Contains(l.metrics.String(), `"Outcome":"RETRY"`)
		})
		if status, _ := l.status(t, "1"); status != sbomcat.StatusInProgress {
			t.Fatalf("status %s while S3 is down, want IN_PROGRESS", status)
		}
		l.s3.Start(t)
		l.waitStatus(t, "1", sbomcat.StatusSucceeded)
		l.waitDrained(t, l.q.URL)
	})
	t.Run("last attempt", func(t *testing.T) {
		l := newLoop(t, 3, nil)
		l.associate(t, "1", "dir/sbom.json", cdx)
		l.s3.Stop()
		l.run(t, sbomsqs.RunnerOptions{})
		got := l.waitStatus(t, "1", sbomcat.StatusFailed)
		if len(got) != 1 || got[0].FileName != "sbom.json" || got[0].ErrorCode != "" ||
			!strings.Contains(got[0].ErrorMessage, "Validation could not complete after 3 attempts") {
			t.Errorf("results %+v", got)
		}
		l.waitDrained(t, l.q.URL)
		if dlq := l.receiveDLQ(t); len(dlq) != 0 {
			t.Errorf("dead-letter queue holds %q; the last attempt should have finished the job", dlq)
		}
		if n := strings.Count(l.metrics.String(), `"Outcome":"RETRY"`); n != 2 {
			t.Errorf("%d retries before the last attempt, want 2", n)
		}
	})
}

// TestSQSVisibilityExtended holds a validation for longer than the visibility timeout: the
// runner must keep the message invisible (no second delivery) and delete it at the end.
func TestSQSVisibilityExtended(t *testing.T) {
	l := newLoop(t, 5, nil)
	started, release := l.s3.HoldFirstGet("")
	l.associate(t, "1", "sbom.json", testkit.ReadFixture(t, "cdx16-valid.json"))
	var calls atomic.Int64
	counted := queue.ProcessorFunc(func(ctx context.Context, j queue.Job) error {
		calls.Add(1)
		return l.w.Process(ctx, j)
	})
	r := sbomsqs.NewRunner(l.client, l.q.URL, counted, sbomsqs.RunnerOptions{VisibilityTimeout: 3 * time.Second, WaitTime: time.Second, Logger: testkit.Logger(t)})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	defer func() { cancel(); <-done }()
	<-started
	// Four extensions of a 3 s timeout, every second: the message has been held past its
	// original visibility, and would have been delivered again without them.
	workertest.Eventually(t, 30*time.Second, "visibility extensions", func() bool { return l.client.visibilityChanges.Load() >= 4 })
	if v, f := l.sqs.Counts(t, l.q.URL); v != 0 || f != 1 {
		t.Errorf("while held: %d visible, %d in flight; want 0, 1", v, f)
	}
	close(release)
	l.waitStatus(t, "1", sbomcat.StatusSucceeded)
	l.waitDrained(t, l.q.URL)
	if n := calls.Load(); n != 1 {
		t.Errorf("processed %d times, want once", n)
	}
}

// TestSQSGracefulShutdown stops the runner while a validation runs: within the grace it
// finishes and its message is deleted; past the grace it is interrupted and its message made
// visible again at once, the version still IN_PROGRESS for the next worker.
func TestSQSGracefulShutdown(t *testing.T) {
	for _, finish := range []bool{true, false} {
		t.Run(fmt.Sprintf("finishes=%v", finish), func(t *testing.T) {
			l := newLoop(t, 5, nil)
			started, release := l.s3.HoldFirstGet("")
			l.associate(t, "1", "sbom.json", testkit.ReadFixture(t, "cdx16-valid.json"))
			grace := time.Hour
			if !finish {
				grace = time.Millisecond
			}
			stop := l.run(t, sbomsqs.RunnerOptions{ShutdownGrace: grace})
			<-started
			stopped := make(chan struct{})
			go func() { stop(); close(stopped) }()
			if finish {
				close(release)
				<-stopped
				if status, _ := l.status(t, "1"); status != sbomcat.StatusSucceeded {
					t.Errorf("status %s, want SUCCEEDED", status)
				}
				l.waitDrained(t, l.q.URL)
				return
			}
			<-stopped // the grace is over: the job was interrupted
			close(release)
			if status, _ := l.status(t, "1"); status != sbomcat.StatusInProgress {
				t.Errorf("status %s, want IN_PROGRESS", status)
			}
			workertest.Eventually(t, 10*time.Second, "the message to be visible again", func() bool {
				v, _ := l.sqs.Counts(t, l.q.URL)
				return v == 1
			})
			// A new runner finishes the job.
			l.run(t, sbomsqs.RunnerOptions{})
			l.waitStatus(t, "1", sbomcat.StatusSucceeded)
			l.waitDrained(t, l.q.URL)
		})
	}
}

func TestRunnerFailsOnMissingQueue(t *testing.T) {
	s := workertest.StartSQS(t)
	r := sbomsqs.NewRunner(s.Client(), s.URL+"/000000000000/nope", queue.ProcessorFunc(func(context.Context, queue.Job) error { return nil }), sbomsqs.RunnerOptions{})
	if err := r.Run(context.Background()); err == nil {
		t.Fatal("Run on a missing queue succeeded")
	}
}
