package sqlite

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/sbomcat/sbomcat"
)

// TestOptions: the synchronous setting reaches the connections (PRAGMA synchronous reads 1
// for NORMAL, 2 for FULL) and bad values are refused with the accepted ones named.
func TestOptions(t *testing.T) {
	tests := []struct {
		in      string
		pragma  int
		wantErr bool
	}{
		{"", 1, false},
		{"normal", 1, false},
		{"FULL", 2, false},
		{"OFF", 0, true},
		{"fast", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			sync := Synchronous("")
			if tt.in != "" {
				var err error
				if sync, err = ParseSynchronous(tt.in); (err != nil) != tt.wantErr {
					t.Fatalf("ParseSynchronous(%q) error %v, want error %v", tt.in, err, tt.wantErr)
				}
				if err != nil {
					if _, err := OpenWith(context.Background(), filepath.Join(t.TempDir(), FileName), Options{Synchronous: Synchronous(tt.in)}); err == nil {
						t.Errorf("OpenWith accepted synchronous %q", tt.in)
					}
					return
				}
			}
			s, err := OpenWith(context.Background(), filepath.Join(t.TempDir(), FileName), Options{Synchronous: sync})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			var got int
			if err := s.db.QueryRow(`PRAGMA synchronous`).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != tt.pragma {
				t.Errorf("PRAGMA synchronous = %d, want %d", got, tt.pragma)
			}
		})
	}
}

// TestPurgeLoop: expired clientToken records are purged at Open (and then periodically);
// younger ones stay.
func TestPurgeLoop(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), FileName)
	s, err := OpenWith(ctx, path, Options{PurgeInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for tok, age := range map[string]time.Duration{"old": sbomcat.IdempotencyRetention + time.Minute, "young": time.Minute} {
		if err := s.PutIdempotency(ctx, sbomcat.IdempotencyRecord{Operation: "CreatePackage", Token: tok, Fingerprint: "f", CreatedAt: now.Add(-age)}); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	s, err = OpenWith(ctx, path, Options{PurgeInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err := s.GetIdempotency(ctx, "CreatePackage", "old")
		if sbomcat.ErrCode(err) == sbomcat.ENOTFOUND {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("expired record not purged at Open: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := s.GetIdempotency(ctx, "CreatePackage", "young"); err != nil {
		t.Errorf("young record: %v", err)
	}
}

// TestOpenPathWithURICharacters: a path holding characters that mean something in a URI opens
// exactly that file, not a truncated name shared with other paths.
func TestOpenPathWithURICharacters(t *testing.T) {
	for _, name := range []string{"a#1", "b?x=1", "c%41", "plain"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), name, FileName)
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			s, err := Open(context.Background(), path)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if _, err := os.Stat(path); err != nil {
				t.Errorf("Open(%q) did not create that file: %v", path, err)
			}
		})
	}
}

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
// again and again once it holds walRestartFrames pages, instead of growing with every write.
func TestWALStartsOverUnderLoad(t *testing.T) {
	const restartAt, writers, each = 100, 4, 750
	path := filepath.Join(t.TempDir(), FileName)
	// Checkpoints every 5 ms, so that the writes of the test span many of them.
	s, err := OpenWith(context.Background(), path, Options{walRestartFrames: restartAt, checkpointInterval: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// Bytes 12–15 of the WAL's header count the times it started over (its checkpoint sequence
	// number), written with the first page after each start.
	restarts := func() uint32 {
		hdr := make([]byte, 32)
		f, err := os.Open(path + "-wal")
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := io.ReadFull(f, hdr); err != nil {
			t.Fatal(err)
		}
		return binary.BigEndian.Uint32(hdr[12:16])
	}
	write := func(w, i int) error {
		p := &sbomcat.Package{Name: fmt.Sprintf("p-%d-%d", w, i), Description: string(make([]byte, 512))}
		return s.CreatePackage(context.Background(), p, sbomcat.NoLimit)
	}
	if err := write(-1, 0); err != nil {
		t.Fatal(err)
	}
	before := restarts()
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				if err := write(w, i); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	// 3,000 writes append 6,000 pages or more (each a row's and the name index's).
	n := restarts() - before
	fi, err := os.Stat(path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("the WAL started over %d times during %d writes; it is %d bytes", n, writers*each, fi.Size())
	if n < 3 {
		t.Errorf("the WAL started over %d times during %d writes, want 3 or more: it grows under load", n, writers*each)
	}
}
