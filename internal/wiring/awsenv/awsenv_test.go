package awsenv_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/sbomcat/sbomcat/internal/wiring/awsenv"
	"github.com/sbomcat/sbomcat/internal/wiring/awswiring"
)

// variables are every variable the cases set; each case starts with all of them unset.
var variables = []string{
	"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY",
	"AWS_SECRET_KEY", "AWS_SESSION_TOKEN", "AWS_ACCOUNT_ID", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3",
	"AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_SQS", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "AWS_RETRY_MODE", "AWS_MAX_ATTEMPTS", "AWS_DEFAULTS_MODE",
	"AWS_CA_BUNDLE",
}

// setEnv sets exactly env among variables, with no shared files for the SDK's config package
// (Lambda has none).
func setEnv(t *testing.T, env map[string]string) {
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	for _, k := range variables {
		t.Setenv(k, "") // restored when the test ends
		os.Unsetenv(k)  // the service clients tell unset from empty (os.LookupEnv)
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
}

// seen is what the SDK's clients make of a configuration.
type seen struct {
	Region, S3, DynamoDB, SQS                  string
	Creds                                      aws.Credentials
	DefaultsMode                               aws.DefaultsMode
	RetryMode                                  aws.RetryMode
	RetryMaxAttempts                           int
	RequestChecksums                           aws.RequestChecksumCalculation
	ResponseChecksums                          aws.ResponseChecksumValidation
	HasLogger, HasHTTPClient, CredentialsCache bool
}

func see(t *testing.T, cfg aws.Config) seen {
	t.Helper()
	creds, err := cfg.Credentials.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	_, cached := cfg.Credentials.(*aws.CredentialsCache)
	return seen{
		Region:           cfg.Region,
		S3:               aws.ToString(s3.NewFromConfig(cfg).Options().BaseEndpoint),
		DynamoDB:         aws.ToString(dynamodb.NewFromConfig(cfg).Options().BaseEndpoint),
		SQS:              aws.ToString(sqs.NewFromConfig(cfg).Options().BaseEndpoint),
		Creds:            creds,
		DefaultsMode:     cfg.DefaultsMode,
		RetryMode:        cfg.RetryMode,
		RetryMaxAttempts: cfg.RetryMaxAttempts,
		RequestChecksums: cfg.RequestChecksumCalculation, ResponseChecksums: cfg.ResponseChecksumValidation,
		HasLogger: cfg.Logger != nil, HasHTTPClient: cfg.HTTPClient != nil, CredentialsCache: cached,
	}
}

// TestLoadIsLoadDefaultConfig: what the SDK's clients see of Load's configuration is what they
// see of the config package's (awswiring.Load, as the Lambda functions loaded it before), from
// the same variables.
func TestLoadIsLoadDefaultConfig(t *testing.T) {
	keys := map[string]string{"AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "secret"}
	with := func(m map[string]string) map[string]string {
		out := map[string]string{}
		for _, src := range []map[string]string{keys, m} {
			for k, v := range src {
				out[k] = v
			}
		}
		return out
	}
	for _, tc := range []struct {
		name string
		env  map[string]string
	}{
		{"Lambda's variables", with(map[string]string{"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "eu-west-1", "AWS_SESSION_TOKEN": "token"})},
		{"AWS_DEFAULT_REGION alone", with(map[string]string{"AWS_DEFAULT_REGION": "ap-south-1"})},
		{"AWS_REGION first", with(map[string]string{"AWS_REGION": "us-west-2", "AWS_DEFAULT_REGION": "ap-south-1"})},
		{"no region", keys},
		{"the older key names", map[string]string{"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY": "old", "AWS_SECRET_KEY": "older", "AWS_ACCOUNT_ID": "123456789012"}},
		{"one endpoint for all", with(map[string]string{"AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL": "http://127.0.0.1:4566"})},
		{"an endpoint per service", with(map[string]string{"AWS_REGION": "us-east-1",
			"AWS_ENDPOINT_URL_S3": "http://127.0.0.1:9000", "AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:8000"})},
		{"a service's endpoint over the global one", with(map[string]string{"AWS_REGION": "us-east-1",
			"AWS_ENDPOINT_URL": "http://127.0.0.1:4566", "AWS_ENDPOINT_URL_SQS": "http://127.0.0.1:9324"})},
		{"endpoints ignored", with(map[string]string{"AWS_REGION": "us-east-1", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "TRUE",
			"AWS_ENDPOINT_URL": "http://127.0.0.1:4566", "AWS_ENDPOINT_URL_S3": "http://127.0.0.1:9000"})},
		{"retries", with(map[string]string{"AWS_REGION": "us-east-1", "AWS_MAX_ATTEMPTS": "1", "AWS_RETRY_MODE": "adaptive"})},
		{"endpoints not ignored", with(map[string]string{"AWS_REGION": "us-east-1", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "false",
			"AWS_ENDPOINT_URL_S3": "http://127.0.0.1:9000"})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			setEnv(t, tc.env)
			want, err := awswiring.Load(context.Background(), "")
			if err != nil {
				t.Fatal(err)
			}
			got, err := awsenv.Load(os.Getenv)
			if err != nil {
				t.Fatal(err)
			}
			if g, w := see(t, got), see(t, want); g != w {
				t.Errorf("Load:\n%+v\nLoadDefaultConfig:\n%+v", g, w)
			}
		})
	}
}

// TestLoadRefuses: with a setting of the SDK that Load would ignore, or a malformed one, the
// function does not start, and the error names the variable.
func TestLoadRefuses(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"a defaults mode", map[string]string{"AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "s", "AWS_DEFAULTS_MODE": "auto"},
			[]string{"AWS_DEFAULTS_MODE is set, but"}},
		{"not a retry mode", map[string]string{"AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "s", "AWS_RETRY_MODE": "legacy"},
			[]string{`AWS_RETRY_MODE: "legacy" is not standard or adaptive`}},
		{"not a number of attempts", map[string]string{"AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "s", "AWS_MAX_ATTEMPTS": "1.5"},
			[]string{`AWS_MAX_ATTEMPTS: "1.5" is not a whole number`}},
		{"a CA bundle and a retry mode", map[string]string{"AWS_CA_BUNDLE": "/etc/ca.pem", "AWS_RETRY_MODE": "none"},
			[]string{"AWS_CA_BUNDLE is set", `AWS_RETRY_MODE: "none"`}},
		{"not a boolean", map[string]string{"AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "s", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "yes"},
			[]string{`AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: "yes" is not true or false`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			setEnv(t, tc.env)
			_, err := awsenv.Load(os.Getenv)
			if err == nil {
				t.Fatal("loaded")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

// TestNoCredentials: without credentials the configuration loads (a function on SQLite sends
// no request to AWS), and a request fails saying which variables are missing.
func TestNoCredentials(t *testing.T) {
	for _, env := range []map[string]string{
		{"AWS_REGION": "us-east-1"},
		{"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "AKID"},
		{"AWS_REGION": "us-east-1", "AWS_SECRET_ACCESS_KEY": "secret"},
	} {
		setEnv(t, env)
		cfg, err := awsenv.Load(os.Getenv)
		if err != nil {
			t.Fatalf("%v: %v", env, err)
		}
		_, err = sqs.NewFromConfig(cfg).ListQueues(context.Background(), &sqs.ListQueuesInput{})
		if err == nil || !strings.Contains(err.Error(), "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set") {
			t.Errorf("%v: a request's error %v does not name the variables", env, err)
		}
	}
}
