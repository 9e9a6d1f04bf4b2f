package workers_test

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/sbomcat/sbomcat/internal/workers"
)

// TestStart: every job sent is done once, by at most n goroutines at a time, and stop returns
// only once they are all done.
func TestStart(t *testing.T) {
	const n, count = 3, 100
	var running, most, done atomic.Int64
	var mu sync.Mutex
	seen := map[int]int{}
	gate := make(chan struct{})
	jobs, stop := workers.Start(n, func(j int) {
		r := running.Add(1)
		for m := most.Load(); r > m && !most.CompareAndSwap(m, r); m = most.Load() {
		}
		<-gate
		mu.Lock()
		seen[j]++
		mu.Unlock()
		running.Add(-1)
		done.Add(1)
	})
	go func() {
		for range count {
			gate <- struct{}{}
		}
	}()
	for j := range count {
		jobs <- j
	}
	stop()
	if done.Load() != count {
		t.Fatalf("stop returned with %d of %d jobs done", done.Load(), count)
	}
	if most.Load() > n {
		t.Errorf("%d jobs ran at once, want at most %d", most.Load(), n)
	}
	for j := range count {
		if seen[j] != 1 {
			t.Errorf("job %d done %d times", j, seen[j])
		}
	}
}
