package s3local_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/sbomcat/sbomcat/internal/testkit"
	"github.com/sbomcat/sbomcat/s3local"
)

// TestStreamingTrailer sends what the SDK sends over TLS: a non-seekable body, framed as
// aws-chunked with a trailing CRC32 (STREAMING-UNSIGNED-PAYLOAD-TRAILER). gofakes3 alone would
// store the framing as the object's bytes.
func TestStreamingTrailer(t *testing.T) {
	ctx := context.Background()
	b, err := s3local.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var mu sync.Mutex
	var seen []string // x-amz-content-sha256 of each PUT
	h := authenticated(b)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut {
			mu.Lock()
			seen = append(seen, r.Header.Get("X-Amz-Content-Sha256"))
			mu.Unlock()
		}
		h.ServeHTTP(w, r)
	}))
	defer srv.Close()
	s := &server{b: b, srv: srv}
	c := s.client(t, aws.RequestChecksumCalculationWhenSupported)

	createBucket(t, c, "tls", false)
	body := make([]byte, 3<<20+17) // several aws-chunked chunks, odd tail
	rand.NewChaCha8([32]byte{1}).Read(body)
	nonSeekable := struct{ io.Reader }{bytes.NewReader(body)}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("tls"), Key: aws.String("k"),
		Body: nonSeekable, ContentLength: aws.Int64(int64(len(body)))}); err != nil {
		t.Fatal(err)
	}
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("tls"), Key: aws.String("k"), ChecksumMode: types.ChecksumModeEnabled})
	if err == nil && aws.ToString(out.ChecksumCRC32) != crc32Of(body) {
		t.Errorf("stored CRC32 %q, want %q", aws.ToString(out.ChecksumCRC32), crc32Of(body))
	}
	if got := readAll(t, out, err); !bytes.Equal(got, body) {
		t.Fatalf("object read back has %d bytes (want %d) or differs", len(got), len(body))
	}

	// Multipart parts arrive the same way.
	mp, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("tls"), Key: aws.String("mp")})
	if err != nil {
		t.Fatal(err)
	}
	up, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("tls"), Key: aws.String("mp"), UploadId: mp.UploadId,
		PartNumber: aws.Int32(1), Body: struct{ io.Reader }{bytes.NewReader(body)}, ContentLength: aws.Int64(int64(len(body)))})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(up.ETag) != etagOf(body) {
		t.Errorf("part ETag %s, want %s", aws.ToString(up.ETag), etagOf(body))
	}
	mu.Lock()
	defer mu.Unlock()
	for _, v := range seen[1:] { // seen[0] is CreateBucket
		if v != "STREAMING-UNSIGNED-PAYLOAD-TRAILER" {
			t.Errorf("the SDK sent x-amz-content-sha256 %q; the test meant to exercise trailing checksums", v)
		}
	}
}

// TestLargeObject moves a 50 MiB object through PutObject, GetObject and a 10-part multipart
// upload and samples the live heap (HeapAlloc right after a forced GC) every 4 MiB of
// progress, from inside the data path: in the client's body reader while the server is
// receiving, in the download's writer while the server is sending. Client and server share
// this process, so a body buffered on either side would show; the heap must not grow by
// anything near the object's size. Throughput is logged, not asserted.
func TestLargeObject(t *testing.T) {
	testkit.SkipShort(t, "moves 150 MiB")
	ctx := context.Background()
	const size = 50 << 20
	dir := t.TempDir()
	src := filepath.Join(dir, "src.bin")
	sum := writeRandomFile(t, src, size)
	s := startServer(t, filepath.Join(dir, "data"), false)
	c := s.client(t, aws.RequestChecksumCalculationWhenSupported)
	createBucket(t, c, "big", true)
	f, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	var vid string
	t.Run("PutObject", func(t *testing.T) {
		h := newHeapPeak()
		start := time.Now()
		// Seekable, so the SDK can checksum the body and rewind it without buffering.
		body := &sampledReader{ReadSeeker: io.NewSectionReader(f, 0, size), h: h}
		out, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("big"), Key: aws.String("blob"), Body: body})
		if err != nil {
			t.Fatal(err)
		}
		h.report(t, "upload", size, time.Since(start))
		vid = aws.ToString(out.VersionId)
		if aws.ToString(out.ETag) != `"`+sum+`"` {
			t.Errorf("ETag %s, want %s", aws.ToString(out.ETag), sum)
		}
	})
	t.Run("GetObject", func(t *testing.T) {
		h := newHeapPeak()
		start := time.Now()
		// ChecksumMode makes the SDK verify the stored CRC32 over all 50 MiB as well.
		out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("big"), Key: aws.String("blob"), VersionId: &vid, ChecksumMode: types.ChecksumModeEnabled})
		if err != nil {
			t.Fatal(err)
		}
		defer out.Body.Close()
		md := md5.New()
		n, err := io.Copy(&sampledWriter{w: md, h: h}, out.Body)
		h.report(t, "download", size, time.Since(start))
		if err != nil || n != size || hex.EncodeToString(md.Sum(nil)) != sum {
			t.Errorf("downloaded %d bytes, md5 %x, err %v", n, md.Sum(nil), err)
		}
	})
	t.Run("Multipart", func(t *testing.T) {
		h := newHeapPeak()
		start := time.Now()
		mp, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("big"), Key: aws.String("parts")})
		if err != nil {
			t.Fatal(err)
		}
		const partSize = size / 10
		var parts []types.CompletedPart
		for i := int32(0); i < 10; i++ {
			out, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("big"), Key: aws.String("parts"), UploadId: mp.UploadId,
				PartNumber: aws.Int32(i + 1), Body: &sampledReader{ReadSeeker: io.NewSectionReader(f, int64(i)*partSize, partSize), h: h}})
			if err != nil {
				t.Fatal(err)
			}
			parts = append(parts, types.CompletedPart{PartNumber: aws.Int32(i + 1), ETag: out.ETag})
		}
		cm, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("big"), Key: aws.String("parts"),
			UploadId: mp.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}})
		if err != nil {
			t.Fatal(err)
		}
		h.report(t, "multipart upload", size, time.Since(start))
		if aws.ToString(cm.ETag) != `"`+sum+`"` {
			t.Errorf("assembled ETag %s, want %s", aws.ToString(cm.ETag), sum)
		}
	})
	// The sampled runs above pay for a forced GC every 4 MiB; these are timed without it.
	t.Run("Throughput", func(t *testing.T) {
		start := time.Now()
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("big"), Key: aws.String("timed"), Body: io.NewSectionReader(f, 0, size)}); err != nil {
			t.Fatal(err)
		}
		up := time.Since(start)
		start = time.Now()
		out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("big"), Key: aws.String("timed"), ChecksumMode: types.ChecksumModeEnabled})
		if err != nil {
			t.Fatal(err)
		}
		n, err := io.Copy(io.Discard, out.Body)
		out.Body.Close()
		down := time.Since(start)
		if err != nil || n != size {
			t.Fatalf("downloaded %d bytes: %v", n, err)
		}
		t.Logf("50 MiB through the SDK over loopback http: PutObject %.0f MB/s (CRC32 + SHA-256 by the SDK; SHA-256, CRC32 x2, MD5 x2, write, fsync by the server), GetObject %.0f MB/s (CRC32 verified by the SDK)",
			float64(size)/1e6/up.Seconds(), float64(size)/1e6/down.Seconds())
	})
}

func writeRandomFile(t *testing.T, path string, size int) string {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := md5.New()
	if _, err := io.CopyN(io.MultiWriter(f, h), rand.NewChaCha8([32]byte{7}), int64(size)); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// heapPeak records the largest live heap seen by sample, relative to when it was created.
type heapPeak struct {
	mu         sync.Mutex
	base, peak uint64
	samples    int
}

func newHeapPeak() *heapPeak {
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return &heapPeak{base: ms.HeapAlloc, peak: ms.HeapAlloc}
}

func (h *heapPeak) sample() {
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.samples++
	h.peak = max(h.peak, ms.HeapAlloc)
}

// maxGrowth is far below the 50 MiB a buffered body would add.
const maxGrowth = 16 << 20

func (h *heapPeak) report(t *testing.T, what string, size int, elapsed time.Duration) {
	t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	growth := h.peak - h.base
	t.Logf("%s of %d MiB: %.0f MB/s, peak live-heap growth %.2f MiB over %d samples", what, size>>20,
		float64(size)/1e6/elapsed.Seconds(), float64(growth)/(1<<20), h.samples)
	if h.samples < 10 {
		t.Errorf("%s: only %d heap samples", what, h.samples)
	}
	if growth > maxGrowth {
		t.Errorf("%s: live heap grew by %d bytes, more than %d: is the body being buffered?", what, growth, maxGrowth)
	}
}

const sampleEvery = 4 << 20

// sampledReader samples the heap every 4 MiB the SDK reads (it reads once to checksum, then
// rewinds and reads again to send).
type sampledReader struct {
	io.ReadSeeker
	h    *heapPeak
	read int
}

func (r *sampledReader) Read(p []byte) (int, error) {
	n, err := r.ReadSeeker.Read(p)
	if r.read/sampleEvery != (r.read+n)/sampleEvery {
		r.h.sample()
	}
	r.read += n
	return n, err
}

type sampledWriter struct {
	w       io.Writer
	h       *heapPeak
	written int
}

func (w *sampledWriter) Write(p []byte) (int, error) {
	if w.written/sampleEvery != (w.written+len(p))/sampleEvery {
		w.h.sample()
	}
	w.written += len(p)
	return w.w.Write(p)
}
