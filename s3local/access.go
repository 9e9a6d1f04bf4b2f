package s3local

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"time"

	"github.com/johannesboyne/gofakes3"
)

// ObjectInfo describes one object version, for in-process readers.
type ObjectInfo struct {
	Bucket, Key  string
	VersionID    string // "" for the null version
	Size         int64
	ETag         string // quoted, as in S3 responses
	LastModified time.Time
	ContentType  string
	Metadata     map[string]string // stored headers: Content-Type, X-Amz-Meta-*, ...
	ChecksumAlg  string            // CRC32, CRC32C, CRC64NVME, SHA1, SHA256 or ""
	Checksum     string            // base64
}

// StatObject describes a version of key (versionID "" = latest) without HTTP. Errors wrap
// ErrNoSuchBucket, ErrNoSuchKey (also when the version is a delete marker) or
// ErrNoSuchVersion.
func (b *Backend) StatObject(ctx context.Context, bucket, key, versionID string) (ObjectInfo, error) {
	r, err := b.lookupLocal(ctx, bucket, key, versionID)
	if err != nil {
		return ObjectInfo{}, err
	}
	return infoOf(r), nil
}

// OpenObject opens a version of key (versionID "" = latest) for reading without HTTP; the
// caller must close the reader. The content file is immutable, so the reader sees exactly
// that version even if the key is overwritten or deleted meanwhile.
func (b *Backend) OpenObject(ctx context.Context, bucket, key, versionID string) (io.ReadCloser, ObjectInfo, error) {
	for attempt := 0; ; attempt++ {
		r, err := b.lookupLocal(ctx, bucket, key, versionID)
		if err != nil {
			return nil, ObjectInfo{}, err
		}
		f, err := os.Open(b.objectPath(r.blob.String))
		if errors.Is(err, os.ErrNotExist) && attempt < 3 {
			continue // deleted since the row was read: reading it again gives the right answer (see getRow)
		}
		if err != nil {
			b.log.ErrorContext(ctx, "s3local: content file unreadable", "bucket", bucket, "key", key, "version", r.versionID, "blob", r.blob.String, "error", err.Error())
			return nil, ObjectInfo{}, fmt.Errorf("s3local: content of %s/%s: %w", bucket, key, err)
		}
		return f, infoOf(r), nil
	}
}

func (b *Backend) lookupLocal(ctx context.Context, bucket, key, versionID string) (row, error) {
	var (
		r   row
		err error
	)
	if versionID != "" {
		r, err = b.lookupVersion(ctx, bucket, key, versionID)
	} else {
		r, err = lookup(ctx, b.q(), bucket, key, nil)
	}
	if err == nil && r.deleteMarker {
		err = errNoSuchKey()
	}
	if err != nil {
		return r, localError(bucket, key, versionID, err)
	}
	return r, nil
}

// localError turns gofakes3's error values into ones errors.Is matches against ErrNoSuchKey
// and friends.
func localError(bucket, key, versionID string, err error) error {
	var s3err gofakes3.Error
	if errors.As(err, &s3err) {
		err = s3err.ErrorCode()
	}
	return fmt.Errorf("s3local: %s/%s (version %q): %w", bucket, key, versionID, err)
}

func infoOf(r row) ObjectInfo {
	ct := r.meta["Content-Type"]
	if ct == "" {
		ct = defaultContentType
	}
	return ObjectInfo{
		Bucket: r.bucket, Key: r.name, VersionID: r.versionID, Size: r.size,
		ETag: gofakes3.FormatETag(r.md5), LastModified: r.modified, ContentType: ct,
		Metadata: maps.Clone(r.meta), ChecksumAlg: r.checksumAlg, Checksum: r.checksum,
	}
}
