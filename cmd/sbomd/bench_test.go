package main

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	iottypes "github.com/aws/aws-sdk-go-v2/service/iot/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/sbomcat/sbomcat/internal/sbomgen"
	"github.com/sbomcat/sbomcat/internal/testkit"
)

// The whole loop through a running sbomd process, measured from the client's side: the SDK
// call that associates an SBOM until GetPackageVersion reports the result.
//
//	go test ./cmd/sbomd -run '^$' -bench Loop -benchtime 20x
//
// sbomd runs with the defaults (worker concurrency = CPUs); the client polls every
// millisecond, so up to 1 ms of each figure is the poll.

// loopEnv is an sbomd with a versioned bucket and one package.
type loopEnv struct {
	ctx  context.Context
	s3   *s3.Client
	iot  *iot.Client
	next int
}

func newLoopEnv(b *testing.B) *loopEnv {
	b.Helper()
	p := startProc(b, "127.0.0.1:0", b.TempDir(), nil) // default logging: a line per request, as users run it
	e := &loopEnv{ctx: context.Background()}
	e.s3, e.iot = clients(p.addr)
	if _, err := e.s3.CreateBucket(e.ctx, &s3.CreateBucketInput{Bucket: aws.String("sboms")}); err != nil {
		b.Fatal(err)
	}
	if _, err := e.s3.PutBucketVersioning(e.ctx, &s3.PutBucketVersioningInput{Bucket: aws.String("sboms"),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
		b.Fatal(err)
	}
	if _, err := e.iot.CreatePackage(e.ctx, &iot.CreatePackageInput{PackageName: aws.String("bench")}); err != nil {
		b.Fatal(err)
	}
	return e
}

func (e *loopEnv) put(b *testing.B, key string, body []byte) string {
	b.Helper()
	out, err := e.s3.PutObject(e.ctx, &s3.PutObjectInput{Bucket: aws.String("sboms"), Key: aws.String(key), Body: bytes.NewReader(body)})
	if err != nil {
		b.Fatal(err)
	}
	return aws.ToString(out.VersionId)
}

// newVersion creates a package version and returns its name.
func (e *loopEnv) newVersion(b *testing.B) string {
	b.Helper()
	e.next++
	v := fmt.Sprintf("1.0.%d", e.next)
	if _, err := e.iot.CreatePackageVersion(e.ctx, &iot.CreatePackageVersionInput{PackageName: aws.String("bench"), VersionName: aws.String(v)}); err != nil {
		b.Fatal(err)
	}
	return v
}

func (e *loopEnv) associate(b *testing.B, version, key, objVersion string) {
	if _, err := e.iot.AssociateSbomWithPackageVersion(e.ctx, &iot.AssociateSbomWithPackageVersionInput{
		PackageName: aws.String("bench"), VersionName: aws.String(version),
		Sbom: &iottypes.Sbom{S3Location: &iottypes.S3Location{Bucket: aws.String("sboms"), Key: aws.String(key), Version: aws.String(objVersion)}},
	}); err != nil {
		b.Error(err)
	}
}

// wait polls until the version's SBOM is validated and fails unless it SUCCEEDED.
func (e *loopEnv) wait(b *testing.B, version string) {
	for {
		v, err := e.iot.GetPackageVersion(e.ctx, &iot.GetPackageVersionInput{PackageName: aws.String("bench"), VersionName: aws.String(version)})
		if err != nil {
			b.Error(err)
			return
		}
		switch v.SbomValidationStatus {
		case iottypes.SbomValidationStatusInProgress:
			time.Sleep(time.Millisecond)
			continue
		case iottypes.SbomValidationStatusSucceeded:
		default:
			b.Errorf("%s: %s", version, v.SbomValidationStatus)
		}
		return
	}
}

// BenchmarkLoopLatency: one small SBOM, associate → SUCCEEDED, one at a time.
func BenchmarkLoopLatency(b *testing.B) {
	e := newLoopEnv(b)
	obj := e.put(b, "small.cdx.json", []byte(cdxValid))
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		v := e.newVersion(b)
		b.StartTimer()
		e.associate(b, v, "small.cdx.json", obj)
		e.wait(b, v)
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/association")
}

// BenchmarkLoopThroughput: 100 small associations at once (sbomd's default in-flight limit),
// from the first AssociateSbomWithPackageVersion to the last SUCCEEDED.
func BenchmarkLoopThroughput(b *testing.B) {
	const n = 100
	e := newLoopEnv(b)
	obj := e.put(b, "sboms.zip", testkit.Zip(b, "app.cdx.json", cdxValid, "os.spdx.json", spdxValid))
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		versions := make([]string, n)
		for i := range versions {
			versions[i] = e.newVersion(b)
		}
		b.StartTimer()
		// Clients associate from 8 connections, as a CI fleet would; then one poller waits for
		// each in turn (most are done by the time it asks).
		var wg sync.WaitGroup
		work := make(chan string)
		for range 8 {
			wg.Go(func() {
				for v := range work {
					e.associate(b, v, "sboms.zip", obj)
				}
			})
		}
		for _, v := range versions {
			work <- v
		}
		close(work)
		wg.Wait()
		for _, v := range versions {
			e.wait(b, v)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "validations/s")
}

// BenchmarkLoopLarge: one generated SBOM of about 50 MB per association, CycloneDX 1.5 and
// SPDX 2.3; MB/s counts the object's bytes over associate → SUCCEEDED.
func BenchmarkLoopLarge(b *testing.B) {
	for _, f := range []struct {
		name string
		gen  func(*bytes.Buffer, int64) error
	}{
		{"CycloneDX", func(w *bytes.Buffer, n int64) error { return sbomgen.CycloneDX(w, n) }},
		{"SPDX", func(w *bytes.Buffer, n int64) error { return sbomgen.SPDX(w, n) }},
	} {
		b.Run(f.name, func(b *testing.B) {
			e := newLoopEnv(b)
			var body bytes.Buffer
			if err := f.gen(&body, 50<<20); err != nil {
				b.Fatal(err)
			}
			obj := e.put(b, "large.json", body.Bytes())
			b.SetBytes(int64(body.Len()))
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				v := e.newVersion(b)
				b.StartTimer()
				e.associate(b, v, "large.json", obj)
				e.wait(b, v)
			}
		})
	}
}
