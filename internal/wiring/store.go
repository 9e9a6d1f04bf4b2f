package wiring

import (
	"context"
	"fmt"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
)

// Store kinds.
const (
	StoreSQLite   = "sqlite"
	StoreDynamoDB = "dynamodb"
)

// StoreConfig says which store to open.
type StoreConfig struct {
	// Kind is StoreSQLite or StoreDynamoDB.
	Kind string
	// SQLitePath is the SQLite database file.
	SQLitePath string
	// Table is the DynamoDB table.
	Table string
	// Store options that the stores grow (SQLite's synchronous=NORMAL|FULL, say) belong here,
	// read by the binaries' configuration and passed on by OpenStore.
}

// LoadAWS loads the SDK's standard configuration (AWS_REGION, credentials, shared files,
// AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE>), in region unless the configuration names
// one ("" leaves it to the SDK).
func LoadAWS(ctx context.Context, region string) (aws.Config, error) {
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
