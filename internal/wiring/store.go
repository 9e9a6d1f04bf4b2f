package wiring

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/dynamodb"
	"github.com/sbomcat/sbomcat/jobs"
	"github.com/sbomcat/sbomcat/sqlite"
)

// Catalog is what the binaries keep in their store: the package catalog and the jobs.
// sqlite.Store and dynamodb.Store are both.
type Catalog interface {
	sbomcat.Store
	jobs.Store
}

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

// OpenStore opens the store and says where it is, for the start-up log line. awsCfg is used
// for DynamoDB only. Close the store when done.
func OpenStore(ctx context.Context, c StoreConfig, awsCfg aws.Config) (Catalog, string, error) {
	if c.Kind == StoreDynamoDB {
		return dynamodb.New(ddb.NewFromConfig(awsCfg), c.Table), "dynamodb:" + c.Table, nil
	}
	st, err := sqlite.Open(ctx, c.SQLitePath)
	if err != nil {
		return nil, "", fmt.Errorf("catalog: %w", err)
	}
	return st, c.SQLitePath, nil
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
