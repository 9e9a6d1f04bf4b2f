package main

import (
	"context"
	"net/http"
	"runtime"
	"slices"
	"strings"
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
	sbomsqs "github.com/sbomcat/sbomcat/sqs"
	"github.com/sbomcat/sbomcat/worker/workertest"
)

// TestUnderLambdaRuntime runs the built bootstrap under the Lambda Runtime Interface Emulator on
// DynamoDB (dynalite) and S3 (gofakes3, with a bucket whose reads fail with 503): first one
// batch of every kind, whose batchItemFailures must name exactly the messages to retry; then
// the test plays the SQS event source mapping on fauxqs until the redrive has moved the
// malformed message to the dead-letter queue. It logs the init duration of three cold starts.
func TestUnderLambdaRuntime(t *testing.T) {
	rie := lambdatest.BuildEmulator(t)
	bootstrap := lambdatest.Build(t, ".", runtime.GOARCH)
	s3 := workertest.StartS3(t)
	s3.CreateBucket(t, bucket)
	s3.CreateBucket(t, "flaky")
	flaky := func(r *http.Request) (int, string) {
		if strings.HasPrefix(r.URL.Path, "/flaky/") {
			return http.StatusServiceUnavailable, "SlowDown"
		}
		return 0, ""
	}
	s3.Fault.Store(&flaky)
	sqsSrv := workertest.StartSQS(t)
	const maxReceive = 2
	q := sqsSrv.CreateQueue(t, "associations", maxReceive, 1)
	ddbURL := workertest.StartDynamoDB(t)
	ctx := context.Background()
	store := dynamodb.New(ddb.NewFromConfig(workertest.Config(ddbURL)), "sbomcat")
	if err := store.CreateTable(ctx); err != nil {
		t.Fatal(err)
	}
	env := append(awsEnv(t, map[string]string{"AWS_ENDPOINT_URL_S3": s3.URL, "AWS_ENDPOINT_URL_DYNAMODB": ddbURL, "AWS_MAX_ATTEMPTS": "1"}),
		"SBOMCAT_STORE=dynamodb", "SBOMCAT_TABLE=sbomcat", "SBOMCAT_MAX_RECEIVE_COUNT=2")
	f := lambdatest.Start(t, rie, bootstrap, env)

	cdx := testkit.ReadFixture(t, "cdx16-valid.json")
	assoc := func(version, b, key string, body []byte) sbomcat.Association {
		workertest.CreateVersion(t, store, "fw", version)
		v := "unknown"
		if body != nil {
			s3.Fault.Store(nil)
			v = s3.Put(t, b, key, body)
			s3.Fault.Store(&flaky)
		}
		return workertest.Associate(t, store, "fw", version, sbomcat.S3Location{Bucket: b, Key: key, Version: v})
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
		for _, c := range []struct {
			version string
			status  sbomcat.ValidationStatus
			message string
		}{
			{"ok", sbomcat.StatusSucceeded, ""},
			{"gone", sbomcat.StatusFailed, "does not exist"},
			{"transient", sbomcat.StatusFailed, "could not complete after 2 attempts"},
		} {
			status, got := workertest.Status(t, store, "fw", c.version)
			if status != c.status || len(got) != 1 || !strings.Contains(got[0].ErrorMessage, c.message) {
				t.Errorf("fw/%s: status %s, results %+v; want %s with one result %q", c.version, status, got, c.status, c.message)
			}
		}
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

	inits := lambdatest.ColdStarts(t, rie, bootstrap, env, events.SQSEvent{Records: []events.SQSMessage{}}, 3)
	t.Logf("init duration (aws-lambda-rie INIT REPORT), best of %d cold starts: %v (all: %v)", len(inits), slices.Min(inits), inits)
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
	out, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(queueURL), MaxNumberOfMessages: 10, WaitTimeSeconds: 1,
		MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameAll}})
	if err != nil || len(out.Messages) == 0 {
		return
	}
	var ev events.SQSEvent
	for _, m := range out.Messages {
		ev.Records = append(ev.Records, events.SQSMessage{MessageId: aws.ToString(m.MessageId), ReceiptHandle: aws.ToString(m.ReceiptHandle),
			Body: aws.ToString(m.Body), Attributes: m.Attributes, EventSource: "aws:sqs", AWSRegion: workertest.Region})
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
