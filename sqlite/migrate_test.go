package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/jobs/jobstest"
)

// TestMigrateFromVersion1: a catalog file written before jobs existed (schema version 1) gains
// the jobs table when opened, and keeps its catalog.
func TestMigrateFromVersion1(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), FileName)
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{migrations[0], `PRAGMA user_version = 1`,
		`INSERT INTO packages (name, created_ms, updated_ms) VALUES ('old', 1, 1)`} {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.GetPackage(ctx, "old"); err != nil {
		t.Fatalf("migration lost the catalog: %v", err)
	}
	var version int
	if err := s.db.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&version); err != nil || version != len(migrations) {
		t.Fatalf("user_version = %d, %v; want %d", version, err, len(migrations))
	}
	if err := s.CreateJob(ctx, jobstest.MinimalJob("j")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetJob(ctx, "j"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetJob(ctx, "nope"); sbomcat.ErrCode(err) != sbomcat.ENOTFOUND {
		t.Fatalf("GetJob of a missing job = %v", err)
	}
}
