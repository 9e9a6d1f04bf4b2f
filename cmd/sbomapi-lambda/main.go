// Command sbomapi-lambda serves the package catalog API from AWS Lambda behind an API Gateway
// HTTP API (payload format 2.0), on DynamoDB. It is a thin adapter: the handler is the same
// api.Handler that sbomd serves, and API Gateway's IAM authorisation replaces SigV4
// verification. New SBOM associations are published to the SQS queue that the worker function
// consumes; job documents get their artifact URLs presigned with the function's own
// credentials.
//
// Environment (template.yaml sets every one):
//
//	SBOMCAT_TABLE                     DynamoDB table (required)
//	SBOMCAT_ACCOUNT_ID                account id of ARNs (required)
//	SBOMCAT_QUEUE_URL                 SQS queue of association events (required)
//	SBOMCAT_MAX_PACKAGES              packages in the catalog, -1 for no limit (default 100)
//	SBOMCAT_MAX_VERSIONS              package versions, -1 for no limit (default 10000)
//	SBOMCAT_MAX_INFLIGHT_VALIDATIONS  validations in progress at once, -1 for no limit (default 100)
//
// AWS_REGION and the credentials are Lambda's.
package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/catalog"
	ddbstore "github.com/sbomcat/sbomcat/dynamodb"
	"github.com/sbomcat/sbomcat/internal/wiring/apiwiring"
	"github.com/sbomcat/sbomcat/internal/wiring/awsenv"
	"github.com/sbomcat/sbomcat/jobs"
	"github.com/sbomcat/sbomcat/jobs/s3presign"
	sbomsqs "github.com/sbomcat/sbomcat/sqs"
)

// Environment variables (see the package documentation).
const (
	envTable       = "SBOMCAT_TABLE"
	envAccountID   = "SBOMCAT_ACCOUNT_ID"
	envQueueURL    = "SBOMCAT_QUEUE_URL"
	envMaxPackages = "SBOMCAT_MAX_PACKAGES"
	envMaxVersions = "SBOMCAT_MAX_VERSIONS"
	envMaxInFlight = "SBOMCAT_MAX_INFLIGHT_VALIDATIONS"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	c, err := configFromEnv(os.Getenv)
	if err != nil {
		// An init error: Lambda reports it, and API Gateway answers 500 until it is fixed.
		log.Error("configuration", "error", err.Error())
		os.Exit(1)
	}
	cfg, err := awsenv.Load(os.Getenv)
	if err != nil {
		log.Error("aws configuration", "error", err.Error())
		os.Exit(1)
	}
	store := ddbstore.New(dynamodb.NewFromConfig(cfg), c.table)
	h := newHandler(c, cfg.Region, store, sbomsqs.NewPublisher(awssqs.NewFromConfig(cfg), c.queueURL),
		s3presign.New(s3.NewFromConfig(cfg)), log)
	lambda.Start(httpadapter.NewV2(h).ProxyWithContext)
}

// fnConfig is the function's configuration. Zero limits mean the API's defaults.
type fnConfig struct {
	table, account, queueURL              string
	maxPackages, maxVersions, maxInFlight int
}

// configFromEnv reads the configuration through getenv (os.Getenv in production) and names
// every variable that is missing or malformed.
func configFromEnv(getenv func(string) string) (fnConfig, error) {
	c := fnConfig{table: getenv(envTable), account: getenv(envAccountID), queueURL: getenv(envQueueURL)}
	var errs []error
	if c.table == "" {
		errs = append(errs, errors.New(envTable+" must name the DynamoDB table"))
	}
	if c.account == "" {
		errs = append(errs, errors.New(envAccountID+" must give the account id of ARNs"))
	}
	if c.queueURL == "" {
		// Without a queue nothing would ever validate an association: sbomd's embedded queue
		// (which takes its work from the store's IN_PROGRESS versions) needs an in-process
		// worker, which Lambda has not.
		errs = append(errs, errors.New(envQueueURL+" must give the URL of the association queue"))
	}
	for _, l := range []struct {
		env string
		dst *int
	}{{envMaxPackages, &c.maxPackages}, {envMaxVersions, &c.maxVersions}, {envMaxInFlight, &c.maxInFlight}} {
		v := strings.TrimSpace(getenv(l.env))
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < -1 || n == 0 {
			errs = append(errs, fmt.Errorf("%s: %q is not a positive whole number or -1 (no limit)", l.env, v))
			continue
		}
		*l.dst = n
	}
	return c, errors.Join(errs...)
}

// newHandler builds the API on its parts: the store, the queue the worker reads, and the
// presigner of job artifact URLs.
func newHandler(c fnConfig, region string, store apiwiring.Catalog, q catalog.Enqueuer, p jobs.Presigner, log *slog.Logger) http.Handler {
	cfg := apiwiring.APIConfig{
		Store:       store,
		Queue:       q,
		Presigner:   p,
		Scope:       sbomcat.Scope{Partition: sbomcat.DefaultScope.Partition, Region: region, Account: c.account},
		DisableAuth: true, // API Gateway's IAM authoriser has verified the caller
		Logger:      log,
		MaxPackages: c.maxPackages,
		MaxVersions: c.maxVersions,
		MaxInFlight: c.maxInFlight,
	}
	return netHTTPWrites(apiwiring.NewAPI(cfg, apiwiring.NewCatalog(cfg)))
}

// netHTTPWrites gives h's empty writes net/http's meaning under the API Gateway adapter. The
// adapter sniffs a Content-Type on every Write, an empty one included (text/plain), where
// net/http sniffs only a non-empty body: without this, the operations that answer 200 with no
// body (UpdatePackage, DeletePackage, ...) would carry a Content-Type that sbomd never sends.
func netHTTPWrites(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(&emptyWrites{ResponseWriter: w}, r)
	})
}

type emptyWrites struct {
	http.ResponseWriter
	wroteHeader bool
}

// Unwrap lets http.ResponseController reach the adapter's writer.
func (w *emptyWrites) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *emptyWrites) WriteHeader(status int) {
	w.wroteHeader = true
	w.ResponseWriter.WriteHeader(status)
}

func (w *emptyWrites) Write(p []byte) (int, error) {
	if len(p) == 0 {
		if !w.wroteHeader {
			w.WriteHeader(http.StatusOK) // as net/http's first Write does
		}
		return 0, nil
	}
	w.wroteHeader = true
	return w.ResponseWriter.Write(p)
}
