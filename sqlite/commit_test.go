package sqlite

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/sbomcat/sbomcat"
)

// Group commit (commit.go), seen from the writers: writes that waited together for a running
// transaction end as each would have alone.
func TestGroupCommit(t *testing.T) {
	insert := func(name string) func(tx cq) error {
		return func(tx cq) error {
			_, err := tx.ExecContext(context.Background(), `INSERT INTO packages (name, created_ms, updated_ms) VALUES (?, 0, 0)`, name)
			return err
		}
	}
	refused := sbomcat.Errorf(sbomcat.ECONFLICT, "refused")
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	type write struct {
		name    string
		ctx     context.Context
		fn      func(tx cq) error
		wantErr func(error) bool
		stored  bool // whether the package name is in the table afterwards
	}
	ok := func(err error) bool { return err == nil }
	good := func(name string) write {
		return write{name: name, ctx: context.Background(), fn: insert(name), wantErr: ok, stored: true}
	}
	// insertThenRefuse changes the table and then refuses: its change must be undone.
	insertThenRefuse := write{name: "refused", ctx: context.Background(), stored: false,
		fn:      func(tx cq) error { _ = insert("refused")(tx); return refused },
		wantErr: func(err error) bool { return errors.Is(err, refused) }}
	gone := write{name: "gone", ctx: cancelled, fn: insert("gone"), stored: false,
		wantErr: func(err error) bool { return errors.Is(err, context.Canceled) }}
	broken := write{name: "broken", ctx: context.Background(), stored: false,
		fn: func(tx cq) error {
			_ = insert("broken")(tx)
			_, err := tx.ExecContext(context.Background(), `INSERT INTO no_such_table VALUES (1)`)
			return err
		},
		wantErr: func(err error) bool { return err != nil && !errors.As(err, new(*sbomcat.Error)) }}
	for _, tt := range []struct {
		name   string
		writes []write
	}{
		// Savepoints: the refused write and the one whose client went away change nothing; the
		// writes after them see what the writes before them did (a duplicate is refused).
		{"refusals", []write{good("a"), insertThenRefuse, gone, good("b"),
			{name: "a", ctx: context.Background(), fn: func(tx cq) error {
				var n int
				if err := tx.QueryRowContext(context.Background(), `SELECT count(*) FROM packages WHERE name = 'a'`).Scan(&n); err != nil || n != 1 {
					return errors.Join(err, errors.New("the write before is not visible"))
				}
				return refused
			}, wantErr: func(err error) bool { return errors.Is(err, refused) }, stored: true},
		}},
		// A failure of SQLite itself rolls the batch back, and each write runs again alone.
		{"failure", []write{good("c"), broken, good("d")}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, err := OpenWith(context.Background(), filepath.Join(t.TempDir(), FileName), Options{PurgeInterval: -1})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			// A write holds the queue until every other one waits behind it, so that they
			// run as one batch.
			release := make(chan struct{})
			first := make(chan error, 1)
			go func() {
				first <- s.tx(context.Background(), func(tx cq) error { <-release; return nil })
			}()
			waitFor(t, func() bool { return s.busy() })
			errs := make([]chan error, len(tt.writes))
			for i, w := range tt.writes {
				errs[i] = make(chan error, 1)
				go func() { errs[i] <- s.tx(w.ctx, w.fn) }()
				waitFor(t, func() bool { return s.waiting() == i+1 }) // in this order
			}
			close(release)
			if err := <-first; err != nil {
				t.Fatal(err)
			}
			for i, w := range tt.writes {
				if err := <-errs[i]; !w.wantErr(err) {
					t.Errorf("write %d (%s): unexpected error %v", i, w.name, err)
				}
			}
			for _, w := range tt.writes {
				var n int
				if err := s.q().QueryRowContext(context.Background(), `SELECT count(*) FROM packages WHERE name = ?`, w.name).Scan(&n); err != nil {
					t.Fatal(err)
				}
				if (n == 1) != w.stored {
					t.Errorf("%s: %d rows, want stored=%v", w.name, n, w.stored)
				}
			}
		})
	}
}

func (s *Store) waiting() int {
	s.commits.mu.Lock()
	defer s.commits.mu.Unlock()
	return len(s.commits.waiting)
}

func (s *Store) busy() bool {
	s.commits.mu.Lock()
	defer s.commits.mu.Unlock()
	return s.commits.busy
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(end) {
			t.Fatal("timed out")
		}
	}
}
