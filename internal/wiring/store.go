package wiring

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
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
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return cfg, fmt.Errorf("aws configuration: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = region
	}
	return cfg, nil
}
