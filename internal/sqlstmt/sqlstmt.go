// Package sqlstmt prepares each SQL query once per database/sql pool, for the SQLite stores
// (the catalog's, package sqlite, and the embedded S3's metadata, package s3local).
//
// Parsing and planning a statement costs the pure-Go SQLite about as much as running a small
// one, and database/sql prepares anew for every query run on a *sql.DB or *sql.Tx. A statement
// prepared on the pool is prepared once per connection and reused, inside transactions too
// (Tx.StmtContext finds it), as long as the pool keeps its connections: set MaxIdleConns to
// MaxOpenConns.
package sqlstmt

import (
	"context"
	"database/sql"
	"sync"
)

// Cache holds the statements prepared on one pool. The queries given to it should be constants
// of the program, so that it stays small. It is safe for concurrent use.
type Cache struct {
	db *sql.DB
	m  sync.Map // query → *sql.Stmt
}

// New returns an empty Cache over db.
func New(db *sql.DB) *Cache { return &Cache{db: db} }

// Stmt returns query prepared on the pool, or nil when it cannot be prepared (the caller then
// runs it unprepared, which reports the same error).
func (c *Cache) Stmt(ctx context.Context, query string) *sql.Stmt {
	if st, ok := c.m.Load(query); ok {
		return st.(*sql.Stmt)
	}
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	if prev, loaded := c.m.LoadOrStore(query, st); loaded {
		st.Close()
		return prev.(*sql.Stmt)
	}
	return st
}

// Close closes the prepared statements; call it before closing the pool.
func (c *Cache) Close() {
	c.m.Range(func(_, st any) bool { st.(*sql.Stmt).Close(); return true })
}

// Querier runs statements through a Cache: inside Tx when it is set, else on the pool.
type Querier struct {
	C  *Cache
	Tx *sql.Tx
	// Ctx, when set, is the context every statement runs under instead of the caller's: a
	// transaction that several callers share must not be interrupted by one of them going
	// away (SQLite rolls the whole transaction back when a statement in it is interrupted).
	Ctx context.Context
}

// context is what a statement runs under. A caller's context that has ended fails the
// statement at once; one still live is not watched while the statement runs: the queries are
// short, and both the driver and database/sql watch a cancellable context with a goroutine of
// their own for every statement, which cost a good part of the CPU of a small one.
func (q Querier) context(ctx context.Context) context.Context {
	switch {
	case q.Ctx != nil:
		return q.Ctx
	case ctx.Err() != nil:
		return ctx
	}
	return context.WithoutCancel(ctx)
}

func (q Querier) stmt(ctx context.Context, query string) *sql.Stmt {
	st := q.C.Stmt(ctx, query)
	if st != nil && q.Tx != nil {
		st = q.Tx.StmtContext(ctx, st)
	}
	return st
}

// QueryRowContext is sql.DB's (or sql.Tx's), with query prepared once.
func (q Querier) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	ctx = q.context(ctx)
	if st := q.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	if q.Tx != nil {
		return q.Tx.QueryRowContext(ctx, query, args...)
	}
	return q.C.db.QueryRowContext(ctx, query, args...)
}

// QueryContext is sql.DB's (or sql.Tx's), with query prepared once.
func (q Querier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	ctx = q.context(ctx)
	if st := q.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	if q.Tx != nil {
		return q.Tx.QueryContext(ctx, query, args...)
	}
	return q.C.db.QueryContext(ctx, query, args...)
}

// ExecContext is sql.DB's (or sql.Tx's), with query prepared once.
func (q Querier) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	ctx = q.context(ctx)
	if st := q.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	if q.Tx != nil {
		return q.Tx.ExecContext(ctx, query, args...)
	}
	return q.C.db.ExecContext(ctx, query, args...)
}
