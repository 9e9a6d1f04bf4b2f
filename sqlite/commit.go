package sqlite

import (
	"context"
	"errors"
	"sync"

	"github.com/sbomcat/sbomcat"
)

// Group commit. A commit, with its WAL writes and lock calls, costs the pure-Go SQLite more
// than the small writes of the catalog do, and this process's writes run one at a time anyway
// (Store.writeMu). So writers that arrive while a transaction runs wait for it, and the first
// of them then runs all that waited (up to maxBatch) in one transaction, each in a savepoint
// of its own: a write that is refused (an *sbomcat.Error: not found, conflict, quota) undoes
// only its own changes, and the others see the effects of the writes before them exactly as
// if each had committed alone. Every write is acknowledged only once its transaction has
// committed, so durability is the same as with a transaction per write.

// maxBatch bounds the writes committed together, and so how long the first of them waits.
const maxBatch = 64

// commitQueue holds the writes that wait for the running batch.
type commitQueue struct {
	mu      sync.Mutex
	waiting []*write
	busy    bool // a batch is running
}

// write is one call of tx, waiting to run or done.
type write struct {
	ctx context.Context
	fn  func(tx cq) error
	err error
	// lead is set when the writer is to run the next batch, its own write in it.
	lead bool
	// done receives once the write has run (err is its result) or lead is set.
	done chan struct{}
}

// tx runs fn in a write transaction (BEGIN IMMEDIATE) and returns nil once it is committed, or
// fn's error with fn's changes undone. fn may run more than once (see runBatch): it must read
// and write only through tx and set only its own results, which the last run sets.
func (s *Store) tx(ctx context.Context, fn func(tx cq) error) error {
	w := &write{ctx: ctx, fn: fn, done: make(chan struct{}, 1)}
	q := &s.commits
	q.mu.Lock()
	q.waiting = append(q.waiting, w)
	if q.busy {
		q.mu.Unlock()
		<-w.done
		if !w.lead {
			return w.err
		}
		q.mu.Lock()
	}
	// This writer leads: w is the first waiting (handed the lead) or the only one.
	q.busy = true
	n := min(len(q.waiting), maxBatch)
	batch := q.waiting[:n:n]
	q.waiting = append([]*write(nil), q.waiting[n:]...)
	q.mu.Unlock()

	s.runBatch(batch)

	q.mu.Lock()
	if len(q.waiting) > 0 {
		next := q.waiting[0]
		next.lead = true
		next.done <- struct{}{}
	} else {
		q.busy = false
	}
	q.mu.Unlock()
	return w.err
}

// runBatch runs the writes of batch, sets each one's err and wakes its writer.
func (s *Store) runBatch(batch []*write) {
	s.writeMu.Lock()
	if len(batch) == 1 {
		batch[0].err = s.runAlone(batch[0])
	} else if err := s.runTogether(batch); err != nil {
		// SQLite itself failed, not a write's own refusal: the transaction is rolled back,
		// and each write runs again alone, so that only the one that fails reports it.
		for _, w := range batch {
			w.err = s.runAlone(w)
		}
	}
	s.writeMu.Unlock()
	for _, w := range batch {
		w.done <- struct{}{}
	}
}

// runAlone runs w in a transaction of its own.
func (s *Store) runAlone(w *write) error {
	if err := w.ctx.Err(); err != nil {
		return err
	}
	// Not watched once begun, as statements are not (sqlstmt.Querier): database/sql would
	// watch it with a goroutine.
	ctx := context.WithoutCancel(w.ctx)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := w.fn(cq{C: s.stmts, Tx: tx, Ctx: ctx}); err != nil {
		return err
	}
	return tx.Commit()
}

// runTogether runs batch in one transaction, each write in a savepoint, and commits. Its
// statements run under a context of their own: a writer's context that ends (a client gone)
// interrupts the statement running, and SQLite then rolls the whole transaction back, the
// other writers' changes included. A write whose context has ended before it starts fails
// with the context's error. The error returned is SQLite's, all changes undone.
func (s *Store) runTogether(batch []*write) error {
	ctx := context.Background()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	c := cq{C: s.stmts, Tx: tx, Ctx: ctx}
	for _, w := range batch {
		if w.err = w.ctx.Err(); w.err != nil {
			continue
		}
		if _, err := c.ExecContext(ctx, `SAVEPOINT write`); err != nil {
			return err
		}
		var refused *sbomcat.Error
		if w.err = w.fn(c); w.err != nil {
			if !errors.As(w.err, &refused) {
				return w.err
			}
			if _, err := c.ExecContext(ctx, `ROLLBACK TO write`); err != nil {
				return err
			}
		}
		if _, err := c.ExecContext(ctx, `RELEASE write`); err != nil {
			return err
		}
	}
	return tx.Commit()
}
