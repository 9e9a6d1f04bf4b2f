package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/internal/sqlstmt"
)

// Writes. Every write of this process runs on one connection of the pool, kept for the purpose
// (writer), one transaction at a time: SQLite admits one writer at a time anyway, and a
// connection that finds the write lock taken waits in SQLite's busy handler, which polls with
// sleeps of up to 100 ms, so under load writers queued there would wait far longer than the
// writes take. Queued in this process instead, each starts the moment the previous one
// commits; busy_timeout is left for other processes on the same file. The one connection also
// keeps its page cache from one write to the next (a connection's cache is dropped whenever
// another connection has written), and its transactions are plain BEGIN IMMEDIATE and COMMIT
// statements, prepared once, without database/sql's *sql.Tx, which watches every transaction
// and every query in it with a goroutine.
//
// Group commit. A commit, with its WAL writes and lock calls, costs the pure-Go SQLite more
// than the small writes of the catalog do. So writers that arrive while a transaction runs
// wait for it, and the first of them then runs all that waited (up to maxBatch) in one
// transaction, each in a savepoint of its own: a write that is refused (an *sbomcat.Error: not
// found, conflict, quota) undoes only its own changes, and the others see the effects of the
// writes before them exactly as if each had committed alone. Every write is acknowledged only
// once its transaction has committed, so durability is the same as with a transaction per
// write.

// maxBatch bounds the writes committed together, and so how long the first of them waits.
const maxBatch = 64

// commitQueue holds the writes that wait for the running batch, and the connection they run on.
type commitQueue struct {
	mu      sync.Mutex
	waiting []*write
	busy    bool // a batch is running: only its leader uses conn and stmts

	conn  *sql.Conn // nil until the first write, and after a failure that may have left it in a transaction
	stmts *sqlstmt.Cache
}

// write is one call of tx, waiting to run or done.
type write struct {
	ctx context.Context
	fn  func(tx cq) error
	err error
	// alone makes the write run in a transaction of its own, with no other write in it.
	alone bool
	// lead is set when the writer is to run the next batch, its own write in it.
	lead bool
	// done receives once the write has run (err is its result) or lead is set.
	done chan struct{}
}

// tx runs fn in a write transaction (BEGIN IMMEDIATE) and returns nil once it is committed, or
// fn's error with fn's changes undone. fn may run more than once (see runBatch): it must read
// and write only through tx and set only its own results, which the last run sets.
func (s *Store) tx(ctx context.Context, fn func(tx cq) error) error {
	return s.enqueue(&write{ctx: ctx, fn: fn, done: make(chan struct{}, 1)})
}

// enqueue runs w as tx describes.
func (s *Store) enqueue(w *write) error {
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
	n := q.batchLen()
	batch := q.waiting[:n:n]
	q.waiting = append([]*write(nil), q.waiting[n:]...)
	q.mu.Unlock()

	s.runBatch(batch)
	q.release()
	return w.err
}

// batchLen is how many of the waiting writes run in the next batch: up to maxBatch, and a
// write that must run alone (see write.alone) only by itself.
func (q *commitQueue) batchLen() int {
	n := min(len(q.waiting), maxBatch)
	for i, w := range q.waiting[:n] {
		if w.alone {
			return max(i, 1)
		}
	}
	return n
}

// release ends a batch (or a read, see Store.read): the first writer waiting, if any, leads
// the next batch.
func (q *commitQueue) release() {
	q.mu.Lock()
	if len(q.waiting) > 0 {
		next := q.waiting[0]
		next.lead = true
		next.done <- struct{}{}
	} else {
		q.busy = false
	}
	q.mu.Unlock()
}

// read runs fn, which only reads, on the writing connection when no write runs, else on the
// pool. A connection's page cache is dropped whenever another connection has written, and
// every write of this process runs on that one: its cache is the only one that is current,
// where a read on the pool reads its pages again. Writers that arrive meanwhile wait for fn,
// as they would for a batch: fn must be quick (one row, or one page of rows).
func (s *Store) read(fn func(q cq) error) error {
	q := &s.commits
	q.mu.Lock()
	if q.busy || q.conn == nil {
		q.mu.Unlock()
		return fn(s.q())
	}
	q.busy = true
	q.mu.Unlock()
	defer q.release()
	return fn(cq{C: q.stmts})
}

// exec runs one statement as a write (see tx).
func (s *Store) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	var res sql.Result
	err := s.tx(ctx, func(tx cq) error {
		var err error
		res, err = tx.ExecContext(ctx, query, args...)
		return err
	})
	return res, err
}

// runBatch runs the writes of batch, sets each one's err and wakes its writer.
func (s *Store) runBatch(batch []*write) {
	if len(batch) == 1 {
		batch[0].err = s.runAlone(batch[0])
	} else if err := s.runTogether(batch); err != nil {
		// SQLite itself failed, not a write's own refusal: the transaction is rolled back,
		// and each write runs again alone, so that only the one that fails reports it.
		for _, w := range batch {
			w.err = s.runAlone(w)
		}
	}
	for _, w := range batch {
		w.done <- struct{}{}
	}
}

// runAlone runs w in a transaction of its own.
func (s *Store) runAlone(w *write) error {
	if err := w.ctx.Err(); err != nil {
		return err
	}
	ctx := context.WithoutCancel(w.ctx)
	c, err := s.begin(ctx)
	if err != nil {
		return err
	}
	if err := w.fn(c); err != nil {
		s.rollback(ctx, c)
		return err
	}
	return s.commit(ctx, c)
}

// runTogether runs batch in one transaction, each write in a savepoint, and commits. Its
// statements run under a context of their own: a writer's context that ends (a client gone)
// would make its statements fail, and the whole batch run again. A write whose context has
// ended before it starts fails with the context's error. The error returned is SQLite's, all
// changes undone.
func (s *Store) runTogether(batch []*write) error {
	ctx := context.Background()
	c, err := s.begin(ctx)
	if err != nil {
		return err
	}
	for _, w := range batch {
		if w.err = w.ctx.Err(); w.err != nil {
			continue
		}
		if err := s.step(ctx, c, `SAVEPOINT write`); err != nil {
			return err
		}
		var refused *sbomcat.Error
		if w.err = w.fn(c); w.err != nil {
			if !errors.As(w.err, &refused) {
				s.rollback(ctx, c)
				return w.err
			}
			if err := s.step(ctx, c, `ROLLBACK TO write`); err != nil {
				return err
			}
		}
		if err := s.step(ctx, c, `RELEASE write`); err != nil {
			return err
		}
	}
	return s.commit(ctx, c)
}

// begin opens a write transaction on the writing connection, which it opens if need be.
func (s *Store) begin(ctx context.Context) (cq, error) {
	q := &s.commits
	if q.conn == nil {
		conn, err := s.db.Conn(ctx)
		if err != nil {
			return cq{}, fmt.Errorf("sqlite: open the writing connection: %w", err)
		}
		q.conn, q.stmts = conn, sqlstmt.New(conn)
	}
	c := cq{C: q.stmts, Ctx: ctx}
	if _, err := c.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		s.dropWriter()
		return cq{}, err
	}
	return c, nil
}

// step runs a statement of the transaction's own (a savepoint's) and rolls everything back
// when it fails.
func (s *Store) step(ctx context.Context, c cq, stmt string) error {
	if _, err := c.ExecContext(ctx, stmt); err != nil {
		s.rollback(ctx, c)
		return err
	}
	return nil
}

func (s *Store) commit(ctx context.Context, c cq) error {
	if err := s.step(ctx, c, `COMMIT`); err != nil {
		return err
	}
	s.walWritten()
	return nil
}

// rollback ends the transaction. SQLite has ended it already after some failures (a full
// disk, an I/O error), and then ROLLBACK fails; when it fails, the connection is dropped
// rather than trusted to be out of its transaction.
func (s *Store) rollback(ctx context.Context, c cq) {
	if _, err := c.ExecContext(ctx, `ROLLBACK`); err != nil {
		s.dropWriter()
	}
}

// dropWriter closes the writing connection; the next write opens another.
func (s *Store) dropWriter() {
	q := &s.commits
	if q.conn == nil {
		return
	}
	q.stmts.Close()
	// Raw's ErrBadConn makes database/sql close the connection instead of pooling it.
	_ = q.conn.Raw(func(any) error { return driver.ErrBadConn })
	q.conn.Close()
	q.conn, q.stmts = nil, nil
}
