package s3local

// migrations are applied in order; PRAGMA user_version records how many have run. Never edit
// a released migration: append a new one.
var migrations = []string{
	// 1: buckets, object versions, multipart uploads.
	`
CREATE TABLE buckets (
	name       TEXT PRIMARY KEY,
	created_ms INTEGER NOT NULL,
	-- '' (never enabled), 'Enabled' or 'Suspended', as GetBucketVersioning reports it.
	versioning TEXT NOT NULL DEFAULT ''
) STRICT;

-- One row per object version or delete marker. version_id '' is S3's "null" version: the
-- only version in a bucket that never had versioning, or the one a suspended bucket writes.
-- seq orders the versions of a key (newest has the largest seq).
CREATE TABLE objects (
	seq           INTEGER PRIMARY KEY AUTOINCREMENT,
	bucket        TEXT NOT NULL REFERENCES buckets(name) ON DELETE CASCADE,
	name          TEXT NOT NULL,
	version_id    TEXT NOT NULL,
	is_latest     INTEGER NOT NULL,
	delete_marker INTEGER NOT NULL DEFAULT 0,
	size          INTEGER NOT NULL DEFAULT 0,
	md5           BLOB,
	blob          TEXT,                       -- content file under objects/; NULL for a delete marker
	meta          TEXT NOT NULL DEFAULT '{}', -- JSON: Content-Type, X-Amz-Meta-*, ...
	checksum_alg  TEXT NOT NULL DEFAULT '',   -- CRC32, CRC32C, CRC64NVME, SHA1, SHA256 or ''
	checksum      TEXT NOT NULL DEFAULT '',   -- base64, as in the x-amz-checksum-* header
	modified_ms   INTEGER NOT NULL,
	UNIQUE (bucket, name, version_id)
) STRICT;
-- At most one latest version per key; it is also the index ListObjects walks.
CREATE UNIQUE INDEX objects_latest ON objects(bucket, name) WHERE is_latest = 1;
-- ListObjectVersions order: key ascending, newest version first.
CREATE INDEX objects_versions ON objects(bucket, name, seq DESC);

CREATE TABLE uploads (
	id           TEXT PRIMARY KEY,
	bucket       TEXT NOT NULL REFERENCES buckets(name) ON DELETE CASCADE,
	name         TEXT NOT NULL,
	meta         TEXT NOT NULL DEFAULT '{}',
	checksum_alg TEXT NOT NULL DEFAULT '',
	initiated_ms INTEGER NOT NULL
) STRICT;
CREATE INDEX uploads_name ON uploads(bucket, name, initiated_ms);

CREATE TABLE parts (
	upload_id   TEXT NOT NULL REFERENCES uploads(id) ON DELETE CASCADE,
	number      INTEGER NOT NULL,
	size        INTEGER NOT NULL,
	md5         BLOB NOT NULL,
	blob        TEXT NOT NULL, -- file under parts/
	modified_ms INTEGER NOT NULL,
	PRIMARY KEY (upload_id, number)
) STRICT;
`,
}
