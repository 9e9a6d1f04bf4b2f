package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	"github.com/aws/aws-sdk-go-v2/service/iot/types"

	"github.com/sbomcat/sbomcat/internal/testkit"
)

// start runs sbomd until the test ends or stop is called, and returns a client for it.
func start(t *testing.T, args []string, env map[string]string, key, secret, region string) (client *iot.Client, stop func() error, logs *testkit.Buffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	logs = &testkit.Buffer{}
	go func() {
		done <- run(ctx, args, func(k string) string { return env[k] }, logs, func(a string) { addrc <- a })
	}()
	var addr string
	select {
	case addr = <-addrc:
	case err := <-done:
		cancel()
		t.Fatalf("sbomd exited: %v\n%s", err, logs)
	}
	stopped := false
	stop = func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		return <-done
	}
	t.Cleanup(func() { stop() })
	client = iot.NewFromConfig(aws.Config{Region: region, Credentials: credentials.NewStaticCredentialsProvider(key, secret, ""), RetryMaxAttempts: 1},
		func(o *iot.Options) { o.BaseEndpoint = aws.String("http://" + addr) })
	return client, stop, logs
}

// TestServeAndRestart: the server answers the SDK, shuts down cleanly when its context ends,
// and a new server on the same data directory still has the catalog.
func TestServeAndRestart(t *testing.T) {
	dir := t.TempDir()
	args := []string{"--addr", "127.0.0.1:0", "--data-dir", dir}
	ctx := context.Background()

	c, stop, logs := start(t, args, nil, "test", "test", "us-east-1")
	out, err := c.CreatePackage(ctx, &iot.CreatePackageInput{PackageName: aws.String("fw")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.PackageArn) != "arn:aws:iot:us-east-1:000000000000:package/fw" {
		t.Errorf("ARN %s", aws.ToString(out.PackageArn))
	}
	if err := stop(); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if !strings.Contains(logs.String(), `"msg":"shutting down"`) || !strings.Contains(logs.String(), `"request_id"`) {
		t.Errorf("logs:\n%s", logs)
	}

	c, _, _ = start(t, args, nil, "test", "test", "us-east-1")
	if _, err := c.GetPackage(ctx, &iot.GetPackageInput{PackageName: aws.String("fw")}); err != nil {
		t.Fatalf("package lost across restart: %v", err)
	}
}

// TestEnvironment: every setting can come from the environment; flags win over it.
func TestEnvironment(t *testing.T) {
	env := map[string]string{
		"SBOMD_DATA_DIR":     t.TempDir(),
		"SBOMD_REGION":       "eu-west-1",
		"SBOMD_ACCOUNT":      "123456789012",
		"SBOMD_CREDENTIALS":  "AKIA1:secret1,AKIA2:secret2",
		"SBOMD_MAX_PACKAGES": "1",
	}
	ctx := context.Background()
	c, _, logs := start(t, []string{"--addr", "127.0.0.1:0"}, env, "AKIA2", "secret2", "eu-west-1")
	out, err := c.CreatePackage(ctx, &iot.CreatePackageInput{PackageName: aws.String("a")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.PackageArn) != "arn:aws:iot:eu-west-1:123456789012:package/a" {
		t.Errorf("ARN %s", aws.ToString(out.PackageArn))
	}
	_, err = c.CreatePackage(ctx, &iot.CreatePackageInput{PackageName: aws.String("b")})
	var q *types.ServiceQuotaExceededException
	if !errors.As(err, &q) {
		t.Errorf("second package with SBOMD_MAX_PACKAGES=1: %v", err)
	}
	if strings.Contains(logs.String(), "secret1") || strings.Contains(logs.String(), "secret2") {
		t.Errorf("secrets logged:\n%s", logs)
	}
}

func TestBadConfiguration(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"bad credentials", []string{"--credentials", "nosecret", "--data-dir", t.TempDir()}, "KEY:SECRET"},
		{"bad log level", []string{"--log-level", "loud", "--data-dir", t.TempDir()}, "log level"},
		{"unknown flag", []string{"--bogus"}, "bogus"},
		{"stray argument", []string{"serve"}, "unexpected arguments"},
		{"invalid address", []string{"--addr", "256.0.0.1:1", "--data-dir", t.TempDir()}, "listen"},
		{"unknown s3 mode", []string{"--s3", "minio"}, "embedded or external"},
		{"unknown profile", []string{"--profile", "lenient"}, `"lenient" is not a validation profile`},
		{"negative concurrency", []string{"--concurrency", "-1"}, "concurrency"},
		{"bad public URL", []string{"--public-url", "localhost:4566"}, "public-url"},
		{"bad limit flag", []string{"--max-object-bytes", "lots"}, "lots"},
		{"no stall timeout", []string{"--stall-timeout", "0s"}, "stall-timeout"},
		{"body over the buffer budget", []string{"--max-body-bytes", "2000000", "--max-buffered-bytes", "1000000"}, "max-buffered-bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			err := run(context.Background(), tt.args, func(string) string { return "" }, &stderr, nil)
			if err == nil || !strings.Contains(err.Error()+stderr.String(), tt.want) {
				t.Errorf("err = %v, stderr %q; want mention of %q", err, stderr.String(), tt.want)
			}
		})
	}
}

// TestHelp: help that was asked for is an answer, for stdout (main prints it), not a complaint
// on stderr; and it shows no default that depends on the machine.
func TestHelp(t *testing.T) {
	for _, arg := range []string{"-h", "-help", "--help"} {
		t.Run(arg, func(t *testing.T) {
			var stderr bytes.Buffer
			err := run(context.Background(), []string{arg}, func(string) string { return "" }, &stderr, nil)
			var help *helpError
			if !errors.As(err, &help) {
				t.Fatalf("err = %v, want a *helpError", err)
			}
			if stderr.Len() != 0 {
				t.Errorf("stderr = %q, want nothing", stderr.String())
			}
			for _, want := range []string{"usage: sbomd", "-queue-url", "number of CPUs"} {
				if !strings.Contains(help.text, want) {
					t.Errorf("help lacks %q:\n%s", want, help.text)
				}
			}
			_, conc, _ := strings.Cut(help.text, "-concurrency")
			if desc, _, _ := strings.Cut(conc, "\n  -"); strings.Contains(desc, "(default") {
				t.Errorf("help shows this machine's CPU count as the concurrency default:\n%s", help.text)
			}
		})
	}
}

// TestBadEnvironment: a variable that cannot be read stops sbomd with its name, rather than
// being ignored in favour of a default the user did not ask for.
func TestBadEnvironment(t *testing.T) {
	for name, val := range map[string]string{
		"SBOMD_WORKER":              "sometimes",
		"SBOMD_MAX_PACKAGES":        "many",
		"SBOMD_VALIDATION_TIMEOUT":  "forever",
		"SBOMCAT_MAX_ENTRIES":       "-1",
		"SBOMCAT_S3_USE_PATH_STYLE": "perhaps",
	} {
		t.Run(name, func(t *testing.T) {
			var stderr bytes.Buffer
			err := run(context.Background(), []string{"--data-dir", t.TempDir()}, func(k string) string {
				if k == name {
					return val
				}
				return ""
			}, &stderr, nil)
			if err == nil || !strings.Contains(err.Error(), name) {
				t.Errorf("%s=%s: err = %v", name, val, err)
			}
		})
	}
}
