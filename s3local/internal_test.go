package s3local

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
)

// awsChunked frames body as an SDK does: chunks of size n, optional chunk signatures, and
// the given trailer lines.
func awsChunked(body []byte, n int, signed bool, trailers ...string) string {
	var b strings.Builder
	sig := ""
	if signed {
		sig = ";chunk-signature=" + strings.Repeat("0", 64)
	}
	for len(body) > 0 {
		c := body[:min(n, len(body))]
		body = body[len(c):]
		fmt.Fprintf(&b, "%x%s\r\n%s\r\n", len(c), sig, c)
	}
	fmt.Fprintf(&b, "0%s\r\n", sig)
	for _, t := range trailers {
		b.WriteString(t + "\r\n")
	}
	b.WriteString("\r\n")
	return b.String()
}

func TestChunkedReader(t *testing.T) {
	body := []byte("The quick brown fox jumps over the lazy dog, repeatedly. ")
	body = bytes.Repeat(body, 50)
	crc := newChecksum(algCRC32)
	crc.Write(body)
	good := "x-amz-checksum-crc32:" + encodeSum(crc)
	for _, tc := range []struct {
		name    string
		framed  string
		want    int64
		trailer string
		code    gofakes3.ErrorCode // "" = must decode to body
	}{
		{"unsigned trailer", awsChunked(body, 1000, false, good), int64(len(body)), algCRC32, ""},
		{"signed with trailer signature", awsChunked(body, 700, true, good, "x-amz-trailer-signature:"+strings.Repeat("1", 64)), int64(len(body)), algCRC32, ""},
		{"signed, no trailer", awsChunked(body, 64<<10, true), int64(len(body)), "", ""},
		{"one-byte chunks", awsChunked(body[:40], 1, false), 40, "", ""},
		{"empty body", awsChunked(nil, 1, false, "x-amz-checksum-crc32:AAAAAA=="), 0, algCRC32, ""},
		{"wrong trailing checksum", awsChunked(body, 1000, false, "x-amz-checksum-crc32:AAAAAA=="), int64(len(body)), algCRC32, gofakes3.ErrBadDigest},
		{"announced trailer missing", awsChunked(body, 1000, false), int64(len(body)), algCRC32, gofakes3.ErrInvalidArgument},
		{"shorter than declared", awsChunked(body, 1000, false), int64(len(body)) + 1, "", gofakes3.ErrIncompleteBody},
		{"longer than declared", awsChunked(body, 1000, false), int64(len(body)) - 1, "", gofakes3.ErrIncompleteBody},
		{"truncated mid-chunk", awsChunked(body, 1000, false)[:500], int64(len(body)), "", gofakes3.ErrIncompleteBody},
		{"bad chunk size", "zz\r\nabc\r\n0\r\n\r\n", 3, "", gofakes3.ErrInvalidArgument},
		{"no CRLF after data", "3\r\nabcX\r\n0\r\n\r\n", 3, "", gofakes3.ErrInvalidArgument},
		{"endless header line", strings.Repeat("1", 70000), 1, "", gofakes3.ErrInvalidArgument},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// One byte per read from the network exercises every boundary.
			r := newChunkedReader(io.LimitReader(oneByte{strings.NewReader(tc.framed)}, int64(len(tc.framed))), tc.want, tc.trailer)
			got, err := io.ReadAll(r)
			if tc.code == "" {
				if err != nil || int64(len(got)) != tc.want || !bytes.Equal(got, body[:tc.want]) {
					t.Fatalf("decoded %d bytes, err %v; want %d bytes", len(got), err, tc.want)
				}
				return
			}
			if !gofakes3.HasErrorCode(asS3(err), tc.code) {
				t.Fatalf("err = %v, want %s", err, tc.code)
			}
		})
	}
}

type oneByte struct{ r io.Reader }

func (o oneByte) Read(p []byte) (int, error) {
	if len(p) > 1 {
		p = p[:1]
	}
	return o.r.Read(p)
}

func asS3(err error) error {
	var e gofakes3.Error
	if errors.As(err, &e) {
		return e
	}
	return err
}

func TestListingHelpers(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"a/", "a0"}, {"abc", "abd"}, {"a\xff", "b"}, {"a\xff\xff", "b"},
	} {
		if got, ok := after(tc.in); !ok || got != tc.want {
			t.Errorf("after(%q) = %q, %v; want %q", tc.in, got, ok, tc.want)
		}
	}
	if _, ok := after("\xff\xff"); ok {
		t.Error(`after("\xff\xff") has a result`)
	}
	l := listing{prefix: "p/", delim: "/"}
	for _, tc := range []struct{ key, cp string }{
		{"p/a", ""}, {"p/a/b", "p/a/"}, {"p//x", "p//"}, {"p/a/b/c", "p/a/"},
	} {
		cp, ok := l.commonPrefix(tc.key)
		if ok != (tc.cp != "") || cp != tc.cp {
			t.Errorf("commonPrefix(%q) = %q, %v; want %q", tc.key, cp, ok, tc.cp)
		}
	}
	for _, tc := range []struct{ marker, want string }{
		{"", "p/"},          // start at the prefix
		{"a", "p/"},         // a marker before the prefix changes nothing
		{"p/a", "p/a\x00"},  // just after a key
		{"p/a/", "p/a0"},    // a common prefix: skip everything under it
		{"p/a/zzz", "p/a0"}, // a key under a common prefix: the same
		{"q", "q\x00"},      // past the prefix: the query finds nothing
		{"p/", "p/\x00"},
	} {
		if got, ok := l.resume(tc.marker); !ok || got != tc.want {
			t.Errorf("resume(%q) = %q, %v; want %q", tc.marker, got, ok, tc.want)
		}
	}
}

// TestRecovery: what a crash can leave behind (a body half-received in tmp/, a content or
// part file written but never committed) is removed at Open; committed data is kept.
func TestRecovery(t *testing.T) {
	dir := t.TempDir()
	b, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.CreateBucket("bkt"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.PutObject("bkt", "kept", map[string]string{"Content-Type": "text/plain"}, strings.NewReader("kept"), 4, nil); err != nil {
		t.Fatal(err)
	}
	id, err := b.CreateMultipartUpload("bkt", "mp", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.UploadPart("bkt", "mp", id, 1, 4, strings.NewReader("part")); err != nil {
		t.Fatal(err)
	}
	b.Close()

	strays := []string{
		filepath.Join(dir, "tmp", "body-123"),
		filepath.Join(dir, "objects", "ab", "ab"+strings.Repeat("0", 30)),
		filepath.Join(dir, "parts", strings.Repeat("1", 32)),
	}
	for _, p := range strays {
		if err := os.WriteFile(p, []byte("stray"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for _, p := range strays {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s survived Open (%v)", p, err)
		}
	}
	obj, err := b.GetObject("bkt", "kept", nil)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(obj.Contents)
	obj.Contents.Close()
	if string(got) != "kept" || obj.Metadata["Content-Type"] != "text/plain" {
		t.Errorf("kept object = %q %v", got, obj.Metadata)
	}
	parts, err := b.ListParts("bkt", "mp", id, 0, 100)
	if err != nil || len(parts.Parts) != 1 {
		t.Fatalf("parts after recovery: %+v, %v", parts, err)
	}
	// The surviving part is still readable: completing the upload works.
	if _, _, err := b.CompleteMultipartUpload("bkt", "mp", id, &gofakes3.CompleteMultipartUploadRequest{
		Parts: []gofakes3.CompletedPart{{PartNumber: 1, ETag: parts.Parts[0].ETag}}}); err != nil {
		t.Fatal(err)
	}
	// Overwrites and deletes leave no content files behind.
	if _, err := b.PutObject("bkt", "kept", nil, strings.NewReader("again"), 5, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := b.DeleteObject("bkt", "mp"); err != nil {
		t.Fatal(err)
	}
	if n := countFiles(t, filepath.Join(dir, "objects")); n != 1 {
		t.Errorf("%d content files for 1 object", n)
	}
	if n := countFiles(t, filepath.Join(dir, "parts")) + countFiles(t, filepath.Join(dir, "tmp")); n != 0 {
		t.Errorf("%d part or temp files left", n)
	}
}

func countFiles(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestBackendContract covers what gofakes3 asks of a backend directly (the HTTP tests reach
// most of it through the SDK): suspended versioning and the null version.
func TestBackendContract(t *testing.T) {
	b, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	putS := func(key, body string) gofakes3.VersionID {
		t.Helper()
		res, err := b.PutObject("b", key, nil, strings.NewReader(body), int64(len(body)), nil)
		must(err)
		return res.VersionID
	}
	must(b.CreateBucket("b"))
	if err := b.CreateBucket("b"); !gofakes3.HasErrorCode(asS3(err), gofakes3.ErrBucketAlreadyExists) {
		t.Errorf("CreateBucket twice: %v", err)
	}
	putS("k", "null-1") // the null version, from before versioning
	must(b.SetVersioningConfiguration("b", gofakes3.VersioningConfiguration{Status: gofakes3.VersioningEnabled}))
	v1 := putS("k", "v1")
	must(b.SetVersioningConfiguration("b", gofakes3.VersioningConfiguration{Status: gofakes3.VersioningSuspended}))
	if v := putS("k", "null-2"); v != "" {
		t.Errorf("PUT in a suspended bucket returned version %q", v)
	}
	// Suspended: the PUT replaced the old null version; v1 is kept.
	res, err := b.ListBucketVersions("b", nil, nil)
	must(err)
	var got []string
	for _, v := range res.Versions {
		got = append(got, fmt.Sprintf("%s:%v", v.GetVersionID(), v.(*gofakes3.Version).IsLatest))
	}
	if want := []string{":true", string(v1) + ":false"}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("versions = %v, want %v", got, want)
	}
	obj, err := b.GetObjectVersion("b", "k", "null", nil)
	must(err)
	body, _ := io.ReadAll(obj.Contents)
	obj.Contents.Close()
	if string(body) != "null-2" {
		t.Errorf("null version = %q", body)
	}
	// DELETE in a suspended bucket puts a null delete marker in place of the null version.
	del, err := b.DeleteObject("b", "k")
	must(err)
	if !del.IsDeleteMarker || del.VersionID != "" {
		t.Errorf("DeleteObject suspended = %+v", del)
	}
	if _, err := b.GetObjectVersion("b", "k", v1, nil); err != nil {
		t.Errorf("v1 after suspended delete: %v", err)
	}
	cfg, err := b.VersioningConfiguration("b")
	if err != nil || cfg.Status != gofakes3.VersioningSuspended {
		t.Errorf("VersioningConfiguration = %+v, %v", cfg, err)
	}
	if err := b.SetVersioningConfiguration("nope", gofakes3.VersioningConfiguration{Status: gofakes3.VersioningEnabled}); !gofakes3.HasErrorCode(asS3(err), gofakes3.ErrNoSuchBucket) {
		t.Errorf("SetVersioningConfiguration on a missing bucket: %v", err)
	}
	if err := b.DeleteBucket("b"); !gofakes3.HasErrorCode(asS3(err), gofakes3.ErrBucketNotEmpty) {
		t.Errorf("DeleteBucket non-empty: %v", err)
	}
	must(b.ForceDeleteBucket("b"))
	if ok, err := b.BucketExists("b"); ok || err != nil {
		t.Errorf("bucket after ForceDeleteBucket: %v, %v", ok, err)
	}
	// Body length must match the declared size.
	must(b.CreateBucket("c"))
	if _, err := b.PutObject("c", "short", nil, strings.NewReader("abc"), 4, nil); !gofakes3.HasErrorCode(asS3(err), gofakes3.ErrIncompleteBody) {
		t.Errorf("short body: %v", err)
	}
	if _, err := b.PutObject("c", "long", nil, strings.NewReader("abcde"), 4, nil); !gofakes3.HasErrorCode(asS3(err), gofakes3.ErrIncompleteBody) {
		t.Errorf("long body: %v", err)
	}
	if _, err := b.PutObject("nope", "k", nil, strings.NewReader("a"), 1, nil); !gofakes3.HasErrorCode(asS3(err), gofakes3.ErrNoSuchBucket) {
		t.Errorf("PUT to a missing bucket: %v", err)
	}
}

// TestRandomIDsAreNotOptions: version and upload ids are typed on command lines
// (`aws s3api get-object --version-id ID`), where one starting with '-' reads as an option.
// One draw in 64 used to start with it; 20,000 draws would all but surely show one.
func TestRandomIDsAreNotOptions(t *testing.T) {
	for range 20000 {
		id := newVersionID()
		if len(id) != 32 || strings.HasPrefix(id, "-") {
			t.Fatalf("version id %q: want 32 characters, not starting with '-'", id)
		}
	}
}

// TestInProcessReadsAfterWrites: the in-process accessors keep what they read of a version
// (s3local's version cache), and never answer from it after a write: a deleted version is
// gone, a deleted bucket too, and a closed Backend answers nothing.
func TestInProcessReadsAfterWrites(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name  string
		write func(t *testing.T, b *Backend, version string)
		want  error
	}{
		{"version deleted", func(t *testing.T, b *Backend, v string) {
			if _, err := b.DeleteObjectVersion("b", "k", gofakes3.VersionID(v)); err != nil {
				t.Fatal(err)
			}
		}, ErrNoSuchVersion},
		{"bucket deleted", func(t *testing.T, b *Backend, v string) {
			if err := b.ForceDeleteBucket("b"); err != nil {
				t.Fatal(err)
			}
		}, ErrNoSuchBucket},
		{"another version put", func(t *testing.T, b *Backend, v string) {
			if _, err := b.PutObject("b", "k", map[string]string{}, strings.NewReader("second"), 6, nil); err != nil {
				t.Fatal(err)
			}
		}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var vc gofakes3.VersioningConfiguration
			vc.SetEnabled(true)
			b, err := Open(t.TempDir())
			if err == nil {
				t.Cleanup(func() { b.Close() })
				err = errors.Join(b.CreateBucket("b"), b.SetVersioningConfiguration("b", vc))
			}
			if err != nil {
				t.Fatal(err)
			}
			res, err := b.PutObject("b", "k", map[string]string{}, strings.NewReader("first"), 5, nil)
			if err != nil {
				t.Fatal(err)
			}
			v := string(res.VersionID)
			for range 2 { // the second read may come from the cache
				if info, err := b.StatObject(ctx, "b", "k", v); err != nil || info.Size != 5 {
					t.Fatalf("StatObject: %+v, %v", info, err)
				}
			}
			tt.write(t, b, v)
			_, err = b.StatObject(ctx, "b", "k", v)
			rc, _, oerr := b.OpenObject(ctx, "b", "k", v)
			if tt.want == nil {
				if err != nil || oerr != nil {
					t.Fatalf("StatObject: %v, OpenObject: %v; want the version", err, oerr)
				}
				body, _ := io.ReadAll(rc)
				rc.Close()
				if string(body) != "first" {
					t.Errorf("body %q, want the version's own", body)
				}
			} else if !errors.Is(err, tt.want) || !errors.Is(oerr, tt.want) {
				t.Errorf("StatObject: %v, OpenObject: %v; want %v", err, oerr, tt.want)
			}
			b.Close()
			if _, err := b.StatObject(ctx, "b", "k", v); err == nil {
				t.Error("StatObject answered after Close")
			}
		})
	}
}

// TestListingBatches: both listings go on past a full batch of rows (the query's LIMIT) and
// stop at MaxKeys with the right marker, the cases the SDK tests' few keys do not reach.
func TestListingBatches(t *testing.T) {
	b, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.CreateBucket("b"); err != nil {
		t.Fatal(err)
	}
	const n = batch + 44
	for i := range n {
		key := fmt.Sprintf("k/%03d", i)
		if _, err := b.PutObject("b", key, map[string]string{}, strings.NewReader(key), int64(len(key)), nil); err != nil {
			t.Fatal(err)
		}
	}
	for _, maxKeys := range []int64{0, batch - 1, batch, batch + 1, n} {
		list, err := b.ListBucket("b", nil, gofakes3.ListBucketPage{MaxKeys: maxKeys})
		if err != nil {
			t.Fatal(err)
		}
		want, truncated := int64(n), false
		if maxKeys > 0 && maxKeys < n {
			want, truncated = maxKeys, true
		}
		if int64(len(list.Contents)) != want || list.IsTruncated != truncated {
			t.Errorf("ListBucket MaxKeys %d: %d keys, truncated %v; want %d, %v", maxKeys, len(list.Contents), list.IsTruncated, want, truncated)
			continue
		}
		for i, c := range list.Contents {
			if c.Key != fmt.Sprintf("k/%03d", i) {
				t.Fatalf("ListBucket MaxKeys %d: key %d is %s", maxKeys, i, c.Key)
			}
		}
		if last := list.Contents[len(list.Contents)-1].Key; truncated && list.NextMarker != last {
			t.Errorf("ListBucket MaxKeys %d: NextMarker %q, want %q", maxKeys, list.NextMarker, last)
		}

		versions, err := b.ListBucketVersions("b", nil, &gofakes3.ListBucketVersionsPage{MaxKeys: maxKeys})
		if err != nil {
			t.Fatal(err)
		}
		if int64(len(versions.Versions)) != want || versions.IsTruncated != truncated {
			t.Errorf("ListBucketVersions MaxKeys %d: %d versions, truncated %v; want %d, %v", maxKeys, len(versions.Versions), versions.IsTruncated, want, truncated)
			continue
		}
		for i, v := range versions.Versions {
			if key := v.(*gofakes3.Version).Key; key != fmt.Sprintf("k/%03d", i) {
				t.Fatalf("ListBucketVersions MaxKeys %d: version %d is of %s", maxKeys, i, key)
			}
		}
		if last := fmt.Sprintf("k/%03d", want-1); truncated && (versions.NextKeyMarker != last || versions.NextVersionIDMarker != "null") {
			t.Errorf("ListBucketVersions MaxKeys %d: next markers %q %q, want %q null", maxKeys, versions.NextKeyMarker, versions.NextVersionIDMarker, last)
		}
	}
}
