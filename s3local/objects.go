package s3local

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/johannesboyne/gofakes3"
)

// Every gofakes3.Backend method below starts from context.Background(): the interface has no
// context parameter, so there is nothing to inherit. Errors that are S3 answers (NoSuchKey,
// BucketNotEmpty, ...) are returned as gofakes3 values and never wrapped, because gofakes3
// turns an error into a response with a type switch, not errors.As: a wrapped NoSuchKey would
// become a 500 InternalError. Failures of the machinery (SQL, file system) are wrapped with %w.

const defaultContentType = "binary/octet-stream" // what S3 stores when a PUT names none

// errNoSuchKey carries S3's message; gofakes3.KeyNotFound has none, which clients print as
// "Unknown".
func errNoSuchKey() error {
	return gofakes3.ErrorMessage(gofakes3.ErrNoSuchKey, "The specified key does not exist.")
}

// row is one object version or delete marker.
type row struct {
	seq          int64
	bucket, name string
	versionID    string // "" is the null version
	latest       bool
	deleteMarker bool
	size         int64
	md5          []byte
	blob         sql.NullString
	meta         map[string]string
	checksumAlg  string
	checksum     string
	modified     time.Time
}

const rowCols = `seq, bucket, name, version_id, is_latest, delete_marker, size, md5, blob, meta, checksum_alg, checksum, modified_ms`

type scanner interface{ Scan(dest ...any) error }

func scanRow(s scanner) (row, error) {
	var r row
	var meta string
	var ms int64
	if err := s.Scan(&r.seq, &r.bucket, &r.name, &r.versionID, &r.latest, &r.deleteMarker, &r.size, &r.md5,
		&r.blob, &meta, &r.checksumAlg, &r.checksum, &ms); err != nil {
		return r, err
	}
	r.modified = time.UnixMilli(ms).UTC()
	if err := json.Unmarshal([]byte(meta), &r.meta); err != nil {
		return r, fmt.Errorf("s3local: corrupt metadata of %s/%s: %w", r.bucket, r.name, err)
	}
	return r, nil
}

// querier is what both *sql.DB and *sql.Tx offer.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// inTx runs fn in a write transaction (BEGIN IMMEDIATE) and commits it. fn's error is
// returned as is so S3 error values survive.
func (b *Backend) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := b.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("s3local: begin: %w", err)
	}
	defer b.versions.written() // after the commit or the rollback (deferred before it, so runs after)
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("s3local: commit: %w", err)
	}
	return nil
}

// versioning returns the bucket's versioning status, or NoSuchBucket.
func versioning(ctx context.Context, q querier, bucket string) (gofakes3.VersioningStatus, error) {
	var s string
	err := q.QueryRowContext(ctx, `SELECT versioning FROM buckets WHERE name = ?`, bucket).Scan(&s)
	if errors.Is(err, sql.ErrNoRows) {
		return "", gofakes3.BucketNotFound(bucket)
	}
	if err != nil {
		return "", fmt.Errorf("s3local: read bucket %s: %w", bucket, err)
	}
	return gofakes3.VersioningStatus(s), nil
}

func (b *Backend) requireBucket(ctx context.Context, bucket string) error {
	_, err := versioning(ctx, b.q(), bucket)
	return err
}

// lookup finds the latest version of key (versionID == nil) or the given version. A latest
// version that is a delete marker is returned as such; the caller decides what that means.
func lookup(ctx context.Context, q querier, bucket, key string, versionID *string) (row, error) {
	var r *sql.Row
	if versionID == nil {
		r = q.QueryRowContext(ctx, `SELECT `+rowCols+` FROM objects WHERE bucket = ? AND name = ? AND is_latest = 1`, bucket, key)
	} else {
		r = q.QueryRowContext(ctx, `SELECT `+rowCols+` FROM objects WHERE bucket = ? AND name = ? AND version_id = ?`, bucket, key, *versionID)
	}
	got, err := scanRow(r)
	if errors.Is(err, sql.ErrNoRows) {
		if _, err := versioning(ctx, q, bucket); err != nil {
			return got, err
		}
		if versionID != nil {
			return got, gofakes3.ErrorMessage(gofakes3.ErrNoSuchVersion, "The specified version does not exist.")
		}
		return got, errNoSuchKey()
	}
	if err != nil {
		return got, fmt.Errorf("s3local: read %s/%s: %w", bucket, key, err)
	}
	return got, nil
}

// storedMeta keeps the request headers S3 stores with an object and returns on GET/HEAD.
// gofakes3 hands a backend every X-Amz-* header, signing and checksum plumbing included
// (X-Amz-Date, X-Amz-Content-Sha256, X-Amz-Decoded-Content-Length, ...); echoing those back
// on GET would be wrong, and a stale x-amz-checksum-* header would make SDKs reject the body.
func storedMeta(in map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range in {
		ck := http.CanonicalHeaderKey(k)
		switch {
		case strings.HasPrefix(ck, "X-Amz-Meta-"),
			ck == "Content-Type", ck == "Content-Disposition", ck == "Content-Language",
			ck == "Cache-Control", ck == "Expires",
			ck == "X-Amz-Website-Redirect-Location", ck == "X-Amz-Storage-Class", ck == "X-Amz-Tagging":
			out[ck] = v
		case ck == "Content-Encoding":
			// aws-chunked describes the transfer, not the object; S3 strips it.
			var keep []string
			for _, e := range strings.Split(v, ",") {
				if e = strings.TrimSpace(e); e != "" && !strings.EqualFold(e, "aws-chunked") {
					keep = append(keep, e)
				}
			}
			if len(keep) > 0 {
				out[ck] = strings.Join(keep, ",")
			}
		}
	}
	return out
}

// toObject turns a row into what gofakes3 serves. withBody opens the content file (honouring
// rnge); HEAD gets a no-op body. The flexible checksum is advertised only when the whole
// object is returned: SDKs validate a 206 body against it too, and it covers every byte.
func (b *Backend) toObject(r row, rnge *gofakes3.ObjectRangeRequest, withBody bool) (*gofakes3.Object, error) {
	obj := &gofakes3.Object{
		Name:           r.name,
		Metadata:       map[string]string{},
		VersionID:      gofakes3.VersionID(r.versionID),
		IsDeleteMarker: r.deleteMarker,
		Contents:       nopReadCloser{},
	}
	// gofakes3 reads Last-Modified from the metadata, for the header and If-Modified-Since; a
	// delete marker's is its creation, which S3 reports with the 405 for its version id.
	obj.Metadata["Last-Modified"] = r.modified.Format(http.TimeFormat)
	if r.deleteMarker {
		return obj, nil
	}
	obj.Size, obj.Hash = r.size, r.md5
	for k, v := range r.meta {
		obj.Metadata[k] = v
	}
	if obj.Metadata["Content-Type"] == "" {
		obj.Metadata["Content-Type"] = defaultContentType
	}
	if !withBody {
		if r.checksum != "" {
			obj.Metadata[checksumHeader(r.checksumAlg)] = r.checksum
			obj.Metadata["X-Amz-Checksum-Type"] = "FULL_OBJECT"
		}
		return obj, nil
	}
	rng, err := rnge.Range(r.size)
	if err != nil {
		return nil, err
	}
	obj.Range = rng
	if r.checksum != "" && (rng == nil || rng.Length == r.size) {
		obj.Metadata[checksumHeader(r.checksumAlg)] = r.checksum
		obj.Metadata["X-Amz-Checksum-Type"] = "FULL_OBJECT"
	}
	f, err := os.Open(b.objectPath(r.blob.String))
	if err != nil {
		return nil, err // os.ErrNotExist: deleted since the row was read; the caller retries
	}
	if rng == nil {
		// The *os.File itself, so net/http can sendfile it.
		obj.Contents = f
		return obj, nil
	}
	if _, err := f.Seek(rng.Start, io.SeekStart); err != nil {
		f.Close()
		return nil, fmt.Errorf("s3local: seek %s: %w", r.blob.String, err)
	}
	obj.Contents = readCloser{io.LimitReader(f, rng.Length), f}
	return obj, nil
}

// get reads a version (versionID nil = latest) with or without its body. A concurrent
// DELETE can unlink the content file between reading the row and opening the file; the row
// is then gone or replaced too, so reading it again gives the right answer.
func (b *Backend) get(ctx context.Context, bucket, key string, versionID *string, rnge *gofakes3.ObjectRangeRequest, withBody bool) (*gofakes3.Object, error) {
	_, obj, err := b.getRow(ctx, bucket, key, versionID, rnge, withBody)
	return obj, err
}

// getRow is get that also returns the row it served.
func (b *Backend) getRow(ctx context.Context, bucket, key string, versionID *string, rnge *gofakes3.ObjectRangeRequest, withBody bool) (row, *gofakes3.Object, error) {
	for attempt := 0; ; attempt++ {
		r, err := lookup(ctx, b.q(), bucket, key, versionID)
		if err != nil {
			return r, nil, err
		}
		obj, err := b.toObject(r, rnge, withBody)
		if errors.Is(err, os.ErrNotExist) {
			if attempt < 3 {
				continue
			}
			b.log.ErrorContext(ctx, "s3local: content file missing", "bucket", bucket, "key", key, "version", r.versionID, "blob", r.blob.String)
			return r, nil, fmt.Errorf("s3local: content of %s/%s missing: %w", bucket, key, err)
		}
		return r, obj, err
	}
}

// ---- gofakes3.Backend ----

// ListBuckets lists all buckets by name.
func (b *Backend) ListBuckets() ([]gofakes3.BucketInfo, error) {
	ctx := context.Background()
	rows, err := b.db.QueryContext(ctx, `SELECT name, created_ms FROM buckets ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("s3local: list buckets: %w", err)
	}
	defer rows.Close()
	var out []gofakes3.BucketInfo
	for rows.Next() {
		var name string
		var ms int64
		if err := rows.Scan(&name, &ms); err != nil {
			return nil, fmt.Errorf("s3local: list buckets: %w", err)
		}
		out = append(out, gofakes3.BucketInfo{Name: name, CreationDate: gofakes3.NewContentTime(time.UnixMilli(ms).UTC())})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("s3local: list buckets: %w", err)
	}
	return out, nil
}

// CreateBucket creates an empty, unversioned bucket.
func (b *Backend) CreateBucket(name string) error {
	ctx := context.Background()
	return b.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := versioning(ctx, tx, name); err == nil {
			return gofakes3.ErrorMessage(gofakes3.ErrBucketAlreadyExists, "The requested bucket name is not available. Select a different name and try again.")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO buckets(name, created_ms) VALUES(?, ?)`, name, b.now().UnixMilli()); err != nil {
			return fmt.Errorf("s3local: create bucket %s: %w", name, err)
		}
		return nil
	})
}

// BucketExists reports whether the bucket exists.
func (b *Backend) BucketExists(name string) (bool, error) {
	_, err := versioning(context.Background(), b.q(), name)
	if gofakes3.HasErrorCode(err, gofakes3.ErrNoSuchBucket) {
		return false, nil
	}
	return err == nil, err
}

// DeleteBucket deletes a bucket that holds no object versions or delete markers (S3's rule);
// unfinished multipart uploads go with it.
func (b *Backend) DeleteBucket(name string) error {
	return b.deleteBucket(context.Background(), name, false)
}

// ForceDeleteBucket deletes a bucket with everything in it.
func (b *Backend) ForceDeleteBucket(name string) error {
	return b.deleteBucket(context.Background(), name, true)
}

func (b *Backend) deleteBucket(ctx context.Context, name string, force bool) error {
	var garbage []string
	err := b.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := versioning(ctx, tx, name); err != nil {
			return err
		}
		if !force {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM objects WHERE bucket = ? LIMIT 1)`, name).Scan(&n); err != nil {
				return fmt.Errorf("s3local: count objects: %w", err)
			}
			if n > 0 {
				return gofakes3.ErrorMessage(gofakes3.ErrBucketNotEmpty, "The bucket you tried to delete is not empty. Delete every object version and delete marker first.")
			}
		}
		for _, q := range []struct {
			sql  string
			path func(string) string
		}{
			{`SELECT blob FROM objects WHERE bucket = ? AND blob IS NOT NULL`, b.objectPath},
			{`SELECT p.blob FROM parts p JOIN uploads u ON u.id = p.upload_id WHERE u.bucket = ?`, b.partPath},
		} {
			blobs, err := strings1(ctx, tx, q.sql, name)
			if err != nil {
				return fmt.Errorf("s3local: list files of bucket %s: %w", name, err)
			}
			for _, bl := range blobs {
				garbage = append(garbage, q.path(bl))
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM buckets WHERE name = ?`, name); err != nil {
			return fmt.Errorf("s3local: delete bucket %s: %w", name, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	b.removeFiles(ctx, garbage...)
	return nil
}

// strings1 returns the first column of every row.
func strings1(ctx context.Context, q querier, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// GetObject returns the latest version of key; a delete marker comes back as an Object with
// IsDeleteMarker set, which gofakes3 answers with 404 NoSuchKey and x-amz-delete-marker.
func (b *Backend) GetObject(bucket, key string, rnge *gofakes3.ObjectRangeRequest) (*gofakes3.Object, error) {
	return b.get(context.Background(), bucket, key, nil, rnge, true)
}

// HeadObject is GetObject without the body.
func (b *Backend) HeadObject(bucket, key string) (*gofakes3.Object, error) {
	return b.get(context.Background(), bucket, key, nil, nil, false)
}

// newVersion is what a PUT, copy or completed upload records.
type newVersion struct {
	blob        string
	size        int64
	md5         []byte
	meta        map[string]string
	checksumAlg string
	checksum    string
}

// commitVersion makes v the latest version of key: a new version id in a versioned bucket,
// otherwise it replaces the null version. It returns the new version id ("" unless
// versioning is Enabled) and the content files that no row names any more.
func (b *Backend) commitVersion(ctx context.Context, tx *sql.Tx, bucket, key string, v newVersion, cond *gofakes3.PutConditions) (string, []string, error) {
	status, err := versioning(ctx, tx, bucket)
	if err != nil {
		return "", nil, err
	}
	if cond != nil {
		info := &gofakes3.ConditionalObjectInfo{}
		cur, err := lookup(ctx, tx, bucket, key, nil)
		switch {
		case err == nil:
			info.Exists, info.Hash = !cur.deleteMarker, cur.md5
		case !gofakes3.HasErrorCode(err, gofakes3.ErrNoSuchKey):
			return "", nil, err
		}
		if err := gofakes3.CheckPutConditions(cond, info); err != nil {
			return "", nil, err
		}
	}
	vid, garbage, err := b.replaceLatest(ctx, tx, bucket, key, status)
	if err != nil {
		return "", nil, err
	}
	meta, err := json.Marshal(v.meta)
	if err != nil {
		return "", nil, fmt.Errorf("s3local: encode metadata: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO objects(bucket, name, version_id, is_latest, delete_marker, size, md5, blob, meta, checksum_alg, checksum, modified_ms)
		VALUES(?, ?, ?, 1, 0, ?, ?, ?, ?, ?, ?, ?)`,
		bucket, key, vid, v.size, v.md5, v.blob, string(meta), v.checksumAlg, v.checksum, b.now().UnixMilli()); err != nil {
		return "", nil, fmt.Errorf("s3local: insert %s/%s: %w", bucket, key, err)
	}
	return vid, garbage, nil
}

// replaceLatest prepares for a new latest version of key (object or delete marker): it picks
// the new version id ("" for the null version unless versioning is Enabled), removes the
// null version a suspended or unversioned bucket overwrites, and clears is_latest.
func (b *Backend) replaceLatest(ctx context.Context, tx *sql.Tx, bucket, key string, status gofakes3.VersioningStatus) (vid string, garbage []string, err error) {
	if status == gofakes3.VersioningEnabled {
		vid = newVersionID()
	} else {
		var blob sql.NullString
		err := tx.QueryRowContext(ctx, `DELETE FROM objects WHERE bucket = ? AND name = ? AND version_id = '' RETURNING blob`, bucket, key).Scan(&blob)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return "", nil, fmt.Errorf("s3local: replace null version of %s/%s: %w", bucket, key, err)
		case blob.Valid:
			garbage = append(garbage, b.objectPath(blob.String))
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE objects SET is_latest = 0 WHERE bucket = ? AND name = ? AND is_latest = 1`, bucket, key); err != nil {
		return "", nil, fmt.Errorf("s3local: demote latest of %s/%s: %w", bucket, key, err)
	}
	return vid, garbage, nil
}

// PutObject streams input (exactly size bytes) to a content file and records it as the
// latest version of key. Unlike gofakes3's bundled backends it does not merge the previous
// version's metadata into the new one: S3 does not either.
func (b *Backend) PutObject(bucket, key string, meta map[string]string, input io.Reader, size int64, cond *gofakes3.PutConditions) (gofakes3.PutObjectResult, error) {
	ctx := context.Background()
	var res gofakes3.PutObjectResult
	if size > MaxObjectSize {
		return res, errEntityTooLarge(size, MaxObjectSize)
	}
	// Refuse before receiving up to 5 GiB for a bucket that does not exist.
	if err := b.requireBucket(ctx, bucket); err != nil {
		return res, err
	}
	alg, want := checksumRequest(meta)
	w, err := b.writeBlob(ctx, input, size, size, alg, b.objectPath)
	if err != nil {
		return res, err
	}
	if want != "" && w.checksum != want {
		b.removeFiles(ctx, w.path)
		return res, gofakes3.ErrorMessagef(gofakes3.ErrBadDigest, "The %s you specified did not match the calculated checksum.", checksumHeader(alg))
	}
	v := newVersion{blob: w.blob, size: w.size, md5: w.md5, meta: storedMeta(meta), checksumAlg: alg, checksum: w.checksum}
	var garbage []string
	err = b.inTx(ctx, func(tx *sql.Tx) error {
		vid, g, err := b.commitVersion(ctx, tx, bucket, key, v, cond)
		res.VersionID, garbage = gofakes3.VersionID(vid), g
		return err
	})
	if err != nil {
		b.removeFiles(ctx, w.path)
		return res, err
	}
	b.removeFiles(ctx, garbage...)
	b.log.DebugContext(ctx, "s3local: put", "bucket", bucket, "key", key, "version", res.VersionID, "size", w.size)
	return res, nil
}

// errEntityTooLarge is the closest answer a backend can give: gofakes3 maps codes it does not
// know (EntityTooLarge among them) to HTTP 500, which SDKs retry, so the code used is
// InvalidArgument (400). Handler refuses oversized bodies itself, with EntityTooLarge, before
// gofakes3 sees them.
func errEntityTooLarge(size, max int64) error {
	return gofakes3.ErrorMessagef(gofakes3.ErrInvalidArgument, "Your proposed upload size %d exceeds the maximum allowed object size %d.", size, max)
}

// CopyObject copies the latest version of srcKey; gofakes3's interface has no source
// version. gofakes3 has already merged the source's metadata under the request's; S3's
// default directive (COPY) keeps the source's metadata exactly, REPLACE takes the request's.
// Handler does not route copies here: it serves CopyObject and UploadPartCopy itself (see
// copy.go), with source versions and the destination's version id.
func (b *Backend) CopyObject(srcBucket, srcKey, dstBucket, dstKey string, meta map[string]string) (gofakes3.CopyObjectResult, error) {
	ctx := context.Background()
	var replace map[string]string
	if strings.EqualFold(meta["X-Amz-Metadata-Directive"], "REPLACE") {
		replace = storedMeta(meta)
	}
	src, _, err := b.copyObject(ctx, srcBucket, srcKey, nil, dstBucket, dstKey, replace, nil)
	if err != nil {
		return gofakes3.CopyObjectResult{}, err
	}
	return gofakes3.CopyObjectResult{ETag: gofakes3.FormatETag(src.md5), LastModified: gofakes3.NewContentTime(b.now())}, nil
}

// copyObject copies a version of srcKey (srcVersion nil = latest) to a new latest version of
// dstKey, with the source's metadata or, if replace is not nil, with replace. check, if not
// nil, vets the source first (x-amz-copy-source-if-* conditions). The content file is
// hard-linked, not copied. It returns the source row and the new version id.
func (b *Backend) copyObject(ctx context.Context, srcBucket, srcKey string, srcVersion *string, dstBucket, dstKey string,
	replace map[string]string, check func(row) error) (row, string, error) {
	for attempt := 0; ; attempt++ {
		src, err := lookup(ctx, b.q(), srcBucket, srcKey, srcVersion)
		if err != nil {
			return src, "", err
		}
		if src.deleteMarker {
			return src, "", errNoSuchKey()
		}
		if check != nil {
			if err := check(src); err != nil {
				return src, "", err
			}
		}
		w, err := b.linkBlob(ctx, src.blob.String)
		if errors.Is(err, os.ErrNotExist) && attempt < 3 {
			continue // the source was replaced meanwhile: look again
		}
		if err != nil {
			return src, "", fmt.Errorf("s3local: copy %s/%s: %w", srcBucket, srcKey, err)
		}
		v := newVersion{blob: w.blob, size: src.size, md5: src.md5, meta: src.meta, checksumAlg: src.checksumAlg, checksum: src.checksum}
		if replace != nil {
			v.meta = replace
		}
		var vid string
		var garbage []string
		err = b.inTx(ctx, func(tx *sql.Tx) error {
			var err error
			vid, garbage, err = b.commitVersion(ctx, tx, dstBucket, dstKey, v, nil)
			return err
		})
		if err != nil {
			b.removeFiles(ctx, w.path)
			return src, "", err
		}
		b.removeFiles(ctx, garbage...)
		return src, vid, nil
	}
}

// DeleteObject removes the latest version as S3 does: a versioned bucket gets a new delete
// marker, a suspended one a null delete marker in place of its null version, an unversioned
// one loses the object. Deleting a missing key is not an error.
func (b *Backend) DeleteObject(bucket, key string) (gofakes3.ObjectDeleteResult, error) {
	ctx := context.Background()
	var res gofakes3.ObjectDeleteResult
	var garbage []string
	err := b.inTx(ctx, func(tx *sql.Tx) error {
		status, err := versioning(ctx, tx, bucket)
		if err != nil {
			return err
		}
		if status == gofakes3.VersioningNone {
			var blob sql.NullString
			err := tx.QueryRowContext(ctx, `DELETE FROM objects WHERE bucket = ? AND name = ? RETURNING blob`, bucket, key).Scan(&blob)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("s3local: delete %s/%s: %w", bucket, key, err)
			}
			if blob.Valid {
				garbage = append(garbage, b.objectPath(blob.String))
			}
			return nil
		}
		vid, g, err := b.replaceLatest(ctx, tx, bucket, key, status)
		if err != nil {
			return err
		}
		garbage = g
		if _, err := tx.ExecContext(ctx, `INSERT INTO objects(bucket, name, version_id, is_latest, delete_marker, modified_ms) VALUES(?, ?, ?, 1, 1, ?)`,
			bucket, key, vid, b.now().UnixMilli()); err != nil {
			return fmt.Errorf("s3local: insert delete marker for %s/%s: %w", bucket, key, err)
		}
		res = gofakes3.ObjectDeleteResult{IsDeleteMarker: true, VersionID: gofakes3.VersionID(vid)}
		return nil
	})
	if err != nil {
		return gofakes3.ObjectDeleteResult{}, err
	}
	b.removeFiles(ctx, garbage...)
	return res, nil
}

// DeleteMulti deletes keys one by one, reporting each outcome.
func (b *Backend) DeleteMulti(bucket string, keys ...string) (gofakes3.MultiDeleteResult, error) {
	ids := make([]gofakes3.ObjectID, len(keys))
	for i, k := range keys {
		ids[i].Key = k
	}
	return b.DeleteMultiVersions(bucket, ids...)
}

// ---- gofakes3.VersionedBackend ----

// VersioningConfiguration reports the bucket's versioning status ("" if never set).
func (b *Backend) VersioningConfiguration(bucket string) (gofakes3.VersioningConfiguration, error) {
	status, err := versioning(context.Background(), b.q(), bucket)
	return gofakes3.VersioningConfiguration{Status: status}, err
}

// SetVersioningConfiguration enables or suspends versioning. MFA delete is not supported.
func (b *Backend) SetVersioningConfiguration(bucket string, v gofakes3.VersioningConfiguration) error {
	ctx := context.Background()
	if v.MFADelete.Enabled() {
		return gofakes3.ErrorMessage(gofakes3.ErrNotImplemented, "MFA delete is not supported")
	}
	if v.Status == gofakes3.VersioningNone {
		// A configuration without a Status changes nothing (as in S3).
		return b.requireBucket(ctx, bucket)
	}
	res, err := b.db.ExecContext(ctx, `UPDATE buckets SET versioning = ? WHERE name = ?`, string(v.Status), bucket)
	if err != nil {
		return fmt.Errorf("s3local: set versioning of %s: %w", bucket, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return gofakes3.BucketNotFound(bucket)
	}
	return nil
}

// GetObjectVersion returns exactly the version asked for (latest if versionID is empty), or
// NoSuchVersion.
func (b *Backend) GetObjectVersion(bucket, key string, versionID gofakes3.VersionID, rnge *gofakes3.ObjectRangeRequest) (*gofakes3.Object, error) {
	return b.get(context.Background(), bucket, key, versionArg(versionID), rnge, true)
}

// HeadObjectVersion is GetObjectVersion without the body.
func (b *Backend) HeadObjectVersion(bucket, key string, versionID gofakes3.VersionID) (*gofakes3.Object, error) {
	return b.get(context.Background(), bucket, key, versionArg(versionID), nil, false)
}

// versionArg maps the wire's version id to lookup's: "" means latest, "null" the null version.
func versionArg(v gofakes3.VersionID) *string {
	switch v {
	case "":
		return nil
	case "null":
		s := ""
		return &s
	}
	s := string(v)
	return &s
}

// DeleteObjectVersion permanently removes one version or delete marker; if it was the latest,
// the next newest becomes latest. A missing version is not an error (S3 behaves so).
func (b *Backend) DeleteObjectVersion(bucket, key string, versionID gofakes3.VersionID) (gofakes3.ObjectDeleteResult, error) {
	ctx := context.Background()
	var res gofakes3.ObjectDeleteResult
	vid := versionArg(versionID)
	if vid == nil {
		return b.DeleteObject(bucket, key)
	}
	var garbage []string
	err := b.inTx(ctx, func(tx *sql.Tx) error {
		r, err := lookup(ctx, tx, bucket, key, vid)
		if gofakes3.HasErrorCode(err, gofakes3.ErrNoSuchVersion) {
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM objects WHERE seq = ?`, r.seq); err != nil {
			return fmt.Errorf("s3local: delete version: %w", err)
		}
		if r.latest {
			if _, err := tx.ExecContext(ctx, `UPDATE objects SET is_latest = 1 WHERE seq = (SELECT max(seq) FROM objects WHERE bucket = ? AND name = ?)`, bucket, key); err != nil {
				return fmt.Errorf("s3local: promote previous version: %w", err)
			}
		}
		if r.blob.Valid {
			garbage = append(garbage, b.objectPath(r.blob.String))
		}
		res = gofakes3.ObjectDeleteResult{IsDeleteMarker: r.deleteMarker, VersionID: versionID}
		return nil
	})
	if err != nil {
		return gofakes3.ObjectDeleteResult{}, err
	}
	b.removeFiles(ctx, garbage...)
	return res, nil
}

// DeleteMultiVersions deletes each listed key (or key version), reporting each outcome.
func (b *Backend) DeleteMultiVersions(bucket string, objects ...gofakes3.ObjectID) (gofakes3.MultiDeleteResult, error) {
	var res gofakes3.MultiDeleteResult
	if err := b.requireBucket(context.Background(), bucket); err != nil {
		return res, err
	}
	for _, o := range objects {
		var err error
		if o.VersionID != "" {
			_, err = b.DeleteObjectVersion(bucket, o.Key, gofakes3.VersionID(o.VersionID))
		} else {
			_, err = b.DeleteObject(bucket, o.Key)
		}
		if err != nil {
			e := gofakes3.ErrorResultFromError(err)
			e.Key = o.Key
			res.Error = append(res.Error, e)
			continue
		}
		res.Deleted = append(res.Deleted, o)
	}
	return res, nil
}
