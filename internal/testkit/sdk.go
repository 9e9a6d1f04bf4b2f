package testkit

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// SDKConfig is the configuration of the tests' SDK clients for a server at url: region
// us-east-1 and the development credentials test/test, which sbomd and the emulators accept.
func SDKConfig(url string) aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String(url),
	}
}

// Clients returns the official SDK clients for an sbomd at url, configured as the README
// says: endpoint, region, test/test, path-style S3.
func Clients(url string) (*s3.Client, *iot.Client) {
	cfg := SDKConfig(url)
	return s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }), iot.NewFromConfig(cfg)
}

// Pages returns every page an SDK paginator gives (pass its HasMorePages and NextPage),
// failing t on an error.
func Pages[O, Opt any](t testing.TB, more func() bool, next func(context.Context, ...func(*Opt)) (O, error)) []O {
	t.Helper()
	var pages []O
	for more() {
		page, err := next(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, page)
	}
	return pages
}

// CreateVersionedBucket creates bucket with versioning enabled, as SBOMs must be stored (an
// association names an object version).
func CreateVersionedBucket(t testing.TB, c *s3.Client, bucket string) {
	t.Helper()
	ctx := context.Background()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("create bucket %s: %v", bucket, err)
	}
	if _, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(bucket),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatalf("bucket versioning %s: %v", bucket, err)
	}
}
