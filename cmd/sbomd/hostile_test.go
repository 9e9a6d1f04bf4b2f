package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/sbomcat/sbomcat/internal/testkit"
)

// Hostile clients (issue 10): connections that send their headers and all but the last byte
// of a 1 MiB body, then stall, on both the IoT API and the S3 endpoint, while a normal client
// keeps working. TestHostileClients runs them at a bounded scale in make test;
// TestHostileFullScale, on request, at the (see README, "Slow and hostile clients").

const (
	attackBody = 1 << 20 // each attacker declares 1 MiB and sends all but its last byte
	// maxAttackRSS bounds sbomd's peak resident memory under the attack.
	maxAttackRSS = 300 << 20
)

// attack is the mix of stalled connections sent at once.
type attack struct {
	unsigned  int // unsigned IoT API requests (refused from their headers)
	signedIoT int // correctly signed CreatePackage requests (bodies read, then stalled)
	signedS3  int // correctly signed PutObject requests (streamed to disk, then stalled)
}

func (a attack) total() int { return a.unsigned + a.signedIoT + a.signedS3 }

// attackResult is what the attack did to sbomd.
type attackResult struct {
	refusedEarly int           // unsigned connections answered before their body was sent in full
	closed       int           // connections sbomd closed
	allClosed    time.Duration // from the last attacker's stall to the last close
	normalOK     int           // normal client requests during the attack, all successful
	peakRSS      int64         // sbomd's VmHWM after the attack
}

func TestHostileClients(t *testing.T) {
	testkit.SkipShort(t, "starts sbomd and 200 stalled connections")
	p := startProc(t, "127.0.0.1:0", t.TempDir(), nil, "--stall-timeout", "2s")
	a := attack{unsigned: 100, signedIoT: 50, signedS3: 50}
	res := runAttack(t, p, a)
	if res.refusedEarly != a.unsigned {
		t.Errorf("%d of %d unsigned connections were answered from their headers", res.refusedEarly, a.unsigned)
	}
	if res.closed != a.total() {
		t.Errorf("sbomd closed %d of %d stalled connections", res.closed, a.total())
	}
	if res.peakRSS > maxAttackRSS {
		t.Errorf("sbomd's peak RSS %d MB, want under %d MB", res.peakRSS>>20, maxAttackRSS>>20)
	}
	t.Logf("%d stalled connections: all closed %s after the stall; peak RSS %d MB; %d normal requests succeeded meanwhile",
		a.total(), res.allClosed.Round(time.Millisecond), res.peakRSS>>20, res.normalOK)
	// The same process still takes legitimate uploads, single and multipart.
	upload(t, p, 64<<20)
}

// TestHostileFullScale is the measurement: 1,000 stalled unsigned connections with the
// default stall timeout, then a 1 GiB PutObject and a 1 GiB multipart upload on the same
// process. It takes about a minute and 2 GiB of disk, so it runs only when
// SBOMCAT_HOSTILE_FULL=1; it logs what it measured.
func TestHostileFullScale(t *testing.T) {
	if os.Getenv("SBOMCAT_HOSTILE_FULL") != "1" {
		t.Skip("set SBOMCAT_HOSTILE_FULL=1 to run (about a minute, 2 GiB of disk)")
	}
	p := startProc(t, "127.0.0.1:0", t.TempDir(), nil)
	for _, a := range []attack{{unsigned: 1000}, {signedIoT: 50, signedS3: 950}} {
		res := runAttack(t, p, a)
		t.Logf("attack %+v: %d closed, all %s after the stall; %d refused from headers; peak RSS %d MB; %d normal requests succeeded",
			a, res.closed, res.allClosed.Round(time.Millisecond), res.refusedEarly, res.peakRSS>>20, res.normalOK)
		if res.closed != a.total() || res.peakRSS > maxAttackRSS {
			t.Errorf("attack %+v: closed %d, peak RSS %d MB", a, res.closed, res.peakRSS>>20)
		}
	}
	upload(t, p, 1<<30)
}

// runAttack opens a's stalled connections against p, keeps a normal client working until
// sbomd has closed them all, and reports what happened.
func runAttack(t *testing.T, p *proc, a attack) attackResult {
	t.Helper()
	ctx := context.Background()
	s3c, iotc := testkit.Clients(p.URL)
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("hostile")}); err != nil && !strings.Contains(err.Error(), "BucketAlready") {
		t.Fatal(err)
	}

	// The normal client: reads and writes through the attack.
	stop := make(chan struct{})
	var normalOK atomic.Int64
	var normalErr error
	var normal sync.WaitGroup
	normal.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			name := fmt.Sprintf("normal-%d-%d", time.Now().UnixNano(), i)
			if _, err := iotc.CreatePackage(ctx, &iot.CreatePackageInput{PackageName: aws.String(name)}); err != nil {
				normalErr = fmt.Errorf("CreatePackage during the attack: %w", err)
				return
			}
			if _, err := iotc.DeletePackage(ctx, &iot.DeletePackageInput{PackageName: aws.String(name)}); err != nil {
				normalErr = fmt.Errorf("DeletePackage during the attack: %w", err)
				return
			}
			if _, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("hostile"), Key: aws.String("normal"), Body: strings.NewReader(name)}); err != nil {
				normalErr = fmt.Errorf("PutObject during the attack: %w", err)
				return
			}
			normalOK.Add(3)
		}
	})

	var conns []*attacker
	for i := range a.total() {
		var kind string
		switch {
		case i < a.unsigned:
			kind = "unsigned"
		case i < a.unsigned+a.signedIoT:
			kind = "iot"
		default:
			kind = "s3"
		}
		conns = append(conns, startAttacker(t, p.Addr, kind, i))
	}
	stalled := time.Now()

	var res attackResult
	var wg sync.WaitGroup
	var mu sync.Mutex
	for _, c := range conns {
		wg.Go(func() {
			early, closed := c.outcome()
			mu.Lock()
			defer mu.Unlock()
			if early {
				res.refusedEarly++
			}
			if closed {
				res.closed++
				res.allClosed = max(res.allClosed, time.Since(stalled))
			}
		})
	}
	wg.Wait()
	close(stop)
	normal.Wait()
	if normalErr != nil {
		t.Error(normalErr)
	}
	res.normalOK = int(normalOK.Load())
	res.peakRSS = peakRSS(t, p)
	// Nothing a stalled PutObject sent was stored.
	if _, err := s3c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("hostile"), Key: aws.String("stalled-0")}); err == nil {
		t.Error("a stalled PutObject stored an object")
	}
	return res
}

// attacker is one stalled connection.
type attacker struct {
	conn net.Conn
	kind string
}

// startAttacker sends headers and attackBody-1 bytes of the body, and stalls.
func startAttacker(t *testing.T, addr, kind string, i int) *attacker {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	body := bytes.Repeat([]byte("a"), attackBody)
	var req *http.Request
	switch kind {
	case "s3":
		req, _ = http.NewRequest(http.MethodPut, "http://"+addr+"/hostile/stalled-"+strconv.Itoa(i), nil)
		testkit.SignS3Unsigned(t, req)
	default:
		req, _ = http.NewRequest(http.MethodPut, "http://"+addr+"/packages/stalled-"+strconv.Itoa(i), nil)
		req.Header.Set("Content-Type", "application/json")
		if kind == "iot" {
			sum := sha256.Sum256(body)
			testkit.Sign(t, req, hex.EncodeToString(sum[:]), "iot")
		}
	}
	var head strings.Builder
	fmt.Fprintf(&head, "PUT %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n", req.URL.EscapedPath(), addr, attackBody)
	for k, vs := range req.Header {
		for _, v := range vs {
			fmt.Fprintf(&head, "%s: %s\r\n", k, v)
		}
	}
	head.WriteString("\r\n")
	// Written in the background: a server that refuses from the headers stops reading, and
	// the socket buffers may not hold the whole body.
	go func() {
		if _, err := io.WriteString(c, head.String()); err == nil {
			c.Write(body[:attackBody-1])
		}
	}()
	return &attacker{conn: c, kind: kind}
}

// outcome waits (up to deadline) for sbomd to end the connection, and reports whether a
// response came first (early: the request was refused before its body was complete) and
// whether sbomd closed the connection.
func (a *attacker) outcome() (early, closed bool) {
	_ = a.conn.SetReadDeadline(time.Now().Add(deadline))
	br := bufio.NewReader(a.conn)
	if resp, err := http.ReadResponse(br, nil); err == nil {
		early = resp.StatusCode == http.StatusForbidden
		io.Copy(io.Discard, resp.Body)
	}
	_, err := io.Copy(io.Discard, br)
	var ne net.Error
	closed = !(errors.As(err, &ne) && ne.Timeout())
	return early, closed
}

// peakRSS is the process's peak resident set size (VmHWM), from /proc.
func peakRSS(t *testing.T, p *proc) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.Cmd.Process.Pid))
	if err != nil {
		t.Skipf("no /proc to measure memory: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatalf("VmHWM %q: %v", v, err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc status")
	return 0
}

// upload puts size bytes as one PutObject and as a multipart upload of 16 MiB parts, checks
// both sizes, and logs the speed.
func upload(t *testing.T, p *proc, size int64) {
	t.Helper()
	ctx := context.Background()
	s3c := testkit.S3Client(p.URL)
	start := time.Now()
	_, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("hostile"), Key: aws.String("single"),
		Body: io.LimitReader(rand.Reader, size), ContentLength: aws.Int64(size)}, s3.WithAPIOptions(v4.SwapComputePayloadSHA256ForUnsignedPayloadMiddleware))
	if err != nil {
		t.Fatalf("PutObject of %d bytes after the attack: %v", size, err)
	}
	single := time.Since(start)

	const part = 16 << 20
	start = time.Now()
	mp, err := s3c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("hostile"), Key: aws.String("multi")})
	if err != nil {
		t.Fatal(err)
	}
	var parts []s3types.CompletedPart
	for n, off := int32(1), int64(0); off < size; n, off = n+1, off+part {
		l := min(part, size-off)
		out, err := s3c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("hostile"), Key: aws.String("multi"), UploadId: mp.UploadId,
			PartNumber: aws.Int32(n), Body: io.LimitReader(rand.Reader, l), ContentLength: aws.Int64(l)}, s3.WithAPIOptions(v4.SwapComputePayloadSHA256ForUnsignedPayloadMiddleware))
		if err != nil {
			t.Fatalf("UploadPart %d after the attack: %v", n, err)
		}
		parts = append(parts, s3types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(n)})
	}
	if _, err := s3c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("hostile"), Key: aws.String("multi"), UploadId: mp.UploadId,
		MultipartUpload: &s3types.CompletedMultipartUpload{Parts: parts}}); err != nil {
		t.Fatalf("CompleteMultipartUpload after the attack: %v", err)
	}
	multi := time.Since(start)
	for _, key := range []string{"single", "multi"} {
		h, err := s3c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("hostile"), Key: aws.String(key)})
		if err != nil || aws.ToInt64(h.ContentLength) != size {
			t.Errorf("%s: %v, %d bytes, want %d", key, err, aws.ToInt64(h.ContentLength), size)
		}
	}
	mb := float64(size) / 1e6
	t.Logf("after the attack: %d MiB PutObject at %.0f MB/s, multipart (%d MiB parts) at %.0f MB/s; peak RSS %d MB",
		size>>20, mb/single.Seconds(), part>>20, mb/multi.Seconds(), peakRSS(t, p)>>20)
}
