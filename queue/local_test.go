package queue_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/internal/testkit"
	"github.com/sbomcat/sbomcat/queue"
	"github.com/sbomcat/sbomcat/sqlite"
	"github.com/sbomcat/sbomcat/worker"
	"github.com/sbomcat/sbomcat/worker/workertest"
)

// local is the single-process loop: an SQLite store that is also the queue, gofakes3, the real
// worker.
type local struct {
	s3      *workertest.S3Server
	store   *sqlite.Store
	w       *worker.Worker
	metrics *testkit.Buffer
}

func newLocal(t testing.TB) *local {
	t.Helper()
	l := &local{s3: workertest.StartS3(t), metrics: &testkit.Buffer{}}
	l.store, _ = workertest.OpenStore(t)
	l.s3.CreateBucket(t, bucket)
	l.w = worker.New(workertest.WorkerConfig(t, l.store, l.s3, l.metrics))
	return l
}

// start runs a Local queue until the returned stop is called (or the test ends).
func (l *local) start(t *testing.T, p queue.Processor, o queue.LocalOptions) (*queue.Local, func()) {
	t.Helper()
	if p == nil {
		p = l.w
	}
	o.Logger = testkit.Logger(t)
	q := queue.NewLocal(l.store, p, o)
	ctx, cancel := context.WithCancel(context.Background())
	q.Start(ctx)
	return q, stopper(t, "Wait", cancel, q.Wait)
}

// associate stores body and associates it with fw/<version>, without telling any queue.
func (l *local) associate(t *testing.T, version, key string, body []byte) sbomcat.Association {
	t.Helper()
	if _, err := l.store.GetVersion(context.Background(), "fw", version); err != nil {
		workertest.CreateVersion(t, l.store, "fw", version)
	}
	v := l.s3.Put(t, bucket, key, body)
	return workertest.Associate(t, l.store, "fw", version, sbomcat.S3Location{Bucket: bucket, Key: key, Version: v})
}

func (l *local) waitStatus(t *testing.T, version string, want sbomcat.ValidationStatus) []sbomcat.FileResult {
	t.Helper()
	var got []sbomcat.FileResult
	workertest.Eventually(t, 30*time.Second, "fw/"+version+" to be "+string(want), func() bool {
		var s sbomcat.ValidationStatus
		s, got = workertest.Status(t, l.store, "fw", version)
		return s == want
	})
	return got
}

// TestLocalNotifyStartsAtOnce: with no periodic sweep to find it, an announced association is
// validated anyway.
func TestLocalNotifyStartsAtOnce(t *testing.T) {
	l := newLocal(t)
	q, _ := l.start(t, nil, queue.LocalOptions{SweepInterval: time.Hour})
	for i := range 5 {
		a := l.associate(t, fmt.Sprint(i), "sbom.json", testkit.ReadFixture(t, "cdx16-valid.json"))
		if err := q.Enqueue(context.Background(), a); err != nil {
			t.Fatal(err)
		}
		q.Notify(a) // twice changes nothing
	}
	for i := range 5 {
		l.waitStatus(t, fmt.Sprint(i), sbomcat.StatusSucceeded)
	}
	if n := strings.Count(l.metrics.String(), `"Validations":1`); n != 5 {
		t.Errorf("%d validations, want 5", n)
	}
}

// TestLocalRecoversWorkFromStore: associations made while no queue ran (a crash, a restart)
// are found in the store and validated, oldest first.
func TestLocalRecoversWorkFromStore(t *testing.T) {
	l := newLocal(t)
	var order []string
	for i := range 4 {
		a := l.associate(t, fmt.Sprint(i), fmt.Sprintf("k%d.json", i), testkit.ReadFixture(t, "cdx16-valid.json"))
		order = append(order, a.ID)
		time.Sleep(2 * time.Millisecond) // distinct association times: the store keeps milliseconds
	}
	var mu sync.Mutex
	var got []string
	rec := queue.ProcessorFunc(func(ctx context.Context, j queue.Job) error {
		mu.Lock()
		got = append(got, j.Association.ID)
		mu.Unlock()
		return l.w.Process(ctx, j)
	})
	l.start(t, rec, queue.LocalOptions{Concurrency: 1})
	for i := range 4 {
		l.waitStatus(t, fmt.Sprint(i), sbomcat.StatusSucceeded)
	}
	mu.Lock()
	defer mu.Unlock()
	if fmt.Sprint(got) != fmt.Sprint(order) {
		t.Errorf("processed in order %v, want oldest first %v", got, order)
	}
}

// s3Away notifies a queue of attempts attempts, backoff apart, of version "1"'s association while
// its S3 is stopped.
func s3Away(t *testing.T, attempts int, backoff time.Duration) *local {
	t.Helper()
	l := newLocal(t)
	a := l.associate(t, "1", "sbom.json", testkit.ReadFixture(t, "cdx16-valid.json"))
	l.s3.Stop()
	q, _ := l.start(t, nil, queue.LocalOptions{MaxAttempts: attempts, Backoff: func(int) time.Duration { return backoff }})
	q.Notify(a)
	return l
}

// TestLocalTransientFailures: S3 away, the queue retries with its backoff; back in time, the
// validation succeeds; never back, the last attempt records FAILED.
func TestLocalTransientFailures(t *testing.T) {
	t.Run("S3 restarted", func(t *testing.T) {
		l := s3Away(t, 1000, 50*time.Millisecond)
		workertest.Eventually(t, 30*time.Second, "a failed attempt", func() bool {
			return strings.Contains(l.metrics.String(), `"Outcome":"RETRY"`)
		})
		l.s3.Start(t)
		l.waitStatus(t, "1", sbomcat.StatusSucceeded)
	})
	t.Run("last attempt", func(t *testing.T) {
		l := s3Away(t, 3, 10*time.Millisecond)
		got := l.waitStatus(t, "1", sbomcat.StatusFailed)
		if len(got) != 1 || !strings.Contains(got[0].ErrorMessage, "Validation could not complete after 3 attempts") {
			t.Errorf("results %+v", got)
		}
		if n := strings.Count(l.metrics.String(), `"Outcome":"RETRY"`); n != 2 {
			t.Errorf("%d retries, want 2", n)
		}
	})
}

// heldValidation starts a queue with the shutdown grace on version "1"'s association and
// returns once the worker's GET of its SBOM is held: closing release lets it go on, stop stops
// the queue.
func heldValidation(t *testing.T, grace time.Duration) (l *local, stop func(), release chan struct{}) {
	t.Helper()
	l = newLocal(t)
	started, release := l.s3.HoldFirstGet("")
	q, stop := l.start(t, nil, queue.LocalOptions{ShutdownGrace: grace})
	q.Notify(l.associate(t, "1", "sbom.json", testkit.ReadFixture(t, "cdx16-valid.json")))
	<-started
	return l, stop, release
}

// TestLocalRestartMidValidation stops the queue while a validation runs past the grace: the
// version stays IN_PROGRESS, and a new queue on the same store (a restarted process) finishes it.
func TestLocalRestartMidValidation(t *testing.T) {
	l, stop, release := heldValidation(t, time.Millisecond)
	stop()
	close(release)
	if status, got := workertest.Status(t, l.store, "fw", "1"); status != sbomcat.StatusInProgress || len(got) != 0 {
		t.Fatalf("after an interrupted validation: status %s, results %v; want IN_PROGRESS, none", status, got)
	}
	l.start(t, nil, queue.LocalOptions{})
	l.waitStatus(t, "1", sbomcat.StatusSucceeded)
}

// TestLocalGracefulShutdown: a validation in progress at shutdown finishes within the grace,
// and Wait returns only after it is recorded.
func TestLocalGracefulShutdown(t *testing.T) {
	l, stop, release := heldValidation(t, time.Hour)
	stopped := make(chan struct{})
	go func() { stop(); close(stopped) }()
	close(release)
	<-stopped
	if status, _ := workertest.Status(t, l.store, "fw", "1"); status != sbomcat.StatusSucceeded {
		t.Errorf("status %s after Wait, want SUCCEEDED", status)
	}
}

// TestLocalSupersededWhileQueued: associations superseded before their turn are dropped by the
// sweep, not validated; only the current one is.
func TestLocalSupersededWhileQueued(t *testing.T) {
	l := newLocal(t)
	var mu sync.Mutex
	var validated []string
	rec := queue.ProcessorFunc(func(ctx context.Context, j queue.Job) error {
		mu.Lock()
		validated = append(validated, j.Association.SBOM.Key)
		mu.Unlock()
		return l.w.Process(ctx, j)
	})
	var stale []sbomcat.Association
	for i := range 3 {
		stale = append(stale, l.associate(t, "1", fmt.Sprintf("v%d.json", i), testkit.ReadFixture(t, "not-sbom.json")))
	}
	current := l.associate(t, "1", "current.json", testkit.ReadFixture(t, "cdx16-valid.json"))
	q, stop := l.start(t, rec, queue.LocalOptions{Concurrency: 1, SweepInterval: time.Hour})
	// The stale ones were announced too (as the API would have, at the time).
	for _, a := range stale {
		q.Notify(a)
	}
	q.Notify(current)
	got := l.waitStatus(t, "1", sbomcat.StatusSucceeded)
	if len(got) != 1 || got[0].FileName != "current.json" {
		t.Errorf("results %+v, want current.json's", got)
	}
	// Stale announcements may be validated (the association was current when announced), but
	// their results are always discarded: every validation but the current one's is DISCARDED.
	stop() // every validation started has ended
	mu.Lock()
	defer mu.Unlock()
	if n, d := len(validated), strings.Count(l.metrics.String(), `"Outcome":"DISCARDED"`); d != n-1 {
		t.Errorf("%d validations (%v), %d discarded; want all but one discarded", n, validated, d)
	}
}

// TestLocalBacklogLargerThanOneRead: a backlog of several sweeps' worth drains without waiting
// for the periodic sweep; the store is read again as soon as the work known runs low.
func TestLocalBacklogLargerThanOneRead(t *testing.T) {
	l := newLocal(t)
	const n = 40
	for i := range n {
		workertest.CreateVersion(t, l.store, "fw", fmt.Sprint(i))
		workertest.Associate(t, l.store, "fw", fmt.Sprint(i), sbomcat.S3Location{Bucket: bucket, Key: "k.json", Version: "v"})
	}
	// Results recorded directly: what is measured is the queue, not the worker.
	record := queue.ProcessorFunc(func(ctx context.Context, j queue.Job) error {
		a := j.Association
		return l.store.RecordValidation(ctx, sbomcat.Validation{AssociationID: a.ID, PackageName: a.PackageName, VersionName: a.VersionName,
			Results: []sbomcat.FileResult{{FileName: "k.json", Result: sbomcat.ResultSucceeded}}})
	})
	l.start(t, record, queue.LocalOptions{SweepLimit: 8, SweepInterval: time.Hour})
	workertest.Eventually(t, 30*time.Second, "the backlog to drain", func() bool {
		c, err := l.store.Counts(context.Background())
		return err == nil && c.ValidationsInProgress == 0
	})
}

// attemptCounting is the store with its BeginAttempt calls counted.
type attemptCounting struct {
	queue.LocalStore
	begun atomic.Int64
}

func (s *attemptCounting) BeginAttempt(ctx context.Context, a sbomcat.Association) (int, error) {
	s.begun.Add(1)
	return s.LocalStore.BeginAttempt(ctx, a)
}

// TestLocalFirstAttemptCounted: an association announced with FirstAttemptCounted (as the
// catalog hands it to Local) is validated as attempt 1 without a BeginAttempt write; one
// announced without it has its first attempt counted by BeginAttempt.
func TestLocalFirstAttemptCounted(t *testing.T) {
	for _, counted := range []bool{true, false} {
		t.Run(fmt.Sprint(counted), func(t *testing.T) {
			l := newLocal(t)
			workertest.CreateVersion(t, l.store, "fw", "1")
			key := "sbom.json"
			v := l.s3.Put(t, bucket, key, testkit.ReadFixture(t, "cdx16-valid.json"))
			a := sbomcat.Association{ID: sbomcat.NewID(), PackageName: "fw", VersionName: "1",
				SBOM: sbomcat.S3Location{Bucket: bucket, Key: key, Version: v}, CreatedAt: time.Now(), FirstAttemptCounted: counted}
			if _, err := l.store.Associate(context.Background(), a, sbomcat.NoLimit); err != nil {
				t.Fatal(err)
			}
			store := &attemptCounting{LocalStore: l.store}
			var attempts []int
			var mu sync.Mutex
			rec := queue.ProcessorFunc(func(ctx context.Context, j queue.Job) error {
				mu.Lock()
				attempts = append(attempts, j.Attempt)
				mu.Unlock()
				return l.w.Process(ctx, j)
			})
			q := queue.NewLocal(store, rec, queue.LocalOptions{Concurrency: 1, SweepInterval: time.Hour, Logger: testkit.Logger(t)})
			q.Notify(a) // before Start: the first sweep finds it known already
			ctx, cancel := context.WithCancel(context.Background())
			q.Start(ctx)
			l.waitStatus(t, "1", sbomcat.StatusSucceeded)
			cancel()
			if err := q.Wait(); err != nil {
				t.Fatal(err)
			}
			wantBegun := int64(1)
			if counted {
				wantBegun = 0
			}
			mu.Lock()
			defer mu.Unlock()
			if got := store.begun.Load(); got != wantBegun || len(attempts) != 1 || attempts[0] != 1 {
				t.Errorf("BeginAttempt called %d times, attempts %v; want %d and [1]", got, attempts, wantBegun)
			}
		})
	}
}
