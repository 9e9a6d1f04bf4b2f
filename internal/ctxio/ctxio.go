// Package ctxio wraps readers: one tied to a context, one that keeps its read error.
package ctxio

import (
	"context"
	"io"
)

// Reader reads r until ctx is done, then fails with ctx's error: a read of a large file, or a
// download whose connection keeps trickling bytes, stops when its caller gives up.
func Reader(ctx context.Context, r io.Reader) io.Reader { return reader{ctx, r} }

type reader struct {
	ctx context.Context
	r   io.Reader
}

func (c reader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// ErrRecorder reads R and keeps in Err the last error other than io.EOF that a read returned,
// so that when the reader's consumer fails (a decoder, a copy) its caller can tell a failed
// read (a stalled client, a cancelled context) from bad bytes.
type ErrRecorder struct {
	R   io.Reader
	Err error
}

func (e *ErrRecorder) Read(p []byte) (int, error) {
	n, err := e.R.Read(p)
	if err != nil && err != io.EOF {
		e.Err = err
	}
	return n, err
}
