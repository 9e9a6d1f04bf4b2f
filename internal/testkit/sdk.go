package testkit

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	"github.com/aws/aws-sdk-go-v2/service/s3"
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
