package worker_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/internal/testkit"
	"github.com/sbomcat/sbomcat/internal/wiring/localobjects"
	"github.com/sbomcat/sbomcat/queue"
	"github.com/sbomcat/sbomcat/s3local"
	"github.com/sbomcat/sbomcat/sqlite"
	"github.com/sbomcat/sbomcat/validator"
	"github.com/sbomcat/sbomcat/worker"
	"github.com/sbomcat/sbomcat/worker/workertest"
)

const bucket = "sboms"

// env is one test's engines: a versioned S3 server, an SQLite store with one package version,
// and a worker on both.
type env struct {
	s3      *workertest.S3Server
	store   *sqlite.Store
	w       *worker.Worker
	metrics *testkit.Buffer
	cfg     worker.Config
}

func newEnv(t *testing.T, configure func(*worker.Config)) *env {
	t.Helper()
	e := &env{s3: workertest.StartS3(t), metrics: &testkit.Buffer{}}
	e.store, _ = workertest.OpenStore(t)
	e.s3.CreateBucket(t, bucket)
	workertest.CreateVersion(t, e.store, "fw", "1.0")
	e.cfg = workertest.WorkerConfig(t, e.store, e.s3, e.metrics)
	if configure != nil {
		configure(&e.cfg)
	}
	e.w = worker.New(e.cfg)
	return e
}

func (e *env) associate(t *testing.T, key string, body []byte) sbomcat.Association {
	t.Helper()
	v := e.s3.Put(t, bucket, key, body)
	return workertest.Associate(t, e.store, "fw", "1.0", sbomcat.S3Location{Bucket: bucket, Key: key, Version: v})
}

func (e *env) status(t *testing.T) (sbomcat.ValidationStatus, []sbomcat.FileResult) {
	t.Helper()
	return workertest.Status(t, e.store, "fw", "1.0")
}

// process runs the worker on a's first attempt, failing t if it asks for a retry.
func (e *env) process(t *testing.T, a sbomcat.Association) {
	t.Helper()
	if err := e.w.Process(context.Background(), job(a)); err != nil {
		t.Fatalf("Process: %v", err)
	}
}

// s3Answers is an S3 fault (workertest.S3Server.Fault) that answers every request with the
// status and error code, as S3 does where gofakes3 cannot (access policies, throttling).
func s3Answers(status int, code string) func(*http.Request) (int, string) {
	return func(*http.Request) (int, string) { return status, code }
}

func job(a sbomcat.Association) queue.Job { return queue.Job{Association: a, Attempt: 1} }

type want struct {
	file, result string
	code         sbomcat.ErrorCode
	message      string // a substring of the error message
}

func checkResults(t *testing.T, got []sbomcat.FileResult, wants []want) {
	t.Helper()
	if len(got) != len(wants) {
		t.Fatalf("got %d results %+v, want %d", len(got), got, len(wants))
	}
	for i, w := range wants {
		g := got[i]
		if g.FileName != w.file || string(g.Result) != w.result || g.ErrorCode != w.code || !strings.Contains(g.ErrorMessage, w.message) {
			t.Errorf("result %d = %+v, want %+v", i, g, w)
		}
	}
}

// TestProcessRecordsResults runs objects of every kind through the worker and checks what the
// store then lists: status, file names, error codes and messages (docs/behaviour.md, "Objects and
// archives", "Limits" and "Validation status").
func TestProcessRecordsResults(t *testing.T) {
	cdx, spdx23, spdx22bad := testkit.ReadFixture(t, "cdx16-valid.json"), testkit.ReadFixture(t, "spdx23-valid.json"), testkit.ReadFixture(t, "spdx22-invalid-no-copyright.json")
	big := bytes.Repeat([]byte(" "), 4096)
	tests := []struct {
		name   string
		key    string
		body   []byte
		limits validator.Limits
		status sbomcat.ValidationStatus
		want   []want
		unread bool // over the object limit: one GET, its body closed unread
	}{
		{name: "CycloneDX JSON", key: "fw/1.0/sbom.cdx.json", body: cdx, status: sbomcat.StatusSucceeded,
			want: []want{{file: "sbom.cdx.json", result: "SUCCEEDED"}}},
		{name: "SPDX JSON", key: "spdx.json", body: spdx23, status: sbomcat.StatusSucceeded,
			want: []want{{file: "spdx.json", result: "SUCCEEDED"}}},
		{name: "not an SBOM", key: "a/b/c/other.json", body: testkit.ReadFixture(t, "not-sbom.json"), status: sbomcat.StatusFailed,
			want: []want{{file: "other.json", result: "FAILED", code: sbomcat.ErrorIncompatibleFormat}}},
		{name: "CycloneDX XML", key: "sbom.xml", body: testkit.ReadFixture(t, "cdx15.xml"), status: sbomcat.StatusFailed,
			want: []want{{file: "sbom.xml", result: "FAILED", code: sbomcat.ErrorIncompatibleFormat, message: "XML"}}},
		{name: "SPDX 2.2 without copyrightText", key: "old.spdx.json", body: spdx22bad, status: sbomcat.StatusFailed,
			want: []want{{file: "old.spdx.json", result: "FAILED", code: sbomcat.ErrorIncompatibleFormat, message: "copyrightText"}}},
		{name: "zip, all valid", key: "bundle.zip", body: testkit.Zip(t, "a/cdx.json", cdx, "b/spdx.json", spdx23, "a/", nil),
			status: sbomcat.StatusSucceeded,
			want:   []want{{file: "a/cdx.json", result: "SUCCEEDED"}, {file: "b/spdx.json", result: "SUCCEEDED"}}},
		{name: "zip, mixed", key: "bundle.zip", body: testkit.Zip(t, "cdx.json", cdx, "README.txt", testkit.ReadFixture(t, "readme.txt"), "old.json", spdx22bad, "__MACOSX/._cdx.json", []byte("x")),
			status: sbomcat.StatusFailed,
			want: []want{{file: "README.txt", result: "FAILED", code: sbomcat.ErrorIncompatibleFormat},
				{file: "cdx.json", result: "SUCCEEDED"},
				{file: "old.json", result: "FAILED", code: sbomcat.ErrorIncompatibleFormat}}},
		{name: "empty zip", key: "x/empty.zip", body: testkit.Zip(t), status: sbomcat.StatusFailed,
			want: []want{{file: "empty.zip", result: "FAILED", code: sbomcat.ErrorIncompatibleFormat, message: "archive contains no files"}}},
		{name: "object over the limit is not read", key: "huge.json", body: big, limits: validator.Limits{MaxObjectBytes: 1024},
			status: sbomcat.StatusFailed, unread: true,
			want: []want{{file: "huge.json", result: "FAILED", code: sbomcat.ErrorFileSizeLimitExceeded, message: "limit"}}},
		{name: "zip entry over the file limit", key: "bundle.zip", body: testkit.Zip(t, "big.json", big, "cdx.json", cdx), limits: validator.Limits{MaxFileBytes: 2048},
			status: sbomcat.StatusFailed,
			want: []want{{file: "big.json", result: "FAILED", code: sbomcat.ErrorFileSizeLimitExceeded},
				{file: "cdx.json", result: "SUCCEEDED"}}},
		{name: "zip over the entry limit", key: "bundle.zip", body: testkit.Zip(t, "1.json", cdx, "2.json", cdx, "3.json", cdx), limits: validator.Limits{MaxEntries: 2},
			status: sbomcat.StatusFailed,
			want: []want{{file: "1.json", result: "SUCCEEDED"}, {file: "2.json", result: "SUCCEEDED"},
				{file: "3.json", result: "FAILED", code: sbomcat.ErrorFileSizeLimitExceeded, message: "more than 2 entries"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var objs *countingObjects
			e := newEnv(t, func(c *worker.Config) {
				objs = &countingObjects{Objects: c.Objects}
				c.Objects, c.Validator.Limits = objs, tt.limits
			})
			a := e.associate(t, tt.key, tt.body)
			e.process(t, a)
			status, got := e.status(t)
			if status != tt.status {
				t.Errorf("status %s, want %s", status, tt.status)
			}
			checkResults(t, got, tt.want)
			if n := e.s3.Heads(); n != 0 {
				t.Errorf("%d HEAD requests, want none: GET's stated length is the size", n)
			}
			if n := e.s3.Gets(); n != 1 {
				t.Errorf("%d GET requests, want 1", n)
			}
			if tt.unread {
				if objs.read != 0 {
					t.Errorf("%d bytes read of an object over the limit; want none", objs.read)
				}
			} else if e.s3.BytesServed() != int64(len(tt.body)) || objs.read != int64(len(tt.body)) {
				t.Errorf("served %d bytes and read %d, want the object's %d", e.s3.BytesServed(), objs.read, len(tt.body))
			}
		})
	}
}

// TestProcessProfile: an association's profile (its package's sbomcat:profile tag) overrides
// the worker's; one that names no profile fails the association, naming it, before any
// download.
func TestProcessProfile(t *testing.T) {
	cdx := testkit.ReadFixture(t, "cdx16-valid.json") // schema-valid, without the NTIA elements
	for _, tt := range []struct {
		name, workerProfile string
		profile             sbomcat.Profile
		want                want
		noGET               bool
	}{
		{name: "worker default", workerProfile: "aws", want: want{file: "sbom.json", result: "SUCCEEDED"}},
		{name: "worker ntia", workerProfile: "ntia", want: want{file: "sbom.json", result: "FAILED", code: sbomcat.ErrorIncompatibleFormat, message: "NTIA minimum elements: "}},
		{name: "tag ntia", workerProfile: "aws", profile: "ntia", want: want{file: "sbom.json", result: "FAILED", code: sbomcat.ErrorIncompatibleFormat, message: "NTIA minimum elements: "}},
		{name: "tag aws over worker ntia", workerProfile: "ntia", profile: "aws", want: want{file: "sbom.json", result: "SUCCEEDED"}},
		{name: "tag unknown", workerProfile: "aws", profile: "strict,nita", noGET: true,
			want: want{file: "sbom.json", result: "FAILED", message: `not validated: the package's sbomcat:profile tag: "nita" is not a validation profile (in "strict,nita")`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, func(c *worker.Config) { c.Validator.Profile = sbomcat.Profile(tt.workerProfile) })
			a := e.associate(t, "fw/sbom.json", cdx)
			a.Profile = tt.profile
			e.process(t, a)
			_, got := e.status(t)
			checkResults(t, got, []want{tt.want})
			if tt.noGET && e.s3.Gets() != 0 {
				t.Errorf("%d GETs for an association that cannot be validated", e.s3.Gets())
			}
		})
	}
}

// TestProcessUnreadableObject checks docs/behaviour.md, "Validation status": an object that cannot
// be read for a permanent reason ends FAILED with one result named after it, no error code, and a
// message that says which reason.
func TestProcessUnreadableObject(t *testing.T) {
	cdx := testkit.ReadFixture(t, "cdx16-valid.json")
	tests := []struct {
		name    string
		loc     func(t *testing.T, e *env) sbomcat.S3Location
		fault   func(r *http.Request) (int, string)
		message string
	}{
		{name: "no such bucket", message: "S3 bucket nope does not exist",
			loc: func(t *testing.T, e *env) sbomcat.S3Location {
				return sbomcat.S3Location{Bucket: "nope", Key: "dir/sbom.json", Version: "v1"}
			}},
		{name: "no such key", message: "S3 object s3://sboms/dir/sbom.json does not exist",
			loc: func(t *testing.T, e *env) sbomcat.S3Location {
				e.s3.Put(t, bucket, "dir/other.json", cdx)
				return sbomcat.S3Location{Bucket: bucket, Key: "dir/sbom.json", Version: "v1"}
			}},
		{name: "no such version", message: "version 3HL4kqtJlcpXroDTDmJ of S3 object s3://sboms/dir/sbom.json does not exist",
			loc: func(t *testing.T, e *env) sbomcat.S3Location {
				e.s3.Put(t, bucket, "dir/sbom.json", cdx)
				return sbomcat.S3Location{Bucket: bucket, Key: "dir/sbom.json", Version: "3HL4kqtJlcpXroDTDmJ"}
			}},
		{name: "version deleted after association", message: "does not exist",
			loc: func(t *testing.T, e *env) sbomcat.S3Location {
				v := e.s3.Put(t, bucket, "dir/sbom.json", cdx)
				e.s3.Put(t, bucket, "dir/sbom.json", cdx) // a newer version remains
				e.s3.DeleteVersion(t, bucket, "dir/sbom.json", v)
				return sbomcat.S3Location{Bucket: bucket, Key: "dir/sbom.json", Version: v}
			}},
		{name: "object deleted after association", message: "does not exist",
			loc: func(t *testing.T, e *env) sbomcat.S3Location {
				v := e.s3.Put(t, bucket, "dir/sbom.json", cdx)
				e.s3.DeleteVersion(t, bucket, "dir/sbom.json", v)
				return sbomcat.S3Location{Bucket: bucket, Key: "dir/sbom.json", Version: v}
			}},
		// gofakes3 has no access policies; the test's S3 front answers as S3 does.
		{name: "access denied", fault: s3Answers(http.StatusForbidden, "AccessDenied"), message: "access to version",
			loc: func(t *testing.T, e *env) sbomcat.S3Location {
				v := e.s3.Put(t, bucket, "dir/sbom.json", cdx)
				return sbomcat.S3Location{Bucket: bucket, Key: "dir/sbom.json", Version: v}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, nil)
			a := workertest.Associate(t, e.store, "fw", "1.0", tt.loc(t, e))
			if tt.fault != nil {
				e.s3.Fault.Store(&tt.fault)
			}
			e.process(t, a)
			status, got := e.status(t)
			if status != sbomcat.StatusFailed {
				t.Errorf("status %s, want FAILED", status)
			}
			checkResults(t, got, []want{{file: "sbom.json", result: "FAILED", message: tt.message}})
			if e.s3.BytesServed() != 0 {
				t.Errorf("served %d object bytes; want none", e.s3.BytesServed())
			}
		})
	}
}

// TestProcessTransientFailure checks that an unreachable or throttling S3 asks for a retry,
// leaving the version IN_PROGRESS, until the last attempt, which records FAILED with a message
// saying validation could not complete; and that a retry after S3 comes back succeeds.
func TestProcessTransientFailure(t *testing.T) {
	cdx := testkit.ReadFixture(t, "cdx16-valid.json")
	tests := []struct {
		name    string
		break_  func(e *env)
		repair  func(t *testing.T, e *env)
		message string
	}{
		{name: "server stopped", break_: func(e *env) { e.s3.Stop() }, repair: func(t *testing.T, e *env) { e.s3.Start(t) },
			message: "S3 was unavailable"},
		{name: "throttled", break_: func(e *env) { e.s3.Fault.Store(new(s3Answers(http.StatusServiceUnavailable, "SlowDown"))) }, repair: func(t *testing.T, e *env) { e.s3.Fault.Store(nil) },
			message: "(HTTP 503)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, nil)
			a := e.associate(t, "sbom.json", cdx)
			tt.break_(e)
			ctx := context.Background()
			var oe *worker.ObjectError
			for attempt := 1; attempt <= 2; attempt++ {
				err := e.w.Process(ctx, queue.Job{Association: a, Attempt: attempt})
				if !errors.As(err, &oe) || oe.Permanent() {
					t.Fatalf("attempt %d: Process = %v, want a transient *worker.ObjectError", attempt, err)
				}
				if status, got := e.status(t); status != sbomcat.StatusInProgress || len(got) != 0 {
					t.Fatalf("after a transient failure: status %s, results %v; want IN_PROGRESS, none", status, got)
				}
			}

			t.Run("recovers", func(t *testing.T) {
				tt.repair(t, e)
				if err := e.w.Process(ctx, queue.Job{Association: a, Attempt: 3}); err != nil {
					t.Fatalf("Process after repair: %v", err)
				}
				if status, _ := e.status(t); status != sbomcat.StatusSucceeded {
					t.Errorf("status %s, want SUCCEEDED", status)
				}
			})

			t.Run("last attempt", func(t *testing.T) {
				a := e.associate(t, "dir/sbom.json", cdx)
				tt.break_(e)
				if err := e.w.Process(ctx, queue.Job{Association: a, Attempt: 5, Last: true}); err != nil {
					t.Fatalf("Process on the last attempt: %v", err)
				}
				status, got := e.status(t)
				if status != sbomcat.StatusFailed {
					t.Errorf("status %s, want FAILED", status)
				}
				checkResults(t, got, []want{{file: "sbom.json", result: "FAILED", message: "Validation could not complete after 5 attempts"}})
				checkResults(t, got, []want{{file: "sbom.json", result: "FAILED", message: tt.message}})
			})
		})
	}
}

// TestProcessInterrupted checks that shutting down is not a failure, even on the last attempt.
func TestProcessInterrupted(t *testing.T) {
	e := newEnv(t, nil)
	a := e.associate(t, "sbom.json", testkit.ReadFixture(t, "cdx16-valid.json"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := e.w.Process(ctx, queue.Job{Association: a, Attempt: 5, Last: true}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Process = %v, want context.Canceled", err)
	}
	if status, got := e.status(t); status != sbomcat.StatusInProgress || len(got) != 0 {
		t.Errorf("status %s, results %v; want IN_PROGRESS, none", status, got)
	}
}

// TestProcessDiscardsStaleResults checks docs/behaviour.md, "Validation status", and the
// exactly-once effect: results of a superseded or disassociated association, or of a deleted
// version, are dropped (and the job counts as done), and a duplicate delivery leaves the same
// results, not twice as many.
func TestProcessDiscardsStaleResults(t *testing.T) {
	cdx, bad := testkit.ReadFixture(t, "cdx16-valid.json"), testkit.ReadFixture(t, "not-sbom.json")
	ctx := context.Background()

	t.Run("duplicate delivery", func(t *testing.T) {
		e := newEnv(t, nil)
		a := e.associate(t, "b.zip", testkit.Zip(t, "1.json", cdx, "2.json", bad))
		var wg sync.WaitGroup
		for range 3 { // two at once, as two workers given the same message would
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := e.w.Process(ctx, job(a)); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		e.process(t, a)
		status, got := e.status(t)
		if status != sbomcat.StatusFailed {
			t.Errorf("status %s, want FAILED", status)
		}
		checkResults(t, got, []want{{file: "1.json", result: "SUCCEEDED"}, {file: "2.json", result: "FAILED", code: sbomcat.ErrorIncompatibleFormat}})
	})

	// Each case holds the first validation's download until the change is made, so that the
	// change happens mid-validation.
	tests := []struct {
		name   string
		change func(t *testing.T, e *env)
		status sbomcat.ValidationStatus
		want   []want
	}{
		{name: "superseded mid-validation", status: sbomcat.StatusSucceeded, want: []want{{file: "new.json", result: "SUCCEEDED"}},
			change: func(t *testing.T, e *env) {
				b := e.associate(t, "new.json", cdx)
				e.process(t, b)
			}},
		{name: "superseded, new one still in progress", status: sbomcat.StatusInProgress,
			change: func(t *testing.T, e *env) { e.associate(t, "new.json", cdx) }},
		{name: "disassociated mid-validation", status: "",
			change: func(t *testing.T, e *env) {
				if err := e.store.Disassociate(ctx, "fw", "1.0"); err != nil {
					t.Fatal(err)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, nil)
			a := e.associate(t, "old.json", bad)
			started, release := e.s3.HoldFirstGet("/old.json")
			done := make(chan error, 1)
			go func() { done <- e.w.Process(ctx, job(a)) }()
			<-started
			tt.change(t, e)
			close(release)
			if err := <-done; err != nil {
				t.Fatalf("Process of the stale association = %v; want nil (discarded is done)", err)
			}
			status, got := e.status(t)
			if status != tt.status {
				t.Errorf("status %q, want %q", status, tt.status)
			}
			checkResults(t, got, tt.want)
			if !strings.Contains(e.metrics.String(), `"Outcome":"DISCARDED"`) {
				t.Errorf("no DISCARDED metrics: %s", e.metrics.String())
			}
		})
	}

	// Without a download: checked in the store before S3 is asked anything.
	t.Run("superseded before its turn", func(t *testing.T) {
		e := newEnv(t, nil)
		a := e.associate(t, "old.json", bad)
		b := e.associate(t, "new.json", cdx)
		e.process(t, a)
		if n := e.s3.Heads() + e.s3.Gets(); n != 0 {
			t.Errorf("%d S3 requests for a superseded association, want none", n)
		}
		if status, _ := e.status(t); status != sbomcat.StatusInProgress {
			t.Errorf("status %s, want IN_PROGRESS (the new association's)", status)
		}
		e.process(t, b)
		checkResults(t, func() []sbomcat.FileResult { _, r := e.status(t); return r }(), []want{{file: "new.json", result: "SUCCEEDED"}})
	})
	t.Run("late duplicate", func(t *testing.T) {
		e := newEnv(t, nil)
		a := e.associate(t, "sbom.json", cdx)
		for range 2 {
			e.process(t, a)
		}
		if n := e.s3.Gets(); n != 1 {
			t.Errorf("%d downloads, want 1: the duplicate should find the work done", n)
		}
		if !strings.Contains(e.metrics.String(), `"Outcome":"DUPLICATE"`) {
			t.Error("no DUPLICATE outcome")
		}
		checkResults(t, func() []sbomcat.FileResult { _, r := e.status(t); return r }(), []want{{file: "sbom.json", result: "SUCCEEDED"}})
	})
	t.Run("version deleted", func(t *testing.T) {
		e := newEnv(t, nil)
		a := e.associate(t, "old.json", cdx)
		if err := e.store.DeleteVersion(ctx, "fw", "1.0"); err != nil {
			t.Fatal(err)
		}
		if err := e.w.Process(ctx, job(a)); err != nil {
			t.Fatalf("Process = %v; want nil (discarded is done)", err)
		}
	})
}

// TestProcessSpoolsLargeObjects checks that an object over the in-memory size goes through a
// temporary file that is removed afterwards, whatever the outcome.
func TestProcessSpoolsLargeObjects(t *testing.T) {
	dir := t.TempDir()
	e := newEnv(t, func(c *worker.Config) { c.MemoryBytes = 512; c.TempDir = dir })
	cdx := testkit.ReadFixture(t, "cdx16-valid.json")
	for _, body := range [][]byte{cdx, testkit.Zip(t, "a.json", cdx, "b.json", cdx)} {
		a := e.associate(t, "sbom.bin", body)
		e.process(t, a)
		if status, _ := e.status(t); status != sbomcat.StatusSucceeded {
			t.Errorf("status %s, want SUCCEEDED", status)
		}
		left, _ := os.ReadDir(dir)
		if len(left) != 0 {
			t.Errorf("temporary files left behind: %v", left)
		}
	}
}

// TestProcessEmitsMetrics checks the Embedded Metric Format document of one validation.
func TestProcessEmitsMetrics(t *testing.T) {
	e := newEnv(t, nil)
	cdx, bad := testkit.ReadFixture(t, "cdx16-valid.json"), testkit.ReadFixture(t, "not-sbom.json")
	body := testkit.Zip(t, "1.json", cdx, "2.json", bad, "3.json", cdx)
	a := e.associate(t, "b.zip", body)
	e.process(t, a)
	lines := strings.Split(strings.TrimSpace(e.metrics.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("%d metric lines, want 1: %q", len(lines), lines)
	}
	var doc struct {
		AWS struct {
			Timestamp         int64
			CloudWatchMetrics []struct {
				Namespace  string
				Dimensions [][]string
				Metrics    []struct{ Name, Unit string }
			}
		} `json:"_aws"`
		Outcome                                                                       string
		Files, FilesSucceeded, FilesFailed, IncompatibleFormat, FileSizeLimitExceeded int
		Bytes                                                                         int64
		Duration                                                                      *float64
		AssociationID                                                                 string `json:"associationId"`
	}
	if err := json.Unmarshal([]byte(lines[0]), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.AWS.Timestamp == 0 || len(doc.AWS.CloudWatchMetrics) != 1 || doc.AWS.CloudWatchMetrics[0].Namespace != worker.DefaultNamespace {
		t.Errorf("bad _aws metadata: %+v", doc.AWS)
	}
	// Every declared metric must be a member of the document, or CloudWatch drops it.
	var raw map[string]any
	json.Unmarshal([]byte(lines[0]), &raw)
	for _, m := range doc.AWS.CloudWatchMetrics[0].Metrics {
		if _, ok := raw[m.Name].(float64); !ok {
			t.Errorf("metric %s declared but not a number in the document", m.Name)
		}
	}
	for _, dims := range doc.AWS.CloudWatchMetrics[0].Dimensions {
		for _, d := range dims {
			if _, ok := raw[d].(string); !ok {
				t.Errorf("dimension %s declared but not a string in the document", d)
			}
		}
	}
	if doc.Outcome != "FAILED" || doc.Files != 3 || doc.FilesSucceeded != 2 || doc.FilesFailed != 1 || doc.IncompatibleFormat != 1 ||
		doc.FileSizeLimitExceeded != 0 || doc.Bytes != int64(len(body)) || doc.Duration == nil || doc.AssociationID != a.ID {
		t.Errorf("metrics %+v", doc)
	}
}

// countingObjects counts the bytes read from the bodies its Objects opens.
type countingObjects struct {
	worker.Objects
	read int64
}

func (c *countingObjects) Open(ctx context.Context, loc sbomcat.S3Location) (io.ReadCloser, int64, error) {
	rc, n, err := c.Objects.Open(ctx, loc)
	if err != nil {
		return nil, 0, err
	}
	return readCounter{rc, &c.read}, n, nil
}

type readCounter struct {
	io.ReadCloser
	n *int64
}

func (r readCounter) Read(p []byte) (int, error) {
	n, err := r.ReadCloser.Read(p)
	*r.n += int64(n)
	return n, err
}

// TestProcessLocalObjects: with an in-process store of objects (sbomd's embedded S3), the
// object limit holds before a byte is read, as with S3: Open's size is checked.
func TestProcessLocalObjects(t *testing.T) {
	cdx := testkit.ReadFixture(t, "cdx16-valid.json")
	for _, tt := range []struct {
		name     string
		limit    int64
		status   sbomcat.ValidationStatus
		want     want
		wantRead int64
	}{
		{name: "within the limit", status: sbomcat.StatusSucceeded, want: want{file: "sbom.json", result: "SUCCEEDED"}, wantRead: int64(len(cdx))},
		{name: "over the limit", limit: 64, status: sbomcat.StatusFailed,
			want: want{file: "sbom.json", result: "FAILED", code: sbomcat.ErrorFileSizeLimitExceeded, message: "limit"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b, err := s3local.Open(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { b.Close() })
			if err := b.CreateBucket(bucket); err != nil {
				t.Fatal(err)
			}
			put, err := b.PutObject(bucket, "sbom.json", map[string]string{}, bytes.NewReader(cdx), int64(len(cdx)), nil)
			if err != nil {
				t.Fatal(err)
			}
			objs := &countingObjects{Objects: localobjects.New(b)}
			e := newEnv(t, func(c *worker.Config) { c.Objects, c.Validator.Limits.MaxObjectBytes = objs, tt.limit })
			a := workertest.Associate(t, e.store, "fw", "1.0", sbomcat.S3Location{Bucket: bucket, Key: "sbom.json", Version: string(put.VersionID)})
			if err := e.w.Process(context.Background(), job(a)); err != nil {
				t.Fatalf("Process: %v", err)
			}
			status, got := e.status(t)
			if status != tt.status {
				t.Errorf("status %s, want %s", status, tt.status)
			}
			checkResults(t, got, []want{tt.want})
			if objs.read != tt.wantRead {
				t.Errorf("%d bytes read, want %d", objs.read, tt.wantRead)
			}
		})
	}
}
