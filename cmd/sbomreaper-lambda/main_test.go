package main

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/sbomcat/sbomcat"
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
