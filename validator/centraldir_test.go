package validator

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/sbomcat/sbomcat/internal/testkit"
)

// The central directory scan must agree with archive/zip: the view it builds must give
// archive/zip exactly the entries archive/zip finds in the whole archive (the first max of
// them), and an archive that archive/zip refuses must not pass.

func buildArchive(t testing.TB, comment string, names ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range names {
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, "{}")
	}
	if comment != "" {
		zw.SetComment(comment)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func zip64Sized(t testing.TB) []byte {
	// A header that declares a size of 2^32 or more makes zip.Writer write zip64 fields.
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "big.json", Method: zip.Store, CompressedSize64: 2, UncompressedSize64: 1 << 33})
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("{}"))
	zw.Close()
	return buf.Bytes()
}

// dataAfterDirectory is an archive whose second entry lies after the central directory, as
// no common tool writes but archive/zip reads.
func dataAfterDirectory() []byte {
	var z testkit.ZipRecords
	z.Local("a.json", "{}")
	cd := len(z)
	cdSize := 2*46 + len("a.json") + len("b.json")
	z.Central("a.json", "{}", 0)
	z.Central("b.json", "[]", cd+cdSize)
	z.Local("b.json", "[]")
	z.End(2, cdSize, cd)
	return z
}

func names(n int) []string {
	s := make([]string, n)
	for i := range s {
		s[i] = fmt.Sprintf("d%d/f%06d.json", i%7, i)
	}
	return s
}

// checkAgainstZip compares the scan and its view with archive/zip on the whole archive.
func checkAgainstZip(t *testing.T, data []byte, max int) {
	t.Helper()
	r := bytes.NewReader(data)
	size := int64(len(data))
	zr, zerr := zip.NewReader(r, size)
	d, err := findDirectory(r, size)
	var bd bounded
	if err == nil {
		bd, err = scanDirectory(r, size, d, max)
	}
	if (zerr == nil) != (err == nil) {
		t.Fatalf("archive/zip: %v; scan: %v", zerr, err)
	}
	if err != nil {
		return
	}
	want := zr.File
	if len(want) > max {
		want = want[:max]
		if !bd.over {
			t.Errorf("%d entries, limit %d, and the scan did not notice", len(zr.File), max)
		}
	} else if bd.over {
		t.Errorf("%d entries, limit %d, and the scan says over", len(zr.File), max)
	}
	if bd.n != len(want) {
		t.Fatalf("scan found %d entries, archive/zip %d", bd.n, len(want))
	}
	vw, err := newView(r, size, d, bd)
	if err != nil {
		t.Fatal(err)
	}
	vr, err := zip.NewReader(vw, vw.Size())
	if err != nil {
		t.Fatalf("archive/zip refuses the view: %v", err)
	}
	if len(vr.File) != len(want) {
		t.Fatalf("view has %d entries, want %d", len(vr.File), len(want))
	}
	for i, f := range vr.File {
		w := want[i]
		wo, werr := w.DataOffset()
		fo, ferr := f.DataOffset()
		if f.Name != w.Name || f.CRC32 != w.CRC32 || f.UncompressedSize64 != w.UncompressedSize64 || (werr == nil && wo != fo+vw.shift) || (werr == nil) != (ferr == nil) {
			t.Fatalf("entry %d: view has %q at %d (%v), archive/zip %q at %d (%v)", i, f.Name, fo+vw.shift, ferr, w.Name, wo, werr)
		}
	}
	if bd.over && len(zr.File) > max {
		// The first entry after the line that would have a result.
		wantName, named := "", false
		for _, f := range zr.File[max:] {
			if !skipped(&f.FileHeader) {
				wantName, named = f.Name, true
				break
			}
		}
		if bd.overflow != wantName || bd.named != named {
			t.Errorf("overflow %q (%v), want %q (%v)", bd.overflow, bd.named, wantName, named)
		}
	}
}

func TestScanAgreesWithArchiveZip(t *testing.T) {
	plain := buildArchive(t, "", "a.json", "dir/", "dir/b.json", "__MACOSX/._a.json", "c.json")
	many := buildArchive(t, "", names(70000)...)
	tests := []struct {
		name string
		data []byte
		max  int
	}{
		{"plain", plain, 1000},
		{"plain, limit 2", plain, 2},
		{"plain, limit 3: skipped entries after the line", plain, 3},
		{"limit exactly the count", plain, 5},
		{"empty", buildArchive(t, ""), 1000},
		{"comment", buildArchive(t, "built by hand; PK\x05\x06 inside a comment", "a.json", "b.json"), 1000},
		{"zip64 sizes", zip64Sized(t), 1000},
		{"70000 entries: zip64 count", many, 100000},
		{"70000 entries, limit 1000", many, 1000},
		{"data before the archive", append([]byte("#!/bin/sh\nexit 0\n"), plain...), 1000},
		{"data before the archive, limit 1", append([]byte("#!/bin/sh\nexit 0\n"), plain...), 1},
		{"an entry after the central directory", dataAfterDirectory(), 1000},
		{"an entry after the central directory, limit 1", dataAfterDirectory(), 1},
		{"truncated", plain[:len(plain)-1], 1000},
		{"not a zip", []byte("PK\x03\x04 and nothing"), 1000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkAgainstZip(t, tt.data, tt.max) })
	}
}

// FuzzDirectory: for any bytes, the scan and archive/zip agree on whether there is an archive
// and on its entries.
func FuzzDirectory(f *testing.F) {
	f.Add(buildArchive(f, "", "a.json", "dir/", "dir/b.json"), uint8(2))
	f.Add(buildArchive(f, "comment", "a.json"), uint8(10))
	f.Add(buildArchive(f, ""), uint8(1))
	f.Add(zip64Sized(f), uint8(1))
	f.Add(append([]byte("prefix"), buildArchive(f, "", "x")...), uint8(1))
	f.Add(dataAfterDirectory(), uint8(0))
	seeds, _ := filepath.Glob("testdata/fuzz/FuzzValidateObject/*")
	for _, s := range seeds {
		if b, err := os.ReadFile(s); err == nil && len(b) < 1<<16 {
			f.Add(b, uint8(3))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, max uint8) {
		checkAgainstZip(t, data, int(max)%16+1)
	})
}
