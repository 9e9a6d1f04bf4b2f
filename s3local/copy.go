package s3local

import (
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/johannesboyne/gofakes3"
)

// Handler serves server-side copies itself. gofakes3 v1.2.0 ignores the source's versionId
// (it copies the latest version whatever was asked), reports the SOURCE version id as the new
// object's x-amz-version-id, and has no UploadPartCopy at all (it answers
// MissingContentLength), which the AWS CLI uses to copy anything above 8 MB.

// copySource parses x-amz-copy-source: "[/]bucket/key[?versionId=v]", key URL-encoded.
func copySource(v string) (bucket, key string, version *string, err error) {
	path, query, _ := strings.Cut(v, "?")
	if query != "" {
		q, perr := url.ParseQuery(query)
		if perr != nil || q.Get("versionId") == "" {
			return "", "", nil, gofakes3.ErrorMessage(gofakes3.ErrInvalidArgument, "Invalid copy source version id")
		}
		version = versionArg(gofakes3.VersionID(q.Get("versionId")))
	}
	// PathUnescape, not QueryUnescape: a "+" in a key is a plus sign.
	path, perr := url.PathUnescape(path)
	if perr != nil {
		return "", "", nil, gofakes3.ErrorMessage(gofakes3.ErrInvalidArgument, "Copy Source must mention the source bucket and key: sourcebucket/sourcekey")
	}
	bucket, key, ok := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	if !ok || bucket == "" || key == "" {
		return "", "", nil, gofakes3.ErrorMessage(gofakes3.ErrInvalidArgument, "Copy Source must mention the source bucket and key: sourcebucket/sourcekey")
	}
	return bucket, key, version, nil
}

// copyConditions checks the x-amz-copy-source-if-* headers against the source version.
func copyConditions(h http.Header) func(row) error {
	return func(src row) error {
		etag := strings.Trim(gofakes3.FormatETag(src.md5), `"`)
		failed := gofakes3.ErrorMessage(gofakes3.ErrPreconditionFailed, "At least one of the pre-conditions you specified did not hold")
		if v := h.Get("X-Amz-Copy-Source-If-Match"); v != "" && strings.Trim(v, `"`) != etag {
			return failed
		}
		if v := h.Get("X-Amz-Copy-Source-If-None-Match"); v != "" && strings.Trim(v, `"`) == etag {
			return failed
		}
		mod := src.modified.Truncate(time.Second)
		if t, err := http.ParseTime(h.Get("X-Amz-Copy-Source-If-Unmodified-Since")); err == nil && mod.After(t) {
			return failed
		}
		if t, err := http.ParseTime(h.Get("X-Amz-Copy-Source-If-Modified-Since")); err == nil && !mod.After(t) {
			return failed
		}
		return nil
	}
}

// requestMeta collects the headers S3 stores with an object (storedMeta picks among them).
func requestMeta(h http.Header) map[string]string {
	m := map[string]string{}
	for k, v := range h {
		if len(v) > 0 {
			m[k] = v[0]
		}
	}
	return storedMeta(m)
}

type copyResult struct {
	XMLName      xml.Name             `xml:"CopyObjectResult"`
	ETag         string               `xml:"ETag"`
	LastModified gofakes3.ContentTime `xml:"LastModified"`
}

type copyPartResult struct {
	XMLName      xml.Name             `xml:"CopyPartResult"`
	ETag         string               `xml:"ETag"`
	LastModified gofakes3.ContentTime `xml:"LastModified"`
}

// copyObject answers PUT /bucket/key with x-amz-copy-source.
func (h *handler) copyObject(w http.ResponseWriter, r *http.Request, bucket, key string) {
	srcBucket, srcKey, srcVersion, err := copySource(r.Header.Get("X-Amz-Copy-Source"))
	if err != nil {
		h.writeS3Error(w, r, err)
		return
	}
	if _, err := versioning(r.Context(), h.b.q(), bucket); err != nil {
		h.writeS3Error(w, r, err)
		return
	}
	var replace map[string]string
	if strings.EqualFold(r.Header.Get("X-Amz-Metadata-Directive"), "REPLACE") {
		replace = requestMeta(r.Header)
	}
	src, vid, err := h.b.copyObject(r.Context(), srcBucket, srcKey, srcVersion, bucket, key, replace, copyConditions(r.Header))
	if err != nil {
		h.writeS3Error(w, r, err)
		return
	}
	if src.versionID != "" {
		w.Header().Set("x-amz-copy-source-version-id", src.versionID)
	}
	if vid != "" {
		w.Header().Set("x-amz-version-id", vid)
	}
	writeXML(w, copyResult{ETag: gofakes3.FormatETag(src.md5), LastModified: gofakes3.NewContentTime(h.b.now())})
}

// uploadPartCopy answers PUT /bucket/key?partNumber=n&uploadId=u with x-amz-copy-source
// (and optionally x-amz-copy-source-range): the part is streamed from the source version.
func (h *handler) uploadPartCopy(w http.ResponseWriter, r *http.Request, bucket, key string) {
	q := r.URL.Query()
	part, err := strconv.Atoi(q.Get("partNumber"))
	if err != nil {
		h.writeS3Error(w, r, gofakes3.ErrInvalidPart)
		return
	}
	srcBucket, srcKey, srcVersion, err := copySource(r.Header.Get("X-Amz-Copy-Source"))
	if err != nil {
		h.writeS3Error(w, r, err)
		return
	}
	rng, err := parseRange(r.Header.Get("X-Amz-Copy-Source-Range"))
	if err != nil {
		h.writeS3Error(w, r, gofakes3.ErrorMessage(gofakes3.ErrInvalidArgument, "The x-amz-copy-source-range value must be of the form bytes=first-last."))
		return
	}
	src, obj, err := h.b.getRow(r.Context(), srcBucket, srcKey, srcVersion, rng, true)
	if err == nil && obj.IsDeleteMarker {
		err = errNoSuchKey()
	}
	if err == nil {
		err = copyConditions(r.Header)(src)
	}
	if err != nil {
		if obj != nil {
			obj.Contents.Close()
		}
		h.writeS3Error(w, r, err)
		return
	}
	defer obj.Contents.Close()
	size := obj.Size
	if obj.Range != nil {
		size = obj.Range.Length
	}
	etag, err := h.b.UploadPart(bucket, key, gofakes3.UploadID(q.Get("uploadId")), part, size, obj.Contents)
	if err != nil {
		h.writeS3Error(w, r, err)
		return
	}
	if src.versionID != "" {
		w.Header().Set("x-amz-copy-source-version-id", src.versionID)
	}
	writeXML(w, copyPartResult{ETag: etag, LastModified: gofakes3.NewContentTime(h.b.now())})
}

func writeXML(w http.ResponseWriter, v any) {
	w.Header().Set("x-amz-request-id", randomID(12))
	w.Header().Set("Content-Type", "application/xml")
	_, _ = io.WriteString(w, xml.Header)
	_ = xml.NewEncoder(w).Encode(v)
}

// writeS3Error answers with err's S3 code, or logs it and answers 500 InternalError.
func (h *handler) writeS3Error(w http.ResponseWriter, r *http.Request, err error) {
	var s3err gofakes3.Error
	if errors.As(err, &s3err) {
		msg := string(s3err.ErrorCode())
		var resp *gofakes3.ErrorResponse
		if errors.As(err, &resp) && resp.Message != "" {
			msg = resp.Message
		}
		writeError(w, r, s3err.ErrorCode().Status(), string(s3err.ErrorCode()), msg)
		return
	}
	h.b.log.ErrorContext(r.Context(), "s3local: request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	writeError(w, r, http.StatusInternalServerError, "InternalError", "We encountered an internal error. Please try again.")
}

// metaCaseWriter sends user metadata headers in lower case, as S3 does. net/http
// canonicalises header names ("X-Amz-Meta-Gen"); the Go SDK lower-cases metadata keys itself,
// but botocore (AWS CLI, boto3) keeps the case it receives and would report "Gen".
type metaCaseWriter struct {
	http.ResponseWriter
	fixed bool
}

func (m *metaCaseWriter) fix() {
	if m.fixed {
		return
	}
	m.fixed = true
	h := m.ResponseWriter.Header()
	for k, v := range h {
		if strings.HasPrefix(k, "X-Amz-Meta-") {
			delete(h, k)
			h[strings.ToLower(k)] = v
		}
	}
}

func (m *metaCaseWriter) WriteHeader(code int) {
	m.fix()
	m.ResponseWriter.WriteHeader(code)
}

func (m *metaCaseWriter) Write(p []byte) (int, error) {
	m.fix()
	return m.ResponseWriter.Write(p)
}

// ReadFrom keeps net/http's sendfile path for GET bodies served from a content file.
func (m *metaCaseWriter) ReadFrom(r io.Reader) (int64, error) {
	m.fix()
	return io.Copy(m.ResponseWriter, r)
}

func (m *metaCaseWriter) Unwrap() http.ResponseWriter { return m.ResponseWriter }
