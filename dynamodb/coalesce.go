package dynamodb

import (
	"errors"
	"sync"
)

// Updates of a quota counter are coalesced: every association takes a place in the in-flight
// counter and every validation gives it back, all on one item, and under load a request to
// the table costs more than what it carries. A reserve or release that arrives while another
// of the same kind is being written waits and joins the next write, which adds the number of
// those that joined at once; the first to arrive writes at once, so that alone it waits for
// nothing. Each caller returns once the write that carries its own update is done, with that
// write's outcome: what it sees is what the same update made alone would have shown.

// coalescer gathers concurrent updates of one kind into batches written one at a time.
type coalescer struct {
	mu   sync.Mutex
	busy bool   // a batch is being written
	next *batch // the batch that updates join; nil when none is waiting
}

// batch is n updates written together.
type batch struct {
	n    int
	err  error
	done chan struct{} // closed when err is set
	lead chan struct{} // receives once: the waiter that gets it writes the batch
}

// do adds one update to the next batch and returns the outcome of the write that carries it;
// write writes n updates at once.
func (c *coalescer) do(write func(n int) error) error {
	c.mu.Lock()
	if c.next == nil {
		c.next = &batch{done: make(chan struct{}), lead: make(chan struct{}, 1)}
	}
	b := c.next
	b.n++
	if c.busy {
		c.mu.Unlock()
		select {
		case <-b.done:
			return b.err
		case <-b.lead: // the write before is done: this caller writes the batch
		}
		c.mu.Lock()
	}
	c.busy, c.next = true, nil // b takes no more updates
	n := b.n
	c.mu.Unlock()
	// Deferred, so that a write that panics (and a server that recovers) leaves no caller
	// waiting for ever.
	b.err = errBatchPanicked
	defer func() {
		close(b.done)
		c.mu.Lock()
		if c.next != nil {
			c.next.lead <- struct{}{} // the next batch's writer: one of its waiters
		} else {
			c.busy = false
		}
		c.mu.Unlock()
	}()
	b.err = write(n)
	return b.err
}

var errBatchPanicked = errors.New("the write of a batch of counter updates panicked")

// coalescers holds a coalescer for each kind of update, made at first use.
type coalescers struct {
	mu sync.Mutex
	m  map[coalesceKey]*coalescer
}

// coalesceKey is a kind of update: only updates that would be written alike join a batch.
type coalesceKey struct {
	counter string
	delta   int // +1 reserve, -1 release
	limit   int // the reserve's limit
}

func (cs *coalescers) get(k coalesceKey) *coalescer {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if cs.m == nil {
		cs.m = map[coalesceKey]*coalescer{}
	}
	c := cs.m[k]
	if c == nil {
		c = &coalescer{}
		cs.m[k] = c
	}
	return c
}

// errBatchRefused is a batch's write refused by its condition where the same updates one at a
// time might not all be: each of its callers then makes its update alone.
var errBatchRefused = errors.New("batch refused")
