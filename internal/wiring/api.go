package wiring

import (
	"log/slog"
	"net/http"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/api"
	"github.com/sbomcat/sbomcat/jobs"
)

// APIConfig is what the IoT API is built on, for sbomd and the API Lambda alike.
type APIConfig struct {
	Store     Catalog
	Queue     api.Enqueuer
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

// NewAPI builds the IoT API handler. ---- The one place where the API is constructed: the
// catalog service and anything else the handler is given are wired here. ----
func NewAPI(c APIConfig) http.Handler {
	return api.New(api.Config{
		Store:                  c.Store,
		Queue:                  c.Queue,
		Scope:                  c.Scope,
		Credentials:            c.Credentials,
		DisableAuth:            c.DisableAuth,
		Logger:                 c.Logger,
		MaxBodyBytes:           c.MaxBodyBytes,
		MaxPackages:            c.MaxPackages,
		MaxVersions:            c.MaxVersions,
		MaxInFlightValidations: c.MaxInFlight,
		Jobs:                   c.Store,
		Presigner:              c.Presigner,
	})
}
