package queue_test

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/internal/testkit"
	"github.com/sbomcat/sbomcat/objects"
	"github.com/sbomcat/sbomcat/queue"
	"github.com/sbomcat/sbomcat/worker"
	"github.com/sbomcat/sbomcat/worker/workertest"
)

// BenchmarkLocalBacklog measures how fast a backlog left by a stopped process drains: b.N
// small SBOMs are associated with no queue running, then a Local starts on the store and is
// timed until none is in progress. Compare validations/s with BenchmarkLoopLocal/small, the
// worker's full rate:
//
//	go test ./queue -run '^$' -bench LocalBacklog -benchtime 3000x
func BenchmarkLocalBacklog(b *testing.B) {
	ctx := context.Background()
	l := newLocal(b)
	w := worker.New(worker.Config{Store: l.store, Objects: objects.NewFromClient(quickRetryS3(l.s3)), Metrics: io.Discard, TempDir: b.TempDir()})
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
