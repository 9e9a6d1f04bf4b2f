package queue_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/internal/sbomgen"
	"github.com/sbomcat/sbomcat/internal/testkit"
	"github.com/sbomcat/sbomcat/objects"
	"github.com/sbomcat/sbomcat/queue"
	"github.com/sbomcat/sbomcat/sqlite"
	sbomsqs "github.com/sbomcat/sbomcat/sqs"
	"github.com/sbomcat/sbomcat/worker"
	"github.com/sbomcat/sbomcat/worker/workertest"
)

// Benchmarks of the whole loop on the real engines: associate (Store.Associate + Publish) →
// queue → worker (HEAD, GET, validate) → RecordValidation, timed until the store shows every
// association done. Run with
//
//	go test ./queue -run '^$' -bench 'Loop.*/small' -benchtime 500x
//	go test ./queue -run '^$' -bench 'Loop.*/50MB' -benchtime 5x
//
// validations/s is the number to compare for small SBOMs, MB/s (SetBytes) for large ones.

// benchLoop associates b.N copies of body, each with its own version, through publish, and
// waits until none is in progress.
func benchLoop(b *testing.B, store *sqlite.Store, s3 *workertest.S3Server, publish func(sbomcat.Association) error, body []byte) {
	ctx := context.Background()
	v := s3.Put(b, bucket, "bench/sbom.json", body)
	for i := range b.N {
		workertest.CreateVersion(b, store, "bench", fmt.Sprint(i))
	}
	b.SetBytes(int64(len(body)))
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		a := sbomcat.Association{ID: sbomcat.NewID(), PackageName: "bench", VersionName: fmt.Sprint(i),
			SBOM: sbomcat.S3Location{Bucket: bucket, Key: "bench/sbom.json", Version: v}, CreatedAt: time.Now()}
		if _, err := store.Associate(ctx, a, sbomcat.NoLimit); err != nil {
			b.Fatal(err)
		}
		if err := publish(a); err != nil {
			b.Fatal(err)
		}
	}
	finish(b, store, start)
	for i := range min(b.N, 3) {
		if s, _ := workertest.Status(b, store, "bench", fmt.Sprint(i)); s != sbomcat.StatusSucceeded {
			b.Fatalf("bench/%d is %s", i, s)
		}
	}
}

// finish waits until no validation is in progress in store, stops the timer and reports the
// validations per second since start.
func finish(b *testing.B, store sbomcat.Store, start time.Time) {
	workertest.WaitIdle(b, store, 2*time.Millisecond)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "validations/s")
}

// benchBodies are the SBOMs the loop benchmarks validate.
var benchBodies = []struct {
	name string
	body func(b *testing.B) []byte
}{
	{"small", func(b *testing.B) []byte { return testkit.ReadFixture(b, "cdx16-valid.json") }},
	{"50MB", func(b *testing.B) []byte { return largeSBOM(b, 50<<20) }},
}

func largeSBOM(b *testing.B, size int64) []byte {
	var buf bytes.Buffer
	if err := sbomgen.CycloneDX(&buf, size); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

func BenchmarkLoopSQS(b *testing.B) {
	for _, c := range benchBodies {
		b.Run(c.name, func(b *testing.B) {
			body := c.body(b)
			l := newLoop(b, 5, func(c *worker.Config) { c.Metrics = io.Discard })
			ctx, cancel := context.WithCancel(context.Background())
			r := sbomsqs.NewRunner(l.client, l.q.URL, l.w, sbomsqs.RunnerOptions{WaitTime: time.Second})
			done := make(chan error, 1)
			go func() { done <- r.Run(ctx) }()
			defer func() { cancel(); <-done }()
			benchLoop(b, l.store, l.s3, func(a sbomcat.Association) error { return l.pub.Enqueue(ctx, a) }, body)
		})
	}
}

func BenchmarkLoopLocal(b *testing.B) {
	for _, c := range benchBodies {
		b.Run(c.name, func(b *testing.B) {
			body := c.body(b)
			l := newLocal(b)
			q := queue.NewLocal(l.store, l.w, queue.LocalOptions{})
			ctx, cancel := context.WithCancel(context.Background())
			q.Start(ctx)
			defer func() { cancel(); q.Wait() }()
			benchLoop(b, l.store, l.s3, func(a sbomcat.Association) error { return q.Publish(ctx, a) }, body)
		})
	}
}

// BenchmarkLocalBacklog measures how fast a backlog left by a stopped process drains: b.N
// small SBOMs are associated with no queue running, then a Local starts on the store and is
// timed until none is in progress. Compare validations/s with BenchmarkLoopLocal/small, the
// worker's full rate:
//
//	go test ./queue -run '^$' -bench LocalBacklog -benchtime 3000x
func BenchmarkLocalBacklog(b *testing.B) {
	ctx := context.Background()
	l := newLocal(b)
	w := worker.New(worker.Config{Store: l.store, Objects: objects.NewFromClient(l.s3.QuickRetryClient()), Metrics: io.Discard, TempDir: b.TempDir()})
	v := l.s3.Put(b, bucket, "bench/sbom.json", testkit.ReadFixture(b, "cdx16-valid.json"))
	for i := range b.N {
		workertest.CreateVersion(b, l.store, "bench", fmt.Sprint(i))
		a := sbomcat.Association{ID: sbomcat.NewID(), PackageName: "bench", VersionName: fmt.Sprint(i),
			SBOM: sbomcat.S3Location{Bucket: bucket, Key: "bench/sbom.json", Version: v}, CreatedAt: time.Now()}
		if _, err := l.store.Associate(ctx, a, sbomcat.NoLimit); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	start := time.Now()
	q := queue.NewLocal(l.store, w, queue.LocalOptions{})
	qctx, cancel := context.WithCancel(ctx)
	q.Start(qctx)
	defer func() { cancel(); q.Wait() }()
	finish(b, l.store, start)
}
