package s3local

import (
	"context"
	"crypto/md5"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/johannesboyne/gofakes3"

	"github.com/sbomcat/sbomcat/internal/ctxio"
)

// copyBufSize is the only per-request body memory: bodies move through one such buffer. It
// is small because a client that stalls mid-upload keeps its buffer until the server's stall
// timeout cuts it (1,000 such clients hold 64 MiB, not a GiB), and larger buffers did not
// make uploads faster: the disk and the hashes are the bound.
const copyBufSize = 64 << 10

var copyBufs = sync.Pool{New: func() any { b := make([]byte, copyBufSize); return &b }}

// written describes a body that is now durable under its final name.
type written struct {
	blob     string // file name (no directory)
	path     string
	size     int64
	md5      []byte
	checksum string // base64 value of the requested algorithm, "" if none was requested
}

// writeBlob streams r into a new immutable file: tmp/ first, fsync, rename to place(name),
// fsync the directory. want is the exact body length, or -1 to accept up to limit bytes.
// alg names an extra checksum to compute on the way ("" for none).
//
// Errors that carry an S3 code (gofakes3.Error, e.g. BadDigest raised by gofakes3's MD5 check
// or by Handler's checksum verifiers while r is read) are returned unwrapped, because
// gofakes3 recognises them only by type assertion; anything else is wrapped.
func (b *Backend) writeBlob(ctx context.Context, r io.Reader, want, limit int64, alg string, place func(name string) string) (w written, err error) {
	f, err := os.CreateTemp(b.path("tmp"), "body-*")
	if err != nil {
		return w, fmt.Errorf("s3local: create temp file: %w", err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()

	sum := md5.New()
	dst := []io.Writer{f, sum}
	var ck hash.Hash
	if alg != "" {
		if ck = newChecksum(alg); ck == nil {
			return w, gofakes3.ErrorMessagef(gofakes3.ErrInvalidArgument, "unsupported checksum algorithm %q", alg)
		}
		dst = append(dst, ck)
	}
	max := limit
	if want >= 0 {
		max = want
	}
	bufp := copyBufs.Get().(*[]byte)
	// Reading one byte past the expected length both detects an over-long body and lets the
	// reader reach EOF, which is where gofakes3 checks Content-MD5.
	src := &ctxio.ErrRecorder{R: io.LimitReader(r, max+1)}
	n, err := io.CopyBuffer(io.MultiWriter(dst...), src, *bufp)
	copyBufs.Put(bufp)
	if err != nil {
		var s3err gofakes3.Error
		if errors.As(err, &s3err) {
			return w, s3err
		}
		if src.Err != nil {
			// The client's side: it stalled (the server's stall timeout) or went away.
			// Nothing is stored, and it is a 400, not an internal error.
			return w, gofakes3.ErrorMessagef(gofakes3.ErrIncompleteBody, "The request body was not received in full: %v", src.Err)
		}
		return w, fmt.Errorf("s3local: receive body: %w", err)
	}
	switch {
	case want >= 0 && n != want:
		return w, gofakes3.ErrIncompleteBody
	case n > max:
		return w, gofakes3.ErrorMessagef(gofakes3.ErrInvalidArgument, "body exceeds the maximum allowed size of %d bytes", max)
	}
	if err := f.Sync(); err != nil {
		return w, fmt.Errorf("s3local: sync %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		return w, fmt.Errorf("s3local: close %s: %w", tmp, err)
	}
	name := newBlobName()
	final := place(name)
	if err := os.Rename(tmp, final); err != nil {
		return w, fmt.Errorf("s3local: rename into place: %w", err)
	}
	if err := syncDir(filepath.Dir(final)); err != nil {
		os.Remove(final)
		return w, err
	}
	w = written{blob: name, path: final, size: n, md5: sum.Sum(nil)}
	if ck != nil {
		w.checksum = encodeSum(ck)
	}
	return w, nil
}

// linkBlob gives the content file src a second, new name for a copy; content files are never
// modified in place, so sharing an inode is safe. Where hard links are not possible it
// copies the bytes.
func (b *Backend) linkBlob(ctx context.Context, src string) (written, error) {
	name := newBlobName()
	final := b.objectPath(name)
	if err := os.Link(b.objectPath(src), final); err == nil {
		if err := syncDir(filepath.Dir(final)); err != nil {
			os.Remove(final)
			return written{}, err
		}
		return written{blob: name, path: final}, nil
	} else if errors.Is(err, os.ErrNotExist) {
		return written{}, err
	}
	f, err := os.Open(b.objectPath(src))
	if err != nil {
		return written{}, err
	}
	defer f.Close()
	return b.writeBlob(ctx, f, -1, maxMultipartObjectSize, "", b.objectPath)
}

// readCloser pairs a (possibly limited) reader with the file it reads.
type readCloser struct {
	io.Reader
	io.Closer
}

type nopReadCloser struct{}

func (nopReadCloser) Read([]byte) (int, error) { return 0, io.EOF }
func (nopReadCloser) Close() error             { return nil }
