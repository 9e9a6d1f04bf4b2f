package testkit

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"testing"
)

// Zip makes a zip archive of name/body pairs. A body is a string or a []byte; nil leaves the
// entry empty (with a name ending in "/", a directory entry).
func Zip(t testing.TB, entries ...any) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := 0; i+1 < len(entries); i += 2 {
		w, err := zw.Create(fmt.Sprint(entries[i]))
		if err != nil {
			t.Fatal(err)
		}
		switch body := entries[i+1].(type) {
		case string:
			w.Write([]byte(body))
		case []byte:
			w.Write(body)
		case nil:
		default:
			t.Fatalf("testkit.Zip: body of %v is a %T, want string, []byte or nil", entries[i], body)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// ZipRecords builds a zip archive record by record, for archives no zip writer makes: an entry
// after the central directory, directory records that share one entry, more entries than the
// end record's 16-bit count holds. Entries are stored (not compressed) and have no extra fields.
type ZipRecords []byte

// Local appends the local file header of name and its data.
func (z *ZipRecords) Local(name, data string) {
	le := binary.LittleEndian
	b := le.AppendUint32(*z, 0x04034b50)
	b = le.AppendUint16(b, 20) // version needed
	b = entryFields(b, name, data)
	b = le.AppendUint16(b, 0) // extra length
	*z = append(append(b, name...), data...)
}

// Central appends the central directory record of name and its data, whose local header is
// at offset.
func (z *ZipRecords) Central(name, data string, offset int) {
	le := binary.LittleEndian
	b := le.AppendUint32(*z, 0x02014b50)
	b = le.AppendUint16(b, 20) // version made by
	b = le.AppendUint16(b, 20) // version needed
	b = entryFields(b, name, data)
	b = append(b, make([]byte, 12)...) // extra and comment lengths, disk, attributes
	b = le.AppendUint32(b, uint32(offset))
	*z = append(b, name...)
}

// entryFields appends the fields a local header and a directory record share: flags, method,
// time, CRC-32, sizes and the name's length.
func entryFields(b []byte, name, data string) []byte {
	le := binary.LittleEndian
	b = le.AppendUint16(b, 0) // flags
	b = le.AppendUint16(b, 0) // stored
	b = le.AppendUint32(b, 0) // time, date
	b = le.AppendUint32(b, crc32.ChecksumIEEE([]byte(data)))
	b = le.AppendUint32(b, uint32(len(data)))
	b = le.AppendUint32(b, uint32(len(data)))
	return le.AppendUint16(b, uint16(len(name)))
}

// End appends the end of central directory record: a directory of entries records (counted
// modulo 2^16, as the record holds them) and dirSize bytes, at dirOffset.
func (z *ZipRecords) End(entries, dirSize, dirOffset int) {
	le := binary.LittleEndian
	b := le.AppendUint32(*z, 0x06054b50)
	b = le.AppendUint32(b, 0) // this disk, the directory's disk
	b = le.AppendUint16(b, uint16(entries))
	b = le.AppendUint16(b, uint16(entries))
	b = le.AppendUint32(b, uint32(dirSize))
	b = le.AppendUint32(b, uint32(dirOffset))
	*z = le.AppendUint16(b, 0) // comment length
}
