// Command setup creates what template.yaml creates on AWS, on LocalStack or standalone
// emulators: the SBOM bucket with versioning on, the association queue with its dead-letter
// queue and redrive policy, and the DynamoDB table (created by package dynamodb itself, so it
// is the table the code expects). It is idempotent: what exists is kept, and the queue's
// attributes are set to the ones asked for. deploy/localstack/run.sh runs it; it is Go rather
// than AWS CLI calls so that the script needs nothing but Go.
//
// Endpoints come from the SDK's standard variables. It refuses to run without AWS_ENDPOINT_URL
// or all of AWS_ENDPOINT_URL_S3, _SQS and _DYNAMODB, so that it cannot create resources in a
// real account by accident. On success it prints the names and URLs for the script:
//
//	SBOMCAT_BUCKET=sboms
//	SBOMCAT_QUEUE_URL=http://.../sbomcat-associations
//	SBOMCAT_DLQ_URL=http://.../sbomcat-associations-dlq
//	SBOMCAT_TABLE=sbomcat
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"

	"github.com/sbomcat/sbomcat/dynamodb"
	"github.com/sbomcat/sbomcat/internal/flagset"
	"github.com/sbomcat/sbomcat/internal/wiring/awswiring"
	"github.com/sbomcat/sbomcat/internal/wiring/settings"
)

type config struct {
	bucket, queue, table string
	maxReceiveCount      int
	visibilityTimeout    int
}

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		var exit *flagset.Exit
		if errors.As(err, &exit) {
			os.Exit(exit.Status)
		}
		fmt.Fprintln(os.Stderr, "setup:", err)
		os.Exit(1)
	}
}

const usage = `usage: setup [flags]

Creates on LocalStack or standalone emulators what template.yaml creates on AWS, and prints
what it created as NAME=value lines.

Flags (-flag or --flag):
`

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var c config
	fs := flagset.New("setup", usage)
	fs.StringVar(&c.bucket, "bucket", "sboms", "S3 `bucket` for SBOMs (versioning turned on)")
	fs.StringVar(&c.queue, "queue", "sbomcat-associations", "SQS queue `name`; its dead-letter queue is NAME-dlq")
	fs.StringVar(&c.table, "table", "sbomcat", "DynamoDB `table`")
	fs.IntVar(&c.maxReceiveCount, "max-receive-count", 5, "deliveries before the dead-letter queue (template.yaml's MaxReceiveCount)")
	fs.IntVar(&c.visibilityTimeout, "visibility-timeout", 60, "queue visibility timeout in `seconds`")
	if err := fs.ParseOrExit(args, stdout, stderr); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if c.maxReceiveCount < 1 || c.visibilityTimeout < 0 {
		return errors.New("max-receive-count must be at least 1 and visibility-timeout not negative")
	}
	if getenv("AWS_ENDPOINT_URL") == "" && (getenv("AWS_ENDPOINT_URL_S3") == "" || getenv("AWS_ENDPOINT_URL_SQS") == "" || getenv("AWS_ENDPOINT_URL_DYNAMODB") == "") {
		return errors.New("set AWS_ENDPOINT_URL (LocalStack) or AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL_SQS and AWS_ENDPOINT_URL_DYNAMODB (emulators): " +
			"this program only sets up local endpoints; use template.yaml for AWS")
	}
	env := settings.NewEnv(getenv)
	usePathStyle := env.Bool(settings.EnvS3UsePathStyle, "", false)
	if err := env.Err(); err != nil {
		return err
	}
	cfg, err := awswiring.Load(ctx, "us-east-1")
	if err != nil {
		return err
	}

	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = usePathStyle })
	if err := setupBucket(ctx, s3c, c.bucket); err != nil {
		return err
	}
	queueURL, dlqURL, err := setupQueues(ctx, sqs.NewFromConfig(cfg), c)
	if err != nil {
		return err
	}
	if err := setupTable(ctx, ddb.NewFromConfig(cfg), c.table); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "SBOMCAT_BUCKET=%s\nSBOMCAT_QUEUE_URL=%s\nSBOMCAT_DLQ_URL=%s\nSBOMCAT_TABLE=%s\n", c.bucket, queueURL, dlqURL, c.table)
	return nil
}

func setupBucket(ctx context.Context, c *s3.Client, bucket string) error {
	_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)})
	switch {
	case err == nil, hasCode(err, "BucketAlreadyOwnedByYou"):
	case hasCode(err, "BucketAlreadyExists"):
		// What emulators (gofakes3, and so s3local) answer for a bucket of one's own too:
		// it is ours if we may use it.
		if _, herr := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(bucket)}); herr != nil {
			return fmt.Errorf("create bucket %s: %w (and it is not usable: %v)", bucket, err, herr)
		}
	default:
		return fmt.Errorf("create bucket %s: %w", bucket, err)
	}
	if _, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(bucket),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
		return fmt.Errorf("turn versioning on for %s: %w", bucket, err)
	}
	// Associations name object versions: an endpoint that accepted the call but does not
	// version would fail every association later, so say so now.
	v, err := c.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String(bucket)})
	if err != nil {
		return fmt.Errorf("read versioning of %s: %w", bucket, err)
	}
	if v.Status != s3types.BucketVersioningStatusEnabled {
		return fmt.Errorf("bucket %s: versioning is %q after turning it on; this S3 endpoint does not version objects", bucket, v.Status)
	}
	return nil
}

func setupQueues(ctx context.Context, c *sqs.Client, cfg config) (queueURL, dlqURL string, err error) {
	dlq, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(cfg.queue + "-dlq")})
	if err != nil {
		return "", "", fmt.Errorf("create queue %s-dlq: %w", cfg.queue, err)
	}
	dlqURL = aws.ToString(dlq.QueueUrl)
	// As template.yaml: keep failed events as long as SQS allows.
	if _, err := c.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: dlq.QueueUrl,
		Attributes: map[string]string{"MessageRetentionPeriod": "1209600"}}); err != nil {
		return "", "", fmt.Errorf("dead-letter queue attributes: %w", err)
	}
	attrs, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: dlq.QueueUrl,
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		return "", "", fmt.Errorf("dead-letter queue ARN: %w", err)
	}
	// Created bare, then given its attributes: CreateQueue with attributes that differ from an
	// existing queue's fails, and a re-run must converge instead.
	q, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(cfg.queue)})
	if err != nil {
		return "", "", fmt.Errorf("create queue %s: %w", cfg.queue, err)
	}
	policy := fmt.Sprintf(`{"deadLetterTargetArn":%q,"maxReceiveCount":%d}`, attrs.Attributes["QueueArn"], cfg.maxReceiveCount)
	if _, err := c.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: q.QueueUrl, Attributes: map[string]string{
		"RedrivePolicy":          policy,
		"VisibilityTimeout":      strconv.Itoa(cfg.visibilityTimeout),
		"MessageRetentionPeriod": "345600",
	}}); err != nil {
		return "", "", fmt.Errorf("queue attributes: %w", err)
	}
	return aws.ToString(q.QueueUrl), dlqURL, nil
}

func setupTable(ctx context.Context, c *ddb.Client, table string) error {
	_, err := c.DescribeTable(ctx, &ddb.DescribeTableInput{TableName: aws.String(table)})
	var missing *ddbtypes.ResourceNotFoundException
	switch {
	case err == nil:
		return nil // kept as it is, data included
	case !errors.As(err, &missing):
		return fmt.Errorf("describe table %s: %w", table, err)
	}
	if err := dynamodb.New(c, table).CreateTable(ctx); err != nil {
		return err
	}
	return nil
}

func hasCode(err error, code string) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == code
}
