// Package ctxio ties readers to a context.
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
