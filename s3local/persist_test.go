package s3local_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/sbomcat/sbomcat/s3local"
)

// TestPersistence writes through one server, closes it and its backend, opens the same
// directory behind a fresh server and finds everything as it was: buckets, versioning,
// version ids, delete markers, metadata, bytes and an unfinished multipart upload.
func TestPersistence(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := startServer(t, dir, false)
	c := s.client(t, aws.RequestChecksumCalculationWhenSupported)

	createBucket(t, c, "keep", true)
	createBucket(t, c, "flat", false)
	type stored struct {
		bucket, key, version string
		body                 []byte
		meta                 map[string]string
	}
	objs := []stored{
		{"keep", "sboms/a.json", "", []byte(`{"a":1}`), map[string]string{"gen": "1"}},
		{"keep", "sboms/a.json", "", []byte(`{"a":2,"longer":true}`), map[string]string{"gen": "2"}},
		{"keep", "sboms/b.json", "", []byte(`{"b":1}`), nil},
		{"flat", "x", "", []byte("unversioned"), map[string]string{"k": "v"}},
	}
	for i := range objs {
		objs[i].version = put(t, c, objs[i].bucket, objs[i].key, objs[i].body, objs[i].meta)
	}
	del, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("keep"), Key: aws.String("sboms/b.json")})
	if err != nil {
		t.Fatal(err)
	}
	mp, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("keep"), Key: aws.String("pending.zip")})
	if err != nil {
		t.Fatal(err)
	}
	part1 := bytes.Repeat([]byte("p"), 5<<20)
	up1, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("keep"), Key: aws.String("pending.zip"), UploadId: mp.UploadId,
		PartNumber: aws.Int32(1), Body: bytes.NewReader(part1)})
	if err != nil {
		t.Fatal(err)
	}
	versionsBefore := listVersions(t, c, "keep", "", 1000)
	headBefore, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("keep"), Key: aws.String("sboms/a.json"), VersionId: &objs[0].version})
	if err != nil {
		t.Fatal(err)
	}

	s.stop()
	s = startServer(t, dir, false)
	c = s.client(t, aws.RequestChecksumCalculationWhenSupported)

	if got := listVersions(t, c, "keep", "", 1000); !slices.Equal(got, versionsBefore) {
		t.Errorf("versions after restart:\n got %v\nwant %v", got, versionsBefore)
	}
	if !slices.ContainsFunc(versionsBefore, func(l listed) bool { return l.version == aws.ToString(del.VersionId) && l.marker && l.latest }) {
		t.Errorf("delete marker %s missing from %v", aws.ToString(del.VersionId), versionsBefore)
	}
	v, err := c.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String("keep")})
	if err != nil || v.Status != types.BucketVersioningStatusEnabled {
		t.Errorf("versioning after restart = %q, %v", v.Status, err)
	}
	for _, o := range objs {
		in := &s3.GetObjectInput{Bucket: &o.bucket, Key: &o.key}
		if o.version != "" {
			in.VersionId = &o.version
		}
		out, err := c.GetObject(ctx, in)
		if err == nil && (!mapsEqual(out.Metadata, o.meta) || aws.ToString(out.ETag) != etagOf(o.body)) {
			t.Errorf("%s/%s@%s after restart: meta %v etag %s", o.bucket, o.key, o.version, out.Metadata, aws.ToString(out.ETag))
		}
		if got := readAll(t, out, err); !bytes.Equal(got, o.body) {
			t.Errorf("%s/%s@%s after restart = %q, want %q", o.bucket, o.key, o.version, got, o.body)
		}
	}
	headAfter, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("keep"), Key: aws.String("sboms/a.json"), VersionId: &objs[0].version})
	if err != nil || !aws.ToTime(headAfter.LastModified).Equal(aws.ToTime(headBefore.LastModified)) {
		t.Errorf("LastModified after restart = %v (%v), want %v", aws.ToTime(headAfter.LastModified), err, aws.ToTime(headBefore.LastModified))
	}
	_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("keep"), Key: aws.String("sboms/b.json")})
	if nsk := (*types.NoSuchKey)(nil); !errors.As(err, &nsk) {
		t.Errorf("deleted key after restart: want NoSuchKey, got %v", err)
	}

	// The upload started before the restart can be finished after it.
	part2 := []byte("tail")
	up2, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("keep"), Key: aws.String("pending.zip"), UploadId: mp.UploadId,
		PartNumber: aws.Int32(2), Body: bytes.NewReader(part2)})
	if err != nil {
		t.Fatal(err)
	}
	cm, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("keep"), Key: aws.String("pending.zip"), UploadId: mp.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{
			{PartNumber: aws.Int32(1), ETag: up1.ETag}, {PartNumber: aws.Int32(2), ETag: up2.ETag}}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := getBody(t, c, &s3.GetObjectInput{Bucket: aws.String("keep"), Key: aws.String("pending.zip"), VersionId: cm.VersionId}); !bytes.Equal(got, append(part1, part2...)) {
		t.Errorf("upload completed after restart has %d bytes", len(got))
	}
	// New writes get new, distinct version ids.
	if nv := put(t, c, "keep", "sboms/a.json", []byte("3"), nil); nv == objs[0].version || nv == objs[1].version || nv == "" {
		t.Errorf("version after restart %q collides", nv)
	}

	// The same data, in process: StatObject / OpenObject.
	info, err := s.b.StatObject(ctx, "keep", "sboms/a.json", objs[0].version)
	if err != nil || info.Size != int64(len(objs[0].body)) || info.VersionID != objs[0].version || info.Metadata["X-Amz-Meta-Gen"] != "1" ||
		info.ChecksumAlg != "CRC32" || info.Checksum != crc32Of(objs[0].body) {
		t.Errorf("StatObject = %+v, %v", info, err)
	}
	rc, info, err := s.b.OpenObject(ctx, "keep", "sboms/a.json", objs[1].version)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.Equal(got, objs[1].body) || info.VersionID != objs[1].version || info.ETag != etagOf(objs[1].body) {
		t.Errorf("OpenObject = %q %+v", got, info)
	}
	for _, tc := range []struct {
		bucket, key, version string
		want                 error
	}{
		{"nope", "k", "", s3local.ErrNoSuchBucket},
		{"keep", "nope", "", s3local.ErrNoSuchKey},
		{"keep", "sboms/b.json", "", s3local.ErrNoSuchKey}, // latest is a delete marker
		{"keep", "sboms/b.json", aws.ToString(del.VersionId), s3local.ErrNoSuchKey},
		{"keep", "sboms/a.json", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", s3local.ErrNoSuchVersion},
	} {
		if _, err := s.b.StatObject(ctx, tc.bucket, tc.key, tc.version); !errors.Is(err, tc.want) {
			t.Errorf("StatObject(%s, %s, %q) = %v, want %v", tc.bucket, tc.key, tc.version, err, tc.want)
		}
		if _, _, err := s.b.OpenObject(ctx, tc.bucket, tc.key, tc.version); !errors.Is(err, tc.want) {
			t.Errorf("OpenObject(%s, %s, %q) = %v, want %v", tc.bucket, tc.key, tc.version, err, tc.want)
		}
	}
}

// TestExclusive: a data directory is opened by one Backend at a time.
func TestExclusive(t *testing.T) {
	dir := t.TempDir()
	a, err := s3local.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if b, err := s3local.Open(dir); err == nil {
		b.Close()
		t.Fatal("second Open of an open directory succeeded")
	}
	a.Close()
	b, err := s3local.Open(dir)
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	b.Close()
}
