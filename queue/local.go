package queue

import (
	"context"
	"fmt"
	"log/slog"
	"path"
	"runtime"
	"sync"
	"time"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/internal/defaults"
	"github.com/sbomcat/sbomcat/internal/workers"
)

// LocalStore is what Local needs of the store, which is its queue; sbomcat.Store implements
// it. ListInProgress lists the work, BeginAttempt counts attempts durably (so that the maximum
// holds across restarts, even when an attempt ends in a crash), and RecordValidation ends an
// association whose attempts all ended in a crash.
type LocalStore interface {
	ListInProgress(ctx context.Context, limit int) ([]sbomcat.Association, error)
	BeginAttempt(ctx context.Context, a sbomcat.Association) (int, error)
	RecordValidation(ctx context.Context, v sbomcat.Validation) error
}

// LocalOptions configure a Local queue. Zero values mean the defaults below.
type LocalOptions struct {
	// Concurrency is how many associations are validated at once (default GOMAXPROCS).
	Concurrency int
	// MaxAttempts is how many times an association is tried before a transient failure is
	// recorded as FAILED (default DefaultMaxReceiveCount). Attempts are counted in the store
	// before each begins, so the maximum holds across restarts: an attempt interrupted by a
	// crash or a shutdown counts, as an SQS receive does.
	MaxAttempts int
	// Backoff is the wait before the next attempt after a failed one (default DefaultBackoff).
	Backoff func(attempt int) time.Duration
	// SweepInterval is how often the store is read for associations not announced to this
	// process (another process's, or ones whose announcement was lost) (default 30 s). A
	// backlog larger than SweepLimit is read sooner: see run.
	SweepInterval time.Duration
	// SweepLimit bounds one read of the store (default 1000).
	SweepLimit int
	// ShutdownGrace is how long validations in progress may finish after Run's context is done
	// (default 10 s); the rest are interrupted and resume at the next start.
	ShutdownGrace time.Duration
	// Logger; nil discards.
	Logger *slog.Logger
}

// Local is the embedded queue of the single-process default: the store is the queue.
// See the package documentation for why that is durable.
type Local struct {
	store LocalStore
	proc  Processor
	o     LocalOptions
	log   *slog.Logger

	mu      sync.Mutex
	entries map[string]*entry
	// ready holds the entries in state queued: dispatch and runningLow look at these only, not
	// at the finished entries the map keeps until the next sweep (thousands under load).
	ready   map[*entry]struct{}
	gen     uint64 // sweep generation, incremented when a sweep starts
	running int
	// more is set when the last sweep was cut at SweepLimit and found work it did not know:
	// the store holds more than one read returned.
	more bool
	wake chan struct{}

	startOnce sync.Once
	done      chan struct{}
	err       error
}

type entryState int

const (
	queued entryState = iota
	running
	finished
)

// entry is one association the queue knows.
type entry struct {
	a        sbomcat.Association
	state    entryState
	attempts int // attempts begun so far, as the store counted them
	// counted is set on an entry announced with its first attempt counted by Store.Associate
	// (Association.FirstAttemptCounted), until that attempt begins.
	counted   bool
	notBefore time.Time // queued entries wait until then after a failure
	gen       uint64    // the sweep generation when the entry was added or finished
}

// NewLocal returns a Local queue that feeds the associations of store to p.
func NewLocal(store LocalStore, p Processor, o LocalOptions) *Local {
	o.Concurrency = defaults.Positive(o.Concurrency, runtime.GOMAXPROCS(0))
	o.MaxAttempts = defaults.Positive(o.MaxAttempts, DefaultMaxReceiveCount)
	if o.Backoff == nil {
		o.Backoff = DefaultBackoff
	}
	o.SweepInterval = defaults.Positive(o.SweepInterval, 30*time.Second)
	o.SweepLimit = defaults.Positive(o.SweepLimit, 1000)
	o.ShutdownGrace = defaults.Positive(o.ShutdownGrace, 10*time.Second)
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Local{store: store, proc: p, o: o, log: o.Logger, entries: map[string]*entry{},
		ready: map[*entry]struct{}{}, wake: make(chan struct{}, 1), done: make(chan struct{})}
}

// Notify announces a new association, recorded in the store already, so that its validation
// starts at once rather than at the next sweep. It never blocks. Announcing an association
// twice, or one the queue found itself, changes nothing. When the association's
// FirstAttemptCounted is set, Store.Associate counted its first attempt, which then begins
// without a write of its own.
func (l *Local) Notify(a sbomcat.Association) {
	l.mu.Lock()
	if _, ok := l.entries[a.ID]; !ok {
		l.add(&entry{a: a, gen: l.gen, counted: a.FirstAttemptCounted})
	}
	l.mu.Unlock()
	l.poke()
}

// Publish is Notify as a Publisher. The association is durable already: Store.Associate made
// it IN_PROGRESS, which is what the queue reads.
func (l *Local) Publish(_ context.Context, a sbomcat.Association) error {
	l.Notify(a)
	return nil
}

// Enqueue is Publish under the name catalog.Enqueuer uses, so that a Local can be the API's
// Config.Queue as it is.
func (l *Local) Enqueue(ctx context.Context, a sbomcat.Association) error { return l.Publish(ctx, a) }

// CountsFirstAttempt tells the catalog that Local begins the first attempt at each association
// it is handed, so that the association's write counts that attempt (see Notify).
func (l *Local) CountsFirstAttempt() {}

// Start runs the queue in the background until ctx is done; Wait waits for it to stop.
func (l *Local) Start(ctx context.Context) {
	l.startOnce.Do(func() {
		go func() {
			l.err = l.run(ctx)
			close(l.done)
		}()
	})
}

// Wait returns once the queue started by Start has stopped, validations in progress finished
// or interrupted. Close the store only after it returns.
func (l *Local) Wait() error {
	<-l.done
	return l.err
}

// Run is Start and Wait.
func (l *Local) Run(ctx context.Context) error {
	l.Start(ctx)
	return l.Wait()
}

// add records a new entry, queued; l.mu is held.
func (l *Local) add(e *entry) {
	l.entries[e.a.ID] = e
	l.ready[e] = struct{}{}
}

func (l *Local) poke() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

func (l *Local) run(ctx context.Context) error {
	l.log.Info("local queue started", "concurrency", l.o.Concurrency, "max_attempts", l.o.MaxAttempts)
	work, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()
	var wg sync.WaitGroup
	// The attempts run on Concurrency goroutines kept for the queue's life (package workers).
	// dispatch hands each started entry over; never more than Concurrency run or wait at once,
	// so handing one over never blocks.
	started, stopWorkers := workers.Start(l.o.Concurrency, func(e *entry) {
		l.attempt(work, e)
		wg.Done()
	})
	defer stopWorkers()
	nextSweep := time.Now()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for ctx.Err() == nil {
		now := time.Now()
		// A backlog larger than one read is read again as soon as the work known runs low,
		// so that the worker never idles while IN_PROGRESS work waits in the store.
		if !now.Before(nextSweep) || l.runningLow() {
			l.sweep(ctx)
			nextSweep = time.Now().Add(l.o.SweepInterval)
		}
		wait := l.dispatch(started, &wg, time.Now())
		timer.Reset(min(wait, time.Until(nextSweep)))
		select {
		case <-ctx.Done():
		case <-l.wake:
		case <-timer.C:
		}
	}

	l.log.Info("local queue stopping", "grace_s", l.o.ShutdownGrace.Seconds())
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(l.o.ShutdownGrace):
		l.log.Warn("shutdown grace over: interrupting validations in progress; they resume at the next start")
		stopWork()
		<-done
	}
	l.log.Info("local queue stopped")
	return nil
}

// runningLow reports whether the store holds more work than the last sweep read and the ready
// entries are down to a quarter of a read: reading again before they run out keeps the workers
// busy, and a read (one indexed query) costs far less than the validations it feeds.
func (l *Local) runningLow() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.more {
		return false
	}
	return len(l.ready) < max(l.o.Concurrency, l.o.SweepLimit/4)
}

// sweep reads the store's IN_PROGRESS associations: new ones are queued, and queued ones that
// are no longer in progress (superseded, disassociated) are forgotten.
func (l *Local) sweep(ctx context.Context) {
	l.mu.Lock()
	l.gen++
	g := l.gen
	l.mu.Unlock()
	list, err := l.store.ListInProgress(ctx, l.o.SweepLimit)
	if err != nil {
		if ctx.Err() == nil {
			l.log.Error("reading associations in progress failed", "error", err.Error())
		}
		return
	}
	listed := make(map[string]bool, len(list))
	l.mu.Lock()
	defer l.mu.Unlock()
	added := 0
	for _, a := range list {
		listed[a.ID] = true
		e, ok := l.entries[a.ID]
		switch {
		case !ok:
			l.add(&entry{a: a, gen: g})
			added++
		case e.state == finished && e.gen < g:
			// Finished before this read began, yet still in progress: the store did not take
			// the result (it cannot happen with a correct worker), so try again rather than
			// leave it stuck.
			l.log.Warn("association still in progress after its validation finished; retrying", "association_id", a.ID)
			*e = entry{a: a, gen: g}
			l.ready[e] = struct{}{}
			added++
		}
	}
	complete := len(list) < l.o.SweepLimit
	// Only a read that found new work makes the next one early: a read cut at the limit that
	// found nothing new (the oldest associations all known, running or backing off) would
	// find nothing new at once either.
	l.more = !complete && added > 0
	for id, e := range l.entries {
		if listed[id] || e.gen >= g || e.state == running {
			continue
		}
		// Known before this read began and not in progress any more: finished entries have
		// served their purpose; queued ones were superseded or disassociated, and validating
		// them would be wasted. When the read was cut at the limit, absence proves nothing
		// about queued entries.
		if e.state == finished || complete {
			delete(l.entries, id)
			delete(l.ready, e)
		}
	}
	if added > 0 {
		l.log.Info("associations in progress found in the store", "count", added)
	}
}

// dispatch starts queued entries, oldest first, while there are free slots, and returns how
// long until the next queued entry's backoff ends.
func (l *Local) dispatch(started chan<- *entry, wg *sync.WaitGroup, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	for l.running < l.o.Concurrency {
		var next *entry
		for e := range l.ready {
			if !e.notBefore.After(now) && (next == nil || e.a.CreatedAt.Before(next.a.CreatedAt)) {
				next = e
			}
		}
		if next == nil {
			break
		}
		next.state = running
		delete(l.ready, next)
		l.running++
		wg.Add(1)
		started <- next
	}
	wait := l.o.SweepInterval
	for e := range l.ready {
		if e.notBefore.After(now) {
			wait = min(wait, e.notBefore.Sub(now))
		}
	}
	return wait
}

// attempt counts an attempt at e in the store, then makes it, unless the attempts are used up
// already: then every one of them ended in a crash (an SBOM that kills the process), and the
// association is recorded as FAILED without another try. The first attempt of an association
// announced with it counted (see Notify) begins without BeginAttempt's write, and the worker
// reads the version to find whether the association is still current.
func (l *Local) attempt(work context.Context, e *entry) {
	a := e.a
	if e.counted {
		err := l.proc.Process(work, Job{Association: a, Attempt: 1, Last: l.o.MaxAttempts <= 1})
		l.finish(e, 1, err, work.Err() != nil)
		return
	}
	n, err := l.store.BeginAttempt(work, a)
	switch code := sbomcat.ErrCode(err); {
	case code == sbomcat.ECONFLICT || code == sbomcat.ENOTFOUND:
		// Superseded, removed or done since it was queued: nothing to do.
		l.finish(e, 0, nil, false)
		return
	case err != nil:
		l.finish(e, e.attempts, fmt.Errorf("count the attempt: %w", err), work.Err() != nil)
		return
	case n > l.o.MaxAttempts:
		l.log.Error("every attempt ended before the validation did; recording FAILED", "association_id", a.ID, "attempts", n-1)
		err = l.store.RecordValidation(work, sbomcat.Validation{AssociationID: a.ID, PackageName: a.PackageName, VersionName: a.VersionName,
			Results: []sbomcat.FileResult{{FileName: path.Base(a.SBOM.Key), Result: sbomcat.ResultFailed, ErrorMessage: exhausted(n - 1)}}})
		if c := sbomcat.ErrCode(err); c == sbomcat.ECONFLICT || c == sbomcat.ENOTFOUND {
			err = nil
		}
		l.finish(e, n, err, work.Err() != nil)
		return
	}
	// BeginAttempt's write was conditional on the association being current and in progress.
	err = l.proc.Process(work, Job{Association: a, Attempt: n, Last: n >= l.o.MaxAttempts, Current: true})
	l.finish(e, n, err, work.Err() != nil)
}

// exhausted is the result message of an association whose attempts all ended in a crash. The
// file name is the object's, as the worker names results it records itself.
func exhausted(attempts int) string {
	return fmt.Sprintf("Validation could not complete after %d attempts: the validating process stopped during each one. Associate the SBOM again to retry.", attempts)
}

func (l *Local) finish(e *entry, attempts int, err error, interrupted bool) {
	l.mu.Lock()
	l.running--
	e.attempts, e.counted = attempts, false
	switch {
	case err == nil:
		e.state, e.gen = finished, l.gen
	case interrupted:
		// Not a failure: it resumes at the next start, from the store.
		e.state = queued
		l.ready[e] = struct{}{}
	default:
		e.state = queued
		l.ready[e] = struct{}{}
		e.notBefore = time.Now().Add(l.o.Backoff(max(attempts, 1)))
		l.log.Warn("validation will be retried", "association_id", e.a.ID, "attempt", attempts, "error", err.Error())
	}
	l.mu.Unlock()
	l.poke()
}
