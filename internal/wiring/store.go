package wiring

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/sbomcat/sbomcat/catalog"
	"github.com/sbomcat/sbomcat/dynamodb"
	"github.com/sbomcat/sbomcat/sqlite"
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

// OpenCatalog opens the API's store (the catalog and its jobs) and says where it is, for the
// start-up log line. awsCfg is used for DynamoDB only. Close the store when done.
func OpenCatalog(ctx context.Context, c StoreConfig, awsCfg aws.Config) (catalog.Store, string, error) {
	if c.Kind == StoreDynamoDB {
		return dynamodb.New(ddb.NewFromConfig(awsCfg), c.Table), "dynamodb:" + c.Table, nil
	}
	st, err := sqlite.Open(ctx, c.SQLitePath)
	if err != nil {
		return nil, "", fmt.Errorf("catalog: %w", err)
	}
	return st, c.SQLitePath, nil
}
