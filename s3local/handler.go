package s3local

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/johannesboyne/gofakes3"
)

// Handler returns an http.Handler serving the S3 REST API, path-style
// (http://host/bucket/key), from b. opts are passed to gofakes3.New after these defaults:
// logs to b's logger, no automatic bucket creation (a missing bucket is NoSuchBucket, as in
// S3), Content-MD5 checked. gofakes3 keeps its 15-minute x-amz-date skew check. The handler
// does not authenticate requests (gofakes3 accepts any credentials): mount it behind SigV4
// verification.
//
// Between net/http and gofakes3 the handler fixes what gofakes3 v1.2.0 gets wrong:
//   - CopyObject honours the source versionId and reports the new version's id, and
//     UploadPartCopy exists (copy.go);
//   - user metadata headers go out in lower case, as S3 sends them;
//   - HEAD ?versionId= is answered from that version (gofakes3 ignores the version id and
//     reports the latest version's size, ETag and metadata); DELETE ?versionId=null deletes
//     the null version (gofakes3 treats "null" as no version id and adds a delete marker);
//     GET or HEAD of a delete marker's version id is 405 MethodNotAllowed (gofakes3: 404);
//   - a Range header that is not one well-formed byte range is ignored, the whole object
//     served with 200, as S3 does (gofakes3 answers several ranges with 501, bad ones 416);
//   - aws-chunked bodies of every variant are decoded and their trailing checksum verified
//     (gofakes3 decodes only signed, trailer-less chunks and would store the framing);
//   - x-amz-content-sha256, x-amz-checksum-* and (outside object data, where gofakes3 does not)
//     Content-MD5 are verified against the bytes received, answering 400 BadDigest;
//   - an object or part over 5 GiB is refused with 400 EntityTooLarge before any byte is read,
//     and non-object bodies (XML documents gofakes3 reads whole into memory) are capped;
//   - query subresources gofakes3 does not implement (?tagging, ?acl, ?policy, ...) get 501
//     NotImplemented: gofakes3 would route them as plain object or bucket requests, so
//     PutObjectTagging would overwrite the object with the tagging XML and DeleteBucketPolicy
//     would delete the bucket.
func (b *Backend) Handler(opts ...gofakes3.Option) http.Handler {
	base := []gofakes3.Option{
		gofakes3.WithLogger(slogAdapter{b.log}),
		gofakes3.WithAutoBucket(false),
		gofakes3.WithIntegrityCheck(true),
	}
	fake := gofakes3.New(b, append(base, opts...)...)
	return &handler{b: b, next: fake.Server()}
}

// maxDocumentBody caps request bodies that are XML documents rather than object data
// (CompleteMultipartUpload with 10,000 parts is about 1 MB; DeleteObjects with 1,000 keys of
// 1 KiB about 1.1 MB). gofakes3 reads these whole into memory.
const maxDocumentBody = 8 << 20

type handler struct {
	b    *Backend
	next http.Handler
}

// knownParams are the query parameters gofakes3 routes correctly, plus harmless ones.
var knownParams = map[string]bool{
	"prefix": true, "delimiter": true, "marker": true, "max-keys": true, "list-type": true,
	"continuation-token": true, "start-after": true, "fetch-owner": true, "encoding-type": true,
	"key-marker": true, "version-id-marker": true, "upload-id-marker": true, "max-uploads": true,
	"part-number-marker": true, "max-parts": true, "partNumber": true, "versionId": true,
	"uploadId": true, "uploads": true, "versioning": true, "versions": true, "delete": true,
	"location": true, "x-id": true, "optional-object-attributes": true,
	// ListBuckets paging (gofakes3 returns every bucket in one untruncated page, which is valid).
	"max-buckets": true, "bucket-region": true,
}

func unsupportedParam(r *http.Request) string {
	for k := range r.URL.Query() {
		lk := strings.ToLower(k)
		if knownParams[k] || strings.HasPrefix(lk, "response-") || strings.HasPrefix(lk, "x-amz-") {
			continue
		}
		return k
	}
	return ""
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	bucket, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if p := unsupportedParam(r); p != "" {
		writeError(w, r, http.StatusNotImplemented, "NotImplemented", fmt.Sprintf("The %q subresource or parameter is not implemented by this S3 endpoint.", p))
		return
	}
	if r.Method == http.MethodPut || r.Method == http.MethodPost {
		if !h.prepareBody(w, r, key) {
			return
		}
	}
	if key != "" {
		q := r.URL.Query()
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			w = &metaCaseWriter{ResponseWriter: w}
			ignoreInvalidRange(r)
		}
		if r.Method == http.MethodPut && r.Header.Get("X-Amz-Copy-Source") != "" {
			if q.Has("uploadId") {
				h.uploadPartCopy(w, r, bucket, key)
			} else {
				h.copyObject(w, r, bucket, key)
			}
			return
		}
		switch v, ok := q["versionId"]; {
		case ok && r.Method == http.MethodHead && len(v) > 0 && v[0] != "":
			h.headVersion(w, r, bucket, key, v[0])
			return
		case ok && r.Method == http.MethodGet && len(v) > 0 && v[0] != "" && h.deleteMarker(w, r, bucket, key, v[0]):
			return
		case ok && r.Method == http.MethodDelete && len(v) > 0 && v[0] == "null":
			h.deleteNullVersion(w, r, bucket, key)
			return
		}
	}
	h.next.ServeHTTP(w, r)
}

// BuffersBody reports whether the handler holds r's body in memory: an XML document
// (CompleteMultipartUpload, DeleteObjects, PutBucketVersioning, ...; at most 8 MiB) rather
// than object data, which is streamed to disk. A server that bounds the memory of unfinished
// bodies counts these.
func BuffersBody(r *http.Request) bool {
	if r.Method != http.MethodPut && r.Method != http.MethodPost {
		return false
	}
	_, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	return !isObjectData(r, key)
}

// isObjectData reports whether r's body is object data: PutObject and UploadPart (a copy's
// body is empty; its data is server-side).
func isObjectData(r *http.Request, key string) bool {
	return r.Method == http.MethodPut && key != "" && r.Header.Get("X-Amz-Copy-Source") == "" &&
		!r.URL.Query().Has("versioning")
}

// prepareBody decodes and guards a PUT or POST body as described on Handler. It answers the
// request itself and returns false when the body is refused up front.
func (h *handler) prepareBody(w http.ResponseWriter, r *http.Request, key string) bool {
	q := r.URL.Query()
	data := isObjectData(r, key)
	_, completing := q["uploadId"]
	completing = completing && r.Method == http.MethodPost

	sha := r.Header.Get("X-Amz-Content-Sha256")
	chunked := strings.HasPrefix(sha, "STREAMING-") || hasToken(r.Header.Get("Content-Encoding"), "aws-chunked")
	trailerAlg := ""
	size := r.ContentLength
	if chunked {
		dl := r.Header.Get("X-Amz-Decoded-Content-Length")
		n, err := strconv.ParseInt(dl, 10, 64)
		if err != nil || n < 0 {
			writeError(w, r, http.StatusLengthRequired, "MissingContentLength", "An aws-chunked body needs x-amz-decoded-content-length.")
			return false
		}
		size = n
		if t := r.Header.Get("X-Amz-Trailer"); t != "" {
			if trailerAlg = algFromHeader(t); trailerAlg == "" {
				writeError(w, r, http.StatusBadRequest, "InvalidArgument", fmt.Sprintf("Unsupported x-amz-trailer %q.", t))
				return false
			}
		}
	}
	limit := int64(MaxObjectSize)
	if !data {
		limit = maxDocumentBody
	}
	if size > limit {
		code := "EntityTooLarge"
		if !data {
			code = "MaxMessageLengthExceeded"
		}
		writeError(w, r, http.StatusBadRequest, code, fmt.Sprintf("Your proposed upload size %d exceeds the maximum allowed size %d.", size, limit))
		return false
	}

	body := r.Body
	if chunked {
		body = chunkedBody{newChunkedReader(r.Body, size, trailerAlg), r.Body}
		r.ContentLength = size
		r.Header.Set("Content-Length", strconv.FormatInt(size, 10))
		// So gofakes3 does not try to decode the chunks a second time.
		r.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
		if ce := stripToken(r.Header.Get("Content-Encoding"), "aws-chunked"); ce != "" {
			r.Header.Set("Content-Encoding", ce)
		} else {
			r.Header.Del("Content-Encoding")
		}
	} else if len(sha) == 64 {
		vr, ok := verifySHA256(body, sha)
		if !ok {
			writeError(w, r, http.StatusBadRequest, "InvalidArgument", "x-amz-content-sha256 must be a hex SHA-256 digest, UNSIGNED-PAYLOAD or a STREAMING-* value.")
			return false
		}
		body = vr
	}
	// On CompleteMultipartUpload an x-amz-checksum-* header is the checksum of the assembled
	// object, not of the XML body, so it is left alone there.
	if !completing && trailerAlg == "" {
		for _, alg := range checksumAlgorithms {
			v := r.Header.Get(checksumHeader(alg))
			if v == "" {
				continue
			}
			vr, ok := verifyChecksum(body, alg, v)
			if !ok {
				writeError(w, r, http.StatusBadRequest, "InvalidDigest", fmt.Sprintf("The %s value is not a valid %s checksum.", checksumHeader(alg), alg))
				return false
			}
			body = vr
		}
	}
	if !data {
		if v := r.Header.Get("Content-Md5"); v != "" {
			vr, ok := verifyChecksum(body, "MD5", v)
			if !ok {
				writeError(w, r, http.StatusBadRequest, "InvalidDigest", "The Content-MD5 you specified was invalid.")
				return false
			}
			body = vr
		}
		body = &limitedBody{r: body, left: limit}
	}
	r.Body = body
	return true
}

// limitedBody fails a body without a declared length once it passes the limit, with an error
// gofakes3 answers as a 400 (an *http.MaxBytesError would become a retried 500).
type limitedBody struct {
	r    io.ReadCloser
	left int64
}

func (l *limitedBody) Read(p []byte) (int, error) {
	if l.left <= 0 {
		return 0, gofakes3.ErrorMessage(gofakes3.ErrInvalidArgument, "request body too large")
	}
	if int64(len(p)) > l.left {
		p = p[:l.left+1]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if l.left < 0 {
		return n, gofakes3.ErrorMessage(gofakes3.ErrInvalidArgument, "request body too large")
	}
	return n, err
}

func (l *limitedBody) Close() error { return l.r.Close() }

func hasToken(list, tok string) bool {
	for _, t := range strings.Split(list, ",") {
		if strings.EqualFold(strings.TrimSpace(t), tok) {
			return true
		}
	}
	return false
}

func stripToken(list, tok string) string {
	var keep []string
	for _, t := range strings.Split(list, ",") {
		if t = strings.TrimSpace(t); t != "" && !strings.EqualFold(t, tok) {
			keep = append(keep, t)
		}
	}
	return strings.Join(keep, ",")
}

// headVersion answers HEAD /bucket/key?versionId=v from that version, with the headers
// gofakes3 would write for the latest one. A delete marker gets 405 with
// x-amz-delete-marker, as in S3.
func (h *handler) headVersion(w http.ResponseWriter, r *http.Request, bucket, key, vid string) {
	hdr := w.Header()
	hdr.Set("x-amz-request-id", randomID(12))
	hdr.Set("Server", "AmazonS3")
	obj, err := h.b.HeadObjectVersion(bucket, key, gofakes3.VersionID(vid))
	if err != nil {
		status := http.StatusInternalServerError
		var s3err gofakes3.Error
		if errors.As(err, &s3err) {
			status = s3err.ErrorCode().Status()
		} else {
			h.b.log.ErrorContext(r.Context(), "s3local: head version", "bucket", bucket, "key", key, "version", vid, "err", err)
		}
		w.WriteHeader(status) // HEAD: no body, so no error document
		return
	}
	defer obj.Contents.Close()
	if obj.IsDeleteMarker {
		writeDeleteMarker(w, r, obj, vid)
		return
	}
	for k, v := range obj.Metadata {
		hdr.Set(k, v)
	}
	if obj.VersionID != "" {
		hdr.Set("x-amz-version-id", string(obj.VersionID))
	} else {
		hdr.Set("x-amz-version-id", "null")
	}
	etag := gofakes3.FormatETag(obj.Hash)
	hdr.Set("ETag", etag)
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if ims, err := time.Parse(http.TimeFormat, r.Header.Get("If-Modified-Since")); err == nil {
		if lm, err := time.Parse(http.TimeFormat, obj.Metadata["Last-Modified"]); err == nil && !ims.Before(lm) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	hdr.Set("Accept-Ranges", "bytes")
	rng, err := parseRange(r.Header.Get("Range"))
	if err == nil {
		var or *gofakes3.ObjectRange
		if or, err = rng.Range(obj.Size); err == nil && or != nil {
			hdr.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", or.Start, or.Start+or.Length-1, obj.Size))
			hdr.Set("Content-Length", strconv.FormatInt(or.Length, 10))
			w.WriteHeader(http.StatusPartialContent)
			return
		}
	}
	if err != nil {
		w.WriteHeader(http.StatusRequestedRangeNotSatisfiable)
		return
	}
	hdr.Set("Content-Length", strconv.FormatInt(obj.Size, 10))
	w.WriteHeader(http.StatusOK)
}

// ignoreInvalidRange drops a Range header S3 does not honour, so that the whole object is
// served with 200, as S3 does and RFC 9110 (section 14.2) allows: one that is not a single
// well-formed "bytes=" range (bytes=abc, bytes=5-2, another unit), several ranges
// (bytes=0-1,3-4), or several Range headers. A well-formed range beyond the end stays, for
// 416 InvalidRange.
func ignoreInvalidRange(r *http.Request) {
	v := r.Header.Values("Range")
	if len(v) == 0 {
		return
	}
	if _, err := parseRange(v[0]); len(v) > 1 || err != nil {
		r.Header.Del("Range")
	}
}

// deleteMarker answers GET /bucket/key?versionId=v when v is a delete marker, as S3 does: 405
// MethodNotAllowed with x-amz-delete-marker, the marker's version id and Last-Modified
// (gofakes3 would answer 404). It reports whether it answered; any other version, or an error
// looking it up, is left to gofakes3.
func (h *handler) deleteMarker(w http.ResponseWriter, r *http.Request, bucket, key, vid string) bool {
	obj, err := h.b.HeadObjectVersion(bucket, key, gofakes3.VersionID(vid))
	if err != nil {
		return false
	}
	obj.Contents.Close()
	if !obj.IsDeleteMarker {
		return false
	}
	writeDeleteMarker(w, r, obj, vid)
	return true
}

// writeDeleteMarker writes S3's 405 for a GET or HEAD of a delete marker's version id.
func writeDeleteMarker(w http.ResponseWriter, r *http.Request, obj *gofakes3.Object, vid string) {
	hdr := w.Header()
	hdr.Set("x-amz-version-id", vid)
	hdr.Set("x-amz-delete-marker", "true")
	hdr.Set("Allow", "DELETE")
	if lm := obj.Metadata["Last-Modified"]; lm != "" {
		hdr.Set("Last-Modified", lm)
	}
	writeError(w, r, http.StatusMethodNotAllowed, "MethodNotAllowed", "The specified method is not allowed against this resource.")
}

// parseRange parses a single "bytes=" range (S3 supports no more); nil for no header.
func parseRange(s string) (*gofakes3.ObjectRangeRequest, error) {
	if s == "" {
		return nil, nil
	}
	spec, ok := strings.CutPrefix(s, "bytes=")
	if !ok || strings.Contains(spec, ",") {
		return nil, gofakes3.ErrInvalidRange
	}
	a, z, ok := strings.Cut(strings.TrimSpace(spec), "-")
	if !ok {
		return nil, gofakes3.ErrInvalidRange
	}
	if a == "" {
		n, err := strconv.ParseInt(z, 10, 64)
		if err != nil {
			return nil, gofakes3.ErrInvalidRange
		}
		return &gofakes3.ObjectRangeRequest{FromEnd: true, End: n}, nil
	}
	start, err := strconv.ParseInt(a, 10, 64)
	if err != nil || start < 0 {
		return nil, gofakes3.ErrInvalidRange
	}
	if z == "" {
		return &gofakes3.ObjectRangeRequest{Start: start, End: gofakes3.RangeNoEnd}, nil
	}
	end, err := strconv.ParseInt(z, 10, 64)
	if err != nil || end < start {
		return nil, gofakes3.ErrInvalidRange
	}
	return &gofakes3.ObjectRangeRequest{Start: start, End: end}, nil
}

// deleteNullVersion answers DELETE /bucket/key?versionId=null by removing the null version.
func (h *handler) deleteNullVersion(w http.ResponseWriter, r *http.Request, bucket, key string) {
	res, err := h.b.DeleteObjectVersion(bucket, key, "null")
	if err != nil {
		h.writeS3Error(w, r, err)
		return
	}
	w.Header().Set("x-amz-request-id", randomID(12))
	w.Header().Set("x-amz-version-id", "null")
	w.Header().Set("x-amz-delete-marker", strconv.FormatBool(res.IsDeleteMarker))
	w.WriteHeader(http.StatusNoContent)
}

// writeError writes an S3 XML error document (headers only for HEAD).
func writeError(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	id := randomID(12)
	w.Header().Set("x-amz-request-id", id)
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	if r.Method == http.MethodHead {
		return
	}
	_, _ = io.WriteString(w, xml.Header)
	_ = xml.NewEncoder(w).Encode(gofakes3.ErrorResponse{Code: gofakes3.ErrorCode(code), Message: msg, RequestID: id})
}

// slogAdapter sends gofakes3's log lines to slog. gofakes3 logs every request at INFO;
// those become DEBUG here.
type slogAdapter struct{ l *slog.Logger }

func (a slogAdapter) Print(level gofakes3.LogLevel, v ...any) {
	msg := "gofakes3: " + strings.TrimSpace(fmt.Sprintln(v...))
	switch level {
	case gofakes3.LogErr:
		a.l.Error(msg)
	case gofakes3.LogWarn:
		a.l.Warn(msg)
	default:
		a.l.Debug(msg)
	}
}
