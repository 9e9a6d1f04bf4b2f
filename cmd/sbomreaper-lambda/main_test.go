package main

import (
	"bytes"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/deploy/lambdatest"
	"github.com/sbomcat/sbomcat/sqlite"
	"github.com/sbomcat/sbomcat/worker/workertest"
)

// TestHandleReapsOldAssociations runs the handler as Lambda would call it, on a real SQLite
// catalog, with a reap age so short that the association just made is already overdue.
func TestHandleReapsOldAssociations(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, sqlite.FileName)
	st, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	workertest.CreateVersion(t, st, "fw", "1.0")
	workertest.Associate(t, st, "fw", "1.0", sbomcat.S3Location{Bucket: "b", Key: "k/sbom.json", Version: "v"})
	st.Close()

	env := map[string]string{"SBOMCAT_STORE": "sqlite", "SBOMCAT_SQLITE_PATH": path, "SBOMCAT_REAP_AFTER": "1ns"}
	var logs bytes.Buffer
	h, closeStore, err := newHandler(t.Context(), func(k string) string { return env[k] }, &logs)
	if err != nil {
		t.Fatal(err)
	}
	defer closeStore()
	res, err := h.Handle(t.Context(), events.EventBridgeEvent{Source: "aws.events", DetailType: "Scheduled Event"})
	if err != nil || res.Reaped != 1 {
		t.Fatalf("reaped %d, %v; want 1", res.Reaped, err)
	}
	if res, _ := h.Handle(t.Context(), events.EventBridgeEvent{}); res.Reaped != 0 {
		t.Fatalf("second run reaped %d again", res.Reaped)
	}

	st2, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	if s, res := workertest.Status(t, st2, "fw", "1.0"); s != sbomcat.StatusFailed || len(res) != 1 || res[0].FileName != "sbom.json" {
		t.Fatalf("after reaping: %s %+v", s, res)
	}
	if !bytes.Contains(logs.Bytes(), []byte("association reaped")) {
		t.Fatalf("no log line for the reaped association: %s", logs.String())
	}
}

// TestUnderLambdaRuntime runs the built bootstrap under the Lambda Runtime Interface Emulator:
// a scheduled event ends a stale association in the catalog, and the init duration of three
// cold starts is logged.
func TestUnderLambdaRuntime(t *testing.T) {
	rie := lambdatest.BuildEmulator(t)
	bootstrap := lambdatest.Build(t, ".", runtime.GOARCH)
	path := filepath.Join(t.TempDir(), sqlite.FileName)
	st, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	workertest.CreateVersion(t, st, "fw", "stale")
	workertest.Associate(t, st, "fw", "stale", sbomcat.S3Location{Bucket: "b", Key: "fw/sbom.json", Version: "v"})

	env := workertest.AWSEnv("SBOMCAT_STORE=sqlite", "SBOMCAT_SQLITE_PATH="+path, "SBOMCAT_REAP_AFTER=1ns")
	// EventBridge's scheduled event, as Lambda delivers it.
	scheduled := map[string]any{"version": "0", "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa", "detail-type": "Scheduled Event",
		"source": "aws.events", "account": "123456789012", "time": "2026-12-01T00:00:00Z", "region": workertest.Region,
		"resources": []string{"arn:aws:events:us-east-1:123456789012:rule/sbomcat-reaper"}, "detail": map[string]any{}}

	f := lambdatest.Start(t, rie, bootstrap, env)
	var res result
	f.InvokeOK(t, scheduled, &res)
	if res.Reaped != 1 {
		t.Fatalf("reaped %d, want 1\n%s", res.Reaped, f.Output())
	}
	if status, results := workertest.Status(t, st, "fw", "stale"); status != sbomcat.StatusFailed || len(results) != 1 {
		t.Errorf("after the scheduled event: %s %+v, want FAILED with one result", status, results)
	}
	if f.InvokeOK(t, scheduled, &res); res.Reaped != 0 {
		t.Errorf("the next schedule reaped %d again", res.Reaped)
	}
	f.Stop()

	lambdatest.LogInit(t, rie, bootstrap, env, scheduled)
}

// TestLinksNoEmbeddedS3: every package linked costs the function's cold start its
// initialisation and pages; it reads no S3, and its AWS configuration is its
// environment (awsenv), without the SDK's config package and the credential providers it brings.
func TestLinksNoEmbeddedS3(t *testing.T) {
	lambdatest.LinksNone(t, "github.com/sbomcat/sbomcat/s3local", "github.com/aws/aws-sdk-go-v2/config", "github.com/aws/aws-sdk-go-v2/service/sts")
}
