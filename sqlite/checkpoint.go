package sqlite

import (
	"context"
	"log/slog"
	"time"
)

// Checkpoints. Under WAL a commit appends the pages it changed to the WAL file, and a
// checkpoint copies them back into the database file and syncs both; once a checkpoint has
// copied all of it, the next write transaction starts the WAL over from its beginning. By
// default SQLite runs the checkpoint inside the commit that takes the WAL past 1,000 pages:
// that commit, and every write queued behind it for the one writing connection (see
// commit.go), then waits for the copy and its fsyncs (4–45 ms for the 600 pages that a tenth
// of a second at 500 associations/s appends, on this project's loaded 2-core test machine).
//
// So no connection of the store checkpoints on commit (wal_autocheckpoint 0, set at Open).
// Instead a goroutine of the store's own, after writes and at most once per
// checkpointInterval, runs a PASSIVE checkpoint on a pool connection: it waits for no lock and
// holds none that a reader or the writer waits for, so the copying is off the commit path.
//
// A passive checkpoint alone does not bound the WAL under a steady load: the WAL starts over
// only when a write transaction begins while all of it is copied, and by the time a pass ends
// the writer has usually appended more. So when the WAL has reached restartFrames, the loop
// also holds the write lock with an empty transaction of its own, queued like any write, and
// checkpoints again under it: that pass copies only what was appended during the first, and
// the next write starts the WAL over. Writes wait for that short pass (two fsyncs), about once
// a second under a steady load, rather than for whole checkpoints several times a second.
//
// Another process that writes the same file checkpoints through its own store. The WAL that
// remains when the store closes is checkpointed as its last connection closes.

// checkpointInterval bounds how often the store checkpoints, and so how far the WAL grows
// between checkpoints under a steady load of writes (about the 1,000 pages of SQLite's own
// trigger at a thousand associations a second).
const checkpointInterval = 100 * time.Millisecond

// restartFrames is the WAL's length, in pages, at which the checkpoint loop makes the WAL start
// over (about 16 MB of 4 KiB pages).
const restartFrames = 4000

// walWritten records that a commit has added to the WAL; the checkpoint loop picks it up.
func (s *Store) walWritten() {
	select {
	case s.walGrew <- struct{}{}:
	default: // already signalled
	}
}

// checkpointLoop checkpoints after writes, at most once per interval, until ctx ends, and
// makes the WAL start over once it holds restartAt pages or more.
func (s *Store) checkpointLoop(ctx context.Context, interval time.Duration, restartAt int, log *slog.Logger) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.walGrew:
		}
		frames, err := s.checkpoint(ctx)
		if err == nil && frames >= restartAt {
			// In a transaction of its own: another write committed in it would leave the WAL
			// not all copied when the next one begins.
			err = s.enqueue(&write{ctx: ctx, alone: true, done: make(chan struct{}, 1), fn: func(cq) error {
				_, err := s.checkpoint(ctx)
				return err
			}})
		}
		if err != nil && ctx.Err() == nil {
			log.Warn("checkpointing the SQLite WAL failed; retrying after the next write", "error", err.Error())
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
	}
}

// checkpoint copies what it can of the WAL into the database file without waiting for anyone,
// and returns the WAL's length in pages.
func (s *Store) checkpoint(ctx context.Context) (frames int, err error) {
	var busy, copied int
	err = s.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &frames, &copied)
	return frames, err
}
