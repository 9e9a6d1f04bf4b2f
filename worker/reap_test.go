package worker_test

import (
	"strings"
	"testing"
	"time"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/worker"
	"github.com/sbomcat/sbomcat/worker/workertest"
)

func TestReaperEndsForgottenAssociations(t *testing.T) {
	st, _ := workertest.OpenStore(t)
	loc := sbomcat.S3Location{Bucket: "sboms", Key: "fw/sbom.zip", Version: "v1"}
	for _, v := range []string{"1.0", "1.1"} {
		workertest.CreateVersion(t, st, "fw", v)
	}
	old := workertest.Associate(t, st, "fw", "1.0", loc)
	workertest.Associate(t, st, "fw", "1.1", loc)

	// Young associations are left alone.
	young := &worker.Reaper{Store: st, MaxAge: time.Hour, Now: func() time.Time { return time.Now().Add(10 * time.Minute) }}
	if n, err := young.Reap(t.Context()); err != nil || n != 0 {
		t.Fatalf("reaped %d (%v) associations younger than MaxAge", n, err)
	}
	if s, _ := workertest.Status(t, st, "fw", "1.0"); s != sbomcat.StatusInProgress {
		t.Fatalf("status %s, want IN_PROGRESS", s)
	}

	later := &worker.Reaper{Store: st, MaxAge: time.Hour, Now: func() time.Time { return time.Now().Add(2 * time.Hour) }}
	n, err := later.Reap(t.Context())
	if err != nil || n != 2 {
		t.Fatalf("reaped %d (%v), want 2", n, err)
	}
	for _, v := range []string{"1.0", "1.1"} {
		s, res := workertest.Status(t, st, "fw", v)
		if s != sbomcat.StatusFailed || len(res) != 1 || res[0].FileName != "sbom.zip" || res[0].ErrorCode != sbomcat.ErrorNone ||
			!strings.Contains(res[0].ErrorMessage, "could not complete") {
			t.Fatalf("fw/%s after reaping: %s %+v", v, s, res)
		}
	}
	if n, _ := later.Reap(t.Context()); n != 0 {
		t.Fatalf("a second pass reaped %d again", n)
	}

	// A worker that finishes after all replaces the reaper's verdict with real results.
	ok := []sbomcat.FileResult{{FileName: "a.json", Result: sbomcat.ResultSucceeded}}
	if err := st.RecordValidation(t.Context(), sbomcat.Validation{AssociationID: old.ID, PackageName: "fw", VersionName: "1.0", Results: ok}); err != nil {
		t.Fatal(err)
	}
	if s, _ := workertest.Status(t, st, "fw", "1.0"); s != sbomcat.StatusSucceeded {
		t.Fatalf("status %s after the worker's late results, want SUCCEEDED", s)
	}

	// A new association starts afresh and is not reaped by the clock that reaped the old one.
	workertest.Associate(t, st, "fw", "1.1", loc)
	if n, _ := young.Reap(t.Context()); n != 0 {
		t.Fatalf("reaped a fresh association")
	}
}
