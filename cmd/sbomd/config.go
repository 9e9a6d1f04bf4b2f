package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"runtime"
	"strings"
	"time"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/api"
	"github.com/sbomcat/sbomcat/internal/flagset"
	"github.com/sbomcat/sbomcat/internal/httpguard"
	"github.com/sbomcat/sbomcat/internal/wiring"
	"github.com/sbomcat/sbomcat/internal/wiring/settings"
	"github.com/sbomcat/sbomcat/objects"
	"github.com/sbomcat/sbomcat/validator"
	"github.com/sbomcat/sbomcat/worker"
)

// S3 modes.
const (
	s3Embedded = "embedded" // served on sbomd's own address from DATA_DIR/s3
	s3External = "external" // the SDK's S3 (AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL or AWS)
)

// sbomd's variables (internal/wiring documents the scheme); the previous release named them
// SBOMD_<NAME> (SBOMD_ACCOUNT for SBOMCAT_ACCOUNT_ID).
const (
	envS3                     = "SBOMCAT_S3"
	envAddr                   = "SBOMCAT_ADDR"
	envDataDir                = "SBOMCAT_DATA_DIR"
	envRegion                 = "SBOMCAT_REGION"
	envAccountID              = "SBOMCAT_ACCOUNT_ID"
	envCredentials            = "SBOMCAT_CREDENTIALS"
	envPublicURL              = "SBOMCAT_PUBLIC_URL"
	envMaxPackages            = "SBOMCAT_MAX_PACKAGES"
	envMaxVersions            = "SBOMCAT_MAX_VERSIONS"
	envMaxInflightValidations = "SBOMCAT_MAX_INFLIGHT_VALIDATIONS"
	envMaxBodyBytes           = "SBOMCAT_MAX_BODY_BYTES"
	envWorker                 = "SBOMCAT_WORKER"
	envConsole                = "SBOMCAT_CONSOLE"
	envConsoleToken           = "SBOMCAT_CONSOLE_TOKEN"
	envStallTimeout           = "SBOMCAT_STALL_TIMEOUT"
	envMaxBufferedBytes       = "SBOMCAT_MAX_BUFFERED_BYTES"
)

// config is sbomd's configuration: flags, defaulted from environment variables.
type config struct {
	addr, dataDir, region, account string
	publicURL                      string

	// credentials are the accepted key pairs; presignKey is the first one given, which signs
	// the artifact URLs of job documents.
	credentials map[string]string
	presignKey  string

	maxPackages, maxVersions, maxInFlight int
	maxBody                               int64
	// Connection and body guards (internal/httpguard).
	stallTimeout time.Duration
	maxBuffered  int64

	s3       string // s3Embedded or s3External
	table    string // DynamoDB table; "" for SQLite in the data directory
	queueURL string // SQS queue; "" for the embedded queue
	worker   bool   // run the validation worker in this process

	concurrency       int
	validationTimeout time.Duration
	shutdownGrace     time.Duration
	validator         validator.Validator
	s3Options         objects.Options // external S3 only

	level slog.Level
	// warnings are logged on start: deprecated variable names in use.
	warnings []string

	// The console in the browser (package console); consoleToken "" means random.
	console      bool
	consoleToken string
}

const usage = `usage: sbomd [flags]

Serves the AWS IoT Software Package Catalog API and an S3 endpoint on one address, and validates
associated SBOMs in the same process. Every flag has an environment variable; flags win. The
SBOMD_ names of the previous release still work for this release, with a warning; the SBOMCAT_
name wins when both are set.

Flags (-flag or --flag):
`

// helpError is parseFlags' answer to -h: the usage, for stdout. It wraps flag.ErrHelp.
type helpError struct{ text string }

func (e *helpError) Error() string { return flag.ErrHelp.Error() }
func (e *helpError) Unwrap() error { return flag.ErrHelp }

func parseFlags(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	e := settings.NewEnv(getenv)
	var c config
	var creds, profile, logLevel string
	// Help that was asked for goes to stdout (main prints it), help after a mistake to stderr.
	fs := flagset.New("sbomd", usage)
	fs.StringVar(&c.addr, "addr", e.String(envAddr, "SBOMD_ADDR", "127.0.0.1:4566"), "listen `address` of both APIs (SBOMCAT_ADDR)")
	fs.StringVar(&c.dataDir, "data-dir", e.String(envDataDir, "SBOMD_DATA_DIR", ".sbomd"), "`directory` of the SQLite catalog (catalog.db) and the S3 store (s3/) (SBOMCAT_DATA_DIR)")
	fs.StringVar(&c.region, "region", e.String(envRegion, "SBOMD_REGION", sbomcat.DefaultScope.Region), "region of ARNs and of request signatures (SBOMCAT_REGION)")
	fs.StringVar(&c.account, "account", e.String(envAccountID, "SBOMD_ACCOUNT", sbomcat.DefaultScope.Account), "account id of ARNs (SBOMCAT_ACCOUNT_ID)")
	fs.StringVar(&creds, "credentials", e.String(envCredentials, "SBOMD_CREDENTIALS", "test:test"), "accepted access keys, `KEY:SECRET[,KEY:SECRET...]`; the first also signs presigned URLs (SBOMCAT_CREDENTIALS)")
	fs.StringVar(&c.publicURL, "public-url", e.String(envPublicURL, "SBOMD_PUBLIC_URL", ""), "`URL` clients reach sbomd at, written into presigned artifact URLs (SBOMCAT_PUBLIC_URL, default http://ADDR, 127.0.0.1 for an unspecified host)")
	fs.StringVar(&logLevel, "log-level", e.String(settings.EnvLogLevel, "SBOMD_LOG_LEVEL", "info"), "debug, info, warn or error (SBOMCAT_LOG_LEVEL)")
	fs.IntVar(&c.maxPackages, "max-packages", e.Int(envMaxPackages, "SBOMD_MAX_PACKAGES", api.DefaultMaxPackages), "packages per account, -1 for no limit (SBOMCAT_MAX_PACKAGES)")
	fs.IntVar(&c.maxVersions, "max-versions", e.Int(envMaxVersions, "SBOMD_MAX_VERSIONS", api.DefaultMaxVersions), "package versions per account, -1 for no limit (SBOMCAT_MAX_VERSIONS)")
	fs.IntVar(&c.maxInFlight, "max-inflight-validations", e.Int(envMaxInflightValidations, "SBOMD_MAX_INFLIGHT_VALIDATIONS", api.DefaultMaxInFlightValidations), "SBOM validations in progress at once, -1 for no limit (SBOMCAT_MAX_INFLIGHT_VALIDATIONS)")
	fs.Int64Var(&c.maxBody, "max-body-bytes", int64(e.Int(envMaxBodyBytes, "SBOMD_MAX_BODY_BYTES", api.DefaultMaxBodyBytes)), "largest IoT API request body; S3 objects may have up to 5 GiB whatever this says (SBOMCAT_MAX_BODY_BYTES)")

	fs.StringVar(&c.s3, "s3", e.String(envS3, "SBOMD_S3", s3Embedded), "where SBOMs and artifacts are: embedded (served here from DATA_DIR/s3) or external (the AWS SDK's S3: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL or AWS; SBOMCAT_S3_USE_PATH_STYLE for emulators) (SBOMCAT_S3)")
	fs.StringVar(&c.table, "table", e.String(settings.EnvTable, "SBOMD_TABLE", ""), "DynamoDB `table` of the catalog instead of SQLite (AWS_ENDPOINT_URL_DYNAMODB for an emulator) (SBOMCAT_TABLE)")
	fs.StringVar(&c.queueURL, "queue-url", e.String(settings.EnvQueueURL, "SBOMD_QUEUE_URL", ""), "SQS queue `URL` for associations instead of the embedded queue (AWS_ENDPOINT_URL_SQS for an emulator) (SBOMCAT_QUEUE_URL)")
	fs.BoolVar(&c.worker, "worker", e.Bool(envWorker, "SBOMD_WORKER", true), "validate SBOMs in this process: from the embedded queue, or long-polling --queue-url; false leaves them to sbomworker (SBOMCAT_WORKER)")
	fs.IntVar(&c.concurrency, "concurrency", e.Int(settings.EnvConcurrency, "SBOMD_CONCURRENCY", 0), "validations at once; 0, the default, for the number of CPUs (SBOMCAT_CONCURRENCY)")
	fs.DurationVar(&c.validationTimeout, "validation-timeout", e.Duration(settings.EnvValidationTimeout, "SBOMD_VALIDATION_TIMEOUT", worker.DefaultTimeout), "bound on one validation, S3 reads included (SBOMCAT_VALIDATION_TIMEOUT)")
	fs.DurationVar(&c.shutdownGrace, "shutdown-grace", e.Duration(settings.EnvShutdownGrace, "SBOMD_SHUTDOWN_GRACE", 10*time.Second), "time for requests and validations to finish after SIGTERM; the rest resume at the next start (SBOMCAT_SHUTDOWN_GRACE)")
	fs.StringVar(&profile, "profile", e.String(settings.EnvProfile, "", string(sbomcat.ProfileAWS)), "validation rules: aws (the official JSON Schemas), strict (also reference integrity), ntia or bsi (also the minimum elements, docs/profiles.md), or several joined with commas (strict,ntia); a package's sbomcat:profile tag overrides it for that package (SBOMCAT_PROFILE)")
	// Bounded time and memory per connection.
	fs.DurationVar(&c.stallTimeout, "stall-timeout", e.Duration(envStallTimeout, "", httpguard.DefaultStall), "a connection that sends no header or body bytes, or reads no response bytes, for this long is closed (SBOMCAT_STALL_TIMEOUT)")
	fs.Int64Var(&c.maxBuffered, "max-buffered-bytes", int64(e.Int(envMaxBufferedBytes, "", httpguard.DefaultMaxBuffered)), "bytes of unfinished request bodies held in memory by all connections together; a body that finds no room waits up to the stall timeout (SBOMCAT_MAX_BUFFERED_BYTES)")
	// The console in the browser.
	fs.BoolVar(&c.console, "console", e.Bool(envConsole, "", true), "serve the console in the browser under /console/ (SBOMCAT_CONSOLE)")
	fs.StringVar(&c.consoleToken, "console-token", e.String(envConsoleToken, "", ""), "`token` that signs a browser in to the console, random when empty; the log prints the URL with it (SBOMCAT_CONSOLE_TOKEN)")
	limits := e.Limits()
	settings.AddLimitFlags(fs.FlagSet, &limits)
	c.s3Options.UsePathStyle = e.Bool(settings.EnvS3UsePathStyle, "", false)
	c.warnings = e.Warnings()
	if err := e.Err(); err != nil {
		return c, err
	}
	var err error
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return c, &helpError{text: fs.Printed()}
		}
		io.WriteString(stderr, fs.Printed()) // flag has said why, with the usage
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}

	if c.credentials, c.presignKey, err = wiring.ParseCredentials(creds); err != nil {
		return c, err
	}
	if err := c.level.UnmarshalText([]byte(logLevel)); err != nil {
		return c, fmt.Errorf("log level: %w", err)
	}
	p, err := settings.ParseProfile(profile)
	if err != nil {
		return c, fmt.Errorf("profile: %w", err)
	}
	c.validator = validator.Validator{Limits: limits.WithDefaults(), Profile: p}
	if c.s3 != s3Embedded && c.s3 != s3External {
		return c, fmt.Errorf("s3 %q: use embedded or external", c.s3)
	}
	// 0 stands for the number of CPUs, so that -h shows no machine-dependent default.
	if c.concurrency == 0 {
		c.concurrency = runtime.GOMAXPROCS(0)
	}
	if c.concurrency < 0 {
		return c, fmt.Errorf("concurrency %d: must be at least 1, or 0 for the number of CPUs", c.concurrency)
	}
	if c.stallTimeout <= 0 || c.maxBuffered <= 0 {
		return c, errors.New("stall-timeout and max-buffered-bytes must be positive")
	}
	if c.maxBody > c.maxBuffered {
		return c, fmt.Errorf("max-body-bytes %d exceeds max-buffered-bytes %d: such a body could never be held", c.maxBody, c.maxBuffered)
	}
	if c.validationTimeout <= 0 || c.shutdownGrace <= 0 {
		return c, errors.New("validation-timeout and shutdown-grace must be positive")
	}
	if c.publicURL != "" {
		if u, err := url.Parse(c.publicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return c, fmt.Errorf("public-url %q: want http(s)://host[:port]", c.publicURL)
		}
		c.publicURL = strings.TrimSuffix(c.publicURL, "/")
	}
	return c, nil
}
