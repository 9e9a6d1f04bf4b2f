package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/sbomcat/sbomcat/internal/flagset"
	"github.com/sbomcat/sbomcat/internal/testkit"
)

// build compiles the command.
func build(t *testing.T) string {
	t.Helper()
	return testkit.Build(t, ".", "s3server")
}

// start runs bin on a free loopback port over dir and waits for its "serving" line.
func start(t *testing.T, bin, dir string, args ...string) *testkit.Server {
	t.Helper()
	return testkit.StartServer(t, exec.Command(bin, append([]string{"--addr", "127.0.0.1:0", "--data-dir", dir}, args...)...))
}

// stopWithin is how long s3server may take to exit after SIGTERM.
const stopWithin = 20 * time.Second

func client(url, secret string) *s3.Client {
	return s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("test", secret, "")})
}

// TestVersionedAndPersistent: an SDK client creates a versioned bucket and reads each version
// back; unsigned and wrongly signed requests are refused; the versions survive a restart.
func TestVersionedAndPersistent(t *testing.T) {
	testkit.SkipShort(t, "builds and runs the binary")
	ctx := context.Background()
	bin, dir := build(t), t.TempDir()
	s := start(t, bin, dir)
	c := client(s.URL, "test")
	testkit.CreateVersionedBucket(t, c, "sboms")
	bodies := []string{"first", "second"}
	var versions []string
	for _, b := range bodies {
		out, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("sboms"), Key: aws.String("a/sbom.zip"), Body: strings.NewReader(b)})
		if err != nil {
			t.Fatal(err)
		}
		versions = append(versions, aws.ToString(out.VersionId))
	}
	if versions[0] == "" || versions[0] == versions[1] {
		t.Fatalf("version ids %q: want two distinct ones", versions)
	}
	get := func(c *s3.Client, version string) (string, error) {
		out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("sboms"), Key: aws.String("a/sbom.zip"), VersionId: aws.String(version)})
		if err != nil {
			return "", err
		}
		defer out.Body.Close()
		b, err := io.ReadAll(out.Body)
		return string(b), err
	}
	for i, v := range versions {
		if got, err := get(c, v); err != nil || got != bodies[i] {
			t.Errorf("version %s: %q, %v; want %q", v, got, err, bodies[i])
		}
	}

	resp, err := http.Get(s.URL + "/sboms/a/sbom.zip")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("unsigned GET: %d, want 403", resp.StatusCode)
	}
	var ae smithy.APIError
	if _, err := get(client(s.URL, "wrong"), versions[0]); !errors.As(err, &ae) || ae.ErrorCode() != "SignatureDoesNotMatch" {
		t.Errorf("wrong secret: %v, want SignatureDoesNotMatch", err)
	}

	if err := s.Stop(stopWithin); err != nil {
		t.Fatalf("exit after SIGTERM: %v", err)
	}
	s = start(t, bin, dir)
	if got, err := get(client(s.URL, "test"), versions[0]); err != nil || got != bodies[0] {
		t.Errorf("after restart, version %s: %q, %v", versions[0], got, err)
	}
	if err := s.Stop(stopWithin); err != nil {
		t.Fatalf("exit after SIGTERM: %v", err)
	}
}

// TestRegionAndKeys: the configured region and key pairs are the only ones accepted.
func TestRegionAndKeys(t *testing.T) {
	testkit.SkipShort(t, "builds and runs the binary")
	s := start(t, build(t), t.TempDir(), "--region", "eu-west-1", "--credentials", "ak1:sk1,ak2:sk2")
	ctx := context.Background()
	for _, tt := range []struct {
		region, key, secret string
		ok                  bool
	}{
		{"eu-west-1", "ak1", "sk1", true},
		{"eu-west-1", "ak2", "sk2", true},
		{"us-east-1", "ak1", "sk1", false},
		{"eu-west-1", "test", "test", false},
	} {
		c := s3.New(s3.Options{Region: tt.region, BaseEndpoint: aws.String(s.URL), UsePathStyle: true,
			Credentials: credentials.NewStaticCredentialsProvider(tt.key, tt.secret, "")})
		_, err := c.ListBuckets(ctx, &s3.ListBucketsInput{})
		if (err == nil) != tt.ok {
			t.Errorf("%s %s: %v, want ok=%v", tt.region, tt.key, err, tt.ok)
		}
	}
}

func TestFlags(t *testing.T) {
	for _, tt := range []struct {
		args []string
		ok   bool
	}{
		{nil, true},
		{[]string{"--credentials", "a:b,c:d"}, true},
		{[]string{"--credentials", "a"}, false},
		{[]string{"--credentials", "a:"}, false},
		{[]string{"extra"}, false},
		{[]string{"--nope"}, false},
	} {
		_, err := parseFlags(tt.args, io.Discard, io.Discard)
		if (err == nil) != tt.ok {
			t.Errorf("%v: %v, want ok=%v", tt.args, err, tt.ok)
		}
	}
	// Help asked for goes to stdout and exits 0; a mistake in the flags exits 2.
	var stdout, stderr bytes.Buffer
	var exit *flagset.Exit
	if _, err := parseFlags([]string{"-h"}, &stdout, &stderr); !errors.As(err, &exit) || exit.Status != 0 || !strings.Contains(stdout.String(), "-data-dir") || stderr.Len() > 0 {
		t.Errorf("-h: %v, stdout %q, stderr %q", err, stdout.String(), stderr.String())
	}
	stdout.Reset()
	if _, err := parseFlags([]string{"--nope"}, &stdout, &stderr); !errors.As(err, &exit) || exit.Status != 2 || !strings.Contains(stderr.String(), "-data-dir") || stdout.Len() > 0 {
		t.Errorf("--nope: %v, stdout %q, stderr %q", err, stdout.String(), stderr.String())
	}
}

// TestStalledUpload: a signed PutObject that stops sending its body is cut after the stall
// timeout and answered 400 (not 500); nothing is stored, and the server goes on serving.
func TestStalledUpload(t *testing.T) {
	s := start(t, build(t), t.TempDir(), "--stall-timeout", "300ms")
	defer s.Stop(stopWithin)
	ctx := context.Background()
	c := client(s.URL, "test")
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("stalled")}); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPut, s.URL+"/stalled/k", nil)
	testkit.SignS3Unsigned(t, req)
	conn, err := net.Dial("tcp", req.URL.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "PUT /stalled/k HTTP/1.1\r\nHost: %s\r\nContent-Length: 2000\r\n", req.URL.Host)
	for k, vs := range req.Header {
		fmt.Fprintf(conn, "%s: %s\r\n", k, vs[0])
	}
	fmt.Fprintf(conn, "\r\n%s", strings.Repeat("a", 1000)) // then nothing more
	_ = conn.SetReadDeadline(time.Now().Add(time.Minute))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil || resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("stalled PutObject: %v %v, want a 400", resp, err)
	}
	if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("stalled"), Key: aws.String("k")}); err == nil {
		t.Error("the stalled upload was stored")
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("stalled"), Key: aws.String("k"), Body: strings.NewReader("whole")}); err != nil {
		t.Errorf("PutObject after the stalled one: %v", err)
	}
}
