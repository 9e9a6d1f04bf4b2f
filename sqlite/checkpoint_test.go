package sqlite

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/sbomcat/sbomcat"
)

// TestCheckpointAfterWrites: commits never checkpoint (wal_autocheckpoint 0), so the writes
// reach the database file only through the store's own checkpoints, which follow writes
// without waiting for the WAL to reach SQLite's 1,000-page trigger.
func TestCheckpointAfterWrites(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var auto int
	if err := s.db.QueryRow(`PRAGMA wal_autocheckpoint`).Scan(&auto); err != nil || auto != 0 {
		t.Fatalf("PRAGMA wal_autocheckpoint = %d, %v; want 0: commits must not checkpoint", auto, err)
	}
	size := func(name string) int64 {
		fi, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	write := func(n int) {
		for i := range n {
			p := &sbomcat.Package{Name: fmt.Sprintf("p-%d", i), Description: string(make([]byte, 512))}
			if err := s.CreatePackage(context.Background(), p, sbomcat.NoLimit); err != nil {
				t.Fatal(err)
			}
		}
	}
	// until waits up to 10 s for cond, the checkpoint loop being a goroutine of its own.
	until := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("after 10 s: %s", what)
			}
		}
	}
	before := size(path)
	write(50) // far fewer than SQLite's 1,000 pages
	until("the writes never reached the database file", func() bool { return size(path) > before })
}

// TestWALStartsOverUnderLoad: under writes that never pause, after which a passive checkpoint
// alone would never find the WAL all copied at the start of a write, the WAL still starts over
// once it holds walRestartFrames pages instead of growing with every write.
func TestWALStartsOverUnderLoad(t *testing.T) {
	const restartAt, writers, each = 100, 4, 750
	path := filepath.Join(t.TempDir(), FileName)
	// Checkpoints every 5 ms, so that what the writes append between two passes is small
	// beside what they append in all, however fast the machine writes.
	s, err := OpenWith(context.Background(), path, Options{walRestartFrames: restartAt, checkpointInterval: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				p := &sbomcat.Package{Name: fmt.Sprintf("p-%d-%d", w, i), Description: string(make([]byte, 512))}
				if err := s.CreatePackage(context.Background(), p, sbomcat.NoLimit); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	// Each write appends two pages or more (the row's and the name index's): 3,000 writes
	// would leave 6,000 or more in a WAL that never started over (24 MB); one that starts over
	// at 100 holds those plus what the writes append during a few passes.
	fi, err := os.Stat(path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("WAL: %d bytes after %d writes", fi.Size(), writers*each)
	if max := int64(2000 * 4096); fi.Size() > max {
		t.Errorf("the WAL is %d bytes after %d writes, over %d: it did not start over under load", fi.Size(), writers*each, max)
	}
}
