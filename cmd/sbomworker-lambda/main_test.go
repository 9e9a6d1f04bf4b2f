package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/deploy/lambdatest"
	"github.com/sbomcat/sbomcat/dynamodb"
	"github.com/sbomcat/sbomcat/internal/testkit"
	"github.com/sbomcat/sbomcat/queue"
	sbomsqs "github.com/sbomcat/sbomcat/sqs"
	"github.com/sbomcat/sbomcat/worker/workertest"
)

const bucket = "sboms"

func setenv(t *testing.T, env []string) {
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
}

func record(t *testing.T, id string, a sbomcat.Association, receiveCount int) events.SQSMessage {
	t.Helper()
	body, err := queue.Encode(a)
	if err != nil {
		t.Fatal(err)
	}
	return events.SQSMessage{MessageId: id, ReceiptHandle: "rh-" + id, Body: string(body), EventSource: "aws:sqs",
		EventSourceARN: "arn:aws:sqs:us-east-1:000000000000:associations",
		Attributes:     map[string]string{"ApproximateReceiveCount": strconv.Itoa(receiveCount)}}
}

// flakyS3 is S3 with two buckets: bucket, and "flaky", whose every request fails with 503
// SlowDown (a transient failure the worker retries).
type flakyS3 struct {
	*workertest.S3Server
	fault func(r *http.Request) (int, string)
}

func startFlakyS3(t *testing.T) *flakyS3 {
	s := &flakyS3{S3Server: workertest.StartS3(t), fault: func(r *http.Request) (int, string) {
		if strings.HasPrefix(r.URL.Path, "/flaky/") {
			return http.StatusServiceUnavailable, "SlowDown"
		}
		return 0, ""
	}}
	s.CreateBucket(t, bucket)
	s.CreateBucket(t, "flaky")
	s.Fault.Store(&s.fault)
	return s
}

// associate creates version fw/version in store and associates bucket/key with it. A body is
// stored there first, with the fault off; a nil body leaves the object missing.
func (s *flakyS3) associate(t *testing.T, store sbomcat.Store, version, bucket, key string, body []byte) sbomcat.Association {
	workertest.CreateVersion(t, store, "fw", version)
	v := "unknown"
	if body != nil {
		s.Fault.Store(nil)
		v = s.Put(t, bucket, key, body)
		s.Fault.Store(&s.fault)
	}
	return workertest.Associate(t, store, "fw", version, sbomcat.S3Location{Bucket: bucket, Key: key, Version: v})
}

// wantStatus is a version's expected validation status and, once final, the text its one
// result's message contains.
type wantStatus struct {
	version string
	status  sbomcat.ValidationStatus
	message string
}

func wantStatuses(t *testing.T, store sbomcat.Store, wants []wantStatus) {
	t.Helper()
	for _, w := range wants {
		status, got := workertest.Status(t, store, "fw", w.version)
		final := status != sbomcat.StatusInProgress
		if status != w.status || final && (len(got) != 1 || !strings.Contains(got[0].ErrorMessage, w.message)) {
			t.Errorf("fw/%s: status %s, results %+v; want %s with one result %q", w.version, status, got, w.status, w.message)
		}
	}
}

// TestHandleReportsExactlyTheMessagesToRetry calls the handler directly with a batch of every
// kind, on the real worker, gofakes3 and SQLite.
func TestHandleReportsExactlyTheMessagesToRetry(t *testing.T) {
	s3 := startFlakyS3(t)
	store, dbPath := workertest.OpenStore(t)
	aws := workertest.AWSEnv("AWS_ENDPOINT_URL_S3="+s3.URL, "AWS_MAX_ATTEMPTS=1", "SBOMCAT_S3_USE_PATH_STYLE=true")
	setenv(t, aws) // the SDK's clients look at AWS_ENDPOINT_URL themselves
	env := map[string]string{"SBOMCAT_SQLITE_PATH": dbPath, "SBOMCAT_MAX_RECEIVE_COUNT": "3"}
	for _, kv := range aws {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	getenv := func(k string) string { return env[k] }
	var stdout, stderr bytes.Buffer
	h, closeStore, err := newHandler(context.Background(), getenv, &stdout, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	defer closeStore()

	assoc := func(version, b, key string, body []byte) sbomcat.Association {
		return s3.associate(t, store, version, b, key, body)
	}
	cdx := testkit.ReadFixture(t, "cdx16-valid.json")
	ok := assoc("ok", bucket, "ok.json", cdx)
	transient := assoc("transient", "flaky", "t.json", cdx)
	last := assoc("last", "flaky", "last.json", cdx)
	gone := assoc("gone", bucket, "gone.json", nil)
	ev := events.SQSEvent{Records: []events.SQSMessage{
		record(t, "m-ok", ok, 1),
		{MessageId: "m-poison", Body: `{"hello":"world"}`, Attributes: map[string]string{"ApproximateReceiveCount": "1"}},
		record(t, "m-transient", transient, 1),
		record(t, "m-last", last, 3),
		record(t, "m-gone", gone, 1),
	}}
	resp, err := h.Handle(context.Background(), ev)
	if err != nil {
		t.Fatalf("Handle: %v", err)
	}
	var failed []string
	for _, f := range resp.BatchItemFailures {
		failed = append(failed, f.ItemIdentifier)
	}
	if want := []string{"m-poison", "m-transient"}; !slices.Equal(failed, want) {
		t.Errorf("BatchItemFailures %v, want %v", failed, want)
	}
	wantStatuses(t, store, []wantStatus{
		{"ok", sbomcat.StatusSucceeded, ""},
		{"transient", sbomcat.StatusInProgress, ""},
		{"last", sbomcat.StatusFailed, "Validation could not complete after 3 attempts"},
		{"gone", sbomcat.StatusFailed, "does not exist"},
	})
	if !strings.Contains(stderr.String(), `"message_id":"m-poison"`) {
		t.Errorf("the poison message's id is not logged:\n%s", stderr.String())
	}
	if n := strings.Count(stdout.String(), `"_aws"`); n != 4 {
		t.Errorf("%d metric documents on stdout, want 4 (one per job)", n)
	}

	// An empty batch, and the JSON Lambda sends back: no failures is an empty list.
	resp, _ = h.Handle(context.Background(), events.SQSEvent{})
	if b, _ := json.Marshal(resp); string(b) != `{"batchItemFailures":null}` && string(b) != `{"batchItemFailures":[]}` {
		t.Errorf("empty batch response %s", b)
	}
}

// TestLambdaRuntimeLoop runs the real function binary under lambda.Start against a stand-in of
// the Lambda Runtime API that plays the SQS event source mapping on fauxqs (receive a batch,
// invoke, delete what did not fail), with the catalog in DynamoDB (dynalite) and SBOMs in
// gofakes3.
func TestLambdaRuntimeLoop(t *testing.T) {
	s3 := workertest.StartS3(t)
	s3.CreateBucket(t, bucket)
	sqsSrv := workertest.StartSQS(t)
	ddbURL := workertest.StartDynamoDB(t).URL
	q := sqsSrv.CreateQueue(t, "associations", 2, 1)

	ctx := context.Background()
	store := dynamodb.New(ddb.NewFromConfig(testkit.SDKConfig(ddbURL)), "sbomcat")
	if err := store.CreateTable(ctx); err != nil {
		t.Fatal(err)
	}
	pub := sbomsqs.NewPublisher(sqsSrv.Client(), q.URL)
	cdx, bad := testkit.ReadFixture(t, "cdx16-valid.json"), testkit.ReadFixture(t, "not-sbom.json")
	want := map[string]sbomcat.ValidationStatus{}
	for i, body := range [][]byte{cdx, bad, cdx, cdx, bad} {
		ver := fmt.Sprint(i)
		workertest.CreateVersion(t, store, "fw", ver)
		v := s3.Put(t, bucket, "fw/"+ver+"/sbom.json", body)
		a := workertest.Associate(t, store, "fw", ver, sbomcat.S3Location{Bucket: bucket, Key: "fw/" + ver + "/sbom.json", Version: v})
		if err := pub.Enqueue(ctx, a); err != nil {
			t.Fatal(err)
		}
		want[ver] = sbomcat.StatusSucceeded
		if !bytes.Equal(body, cdx) {
			want[ver] = sbomcat.StatusFailed
		}
	}
	if _, err := sqsSrv.Client().SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(q.URL), MessageBody: aws.String("poison")}); err != nil {
		t.Fatal(err)
	}

	rt := newRuntimeAPI(t, sqsSrv.Client(), q.URL)
	bin := buildLambda(t)
	cmd := exec.Command(bin)
	cmd.Env = workertest.AWSEnv("AWS_ENDPOINT_URL_S3="+s3.URL, "AWS_ENDPOINT_URL_DYNAMODB="+ddbURL, "SBOMCAT_S3_USE_PATH_STYLE=true",
		"AWS_LAMBDA_RUNTIME_API="+rt.addr, "SBOMCAT_STORE=dynamodb", "SBOMCAT_TABLE=sbomcat", "SBOMCAT_MAX_RECEIVE_COUNT=2",
		"PATH="+os.Getenv("PATH"))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })

	for ver, status := range want {
		workertest.Eventually(t, 60*time.Second, "fw/"+ver+" to be "+string(status), func() bool {
			s, _ := workertest.Status(t, store, "fw", ver)
			return s == status
		})
	}
	sqsSrv.WaitDrained(t, q.URL, 60*time.Second)
	dlq, err := sqsSrv.Client().ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(q.DLQURL), MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(dlq.Messages) != 1 || aws.ToString(dlq.Messages[0].Body) != "poison" {
		t.Errorf("dead-letter queue: %d messages, want only the poison one", len(dlq.Messages))
	}
	if rt.invocations() == 0 || !rt.sawFailure() {
		t.Errorf("invocations %d, poison reported as a batch item failure: %v", rt.invocations(), rt.sawFailure())
	}
	if t.Failed() {
		t.Logf("function output:\n%s", out.String())
	}
}

func buildLambda(t *testing.T) string {
	t.Helper()
	return testkit.Build(t, ".", "bootstrap", "lambda.norpc")
}

// runtimeAPI is a stand-in for the Lambda Runtime API (the part lambda.Start uses) plus the
// SQS event source mapping that feeds it: it long-polls the queue, hands each batch to the
// function as an invocation, and deletes the records the response does not list as failures.
type runtimeAPI struct {
	addr    string
	pending chan invocation
	mu      sync.Mutex
	waiting map[string]chan []byte
	count   int
	failure bool
}

type invocation struct {
	id    string
	event []byte
}

func newRuntimeAPI(t *testing.T, client *sqs.Client, queueURL string) *runtimeAPI {
	rt := &runtimeAPI{pending: make(chan invocation), waiting: map[string]chan []byte{}}
	srv := httptest.NewServer(http.HandlerFunc(rt.serve))
	rt.addr = strings.TrimPrefix(srv.URL, "http://")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); rt.eventSource(ctx, client, queueURL) }()
	t.Cleanup(func() { cancel(); <-done; srv.CloseClientConnections(); srv.Close() })
	return rt
}

func (rt *runtimeAPI) serve(w http.ResponseWriter, r *http.Request) {
	const prefix = "/2018-06-01/runtime/invocation/"
	switch {
	case r.Method == http.MethodGet && r.URL.Path == prefix+"next":
		select {
		case inv := <-rt.pending:
			w.Header().Set("Lambda-Runtime-Aws-Request-Id", inv.id)
			w.Header().Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(time.Now().Add(time.Minute).UnixMilli(), 10))
			w.Header().Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:000000000000:function:sbomworker")
			w.Write(inv.event)
		case <-r.Context().Done():
		}
	case r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, prefix):
		id, kind, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, prefix), "/")
		body, _ := io.ReadAll(r.Body)
		rt.mu.Lock()
		ch := rt.waiting[id]
		rt.mu.Unlock()
		if ch == nil {
			http.Error(w, "unknown request id", http.StatusBadRequest)
			return
		}
		if kind == "error" {
			body = nil // the whole batch failed
		}
		ch <- body
		w.WriteHeader(http.StatusAccepted)
	default:
		http.NotFound(w, r)
	}
}

// receiveBatch receives up to 10 messages from the queue as the SQS event Lambda would deliver;
// false when none came (or the receive failed: the caller polls again).
func receiveBatch(ctx context.Context, client *sqs.Client, queueURL string) (events.SQSEvent, bool) {
	var ev events.SQSEvent
	out, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(queueURL), MaxNumberOfMessages: 10, WaitTimeSeconds: 1,
		MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameAll}})
	if err != nil || len(out.Messages) == 0 {
		return ev, false
	}
	for _, m := range out.Messages {
		ev.Records = append(ev.Records, events.SQSMessage{MessageId: aws.ToString(m.MessageId), ReceiptHandle: aws.ToString(m.ReceiptHandle),
			Body: aws.ToString(m.Body), Attributes: m.Attributes, EventSource: "aws:sqs",
			EventSourceARN: "arn:aws:sqs:" + workertest.Region + ":000000000000:associations", AWSRegion: workertest.Region})
	}
	return ev, true
}

// eventSource is the event source mapping: batches of up to 10, ReportBatchItemFailures.
func (rt *runtimeAPI) eventSource(ctx context.Context, client *sqs.Client, queueURL string) {
	for n := 0; ctx.Err() == nil; n++ {
		ev, ok := receiveBatch(ctx, client, queueURL)
		if !ok {
			continue
		}
		body, _ := json.Marshal(ev)
		id := fmt.Sprintf("req-%d", n)
		ch := make(chan []byte, 1)
		rt.mu.Lock()
		rt.waiting[id] = ch
		rt.count++
		rt.mu.Unlock()
		select {
		case rt.pending <- invocation{id: id, event: body}:
		case <-ctx.Done():
			return
		}
		var resp []byte
		select {
		case resp = <-ch:
		case <-ctx.Done():
			return
		}
		var r events.SQSEventResponse
		if resp == nil || json.Unmarshal(resp, &r) != nil {
			continue // whole batch failed: every record comes back after the visibility timeout
		}
		failed := map[string]bool{}
		for _, f := range r.BatchItemFailures {
			failed[f.ItemIdentifier] = true
		}
		rt.mu.Lock()
		rt.failure = rt.failure || len(failed) > 0
		rt.mu.Unlock()
		for _, m := range ev.Records {
			if !failed[m.MessageId] {
				client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(queueURL), ReceiptHandle: aws.String(m.ReceiptHandle)})
			}
		}
	}
}

func (rt *runtimeAPI) invocations() int {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return rt.count
}

func (rt *runtimeAPI) sawFailure() bool {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return rt.failure
}

// TestUnderLambdaRuntime runs the built bootstrap under the Lambda Runtime Interface Emulator on
// DynamoDB (dynalite) and S3 (gofakes3, with a bucket whose reads fail with 503): first one
// batch of every kind, whose batchItemFailures must name exactly the messages to retry; then
// the test plays the SQS event source mapping on fauxqs until the redrive has moved the
// malformed message to the dead-letter queue. It logs the init duration of three cold starts.
func TestUnderLambdaRuntime(t *testing.T) {
	rie := lambdatest.BuildEmulator(t)
	bootstrap := lambdatest.Build(t, ".", runtime.GOARCH)
	s3 := startFlakyS3(t)
	sqsSrv := workertest.StartSQS(t)
	const maxReceive = 2
	q := sqsSrv.CreateQueue(t, "associations", maxReceive, 1)
	ddbURL := workertest.StartDynamoDB(t).URL
	ctx := context.Background()
	store := dynamodb.New(ddb.NewFromConfig(testkit.SDKConfig(ddbURL)), "sbomcat")
	if err := store.CreateTable(ctx); err != nil {
		t.Fatal(err)
	}
	env := workertest.AWSEnv("AWS_ENDPOINT_URL_S3="+s3.URL, "AWS_ENDPOINT_URL_DYNAMODB="+ddbURL, "AWS_MAX_ATTEMPTS=1", "SBOMCAT_S3_USE_PATH_STYLE=true",
		"SBOMCAT_STORE=dynamodb", "SBOMCAT_TABLE=sbomcat", "SBOMCAT_MAX_RECEIVE_COUNT=2")
	f := lambdatest.Start(t, rie, bootstrap, env)

	cdx := testkit.ReadFixture(t, "cdx16-valid.json")
	assoc := func(version, b, key string, body []byte) sbomcat.Association {
		return s3.associate(t, store, version, b, key, body)
	}
	ok, gone, transient := assoc("ok", bucket, "ok.json", cdx), assoc("gone", bucket, "gone.json", nil), assoc("transient", "flaky", "t.json", cdx)
	malformed := events.SQSMessage{MessageId: "m-malformed", Body: `{"hello":"world"}`, EventSource: "aws:sqs",
		Attributes: map[string]string{"ApproximateReceiveCount": "1"}}

	t.Run("one batch of every kind", func(t *testing.T) {
		var resp events.SQSEventResponse
		f.InvokeOK(t, events.SQSEvent{Records: []events.SQSMessage{
			record(t, "m-ok", ok, 1), record(t, "m-gone", gone, 1), record(t, "m-transient", transient, 1), malformed,
		}}, &resp)
		if got, want := failureIDs(resp), []string{"m-transient", "m-malformed"}; !slices.Equal(got, want) {
			t.Errorf("batchItemFailures %v, want %v\n%s", got, want, f.Output())
		}
		// The last delivery: the transient failure is recorded, the malformed body still reported.
		malformed.Attributes["ApproximateReceiveCount"] = "2"
		f.InvokeOK(t, events.SQSEvent{Records: []events.SQSMessage{record(t, "m-transient", transient, maxReceive), malformed}}, &resp)
		if got, want := failureIDs(resp), []string{"m-malformed"}; !slices.Equal(got, want) {
			t.Errorf("last delivery: batchItemFailures %v, want %v", got, want)
		}
		wantStatuses(t, store, []wantStatus{
			{"ok", sbomcat.StatusSucceeded, ""},
			{"gone", sbomcat.StatusFailed, "does not exist"},
			{"transient", sbomcat.StatusFailed, "could not complete after 2 attempts"},
		})
	})

	t.Run("redrive moves the malformed message to the dead-letter queue", func(t *testing.T) {
		workertest.CreateVersion(t, store, "fw", "queued")
		v := s3.Put(t, bucket, "queued.json", cdx)
		if err := sbomsqs.NewPublisher(sqsSrv.Client(), q.URL).Enqueue(ctx,
			workertest.Associate(t, store, "fw", "queued", sbomcat.S3Location{Bucket: bucket, Key: "queued.json", Version: v})); err != nil {
			t.Fatal(err)
		}
		if _, err := sqsSrv.Client().SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(q.URL), MessageBody: aws.String(malformed.Body)}); err != nil {
			t.Fatal(err)
		}
		workertest.Eventually(t, 30*time.Second, "the queue to drain", func() bool {
			eventSourceMapping(t, f, sqsSrv.Client(), q.URL)
			visible, inFlight := sqsSrv.Counts(t, q.URL)
			return visible == 0 && inFlight == 0
		})
		if s, _ := workertest.Status(t, store, "fw", "queued"); s != sbomcat.StatusSucceeded {
			t.Errorf("fw/queued: %s, want SUCCEEDED", s)
		}
		dlq, err := sqsSrv.Client().ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(q.DLQURL), MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(dlq.Messages) != 1 || aws.ToString(dlq.Messages[0].Body) != malformed.Body {
			t.Errorf("dead-letter queue: %d messages, want only the malformed one", len(dlq.Messages))
		}
	})
	f.Stop()

	lambdatest.LogInit(t, rie, bootstrap, env, events.SQSEvent{Records: []events.SQSMessage{}})
}

func failureIDs(resp events.SQSEventResponse) []string {
	var ids []string
	for _, f := range resp.BatchItemFailures {
		ids = append(ids, f.ItemIdentifier)
	}
	return ids
}

// eventSourceMapping does what Lambda's SQS event source mapping with ReportBatchItemFailures
// does once: receive a batch, invoke the function with it, delete the records it did not name.
func eventSourceMapping(t *testing.T, f *lambdatest.Function, client *sqs.Client, queueURL string) {
	ctx := context.Background()
	ev, ok := receiveBatch(ctx, client, queueURL)
	if !ok {
		return
	}
	var resp events.SQSEventResponse
	f.InvokeOK(t, ev, &resp)
	failed := failureIDs(resp)
	for _, m := range ev.Records {
		if !slices.Contains(failed, m.MessageId) {
			if _, err := client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(queueURL), ReceiptHandle: aws.String(m.ReceiptHandle)}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestLinksNoEmbeddedS3: every package linked costs the function's cold start its
// initialisation and pages; it reads S3 through the SDK, and its AWS configuration is its
// environment (awsenv), without the SDK's config package and the credential providers it brings.
func TestLinksNoEmbeddedS3(t *testing.T) {
	lambdatest.LinksNone(t, "github.com/sbomcat/sbomcat/s3local", "github.com/aws/aws-sdk-go-v2/config", "github.com/aws/aws-sdk-go-v2/service/sts")
}
