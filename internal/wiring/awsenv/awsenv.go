// Package awsenv builds the AWS SDK's configuration from the environment variables alone, for
// the Lambda functions: Lambda hands a function its region and its role's credentials in
// variables, and has no shared configuration files to search. It does not import the SDK's
// config package, whose credential providers (SSO, STS, sign-in, the instance metadata
// service) would be linked into the functions and initialised on every cold start for nothing:
// their packages' initialisation was about a tenth of a function's CPU time before its first
// event. Package awswiring, for the binaries that run anywhere else, loads the full chain.
package awsenv

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/smithy-go/logging"
)

// The variables read: Lambda's own (region and credentials), the SDK's endpoint overrides,
// which point the functions at emulators (the tests, LocalStack), and its retry settings.
const (
	envRegion          = "AWS_REGION"
	envDefaultRegion   = "AWS_DEFAULT_REGION"
	envAccessKeyID     = "AWS_ACCESS_KEY_ID"
	envAccessKey       = "AWS_ACCESS_KEY" // the SDK's older name
	envSecretAccessKey = "AWS_SECRET_ACCESS_KEY"
	envSecretKey       = "AWS_SECRET_KEY" // the SDK's older name
	envSessionToken    = "AWS_SESSION_TOKEN"
	envAccountID       = "AWS_ACCOUNT_ID"
	envEndpointURL     = "AWS_ENDPOINT_URL"
	envIgnoreEndpoints = "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"
	envMaxAttempts     = "AWS_MAX_ATTEMPTS" // the tests make S3's failures final at once
	envRetryMode       = "AWS_RETRY_MODE"
)

// unsupported are the SDK's other variables that change its requests. The config package
// would honour them; Load refuses to start with one set rather than silently ignore it.
var unsupported = []string{
	"AWS_CA_BUNDLE", "AWS_DEFAULTS_MODE",
	"AWS_USE_FIPS_ENDPOINT", "AWS_USE_DUALSTACK_ENDPOINT", "AWS_ACCOUNT_ID_ENDPOINT_MODE",
	"AWS_REQUEST_CHECKSUM_CALCULATION", "AWS_RESPONSE_CHECKSUM_VALIDATION",
	"AWS_S3_USE_ARN_REGION", "AWS_S3_DISABLE_MULTIREGION_ACCESS_POINTS", "AWS_S3_DISABLE_EXPRESS_SESSION_AUTH",
	"AWS_ENABLE_ENDPOINT_DISCOVERY", "AWS_DISABLE_REQUEST_COMPRESSION", "AWS_REQUEST_MIN_COMPRESSION_SIZE_BYTES",
	"AWS_DISABLE_CLOCK_SKEW_CORRECTION", "AWS_SDK_UA_APP_ID", "AWS_AUTH_SCHEME_PREFERENCE",
}

var errNoCredentials = errors.New(envAccessKeyID + " and " + envSecretAccessKey + " are not set: Lambda sets them, and the function reads no other source of credentials")

// Load returns the configuration that the SDK's config.LoadDefaultConfig loads from the same
// variables when they hold static credentials, as they do in Lambda: the region
// (AWS_REGION, else AWS_DEFAULT_REGION), the credentials (AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_ACCOUNT_ID), the endpoint overrides
// (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS), the
// retries (AWS_MAX_ATTEMPTS, AWS_RETRY_MODE), and the SDK's defaults for everything else, with
// HTTPClient's client. Shared configuration files are
// not read. It fails with any of the SDK's other settings set; without credentials, the
// requests fail.
func Load(getenv func(string) string) (aws.Config, error) {
	var errs []error
	for _, name := range unsupported {
		if getenv(name) != "" {
			errs = append(errs, fmt.Errorf("%s is set, but the function's AWS configuration reads only the region, the credentials, the endpoints and the retries from the environment", name))
		}
	}
	creds := aws.Credentials{
		AccessKeyID:     first(getenv, envAccessKeyID, envAccessKey),
		SecretAccessKey: first(getenv, envSecretAccessKey, envSecretKey),
		Source:          "EnvConfigCredentials", // config.CredentialsSourceName
	}
	creds.SessionToken, creds.AccountID = getenv(envSessionToken), getenv(envAccountID)
	src := source{getenv: getenv}
	if v := getenv(envIgnoreEndpoints); v != "" {
		ignore, ok := parseBool(v)
		if !ok {
			errs = append(errs, fmt.Errorf("%s: %q is not true or false", envIgnoreEndpoints, v))
		}
		src.ignoreEndpoints = &ignore
	}
	var maxAttempts int
	if v := getenv(envMaxAttempts); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %q is not a whole number", envMaxAttempts, v))
		}
		maxAttempts = int(n)
	}
	var retryMode aws.RetryMode
	if v := getenv(envRetryMode); v != "" {
		var err error
		if retryMode, err = aws.ParseRetryMode(v); err != nil {
			errs = append(errs, fmt.Errorf("%s: %q is not standard or adaptive", envRetryMode, v))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return aws.Config{}, fmt.Errorf("aws configuration: %w", err)
	}
	var provider aws.CredentialsProvider = credentials.StaticCredentialsProvider{
		Value: creds, Source: []aws.CredentialSource{aws.CredentialSourceEnvVars},
	}
	if !creds.HasKeys() {
		// As with the config package, a function that sends no request to AWS (the reaper on
		// SQLite) starts without credentials; its first request fails, with this error.
		provider = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{}, errNoCredentials
		})
	}
	cfg := aws.Config{
		Region:                     first(getenv, envRegion, envDefaultRegion),
		Credentials:                aws.NewCredentialsCache(provider),
		HTTPClient:                 HTTPClient(),
		RetryMaxAttempts:           maxAttempts,
		RetryMode:                  retryMode,
		Logger:                     logging.NewStandardLogger(os.Stderr),
		DefaultsMode:               aws.DefaultsModeLegacy,
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenSupported,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenSupported,
		// The service clients look their own endpoint up here (AWS_ENDPOINT_URL_S3, ...).
		ConfigSources: []any{src},
	}
	if v := getenv(envEndpointURL); v != "" && !src.ignored() {
		cfg.BaseEndpoint = aws.String(v)
	}
	return cfg, nil
}

func first(getenv func(string) string, names ...string) string {
	for _, n := range names {
		if v := getenv(n); v != "" {
			return v
		}
	}
	return ""
}

// parseBool reads a boolean as the SDK does: true or false in any case.
func parseBool(v string) (value, ok bool) {
	switch {
	case strings.EqualFold(v, "true"):
		return true, true
	case strings.EqualFold(v, "false"):
		return false, true
	}
	return false, false
}

// source is the configuration source the service clients ask for their endpoint override: it
// implements the interfaces of the SDK's internal/configsources, as config.EnvConfig does.
type source struct {
	getenv          func(string) string
	ignoreEndpoints *bool
}

func (s source) ignored() bool { return s.ignoreEndpoints != nil && *s.ignoreEndpoints }

// GetIgnoreConfiguredEndpoints reports AWS_IGNORE_CONFIGURED_ENDPOINT_URLS.
func (s source) GetIgnoreConfiguredEndpoints(context.Context) (value, found bool, err error) {
	if s.ignoreEndpoints == nil {
		return false, false, nil
	}
	return *s.ignoreEndpoints, true, nil
}

// GetServiceBaseEndpoint returns AWS_ENDPOINT_URL_<SERVICE>, the service's SDK id in upper
// case with underscores for spaces.
func (s source) GetServiceBaseEndpoint(_ context.Context, sdkID string) (string, bool, error) {
	v := s.getenv(envEndpointURL + "_" + strings.ReplaceAll(strings.ToUpper(sdkID), " ", "_"))
	return v, v != "", nil
}

// maxIdleConnsPerHost is how many keep-alive connections each SDK client holds to one
// endpoint. The SDK's default, 10, is fewer than the requests a worker has in flight to its
// store or S3 (sqs.DefaultConcurrency jobs at once), and every connection over it would be
// closed after its request and opened again for the next.
const maxIdleConnsPerHost = 256

// HTTPClient is the SDK's own HTTP client (its timeouts and proxy settings) with
// maxIdleConnsPerHost, for every binary's configuration.
func HTTPClient() *awshttp.BuildableClient {
	return awshttp.NewBuildableClient().WithTransportOptions(func(t *http.Transport) {
		t.MaxIdleConnsPerHost = maxIdleConnsPerHost
		t.MaxIdleConns = max(t.MaxIdleConns, maxIdleConnsPerHost)
	})
}
