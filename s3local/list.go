package s3local

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/johannesboyne/gofakes3"
)

// listing applies S3's prefix and delimiter rules: a key must start with prefix; if the rest
// of it contains the delimiter, it is rolled up into the common prefix that ends with the
// first delimiter after prefix. gofakes3's Prefix.Match is not used because it splits keys
// on the delimiter and trims leading delimiters, which differs from S3 for keys such as
// "/a" or "a//b".
type listing struct{ prefix, delim string }

func newListing(p *gofakes3.Prefix) listing {
	var l listing
	if p != nil {
		if p.HasPrefix {
			l.prefix = p.Prefix
		}
		if p.HasDelimiter {
			l.delim = p.Delimiter
		}
	}
	return l
}

// commonPrefix returns the common prefix key rolls up into; key must start with l.prefix.
func (l listing) commonPrefix(key string) (string, bool) {
	if l.delim == "" {
		return "", false
	}
	i := strings.Index(key[len(l.prefix):], l.delim)
	if i < 0 {
		return "", false
	}
	return key[:len(l.prefix)+i+len(l.delim)], true
}

// after returns the smallest string greater than every string starting with p (false if
// there is none). Keys compare as bytes, as SQLite's BINARY collation and S3 both do.
func after(p string) (string, bool) {
	b := []byte(p)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1]), true
		}
	}
	return "", false
}

// resume returns the smallest key a listing continues from after marker ("" = start). A
// marker that is a common prefix (the last entry of the previous page was one) skips every
// key under it, so a prefix is never listed twice.
func (l listing) resume(marker string) (string, bool) {
	from := l.prefix
	if marker == "" {
		return from, true
	}
	next := marker + "\x00" // the smallest string greater than marker
	if strings.HasPrefix(marker, l.prefix) {
		if cp, ok := l.commonPrefix(marker); ok {
			var more bool
			if next, more = after(cp); !more {
				return "", false
			}
		}
	}
	if next > from {
		from = next
	}
	return from, true
}

// upper returns the SQL condition and argument that keep name below every key after l.prefix.
func (l listing) upper() (string, []any) {
	if l.prefix == "" {
		return "", nil
	}
	if u, ok := after(l.prefix); ok {
		return ` AND name < ?`, []any{u}
	}
	return "", nil
}

// pageSize clamps MaxKeys; gofakes3 passes 0 to mean "not given".
func pageSize(n int64) int64 {
	if n <= 0 || n > gofakes3.DefaultMaxBucketKeys {
		return gofakes3.DefaultMaxBucketKeys
	}
	return n
}

// batch is how many rows one query fetches; a listing re-queries after each common prefix
// (to jump past its keys) or when a batch runs out.
const batch = 256

// walker is one listing's part in walk: its query, its rows and its page.
type walker struct {
	// query fetches up to batch rows from the listing's cursor, in key order.
	query func() (*sql.Rows, error)
	// scan reads the current row and returns its key.
	scan func(*sql.Rows) (string, error)
	// entry adds the row scanned last to the page and moves the cursor past it.
	entry func()
	// prefix adds the common prefix cp to the page and moves the cursor past every key under
	// it; false when no key can follow.
	prefix func(cp string) bool
	// truncate marks the page truncated: it is full and another entry follows.
	truncate func()
}

// walk is the scan both listings share. It queries a batch at a time from the cursor w keeps;
// a key under a delimiter rolls up into its common prefix, which counts as one entry and makes
// the next query jump past the prefix's keys. It stops after max entries (truncating the page
// if another follows) or when the rows run out.
func (l listing) walk(max int64, more bool, w walker) error {
	var count int64
	for more {
		rows, err := w.query()
		if err != nil {
			return err
		}
		n, jumped := 0, false
		for rows.Next() {
			n++
			key, err := w.scan(rows)
			if err != nil {
				rows.Close()
				return err
			}
			if count == max {
				w.truncate()
				more = false
				break
			}
			count++
			if cp, ok := l.commonPrefix(key); ok {
				more = w.prefix(cp)
				jumped = true
				break
			}
			w.entry()
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if !jumped && n < batch {
			break
		}
	}
	return nil
}

// ListBucket lists the latest, non-deleted versions in key order with prefix, delimiter and
// marker paging. NextMarker is always set on a truncated page (gofakes3 turns it into the V2
// continuation token) and is a common prefix when the page ended with one.
func (b *Backend) ListBucket(bucket string, prefix *gofakes3.Prefix, page gofakes3.ListBucketPage) (*gofakes3.ObjectList, error) {
	ctx := context.Background()
	if err := b.requireBucket(ctx, bucket); err != nil {
		return nil, err
	}
	l := newListing(prefix)
	out := gofakes3.NewObjectList()
	upperSQL, upperArgs := l.upper()
	from, more := l.resume(page.Marker)
	var last, name string
	var size, ms int64
	var md5 []byte
	err := l.walk(pageSize(page.MaxKeys), more, walker{
		query: func() (*sql.Rows, error) {
			return b.db.QueryContext(ctx, `SELECT name, size, md5, modified_ms FROM objects
				WHERE bucket = ? AND is_latest = 1 AND delete_marker = 0 AND name >= ?`+upperSQL+` ORDER BY name LIMIT ?`,
				append(append([]any{bucket, from}, upperArgs...), batch)...)
		},
		scan: func(rows *sql.Rows) (string, error) {
			err := rows.Scan(&name, &size, &md5, &ms)
			return name, err
		},
		entry: func() {
			out.Add(&gofakes3.Content{
				Key:          name,
				LastModified: gofakes3.NewContentTime(time.UnixMilli(ms).UTC()),
				ETag:         gofakes3.FormatETag(md5),
				Size:         size,
				StorageClass: gofakes3.StorageStandard,
			})
			last, from = name, name+"\x00"
		},
		prefix: func(cp string) (more bool) {
			out.AddPrefix(cp)
			last = cp
			from, more = after(cp)
			return more
		},
		truncate: func() { out.IsTruncated, out.NextMarker = true, last },
	})
	if err != nil {
		return nil, fmt.Errorf("s3local: list %s: %w", bucket, err)
	}
	return out, nil
}

// ListBucketVersions lists versions and delete markers by key, newest first within a key,
// paged by (key-marker, version-id-marker) = the last entry of the previous page, which is
// what NextKeyMarker and NextVersionIdMarker report (the null version as "null").
func (b *Backend) ListBucketVersions(bucket string, prefix *gofakes3.Prefix, page *gofakes3.ListBucketVersionsPage) (*gofakes3.ListBucketVersionsResult, error) {
	ctx := context.Background()
	if page == nil {
		page = &gofakes3.ListBucketVersionsPage{}
	}
	res := gofakes3.NewListBucketVersionsResult(bucket, prefix, page)
	if err := b.requireBucket(ctx, bucket); err != nil {
		return nil, err
	}
	l := newListing(prefix)
	upperSQL, upperArgs := l.upper()

	// The cursor: rows with name >= curName, except those of curName with seq >= curSeq.
	curName, curSeq, more := l.prefix, int64(math.MaxInt64), true
	switch {
	case page.HasVersionIDMarker && page.KeyMarker != "":
		var seq int64
		err := b.db.QueryRowContext(ctx, `SELECT seq FROM objects WHERE bucket = ? AND name = ? AND version_id = ?`,
			bucket, page.KeyMarker, *versionArg(page.VersionIDMarker)).Scan(&seq)
		if err == sql.ErrNoRows {
			return nil, gofakes3.ErrorInvalidArgument("version-id-marker", string(page.VersionIDMarker), "Invalid version id specified")
		}
		if err != nil {
			return nil, fmt.Errorf("s3local: list versions of %s: %w", bucket, err)
		}
		curName, curSeq = page.KeyMarker, seq
		if curName < l.prefix {
			curName, curSeq = l.prefix, math.MaxInt64
		}
	case page.KeyMarker != "":
		curName, more = l.resume(page.KeyMarker)
	}

	var lastKey, lastVersion string
	var r row
	err := l.walk(pageSize(page.MaxKeys), more, walker{
		query: func() (*sql.Rows, error) {
			return b.db.QueryContext(ctx, `SELECT `+rowCols+` FROM objects
				WHERE bucket = ? AND name >= ? AND NOT (name = ? AND seq >= ?)`+upperSQL+` ORDER BY name, seq DESC LIMIT ?`,
				append(append([]any{bucket, curName, curName, curSeq}, upperArgs...), batch)...)
		},
		scan: func(rows *sql.Rows) (string, error) {
			var err error
			r, err = scanRow(rows)
			return r.name, err
		},
		entry: func() {
			mod := gofakes3.NewContentTime(r.modified)
			vid := gofakes3.VersionID(r.versionID) // gofakes3 renders "" as "null"
			if r.deleteMarker {
				res.Versions = append(res.Versions, &gofakes3.DeleteMarker{Key: r.name, VersionID: vid, IsLatest: r.latest, LastModified: mod})
			} else {
				res.Versions = append(res.Versions, &gofakes3.Version{Key: r.name, VersionID: vid, IsLatest: r.latest, LastModified: mod,
					Size: r.size, ETag: gofakes3.FormatETag(r.md5), StorageClass: gofakes3.StorageStandard})
			}
			lastKey, lastVersion = r.name, r.versionID
			if lastVersion == "" {
				lastVersion = "null"
			}
			curName, curSeq = r.name, r.seq
		},
		prefix: func(cp string) (more bool) {
			res.AddPrefix(cp)
			lastKey, lastVersion = cp, ""
			curName, more = after(cp)
			curSeq = math.MaxInt64
			return more
		},
		truncate: func() {
			res.IsTruncated = true
			res.NextKeyMarker, res.NextVersionIDMarker = lastKey, gofakes3.VersionID(lastVersion)
		},
	})
	if err != nil {
		return nil, fmt.Errorf("s3local: list versions of %s: %w", bucket, err)
	}
	return res, nil
}
