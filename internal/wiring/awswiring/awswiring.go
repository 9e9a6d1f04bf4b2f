// Package awswiring loads the AWS SDK's configuration, with the whole chain of the SDK's config
// package (shared files, profiles, SSO, assumed roles, instance metadata), for the binaries
// that run outside Lambda. It is apart from package wiring, which the Lambda functions import,
// so that they do not link that chain: they configure the SDK from their environment alone
// (package awsenv).
package awswiring

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"

	"github.com/sbomcat/sbomcat/internal/wiring/awsenv"
)

// Load loads the SDK's standard configuration (AWS_REGION, credentials, shared files,
// AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE>), in region unless the configuration names
// one ("" leaves it to the SDK), with an HTTP client that keeps enough connections alive
// (awsenv.HTTPClient). The Lambda functions use awsenv.Load instead.
func Load(ctx context.Context, region string) (aws.Config, error) {
	cfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithHTTPClient(awsenv.HTTPClient()))
	if err != nil {
		return cfg, fmt.Errorf("aws configuration: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = region
	}
	return cfg, nil
}
