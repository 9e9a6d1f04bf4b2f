// Package apiwiring builds what serves the IoT API, for sbomd and the API Lambda: the catalog
// store with its jobs, and the handler. It is apart from package wiring so that the worker
// binaries link none of it (and their IAM policies, derived from the code they reach by
// deploy's tests, grant nothing the API needs).
package apiwiring

import (
	"context"
	"fmt"
	"log/slog"

	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/api"
	"github.com/sbomcat/sbomcat/catalog"
	"github.com/sbomcat/sbomcat/dynamodb"
	"github.com/sbomcat/sbomcat/internal/wiring"
	"github.com/sbomcat/sbomcat/jobs"
	"github.com/sbomcat/sbomcat/sqlite"
)

// APIConfig is what the IoT API is built on, for sbomd and the API Lambda alike.
type APIConfig struct {
	Store     Catalog
	Queue     catalog.Enqueuer
	Presigner jobs.Presigner
	Scope     sbomcat.Scope
	// Credentials are the accepted key pairs; DisableAuth trusts a front (API Gateway's IAM
	// authoriser) to have verified the caller instead.
	Credentials map[string]string
	DisableAuth bool
	Logger      *slog.Logger
	// Zero limits mean the API's defaults, -1 no limit.
	MaxBodyBytes                          int64
	MaxPackages, MaxVersions, MaxInFlight int
}

// NewCatalog builds the catalog service on the store and the queue, for the API and the
// console alike.
func NewCatalog(c APIConfig) *catalog.Service {
	return catalog.New(catalog.Config{Store: c.Store, Queue: c.Queue, Logger: c.Logger,
		Limits: catalog.Limits{Packages: c.MaxPackages, Versions: c.MaxVersions, InFlightValidations: c.MaxInFlight}})
}

// NewAPI builds the IoT API handler on the catalog service. The one place where the API is
// constructed.
func NewAPI(c APIConfig, svc *catalog.Service) http.Handler {
	return api.New(api.Config{
		Catalog:      svc,
		Scope:        c.Scope,
		Credentials:  c.Credentials,
		DisableAuth:  c.DisableAuth,
		Logger:       c.Logger,
		MaxBodyBytes: c.MaxBodyBytes,
		Jobs:         c.Store,
		Presigner:    c.Presigner,
	})
}

// Catalog is what the binaries keep in their store: the package catalog and the jobs.
// sqlite.Store and dynamodb.Store are both.
type Catalog = catalog.Store

// OpenStore opens the store and says where it is, for the start-up log line. awsCfg is used
// for DynamoDB only. Close the store when done.
func OpenStore(ctx context.Context, c wiring.StoreConfig, awsCfg aws.Config) (Catalog, string, error) {
	if c.Kind == wiring.StoreDynamoDB {
		return dynamodb.New(ddb.NewFromConfig(awsCfg), c.Table), "dynamodb:" + c.Table, nil
	}
	st, err := sqlite.Open(ctx, c.SQLitePath)
	if err != nil {
		return nil, "", fmt.Errorf("catalog: %w", err)
	}
	return st, c.SQLitePath, nil
}
