package validator

import (
	"archive/zip"
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// archive/zip reads the whole central directory into memory when it opens an archive: a File
// of some 200 bytes per record, however many records there are. A 100 MiB object can hold two
// million minimal records, half a gigabyte of them, so the entry limit must hold before
// zip.NewReader runs. This file finds the central directory the way archive/zip does, counts
// its records with bounded memory, and hands archive/zip a view of the object in which the
// records stop after those it may read, followed by end records written to match. Everything
// else reads through the view unchanged.

const (
	sigDirectoryEnd   = 0x06054b50
	sigDirectory64End = 0x06064b50
	sigDirectory64Loc = 0x07064b50
	sigDirectory      = 0x02014b50

	lenDirectoryEnd   = 22
	lenDirectory64End = 56
	lenDirectory64Loc = 20
	lenDirectory      = 46
)

// errCorrupt is a reason an archive cannot be read, in words for a person.
type errCorrupt string

func (e errCorrupt) Error() string { return string(e) }

// directory is where an archive's central directory lies.
type directory struct {
	start    int64  // absolute offset of the first record
	base     int64  // what the records' offsets are relative to (non-zero for prefixed archives)
	declared uint64 // number of records the end record declares
}

// findDirectory locates the central directory by the rules of archive/zip's readDirectoryEnd,
// which must agree with it for the view to hold the records archive/zip would read.
func findDirectory(r io.ReaderAt, size int64) (directory, error) {
	// The end record is within the last 22 bytes plus the longest comment; look at the last
	// kilobyte first, as archive/zip does, since the first match from the end wins.
	var buf []byte
	var endOffset int64
	for i, n := range []int64{1024, 65 * 1024} {
		n = min(n, size)
		buf = make([]byte, n)
		if _, err := r.ReadAt(buf, size-n); err != nil && err != io.EOF {
			return directory{}, err
		}
		if p := findEndRecord(buf); p >= 0 {
			buf = buf[p:]
			endOffset = size - n + int64(p)
			break
		}
		if i == 1 || n == size {
			return directory{}, errCorrupt("no end of central directory record (the archive is truncated or is no zip archive)")
		}
	}
	le := binary.LittleEndian
	declared := uint64(le.Uint16(buf[10:]))
	dirSize := uint64(le.Uint32(buf[12:]))
	dirOffset := uint64(le.Uint32(buf[16:]))
	if int(le.Uint16(buf[20:])) > len(buf)-lenDirectoryEnd {
		return directory{}, errCorrupt("the end of central directory record has an invalid comment length")
	}
	if declared == 0xffff || dirSize == 0xffff || dirOffset == 0xffffffff {
		// Maybe zip64: a locator just before the end record points at the zip64 end record.
		p, ok, err := findDirectory64End(r, endOffset)
		if err != nil {
			return directory{}, err
		}
		if ok {
			if p < 0 || p > size-lenDirectory64End {
				return directory{}, errCorrupt("the zip64 end of central directory record lies outside the archive")
			}
			var b [lenDirectory64End]byte
			if _, err := r.ReadAt(b[:], p); err != nil {
				return directory{}, err
			}
			if le.Uint32(b[:]) != sigDirectory64End {
				return directory{}, errCorrupt("no zip64 end of central directory record where its locator points")
			}
			endOffset = p
			declared = le.Uint64(b[32:])
			dirSize = le.Uint64(b[40:])
			dirOffset = le.Uint64(b[48:])
		}
	}
	if dirSize > 1<<63-1 || dirOffset > 1<<63-1 {
		return directory{}, errCorrupt("the central directory's offset or size is out of range")
	}
	base := endOffset - int64(dirSize) - int64(dirOffset)
	if o := base + int64(dirOffset); o < 0 || o >= size {
		return directory{}, errCorrupt("the central directory's offset points outside the archive")
	}
	// Like archive/zip: when the end record implies data before the archive but a record sits
	// where the offset says without it, the end record is wrong and the offset is right.
	if base > 0 && validDirectoryRecord(r, int64(dirOffset), size) {
		base = 0
	}
	return directory{start: base + int64(dirOffset), base: base, declared: declared}, nil
}

// findEndRecord returns where the last end of central directory record in b starts, or -1.
func findEndRecord(b []byte) int {
	for i := len(b) - lenDirectoryEnd; i >= 0; i-- {
		if b[i] == 'P' && b[i+1] == 'K' && b[i+2] == 5 && b[i+3] == 6 {
			n := int(binary.LittleEndian.Uint16(b[i+lenDirectoryEnd-2:]))
			if i+lenDirectoryEnd+n > len(b) {
				return -1 // a truncated comment: archive/zip gives up here too
			}
			return i
		}
	}
	return -1
}

// findDirectory64End reads the zip64 locator before the end record at endOffset.
func findDirectory64End(r io.ReaderAt, endOffset int64) (int64, bool, error) {
	off := endOffset - lenDirectory64Loc
	if off < 0 {
		return 0, false, nil
	}
	var b [lenDirectory64Loc]byte
	if _, err := r.ReadAt(b[:], off); err != nil {
		return 0, false, err
	}
	le := binary.LittleEndian
	if le.Uint32(b[:]) != sigDirectory64Loc || le.Uint32(b[4:]) != 0 || le.Uint32(b[16:]) != 1 {
		return 0, false, nil
	}
	return int64(le.Uint64(b[8:])), true, nil
}

// validDirectoryRecord reports whether a whole central directory record starts at off.
func validDirectoryRecord(r io.ReaderAt, off, size int64) bool {
	br := bufio.NewReaderSize(io.NewSectionReader(r, off, size-off), 512)
	_, _, err := readRecord(br, nil)
	return err == nil
}

// record is what the scan needs of a central directory record.
type record struct {
	name   []byte         // in the caller's buffer: valid until the next read
	header zip.FileHeader // CreatorVersion and ExternalAttrs only; with Name, enough for skipped()
	length int64          // bytes the record takes
}

// readRecord reads one central directory record, into buf (grown as needed) for its name and
// extra field. It returns errEndOfDirectory where archive/zip's readDirectoryHeader makes its
// reader stop: at a short read, a missing signature, or a size or offset saturated to 2^32-1
// without the zip64 field that holds it.
func readRecord(r *bufio.Reader, buf []byte) (record, []byte, error) {
	if cap(buf) < lenDirectory {
		buf = make([]byte, lenDirectory, 512)
	}
	b := buf[:lenDirectory]
	if _, err := io.ReadFull(r, b); err != nil {
		return record{}, buf, endOrError(err)
	}
	le := binary.LittleEndian
	if le.Uint32(b) != sigDirectory {
		return record{}, buf, errEndOfDirectory
	}
	nameLen, extraLen, commentLen := int(le.Uint16(b[28:])), int(le.Uint16(b[30:])), int(le.Uint16(b[32:]))
	rec := record{length: int64(lenDirectory + nameLen + extraLen + commentLen)}
	rec.header.CreatorVersion = le.Uint16(b[4:])
	rec.header.ExternalAttrs = le.Uint32(b[38:])
	compressed, uncompressed, offset := le.Uint32(b[20:]), le.Uint32(b[24:]), le.Uint32(b[42:])
	if n := lenDirectory + nameLen + extraLen; cap(buf) < n {
		buf = append(buf[:lenDirectory], make([]byte, n-lenDirectory)...)
	}
	ne := buf[lenDirectory : lenDirectory+nameLen+extraLen]
	// archive/zip reads name, extra field and comment at once, and stops at a short read but
	// fails on an empty one.
	n, err := io.ReadFull(r, ne)
	if err != nil {
		return record{}, buf, endOrError(err)
	}
	if c, err := r.Discard(commentLen); err != nil || c < commentLen {
		if n+c == 0 && (err == nil || err == io.EOF) {
			err = io.EOF
		} else {
			err = errEndOfDirectory
		}
		return record{}, buf, endOrError(err)
	}
	rec.name = ne[:nameLen]

	const saturated = 0xffffffff
	needU := uncompressed == saturated
	needC := compressed == saturated
	needH := offset == saturated // of the local header
	for extra := ne[nameLen:]; len(extra) >= 4 && (needU || needC || needH); {
		tag, size := le.Uint16(extra), int(le.Uint16(extra[2:]))
		extra = extra[4:]
		if len(extra) < size {
			break
		}
		field := extra[:size]
		extra = extra[size:]
		if tag != 0x0001 { // zip64 extended information
			continue
		}
		for _, need := range []*bool{&needU, &needC, &needH} {
			if !*need {
				continue
			}
			if len(field) < 8 {
				return record{}, buf, errEndOfDirectory
			}
			field = field[8:]
			*need = false
		}
	}
	// archive/zip accepts an uncompressed size of 2^32-1 without zip64 (old archives that
	// split input at that size), but neither of the others.
	if needC || needH {
		return record{}, buf, errEndOfDirectory
	}
	return rec, buf, nil
}

var errEndOfDirectory = errors.New("end of central directory records")

// endOrError says what a failed read means. A short read ends the records. A read that finds
// nothing at all (io.EOF) means they ran up to the end of the archive, where its end record
// should be: archive/zip refuses the archive then.
func endOrError(err error) error {
	switch err {
	case nil, io.ErrUnexpectedEOF, errEndOfDirectory:
		return errEndOfDirectory
	case io.EOF:
		return errCorrupt("the central directory runs to the end of the archive, over its end record")
	}
	return err
}

// bounded is the part of the central directory that archive/zip will be given.
type bounded struct {
	n   int   // records archive/zip may read: at most the entry limit
	end int64 // absolute offset after the n-th record
	// overflow, when the archive has more entries than the limit, is the name of the first one
	// after the limit that would have had a result; "" when none would.
	overflow string
	named    bool // overflow is set
	over     bool // the archive has more entries than the limit
}

// scanDirectory reads the central directory's records with bounded memory: all of them, to
// check their count as archive/zip does, keeping the extent of the first max.
func scanDirectory(r io.ReaderAt, size int64, d directory, max int) (bounded, error) {
	// No larger than the directory: the buffer is zeroed when made, and most are small.
	br := bufio.NewReaderSize(io.NewSectionReader(r, d.start, size-d.start), int(min(size-d.start, 32<<10)))
	bd := bounded{end: d.start}
	var buf []byte
	for count := 0; ; count++ {
		rec, b, err := readRecord(br, buf)
		buf = b
		if err == errEndOfDirectory {
			// archive/zip checks the count it read against the declared one, modulo 2^16
			// because the plain end record has 16 bits for it.
			if uint16(count) != uint16(d.declared) {
				return bounded{}, errCorrupt(fmt.Sprintf("the central directory is damaged: it declares %d entries but %d could be read", d.declared, count))
			}
			return bd, nil
		}
		if err != nil {
			return bounded{}, err
		}
		switch {
		case count < max:
			bd.n++
			bd.end += rec.length
		case !bd.over:
			bd.over = true
			fallthrough
		default:
			// Past the line: name the first entry that would have had a result.
			if !bd.named {
				rec.header.Name = string(rec.name)
				if !skipped(&rec.header) {
					bd.overflow, bd.named = rec.header.Name, true
				}
			}
		}
	}
}

// view is the object from the archive's start (past any data before it), with the central
// directory's records cut after the first ones, and end records after it all that declare
// exactly those. Entry data and local headers stay where they are, wherever they are.
type view struct {
	r     io.ReaderAt
	shift int64 // where the view starts in the object
	size  int64 // the object's size
	cut   int64 // where the records are cut, in the object's offsets; -1 if they end there
	tail  []byte
}

func (v *view) Size() int64 { return v.size - v.shift + int64(len(v.tail)) }

func (v *view) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("negative offset")
	}
	n := 0
	if body := v.size - v.shift; off < body {
		m := int(min(int64(len(p)), body-off))
		o := off + v.shift
		k, err := v.r.ReadAt(p[:m], o)
		if k < m {
			if err == nil || err == io.EOF {
				err = io.ErrUnexpectedEOF // the object is shorter than its size says
			}
			return k, err
		}
		// Four zero bytes over the next record's signature end the records there.
		if v.cut >= 0 {
			for i := max(v.cut, o); i < min(v.cut+4, o+int64(m)); i++ {
				p[i-o] = 0
			}
		}
		n = m
	}
	if n < len(p) {
		t := off + int64(n) - (v.size - v.shift)
		if t >= int64(len(v.tail)) {
			return n, io.EOF
		}
		n += copy(p[n:], v.tail[t:])
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// newView makes the view that shows archive/zip bd's records only. The end records are zip64
// (so that neither count nor offset need fit in 16 or 32 bits). Data before the archive is
// left out, so that the records' offsets count from the view's start and archive/zip has no
// base offset to guess: its guess would read a record made of other bytes.
func newView(r io.ReaderAt, size int64, d directory, bd bounded) (*view, error) {
	le := binary.LittleEndian
	// Where the records stop, archive/zip must stop too. Past the limit, a record follows; and
	// where the scan found one it could not read whole (which archive/zip cannot either), the
	// bytes after the object would complete it in the view. Neither is left a signature.
	// Anything else there (a local header, the end record) stays as it is.
	cut := int64(-1)
	var sig [4]byte
	if _, err := r.ReadAt(sig[:], bd.end); err != nil && err != io.EOF {
		return nil, err
	}
	if le.Uint32(sig[:]) == sigDirectory {
		cut = bd.end
	}
	shift := max(d.base, 0)
	// archive/zip takes the base offset to be where the end records start, less the
	// directory's size and offset: declare the directory to run from its start to there.
	dirOffset := uint64(d.start - d.base)
	dirSize := uint64(size - d.start)
	n := uint64(bd.n)
	t := make([]byte, 0, lenDirectory64End+lenDirectory64Loc+lenDirectoryEnd)
	// zip64 end of central directory record
	t = le.AppendUint32(t, sigDirectory64End)
	t = le.AppendUint64(t, lenDirectory64End-12) // size of the rest of this record
	t = le.AppendUint16(t, 45)                   // version made by
	t = le.AppendUint16(t, 45)                   // version needed
	t = le.AppendUint32(t, 0)                    // this disk
	t = le.AppendUint32(t, 0)                    // disk where the directory starts
	t = le.AppendUint64(t, n)                    // records on this disk
	t = le.AppendUint64(t, n)                    // records
	t = le.AppendUint64(t, dirSize)
	t = le.AppendUint64(t, dirOffset)
	// zip64 end of central directory locator
	t = le.AppendUint32(t, sigDirectory64Loc)
	t = le.AppendUint32(t, 0)
	t = le.AppendUint64(t, uint64(size-shift)) // where the zip64 end record is
	t = le.AppendUint32(t, 1)                  // disks
	// end of central directory record, saturated so that readers look for zip64
	t = le.AppendUint32(t, sigDirectoryEnd)
	t = le.AppendUint16(t, 0)
	t = le.AppendUint16(t, 0)
	t = le.AppendUint16(t, 0xffff)
	t = le.AppendUint16(t, 0xffff)
	t = le.AppendUint32(t, 0xffffffff)
	t = le.AppendUint32(t, 0xffffffff)
	t = le.AppendUint16(t, 0) // comment length
	return &view{r: r, shift: shift, size: size, cut: cut, tail: t}, nil
}
