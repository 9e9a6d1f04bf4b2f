package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/sqlite"
	"github.com/sbomcat/sbomcat/storetest"
)

func open(t *testing.T, path string) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) sbomcat.Store {
		return open(t, filepath.Join(t.TempDir(), sqlite.FileName))
	})
}

// Two handles on one file stand for two processes: what one writes the other reads, and
// reopening an existing file runs no migration twice.
func TestSharedFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), sqlite.FileName)
	a := open(t, path)
	b := open(t, path)
	if err := a.CreatePackage(ctx, &sbomcat.Package{Name: "p"}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.GetPackage(ctx, "p"); err != nil {
		t.Fatalf("second handle does not see the package: %v", err)
	}
	if err := b.CreatePackage(ctx, &sbomcat.Package{Name: "p"}); sbomcat.ErrCode(err) != sbomcat.ECONFLICT {
		t.Fatalf("second handle created a duplicate: %v", err)
	}
	a.Close()
	c := open(t, path)
	if _, err := c.GetPackage(ctx, "p"); err != nil {
		t.Fatalf("reopened file lost the package: %v", err)
	}
}
