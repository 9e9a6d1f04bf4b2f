package s3local

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/johannesboyne/gofakes3"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/sbomcat/sbomcat/internal/sqlstmt"
)

const (
	// DBFileName is the metadata database's name inside the data directory.
	DBFileName = "s3.db"

	// MaxObjectSize is S3's limit for a single PUT (and for one multipart part): 5 GiB.
	MaxObjectSize = 5 << 30

	// maxMultipartObjectSize is S3's limit for an object assembled from parts: 5 TiB.
	maxMultipartObjectSize = 5 << 40
)

// Errors returned (wrapped) by the in-process accessors StatObject and OpenObject; test with
// errors.Is. They are gofakes3's own codes, so the HTTP layer and in-process callers agree.
var (
	ErrNoSuchBucket  error = gofakes3.ErrNoSuchBucket
	ErrNoSuchKey     error = gofakes3.ErrNoSuchKey
	ErrNoSuchVersion error = gofakes3.ErrNoSuchVersion
)

// Backend is a gofakes3.Backend, gofakes3.VersionedBackend and gofakes3.MultipartBackend over
// one data directory. It is safe for concurrent use.
type Backend struct {
	dir string
	db  *sql.DB
	// stmts are the reads that every GET and HEAD makes, prepared once (see b.q).
	stmts *sqlstmt.Cache
	// versions are rows read by version id for in-process readers (versionCache).
	versions versionCache
	log      *slog.Logger
	now      func() time.Time
	lock     *os.File
}

var (
	_ gofakes3.Backend          = (*Backend)(nil)
	_ gofakes3.VersionedBackend = (*Backend)(nil)
	_ gofakes3.MultipartBackend = (*Backend)(nil)
)

// Option configures Open.
type Option func(*Backend)

// WithLogger sends the backend's and gofakes3's logs to l (default: discarded).
func WithLogger(l *slog.Logger) Option { return func(b *Backend) { b.log = l } }

// WithClock replaces time.Now for LastModified and upload timestamps (tests).
func WithClock(now func() time.Time) Option { return func(b *Backend) { b.now = now } }

// Open opens (creating if needed) the data directory dir, migrates its database, takes the
// directory's lock and removes whatever an earlier crash left half-written.
func Open(dir string, opts ...Option) (*Backend, error) {
	ctx := context.Background() // Open runs before any request exists; nothing to cancel it.
	b := &Backend{dir: dir, log: slog.New(slog.DiscardHandler), now: time.Now}
	for _, o := range opts {
		o(b)
	}
	for _, d := range []string{dir, b.path("objects"), b.path("parts"), b.path("tmp")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("s3local: create %s: %w", d, err)
		}
	}
	// Shard directories are created up front so a PUT never has to create (and fsync) one.
	for i := range 256 {
		if err := os.MkdirAll(b.path("objects", fmt.Sprintf("%02x", i)), 0o755); err != nil {
			return nil, fmt.Errorf("s3local: create shard: %w", err)
		}
	}
	lock, err := lockDir(b.path("LOCK"))
	if err != nil {
		return nil, fmt.Errorf("s3local: %s is in use by another process (or Backend): %w", dir, err)
	}
	b.lock = lock

	q := url.Values{}
	// Same reasoning as the catalog store: busy_timeout waits for the write lock instead of
	// failing, _txlock=immediate takes it at BEGIN so no transaction must upgrade a read lock.
	// synchronous(FULL) because an acknowledged PUT must survive a power cut as it would on
	// S3; each PUT already pays an fsync for its content file, so one more is cheap.
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Set("_txlock", "immediate")
	dbPath := b.path(DBFileName)
	db, err := sql.Open("sqlite", "file:"+dbPath+"?"+q.Encode())
	if err != nil {
		b.unlock()
		return nil, fmt.Errorf("s3local: open %s: %w", dbPath, err)
	}
	// Connections are kept once opened (database/sql keeps 2 idle by default): reopening one
	// costs the pragmas and a read of the schema.
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	b.db, b.stmts = db, sqlstmt.New(db)
	if err := sqlstmt.Migrate(ctx, db, migrations); err != nil {
		b.Close()
		return nil, fmt.Errorf("s3local: migrate %s: %w", dbPath, err)
	}
	if err := b.collectGarbage(ctx); err != nil {
		b.Close()
		return nil, fmt.Errorf("s3local: recover %s: %w", dir, err)
	}
	return b, nil
}

// Close closes the database and releases the directory lock. Requests still in flight fail.
func (b *Backend) Close() error {
	var err error
	if b.db != nil {
		b.versions.close()
		b.stmts.Close()
		err = b.db.Close()
	}
	b.unlock()
	return err
}

func (b *Backend) unlock() {
	if b.lock != nil {
		unlockDir(b.lock)
		b.lock = nil
	}
}

// Dir returns the data directory.
func (b *Backend) Dir() string { return b.dir }

// q runs reads on the pool with prepared statements.
func (b *Backend) q() sqlstmt.Querier { return sqlstmt.Querier{C: b.stmts} }

func (b *Backend) path(elem ...string) string {
	return filepath.Join(append([]string{b.dir}, elem...)...)
}

// objectPath is where the content file with the given random name lives.
func (b *Backend) objectPath(blob string) string { return b.path("objects", blob[:2], blob) }

func (b *Backend) partPath(blob string) string { return b.path("parts", blob) }

// randomID returns n random bytes, URL-safe base64 without padding: version and upload ids.
// An id never starts with '-': command-line tools would read it as an option (the AWS CLI
// refuses `--version-id -x...` with "expected one argument"), so such a draw is redrawn.
func randomID(n int) string {
	buf := make([]byte, n)
	for {
		_, _ = rand.Read(buf) // crypto/rand.Read never fails (it panics on a broken system RNG)
		if id := base64.RawURLEncoding.EncodeToString(buf); id[0] != '-' {
			return id
		}
	}
}

// newVersionID returns a fresh 32-character, URL-safe version id (the length of S3's).
func newVersionID() string { return randomID(24) }

// newBlobName names a content or part file: 128 random bits in hex, so names never collide
// and the first two characters spread files over the 256 shard directories.
func newBlobName() string {
	buf := make([]byte, 16)
	_, _ = rand.Read(buf)
	return hex.EncodeToString(buf)
}

// collectGarbage empties tmp/ and removes content and part files that no row names: the
// leftovers of a crash between writing a file and committing (or after deleting) its row.
// It runs under the directory lock, so no other writer can be between those two steps.
func (b *Backend) collectGarbage(ctx context.Context) error {
	tmp, err := os.ReadDir(b.path("tmp"))
	if err != nil {
		return fmt.Errorf("read tmp: %w", err)
	}
	for _, e := range tmp {
		if err := os.RemoveAll(b.path("tmp", e.Name())); err != nil {
			return fmt.Errorf("clean tmp: %w", err)
		}
	}

	referenced := func(query string) (map[string]bool, error) {
		rows, err := b.db.QueryContext(ctx, query)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		set := map[string]bool{}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				return nil, err
			}
			set[s] = true
		}
		return set, rows.Err()
	}
	removed := 0
	sweep := func(dir string, keep map[string]bool) error {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return err
		}
		for _, e := range entries {
			if e.IsDir() || keep[e.Name()] {
				continue
			}
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
			removed++
		}
		return nil
	}

	objs, err := referenced(`SELECT blob FROM objects WHERE blob IS NOT NULL`)
	if err != nil {
		return fmt.Errorf("list object files: %w", err)
	}
	for i := range 256 {
		if err := sweep(b.path("objects", fmt.Sprintf("%02x", i)), objs); err != nil {
			return fmt.Errorf("sweep objects: %w", err)
		}
	}
	parts, err := referenced(`SELECT blob FROM parts`)
	if err != nil {
		return fmt.Errorf("list part files: %w", err)
	}
	if err := sweep(b.path("parts"), parts); err != nil {
		return fmt.Errorf("sweep parts: %w", err)
	}
	if removed > 0 {
		b.log.InfoContext(ctx, "s3local: removed files left by an interrupted write", "dir", b.dir, "files", removed)
	}
	return nil
}

// removeFiles unlinks files whose rows are already gone. A failure only leaks disk space until
// the next Open, so it is logged rather than returned to a client whose request succeeded.
func (b *Backend) removeFiles(ctx context.Context, paths ...string) {
	for _, p := range paths {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			b.log.WarnContext(ctx, "s3local: cannot remove unreferenced file", "path", p, "err", err)
		}
	}
}
