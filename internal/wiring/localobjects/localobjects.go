// Package localobjects is the worker's reader of sbomd's embedded S3 store. It is apart from
// package wiring so that the Lambda functions, which import wiring, do not link the embedded
// S3 server.
package localobjects

import (
	"context"
	"errors"
	"io"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/objects"
	"github.com/sbomcat/sbomcat/s3local"
	"github.com/sbomcat/sbomcat/worker"
)

// New lets the worker read sbomd's embedded S3 store in process, without HTTP, signing
// or a loopback copy of every byte: the content file of a version is opened directly. Failures
// carry the reasons objects.S3 gives for the same S3 answer, in the worker's error contract, so
// the worker tells permanent failures (recorded as FAILED with S3's explanation) from transient
// ones (retried) exactly as it does against S3.
func New(b *s3local.Backend) worker.Objects { return localObjects{b: b} }

type localObjects struct {
	b *s3local.Backend
}

func (o localObjects) Open(ctx context.Context, loc sbomcat.S3Location) (io.ReadCloser, int64, error) {
	rc, info, err := o.b.OpenObject(ctx, loc.Bucket, loc.Key, loc.Version)
	if err != nil {
		return nil, 0, objectError(loc, err)
	}
	return rc, info.Size, nil
}

func objectError(loc sbomcat.S3Location, err error) error {
	reason := objects.Unavailable
	switch {
	case errors.Is(err, s3local.ErrNoSuchBucket):
		reason = objects.NoSuchBucket
	case errors.Is(err, s3local.ErrNoSuchVersion):
		reason = objects.NoSuchVersion
	case errors.Is(err, s3local.ErrNoSuchKey) && loc.Version != "":
		// The version exists (else NoSuchVersion) but is a delete marker: S3 answers a GET of
		// it with 405, which objects.S3 reports so.
		reason = objects.DeleteMarker
	case errors.Is(err, s3local.ErrNoSuchKey):
		reason = objects.NoSuchKey
	}
	return (&objects.Error{Reason: reason, Location: loc, Op: "get", Err: err}).ForWorker()
}
