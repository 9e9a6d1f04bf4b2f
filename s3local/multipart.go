package s3local

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/johannesboyne/gofakes3"
)

// Multipart uploads live on disk too: without a MultipartBackend gofakes3 falls back to an
// uploader that keeps every part in memory and then copies them into one more []byte on
// completion (2x the object in RAM), and the AWS CLI switches to multipart above 8 MB.
//
// Each part is a file under parts/ with a row in parts; completion streams the parts, in the
// order the client lists them, into one new content file and records it exactly as a PUT
// would, in the same transaction that deletes the upload.
//
// The ETag of a completed upload is the MD5 of the whole content (not S3's
// "md5-of-part-md5s-N"): gofakes3 renders every ETag from a binary MD5 so it cannot represent
// the multipart form, and this way the ETag returned by CompleteMultipartUpload is the one
// HEAD and GET report later.

type upload struct {
	id, bucket, name string
	meta             map[string]string
	checksumAlg      string
	initiated        time.Time
}

func getUpload(ctx context.Context, q querier, bucket, key string, id gofakes3.UploadID) (upload, error) {
	u := upload{id: string(id)}
	var meta string
	var ms int64
	err := q.QueryRowContext(ctx, `SELECT bucket, name, meta, checksum_alg, initiated_ms FROM uploads WHERE id = ?`, string(id)).
		Scan(&u.bucket, &u.name, &meta, &u.checksumAlg, &ms)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && (u.bucket != bucket || u.name != key)) {
		return u, gofakes3.ErrorMessage(gofakes3.ErrNoSuchUpload, "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.")
	}
	if err != nil {
		return u, fmt.Errorf("s3local: read upload %s: %w", id, err)
	}
	u.initiated = time.UnixMilli(ms).UTC()
	if err := json.Unmarshal([]byte(meta), &u.meta); err != nil {
		return u, fmt.Errorf("s3local: corrupt metadata of upload %s: %w", id, err)
	}
	return u, nil
}

// CreateMultipartUpload starts an upload; the metadata given here is the object's.
func (b *Backend) CreateMultipartUpload(bucket, key string, meta map[string]string) (gofakes3.UploadID, error) {
	ctx := context.Background()
	id := randomID(24)
	alg := ""
	if a := strings.ToUpper(meta["X-Amz-Checksum-Algorithm"]); newChecksum(a) != nil {
		alg = a
	}
	m, err := json.Marshal(storedMeta(meta))
	if err != nil {
		return "", fmt.Errorf("s3local: encode metadata: %w", err)
	}
	err = b.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := versioning(ctx, tx, bucket); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO uploads(id, bucket, name, meta, checksum_alg, initiated_ms) VALUES(?, ?, ?, ?, ?, ?)`,
			id, bucket, key, string(m), alg, b.now().UnixMilli()); err != nil {
			return fmt.Errorf("s3local: create upload: %w", err)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return gofakes3.UploadID(id), nil
}

// UploadPart streams one part to disk; re-sending a part number replaces the part.
func (b *Backend) UploadPart(bucket, key string, id gofakes3.UploadID, partNumber int, contentLength int64, input io.Reader) (string, error) {
	ctx := context.Background()
	if partNumber < 1 || partNumber > gofakes3.MaxUploadPartNumber {
		return "", gofakes3.ErrInvalidPart
	}
	if contentLength > MaxObjectSize {
		return "", errEntityTooLarge(contentLength, MaxObjectSize)
	}
	if _, err := getUpload(ctx, b.db, bucket, key, id); err != nil {
		return "", err
	}
	w, err := b.writeBlob(ctx, input, contentLength, contentLength, "", b.partPath)
	if err != nil {
		return "", err
	}
	var garbage []string
	err = b.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := getUpload(ctx, tx, bucket, key, id); err != nil {
			return err // completed or aborted while the part was arriving
		}
		var old string
		err := tx.QueryRowContext(ctx, `SELECT blob FROM parts WHERE upload_id = ? AND number = ?`, string(id), partNumber).Scan(&old)
		switch {
		case err == nil:
			garbage = append(garbage, b.partPath(old))
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("s3local: read part: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO parts(upload_id, number, size, md5, blob, modified_ms) VALUES(?, ?, ?, ?, ?, ?)`,
			string(id), partNumber, w.size, w.md5, w.blob, b.now().UnixMilli()); err != nil {
			return fmt.Errorf("s3local: record part: %w", err)
		}
		return nil
	})
	if err != nil {
		b.removeFiles(ctx, w.path)
		return "", err
	}
	b.removeFiles(ctx, garbage...)
	return gofakes3.FormatETag(w.md5), nil
}

type part struct {
	number   int
	size     int64
	md5      []byte
	blob     string
	modified time.Time
}

func listParts(ctx context.Context, q querier, id string, after int, limit int64) ([]part, error) {
	rows, err := q.QueryContext(ctx, `SELECT number, size, md5, blob, modified_ms FROM parts WHERE upload_id = ? AND number > ? ORDER BY number LIMIT ?`, id, after, limit)
	if err != nil {
		return nil, fmt.Errorf("s3local: list parts: %w", err)
	}
	defer rows.Close()
	var out []part
	for rows.Next() {
		var p part
		var ms int64
		if err := rows.Scan(&p.number, &p.size, &p.md5, &p.blob, &ms); err != nil {
			return nil, fmt.Errorf("s3local: list parts: %w", err)
		}
		p.modified = time.UnixMilli(ms).UTC()
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("s3local: list parts: %w", err)
	}
	return out, nil
}

// CompleteMultipartUpload assembles the listed parts into a new object version.
func (b *Backend) CompleteMultipartUpload(bucket, key string, id gofakes3.UploadID, in *gofakes3.CompleteMultipartUploadRequest) (gofakes3.VersionID, string, error) {
	ctx := context.Background()
	u, err := getUpload(ctx, b.db, bucket, key, id)
	if err != nil {
		return "", "", err
	}
	if len(in.Parts) == 0 {
		return "", "", gofakes3.ErrorMessage(gofakes3.ErrMalformedXML, "The XML you provided did not list any part.")
	}
	have, err := listParts(ctx, b.db, u.id, 0, gofakes3.MaxUploadPartNumber)
	if err != nil {
		return "", "", err
	}
	byNumber := map[int]part{}
	for _, p := range have {
		byNumber[p.number] = p
	}
	var total int64
	files := make([]*os.File, 0, len(in.Parts))
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	readers := make([]io.Reader, 0, len(in.Parts))
	for i, cp := range in.Parts {
		if i > 0 && cp.PartNumber <= in.Parts[i-1].PartNumber {
			return "", "", gofakes3.ErrInvalidPartOrder
		}
		p, ok := byNumber[cp.PartNumber]
		if !ok || strings.Trim(cp.ETag, `"`) != hex.EncodeToString(p.md5) {
			return "", "", gofakes3.ErrorMessagef(gofakes3.ErrInvalidPart, "One or more of the specified parts could not be found or its ETag did not match (part %d).", cp.PartNumber)
		}
		// Open every part now: a part replaced by a concurrent UploadPart keeps its inode
		// until closed, so the object is made of exactly the parts that were validated.
		f, err := os.Open(b.partPath(p.blob))
		if err != nil {
			return "", "", fmt.Errorf("s3local: open part %d: %w", p.number, err)
		}
		files = append(files, f)
		readers = append(readers, f)
		total += p.size
	}
	if total > maxMultipartObjectSize {
		return "", "", errEntityTooLarge(total, maxMultipartObjectSize)
	}
	w, err := b.writeBlob(ctx, io.MultiReader(readers...), total, total, u.checksumAlg, b.objectPath)
	if err != nil {
		return "", "", err
	}
	v := newVersion{blob: w.blob, size: w.size, md5: w.md5, meta: u.meta, checksumAlg: u.checksumAlg, checksum: w.checksum}
	var vid string
	var garbage []string
	err = b.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := getUpload(ctx, tx, bucket, key, id); err != nil {
			return err // completed or aborted concurrently
		}
		parts, err := strings1(ctx, tx, `SELECT blob FROM parts WHERE upload_id = ?`, u.id)
		if err != nil {
			return fmt.Errorf("s3local: list part files: %w", err)
		}
		if vid, garbage, err = b.commitVersion(ctx, tx, bucket, key, v, nil); err != nil {
			return err
		}
		for _, p := range parts {
			garbage = append(garbage, b.partPath(p))
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM uploads WHERE id = ?`, u.id); err != nil {
			return fmt.Errorf("s3local: delete upload: %w", err)
		}
		return nil
	})
	if err != nil {
		b.removeFiles(ctx, w.path)
		return "", "", err
	}
	b.removeFiles(ctx, garbage...)
	b.log.DebugContext(ctx, "s3local: multipart upload completed", "bucket", bucket, "key", key, "version", vid, "size", w.size, "parts", len(in.Parts))
	return gofakes3.VersionID(vid), gofakes3.FormatETag(w.md5), nil
}

// AbortMultipartUpload discards an upload and its parts.
func (b *Backend) AbortMultipartUpload(bucket, key string, id gofakes3.UploadID) error {
	ctx := context.Background()
	var garbage []string
	err := b.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := getUpload(ctx, tx, bucket, key, id); err != nil {
			return err
		}
		parts, err := strings1(ctx, tx, `SELECT blob FROM parts WHERE upload_id = ?`, string(id))
		if err != nil {
			return fmt.Errorf("s3local: list part files: %w", err)
		}
		for _, p := range parts {
			garbage = append(garbage, b.partPath(p))
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM uploads WHERE id = ?`, string(id)); err != nil {
			return fmt.Errorf("s3local: delete upload: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	b.removeFiles(ctx, garbage...)
	return nil
}

// ListParts lists an upload's parts after part number marker.
func (b *Backend) ListParts(bucket, key string, id gofakes3.UploadID, marker int, limit int64) (*gofakes3.ListMultipartUploadPartsResult, error) {
	ctx := context.Background()
	if _, err := getUpload(ctx, b.db, bucket, key, id); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > gofakes3.MaxUploadPartsLimit {
		limit = gofakes3.DefaultMaxUploadParts
	}
	parts, err := listParts(ctx, b.db, string(id), marker, limit+1)
	if err != nil {
		return nil, err
	}
	res := &gofakes3.ListMultipartUploadPartsResult{
		Bucket: bucket, Key: key, UploadID: id, StorageClass: gofakes3.StorageStandard,
		PartNumberMarker: marker, MaxParts: limit,
	}
	if int64(len(parts)) > limit {
		parts = parts[:limit]
		res.IsTruncated = true
		res.NextPartNumberMarker = parts[len(parts)-1].number
	}
	for _, p := range parts {
		res.Parts = append(res.Parts, gofakes3.ListMultipartUploadPartItem{
			PartNumber: p.number, LastModified: gofakes3.NewContentTime(p.modified), ETag: gofakes3.FormatETag(p.md5), Size: p.size,
		})
	}
	return res, nil
}

// ListMultipartUploads lists unfinished uploads by key, then initiation time, with prefix,
// delimiter and (key-marker, upload-id-marker) paging. It reads all of a bucket's uploads:
// there are few of them in a local store.
func (b *Backend) ListMultipartUploads(bucket string, marker *gofakes3.UploadListMarker, prefix gofakes3.Prefix, limit int64) (*gofakes3.ListMultipartUploadsResult, error) {
	ctx := context.Background()
	if err := b.requireBucket(ctx, bucket); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > gofakes3.MaxUploadsLimit {
		limit = gofakes3.DefaultMaxUploads
	}
	rows, err := b.db.QueryContext(ctx, `SELECT id, name, initiated_ms FROM uploads WHERE bucket = ? ORDER BY name, initiated_ms, id`, bucket)
	if err != nil {
		return nil, fmt.Errorf("s3local: list uploads: %w", err)
	}
	var all []upload
	for rows.Next() {
		var u upload
		var ms int64
		if err := rows.Scan(&u.id, &u.name, &ms); err != nil {
			rows.Close()
			return nil, fmt.Errorf("s3local: list uploads: %w", err)
		}
		u.initiated = time.UnixMilli(ms).UTC()
		all = append(all, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("s3local: list uploads: %w", err)
	}
	res := &gofakes3.ListMultipartUploadsResult{Bucket: bucket, Prefix: prefix.Prefix, Delimiter: prefix.Delimiter, MaxUploads: limit}
	l := newListing(&prefix)
	start := 0
	if marker != nil {
		res.KeyMarker, res.UploadIDMarker = marker.Object, marker.UploadID
		start = sort.Search(len(all), func(i int) bool { return all[i].name > marker.Object })
		if marker.UploadID != "" {
			// Uploads of the marker key after the marker upload come first.
			for i, u := range all {
				if u.name == marker.Object && u.id == string(marker.UploadID) {
					start = i + 1
					break
				}
			}
		}
	}
	var count int64
	seen := map[string]bool{}
	for _, u := range all[start:] {
		if !strings.HasPrefix(u.name, l.prefix) {
			continue
		}
		cp, isCP := l.commonPrefix(u.name)
		if isCP && seen[cp] {
			continue
		}
		if count == limit {
			res.IsTruncated = true
			break
		}
		count++
		if isCP {
			seen[cp] = true
			res.CommonPrefixes = append(res.CommonPrefixes, gofakes3.CommonPrefix{Prefix: cp})
			res.NextKeyMarker, res.NextUploadIDMarker = cp, ""
			continue
		}
		res.Uploads = append(res.Uploads, gofakes3.ListMultipartUploadItem{
			Key: u.name, UploadID: gofakes3.UploadID(u.id), StorageClass: gofakes3.StorageStandard, Initiated: gofakes3.NewContentTime(u.initiated),
		})
		res.NextKeyMarker, res.NextUploadIDMarker = u.name, gofakes3.UploadID(u.id)
	}
	if !res.IsTruncated {
		res.NextKeyMarker, res.NextUploadIDMarker = "", ""
	}
	return res, nil
}
