package validator_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/internal/testkit"
	"github.com/sbomcat/sbomcat/validator"
)

const (
	cdx  = sbomcat.FormatCycloneDX
	spdx = sbomcat.FormatSPDX
	inc  = sbomcat.ErrorIncompatibleFormat
	big  = sbomcat.ErrorFileSizeLimitExceeded
)

func TestSingleFiles(t *testing.T) {
	tests := []struct {
		file    string
		profile sbomcat.Profile
		want    want
	}{
		{"cdx16-valid.json", "", ok("cdx16-valid.json", cdx, "1.6")},
		{"cdx16-valid.json", sbomcat.ProfileStrict, ok("cdx16-valid.json", cdx, "1.6")},
		{"cdx15-valid.json", "", ok("cdx15-valid.json", cdx, "1.5")},
		{"spdx23-valid.json", "", ok("spdx23-valid.json", spdx, "2.3")},
		{"spdx22-valid.json", sbomcat.ProfileAWS, ok("spdx22-valid.json", spdx, "2.2")},
		{"cdx16-invalid-purl.json", "", want{file: "cdx16-invalid-purl.json", result: sbomcat.ResultFailed, code: inc, msg: "/components/0/purl", format: cdx, version: "1.6"}},
		{"spdx22-invalid-no-copyright.json", "", want{file: "spdx22-invalid-no-copyright.json", result: sbomcat.ResultFailed, code: inc, msg: "copyrightText", format: spdx, version: "2.2"}},
		{"cdx16-strict-dangling.json", "", ok("cdx16-strict-dangling.json", cdx, "1.6")},
		{"cdx16-strict-dangling.json", sbomcat.ProfileStrict, want{file: "cdx16-strict-dangling.json", result: sbomcat.ResultFailed, code: inc, msg: "openssl", format: cdx, version: "1.6"}},
		{"not-sbom.json", "", bad("not-sbom.json", inc, "no SBOM")},
		{"syntax-error.json", "", bad("syntax-error.json", inc, "(line 6, column 40)")},
		{"readme.txt", "", bad("readme.txt", inc, "not JSON")},
		{"cdx15.xml", "", want{file: "cdx15.xml", result: sbomcat.ResultFailed, code: inc, msg: "XML", format: cdx, version: "1.5"}},
		{"spdx23.spdx", "", bad("spdx23.spdx", inc, "tag-value")},
	}
	for _, tt := range tests {
		t.Run(tt.file+"/"+string(tt.profile), func(t *testing.T) {
			v := &validator.Validator{Profile: tt.profile}
			res, err := v.ValidateFile(context.Background(), testkit.Fixture(tt.file))
			if err != nil {
				t.Fatal(err)
			}
			checkResults(t, res, []want{tt.want})
		})
	}
}

// TestGeneratedFiles covers content that is easier to make than to keep in testdata.
func TestGeneratedFiles(t *testing.T) {
	valid := testkit.ReadFixture(t, "cdx16-valid.json")
	tests := []struct {
		name string
		data []byte
		want want
	}{
		{"empty.json", nil, bad("empty.json", inc, "empty")},
		{"deep.json", []byte(strings.Repeat("[", 200000) + strings.Repeat("]", 200000)), bad("deep.json", inc, "")},
		{"deep-in-sbom.json", []byte(`{"bomFormat":"CycloneDX","specVersion":"1.6","x":` + strings.Repeat(`{"a":`, 100000) + "1" + strings.Repeat("}", 100000) + "}"), want{file: "deep-in-sbom.json", result: sbomcat.ResultFailed, code: inc, format: cdx, version: "1.6"}},
		{"invalid-utf8.json", bytes.Replace(valid, []byte("mbedtls"), []byte("mbed\xff\xfetls"), 1), want{file: "invalid-utf8.json", result: sbomcat.ResultFailed, code: inc, format: cdx, version: "1.6"}},
		{"utf8-bom.json", append([]byte("\xef\xbb\xbf"), valid...), ok("utf8-bom.json", cdx, "1.6")},
		{"trailing.json", append(append([]byte(nil), valid...), []byte("{}")...), bad("trailing.json", inc, "trailing data")},
		{"binary.bin", []byte{0, 1, 2, 3, 0xff, 0}, bad("binary.bin", inc, "")},
		{"gzip.json.gz", []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0}, bad("gzip.json.gz", inc, "gzip")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkResults(t, validate(t, &validator.Validator{}, tt.name, tt.data), []want{tt.want})
		})
	}
}

// versionAtEnd is a valid CycloneDX document of about size bytes that declares its format and
// version after its components, beyond the first 64 KiB that formats reads to recognise it, so
// that formats opens it twice.
func versionAtEnd(size int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"components":[`)
	for i := 0; b.Len() < size-100; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"type":"library","name":"lib%d","version":"1.0.%d"}`, i, i)
	}
	b.WriteString(`],"version":1,"specVersion":"1.6","bomFormat":"CycloneDX"}`)
	return b.Bytes()
}

func TestArchives(t *testing.T) {
	cdx16 := testkit.ReadFixture(t, "cdx16-valid.json")
	spdx23 := testkit.ReadFixture(t, "spdx23-valid.json")
	invalid := testkit.ReadFixture(t, "cdx16-invalid-purl.json")
	readme := testkit.ReadFixture(t, "readme.txt")
	late := versionAtEnd(200 << 10)
	padded := append(append([]byte(nil), cdx16...), bytes.Repeat([]byte(" "), 4<<10-len(cdx16))...) // valid, 4 KiB

	tests := []struct {
		name    string
		entries []zent
		limits  validator.Limits
		profile sbomcat.Profile
		want    []want
	}{
		{
			name:    "mixed entries in archive order",
			entries: []zent{{name: "fw.cdx.json", data: cdx16}, {name: "README.txt", data: readme}, {name: "img.spdx.json", data: spdx23}, {name: "bad.json", data: invalid}},
			want: []want{ok("fw.cdx.json", cdx, "1.6"), bad("README.txt", inc, "not JSON"), ok("img.spdx.json", spdx, "2.3"),
				{file: "bad.json", result: sbomcat.ResultFailed, code: inc, msg: "schema violation", format: cdx, version: "1.6"}},
		},
		{
			name:    "nested directories",
			entries: []zent{dir("sboms/"), dir("sboms/fw/"), {name: "sboms/fw/a.json", data: cdx16}, dir("sboms/img/"), {name: "sboms/img/deep/b.json", data: spdx23}},
			want:    []want{ok("sboms/fw/a.json", cdx, "1.6"), ok("sboms/img/deep/b.json", spdx, "2.3")},
		},
		{
			name:    "__MACOSX entries are skipped",
			entries: []zent{{name: "a.json", data: cdx16}, dir("__MACOSX/"), {name: "__MACOSX/._a.json", data: []byte("\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X")}, {name: "/__MACOSX/x/._b.json", data: []byte("junk")}},
			want:    []want{ok("a.json", cdx, "1.6")},
		},
		{
			name:    "stored entries",
			entries: []zent{{name: "a.json", data: cdx16, store: true}, {name: "b.json", data: []byte("nope"), store: true}},
			want:    []want{ok("a.json", cdx, "1.6"), bad("b.json", inc, "")},
		},
		{name: "empty archive", want: []want{bad("object.zip", inc, "archive contains no files")}},
		{
			name:    "only directories",
			entries: []zent{dir("a/"), dir("a/b/"), dir("c/")},
			want:    []want{bad("object.zip", inc, "archive contains no files")},
		},
		{
			name:    "only __MACOSX",
			entries: []zent{dir("__MACOSX/"), {name: "__MACOSX/._x.json", data: []byte("x")}},
			want:    []want{bad("object.zip", inc, "archive contains no files")},
		},
		{
			name: "zip slip names are cleaned",
			entries: []zent{{name: "../../etc/x.json", data: cdx16}, {name: "/abs.json", data: cdx16}, {name: "a/../../b.json", data: cdx16},
				{name: `..\..\win\c.json`, data: cdx16}, {name: "./d//e.json", data: cdx16}, {name: "..", data: cdx16}},
			want: []want{ok("etc/x.json", cdx, "1.6"), ok("abs.json", cdx, "1.6"), ok("b.json", cdx, "1.6"), ok("win/c.json", cdx, "1.6"), ok("d/e.json", cdx, "1.6"), ok("(unnamed entry 6)", cdx, "1.6")},
		},
		{
			name:    "strict profile applies to entries",
			entries: []zent{{name: "d.json", data: testkit.ReadFixture(t, "cdx16-strict-dangling.json")}},
			profile: sbomcat.ProfileStrict,
			want:    []want{{file: "d.json", result: sbomcat.ResultFailed, code: inc, msg: "openssl", format: cdx, version: "1.6"}},
		},
		{
			name:    "nested zip is not opened",
			entries: []zent{{name: "inner.zip", data: buildZip(t, zent{name: "a.json", data: cdx16})}},
			want:    []want{bad("inner.zip", inc, "zip archive")},
		},
		{
			name:    "deep nesting and invalid UTF-8 inside an archive",
			entries: []zent{{name: "deep.json", data: []byte(strings.Repeat("[", 100000))}, {name: "utf8.json", data: bytes.Replace(cdx16, []byte("lwip"), []byte("lw\xc3\x28ip"), 1)}},
			want:    []want{bad("deep.json", inc, ""), {file: "utf8.json", result: sbomcat.ResultFailed, code: inc, format: cdx, version: "1.6"}},
		},
		{
			name:    "version beyond the first 64 KiB: read twice, counted once",
			entries: []zent{{name: "late.json", data: late}},
			limits:  validator.Limits{MaxTotalBytes: int64(len(late)) + 1, MaxFileBytes: int64(len(late))},
			want:    []want{ok("late.json", cdx, "1.6")},
		},
		{
			name:    "version beyond the first 64 KiB over the per-file limit",
			entries: []zent{{name: "late.json", data: late}, {name: "next.json", data: cdx16}},
			limits:  validator.Limits{MaxFileBytes: int64(len(late)) - 1},
			want:    []want{bad("late.json", big, "limit for one file"), ok("next.json", cdx, "1.6")},
		},
		{
			name:    "oversize entry; the rest still validated",
			entries: []zent{{name: "a.json", data: cdx16}, {name: "big.json", data: padded}, {name: "c.json", data: spdx23}},
			limits:  validator.Limits{MaxFileBytes: 2 << 10},
			want:    []want{ok("a.json", cdx, "1.6"), bad("big.json", big, "over the 2 KiB limit for one file"), ok("c.json", spdx, "2.3")},
		},
		{
			name:    "oversize entry that formats rejects from its first bytes",
			entries: []zent{{name: "big.bin", data: bytes.Repeat([]byte{0}, 10<<10)}, {name: "big.txt", data: bytes.Repeat([]byte("x"), 10<<10)}},
			limits:  validator.Limits{MaxFileBytes: 4 << 10},
			want:    []want{bad("big.bin", big, "4 KiB"), bad("big.txt", big, "4 KiB")},
		},
		{
			name:    "entry exactly at the per-file limit",
			entries: []zent{{name: "a.json", data: cdx16}},
			limits:  validator.Limits{MaxFileBytes: int64(len(cdx16))},
			want:    []want{ok("a.json", cdx, "1.6")},
		},
		{
			name:    "too many entries: a result for the first over the line and none after",
			entries: []zent{{name: "1.json", data: cdx16}, {name: "2.json", data: cdx16}, {name: "3.json", data: readme}, {name: "4.json", data: cdx16}, {name: "5.json", data: cdx16}},
			limits:  validator.Limits{MaxEntries: 3},
			want:    []want{ok("1.json", cdx, "1.6"), ok("2.json", cdx, "1.6"), bad("3.json", inc, ""), bad("4.json", big, "more than 3 entries")},
		},
		{
			name:    "directories count as entries",
			entries: []zent{dir("d/"), {name: "d/1.json", data: cdx16}, dir("e/"), {name: "d/2.json", data: cdx16}, {name: "d/3.json", data: cdx16}},
			limits:  validator.Limits{MaxEntries: 3},
			want:    []want{ok("d/1.json", cdx, "1.6"), bad("d/2.json", big, "more than 3 entries")},
		},
		{
			name:    "only directories over the line: nothing left unvalidated",
			entries: []zent{{name: "1.json", data: cdx16}, {name: "2.json", data: cdx16}, dir("x/"), dir("__MACOSX/"), {name: "__MACOSX/._1.json", data: []byte("x")}},
			limits:  validator.Limits{MaxEntries: 2},
			want:    []want{ok("1.json", cdx, "1.6"), ok("2.json", cdx, "1.6")},
		},
		{
			name:    "exactly at the entry limit",
			entries: []zent{{name: "1.json", data: cdx16}, {name: "2.json", data: cdx16}},
			limits:  validator.Limits{MaxEntries: 2},
			want:    []want{ok("1.json", cdx, "1.6"), ok("2.json", cdx, "1.6")},
		},
		{
			name:    "total over the limit stops the archive",
			entries: []zent{{name: "1.json", data: padded}, {name: "2.json", data: padded}, {name: "3.json", data: padded}, {name: "4.json", data: padded}},
			limits:  validator.Limits{MaxTotalBytes: 10 << 10},
			want:    []want{ok("1.json", cdx, "1.6"), ok("2.json", cdx, "1.6"), bad("3.json", big, "more than the 10 KiB limit on total uncompressed size (8.0 KiB before this file)")},
		},
		{
			name:    "total counts files that formats stops reading early",
			entries: []zent{{name: "1.bin", data: bytes.Repeat([]byte{0}, 6<<10)}, {name: "2.bin", data: bytes.Repeat([]byte{0}, 6<<10)}, {name: "3.json", data: cdx16}},
			limits:  validator.Limits{MaxTotalBytes: 10 << 10},
			want:    []want{bad("1.bin", inc, ""), bad("2.bin", big, "total uncompressed size")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := buildZip(t, tt.entries...)
			v := &validator.Validator{Limits: tt.limits, Profile: tt.profile}
			checkResults(t, validate(t, v, "object.zip", data), tt.want)
		})
	}
}

// TestDefaultEntryLimit checks the default limit with the real number: 1,001 files.
func TestDefaultEntryLimit(t *testing.T) {
	entries := make([]zent, 1001)
	for i := range entries {
		entries[i] = zent{name: fmt.Sprintf("f%04d.json", i), data: []byte("{}"), store: true}
	}
	res := validate(t, &validator.Validator{}, "many.zip", buildZip(t, entries...))
	if len(res) != 1001 {
		t.Fatalf("got %d results, want 1001", len(res))
	}
	checkResults(t, res[999:], []want{bad("f0999.json", inc, "no SBOM"), bad("f1000.json", big, "more than 1000 entries")})
}

// TestZipDetection: an archive is known by its first bytes, not its name.
func TestZipDetection(t *testing.T) {
	z := buildZip(t, zent{name: "a.json", data: testkit.ReadFixture(t, "cdx16-valid.json")})
	checkResults(t, validate(t, &validator.Validator{}, "sbom.json", z), []want{ok("a.json", cdx, "1.6")})
	checkResults(t, validate(t, &validator.Validator{}, "sbom.zip", testkit.ReadFixture(t, "cdx16-valid.json")), []want{ok("sbom.zip", cdx, "1.6")})
	// The four bytes alone: a zip signature with nothing behind it.
	checkResults(t, validate(t, &validator.Validator{}, "pk.zip", []byte("PK\x03\x04")), []want{bad("pk.zip", inc, "corrupt zip archive")})
}

func TestCorruptArchives(t *testing.T) {
	cdx16 := testkit.ReadFixture(t, "cdx16-valid.json")
	good := buildZip(t, zent{name: "a.json", data: cdx16}, zent{name: "b.json", data: cdx16})
	deflated := deflate(t, cdx16)
	rawEntry := func(name string, mod func(*zip.FileHeader), data []byte) zent {
		h := &zip.FileHeader{Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(cdx16), CompressedSize64: uint64(len(data)), UncompressedSize64: uint64(len(cdx16))}
		mod(h)
		return zent{name: name, data: data, raw: h}
	}
	// The offset of the central directory, from the end record.
	cdOffset := int(binary.LittleEndian.Uint32(good[len(good)-6:]))

	tests := []struct {
		name string
		data []byte
		want []want
	}{
		{"truncated", good[:len(good)-10], []want{bad("object.zip", inc, "corrupt zip archive: no end of central directory record")}},
		{"truncated in the middle", good[:len(good)/2], []want{bad("object.zip", inc, "corrupt zip archive")}},
		{"central directory signature damaged", func() []byte {
			b := bytes.Clone(good)
			copy(b[cdOffset:], "XXXX")
			return b
		}(), []want{bad("object.zip", inc, "corrupt zip archive: the central directory is damaged: it declares 2 entries but 0 could be read")}},
		{"central directory size out of range", func() []byte {
			b := bytes.Clone(good)
			binary.LittleEndian.PutUint32(b[len(b)-10:], 0xfffffff0)
			return b
		}(), []want{bad("object.zip", inc, "corrupt zip archive: the central directory's offset points outside the archive")}},
		{"central directory offset wrong", func() []byte {
			// archive/zip then takes the difference for data before the archive, so the
			// entries' offsets miss their headers.
			b := bytes.Clone(good)
			binary.LittleEndian.PutUint32(b[len(b)-6:], 0xfffffff0)
			return b
		}(), []want{bad("a.json", inc, "local header is missing or damaged"), bad("b.json", inc, "local header is missing or damaged")}},
		{"local header damaged", func() []byte {
			b := bytes.Clone(good)
			copy(b[0:], "PK\x03\x04") // keep the magic; damage the second entry's header
			i := bytes.LastIndex(b[:cdOffset], []byte("PK\x03\x04"))
			copy(b[i:], "XXXX")
			return b
		}(), []want{ok("a.json", cdx, "1.6"), bad("b.json", inc, `corrupt zip entry "b.json": its local header is missing or damaged`)}},
		{"CRC mismatch", buildZip(t, rawEntry("a.json", func(h *zip.FileHeader) { h.CRC32 ^= 1 }, deflated), zent{name: "b.json", data: cdx16}),
			[]want{bad("a.json", inc, `corrupt zip entry "a.json": its CRC-32 checksum does not match its data`), ok("b.json", cdx, "1.6")}},
		{"CRC mismatch in a file formats stops reading early", buildZip(t, zent{name: "x.txt", data: bytes.Repeat([]byte("x"), 200<<10), raw: &zip.FileHeader{Method: zip.Store, CRC32: 1, CompressedSize64: 200 << 10, UncompressedSize64: 200 << 10}}),
			[]want{bad("x.txt", inc, "CRC-32")}},
		{"unsupported compression method", buildZip(t, rawEntry("a.json", func(h *zip.FileHeader) { h.Method = 12 }, deflated)),
			[]want{bad("a.json", inc, `zip entry "a.json" is compressed with method 12, which is not supported`)}},
		{"encrypted entry", buildZip(t, zent{name: "secret.json", data: cdx16, flags: 0x1}, zent{name: "b.json", data: cdx16}),
			[]want{bad("secret.json", inc, "encrypted"), ok("b.json", cdx, "1.6")}},
		{"corrupt deflate data", buildZip(t, rawEntry("a.json", func(*zip.FileHeader) {}, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff})),
			[]want{bad("a.json", inc, "invalid deflate data")}},
		{"header declares less than the data holds", buildZip(t, rawEntry("a.json", func(h *zip.FileHeader) { h.UncompressedSize64 = 100 }, deflated)),
			[]want{bad("a.json", inc, "more data than its header declares")}},
		{"header declares more than the data holds", buildZip(t, rawEntry("a.json", func(h *zip.FileHeader) { h.UncompressedSize64 += 100 }, deflated)),
			[]want{bad("a.json", inc, "ends before its header says")}},
		{"compressed data cut short", buildZip(t, rawEntry("a.json", func(h *zip.FileHeader) { h.CompressedSize64 = 1 << 40 }, deflated[:len(deflated)/2])),
			[]want{bad("a.json", inc, "corrupt zip entry")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkResults(t, validate(t, &validator.Validator{}, "object.zip", tt.data), tt.want)
		})
	}
}

func TestObjectSizeLimit(t *testing.T) {
	// Over the default limit: one result, and not a byte read.
	r := &failingReaderAt{failAt: 0}
	res, err := (&validator.Validator{}).ValidateObject(context.Background(), "huge.zip", r, 142<<20)
	if err != nil {
		t.Fatal(err)
	}
	checkResults(t, res, []want{bad("huge.zip", big, "")})
	if res[0].ErrorMessage != "file is 142.0 MiB, over the 100 MiB limit" {
		t.Errorf("message %q", res[0].ErrorMessage)
	}
	if r.reads != 0 {
		t.Errorf("%d reads of an object over the limit", r.reads)
	}

	data := testkit.ReadFixture(t, "cdx16-valid.json")
	n := int64(len(data))
	tests := []struct {
		name   string
		limits validator.Limits
		data   []byte
		want   want
	}{
		{"at the object limit", validator.Limits{MaxObjectBytes: n}, data, ok("o.json", cdx, "1.6")},
		{"one byte over", validator.Limits{MaxObjectBytes: n - 1}, data, bad("o.json", big, fmt.Sprintf("file is %d bytes, over the %d bytes limit", n, n-1))},
		{"single file over the per-file limit", validator.Limits{MaxFileBytes: 512}, data, bad("o.json", big, fmt.Sprintf("file is %d bytes, over the 512 bytes limit for one file", n))},
		{"zip over the object limit", validator.Limits{MaxObjectBytes: 1 << 10}, buildZip(t, zent{name: "a.json", data: bytes.Repeat(data, 4), store: true}), bad("o.json", big, "over the 1 KiB limit")},
		{"zip bigger than the per-file limit is not a file", validator.Limits{MaxFileBytes: n}, buildZip(t, zent{name: "a.json", data: data, store: true}, zent{name: "b.json", data: data, store: true}),
			ok("a.json", cdx, "1.6")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := validate(t, &validator.Validator{Limits: tt.limits}, "o.json", tt.data)
			checkResults(t, res[:1], []want{tt.want})
		})
	}

	if _, over := (&validator.Validator{}).CheckSize("x", 100<<20); over {
		t.Error("CheckSize: 100 MiB is over the 100 MiB limit")
	}
	if res, over := (&validator.Validator{}).CheckSize("x", 100<<20+1); !over || res.ErrorCode != big {
		t.Errorf("CheckSize: 100 MiB + 1 = %v, %+v", over, res)
	}
}

// TestReadErrors: the object's own read errors are errors for the caller to retry, never
// results, wherever they happen.
func TestReadErrors(t *testing.T) {
	cdx16 := testkit.ReadFixture(t, "cdx16-valid.json")
	z := buildZip(t, zent{name: "a.json", data: cdx16}, zent{name: "b.json", data: bytes.Repeat([]byte(" "), 100<<10)})
	cd := int64(binary.LittleEndian.Uint32(z[len(z)-6:]))
	tests := []struct {
		name   string
		data   []byte
		failAt int64
	}{
		{"single file, first byte", cdx16, 0},
		{"single file, middle", cdx16, 100},
		{"zip, end record", z, int64(len(z)) - 10},
		{"zip, central directory", z, cd + 10},
		{"zip, second entry's data", z, cd - 50},
		{"zip, first entry's data", z, 40},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &failingReaderAt{data: tt.data, failAt: tt.failAt}
			res, err := (&validator.Validator{}).ValidateObject(context.Background(), "o", r, int64(len(tt.data)))
			var re *validator.ReadError
			if !errors.As(err, &re) || !errors.Is(err, errDisk) {
				t.Fatalf("err = %v (results %+v), want a ReadError wrapping errDisk", err, res)
			}
		})
	}
}

func TestCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	z := buildZip(t, zent{name: "a.json", data: testkit.ReadFixture(t, "cdx16-valid.json")})
	for _, data := range [][]byte{z, testkit.ReadFixture(t, "cdx16-valid.json")} {
		_, err := (&validator.Validator{}).ValidateObject(ctx, "o", bytes.NewReader(data), int64(len(data)))
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	}
}

func TestValidateFile(t *testing.T) {
	d := t.TempDir()
	p := filepath.Join(d, "bundle.zip")
	if err := os.WriteFile(p, buildZip(t, zent{name: "x/a.json", data: testkit.ReadFixture(t, "spdx23-valid.json")}), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := (&validator.Validator{}).ValidateFile(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	checkResults(t, res, []want{ok("x/a.json", spdx, "2.3")})

	if _, err := (&validator.Validator{}).ValidateFile(context.Background(), filepath.Join(d, "missing.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: err = %v", err)
	}
	if _, err := (&validator.Validator{}).ValidateFile(context.Background(), d); err == nil {
		t.Error("directory: no error")
	}
}
