package sqlite

import (
	"context"
	"os"
	"path/filepath"
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
