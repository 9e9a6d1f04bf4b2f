// Package apiwiring builds what serves the IoT API, for sbomd and the API Lambda: the catalog
// service and the handler on a store (wiring.OpenCatalog opens one). It is apart from package
// wiring so that the worker binaries link none of it (and their IAM policies, derived from
// the code they reach by deploy's tests, grant nothing the API needs), and imports nothing of
// wiring so that the API Lambda links none of that (SQLite, the embedded S3).
package apiwiring

import (
	"log/slog"
	"net/http"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/api"
	"github.com/sbomcat/sbomcat/catalog"
	"github.com/sbomcat/sbomcat/jobs"
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
