package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	iottypes "github.com/aws/aws-sdk-go-v2/service/iot/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

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
	proc *proc
	ctx  context.Context
	s3   *s3.Client
	iot  *iot.Client
	next int
}

// newLoopEnv starts sbomd with args after the defaults.
func newLoopEnv(b *testing.B, args ...string) *loopEnv {
	b.Helper()
	p := startProc(b, "127.0.0.1:0", b.TempDir(), nil, args...) // default logging: a line per request, as users run it
	e := &loopEnv{proc: p, ctx: context.Background()}
	e.s3, e.iot = testkit.Clients(p.URL)
	// The client shares the 2 cores with sbomd, so it is made as cheap as a tuned fleet would
	// make it: connections kept alive for every concurrent caller (the SDK keeps 10 idle per
	// host, so 32 clients would dial anew) and no client-side retry token bucket.
	httpc := awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
		tr.MaxIdleConns, tr.MaxIdleConnsPerHost = 256, 256
	})
	retryer := func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) { o.RateLimiter = ratelimit.None })
	}
	e.iot = iot.New(e.iot.Options(), func(o *iot.Options) { o.HTTPClient, o.Retryer = httpc, retryer() })
	e.s3 = s3.New(e.s3.Options(), func(o *s3.Options) { o.HTTPClient, o.Retryer = httpc, retryer() })
	testkit.CreateVersionedBucket(b, e.s3, "sboms")
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

// oneByOne times b.N associations of key (its objVersion), one at a time, each with a version
// of its own made off the clock, until each SUCCEEDED.
func (e *loopEnv) oneByOne(b *testing.B, key, objVersion string) {
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		v := e.newVersion(b)
		b.StartTimer()
		e.associate(b, v, key, objVersion)
		e.wait(b, v)
	}
}

// BenchmarkLoopLatency: one small SBOM, associate → SUCCEEDED, one at a time.
func BenchmarkLoopLatency(b *testing.B) {
	e := newLoopEnv(b)
	obj := e.put(b, "small.cdx.json", []byte(testkit.CycloneDXValid))
	e.oneByOne(b, "small.cdx.json", obj)
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/association")
}

// BenchmarkLoopThroughput: 100 small associations at once (sbomd's default in-flight limit),
// from the first AssociateSbomWithPackageVersion to the last SUCCEEDED.
func BenchmarkLoopThroughput(b *testing.B) {
	const n = 100
	e := newLoopEnv(b)
	obj := e.put(b, "sboms.zip", testkit.Zip(b, "app.cdx.json", testkit.CycloneDXValid, "os.spdx.json", testkit.SPDXValid))
	cpu := &cpuMeter{e: e}
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		versions := make([]string, n)
		for i := range versions {
			versions[i] = e.newVersion(b)
		}
		b.StartTimer()
		cpu.start()
		// Eight clients, as a CI fleet would run them: each associates its share of the
		// versions, then waits for each of its own (most are done by the time it asks).
		var wg sync.WaitGroup
		for c := range 8 {
			wg.Go(func() {
				mine := versions[c*n/8 : (c+1)*n/8]
				for _, v := range mine {
					e.associate(b, v, "sboms.zip", obj)
				}
				for _, v := range mine {
					e.wait(b, v)
				}
			})
		}
		wg.Wait()
		cpu.stop()
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "validations/s")
	cpu.report(b, n*b.N)
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
			e.oneByOne(b, "large.json", obj)
		})
	}
}

// noQuotas lifts the three quota limits, so that only the service's speed bounds the load.
var noQuotas = []string{"--max-packages", "-1", "--max-versions", "-1", "--max-inflight-validations", "-1"}

// The latency benchmarks ask for a version's status after 1 ms, then twice as long after each
// answer up to maxPoll: polling every millisecond would itself load the service (a slow
// association would cost hundreds of requests). Up to maxPoll of each latency is the poll.
const maxPoll = 2 * time.Millisecond

// loopRate is BenchmarkLoopRate's rate: half the 1,000/s throughput target by default.
var loopRate = flag.Int("loop.rate", 500, "associations per second in BenchmarkLoopRate")

// timeToFinal associates and polls until the status is final; it returns the time between the
// two and the error, if any (a refusal, or a status other than SUCCEEDED).
func (e *loopEnv) timeToFinal(version, key, objVersion string) (time.Duration, error) {
	start := time.Now()
	poll := time.Millisecond
	if _, err := e.iot.AssociateSbomWithPackageVersion(e.ctx, &iot.AssociateSbomWithPackageVersionInput{
		PackageName: aws.String("bench"), VersionName: aws.String(version),
		Sbom: &iottypes.Sbom{S3Location: &iottypes.S3Location{Bucket: aws.String("sboms"), Key: aws.String(key), Version: aws.String(objVersion)}},
	}); err != nil {
		return 0, fmt.Errorf("associate %s: %w", version, err)
	}
	for {
		v, err := e.iot.GetPackageVersion(e.ctx, &iot.GetPackageVersionInput{PackageName: aws.String("bench"), VersionName: aws.String(version)})
		switch {
		case err != nil:
			return 0, fmt.Errorf("get %s: %w", version, err)
		case v.SbomValidationStatus == iottypes.SbomValidationStatusInProgress:
			time.Sleep(poll)
			poll = min(2*poll, maxPoll)
			continue
		case v.SbomValidationStatus != iottypes.SbomValidationStatusSucceeded:
			return 0, fmt.Errorf("%s: %s", version, v.SbomValidationStatus)
		}
		return time.Since(start), nil
	}
}

// newVersions creates n versions from 8 connections and returns their names.
func (e *loopEnv) newVersions(b *testing.B, n int) []string {
	b.Helper()
	names := make([]string, n)
	for i := range names {
		e.next++
		names[i] = fmt.Sprintf("1.0.%d", e.next)
	}
	work := make(chan string)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for v := range work {
				if _, err := e.iot.CreatePackageVersion(e.ctx, &iot.CreatePackageVersionInput{PackageName: aws.String("bench"), VersionName: aws.String(v)}); err != nil {
					b.Error(err)
				}
			}
		})
	}
	for _, v := range names {
		work <- v
	}
	close(work)
	wg.Wait()
	return names
}

// latencies collects durations from several goroutines and reports percentiles.
// timeSmall times version's association of small.cdx.json (its objVersion) to a final status
// into lat; a failure fails the benchmark and counts in failures.
func (e *loopEnv) timeSmall(b *testing.B, lat *latencies, failures *atomic.Int64, version, objVersion string) {
	d, err := e.timeToFinal(version, "small.cdx.json", objVersion)
	if err != nil {
		failures.Add(1)
		b.Error(err)
		return
	}
	lat.add(d)
}

type latencies struct {
	mu sync.Mutex
	ds []time.Duration
}

func (l *latencies) add(d time.Duration) {
	l.mu.Lock()
	l.ds = append(l.ds, d)
	l.mu.Unlock()
}

// report adds p50 and p99 (nearest rank) in milliseconds to b's metrics.
func (l *latencies) report(b *testing.B) {
	if len(l.ds) == 0 {
		return
	}
	slices.Sort(l.ds)
	at := func(p float64) float64 {
		i := min(len(l.ds)-1, int(p*float64(len(l.ds))))
		return float64(l.ds[i].Microseconds()) / 1000
	}
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.99), "p99-ms")
}

// BenchmarkLoopRate: small SBOMs associated at a fixed rate (open loop: one every 1/rate,
// whether or not the earlier ones are done), each timed associate → SUCCEEDED, after half a
// second of the same to warm up; one op is half a second of associations. The rate (-loop.rate) is by default half the throughput target,
// where the latency target is set.
func BenchmarkLoopRate(b *testing.B) {
	rate := *loopRate
	perOp := rate / 2 // half a second of associations
	e := newLoopEnv(b, noQuotas...)
	obj := e.put(b, "small.cdx.json", []byte(testkit.CycloneDXValid))
	var lat latencies
	var failed atomic.Int64
	// atRate associates versions at the rate, each timed to its final status into lat.
	atRate := func(versions []string, lat *latencies) {
		var wg sync.WaitGroup
		tick := time.NewTicker(time.Second / time.Duration(rate))
		for _, v := range versions {
			<-tick.C
			wg.Go(func() { e.timeSmall(b, lat, &failed, v, obj) })
		}
		tick.Stop()
		wg.Wait()
	}
	// Half a second at the rate first, not counted: the steady state is measured, not the
	// client dialling its first connections and both processes' heaps growing after a start.
	atRate(e.newVersions(b, perOp), &latencies{})
	cpu := &cpuMeter{e: e}
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		versions := e.newVersions(b, perOp)
		b.StartTimer()
		cpu.start()
		atRate(versions, &lat)
		cpu.stop()
	}
	cpu.report(b, perOp*b.N)
	b.ReportMetric(float64(perOp*b.N)/b.Elapsed().Seconds(), "associations/s")
	b.ReportMetric(float64(failed.Load()), "failures")
	lat.report(b)
}

// BenchmarkLoopClients: 8, 16 and 32 clients, each associating a small SBOM and waiting for
// its result in a loop (closed loop), with the three quota limits at -1: every association
// must be accepted and succeed. One op is perClient associations per client.
func BenchmarkLoopClients(b *testing.B) {
	const perClient = 5
	for _, clients := range []int{8, 16, 32} {
		b.Run(fmt.Sprint(clients), func(b *testing.B) {
			e := newLoopEnv(b, noQuotas...)
			obj := e.put(b, "small.cdx.json", []byte(testkit.CycloneDXValid))
			var lat latencies
			var refused atomic.Int64
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				versions := e.newVersions(b, clients*perClient)
				b.StartTimer()
				var wg sync.WaitGroup
				for c := range clients {
					wg.Go(func() {
						for _, v := range versions[c*perClient : (c+1)*perClient] {
							e.timeSmall(b, &lat, &refused, v, obj)
						}
					})
				}
				wg.Wait()
			}
			b.ReportMetric(float64(clients*perClient*b.N)/b.Elapsed().Seconds(), "associations/s")
			b.ReportMetric(float64(refused.Load()), "refusals")
			lat.report(b)
		})
	}
}

// BenchmarkListResults: ListSbomValidationResults on a version whose SBOM archive holds 10,000
// files, walked in pages of 100; one op is the whole walk, each page timed.
func BenchmarkListResults(b *testing.B) {
	const files = 10000
	e := newLoopEnv(b, "--max-entries", fmt.Sprint(files+1))
	entries := make([]any, 0, 2*files)
	for i := range files {
		entries = append(entries, fmt.Sprintf("sbom-%05d.cdx.json", i), testkit.CycloneDXValid)
	}
	obj := e.put(b, "many.zip", testkit.Zip(b, entries...))
	v := e.newVersion(b)
	e.associate(b, v, "many.zip", obj)
	e.wait(b, v)
	var lat latencies
	b.ResetTimer()
	for range b.N {
		pages := iot.NewListSbomValidationResultsPaginator(e.iot, &iot.ListSbomValidationResultsInput{
			PackageName: aws.String("bench"), VersionName: aws.String(v), MaxResults: aws.Int32(100)})
		n := 0
		for pages.HasMorePages() {
			start := time.Now()
			page, err := pages.NextPage(e.ctx)
			if err != nil {
				b.Fatal(err)
			}
			lat.add(time.Since(start))
			n += len(page.ValidationResultSummaries)
		}
		if n != files {
			b.Fatalf("%d results listed, want %d", n, files)
		}
	}
	lat.report(b)
}

// cpu is the CPU time (user and system) used so far by sbomd and by this process, the client:
// on a machine shared with other work, wall-clock rates vary with the load, CPU per
// association much less.
func (e *loopEnv) cpu() (server, client time.Duration) {
	server, _ = testkit.ProcessCPU(e.proc.Cmd.Process.Pid) // not Linux: no server figure
	return server, testkit.SelfCPU()
}

// cpuMeter adds up the CPU time sbomd and the client use between start and stop, and reports
// it in milliseconds per association.
type cpuMeter struct {
	e                      *loopEnv
	server, client, s0, c0 time.Duration
}

func (m *cpuMeter) start() { m.s0, m.c0 = m.e.cpu() }

func (m *cpuMeter) stop() {
	s, c := m.e.cpu()
	m.server += s - m.s0
	m.client += c - m.c0
}

func (m *cpuMeter) report(b *testing.B, associations int) {
	if associations == 0 {
		return
	}
	if m.server > 0 {
		b.ReportMetric(float64(m.server.Microseconds())/1000/float64(associations), "server-cpu-ms/association")
	}
	b.ReportMetric(float64(m.client.Microseconds())/1000/float64(associations), "client-cpu-ms/association")
}
