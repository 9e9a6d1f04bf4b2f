// Package localstack holds run.sh, which runs sbomcat against LocalStack (AWS_ENDPOINT_URL)
// or against standalone S3, SQS and DynamoDB emulators (AWS_ENDPOINT_URL_S3, _SQS,
// _DYNAMODB): it creates the bucket, the queue with its dead-letter queue and the table
// (./setup), then runs sbomd as the API and sbomworker as the long-poll worker against them.
//
// LocalStack needs Docker, which CI lacks, so the package's test runs the same script, unchanged
// but for the endpoint variables, against fauxqs (SQS), dynalite (DynamoDB) and cmd/s3server
// (S3) on loopback ports, and drives the whole flow through the official Go SDK.
package localstack
