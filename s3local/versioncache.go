package s3local

import (
	"context"
	"sync"
)

// versionCache keeps the rows of object versions that the in-process accessors (StatObject,
// OpenObject) have read by version id: the worker reads each SBOM version once or twice, and a
// query costs the pure-Go SQLite tens of microseconds. The cache is right because this Backend
// is the only writer of its directory (the directory lock) and every write of an object row
// commits through inTx, which empties the cache once it has committed (written).
type versionCache struct {
	mu     sync.Mutex
	gen    uint64 // incremented by every write
	rows   map[versionKey]row
	closed bool // the Backend is closed: reads go to the (closed) database and fail
}

type versionKey struct{ bucket, key, versionID string }

// maxCachedVersions bounds the cache; it is emptied when full.
const maxCachedVersions = 4096

// written forgets every row: a write has committed (or failed) since they were read.
func (c *versionCache) written() {
	c.mu.Lock()
	c.gen++
	clear(c.rows)
	c.mu.Unlock()
}

// close empties the cache for good.
func (c *versionCache) close() {
	c.mu.Lock()
	c.closed = true
	c.rows = nil
	c.mu.Unlock()
}

// lookupVersion is lookup of the version versionID, through the cache. (Lookups of the latest
// version do not come here: which version that is changes with every PUT.)
func (b *Backend) lookupVersion(ctx context.Context, bucket, key, versionID string) (row, error) {
	c := &b.versions
	k := versionKey{bucket, key, versionID}
	c.mu.Lock()
	r, ok := c.rows[k]
	gen := c.gen
	c.mu.Unlock()
	if ok {
		return r, nil
	}
	r, err := lookup(ctx, b.q(), bucket, key, &versionID)
	if err != nil {
		return r, err
	}
	c.mu.Lock()
	// A write that committed since gen was read may have changed the row read: keep it only
	// if none did.
	if c.gen == gen && !c.closed {
		if c.rows == nil || len(c.rows) >= maxCachedVersions {
			c.rows = make(map[versionKey]row)
		}
		c.rows[k] = r
	}
	c.mu.Unlock()
	return r, nil
}
