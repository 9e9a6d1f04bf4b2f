// Package awswiring loads the AWS SDK's configuration for every binary. It is apart from
// package wiring, and imports nothing of the module, so that the API Lambda, which needs this
// and DynamoDB alone, links neither SQLite nor the embedded S3 that wiring brings: each
// package linked costs the function's cold start its initialisation and its pages.
package awswiring

import (
	"context"
	"fmt"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
)

// Load loads the SDK's standard configuration (AWS_REGION, credentials, shared files,
// AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE>), in region unless the configuration names
// one ("" leaves it to the SDK), with an HTTP client that keeps enough connections alive.
func Load(ctx context.Context, region string) (aws.Config, error) {
	cfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithHTTPClient(keepAliveClient()))
	if err != nil {
		return cfg, fmt.Errorf("aws configuration: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = region
	}
	return cfg, nil
}

// maxIdleConnsPerHost is how many keep-alive connections each SDK client holds to one
// endpoint. The SDK's default, 10, is fewer than the requests a worker has in flight to its
// store or S3 (sqs.DefaultConcurrency jobs at once), and every connection over it would be
// closed after its request and opened again for the next.
const maxIdleConnsPerHost = 256

// keepAliveClient is the SDK's own HTTP client (timeouts, proxy settings, AWS_CA_BUNDLE
// applied to it by LoadDefaultConfig) with maxIdleConnsPerHost.
func keepAliveClient() *awshttp.BuildableClient {
	return awshttp.NewBuildableClient().WithTransportOptions(func(t *http.Transport) {
		t.MaxIdleConnsPerHost = maxIdleConnsPerHost
		t.MaxIdleConns = max(t.MaxIdleConns, maxIdleConnsPerHost)
	})
}
