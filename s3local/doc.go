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
// wrong or leaves out (HEAD with a versionId, copies of a version and UploadPartCopy,
// aws-chunked bodies with trailing checksums, x-amz-content-sha256 and x-amz-checksum-*
// verification, object size limits, bounded XML bodies, misrouted subresources); see
// handler.go. gofakes3 authenticates nothing: Authenticate verifies S3 SigV4 in front of it
// without reading the body, from the Authorization header or from a presigned URL's query
// string (X-Amz-Expires enforced, so job documents can hand devices URLs that expire), and
// SigV4Service tells which service a request was signed for, so one port can serve S3 next
// to another AWS API:
//
//	s3b, err := s3local.Open(filepath.Join(dataDir, "s3"))
//	...
//	defer s3b.Close() // after http.Server.Shutdown
//	s3h := s3local.Authenticate(s3b.Handler(), s3local.AuthConfig{Credentials: creds, Region: region})
//	root := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
//		if s3local.SigV4Service(r) == "s3" {
//			s3h.ServeHTTP(w, r) // no body cap here: objects go up to 5 GiB
//			return
//		}
//		iotAPI.ServeHTTP(w, r) // answers 403 to unsigned requests and to other services
//	})
//
// Serve root directly (an http.ServeMux in front would clean paths and redirect keys such as
// "a//b"), and set no ReadTimeout or WriteTimeout on the http.Server, only ReadHeaderTimeout:
// a 5 GiB body takes a while. In-process readers (the worker) can skip HTTP with OpenObject.
package s3local
