package s3local_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

var versionIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{32}$`)

// TestSDK drives the backend through the official Go SDK, once with the SDK's default
// checksums (CRC32, WhenSupported) and once with RequestChecksumCalculation=WhenRequired.
func TestSDK(t *testing.T) {
	for _, mode := range []struct {
		name string
		calc aws.RequestChecksumCalculation
	}{
		{"WhenSupported", aws.RequestChecksumCalculationWhenSupported},
		{"WhenRequired", aws.RequestChecksumCalculationWhenRequired},
	} {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			s := startServer(t, t.TempDir(), false)
			c := s.client(t, mode.calc)
			testBuckets(t, c)
			testVersioning(t, c, mode.calc)
			testUnversioned(t, c)
			testRange(t, c)
			testListObjectsV2(t, c)
			testCopyAndMultiDelete(t, c)
			testMultipart(t, c, mode.calc)
			testIntegrity(t, c, mode.calc)
			testConditionalPut(t, c)
			testUnsupported(t, s, c)
		})
	}
}

func testBuckets(t *testing.T, c *s3.Client) {
	ctx := context.Background()
	for _, b := range []string{"versioned", "plain"} {
		if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
			t.Fatalf("CreateBucket %s: %v", b, err)
		}
		if _, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(b)}); err != nil {
			t.Fatalf("HeadBucket %s: %v", b, err)
		}
	}
	_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("plain")})
	if bae := (*types.BucketAlreadyExists)(nil); !errors.As(err, &bae) {
		t.Errorf("second CreateBucket: want BucketAlreadyExists, got %v", err)
	}
	_, err = c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("missing")})
	if nf := (*types.NotFound)(nil); !errors.As(err, &nf) {
		t.Errorf("HeadBucket missing: want NotFound, got %v", err)
	}
	// GetObject does not model NoSuchBucket as a typed error; the code is what callers test.
	_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("missing"), Key: aws.String("k")})
	if apiCode(err) != "NoSuchBucket" || httpStatus(err) != http.StatusNotFound {
		t.Errorf("GetObject in missing bucket: want 404 NoSuchBucket, got %v", err)
	}
	_, err = c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("missing")})
	if nsb := (*types.NoSuchBucket)(nil); !errors.As(err, &nsb) {
		t.Errorf("ListObjectsV2 missing bucket: want NoSuchBucket, got %v", err)
	}
	out, err := c.ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, b := range out.Buckets {
		names = append(names, aws.ToString(b.Name))
		if b.CreationDate == nil {
			t.Errorf("bucket %s has no CreationDate", aws.ToString(b.Name))
		}
	}
	if !slices.Equal(names, []string{"plain", "versioned"}) {
		t.Errorf("ListBuckets = %v", names)
	}
}

func testVersioning(t *testing.T, c *s3.Client, calc aws.RequestChecksumCalculation) {
	ctx := context.Background()
	bucket, key := "versioned", "dir/sbom.json"
	v, err := c.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: &bucket})
	if err != nil || v.Status != "" {
		t.Fatalf("GetBucketVersioning before = %q, %v; want unset", v.Status, err)
	}
	if _, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: &bucket,
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}
	if v, err = c.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: &bucket}); err != nil || v.Status != types.BucketVersioningStatusEnabled {
		t.Fatalf("GetBucketVersioning after = %q, %v", v.Status, err)
	}

	body1, body2 := []byte(`{"first":"version"}`), []byte(`{"second":"version, longer"}`)
	v1 := put(t, c, bucket, key, body1, map[string]string{"gen": "1", "only-in-1": "x"})
	v2 := put(t, c, bucket, key, body2, map[string]string{"gen": "2"})
	if v1 == v2 || !versionIDPattern.MatchString(v1) || !versionIDPattern.MatchString(v2) {
		t.Fatalf("version ids %q, %q: want two distinct 32-character URL-safe ids", v1, v2)
	}

	// HEAD and GET by version id return exactly that version: size, ETag and its own
	// metadata (gofakes3 alone reports the latest version on HEAD ?versionId=, and its
	// in-memory backend carries old metadata into new versions).
	for _, tc := range []struct {
		vid  string
		body []byte
		meta map[string]string
	}{
		{v1, body1, map[string]string{"gen": "1", "only-in-1": "x"}},
		{v2, body2, map[string]string{"gen": "2"}},
	} {
		h, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &bucket, Key: &key, VersionId: aws.String(tc.vid)})
		if err != nil {
			t.Fatalf("HeadObject %s: %v", tc.vid, err)
		}
		if aws.ToInt64(h.ContentLength) != int64(len(tc.body)) || aws.ToString(h.ETag) != etagOf(tc.body) ||
			aws.ToString(h.VersionId) != tc.vid || !mapsEqual(h.Metadata, tc.meta) {
			t.Errorf("HeadObject %s = len %d etag %s version %s meta %v; want len %d etag %s meta %v", tc.vid,
				aws.ToInt64(h.ContentLength), aws.ToString(h.ETag), aws.ToString(h.VersionId), h.Metadata,
				len(tc.body), etagOf(tc.body), tc.meta)
		}
		out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: &key, VersionId: aws.String(tc.vid)})
		if aws.ToString(out.VersionId) != tc.vid || !mapsEqual(out.Metadata, tc.meta) {
			t.Errorf("GetObject %s: version %s meta %v", tc.vid, aws.ToString(out.VersionId), out.Metadata)
		}
		if got := readAll(t, out, err); !bytes.Equal(got, tc.body) {
			t.Errorf("GetObject %s = %q, want %q", tc.vid, got, tc.body)
		}
	}
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: &key})
	if aws.ToString(out.VersionId) != v2 {
		t.Errorf("GetObject latest version = %s, want %s", aws.ToString(out.VersionId), v2)
	}
	if got := readAll(t, out, err); !bytes.Equal(got, body2) {
		t.Errorf("GetObject latest = %q", got)
	}

	// Errors.
	_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: aws.String("nope")})
	if nsk := (*types.NoSuchKey)(nil); !errors.As(err, &nsk) {
		t.Errorf("GetObject missing key: want NoSuchKey, got %v", err)
	}
	_, err = c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &bucket, Key: aws.String("nope")})
	if nf := (*types.NotFound)(nil); !errors.As(err, &nf) {
		t.Errorf("HeadObject missing key: want NotFound, got %v", err)
	}
	bogus := strings.Repeat("A", 32)
	_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: &key, VersionId: &bogus})
	if apiCode(err) != "NoSuchVersion" || httpStatus(err) != http.StatusNotFound {
		t.Errorf("GetObject unknown version: want 404 NoSuchVersion, got %v", err)
	}
	_, err = c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &bucket, Key: &key, VersionId: &bogus})
	if httpStatus(err) != http.StatusNotFound {
		t.Errorf("HeadObject unknown version: want 404, got %v", err)
	}

	// Another key, so version listings span keys.
	v3 := put(t, c, bucket, "dir/other.json", []byte("other"), nil)

	// Delete: a delete marker hides the key, old versions stay readable by id.
	del, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &bucket, Key: &key})
	if err != nil || !aws.ToBool(del.DeleteMarker) || !versionIDPattern.MatchString(aws.ToString(del.VersionId)) {
		t.Fatalf("DeleteObject = marker %v version %q, %v", aws.ToBool(del.DeleteMarker), aws.ToString(del.VersionId), err)
	}
	marker := aws.ToString(del.VersionId)
	_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: &key})
	if nsk := (*types.NoSuchKey)(nil); !errors.As(err, &nsk) {
		t.Errorf("GetObject after delete: want NoSuchKey, got %v", err)
	}
	if got := getBody(t, c, &s3.GetObjectInput{Bucket: &bucket, Key: &key, VersionId: &v1}); !bytes.Equal(got, body1) {
		t.Errorf("version 1 after delete = %q", got)
	}
	// GET and HEAD of the marker's version id: 405 with S3's headers, as S3 answers.
	var raw *http.Response
	captureRaw := func(o *s3.Options) {
		o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
			return st.Deserialize.Add(middleware.DeserializeMiddlewareFunc("raw", func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
				out, md, err := next.HandleDeserialize(ctx, in)
				if resp, ok := out.RawResponse.(*smithyhttp.Response); ok {
					raw = resp.Response
				}
				return out, md, err
			}), middleware.After)
		})
	}
	for _, op := range []string{"GetObject", "HeadObject"} {
		raw = nil
		if op == "GetObject" {
			_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: &key, VersionId: &marker}, captureRaw)
		} else {
			_, err = c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &bucket, Key: &key, VersionId: &marker}, captureRaw)
		}
		if httpStatus(err) != http.StatusMethodNotAllowed || (op == "GetObject" && apiCode(err) != "MethodNotAllowed") {
			t.Errorf("%s of a delete marker: want 405 MethodNotAllowed, got %v", op, err)
		}
		if raw == nil || raw.Header.Get("X-Amz-Delete-Marker") != "true" || raw.Header.Get("X-Amz-Version-Id") != marker || raw.Header.Get("Last-Modified") == "" {
			t.Errorf("%s of a delete marker: headers %v", op, raw)
		}
	}

	want := []listed{
		{"dir/other.json", v3, true, false, 5},
		{key, marker, true, true, 0},
		{key, v2, false, false, len(body2)},
		{key, v1, false, false, len(body1)},
	}
	for _, maxKeys := range []int32{1, 2, 3, 1000} {
		if got := listVersions(t, c, bucket, "", maxKeys); !slices.Equal(got, want) {
			t.Errorf("ListObjectVersions MaxKeys=%d:\n got %v\nwant %v", maxKeys, got, want)
		}
	}
	if got := listVersions(t, c, bucket, "dir/o", 1); !slices.Equal(got, want[:1]) {
		t.Errorf("ListObjectVersions prefix dir/o = %v", got)
	}
	lv, err := c.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: &bucket, Delimiter: aws.String("/")})
	if err != nil || len(lv.CommonPrefixes) != 1 || aws.ToString(lv.CommonPrefixes[0].Prefix) != "dir/" || len(lv.Versions)+len(lv.DeleteMarkers) != 0 {
		t.Errorf("ListObjectVersions delimiter: %+v, %v", lv, err)
	}

	// Removing the delete marker brings version 2 back; removing version 1 makes it NoSuchVersion.
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &bucket, Key: &key, VersionId: &marker}); err != nil {
		t.Fatal(err)
	}
	if got := getBody(t, c, &s3.GetObjectInput{Bucket: &bucket, Key: &key}); !bytes.Equal(got, body2) {
		t.Errorf("latest after removing the marker = %q", got)
	}
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &bucket, Key: &key, VersionId: &v1}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: &key, VersionId: &v1})
	if apiCode(err) != "NoSuchVersion" {
		t.Errorf("GetObject of a deleted version: want NoSuchVersion, got %v", err)
	}
	// Deleting the latest version promotes the previous one; a bucket holding versions cannot be deleted.
	v4 := put(t, c, bucket, key, []byte("v4"), nil)
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &bucket, Key: &key, VersionId: &v4}); err != nil {
		t.Fatal(err)
	}
	if out, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &bucket, Key: &key}); err != nil || aws.ToString(out.VersionId) != v2 {
		t.Errorf("latest after deleting the newest version = %v, %v; want %s", out, err, v2)
	}
	_, err = c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: &bucket})
	if apiCode(err) != "BucketNotEmpty" {
		t.Errorf("DeleteBucket with versions: want BucketNotEmpty, got %v", err)
	}
}

func getBody(t *testing.T, c *s3.Client, in *s3.GetObjectInput) []byte {
	t.Helper()
	out, err := c.GetObject(context.Background(), in)
	return readAll(t, out, err)
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

type listed struct {
	key, version   string
	latest, marker bool
	size           int
}

func (l listed) String() string {
	return fmt.Sprintf("{%s %s latest=%v marker=%v size=%d}", l.key, l.version, l.latest, l.marker, l.size)
}

// listVersions pages through ListObjectVersions with NextKeyMarker/NextVersionIdMarker and
// merges versions and delete markers back into S3's order (the XML interleaves them; the
// SDK splits them into two slices, each in order).
func listVersions(t *testing.T, c *s3.Client, bucket, prefix string, maxKeys int32) []listed {
	t.Helper()
	var out []listed
	in := &s3.ListObjectVersionsInput{Bucket: &bucket, MaxKeys: &maxKeys}
	if prefix != "" {
		in.Prefix = &prefix
	}
	for page := 0; ; page++ {
		if page > 100 {
			t.Fatal("ListObjectVersions does not terminate")
		}
		res, err := c.ListObjectVersions(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(res.Versions) + len(res.DeleteMarkers); n > int(maxKeys) {
			t.Fatalf("page of %d entries with MaxKeys %d", n, maxKeys)
		}
		var pageItems []listed
		for _, v := range res.Versions {
			pageItems = append(pageItems, listed{aws.ToString(v.Key), aws.ToString(v.VersionId), aws.ToBool(v.IsLatest), false, int(aws.ToInt64(v.Size))})
		}
		for _, d := range res.DeleteMarkers {
			pageItems = append(pageItems, listed{aws.ToString(d.Key), aws.ToString(d.VersionId), aws.ToBool(d.IsLatest), true, 0})
		}
		// Within a page, entries are in key order and newest first; a delete marker with
		// IsLatest sorts before the versions of its key. Pages used here keep that simple.
		slices.SortStableFunc(pageItems, func(a, b listed) int {
			if a.key != b.key {
				return strings.Compare(a.key, b.key)
			}
			if a.latest != b.latest {
				if a.latest {
					return -1
				}
				return 1
			}
			return 0
		})
		out = append(out, pageItems...)
		if !aws.ToBool(res.IsTruncated) {
			return out
		}
		in.KeyMarker, in.VersionIdMarker = res.NextKeyMarker, res.NextVersionIdMarker
	}
}

func testUnversioned(t *testing.T, c *s3.Client) {
	ctx := context.Background()
	bucket, key := "plain", "report.json"
	if vid := put(t, c, bucket, key, []byte("one"), map[string]string{"a": "1"}); vid != "" {
		t.Errorf("PutObject in an unversioned bucket returned version %q", vid)
	}
	put(t, c, bucket, key, []byte("two!"), nil)
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: &key})
	if len(out.Metadata) != 0 {
		t.Errorf("overwrite kept the old metadata: %v", out.Metadata)
	}
	if got := readAll(t, out, err); string(got) != "two!" {
		t.Errorf("after overwrite = %q", got)
	}
	if got := listVersions(t, c, bucket, "", 1000); !slices.Equal(got, []listed{{key, "null", true, false, 4}}) {
		t.Errorf("versions of an unversioned bucket = %v", got)
	}
	del, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &bucket, Key: &key})
	if err != nil || aws.ToBool(del.DeleteMarker) {
		t.Errorf("DeleteObject unversioned = marker %v, %v", aws.ToBool(del.DeleteMarker), err)
	}
	if got := listVersions(t, c, bucket, "", 1000); len(got) != 0 {
		t.Errorf("versions after delete = %v", got)
	}
	// Deleting a key that does not exist succeeds, as in S3.
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &bucket, Key: aws.String("never")}); err != nil {
		t.Errorf("DeleteObject of a missing key: %v", err)
	}
}

func testRange(t *testing.T, c *s3.Client) {
	ctx := context.Background()
	body := []byte("0123456789abcdef")
	put(t, c, "plain", "range.bin", body, nil)
	for _, tc := range []struct {
		rng, want, contentRange string
	}{
		{"bytes=2-5", "2345", "bytes 2-5/16"},
		{"bytes=10-", "abcdef", "bytes 10-15/16"},
		{"bytes=-3", "def", "bytes 13-15/16"},
		{"bytes=14-100", "ef", "bytes 14-15/16"},
		{"bytes=0-15", string(body), "bytes 0-15/16"},
	} {
		out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("plain"), Key: aws.String("range.bin"), Range: &tc.rng})
		if err == nil && (aws.ToString(out.ContentRange) != tc.contentRange || aws.ToInt64(out.ContentLength) != int64(len(tc.want))) {
			t.Errorf("Range %s: Content-Range %q length %d", tc.rng, aws.ToString(out.ContentRange), aws.ToInt64(out.ContentLength))
		}
		if got := readAll(t, out, err); string(got) != tc.want {
			t.Errorf("Range %s = %q, want %q", tc.rng, got, tc.want)
		}
	}
	// What S3 does not honour is ignored (RFC 9110): the whole object, 200.
	for _, rng := range []string{"bytes=0-1,3-4", "bytes=abc", "bytes=5-2", "items=0-1", "bytes=", "bytes=-"} {
		out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("plain"), Key: aws.String("range.bin"), Range: aws.String(rng)})
		if err == nil && out.ContentRange != nil {
			t.Errorf("Range %s: Content-Range %q", rng, aws.ToString(out.ContentRange))
		}
		if got := readAll(t, out, err); string(got) != string(body) {
			t.Errorf("Range %s = %q, want the whole object", rng, got)
		}
		head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("plain"), Key: aws.String("range.bin"), Range: aws.String(rng)})
		if err != nil || aws.ToInt64(head.ContentLength) != int64(len(body)) {
			t.Errorf("HeadObject Range %s: %v", rng, err)
		}
	}
	_, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("plain"), Key: aws.String("range.bin"), Range: aws.String("bytes=16-")})
	if apiCode(err) != "InvalidRange" || httpStatus(err) != http.StatusRequestedRangeNotSatisfiable {
		t.Errorf("Range past the end: want 416 InvalidRange, got %v", err)
	}
}

func testListObjectsV2(t *testing.T, c *s3.Client) {
	ctx := context.Background()
	bucket := "plain"
	keys := []string{"list/a/1", "list/a/2", "list/a/b/3", "list/b/4", "list/c", "list/d/5", "list/d/6", "list/e"}
	for _, k := range keys {
		put(t, c, bucket, k, []byte(k), nil)
	}
	for _, tc := range []struct {
		name, prefix, delim string
		want                []string // keys and "P:" common prefixes, in S3's order
	}{
		{"prefix only", "list/a/", "", []string{"list/a/1", "list/a/2", "list/a/b/3"}},
		{"prefix and delimiter", "list/a/", "/", []string{"list/a/1", "list/a/2", "P:list/a/b/"}},
		{"top level", "list/", "/", []string{"P:list/a/", "P:list/b/", "list/c", "P:list/d/", "list/e"}},
		{"partial segment", "list/d", "/", []string{"P:list/d/"}},
		{"no match", "zzz", "/", nil},
		{"everything", "list/", "", keys},
	} {
		for _, maxKeys := range []int32{1, 2, 3, 1000} {
			t.Run(fmt.Sprintf("%s/MaxKeys=%d", tc.name, maxKeys), func(t *testing.T) {
				in := &s3.ListObjectsV2Input{Bucket: &bucket, Prefix: &tc.prefix, MaxKeys: &maxKeys}
				if tc.delim != "" {
					in.Delimiter = &tc.delim
				}
				var got []string
				pages := 0
				for p := s3.NewListObjectsV2Paginator(c, in); p.HasMorePages(); pages++ {
					if pages > 50 {
						t.Fatal("paginator does not terminate")
					}
					out, err := p.NextPage(ctx)
					if err != nil {
						t.Fatal(err)
					}
					if n := len(out.Contents) + len(out.CommonPrefixes); n > int(maxKeys) || int32(n) != aws.ToInt32(out.KeyCount) {
						t.Fatalf("page with %d entries, KeyCount %d, MaxKeys %d", n, aws.ToInt32(out.KeyCount), maxKeys)
					}
					got = append(got, mergeListing(out)...)
				}
				if !slices.Equal(got, tc.want) {
					t.Errorf("got %v, want %v", got, tc.want)
				}
			})
		}
	}
	// StartAfter.
	out, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: &bucket, Prefix: aws.String("list/"), StartAfter: aws.String("list/d/5")})
	if err != nil || !slices.Equal(mergeListing(out), []string{"list/d/6", "list/e"}) {
		t.Errorf("StartAfter = %v, %v", mergeListing(out), err)
	}
}

// mergeListing interleaves Contents and CommonPrefixes in key order, as S3 ranks them.
func mergeListing(out *s3.ListObjectsV2Output) []string {
	var all []string
	for _, o := range out.Contents {
		all = append(all, aws.ToString(o.Key))
	}
	for _, p := range out.CommonPrefixes {
		all = append(all, "P:"+aws.ToString(p.Prefix))
	}
	slices.SortFunc(all, func(a, b string) int {
		return strings.Compare(strings.TrimPrefix(a, "P:"), strings.TrimPrefix(b, "P:"))
	})
	return all
}

func testCopyAndMultiDelete(t *testing.T, c *s3.Client) {
	ctx := context.Background()
	put(t, c, "plain", "src", []byte("copy me"), map[string]string{"origin": "src"})
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("versioned"), Key: aws.String("dst"),
		CopySource: aws.String("plain/src")}); err != nil {
		t.Fatal(err)
	}
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("versioned"), Key: aws.String("dst")})
	if err == nil && out.Metadata["origin"] != "src" {
		t.Errorf("copy metadata = %v", out.Metadata)
	}
	if got := readAll(t, out, err); string(got) != "copy me" {
		t.Errorf("copy = %q", got)
	}
	// The copy is independent of its source.
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("plain"), Key: aws.String("src")}); err != nil {
		t.Fatal(err)
	}
	if got := getBody(t, c, &s3.GetObjectInput{Bucket: aws.String("versioned"), Key: aws.String("dst")}); string(got) != "copy me" {
		t.Errorf("copy after deleting the source = %q", got)
	}

	// Copy a specific source version into a versioned bucket: the new object gets a version
	// of its own, and the response names both.
	v1 := put(t, c, "versioned", "cp/src", []byte("first"), map[string]string{"n": "1"})
	put(t, c, "versioned", "cp/src", []byte("second"), map[string]string{"n": "2"})
	cp, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("versioned"), Key: aws.String("cp/dst"),
		CopySource: aws.String("versioned/cp/src?versionId=" + v1)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(cp.CopySourceVersionId) != v1 || !versionIDPattern.MatchString(aws.ToString(cp.VersionId)) || aws.ToString(cp.VersionId) == v1 {
		t.Errorf("CopyObject versions: source %q new %q (v1 %q)", aws.ToString(cp.CopySourceVersionId), aws.ToString(cp.VersionId), v1)
	}
	out, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("versioned"), Key: aws.String("cp/dst"), VersionId: cp.VersionId})
	if err == nil && out.Metadata["n"] != "1" {
		t.Errorf("copied metadata = %v", out.Metadata)
	}
	if got := readAll(t, out, err); string(got) != "first" {
		t.Errorf("copy of version 1 = %q", got)
	}
	// REPLACE takes the request's metadata; a failed x-amz-copy-source-if-match copies nothing.
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("versioned"), Key: aws.String("cp/dst"), CopySource: aws.String("versioned/cp/src"),
		MetadataDirective: types.MetadataDirectiveReplace, Metadata: map[string]string{"fresh": "yes"}, ContentType: aws.String("text/plain")}); err != nil {
		t.Fatal(err)
	}
	if h, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("versioned"), Key: aws.String("cp/dst")}); err != nil ||
		!mapsEqual(h.Metadata, map[string]string{"fresh": "yes"}) || aws.ToString(h.ContentType) != "text/plain" || aws.ToInt64(h.ContentLength) != 6 {
		t.Errorf("REPLACE copy: %+v, %v", h, err)
	}
	_, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("versioned"), Key: aws.String("cp/dst"), CopySource: aws.String("versioned/cp/src"),
		CopySourceIfMatch: aws.String(`"00000000000000000000000000000000"`)})
	if apiCode(err) != "PreconditionFailed" {
		t.Errorf("copy with a failing if-match: %v", err)
	}
	// UploadPartCopy, with and without a range.
	mp, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("plain"), Key: aws.String("cp/parts")})
	if err != nil {
		t.Fatal(err)
	}
	var parts []types.CompletedPart
	for i, rng := range []*string{aws.String("bytes=1-3"), nil} {
		n := int32(i + 1)
		pc, err := c.UploadPartCopy(ctx, &s3.UploadPartCopyInput{Bucket: aws.String("plain"), Key: aws.String("cp/parts"), UploadId: mp.UploadId,
			PartNumber: &n, CopySource: aws.String("versioned/cp/src?versionId=" + v1), CopySourceRange: rng})
		if err != nil {
			t.Fatalf("UploadPartCopy %d: %v", n, err)
		}
		parts = append(parts, types.CompletedPart{PartNumber: &n, ETag: pc.CopyPartResult.ETag})
	}
	if _, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("plain"), Key: aws.String("cp/parts"), UploadId: mp.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}}); err != nil {
		t.Fatal(err)
	}
	if got := getBody(t, c, &s3.GetObjectInput{Bucket: aws.String("plain"), Key: aws.String("cp/parts")}); string(got) != "irsfirst" {
		t.Errorf("object from UploadPartCopy = %q", got)
	}

	for _, k := range []string{"m1", "m2"} {
		put(t, c, "plain", k, []byte(k), nil)
	}
	res, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String("plain"), Delete: &types.Delete{
		Objects: []types.ObjectIdentifier{{Key: aws.String("m1")}, {Key: aws.String("m2")}, {Key: aws.String("m3")}}}})
	if err != nil || len(res.Deleted) != 3 || len(res.Errors) != 0 {
		t.Fatalf("DeleteObjects = %+v, %v", res, err)
	}
	if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("plain"), Key: aws.String("m1")}); httpStatus(err) != http.StatusNotFound {
		t.Errorf("m1 after DeleteObjects: %v", err)
	}
}

func testMultipart(t *testing.T, c *s3.Client, calc aws.RequestChecksumCalculation) {
	ctx := context.Background()
	bucket, key := "versioned", "big/assembled.zip"
	parts := [][]byte{bytes.Repeat([]byte("a"), 5<<20), bytes.Repeat([]byte("b"), 1234)}
	mp, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: &bucket, Key: &key,
		Metadata: map[string]string{"kind": "multipart"}, ContentType: aws.String("application/zip")})
	if err != nil {
		t.Fatal(err)
	}
	var done []types.CompletedPart
	for i, p := range parts {
		n := int32(i + 1)
		out, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: &bucket, Key: &key, UploadId: mp.UploadId, PartNumber: &n, Body: bytes.NewReader(p)})
		if err != nil {
			t.Fatalf("UploadPart %d: %v", n, err)
		}
		if aws.ToString(out.ETag) != etagOf(p) {
			t.Errorf("part %d ETag %s", n, aws.ToString(out.ETag))
		}
		done = append(done, types.CompletedPart{PartNumber: &n, ETag: out.ETag, ChecksumCRC32: out.ChecksumCRC32})
	}
	lp, err := c.ListParts(ctx, &s3.ListPartsInput{Bucket: &bucket, Key: &key, UploadId: mp.UploadId})
	if err != nil || len(lp.Parts) != 2 || aws.ToInt64(lp.Parts[1].Size) != 1234 {
		t.Fatalf("ListParts = %+v, %v", lp, err)
	}
	ups, err := c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: &bucket})
	if err != nil || len(ups.Uploads) != 1 || aws.ToString(ups.Uploads[0].UploadId) != aws.ToString(mp.UploadId) {
		t.Fatalf("ListMultipartUploads = %+v, %v", ups, err)
	}
	// A wrong ETag is refused and leaves the upload intact.
	bad := []types.CompletedPart{{PartNumber: aws.Int32(1), ETag: aws.String(`"00000000000000000000000000000000"`)}}
	_, err = c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: &bucket, Key: &key, UploadId: mp.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: bad}})
	if apiCode(err) != "InvalidPart" {
		t.Errorf("Complete with a wrong ETag: want InvalidPart, got %v", err)
	}
	cm, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: &bucket, Key: &key, UploadId: mp.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: done}})
	if err != nil {
		t.Fatal(err)
	}
	whole := bytes.Join(parts, nil)
	if !versionIDPattern.MatchString(aws.ToString(cm.VersionId)) || aws.ToString(cm.ETag) != etagOf(whole) {
		t.Errorf("Complete = version %q ETag %s", aws.ToString(cm.VersionId), aws.ToString(cm.ETag))
	}
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: &key, VersionId: cm.VersionId})
	if err == nil && (out.Metadata["kind"] != "multipart" || aws.ToString(out.ContentType) != "application/zip" || aws.ToString(out.ETag) != etagOf(whole)) {
		t.Errorf("assembled object: meta %v type %s etag %s", out.Metadata, aws.ToString(out.ContentType), aws.ToString(out.ETag))
	}
	if got := readAll(t, out, err); !bytes.Equal(got, whole) {
		t.Errorf("assembled object has %d bytes, want %d", len(got), len(whole))
	}
	if _, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: &bucket, Key: &key, UploadId: mp.UploadId, PartNumber: aws.Int32(3), Body: bytes.NewReader([]byte("x"))}); apiCode(err) != "NoSuchUpload" {
		t.Errorf("UploadPart after Complete: want NoSuchUpload, got %v", err)
	}

	// Abort.
	mp2, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: &bucket, Key: aws.String("big/aborted")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: &bucket, Key: aws.String("big/aborted"), UploadId: mp2.UploadId, PartNumber: aws.Int32(1), Body: bytes.NewReader([]byte("x"))}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: &bucket, Key: aws.String("big/aborted"), UploadId: mp2.UploadId}); err != nil {
		t.Fatal(err)
	}
	_, err = c.ListParts(ctx, &s3.ListPartsInput{Bucket: &bucket, Key: aws.String("big/aborted"), UploadId: mp2.UploadId})
	if apiCode(err) != "NoSuchUpload" {
		t.Errorf("ListParts after Abort: want NoSuchUpload, got %v", err)
	}
}

func testIntegrity(t *testing.T, c *s3.Client, calc aws.RequestChecksumCalculation) {
	ctx := context.Background()
	bucket, key := "plain", "integrity"
	body := []byte("checksummed body")
	put(t, c, bucket, key, body, nil)

	// With the default settings the SDK sent a CRC32, which is stored and returned (and the
	// SDK validates the body against it on GET); WhenRequired sends none.
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: &key, ChecksumMode: types.ChecksumModeEnabled})
	got := readAll(t, out, err)
	wantCRC := ""
	if calc == aws.RequestChecksumCalculationWhenSupported {
		wantCRC = crc32Of(body)
	}
	if !bytes.Equal(got, body) || aws.ToString(out.ChecksumCRC32) != wantCRC {
		t.Errorf("GetObject = %q crc32 %q, want crc32 %q", got, aws.ToString(out.ChecksumCRC32), wantCRC)
	}

	// A body that does not match its declared digest is refused and changes nothing.
	for _, tc := range []struct {
		name string
		in   s3.PutObjectInput
	}{
		{"Content-MD5", s3.PutObjectInput{ContentMD5: aws.String("1B2M2Y8AsgTpgAmY7PhCfg==")}},
		{"x-amz-checksum-crc32", s3.PutObjectInput{ChecksumCRC32: aws.String("AAAAAA==")}},
		{"x-amz-checksum-sha256", s3.PutObjectInput{ChecksumSHA256: aws.String("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")}},
	} {
		in := tc.in
		in.Bucket, in.Key, in.Body = &bucket, &key, bytes.NewReader([]byte("tampered"))
		_, err := c.PutObject(ctx, &in)
		if apiCode(err) != "BadDigest" || httpStatus(err) != http.StatusBadRequest {
			t.Errorf("%s mismatch: want 400 BadDigest, got %v", tc.name, err)
		}
	}
	if got := getBody(t, c, &s3.GetObjectInput{Bucket: &bucket, Key: &key}); !bytes.Equal(got, body) {
		t.Errorf("object after refused PUTs = %q", got)
	}
}

func testConditionalPut(t *testing.T, c *s3.Client) {
	ctx := context.Background()
	in := func(body string) *s3.PutObjectInput {
		return &s3.PutObjectInput{Bucket: aws.String("plain"), Key: aws.String("once"), Body: strings.NewReader(body), IfNoneMatch: aws.String("*")}
	}
	if _, err := c.PutObject(ctx, in("first")); err != nil {
		t.Fatal(err)
	}
	_, err := c.PutObject(ctx, in("second"))
	if apiCode(err) != "PreconditionFailed" {
		t.Errorf("If-None-Match * on an existing key: want PreconditionFailed, got %v", err)
	}
}

// testUnsupported checks that subresources gofakes3 would misroute are refused, not
// mistaken for object or bucket operations.
func testUnsupported(t *testing.T, s *server, c *s3.Client) {
	ctx := context.Background()
	put(t, c, "plain", "tagged", []byte("payload"), nil)
	_, err := c.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{Bucket: aws.String("plain"), Key: aws.String("tagged"),
		Tagging: &types.Tagging{TagSet: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}})
	if httpStatus(err) != http.StatusNotImplemented {
		t.Errorf("PutObjectTagging: want 501, got %v", err)
	}
	if got := getBody(t, c, &s3.GetObjectInput{Bucket: aws.String("plain"), Key: aws.String("tagged")}); string(got) != "payload" {
		t.Errorf("object after PutObjectTagging = %q", got)
	}
	createBucket(t, c, "empty", false)
	if _, err := c.DeleteBucketPolicy(ctx, &s3.DeleteBucketPolicyInput{Bucket: aws.String("empty")}); httpStatus(err) != http.StatusNotImplemented {
		t.Errorf("DeleteBucketPolicy: want 501, got %v", err)
	}
	if _, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("empty")}); err != nil {
		t.Errorf("bucket after DeleteBucketPolicy: %v", err)
	}
	if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("empty")}); err != nil {
		t.Errorf("DeleteBucket of an empty bucket: %v", err)
	}
	// An oversized object is refused before any byte is read.
	resp := s.rawRequest(t, http.MethodPut, "/plain/huge", io.LimitReader(zeros{}, 0), map[string]string{
		"X-Amz-Content-Sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER", "Content-Encoding": "aws-chunked",
		"X-Amz-Decoded-Content-Length": fmt.Sprint(int64(5<<30) + 1)})
	if body, _ := io.ReadAll(resp.Body); resp.StatusCode != http.StatusBadRequest || !bytes.Contains(body, []byte("EntityTooLarge")) {
		t.Errorf("6 GiB PUT: %d %s", resp.StatusCode, body)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
