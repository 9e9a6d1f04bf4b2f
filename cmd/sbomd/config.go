package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/api"
	"github.com/sbomcat/sbomcat/internal/httpguard"
	"github.com/sbomcat/sbomcat/objects"
	"github.com/sbomcat/sbomcat/validator"
	"github.com/sbomcat/sbomcat/worker"
)

// S3 modes.
const (
	s3Embedded = "embedded" // served on sbomd's own address from DATA_DIR/s3
	s3External = "external" // the SDK's S3 (AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL or AWS)
)

// config is sbomd's configuration: flags, defaulted from environment variables.
type config struct {
	addr, dataDir, region, account, logLevel string
	publicURL                                string

	// credentials are the accepted key pairs; presignKey is the first one given, which signs
	// the artifact URLs of job documents.
	credentials map[string]string
	presignKey  string

	maxPackages, maxVersions, maxInFlight int
	maxBody                               int64
	// hostile (issue 10): connection and body guards (internal/httpguard).
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
}

const usage = `usage: sbomd [flags]

Serves the AWS IoT Software Package Catalog API and an S3 endpoint on one address, and validates
associated SBOMs in the same process. Every flag has an environment variable; flags win.

Flags (-flag or --flag):
`

// env reads the environment through getenv, remembering what it could not parse.
type env struct {
	getenv func(string) string
	errs   []error
}

func (e *env) str(name, def string) string {
	if v := e.getenv(name); v != "" {
		return v
	}
	return def
}

func (e *env) int(name string, def int) int {
	v := e.getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		e.errs = append(e.errs, fmt.Errorf("%s: %q is not a whole number", name, v))
		return def
	}
	return n
}

func (e *env) bool(name string, def bool) bool {
	v := e.getenv(name)
	if v == "" {
		return def
	}
	b, err := strconv.ParseBool(strings.TrimSpace(v))
	if err != nil {
		e.errs = append(e.errs, fmt.Errorf("%s: %q is not true or false", name, v))
		return def
	}
	return b
}

func (e *env) duration(name string, def time.Duration) time.Duration {
	v := e.getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(strings.TrimSpace(v))
	if err != nil {
		e.errs = append(e.errs, fmt.Errorf("%s: %q is not a duration like 30s or 5m", name, v))
		return def
	}
	return d
}

func parseFlags(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	e := &env{getenv: getenv}
	var c config
	var creds, profile, logLevel string
	fs := flag.NewFlagSet("sbomd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fs.PrintDefaults()
	}
	fs.StringVar(&c.addr, "addr", e.str("SBOMD_ADDR", "127.0.0.1:4566"), "listen `address` of both APIs (SBOMD_ADDR)")
	fs.StringVar(&c.dataDir, "data-dir", e.str("SBOMD_DATA_DIR", ".sbomd"), "`directory` of the SQLite catalog (catalog.db) and the S3 store (s3/) (SBOMD_DATA_DIR)")
	fs.StringVar(&c.region, "region", e.str("SBOMD_REGION", sbomcat.DefaultScope.Region), "region of ARNs and of request signatures (SBOMD_REGION)")
	fs.StringVar(&c.account, "account", e.str("SBOMD_ACCOUNT", sbomcat.DefaultScope.Account), "account id of ARNs (SBOMD_ACCOUNT)")
	fs.StringVar(&creds, "credentials", e.str("SBOMD_CREDENTIALS", "test:test"), "accepted access keys, `KEY:SECRET[,KEY:SECRET...]`; the first also signs presigned URLs (SBOMD_CREDENTIALS)")
	fs.StringVar(&c.publicURL, "public-url", e.str("SBOMD_PUBLIC_URL", ""), "`URL` clients reach sbomd at, written into presigned artifact URLs (SBOMD_PUBLIC_URL, default http://ADDR, 127.0.0.1 for an unspecified host)")
	fs.StringVar(&logLevel, "log-level", e.str("SBOMD_LOG_LEVEL", "info"), "debug, info, warn or error (SBOMD_LOG_LEVEL)")
	fs.IntVar(&c.maxPackages, "max-packages", e.int("SBOMD_MAX_PACKAGES", api.DefaultMaxPackages), "packages per account, -1 for no limit (SBOMD_MAX_PACKAGES)")
	fs.IntVar(&c.maxVersions, "max-versions", e.int("SBOMD_MAX_VERSIONS", api.DefaultMaxVersions), "package versions per account, -1 for no limit (SBOMD_MAX_VERSIONS)")
	fs.IntVar(&c.maxInFlight, "max-inflight-validations", e.int("SBOMD_MAX_INFLIGHT_VALIDATIONS", api.DefaultMaxInFlightValidations), "SBOM validations in progress at once, -1 for no limit (SBOMD_MAX_INFLIGHT_VALIDATIONS)")
	fs.Int64Var(&c.maxBody, "max-body-bytes", int64(e.int("SBOMD_MAX_BODY_BYTES", api.DefaultMaxBodyBytes)), "largest IoT API request body; S3 objects may have up to 5 GiB whatever this says (SBOMD_MAX_BODY_BYTES)")

	fs.DurationVar(&c.stallTimeout, "stall-timeout", e.duration("SBOMD_STALL_TIMEOUT", httpguard.DefaultStall), "a connection that sends no header or body bytes, or reads no response bytes, for this long is closed (SBOMD_STALL_TIMEOUT)")
	fs.Int64Var(&c.maxBuffered, "max-buffered-bytes", int64(e.int("SBOMD_MAX_BUFFERED_BYTES", httpguard.DefaultMaxBuffered)), "bytes of unfinished request bodies held in memory by all connections together; a body that finds no room waits up to the stall timeout (SBOMD_MAX_BUFFERED_BYTES)")
	fs.StringVar(&c.s3, "s3", e.str("SBOMD_S3", s3Embedded), "where SBOMs and artifacts are: embedded (served here from DATA_DIR/s3) or external (the AWS SDK's S3: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL or AWS; SBOMCAT_S3_USE_PATH_STYLE for emulators) (SBOMD_S3)")
	fs.StringVar(&c.table, "table", e.str("SBOMD_TABLE", ""), "DynamoDB `table` of the catalog instead of SQLite (AWS_ENDPOINT_URL_DYNAMODB for an emulator) (SBOMD_TABLE)")
	fs.StringVar(&c.queueURL, "queue-url", e.str("SBOMD_QUEUE_URL", ""), "SQS queue `URL` for associations instead of the embedded queue (AWS_ENDPOINT_URL_SQS for an emulator) (SBOMD_QUEUE_URL)")
	fs.BoolVar(&c.worker, "worker", e.bool("SBOMD_WORKER", true), "validate SBOMs in this process: from the embedded queue, or long-polling --queue-url; false leaves them to sbomworker (SBOMD_WORKER)")
	fs.IntVar(&c.concurrency, "concurrency", e.int("SBOMD_CONCURRENCY", runtime.GOMAXPROCS(0)), "validations at once (SBOMD_CONCURRENCY, default the number of CPUs)")
	fs.DurationVar(&c.validationTimeout, "validation-timeout", e.duration("SBOMD_VALIDATION_TIMEOUT", worker.DefaultTimeout), "bound on one validation, S3 reads included (SBOMD_VALIDATION_TIMEOUT)")
	fs.DurationVar(&c.shutdownGrace, "shutdown-grace", e.duration("SBOMD_SHUTDOWN_GRACE", 10*time.Second), "time for requests and validations to finish after SIGTERM; the rest resume at the next start (SBOMD_SHUTDOWN_GRACE)")
	fs.StringVar(&profile, "profile", e.str("SBOMCAT_PROFILE", string(sbomcat.ProfileAWS)), "validation rules: aws (the official JSON Schemas) or strict (also reference integrity) (SBOMCAT_PROFILE)")
	limits, err := validator.LimitsFromEnv(getenv)
	if err != nil {
		e.errs = append(e.errs, err)
	}
	limits.AddFlags(fs)
	if c.s3Options, err = objects.OptionsFromEnv(getenv); err != nil {
		e.errs = append(e.errs, err)
	}
	if err := errors.Join(e.errs...); err != nil {
		return c, err
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}

	if c.credentials, c.presignKey, err = parseCredentials(creds); err != nil {
		return c, err
	}
	if err := c.level.UnmarshalText([]byte(logLevel)); err != nil {
		return c, fmt.Errorf("log level: %w", err)
	}
	c.validator = validator.Validator{Limits: limits, Profile: sbomcat.Profile(strings.ToLower(profile))}
	if p := c.validator.Profile; p != sbomcat.ProfileAWS && p != sbomcat.ProfileStrict {
		return c, fmt.Errorf("profile %q: use aws or strict", profile)
	}
	if c.s3 != s3Embedded && c.s3 != s3External {
		return c, fmt.Errorf("s3 %q: use embedded or external", c.s3)
	}
	if c.concurrency <= 0 {
		return c, fmt.Errorf("concurrency %d: must be at least 1", c.concurrency)
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

// parseCredentials reads KEY:SECRET pairs and returns them with the first key id.
func parseCredentials(s string) (map[string]string, string, error) {
	keys := map[string]string{}
	first := ""
	for _, pair := range strings.Split(s, ",") {
		k, secret, ok := strings.Cut(strings.TrimSpace(pair), ":")
		if !ok || k == "" || secret == "" {
			return nil, "", errors.New("credentials must be KEY:SECRET pairs separated by commas")
		}
		if first == "" {
			first = k
		}
		keys[k] = secret
	}
	return keys, first, nil
}
