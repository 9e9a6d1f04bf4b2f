package validator_test

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/internal/testkit"
	"github.com/sbomcat/sbomcat/validator"
)

func TestBombBuilder(t *testing.T) {
	prefix := []byte(`{"a":"`)
	b := makeBomb(t, prefix, 'x', 8<<20)
	h := crc32.NewIEEE()
	n, err := io.Copy(h, flate.NewReader(bytes.NewReader(b.deflated)))
	if err != nil {
		t.Fatal(err)
	}
	if uint64(n) != b.size || h.Sum32() != b.crc {
		t.Errorf("inflated %d bytes with CRC %08x, want %d with %08x", n, h.Sum32(), b.size, b.crc)
	}
}

// memWatch samples the heap while a function runs: the peak in use, and how much was
// allocated in all. Sampling can miss a short peak; the allocation total cannot, and it bounds
// every buffer the validation made.
type memWatch struct {
	baseInuse  uint64 // before
	peakInuse  uint64
	totalAlloc uint64
}

func watch(f func()) memWatch {
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	var peak atomic.Uint64
	peak.Store(before.HeapInuse)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	f()
	close(done)
	wg.Wait()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	return memWatch{baseInuse: before.HeapInuse, peakInuse: peak.Load(), totalAlloc: after.TotalAlloc - before.TotalAlloc}
}

// TestZipBombs: archives whose entries inflate to 1 GiB are refused at the default limits,
// however the header describes them, with the heap staying small.
func TestZipBombs(t *testing.T) {
	testkit.SkipShort(t, "inflates 100 MiB per case")
	const gib = 1 << 30
	zeros := makeBomb(t, nil, 0, gib)
	str := makeBomb(t, []byte(`{"bomFormat":"CycloneDX","specVersion":"1.6","metadata":{"component":{"type":"library","name":"`), 'a', gib)
	space := makeBomb(t, []byte(`{"bomFormat":"CycloneDX","specVersion":"1.6",`), ' ', gib)
	tests := []struct {
		name  string
		entry zent
		want  want
		// knownIssue names a problem outside this package that makes the case use more
		// memory than the bound; the case then reports the figures instead of failing.
		knownIssue string
	}{
		{name: "zeros, header true", entry: zeros.entry("bomb.json", 0), want: bad("bomb.json", big, "over the 100 MiB limit for one file")},
		{name: "zeros, header claims 2^62 bytes", entry: zeros.entry("bomb.json", 1<<62), want: bad("bomb.json", big, "over the 100 MiB limit for one file")},
		{name: "zeros, header claims 1000 bytes", entry: zeros.entry("bomb.json", 1000), want: bad("bomb.json", inc, "more data than its header declares")},
		{name: "zeros, header claims 100 MiB + 1", entry: zeros.entry("bomb.json", 100<<20+1), want: bad("bomb.json", big, "over the 100 MiB limit for one file")},
		{name: "a JSON string of 1 GiB", entry: str.entry("bomb.json", 0), want: bad("bomb.json", big, "over the 100 MiB limit for one file"),
			knownIssue: "formats keeps whole string values in memory while it validates them"},
		{name: "1 GiB of whitespace in a JSON object", entry: space.entry("bomb.json", 0), want: bad("bomb.json", big, "over the 100 MiB limit for one file")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			z := buildZip(t, tt.entry, zent{name: "after.json", data: testkit.ReadFixture(t, "cdx16-valid.json")})
			m := watch(func() {
				got := validate(t, &validator.Validator{}, "bomb.zip", z)
				checkResults(t, got, []want{tt.want, ok("after.json", cdx, "1.6")})
			})
			t.Logf("archive %d KiB: peak heap in use %.1f MiB, allocated %.1f MiB in all", len(z)>>10, float64(m.peakInuse)/(1<<20), float64(m.totalAlloc)/(1<<20))
			switch over := m.totalAlloc > 32<<20; {
			case over && tt.knownIssue != "":
				t.Logf("KNOWN ISSUE, over the 32 MiB bound: %s", tt.knownIssue)
			case over:
				t.Errorf("allocated %.1f MiB validating a zip bomb, over the 32 MiB bound", float64(m.totalAlloc)/(1<<20))
			case tt.knownIssue != "":
				t.Logf("within the bound now: the known issue %q seems fixed; drop knownIssue", tt.knownIssue)
			}
		})
	}
}

// TestTotalBomb: eleven entries of 100 MiB each, every one at the per-file limit, go over the
// 1 GiB total at the eleventh, and the twelfth gets no result.
func TestTotalBomb(t *testing.T) {
	testkit.SkipShort(t, "inflates 1 GiB")
	b := makeBomb(t, nil, 0, 100<<20)
	var entries []zent
	var wants []want
	for i := range 12 {
		name := fmt.Sprintf("part%02d.bin", i)
		entries = append(entries, b.entry(name, 0))
		switch {
		case i < 10:
			wants = append(wants, bad(name, inc, "binary"))
		case i == 10:
			wants = append(wants, bad(name, big, "more than the 1 GiB limit on total uncompressed size (1000.0 MiB before this file)"))
		}
	}
	checkResults(t, validate(t, &validator.Validator{}, "parts.zip", buildZip(t, entries...)), wants)
}

// BenchmarkZipBomb validates a 1 MiB archive whose entry inflates to 1 GiB of zeros; it reads
// 100 MiB of it before the per-file limit stops it.
func BenchmarkZipBomb(b *testing.B) {
	z := buildZip(b, makeBomb(b, nil, 0, 1<<30).entry("bomb.json", 0))
	b.SetBytes(100 << 20)
	b.ReportAllocs()
	for b.Loop() {
		res := validate(b, &validator.Validator{}, "bomb.zip", z)
		if len(res) != 1 || res[0].ErrorCode != big {
			b.Fatalf("%+v", res)
		}
	}
}

// manyEntries is an archive with one empty stored file and n central directory records that
// all point at it: about 60 bytes an entry, so a million entries fit in 60 MB.
func manyEntries(n int) []byte {
	var z testkit.ZipRecords
	z.Local("e", "")
	cd := len(z)
	for i := range n {
		z.Central(fmt.Sprintf("f%07d.json", i), "", 0)
	}
	z.End(n, len(z)-cd, cd) // archive/zip reads the count modulo 2^16
	return z
}

// TestEntryCountBomb: a million entries cost no more memory than a thousand, because
// archive/zip only ever sees the first thousand; opening the archive whole, it would spend
// some 300 bytes on each of the million. Compared by bytes allocated, which unlike a sampled
// peak does not depend on when the collector runs.
func TestEntryCountBomb(t *testing.T) {
	testkit.SkipShort(t, "builds a 60 MB archive")
	alloc := func(entries int) uint64 {
		// On disk, so that the heap holds only what validation takes.
		path := filepath.Join(t.TempDir(), "many.zip")
		if err := os.WriteFile(path, manyEntries(entries), 0o644); err != nil {
			t.Fatal(err)
		}
		var got []sbomcat.FileResult
		m := watch(func() {
			var err error
			if got, err = (&validator.Validator{}).ValidateFile(context.Background(), path); err != nil {
				t.Fatal(err)
			}
		})
		if len(got) != 1001 {
			t.Fatalf("%d entries: %d results, want 1001", entries, len(got))
		}
		checkResults(t, got[999:], []want{bad("f0000999.json", inc, "empty"), bad("f0001000.json", big, "more than 1000 entries")})
		t.Logf("%d entries: allocated %.1f MiB in all, peak heap in use %.1f MiB (%.1f MiB before)", entries,
			float64(m.totalAlloc)/(1<<20), float64(m.peakInuse)/(1<<20), float64(m.baseInuse)/(1<<20))
		return m.totalAlloc
	}
	few, many := alloc(1001), alloc(1_000_000)
	if many > few+4<<20 {
		t.Errorf("a million entries allocated %.1f MiB more than 1001 entries", float64(many-few)/(1<<20))
	}
}

// BenchmarkManyEntries compares opening a million-entry archive through the validator (which
// reads a thousand entries) with archive/zip opening it whole.
func BenchmarkManyEntries(b *testing.B) {
	z := manyEntries(1_000_000)
	b.Run("validator", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			validate(b, &validator.Validator{}, "many.zip", z)
		}
	})
	b.Run("archive-zip-NewReader", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := zip.NewReader(bytes.NewReader(z), int64(len(z))); err != nil {
				b.Fatal(err)
			}
		}
	})
}
