package testkit

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
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

// UnsignedPayload is the payload hash of a request whose body is not signed, as S3 clients send
// it in X-Amz-Content-Sha256.
const UnsignedPayload = "UNSIGNED-PAYLOAD"

// Sign signs req now with SigV4 as the tests' SDK clients would (test/test, us-east-1), for
// service and with payloadHash as the body's hash. Requests to S3 have their path escaped once,
// as S3 clients sign; to every other service, twice.
func Sign(t testing.TB, req *http.Request, payloadHash, service string) {
	t.Helper()
	err := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = service == "s3" }).
		SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}, req, payloadHash, service, "us-east-1", time.Now())
	if err != nil {
		t.Fatal(err)
	}
}

// SignS3Unsigned signs req as an S3 client that does not sign the body: X-Amz-Content-Sha256
// UNSIGNED-PAYLOAD, and that as the payload hash.
func SignS3Unsigned(t testing.TB, req *http.Request) {
	t.Helper()
	req.Header.Set("X-Amz-Content-Sha256", UnsignedPayload)
	Sign(t, req, UnsignedPayload, "s3")
}

// Clients returns the official SDK clients for an sbomd at url, configured as the README
// says: endpoint, region, test/test, path-style S3.
func Clients(url string) (*s3.Client, *iot.Client) {
	return S3Client(url), iot.NewFromConfig(SDKConfig(url))
}

// S3Client returns the official S3 client for an S3 endpoint at url (sbomd, s3server or an
// emulator): SDKConfig, path-style.
func S3Client(url string) *s3.Client {
	return s3.NewFromConfig(SDKConfig(url), func(o *s3.Options) { o.UsePathStyle = true })
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
