package dynamodb

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/sbomcat/sbomcat/jobs"
)

// Jobs share one partition, #JOBS, with the job id as sort key: a Query of that partition lists
// them in id order with a consistent read, and needs no index (so tables created before jobs
// existed serve them unchanged). One partition caps the job operations at one partition's
// throughput, far above what a package catalog's jobs ask for.
//
// The two documents are attributes of their own and the rest of the job is its stored form
// (jobs.EncodeJob) in "body": each document may be 32,768 characters, and JSON-escaped twice
// inside one body a pathological document could push the item past DynamoDB's 400 KB.
const jobsPK = "#JOBS"

var _ jobs.Store = (*Store)(nil)

func jobKey(id string) item { return item{"pk": str(jobsPK), "sk": str(id)} }

// CreateJob implements jobs.Store; the condition makes the existence check and the write one
// step.
func (s *Store) CreateJob(ctx context.Context, j *jobs.Job) error {
	rest := *j
	rest.Document, rest.Resolved.Document = "", ""
	body, err := jobs.EncodeJob(&rest)
	if err != nil {
		return fmt.Errorf("dynamodb: create job: %w", err)
	}
	it := jobKey(j.ID)
	it["body"], it["document"], it["resolvedDocument"] = str(string(body)), str(j.Document), str(j.Resolved.Document)
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table), Item: it, ConditionExpression: aws.String("attribute_not_exists(pk)"),
	})
	if isConditionFailed(err) {
		return jobs.AlreadyExists(j.ID)
	} else if err != nil {
		return fmt.Errorf("dynamodb: create job %s: %w", j.ID, err)
	}
	return nil
}

func jobFromItem(it item) (*jobs.Job, error) {
	j, err := jobs.DecodeJob([]byte(getS(it, "body")))
	if err != nil {
		return nil, err
	}
	j.Document, j.Resolved.Document = getS(it, "document"), getS(it, "resolvedDocument")
	return j, nil
}

// GetJob implements jobs.Store.
func (s *Store) GetJob(ctx context.Context, id string) (*jobs.Job, error) {
	it, err := s.get(ctx, jobKey(id))
	if err != nil {
		return nil, fmt.Errorf("dynamodb: get job %s: %w", id, err)
	}
	if it == nil {
		return nil, jobs.NotFound(id)
	}
	j, err := jobFromItem(it)
	if err != nil {
		return nil, fmt.Errorf("dynamodb: get job %s: %w", id, err)
	}
	return j, nil
}

// ListJobs implements jobs.Store. The Query starts after the last id of the page before (its
// ExclusiveStartKey); only the bodies are read, the documents are not needed.
func (s *Store) ListJobs(ctx context.Context, after string, limit int) (bodies [][]byte, more bool, err error) {
	in := &dynamodb.QueryInput{
		TableName: aws.String(s.table), ConsistentRead: aws.Bool(true),
		KeyConditionExpression:    aws.String("pk = :pk"),
		ExpressionAttributeValues: item{":pk": str(jobsPK)},
		ProjectionExpression:      aws.String("pk, sk, #body"),
		ExpressionAttributeNames:  map[string]string{"#body": "body"},
	}
	if after != "" {
		in.ExclusiveStartKey = jobKey(after)
	}
	items, more, err := s.collect(ctx, in, limit)
	if err != nil {
		return nil, false, fmt.Errorf("dynamodb: list jobs: %w", err)
	}
	for _, it := range items {
		bodies = append(bodies, []byte(getS(it, "body")))
	}
	return bodies, more, nil
}

// DeleteJob implements jobs.Store; the condition tells a missing job from a deleted one.
func (s *Store) DeleteJob(ctx context.Context, id string) error {
	_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: aws.String(s.table), Key: jobKey(id), ConditionExpression: aws.String("attribute_exists(pk)"),
	})
	if isConditionFailed(err) {
		return jobs.NotFound(id)
	} else if err != nil {
		return fmt.Errorf("dynamodb: delete job %s: %w", id, err)
	}
	return nil
}
