// Package sqlstmt prepares each SQL query once, on a database/sql pool or on one connection,
// and migrates the schema (Migrate), for the SQLite stores (the catalog's, package sqlite,
// and the embedded S3's metadata, package s3local).
//
// Parsing and planning a statement costs the pure-Go SQLite about as much as running a small
// one, and database/sql prepares anew for every query run on a *sql.DB, *sql.Conn or *sql.Tx.
// A statement prepared on the pool is prepared once per connection and reused, as long as the
// pool keeps its connections: set MaxIdleConns to MaxOpenConns.
package sqlstmt

import (
	"context"
	"database/sql"
	"sync"
)

// DB is what *sql.DB (the pool) and *sql.Conn (one connection) share.
type DB interface {
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// Cache holds the statements prepared on one pool or connection. The queries given to it
// should be constants of the program, so that it stays small. It is safe for concurrent use.
type Cache struct {
	db DB
	m  sync.Map // query → *sql.Stmt
}

// New returns an empty Cache over db.
func New(db DB) *Cache { return &Cache{db: db} }

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

// Querier runs statements through a Cache.
type Querier struct {
	C *Cache
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

// QueryRowContext is the pool's (or the connection's), with query prepared once.
func (q Querier) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	ctx = q.context(ctx)
	if st := q.C.Stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return q.C.db.QueryRowContext(ctx, query, args...)
}

// QueryContext is the pool's (or the connection's), with query prepared once.
func (q Querier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	ctx = q.context(ctx)
	if st := q.C.Stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return q.C.db.QueryContext(ctx, query, args...)
}

// ExecContext is the pool's (or the connection's), with query prepared once.
func (q Querier) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	ctx = q.context(ctx)
	if st := q.C.Stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return q.C.db.ExecContext(ctx, query, args...)
}
