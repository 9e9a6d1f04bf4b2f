// Package sqlite implements sbomcat.Store on one SQLite file (pure-Go driver, no cgo). The file
// is opened in WAL mode with a busy timeout and every write transaction takes the write lock up
// front (BEGIN IMMEDIATE), so several processes on one machine can share it safely.
package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/internal/periodic"
	"github.com/sbomcat/sbomcat/internal/sqlstmt"
)

// FileName is the database file's name inside a data directory.
const FileName = "catalog.db"

// maxConns bounds the pool: readers run side by side under WAL, writers one at a time.
const maxConns = 8

// Store is the SQLite implementation of sbomcat.Store.
type Store struct {
	db *sql.DB
	// commits are the writes waiting for theirs, and the connection they run on: see tx.
	commits commitQueue
	stmts   *sqlstmt.Cache // reads, on the pool
	// Now returns the current time; tests may replace it. Times are kept to the millisecond.
	Now func() time.Time

	// walGrew holds a signal once a commit has added to the WAL since the last checkpoint.
	walGrew chan struct{}
	// stop ends the store's own goroutines (checkpoints, purges); background waits for them.
	stop       context.CancelFunc
	background sync.WaitGroup
}

var _ sbomcat.Store = (*Store)(nil)

// Synchronous is SQLite's synchronous setting under WAL, the durability of an acknowledged write.
type Synchronous string

const (
	// SyncNormal (the default): a committed write survives a crash of the process (kill -9),
	// because it is in the WAL file that the operating system holds; the WAL is synced to disk
	// only at checkpoints, so the last writes before a power loss or a kernel crash may be lost
	// (the file stays consistent).
	SyncNormal Synchronous = "NORMAL"
	// SyncFull syncs the WAL to disk at every commit: a committed write survives a power loss
	// too, at the cost of one fsync per write (see BenchmarkSynchronous for the price).
	SyncFull Synchronous = "FULL"
)

// ParseSynchronous parses a Synchronous setting, for command-line flags.
func ParseSynchronous(s string) (Synchronous, error) {
	switch v := Synchronous(strings.ToUpper(s)); v {
	case SyncNormal, SyncFull:
		return v, nil
	}
	return "", fmt.Errorf("sqlite: synchronous %q: want %s or %s", s, SyncNormal, SyncFull)
}

// Options configure Open. Zero values mean the defaults.
type Options struct {
	// Synchronous is the durability of an acknowledged write (default SyncNormal).
	Synchronous Synchronous
	// PurgeInterval is how often clientToken records older than sbomcat.IdempotencyRetention
	// are deleted (default 1 h; the first purge runs at Open). Negative turns purging off.
	PurgeInterval time.Duration
	// Logger receives purge and checkpoint failures; nil discards.
	Logger *slog.Logger

	// checkpointInterval and restartFrames (see checkpoint.go), unless a test sets them.
	checkpointInterval time.Duration
	walRestartFrames   int
}

// Open opens (creating if needed) the database file at path with the default Options and
// migrates it to the current schema version.
func Open(ctx context.Context, path string) (*Store, error) {
	return OpenWith(ctx, path, Options{})
}

// OpenWith is Open with options.
func OpenWith(ctx context.Context, path string, o Options) (*Store, error) {
	if o.Synchronous == "" {
		o.Synchronous = SyncNormal
	}
	if _, err := ParseSynchronous(string(o.Synchronous)); err != nil {
		return nil, err
	}
	if o.PurgeInterval == 0 {
		o.PurgeInterval = time.Hour
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	q := url.Values{}
	// busy_timeout makes a connection wait for another process's write lock instead of failing
	// with SQLITE_BUSY; _txlock=immediate takes that lock at BEGIN, so a transaction never has to
	// upgrade a read lock (the classic cause of unrecoverable BUSY errors under WAL), and a
	// count-then-write (the quotas) is atomic across processes too.
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous("+string(o.Synchronous)+")")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "wal_autocheckpoint(0)") // the store checkpoints: see checkpoint.go
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", fileURI(path)+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	// Every connection is kept once opened: database/sql keeps only 2 idle by default, and
	// under load the others were closed and reopened at every burst, paying for the pragmas,
	// reading the schema and preparing each statement again (about a tenth of sbomd's CPU).
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	s := &Store{db: db, stmts: sqlstmt.New(db), Now: time.Now, walGrew: make(chan struct{}, 1)}
	if err := sqlstmt.Migrate(ctx, s.db, migrations); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: migrate %s: %w", path, err)
	}
	bg, stop := context.WithCancel(context.Background())
	s.stop = stop
	interval, restartAt := cmp.Or(o.checkpointInterval, checkpointInterval), cmp.Or(o.walRestartFrames, restartFrames)
	s.background.Go(func() { s.checkpointLoop(bg, interval, restartAt, o.Logger) })
	if o.PurgeInterval > 0 {
		s.purge(ctx, o.Logger)
		s.background.Go(func() { s.purgeLoop(bg, o.PurgeInterval, o.Logger) })
	}
	return s, nil
}

// uriEscaper escapes what SQLite's URI file names give a meaning: unescaped, a '#' in the path
// (as in a Go test's temporary directory, TestX#01) ends the file name, and every such path
// would open one shared file.
var uriEscaper = strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")

// fileURI is path as an SQLite URI file name.
func fileURI(path string) string { return "file:" + uriEscaper.Replace(path) }

// purgeLoop deletes expired clientToken records every interval, after the purge OpenWith made
// itself (so that no purge runs behind the back of the store's first callers). Several
// processes on one file may all purge: the deletes are idempotent.
func (s *Store) purgeLoop(ctx context.Context, interval time.Duration, log *slog.Logger) {
	periodic.Every(ctx, interval, func() { s.purge(ctx, log) })
}

func (s *Store) purge(ctx context.Context, log *slog.Logger) {
	n, err := s.PurgeIdempotency(ctx, s.now().Add(-sbomcat.IdempotencyRetention))
	if err != nil && ctx.Err() == nil {
		log.Error("purging expired clientToken records failed; retrying at the next interval", "error", err.Error())
	} else if n > 0 {
		log.Info("expired clientToken records purged", "count", n)
	}
}

// Close stops the store's goroutines and closes the database (SQLite checkpoints what the WAL
// still holds as the last connection closes).
func (s *Store) Close() error {
	s.stop()
	s.background.Wait()
	s.commits.mu.Lock()
	if c := s.commits.conn; c != nil {
		s.commits.stmts.Close()
		c.Close()
		s.commits.conn = nil
	}
	s.commits.mu.Unlock()
	s.stmts.Close()
	return s.db.Close()
}

// migrations are applied in order; PRAGMA user_version records how many have run. Never edit a
// released migration: append a new one.
var migrations = []string{
	// 1: the catalog.
	`
CREATE TABLE packages (
	name            TEXT PRIMARY KEY,
	description     TEXT NOT NULL DEFAULT '',
	default_version TEXT NOT NULL DEFAULT '',
	tags            TEXT NOT NULL DEFAULT '{}',
	created_ms      INTEGER NOT NULL,
	updated_ms      INTEGER NOT NULL
) STRICT;

CREATE TABLE versions (
	package_name   TEXT NOT NULL REFERENCES packages(name),
	name           TEXT NOT NULL,
	description    TEXT NOT NULL DEFAULT '',
	attributes     TEXT NOT NULL DEFAULT '{}',
	artifact       TEXT,
	recipe         TEXT NOT NULL DEFAULT '',
	status         TEXT NOT NULL,
	error_reason   TEXT NOT NULL DEFAULT '',
	tags           TEXT NOT NULL DEFAULT '{}',
	sbom           TEXT,
	sbom_status    TEXT NOT NULL DEFAULT '',
	association_id TEXT NOT NULL DEFAULT '',
	associated_ms  INTEGER NOT NULL DEFAULT 0,
	created_ms     INTEGER NOT NULL,
	updated_ms     INTEGER NOT NULL,
	PRIMARY KEY (package_name, name)
) STRICT;

CREATE INDEX versions_in_progress ON versions (associated_ms) WHERE sbom_status = 'IN_PROGRESS';

CREATE TABLE validation_results (
	association_id TEXT NOT NULL,
	file_name      TEXT NOT NULL,
	seq            INTEGER NOT NULL,
	result         TEXT NOT NULL,
	error_code     TEXT NOT NULL DEFAULT '',
	error_message  TEXT NOT NULL DEFAULT '',
	format         TEXT NOT NULL DEFAULT '',
	spec_version   TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (association_id, file_name, seq)
) STRICT;

CREATE TABLE idempotency (
	operation   TEXT NOT NULL,
	token       TEXT NOT NULL,
	fingerprint TEXT NOT NULL,
	response    BLOB,
	created_ms  INTEGER NOT NULL,
	PRIMARY KEY (operation, token)
) STRICT;

CREATE TABLE package_configuration (
	id       INTEGER PRIMARY KEY CHECK (id = 1),
	enabled  INTEGER NOT NULL,
	role_arn TEXT NOT NULL
) STRICT;
`,
	// 2: jobs (jobs.Store). A job is read and written whole, so it is one row: its id, by which
	// ListJobs pages, and its stored form (jobs.EncodeJob).
	`
CREATE TABLE jobs (
	id   TEXT PRIMARY KEY,
	body TEXT NOT NULL
) STRICT;
`,
	// 3: attempts at validating the current association, counted before each attempt begins
	// (BeginAttempt); clientToken records purged by age.
	`
ALTER TABLE versions ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
CREATE INDEX idempotency_created ON idempotency (created_ms);
`,
	// 4: the validation profile the package's sbomcat:profile tag named when the current
	// association was made (sbomcat.Association.Profile); '' for none.
	`
ALTER TABLE versions ADD COLUMN profile TEXT NOT NULL DEFAULT '';
`,
}

func (s *Store) now() time.Time { return time.UnixMilli(s.Now().UnixMilli()).UTC() }

func fromMS(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// cq runs statements prepared once (see package sqlstmt): on the pool (Store.q), or on the
// connection that writes (Store.tx).
type cq = sqlstmt.Querier

func (s *Store) q() cq { return cq{C: s.stmts} }

// queryer is what *sql.DB, *sql.Tx and cq share, so reads run inside or outside a transaction.
type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func encodeJSON(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// nullJSON encodes a location as JSON, or NULL when there is none.
func nullJSON(l *sbomcat.S3Location) (sql.NullString, error) {
	if l == nil {
		return sql.NullString{}, nil
	}
	b, err := json.Marshal(l)
	return sql.NullString{String: string(b), Valid: true}, err
}

func decodeLocation(ns sql.NullString) (*sbomcat.S3Location, error) {
	if !ns.Valid {
		return nil, nil
	}
	var l sbomcat.S3Location
	if err := json.Unmarshal([]byte(ns.String), &l); err != nil {
		return nil, err
	}
	return &l, nil
}

func decodeMap(s string) (map[string]string, error) {
	if s == "{}" { // what most rows hold: no need for encoding/json
		return nil, nil
	}
	m := map[string]string{}
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, err
	}
	if len(m) == 0 {
		return nil, nil
	}
	return m, nil
}

func packageNotFound(name string) error {
	return sbomcat.Errorf(sbomcat.ENOTFOUND, "Package %s does not exist.", name)
}

func versionNotFound(pkg, version string) error {
	return sbomcat.Errorf(sbomcat.ENOTFOUND, "Package version %s/%s does not exist.", pkg, version)
}

// found is what a get of one row returns for the row scanned into v and the scan's err: v, or
// notFound's error (the API's, such as ResourceNotFoundException) when there was no row, or
// err wrapped with what the get was. notFound is a function so that a get that finds its row
// builds no message.
func found[T any](v *T, err error, what string, notFound func() error) (*T, error) {
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, notFound()
	case err != nil:
		return nil, fmt.Errorf("sqlite: %s: %w", what, err)
	}
	return v, nil
}

// Packages.

const packageColumns = `name, description, default_version, tags, created_ms, updated_ms`

func scanPackage(row interface{ Scan(...any) error }) (*sbomcat.Package, error) {
	var p sbomcat.Package
	var tags string
	var created, updated int64
	if err := row.Scan(&p.Name, &p.Description, &p.DefaultVersion, &tags, &created, &updated); err != nil {
		return nil, err
	}
	var err error
	if p.Tags, err = decodeMap(tags); err != nil {
		return nil, err
	}
	p.CreatedAt, p.UpdatedAt = fromMS(created), fromMS(updated)
	return &p, nil
}

func getPackage(ctx context.Context, q queryer, name string) (*sbomcat.Package, error) {
	p, err := scanPackage(q.QueryRowContext(ctx, `SELECT `+packageColumns+` FROM packages WHERE name = ?`, name))
	return found(p, err, "get package", func() error { return packageNotFound(name) })
}

// CreatePackage implements sbomcat.Store.
func (s *Store) CreatePackage(ctx context.Context, p *sbomcat.Package, limit int) error {
	now := s.now()
	tags, err := encodeJSON(orEmpty(p.Tags))
	if err != nil {
		return err
	}
	err = s.tx(ctx, func(tx cq) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM packages WHERE name = ?`, p.Name).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return sbomcat.Errorf(sbomcat.ECONFLICT, "Package %s already exists.", p.Name)
		}
		if err := checkQuota(ctx, tx, `SELECT count(*) FROM packages`, sbomcat.QuotaPackages, limit); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO packages (`+packageColumns+`) VALUES (?, ?, '', ?, ?, ?)`,
			p.Name, p.Description, tags, now.UnixMilli(), now.UnixMilli())
		return err
	})
	if err != nil {
		return wrap("create package", err)
	}
	p.DefaultVersion = ""
	p.CreatedAt, p.UpdatedAt = now, now
	return nil
}

// GetPackage implements sbomcat.Store.
func (s *Store) GetPackage(ctx context.Context, name string) (*sbomcat.Package, error) {
	return getPackage(ctx, s.q(), name)
}

// UpdatePackage implements sbomcat.Store.
func (s *Store) UpdatePackage(ctx context.Context, name string, u sbomcat.PackageUpdate) (*sbomcat.Package, error) {
	var p *sbomcat.Package
	err := s.tx(ctx, func(tx cq) error {
		var err error
		if p, err = getPackage(ctx, tx, name); err != nil {
			return err
		}
		var def *sbomcat.PackageVersion
		if u.DefaultVersion != nil {
			def, err = getVersion(ctx, tx, name, *u.DefaultVersion)
			if err != nil && sbomcat.ErrCode(err) != sbomcat.ENOTFOUND {
				return err
			}
		}
		if err := p.Apply(u, def, s.now()); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE packages SET description = ?, default_version = ?, updated_ms = ? WHERE name = ?`,
			p.Description, p.DefaultVersion, p.UpdatedAt.UnixMilli(), name)
		return err
	})
	if err != nil {
		return nil, wrap("update package", err)
	}
	return p, nil
}

// DeletePackage implements sbomcat.Store.
func (s *Store) DeletePackage(ctx context.Context, name string) error {
	return wrap("delete package", s.tx(ctx, func(tx cq) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM versions WHERE package_name = ?`, name).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return sbomcat.Errorf(sbomcat.EINVALID, "Package %s still has %d package version(s); all package versions must be deleted before deleting the software package.", name, n)
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM packages WHERE name = ?`, name)
		return err
	}))
}

// ListPackages implements sbomcat.Store.
func (s *Store) ListPackages(ctx context.Context, page sbomcat.PageRequest) (sbomcat.Page[sbomcat.Package], error) {
	var out sbomcat.Page[sbomcat.Package]
	after, err := sbomcat.PackagesList().Start(page)
	if err != nil {
		return out, err
	}
	limit := page.Limit()
	rows, err := s.q().QueryContext(ctx, `SELECT `+packageColumns+` FROM packages WHERE name > ? ORDER BY name LIMIT ?`, after, limit+1)
	out, err = readPage(rows, err, limit, scanPackage, func(last *sbomcat.Package) (string, error) {
		return sbomcat.PackagesList().Next(last.Name)
	})
	return out, wrap("list packages", err)
}

// readPage reads the rows of a query that asked for limit+1 of them (or returns its err): a
// row beyond limit means there are more, and next gives the token that resumes after the
// last one kept.
func readPage[T any](rows *sql.Rows, err error, limit int, scan func(row interface{ Scan(...any) error }) (*T, error), next func(last *T) (string, error)) (sbomcat.Page[T], error) {
	var out sbomcat.Page[T]
	if err != nil {
		return out, err
	}
	defer rows.Close()
	for rows.Next() {
		item, err := scan(rows)
		if err != nil {
			return out, err
		}
		out.Items = append(out.Items, *item)
	}
	if err := rows.Err(); err != nil {
		return out, err
	}
	if len(out.Items) > limit {
		out.Items = out.Items[:limit]
		if out.NextToken, err = next(&out.Items[limit-1]); err != nil {
			return out, err
		}
	}
	return out, nil
}

// Versions.

const versionColumns = `package_name, name, description, attributes, artifact, recipe, status, error_reason, tags,
	sbom, sbom_status, association_id, created_ms, updated_ms`

func scanVersion(row interface{ Scan(...any) error }) (*sbomcat.PackageVersion, error) {
	var v sbomcat.PackageVersion
	var attrs, tags string
	var artifact, sbom sql.NullString
	var created, updated int64
	err := row.Scan(&v.PackageName, &v.VersionName, &v.Description, &attrs, &artifact, &v.Recipe, &v.Status,
		&v.ErrorReason, &tags, &sbom, &v.SBOMStatus, &v.AssociationID, &created, &updated)
	if err != nil {
		return nil, err
	}
	if v.Attributes, err = decodeMap(attrs); err != nil {
		return nil, err
	}
	if v.Tags, err = decodeMap(tags); err != nil {
		return nil, err
	}
	if v.Artifact, err = decodeLocation(artifact); err != nil {
		return nil, err
	}
	if v.SBOM, err = decodeLocation(sbom); err != nil {
		return nil, err
	}
	v.CreatedAt, v.UpdatedAt = fromMS(created), fromMS(updated)
	return &v, nil
}

func getVersion(ctx context.Context, q queryer, pkg, version string) (*sbomcat.PackageVersion, error) {
	v, err := scanVersion(q.QueryRowContext(ctx, `SELECT `+versionColumns+` FROM versions WHERE package_name = ? AND name = ?`, pkg, version))
	return found(v, err, "get version", func() error { return versionNotFound(pkg, version) })
}

// CreateVersion implements sbomcat.Store.
func (s *Store) CreateVersion(ctx context.Context, v *sbomcat.PackageVersion, limit int) error {
	now := s.now()
	attrs, err := encodeJSON(orEmpty(v.Attributes))
	if err != nil {
		return err
	}
	tags, err := encodeJSON(orEmpty(v.Tags))
	if err != nil {
		return err
	}
	artifact, err := nullJSON(v.Artifact)
	if err != nil {
		return err
	}
	err = s.tx(ctx, func(tx cq) error {
		if _, err := getPackage(ctx, tx, v.PackageName); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM versions WHERE package_name = ? AND name = ?`, v.PackageName, v.VersionName).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return sbomcat.Errorf(sbomcat.ECONFLICT, "Package version %s/%s already exists.", v.PackageName, v.VersionName)
		}
		if err := checkQuota(ctx, tx, `SELECT count(*) FROM versions`, sbomcat.QuotaVersions, limit); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO versions (package_name, name, description, attributes, artifact, recipe, status, tags, created_ms, updated_ms)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			v.PackageName, v.VersionName, v.Description, attrs, artifact, v.Recipe, sbomcat.VersionDraft, tags, now.UnixMilli(), now.UnixMilli())
		return err
	})
	if err != nil {
		return wrap("create version", err)
	}
	v.Status = sbomcat.VersionDraft
	v.ErrorReason, v.SBOM, v.SBOMStatus, v.AssociationID = "", nil, "", ""
	v.CreatedAt, v.UpdatedAt = now, now
	return nil
}

// GetVersion implements sbomcat.Store.
func (s *Store) GetVersion(ctx context.Context, pkg, version string) (v *sbomcat.PackageVersion, err error) {
	err = s.read(func(q cq) error {
		v, err = getVersion(ctx, q, pkg, version)
		return err
	})
	return v, err
}

// UpdateVersion implements sbomcat.Store.
func (s *Store) UpdateVersion(ctx context.Context, pkg, version string, u sbomcat.VersionUpdate) (*sbomcat.PackageVersion, error) {
	var v *sbomcat.PackageVersion
	err := s.tx(ctx, func(tx cq) error {
		var err error
		if v, err = getVersion(ctx, tx, pkg, version); err != nil {
			return err
		}
		if err := v.Apply(u, s.now()); err != nil {
			return err
		}
		attrs, err := encodeJSON(orEmpty(v.Attributes))
		if err != nil {
			return err
		}
		artifact, err := nullJSON(v.Artifact)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE versions SET description = ?, attributes = ?, artifact = ?, recipe = ?, status = ?, updated_ms = ?
			WHERE package_name = ? AND name = ?`,
			v.Description, attrs, artifact, v.Recipe, v.Status, v.UpdatedAt.UnixMilli(), pkg, version)
		return err
	})
	if err != nil {
		return nil, wrap("update version", err)
	}
	return v, nil
}

// DeleteVersion implements sbomcat.Store.
func (s *Store) DeleteVersion(ctx context.Context, pkg, version string) error {
	return wrap("delete version", s.tx(ctx, func(tx cq) error {
		v, err := getVersion(ctx, tx, pkg, version)
		if sbomcat.ErrCode(err) == sbomcat.ENOTFOUND {
			return nil
		} else if err != nil {
			return err
		}
		var def string
		if err := tx.QueryRowContext(ctx, `SELECT default_version FROM packages WHERE name = ?`, pkg).Scan(&def); err != nil {
			return err
		}
		if def == version {
			return sbomcat.Errorf(sbomcat.EINVALID, "Package version %s/%s is the default version of package %s; remove the designation with UpdatePackage (unsetDefaultVersion) before deleting it.", pkg, version, pkg)
		}
		if err := deleteResults(ctx, tx, v.AssociationID); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM versions WHERE package_name = ? AND name = ?`, pkg, version)
		return err
	}))
}

// ListVersions implements sbomcat.Store.
func (s *Store) ListVersions(ctx context.Context, pkg string, status sbomcat.VersionStatus, page sbomcat.PageRequest) (sbomcat.Page[sbomcat.PackageVersion], error) {
	var out sbomcat.Page[sbomcat.PackageVersion]
	after, err := sbomcat.VersionsList(pkg, status).Start(page)
	if err != nil {
		return out, err
	}
	if _, err := getPackage(ctx, s.q(), pkg); err != nil {
		return out, err
	}
	limit := page.Limit()
	rows, err := s.q().QueryContext(ctx, `SELECT `+versionColumns+` FROM versions
		WHERE package_name = ? AND (? = '' OR status = ?) AND name > ? ORDER BY name LIMIT ?`,
		pkg, status, status, after, limit+1)
	out, err = readPage(rows, err, limit, scanVersion, func(last *sbomcat.PackageVersion) (string, error) {
		return sbomcat.VersionsList(pkg, status).Next(last.VersionName)
	})
	return out, wrap("list versions", err)
}

// SBOM associations and validation results.

// Associate implements sbomcat.Store.
func (s *Store) Associate(ctx context.Context, a sbomcat.Association, maxInFlight int) (*sbomcat.PackageVersion, error) {
	return s.associate(ctx, a, maxInFlight, nil)
}

// AssociateRecorded implements sbomcat.Store: the association and the clientToken record are
// one transaction.
func (s *Store) AssociateRecorded(ctx context.Context, a sbomcat.Association, maxInFlight int, r sbomcat.IdempotencyRecord) (*sbomcat.PackageVersion, error) {
	return s.associate(ctx, a, maxInFlight, &r)
}

// associate makes a the version's current association and, when rec is not nil, stores rec in
// the same transaction with the updated version as its response.
func (s *Store) associate(ctx context.Context, a sbomcat.Association, maxInFlight int, rec *sbomcat.IdempotencyRecord) (*sbomcat.PackageVersion, error) {
	var v *sbomcat.PackageVersion
	err := s.tx(ctx, func(tx cq) error {
		old, err := getVersion(ctx, tx, a.PackageName, a.VersionName)
		if err != nil {
			return err
		}
		if old.SBOMStatus != sbomcat.StatusInProgress {
			if err := checkQuota(ctx, tx, `SELECT count(*) FROM versions WHERE sbom_status = 'IN_PROGRESS'`, sbomcat.QuotaInFlight, maxInFlight); err != nil {
				return err
			}
		}
		// The results of the association replaced; a version never associated has none (results
		// are stored only under an association's id, never ''), and the statement is skipped.
		if old.AssociationID != "" {
			if err := deleteResults(ctx, tx, old.AssociationID); err != nil {
				return err
			}
		}
		sbom, err := nullJSON(&a.SBOM)
		if err != nil {
			return err
		}
		now := s.now()
		created := a.CreatedAt
		if created.IsZero() {
			created = now
		}
		_, err = tx.ExecContext(ctx, `UPDATE versions SET sbom = ?, sbom_status = ?, association_id = ?, associated_ms = ?, updated_ms = ?, attempts = ?, profile = ?
			WHERE package_name = ? AND name = ?`,
			sbom, sbomcat.StatusInProgress, a.ID, created.UnixMilli(), now.UnixMilli(), a.InitialAttempts(), string(a.Profile), a.PackageName, a.VersionName)
		if err != nil {
			return err
		}
		// The version as the UPDATE left it, without reading it again.
		v = old
		loc := a.SBOM
		v.SBOM, v.SBOMStatus, v.AssociationID, v.UpdatedAt = &loc, sbomcat.StatusInProgress, a.ID, now
		if rec == nil {
			return nil
		}
		if rec.Response, err = json.Marshal(v); err != nil {
			return err
		}
		return s.putIdempotency(ctx, tx, *rec)
	})
	if err != nil {
		return nil, wrap("associate", err)
	}
	return v, nil
}

// Disassociate implements sbomcat.Store.
func (s *Store) Disassociate(ctx context.Context, pkg, version string) error {
	return wrap("disassociate", s.tx(ctx, func(tx cq) error {
		v, err := getVersion(ctx, tx, pkg, version)
		if err != nil {
			return err
		}
		if v.SBOM == nil && v.AssociationID == "" {
			return nil
		}
		if err := deleteResults(ctx, tx, v.AssociationID); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE versions SET sbom = NULL, sbom_status = '', association_id = '', associated_ms = 0, updated_ms = ?
			WHERE package_name = ? AND name = ?`, s.now().UnixMilli(), pkg, version)
		return err
	}))
}

// RecordValidation implements sbomcat.Store.
func (s *Store) RecordValidation(ctx context.Context, val sbomcat.Validation) error {
	const setStatus = `UPDATE versions SET sbom_status = ? WHERE package_name = ? AND name = ? AND association_id = ? AND association_id != ''`
	args := []any{sbomcat.RollUp(val.Results), val.PackageName, val.VersionName, val.AssociationID}
	return wrap("record validation", s.tx(ctx, func(tx cq) error {
		// The status is written first, on condition that the association is still current:
		// one statement instead of a read and a write. The first delivery finds the
		// association still in progress, and then it has no results to replace: results are
		// stored only here, with a final status (RollUp is never IN_PROGRESS), and associate
		// deletes those of the association it replaces, even under the same id.
		n, err := rowsAffected(tx.ExecContext(ctx, setStatus+` AND sbom_status = 'IN_PROGRESS'`, args...))
		switch {
		case err != nil:
			return err
		case n > 0:
			return insertResults(ctx, tx, val.AssociationID, val.Results)
		}
		if n, err = rowsAffected(tx.ExecContext(ctx, setStatus, args...)); err != nil {
			return err
		} else if n == 0 {
			if _, err := getVersion(ctx, tx, val.PackageName, val.VersionName); err != nil {
				return err
			}
			return sbomcat.Errorf(sbomcat.ECONFLICT, "Association %s of %s/%s is no longer current; its results are discarded.", val.AssociationID, val.PackageName, val.VersionName)
		}
		// A redelivered validation replaces the results of the first delivery.
		if err := deleteResults(ctx, tx, val.AssociationID); err != nil {
			return err
		}
		return insertResults(ctx, tx, val.AssociationID, val.Results)
	}))
}

// rowsAffected is the count of rows a statement changed, or its error.
func rowsAffected(res sql.Result, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// resultsPerInsert is how many results one INSERT writes: 8 parameters each, well within
// SQLite's limit of 32,766 per statement. Statements of every length up to it are prepared once
// and kept (sqlstmt), so it also bounds how many are kept.
const resultsPerInsert = 32

// deleteResults deletes the validation results stored under an association.
func deleteResults(ctx context.Context, tx cq, associationID string) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM validation_results WHERE association_id = ?`, associationID)
	return err
}

// insertResults stores results as the association's, in order, several rows per statement.
func insertResults(ctx context.Context, tx cq, associationID string, results []sbomcat.FileResult) error {
	args := make([]any, 0, 8*min(len(results), resultsPerInsert))
	for start := 0; start < len(results); start += resultsPerInsert {
		chunk := results[start:min(start+resultsPerInsert, len(results))]
		args = args[:0]
		for i, r := range chunk {
			args = append(args, associationID, r.FileName, start+i, r.Result, r.ErrorCode, r.ErrorMessage, r.Format, r.SpecVersion)
		}
		if _, err := tx.ExecContext(ctx, insertResultsQuery(len(chunk)), args...); err != nil {
			return err
		}
	}
	return nil
}

// insertResultsQueries[n-1] inserts n results.
var insertResultsQueries = func() (q [resultsPerInsert]string) {
	var b strings.Builder
	b.WriteString(`INSERT INTO validation_results (association_id, file_name, seq, result, error_code, error_message, format, spec_version) VALUES `)
	for i := range q {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?)")
		q[i] = b.String()
	}
	return q
}()

func insertResultsQuery(n int) string { return insertResultsQueries[n-1] }

type resultCursor struct {
	FileName string `json:"f"`
	Seq      int    `json:"s"`
}

// ListValidationResults implements sbomcat.Store.
func (s *Store) ListValidationResults(ctx context.Context, pkg, version string, result sbomcat.ValidationResult, page sbomcat.PageRequest) (sbomcat.Page[sbomcat.FileResult], error) {
	var out sbomcat.Page[sbomcat.FileResult]
	list := sbomcat.ListID("results", pkg, version, string(result))
	after := resultCursor{Seq: -1}
	if err := page.Start(list, &after); err != nil {
		return out, err
	}
	v, err := getVersion(ctx, s.q(), pkg, version)
	if err != nil {
		return out, err
	}
	if v.AssociationID == "" {
		return out, nil
	}
	limit := page.Limit()
	rows, err := s.q().QueryContext(ctx, `SELECT file_name, seq, result, error_code, error_message, format, spec_version
		FROM validation_results
		WHERE association_id = ? AND (file_name, seq) > (?, ?) AND (? = '' OR result = ?)
		ORDER BY file_name, seq LIMIT ?`,
		v.AssociationID, after.FileName, after.Seq, result, result, limit+1)
	if err != nil {
		return out, fmt.Errorf("sqlite: list results: %w", err)
	}
	defer rows.Close()
	var last resultCursor
	for rows.Next() {
		var r sbomcat.FileResult
		var seq int
		if err := rows.Scan(&r.FileName, &seq, &r.Result, &r.ErrorCode, &r.ErrorMessage, &r.Format, &r.SpecVersion); err != nil {
			return out, fmt.Errorf("sqlite: list results: %w", err)
		}
		if len(out.Items) < limit {
			last = resultCursor{FileName: r.FileName, Seq: seq}
		}
		out.Items = append(out.Items, r)
	}
	if err := rows.Err(); err != nil {
		return out, fmt.Errorf("sqlite: list results: %w", err)
	}
	if len(out.Items) > limit {
		out.Items = out.Items[:limit]
		if out.NextToken, err = sbomcat.EncodePageToken(list, last); err != nil {
			return out, err
		}
	}
	return out, nil
}

// ListInProgress implements sbomcat.Store.
func (s *Store) ListInProgress(ctx context.Context, limit int) ([]sbomcat.Association, error) {
	rows, err := s.q().QueryContext(ctx, `SELECT package_name, name, sbom, association_id, associated_ms, profile FROM versions
		WHERE sbom_status = 'IN_PROGRESS' ORDER BY associated_ms, package_name, name LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list in progress: %w", err)
	}
	defer rows.Close()
	var out []sbomcat.Association
	for rows.Next() {
		var a sbomcat.Association
		var sbom sql.NullString
		var ms int64
		if err := rows.Scan(&a.PackageName, &a.VersionName, &sbom, &a.ID, &ms, &a.Profile); err != nil {
			return nil, fmt.Errorf("sqlite: list in progress: %w", err)
		}
		l, err := decodeLocation(sbom)
		if err != nil || l == nil {
			return nil, fmt.Errorf("sqlite: list in progress: bad sbom of %s/%s: %v", a.PackageName, a.VersionName, err)
		}
		a.SBOM, a.CreatedAt = *l, fromMS(ms)
		out = append(out, a)
	}
	return out, rows.Err()
}

// BeginAttempt implements sbomcat.Store.
func (s *Store) BeginAttempt(ctx context.Context, a sbomcat.Association) (int, error) {
	var n int
	err := s.tx(ctx, func(tx cq) error {
		err := tx.QueryRowContext(ctx, `UPDATE versions SET attempts = attempts + 1
			WHERE package_name = ? AND name = ? AND association_id = ? AND sbom_status = 'IN_PROGRESS' RETURNING attempts`,
			a.PackageName, a.VersionName, a.ID).Scan(&n)
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if _, err := getVersion(ctx, tx, a.PackageName, a.VersionName); err != nil {
			return err
		}
		return notInProgress(a)
	})
	return n, wrap("begin attempt", err)
}

func notInProgress(a sbomcat.Association) error {
	return sbomcat.Errorf(sbomcat.ECONFLICT, "Association %s of %s/%s is no longer current or no longer in progress.", a.ID, a.PackageName, a.VersionName)
}

// checkQuota returns EQUOTA when count (a query in tx) has reached limit.
func checkQuota(ctx context.Context, tx cq, count string, q sbomcat.Quota, limit int) error {
	if limit == sbomcat.NoLimit {
		return nil
	}
	var n int
	if err := tx.QueryRowContext(ctx, count).Scan(&n); err != nil {
		return err
	}
	if n >= limit {
		return sbomcat.QuotaExceeded(q, limit)
	}
	return nil
}

// Counts implements sbomcat.Store.
func (s *Store) Counts(ctx context.Context) (sbomcat.Counts, error) {
	var c sbomcat.Counts
	err := s.q().QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM packages),
		(SELECT count(*) FROM versions),
		(SELECT count(*) FROM versions WHERE sbom_status = 'IN_PROGRESS')`).Scan(&c.Packages, &c.Versions, &c.ValidationsInProgress)
	if err != nil {
		return c, fmt.Errorf("sqlite: counts: %w", err)
	}
	return c, nil
}

// Tags.

// tagTarget returns the table and key condition of a taggable resource.
func tagTarget(id sbomcat.ResourceID) (table, where string, args []any) {
	if id.VersionName != "" {
		return "versions", `package_name = ? AND name = ?`, []any{id.PackageName, id.VersionName}
	}
	return "packages", `name = ?`, []any{id.PackageName}
}

func getTags(ctx context.Context, q queryer, id sbomcat.ResourceID) (map[string]string, error) {
	table, where, args := tagTarget(id)
	var tags string
	err := q.QueryRowContext(ctx, `SELECT tags FROM `+table+` WHERE `+where, args...).Scan(&tags)
	if errors.Is(err, sql.ErrNoRows) {
		if id.VersionName != "" {
			return nil, versionNotFound(id.PackageName, id.VersionName)
		}
		return nil, packageNotFound(id.PackageName)
	} else if err != nil {
		return nil, fmt.Errorf("sqlite: get tags: %w", err)
	}
	m, err := decodeMap(tags)
	if err != nil {
		return nil, err
	}
	return orEmpty(m), nil
}

// EditTags implements sbomcat.Store.
func (s *Store) EditTags(ctx context.Context, id sbomcat.ResourceID, edit func(map[string]string) error) error {
	return wrap("edit tags", s.editTags(ctx, id, edit))
}

func (s *Store) editTags(ctx context.Context, id sbomcat.ResourceID, edit func(map[string]string) error) error {
	return s.tx(ctx, func(tx cq) error {
		tags, err := getTags(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := edit(tags); err != nil {
			return err
		}
		enc, err := encodeJSON(tags)
		if err != nil {
			return err
		}
		table, where, args := tagTarget(id)
		_, err = tx.ExecContext(ctx, `UPDATE `+table+` SET tags = ? WHERE `+where, append([]any{enc}, args...)...)
		return err
	})
}

// ListTags implements sbomcat.Store.
func (s *Store) ListTags(ctx context.Context, id sbomcat.ResourceID) (tags map[string]string, err error) {
	err = s.read(func(q cq) error {
		tags, err = getTags(ctx, q, id)
		return err
	})
	return tags, err
}

// Idempotency records and configuration.

// GetIdempotency implements sbomcat.Store.
func (s *Store) GetIdempotency(ctx context.Context, operation, token string) (*sbomcat.IdempotencyRecord, error) {
	r := sbomcat.IdempotencyRecord{Operation: operation, Token: token}
	var ms int64
	err := s.read(func(q cq) error {
		return q.QueryRowContext(ctx, `SELECT fingerprint, response, created_ms FROM idempotency WHERE operation = ? AND token = ?`,
			operation, token).Scan(&r.Fingerprint, &r.Response, &ms)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sbomcat.Errorf(sbomcat.ENOTFOUND, "No request with client token %s.", token)
	} else if err != nil {
		return nil, fmt.Errorf("sqlite: get idempotency record: %w", err)
	}
	r.CreatedAt = fromMS(ms)
	return &r, nil
}

// PutIdempotency implements sbomcat.Store.
func (s *Store) PutIdempotency(ctx context.Context, r sbomcat.IdempotencyRecord) error {
	if err := s.tx(ctx, func(tx cq) error { return s.putIdempotency(ctx, tx, r) }); err != nil {
		return fmt.Errorf("sqlite: put idempotency record: %w", err)
	}
	return nil
}

// putIdempotency stores r in tx.
func (s *Store) putIdempotency(ctx context.Context, tx cq, r sbomcat.IdempotencyRecord) error {
	created := r.CreatedAt
	if created.IsZero() {
		created = s.now()
	}
	_, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO idempotency (operation, token, fingerprint, response, created_ms) VALUES (?, ?, ?, ?, ?)`,
		r.Operation, r.Token, r.Fingerprint, r.Response, created.UnixMilli())
	return err
}

// PurgeIdempotency implements sbomcat.Store.
func (s *Store) PurgeIdempotency(ctx context.Context, cutoff time.Time) (int, error) {
	res, err := s.exec(ctx, `DELETE FROM idempotency WHERE created_ms < ?`, cutoff.UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("sqlite: purge idempotency records: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// GetPackageConfiguration implements sbomcat.Store.
func (s *Store) GetPackageConfiguration(ctx context.Context) (sbomcat.PackageConfiguration, error) {
	var c sbomcat.PackageConfiguration
	err := s.q().QueryRowContext(ctx, `SELECT enabled, role_arn FROM package_configuration WHERE id = 1`).
		Scan(&c.VersionUpdateByJobsEnabled, &c.VersionUpdateByJobsRoleARN)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("sqlite: get package configuration: %w", err)
	}
	return c, nil
}

// PutPackageConfiguration implements sbomcat.Store.
func (s *Store) PutPackageConfiguration(ctx context.Context, c sbomcat.PackageConfiguration) error {
	_, err := s.exec(ctx, `INSERT OR REPLACE INTO package_configuration (id, enabled, role_arn) VALUES (1, ?, ?)`,
		c.VersionUpdateByJobsEnabled, c.VersionUpdateByJobsRoleARN)
	if err != nil {
		return fmt.Errorf("sqlite: put package configuration: %w", err)
	}
	return nil
}

func orEmpty(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// wrap leaves application errors as they are (callers match them with errors.As anyway) and
// wraps the rest with the operation's name.
func wrap(op string, err error) error {
	var e *sbomcat.Error
	if err == nil || errors.As(err, &e) {
		return err
	}
	return fmt.Errorf("sqlite: %s: %w", op, err)
}
