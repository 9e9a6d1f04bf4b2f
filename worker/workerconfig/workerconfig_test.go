package workerconfig_test

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/worker/workerconfig"
)

func TestFromEnv(t *testing.T) {
	env := map[string]string{
		"SBOMWORKER_STORE":              "DynamoDB",
		"SBOMWORKER_TABLE":              "catalog",
		"SBOMWORKER_QUEUE_URL":          "http://127.0.0.1:4566/000000000000/q",
		"SBOMWORKER_CONCURRENCY":        "3",
		"SBOMWORKER_MAX_RECEIVE_COUNT":  "4",
		"SBOMWORKER_VISIBILITY_TIMEOUT": "2m",
		"SBOMWORKER_WAIT_TIME":          "5s",
		"SBOMWORKER_SHUTDOWN_GRACE":     "25s",
		"SBOMWORKER_TIMEOUT":            "1m",
		"SBOMWORKER_LOG_LEVEL":          "debug",
		"SBOMCAT_PROFILE":               "strict",
		"SBOMCAT_MAX_OBJECT_BYTES":      "5MiB",
		"SBOMCAT_MAX_ENTRIES":           "10",
		"SBOMCAT_S3_USE_PATH_STYLE":     "true",
	}
	c, err := workerconfig.FromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if c.Store != workerconfig.StoreDynamoDB || c.Table != "catalog" || c.QueueURL != env["SBOMWORKER_QUEUE_URL"] ||
		c.Concurrency != 3 || c.MaxReceiveCount != 4 || c.VisibilityTimeout != 2*time.Minute || c.WaitTime != 5*time.Second ||
		c.ShutdownGrace != 25*time.Second || c.Timeout != time.Minute || c.LogLevel != slog.LevelDebug ||
		c.Validator.Profile != sbomcat.ProfileStrict || c.Validator.Limits.MaxObjectBytes != 5<<20 || c.Validator.Limits.MaxEntries != 10 ||
		!c.S3.UsePathStyle {
		t.Errorf("FromEnv = %+v", c)
	}

	c, err = workerconfig.FromEnv(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if c.Store != workerconfig.StoreSQLite || c.SQLitePath != workerconfig.DefaultSQLitePath || c.S3.UsePathStyle || c.LogLevel != slog.LevelInfo {
		t.Errorf("defaults: %+v", c)
	}
}

// TestFromEnvReportsEveryError: one run names every bad variable, not just the first.
func TestFromEnvReportsEveryError(t *testing.T) {
	env := map[string]string{
		"SBOMWORKER_STORE":          "dynamodb",
		"SBOMWORKER_CONCURRENCY":    "-1",
		"SBOMWORKER_WAIT_TIME":      "20",
		"SBOMWORKER_LOG_LEVEL":      "loud",
		"SBOMCAT_S3_USE_PATH_STYLE": "sometimes",
	}
	_, err := workerconfig.FromEnv(func(k string) string { return env[k] })
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"SBOMWORKER_TABLE", "SBOMWORKER_CONCURRENCY", "SBOMWORKER_WAIT_TIME", "SBOMWORKER_LOG_LEVEL", "SBOMCAT_S3_USE_PATH_STYLE"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %s: %v", want, err)
		}
	}
}
