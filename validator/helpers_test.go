package validator_test

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"errors"
	"hash/crc32"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/validator"
)

// zent is one entry of a zip built at test time.
type zent struct {
	name string
	data []byte
	// store writes the entry uncompressed instead of deflated.
	store bool
	// raw, when set, is written as is with this header (zip.Writer.CreateRaw): for entries
	// whose header must disagree with their data.
	raw *zip.FileHeader
	// flags are added to the header (0x1: encrypted).
	flags uint16
}

func dir(name string) zent { return zent{name: name} }

// buildZip writes a zip archive of the entries, in order.
func buildZip(t testing.TB, entries ...zent) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		var w io.Writer
		var err error
		switch {
		case e.raw != nil:
			h := *e.raw
			h.Name = e.name
			w, err = zw.CreateRaw(&h)
		case strings.HasSuffix(e.name, "/"):
			w, err = zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: zip.Store})
		default:
			h := &zip.FileHeader{Name: e.name, Method: zip.Deflate, Flags: e.flags}
			if e.store {
				h.Method = zip.Store
			}
			w, err = zw.CreateHeader(h)
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(e.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// deflate compresses b as a zip entry's data.
func deflate(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := flate.NewWriter(&buf, flate.DefaultCompression)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// bomb is deflated data that inflates to prefix followed by n bytes of fill, built in
// milliseconds and about a thousandth of the size: once the compressor is in its steady state,
// each flushed megabyte of fill compresses to the same bytes, so they are repeated rather
// than computed.
type bomb struct {
	deflated []byte
	size     uint64 // inflated
	crc      uint32
}

func makeBomb(t testing.TB, prefix []byte, fill byte, n int64) bomb {
	t.Helper()
	const chunk = 1 << 20
	if n%chunk != 0 || n < 4*chunk {
		t.Fatalf("bomb size %d is not a multiple of %d of at least 4", n, chunk)
	}
	block := bytes.Repeat([]byte{fill}, chunk)
	var buf bytes.Buffer
	w, err := flate.NewWriter(&buf, flate.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(prefix)
	var out []byte
	var last []byte
	written := int64(0)
	for written < n {
		start := buf.Len()
		w.Write(block)
		w.Flush()
		written += chunk
		cur := buf.Bytes()[start:]
		if bytes.Equal(cur, last) {
			// Steady state: the rest is this block again, and again.
			out = append([]byte(nil), buf.Bytes()...)
			for ; written < n; written += chunk {
				out = append(out, cur...)
			}
			break
		}
		last = append(last[:0], cur...)
	}
	// End the stream with an empty final block, as a separate writer would: a final stored
	// block of length zero.
	if out == nil {
		w.Close()
		out = buf.Bytes()
	} else {
		out = append(out, 0x01, 0x00, 0x00, 0xff, 0xff)
	}
	crc := crc32.Update(0, crc32.IEEETable, prefix)
	for i := int64(0); i < n/chunk; i++ {
		crc = crc32.Update(crc, crc32.IEEETable, block)
	}
	return bomb{deflated: out, size: uint64(len(prefix)) + uint64(n), crc: crc}
}

// entry makes the bomb a zip entry whose header tells the truth, or declares size when it is
// not zero.
func (b bomb) entry(name string, declared uint64) zent {
	if declared == 0 {
		declared = b.size
	}
	return zent{name: name, data: b.deflated, raw: &zip.FileHeader{
		Method:             zip.Deflate,
		CRC32:              b.crc,
		CompressedSize64:   uint64(len(b.deflated)),
		UncompressedSize64: declared,
	}}
}

// validate runs ValidateObject over data held in memory.
func validate(t testing.TB, v *validator.Validator, name string, data []byte) []sbomcat.FileResult {
	t.Helper()
	res, err := v.ValidateObject(context.Background(), name, bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("ValidateObject(%s): %v", name, err)
	}
	return res
}

// want is what a test expects of one result; empty fields are not checked except errorCode,
// which must match exactly.
type want struct {
	file    string
	result  sbomcat.ValidationResult
	code    sbomcat.ErrorCode
	msg     string // a substring of the message
	format  sbomcat.Format
	version string
}

func ok(file string, format sbomcat.Format, version string) want {
	return want{file: file, result: sbomcat.ResultSucceeded, format: format, version: version}
}

func bad(file string, code sbomcat.ErrorCode, msg string) want {
	return want{file: file, result: sbomcat.ResultFailed, code: code, msg: msg}
}

func checkResults(t *testing.T, got []sbomcat.FileResult, wants []want) {
	t.Helper()
	if len(got) != len(wants) {
		t.Errorf("got %d results, want %d:", len(got), len(wants))
		for _, r := range got {
			t.Errorf("  %+v", r)
		}
		return
	}
	for i, w := range wants {
		g := got[i]
		if g.FileName != w.file || g.Result != w.result || g.ErrorCode != w.code {
			t.Errorf("result %d = {%s %s %s %q}, want {%s %s %s}", i, g.FileName, g.Result, g.ErrorCode, g.ErrorMessage, w.file, w.result, w.code)
		}
		if !strings.Contains(g.ErrorMessage, w.msg) {
			t.Errorf("result %d (%s) message %q does not contain %q", i, g.FileName, g.ErrorMessage, w.msg)
		}
		if w.format != "" && g.Format != w.format {
			t.Errorf("result %d (%s) format %q, want %q", i, g.FileName, g.Format, w.format)
		}
		if w.version != "" && g.SpecVersion != w.version {
			t.Errorf("result %d (%s) specVersion %q, want %q", i, g.FileName, g.SpecVersion, w.version)
		}
		checkResult(t, g)
	}
}

// checkResult checks what holds for every result, whatever the input.
func checkResult(t testing.TB, r sbomcat.FileResult) {
	t.Helper()
	switch r.Result {
	case sbomcat.ResultSucceeded:
		if r.ErrorCode != "" || r.ErrorMessage != "" {
			t.Errorf("%s succeeded with code %q message %q", r.FileName, r.ErrorCode, r.ErrorMessage)
		}
	case sbomcat.ResultFailed:
		if r.ErrorCode != sbomcat.ErrorIncompatibleFormat && r.ErrorCode != sbomcat.ErrorFileSizeLimitExceeded {
			t.Errorf("%s failed with code %q", r.FileName, r.ErrorCode)
		}
		if r.ErrorMessage == "" {
			t.Errorf("%s failed without a message", r.FileName)
		}
	default:
		t.Errorf("%s has result %q", r.FileName, r.Result)
	}
	if r.FileName == "" || strings.HasPrefix(r.FileName, "/") || strings.Contains(r.FileName, `\`) {
		t.Errorf("file name %q is empty, rooted or has a backslash", r.FileName)
	}
	for _, seg := range strings.Split(r.FileName, "/") {
		if seg == ".." || seg == "." || seg == "" {
			t.Errorf("file name %q has segment %q", r.FileName, seg)
		}
	}
	switch r.Format {
	case sbomcat.FormatNone, sbomcat.FormatSPDX, sbomcat.FormatCycloneDX:
	default:
		t.Errorf("%s has format %q", r.FileName, r.Format)
	}
}

// failingReaderAt serves data but fails every read that touches bytes at or after failAt.
type failingReaderAt struct {
	data   []byte
	failAt int64
	mu     sync.Mutex
	reads  int
}

var errDisk = errors.New("disk on fire")

func (f *failingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	f.mu.Lock()
	f.reads++
	f.mu.Unlock()
	if off+int64(len(p)) > f.failAt {
		return 0, errDisk
	}
	return bytes.NewReader(f.data).ReadAt(p, off)
}
