package sqlite

import (
	"context"
	"log/slog"
	"time"
)

// Checkpoints. Under WAL a commit appends the pages it changed to the WAL file, and a
// checkpoint copies them back into the database file and syncs both, so that the WAL can start
// over. By default SQLite runs the checkpoint inside the commit that takes the WAL past 1,000
// pages: that commit, and every write queued behind it for the one writing connection (see
// commit.go), then waits for the copy and its fsyncs. Those waits were the slowest 1% of
// sbomd's associations (p99 26–33 ms at 500 associations/s, against 14 ms without them).
//
// So no connection of the store checkpoints on commit (wal_autocheckpoint 0, set at Open).
// Instead a goroutine of the store's own runs a PASSIVE checkpoint on a pool connection after
// writes, at most once per checkpointInterval. A PASSIVE checkpoint waits for no lock and
// holds none that a reader or the writer waits for: it copies what no reader still needs, and
// the writer starts the WAL over once a checkpoint has copied all of it. Another process that
// writes the same file checkpoints through its own store (or SQLite's default). The WAL that
// remains when the store closes is checkpointed as its last connection closes.

// checkpointInterval bounds how often the store checkpoints, and so how far the WAL grows
// between checkpoints under a steady load of writes (about the 1,000 pages of SQLite's own
// trigger at a thousand associations a second).
const checkpointInterval = 100 * time.Millisecond

// walWritten records that a commit has added to the WAL; the checkpoint loop picks it up.
func (s *Store) walWritten() {
	select {
	case s.walGrew <- struct{}{}:
	default: // already signalled
	}
}

// checkpointLoop checkpoints after writes, at most once per interval, until ctx ends.
func (s *Store) checkpointLoop(ctx context.Context, interval time.Duration, log *slog.Logger) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.walGrew:
		}
		if err := s.checkpoint(ctx); err != nil && ctx.Err() == nil {
			log.Warn("checkpointing the SQLite WAL failed; retrying after the next write", "error", err.Error())
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
	}
}

// checkpoint copies what it can of the WAL into the database file without waiting for anyone.
func (s *Store) checkpoint(ctx context.Context) error {
	var busy, walPages, copied int
	return s.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &walPages, &copied)
}
