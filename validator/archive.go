package validator

import (
	"archive/zip"
	"compress/flate"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/formats"
)

// validateArchive judges each file entry of the zip archive in src (docs/behaviour.md, "Objects and
// archives" and "Limits").
func (v *Validator) validateArchive(ctx context.Context, name string, src *source, size int64) ([]sbomcat.FileResult, error) {
	lim := v.Limits.WithDefaults()
	d, err := findDirectory(src, size)
	var bd bounded
	if err == nil {
		bd, err = scanDirectory(src, size, d, lim.MaxEntries)
	}
	if err != nil {
		if rerr := src.failed(); rerr != nil {
			return nil, rerr
		}
		var c errCorrupt
		if errors.As(err, &c) {
			return []sbomcat.FileResult{incompatible(name, "corrupt zip archive: "+c.Error())}, nil
		}
		return nil, err
	}
	vw, err := newView(src, size, d, bd)
	if err != nil {
		return nil, err
	}
	zr, err := zip.NewReader(vw, vw.Size())
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) { // names are made safe below
		if rerr := src.failed(); rerr != nil {
			return nil, rerr
		}
		// The scan applies archive/zip's own rules to the records (FuzzDirectory holds it to
		// that), so this is not expected; should they ever disagree, it is still the archive
		// that is at fault, not the caller's reads.
		return []sbomcat.FileResult{incompatible(name, "corrupt zip archive: a central directory record is malformed")}, nil
	}

	// The drain buffer is sized to the archive (4 to 32 KiB): it is zeroed when made, and most
	// archives are small.
	a := &archive{src: src, lim: lim, opts: v.options(), buf: make([]byte, min(max(vw.Size(), 4<<10), 32<<10))}
	var results []sbomcat.FileResult
	for i, f := range zr.File {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if skipped(&f.FileHeader) {
			continue
		}
		res, stop, err := a.validateEntry(ctx, f, entryName(f.Name, i))
		if err != nil {
			return nil, err
		}
		results = append(results, res)
		if stop {
			return results, nil
		}
	}
	if bd.named {
		results = append(results, tooLarge(entryName(bd.overflow, bd.n),
			fmt.Sprintf("the archive has more than %d entries, the limit; this file and the entries after it were not validated", lim.MaxEntries)))
	}
	if len(results) == 0 {
		return []sbomcat.FileResult{incompatible(name, "archive contains no files")}, nil
	}
	return results, nil
}

// skipped reports whether an entry gets no result: directories and macOS resource forks
// (docs/behaviour.md, "Objects and archives"). A directory is named with a trailing slash (a
// backslash, from some Windows tools) or has a directory mode.
func skipped(h *zip.FileHeader) bool {
	if strings.HasSuffix(h.Name, "/") || strings.HasSuffix(h.Name, `\`) || h.Mode().IsDir() {
		return true
	}
	n := entryName(h.Name, 0)
	return n == "__MACOSX" || strings.HasPrefix(n, "__MACOSX/")
}

// entryName is the fileName of the i-th entry (docs/behaviour.md, "Objects and archives"): its path
// in the archive, cleaned, with no leading slash and no ".." segment, so that a name cannot point
// outside the archive wherever results are shown or files written. Backslashes count as separators,
// as some Windows tools write them.
func entryName(raw string, i int) string {
	n := strings.ReplaceAll(raw, `\`, "/")
	// Cleaning a rooted path drops the ".." that would climb above the root.
	n = strings.TrimPrefix(path.Clean("/"+n), "/")
	if n == "" {
		return fmt.Sprintf("(unnamed entry %d)", i+1)
	}
	return n
}

// archive is the state of one archive's validation: what its files have cost so far.
type archive struct {
	src   *source
	lim   Limits
	opts  formats.Options
	total int64  // uncompressed bytes of all entries, each counted once
	buf   []byte // for draining entries
}

// validateEntry judges one file entry. stop says the archive is over a limit that ends it.
func (a *archive) validateEntry(ctx context.Context, f *zip.File, name string) (res sbomcat.FileResult, stop bool, err error) {
	if f.Flags&0x1 != 0 {
		return incompatible(name, fmt.Sprintf("zip entry %s is encrypted; files in an SBOM archive must not be encrypted", strconv.Quote(name))), false, nil
	}
	e := &entry{a: a, f: f}
	defer e.close()
	verdict, err := formats.Validate(ctx, e.open, a.opts)
	if err == nil && !e.eof {
		// formats stops reading where its verdict is clear, such as at a syntax error or
		// after the first bytes of a file that is no JSON. The rest of the file still counts
		// against the limits, and its checksum still says whether the archive is damaged.
		err = e.drain(ctx)
	}
	if err == nil {
		return fromVerdict(name, verdict), false, nil
	}

	if rerr := a.src.failed(); rerr != nil {
		return sbomcat.FileResult{}, false, rerr
	}
	if ctx.Err() != nil {
		return sbomcat.FileResult{}, false, err
	}
	var le *limitError
	if errors.As(err, &le) {
		return tooLarge(name, le.message()), le.total, nil
	}
	var ee *entryError
	if errors.As(err, &ee) {
		return incompatible(name, ee.message(name, f)), false, nil
	}
	// Not the bytes and not a limit: formats itself failed.
	return sbomcat.FileResult{}, false, fmt.Errorf("%s: %w", name, err)
}

// entry is one zip entry being validated. formats.Validate may open it more than once; every
// reader counts against the per-file limit, and the total counts each byte offset once.
type entry struct {
	a     *archive
	f     *zip.File
	read  int64 // the furthest any reader got: what the total has counted
	eof   bool  // some reader reached the end: the whole entry was counted and its checksum verified
	first *entryReader
}

func (e *entry) open() (io.ReadCloser, error) {
	rc, err := e.f.Open()
	if err != nil {
		return nil, &entryError{err: err, opening: true}
	}
	r := &entryReader{e: e, rc: rc}
	if e.first == nil {
		// The first reader stays open after formats closes it, to be drained.
		r.keep = true
		e.first = r
	}
	return r, nil
}

// drain reads the rest of the entry through the first reader, counting and verifying it.
func (e *entry) drain(ctx context.Context) error {
	r := e.first
	if r == nil {
		rc, err := e.open()
		if err != nil {
			return err
		}
		r = rc.(*entryReader)
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		_, err := r.Read(e.a.buf)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func (e *entry) close() {
	if e.first != nil {
		e.first.rc.Close()
	}
}

// entryReader is the only way an entry's bytes reach formats, so the limits it enforces
// hold for every read, whatever the entry's header claims.
type entryReader struct {
	e    *entry
	rc   io.ReadCloser
	pos  int64
	err  error // sticky: after a limit or a damaged entry, every read fails
	keep bool
}

func (r *entryReader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	a := r.e.a
	// One byte past the limit is enough to know the file is over it.
	if room := a.lim.MaxFileBytes + 1 - r.pos; int64(len(p)) > room {
		p = p[:room]
	}
	n, err := r.rc.Read(p)
	r.pos += int64(n)
	if r.pos > r.e.read {
		before := a.total - r.e.read
		a.total += r.pos - r.e.read
		r.e.read = r.pos
		if a.total > a.lim.MaxTotalBytes {
			r.err = &limitError{total: true, limit: a.lim.MaxTotalBytes, before: before}
			return 0, r.err
		}
	}
	if r.pos > a.lim.MaxFileBytes {
		r.err = &limitError{limit: a.lim.MaxFileBytes}
		return 0, r.err
	}
	switch {
	case err == io.EOF:
		r.e.eof = true
		return n, io.EOF
	case err != nil:
		r.err = &entryError{err: err}
		return n, r.err
	}
	return n, nil
}

func (r *entryReader) Close() error {
	if r.keep {
		return nil
	}
	return r.rc.Close()
}

// limitError says an entry went over the per-file or the total uncompressed limit.
type limitError struct {
	total  bool  // the archive's total, not the file's own size
	limit  int64 // the limit crossed
	before int64 // for the total: bytes of the entries before this one
}

func (e *limitError) Error() string { return e.message() }

func (e *limitError) message() string {
	if e.total {
		return fmt.Sprintf("the archive's files add up to more than the %s limit on total uncompressed size (%s before this file); this file and the entries after it were not validated",
			limitOf(e.limit), sizeOf(e.before))
	}
	return fmt.Sprintf("file is over the %s limit for one file once uncompressed", limitOf(e.limit))
}

// entryError is the archive failing to give an entry's bytes: a damaged or unsupported entry.
type entryError struct {
	err     error
	opening bool
}

func (e *entryError) Error() string { return "zip entry: " + e.err.Error() }
func (e *entryError) Unwrap() error { return e.err }

// message says what is wrong with the entry in words for a person.
func (e *entryError) message(name string, f *zip.File) string {
	q := strconv.Quote(name)
	var ce flate.CorruptInputError
	switch {
	case errors.Is(e.err, zip.ErrAlgorithm):
		return fmt.Sprintf("zip entry %s is compressed with method %d, which is not supported; store or deflate it", q, f.Method)
	case e.opening:
		return fmt.Sprintf("corrupt zip entry %s: its local header is missing or damaged", q)
	case errors.Is(e.err, zip.ErrChecksum):
		return fmt.Sprintf("corrupt zip entry %s: its CRC-32 checksum does not match its data", q)
	case errors.Is(e.err, zip.ErrFormat):
		return fmt.Sprintf("corrupt zip entry %s: it holds more data than its header declares", q)
	case errors.Is(e.err, io.ErrUnexpectedEOF):
		return fmt.Sprintf("corrupt zip entry %s: its data ends before its header says it does", q)
	case errors.As(e.err, &ce):
		return fmt.Sprintf("corrupt zip entry %s: invalid deflate data at byte %d of its compressed data", q, int64(ce))
	}
	return fmt.Sprintf("corrupt zip entry %s: its data cannot be read", q)
}
