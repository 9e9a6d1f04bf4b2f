package main

import (
	"context"
	"flag"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/dynamodb"
	"github.com/sbomcat/sbomcat/internal/testkit"
	sbomsqs "github.com/sbomcat/sbomcat/sqs"
	"github.com/sbomcat/sbomcat/worker/workertest"
)

var (
	benchConcurrency = flag.Int("sqs.concurrency", 0, "SBOMCAT_CONCURRENCY of the benchmarked sbomworker (0: its default)")
	benchProducers   = flag.Int("sqs.producers", 8, "goroutines associating and publishing at once, as concurrent API calls would")
	benchCount       = flag.Bool("sqs.count", false, "count the worker's requests to SQS and DynamoDB by operation, through a proxy (which costs the client CPU)")
)

// BenchmarkSQSPath measures the deployed asynchronous path end to end, each part its own
// process: the built sbomworker long-polling fauxqs, its store on DynamoDB (dynalite), S3 on
// cmd/s3server. The benchmark associates b.N small SBOMs as the API does (Store.Associate, then
// publish), from several goroutines at once, and is timed until the store counts none in
// progress. It reports validations/s and each process's CPU per validation, so that it shows
// where the time goes; the client's is the associating (two DynamoDB writes and a SendMessage
// per association) and the polling for the end:
//
//	go test ./cmd/sbomworker -run '^$' -bench SQSPath -benchtime 2000x
func BenchmarkSQSPath(b *testing.B) {
	p := startSQSPath(b)
	p.startWorker(b)
	cpu := p.cpuNow(b)
	b.ResetTimer()
	start := time.Now()
	p.associate(b, true)
	workertest.WaitIdle(b, p.store, 25*time.Millisecond) // not more often: the store's CPU is what is measured
	b.StopTimer()
	p.report(b, time.Since(start), cpu)
}

// BenchmarkSQSDrain measures the worker's side alone: b.N associations are stored and
// published before the clock starts and before the worker runs, then the built sbomworker is
// started (its start-up is timed, a few ms) and timed until it has drained them all. It
// reports validations/s and CPU per validation as BenchmarkSQSPath does; the client's is only
// the polling for the end. It is not the end-to-end rate: the associating costs nothing here.
//
//	go test ./cmd/sbomworker -run '^$' -bench SQSDrain -benchtime 2000x
func BenchmarkSQSDrain(b *testing.B) {
	p := startSQSPath(b)
	p.associate(b, false)
	cpu := p.cpuNow(b)
	b.ResetTimer()
	start := time.Now()
	p.startWorker(b)
	workertest.WaitIdle(b, p.store, 25*time.Millisecond)
	b.StopTimer()
	p.report(b, time.Since(start), cpu)
}

// sqsPath is the deployed asynchronous path's parts, each its own process, with b.N package
// versions to associate.
type sqsPath struct {
	bin   string // the built sbomworker
	store *dynamodb.Store
	pub   *sbomsqs.Publisher
	loc   sbomcat.S3Location
	env   []string
	procs map[string]int // process name → pid, the worker's once started
	ops   *opCounter
}

func startSQSPath(b *testing.B) *sqsPath {
	ctx := context.Background()
	sqsSrv := workertest.StartSQS(b)
	ddbSrv := workertest.StartDynamoDB(b)
	s3bin := testkit.Build(b, "../s3server", "s3server")
	s3srv := testkit.StartServer(b, exec.Command(s3bin, "--addr", "127.0.0.1:0", "--data-dir", b.TempDir()))
	q := sqsSrv.CreateQueue(b, "associations", 5, 30)

	p := &sqsPath{bin: build(b), store: dynamodb.New(ddb.NewFromConfig(testkit.SDKConfig(ddbSrv.URL)), "sbomcat"), pub: sbomsqs.NewPublisher(sqsSrv.Client(), q.URL)}
	if err := p.store.CreateTable(ctx); err != nil {
		b.Fatal(err)
	}
	s3c := testkit.S3Client(s3srv.URL)
	testkit.CreateVersionedBucket(b, s3c, bucket)
	put, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("bench/sbom.json"),
		Body: strings.NewReader(string(testkit.ReadFixture(b, "cdx16-valid.json")))})
	if err != nil {
		b.Fatal(err)
	}
	p.loc = sbomcat.S3Location{Bucket: bucket, Key: "bench/sbom.json", Version: aws.ToString(put.VersionId)}
	if err := p.store.CreatePackage(ctx, &sbomcat.Package{Name: "bench"}, sbomcat.NoLimit); err != nil {
		b.Fatal(err)
	}
	each(b, b.N, func(i int) error {
		return p.store.CreateVersion(ctx, &sbomcat.PackageVersion{PackageName: "bench", VersionName: strconv.Itoa(i)}, sbomcat.NoLimit)
	})

	workerSQS, workerDDB := sqsSrv.URL, ddbSrv.URL
	if *benchCount {
		p.ops = &opCounter{n: map[string]int{}}
		workerSQS, workerDDB = p.ops.proxy(b, sqsSrv.URL), p.ops.proxy(b, ddbSrv.URL)
	}
	p.env = workertest.AWSEnv(
		"AWS_ENDPOINT_URL_S3="+s3srv.URL, "AWS_ENDPOINT_URL_SQS="+workerSQS, "AWS_ENDPOINT_URL_DYNAMODB="+workerDDB,
		"SBOMCAT_S3_USE_PATH_STYLE=true", "SBOMCAT_QUEUE_URL="+q.URL, "SBOMCAT_STORE=dynamodb", "SBOMCAT_TABLE=sbomcat",
		"SBOMCAT_LOG_LEVEL=warn", "TMPDIR="+b.TempDir(),
	)
	if *benchConcurrency > 0 {
		p.env = append(p.env, "SBOMCAT_CONCURRENCY="+strconv.Itoa(*benchConcurrency))
	}
	p.procs = map[string]int{"s3server": s3srv.Cmd.Process.Pid, "fauxqs": sqsSrv.Pid, "dynalite": ddbSrv.Pid}
	return p
}

// startWorker starts the built sbomworker on the path's parts.
func (p *sqsPath) startWorker(b *testing.B) {
	w := exec.Command(p.bin)
	w.Env = p.env
	out := &testkit.Buffer{}
	w.Stderr = out // metrics (stdout) are discarded: one line per validation
	if err := w.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		w.Process.Signal(syscall.SIGTERM)
		w.Wait()
		if b.Failed() {
			b.Logf("sbomworker output:\n%s", out)
		}
	})
	p.procs["sbomworker"] = w.Process.Pid
}

// associate associates the b.N versions with the SBOM and publishes each association, from
// -sqs.producers goroutines. Unless timed, it is done before the worker runs.
func (p *sqsPath) associate(b *testing.B, timed bool) {
	ctx := context.Background()
	each(b, *benchProducers, func(i int) error {
		for j := i; j < b.N; j += *benchProducers {
			a := sbomcat.Association{ID: sbomcat.NewID(), PackageName: "bench", VersionName: strconv.Itoa(j), SBOM: p.loc, CreatedAt: time.Now()}
			if _, err := p.store.Associate(ctx, a, sbomcat.NoLimit); err != nil {
				return err
			}
			if err := p.pub.Enqueue(ctx, a); err != nil {
				return err
			}
		}
		return nil
	})
	if !timed && p.ops != nil {
		p.ops.reset() // only the worker's requests count
	}
}

// cpuNow returns the CPU each process has used so far ("client" for this one). A worker not
// started yet is absent: it has used none.
func (p *sqsPath) cpuNow(b *testing.B) map[string]time.Duration {
	cpu := map[string]time.Duration{"client": testkit.SelfCPU()}
	for name, pid := range p.procs {
		cpu[name] = cpuOf(b, pid)
	}
	return cpu
}

// report reports validations/s over elapsed and each process's CPU per validation since
// before, and checks that the first and last versions were validated.
func (p *sqsPath) report(b *testing.B, elapsed time.Duration, before map[string]time.Duration) {
	after := p.cpuNow(b)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "validations/s")
	for name, d := range after {
		b.ReportMetric(float64((d-before[name]).Microseconds())/1000/float64(b.N), name+"-ms-cpu/op")
	}
	if p.ops != nil {
		p.ops.report(b)
	}
	for _, i := range []int{0, b.N - 1} {
		if v, err := p.store.GetVersion(context.Background(), "bench", strconv.Itoa(i)); err != nil || v.SBOMStatus != sbomcat.StatusSucceeded {
			b.Fatalf("bench/%d: %+v, %v; want SUCCEEDED", i, v, err)
		}
	}
}

// each runs f(0) ... f(n-1) on up to 8 goroutines and fails b on the first error.
func each(b *testing.B, n int, f func(i int) error) {
	b.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	next := make(chan int)
	for range min(n, 8) {
		wg.Go(func() {
			for i := range next {
				if err := f(i); err != nil {
					errs <- err
				}
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
}

// cpuOf returns the user and system CPU time process pid has used, all its threads together.
func cpuOf(b *testing.B, pid int) time.Duration {
	b.Helper()
	d, err := testkit.ProcessCPU(pid)
	if err != nil {
		b.Fatal(err)
	}
	return d
}

// opCounter counts the requests that pass its proxies by operation (X-Amz-Target: SQS and
// DynamoDB speak the JSON protocol).
type opCounter struct {
	mu sync.Mutex
	n  map[string]int
}

// proxy starts a reverse proxy to target that counts, and returns its URL.
func (c *opCounter) proxy(b *testing.B, target string) string {
	b.Helper()
	u, err := url.Parse(target)
	if err != nil {
		b.Fatal(err)
	}
	p := httputil.NewSingleHostReverseProxy(u)
	p.Transport = &http.Transport{MaxIdleConnsPerHost: 256}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op := r.Header.Get("X-Amz-Target")
		op = op[strings.LastIndexByte(op, '.')+1:]
		c.mu.Lock()
		c.n[op]++
		c.mu.Unlock()
		p.ServeHTTP(w, r)
	}))
	b.Cleanup(srv.Close)
	return srv.URL
}

// reset forgets the requests counted so far.
func (c *opCounter) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.n)
}

// report reports each operation's requests per validation.
func (c *opCounter) report(b *testing.B) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for op, n := range c.n {
		b.ReportMetric(float64(n)/float64(b.N), op+"/op")
	}
}
