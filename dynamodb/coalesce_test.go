package dynamodb

import (
	"errors"
	"sync"
	"testing"
	"time"
)

// TestCoalescer: the first update is written alone at once; those that arrive while it is
// being written are written together in one write, after it, and each caller gets the outcome
// of the write that carried its update.
func TestCoalescer(t *testing.T) {
	var c coalescer
	const joiners = 7
	first := make(chan struct{}) // closed to let the first write end
	var mu sync.Mutex
	var writes []int
	errSecond := errors.New("second write")
	write := func(n int) error {
		mu.Lock()
		writes = append(writes, n)
		i := len(writes)
		mu.Unlock()
		if i == 1 {
			<-first
			return nil
		}
		return errSecond
	}
	results := make(chan error, joiners+1)
	go func() { results <- c.do(write) }()
	waitFor(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(writes) == 1 })
	for range joiners {
		go func() { results <- c.do(write) }()
	}
	waitFor(t, func() bool { c.mu.Lock(); defer c.mu.Unlock(); return c.next != nil && c.next.n == joiners })
	close(first)
	var got []error
	for range joiners + 1 {
		got = append(got, <-results)
	}
	if want := []int{1, joiners}; len(writes) != 2 || writes[0] != want[0] || writes[1] != want[1] {
		t.Fatalf("writes of %v updates, want %v", writes, want)
	}
	nils := 0
	for _, err := range got {
		switch {
		case err == nil:
			nils++
		case !errors.Is(err, errSecond):
			t.Errorf("do returned %v, want nil or the second write's error", err)
		}
	}
	if nils != 1 {
		t.Errorf("%d callers got the first write's outcome, want 1", nils)
	}
	if c.busy || c.next != nil {
		t.Errorf("after the writes: busy %v, next %+v; want idle", c.busy, c.next)
	}
	// Idle again: the next update is written alone, at once.
	if err := c.do(func(n int) error {
		if n != 1 {
			t.Errorf("an update alone written with %d, want 1", n)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(time.Millisecond)
	}
}
