// Package s3local is a persistent, versioned S3 backend for gofakes3
// (github.com/johannesboyne/gofakes3): it lets one local process serve an S3-compatible
// endpoint whose buckets survive restarts, so an unmodified AWS SDK or CLI can create
// buckets, turn versioning on, upload objects (receiving version ids) and read them back by
// version id.
//
// Layout of the data directory given to Open:
//
//	s3.db          SQLite (WAL): buckets, versioning state, object versions and delete
//	               markers, metadata, sizes, MD5s, checksums, timestamps, multipart uploads
//	objects/xx/    one immutable content file per object version (xx = first two hex digits
//	               of the file's random name); a copy is a hard link
//	parts/         one file per uploaded multipart part until the upload completes or aborts
//	tmp/           bodies being received; emptied at Open
//	LOCK           held (flock) while a Backend is open, so two processes never share a dir
//
// Write order makes a crash at any point harmless: a body is streamed to tmp/, fsynced,
// renamed into place and its directory fsynced before the database row that names it is
// committed; a file is unlinked only after the row that named it is gone. Files that no row
// names (a crash between the two steps) are removed at the next Open.
//
// Bodies are never held in memory: PutObject, UploadPart and CompleteMultipartUpload stream
// through a fixed 1 MiB buffer, GetObject streams from the content file. Because gofakes3
// itself would otherwise keep multipart parts in memory, Backend also implements
// gofakes3.MultipartBackend on disk.
//
// Handler wraps the gofakes3 server with a thin layer that fixes what gofakes3 v1.2.0 gets
// wrong or leaves out (HEAD with a versionId, aws-chunked bodies with trailing checksums,
// x-amz-content-sha256 and x-amz-checksum-* verification, object size limits, bounded XML
// bodies); see handler.go.
package s3local
