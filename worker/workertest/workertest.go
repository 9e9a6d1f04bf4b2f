// Package workertest starts the real engines that the worker's and the queue's tests run
// against, on free loopback ports, and stops them when the test ends: an S3 server with
// versioning (gofakes3 on an in-memory backend, in process), an SQS server (fauxqs) and a
// DynamoDB server (dynalite), node programs installed by `make tools`. Tests talk to them
// through the official SDK clients; programs under test get them through AWSEnv, a worker
// through WorkerConfig.
package workertest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/internal/testkit"
	"github.com/sbomcat/sbomcat/objects"
	"github.com/sbomcat/sbomcat/sqlite"
	"github.com/sbomcat/sbomcat/worker"
)

// Region and credentials every test client uses (testkit.SDKConfig configures them); the
// engines accept any.
const (
	Region    = "us-east-1"
	AccessKey = "test"
	SecretKey = "test"
)

// AWSEnv is the environment of a program under test whose SDK clients configure themselves
// (config.LoadDefaultConfig) for the test engines: the test region and credentials, nothing
// from the machine (no shared files, no instance metadata), then extra: its endpoints
// (AWS_ENDPOINT_URL_S3=... and the like) and its own settings.
func AWSEnv(extra ...string) []string {
	return append([]string{
		"AWS_REGION=" + Region, "AWS_ACCESS_KEY_ID=" + AccessKey, "AWS_SECRET_ACCESS_KEY=" + SecretKey,
		"AWS_CONFIG_FILE=" + os.DevNull, "AWS_SHARED_CREDENTIALS_FILE=" + os.DevNull, "AWS_EC2_METADATA_DISABLED=true",
	}, extra...)
}

// S3Server is gofakes3 serving an in-memory, versioning backend over HTTP. Its state survives
// Stop and Start, which stop and restart the listener on the same address, so a test can take
// S3 away and bring it back.
type S3Server struct {
	URL     string
	Backend *s3mem.Backend

	// Fault, when set, is asked about every request first; a non-zero status is answered with
	// an S3 error document of that status and code instead of serving the request. It stands
	// in for what gofakes3 cannot do itself (access policies, throttling).
	Fault atomic.Pointer[func(r *http.Request) (status int, code string)]

	handler  http.Handler
	addr     string
	mu       sync.Mutex
	srv      *http.Server
	getBytes atomic.Int64
	gets     atomic.Int64
	heads    atomic.Int64
}

// StartS3 starts an S3 server; it stops when the test ends.
func StartS3(t testing.TB) *S3Server {
	t.Helper()
	backend := s3mem.New()
	s := &S3Server{Backend: backend}
	fake := gofakes3.New(backend, gofakes3.WithLogger(gofakes3.DiscardLog()))
	s.handler = s.count(fake.Server())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = ln.Addr().String()
	s.URL = "http://" + s.addr
	s.serve(ln)
	t.Cleanup(s.Stop)
	return s
}

func (s *S3Server) serve(ln net.Listener) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.srv = &http.Server{Handler: s.handler, ReadHeaderTimeout: 10 * time.Second}
	go s.srv.Serve(ln)
}

// Stop closes the listener and every connection: clients see connection refused.
func (s *S3Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil {
		s.srv.Close()
		s.srv = nil
	}
}

// Start listens again on the address of the first start.
func (s *S3Server) Start(t testing.TB) {
	t.Helper()
	var ln net.Listener
	var err error
	// The port was ours a moment ago; give the kernel a few tries to hand it back.
	for range 50 {
		if ln, err = net.Listen("tcp", s.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("restart S3 on %s: %v", s.addr, err)
	}
	s.serve(ln)
}

// HoldFirstGet holds the first GET of an object whose key ends in suffix ("" for any object)
// until release is closed; started is closed when that GET arrives. A test uses it to change
// things while a validation is downloading.
func (s *S3Server) HoldFirstGet(suffix string) (started, release chan struct{}) {
	started, release = make(chan struct{}), make(chan struct{})
	var once sync.Once
	hold := func(r *http.Request) (int, string) {
		if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, suffix) {
			once.Do(func() { close(started); <-release })
		}
		return 0, ""
	}
	s.Fault.Store(&hold)
	return started, release
}

// count wraps h to count requests and the object bytes served to GET requests.
func (s *S3Server) count(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if f := s.Fault.Load(); f != nil {
			if status, code := (*f)(r); status != 0 {
				w.Header().Set("Content-Type", "application/xml")
				w.WriteHeader(status)
				if r.Method != http.MethodHead {
					fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>injected by the test</Message><RequestId>test</RequestId></Error>`, code)
				}
				return
			}
		}
		_, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
		q := r.URL.Query()
		isObject := key != "" && !q.Has("uploads") && !q.Has("uploadId") && !q.Has("tagging") && !q.Has("acl")
		switch {
		case isObject && r.Method == http.MethodGet:
			s.gets.Add(1)
			h.ServeHTTP(&countingWriter{ResponseWriter: w, n: &s.getBytes}, r)
			return
		case isObject && r.Method == http.MethodHead:
			s.heads.Add(1)
		}
		h.ServeHTTP(w, r)
	})
}

type countingWriter struct {
	http.ResponseWriter
	n      *atomic.Int64
	status int
}

func (c *countingWriter) WriteHeader(status int) {
	c.status = status
	c.ResponseWriter.WriteHeader(status)
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.ResponseWriter.Write(p)
	// Only object bodies count: error documents are not downloads.
	if c.status == 0 || c.status < 300 {
		c.n.Add(int64(n))
	}
	return n, err
}

// BytesServed is the number of object body bytes served to GET requests so far.
func (s *S3Server) BytesServed() int64 { return s.getBytes.Load() }

// Gets and Heads count object GET and HEAD requests so far.
func (s *S3Server) Gets() int64  { return s.gets.Load() }
func (s *S3Server) Heads() int64 { return s.heads.Load() }

// Client returns an S3 client on the server (path-style, as the worker must be configured for
// emulators).
func (s *S3Server) Client() *s3.Client {
	return testkit.S3Client(s.URL)
}

// QuickRetryClient is Client with quick retries (two attempts, at most 10 ms apart), so that
// tests of an unreachable S3 do not wait out the SDK's production backoff.
func (s *S3Server) QuickRetryClient() *s3.Client {
	return s3.New(s.Client().Options(), func(o *s3.Options) {
		o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
			so.MaxAttempts = 2
			so.MaxBackoff = 10 * time.Millisecond
		})
	})
}

// WorkerConfig is the configuration of a worker on the test engines: store st, the objects of
// s read through its QuickRetryClient, logs to t (testkit.Logger), metrics to the buffer the
// test reads them from, and a temporary directory of t's.
func WorkerConfig(t testing.TB, st sbomcat.Store, s *S3Server, metrics *testkit.Buffer) worker.Config {
	return worker.Config{
		Store:   st,
		Objects: objects.NewFromClient(s.QuickRetryClient()),
		Logger:  testkit.Logger(t),
		Metrics: metrics,
		TempDir: t.TempDir(),
	}
}

// CreateBucket creates a bucket with versioning enabled.
func (s *S3Server) CreateBucket(t testing.TB, bucket string) {
	t.Helper()
	testkit.CreateVersionedBucket(t, s.Client(), bucket)
}

// Put stores body under key and returns the new version id. The body is a bytes.Reader: over
// plain HTTP the SDK needs a seekable body to sign and checksum it.
func (s *S3Server) Put(t testing.TB, bucket, key string, body []byte) string {
	t.Helper()
	out, err := s.Client().PutObject(context.Background(), &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(body)})
	if err != nil {
		t.Fatalf("put s3://%s/%s: %v", bucket, key, err)
	}
	if aws.ToString(out.VersionId) == "" {
		t.Fatalf("put s3://%s/%s: no version id (versioning off?)", bucket, key)
	}
	return aws.ToString(out.VersionId)
}

// PutFile stores the file at path under key and returns the new version id.
func (s *S3Server) PutFile(t testing.TB, bucket, key, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out, err := s.Client().PutObject(context.Background(), &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(key), Body: f})
	if err != nil {
		t.Fatalf("put s3://%s/%s: %v", bucket, key, err)
	}
	return aws.ToString(out.VersionId)
}

// DeleteVersion deletes one version of an object.
func (s *S3Server) DeleteVersion(t testing.TB, bucket, key, version string) {
	t.Helper()
	if _, err := s.Client().DeleteObject(context.Background(), &s3.DeleteObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(key), VersionId: aws.String(version)}); err != nil {
		t.Fatalf("delete s3://%s/%s?versionId=%s: %v", bucket, key, version, err)
	}
}

// SQSServer is a fauxqs process.
type SQSServer struct {
	*Emulator
}

// ToolCLI finds an npm tool's script (rel, under node_modules): under $SBOMCAT_TOOLS, else
// under the module's .tools (where `make tools` installs them). It returns a skip reason when
// neither has it and SBOMCAT_TOOLS is unset; when SBOMCAT_TOOLS is set, a missing tool is an
// error, so that CI cannot pass by skipping.
func ToolCLI(rel string) (cli, skip string, err error) {
	rel = filepath.Join("node_modules", rel)
	if tools := os.Getenv("SBOMCAT_TOOLS"); tools != "" {
		cli = filepath.Join(tools, rel)
		if _, err := os.Stat(cli); err != nil {
			return "", "", fmt.Errorf("SBOMCAT_TOOLS=%s but %s is not installed there (run `make tools`): %w", tools, rel, err)
		}
		return cli, "", nil
	}
	root, err := ModuleRoot()
	if err != nil {
		return "", "", err
	}
	cli = filepath.Join(root, ".tools", rel)
	if _, err := os.Stat(cli); err != nil {
		return "", rel + " not installed: run `make tools` (npm install into .tools) or set SBOMCAT_TOOLS", nil
	}
	return cli, "", nil
}

// ModuleRoot returns the directory of the go.mod above the working directory.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// Emulator is an npm emulator (fauxqs, dynalite) running as a process of its own.
type Emulator struct {
	// URL is where it answers, on 127.0.0.1.
	URL string
	// Pid is its process's id, for benchmarks that measure its CPU time.
	Pid  int
	stop func()
}

// Stop kills the emulator and waits for it to end.
func (e *Emulator) Stop() { e.stop() }

// launchNode runs the npm tool rel on a free port until stopped and returns it once ready says
// it answers. args and env get the port. It returns a reason to skip when node or the tool is
// not installed.
func launchNode(rel string, args func(port string) []string, env func(port string) []string, ready func(url string) error) (e *Emulator, skip string, err error) {
	cli, skip, err := ToolCLI(rel)
	if skip != "" || err != nil {
		return nil, skip, err
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, rel + " needs node, which is not installed", nil
	}
	var lastErr error
	// A port free when chosen can be taken before the tool binds it: try a few.
	for range 5 {
		p, err := testkit.FreePort()
		if err != nil {
			return nil, "", err
		}
		port := strconv.Itoa(p)
		out := &testkit.Buffer{}
		cmd := exec.Command(node, append([]string{cli}, args(port)...)...)
		cmd.Env = append(os.Environ(), env(port)...)
		cmd.Stdout, cmd.Stderr = out, out
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := cmd.Start(); err != nil {
			return nil, "", err
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		kill := func() {
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
		url := "http://127.0.0.1:" + port
		if lastErr = waitReady(url, ready, exited, out); lastErr == nil {
			return &Emulator{URL: url, Pid: cmd.Process.Pid, stop: kill}, "", nil
		}
		kill()
	}
	return nil, "", fmt.Errorf("%s did not start: %w", rel, lastErr)
}

// startForTest runs launch's emulator until t ends; t is skipped when it cannot run.
func startForTest(t testing.TB, launch func() (*Emulator, string, error)) *Emulator {
	t.Helper()
	e, skip, err := launch()
	if err != nil {
		t.Fatal(err)
	}
	if skip != "" {
		t.Skip(skip)
	}
	t.Cleanup(e.Stop)
	return e
}

func waitReady(url string, ready func(string) error, exited <-chan error, out *testkit.Buffer) error {
	// Generous: node starts slowly on a loaded 2-core machine, and a start that is only slow
	// must not count as a failure.
	const patience = 60 * time.Second
	deadline := time.Now().Add(patience)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			return fmt.Errorf("exited: %v: %s", err, out.String())
		default:
		}
		if ready(url) == nil {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("not ready after %s: %s", patience, out.String())
}

// StartSQS starts fauxqs 1.9.2 on a free port and stops it when the test ends. fauxqs binds
// 0.0.0.0 whatever it is told; tests talk to it on 127.0.0.1 only.
func StartSQS(t testing.TB) *SQSServer {
	t.Helper()
	return &SQSServer{Emulator: startForTest(t, func() (*Emulator, string, error) {
		return launchNode("fauxqs/dist/cli.js",
			func(string) []string { return nil },
			func(port string) []string {
				return []string{"FAUXQS_PORT=" + port, "FAUXQS_HOST=127.0.0.1", "FAUXQS_LOGGER=false"}
			},
			func(url string) error {
				ctx, cancel := context.WithTimeout(context.Background(), time.Second)
				defer cancel()
				_, err := sqs.NewFromConfig(testkit.SDKConfig(url)).ListQueues(ctx, &sqs.ListQueuesInput{})
				return err
			})
	})}
}

// StartDynamoDB starts dynalite 4.0.0 (in memory) on a free loopback port for one test, and
// stops it when the test ends; the test is skipped when it cannot run.
func StartDynamoDB(t testing.TB) *Emulator {
	t.Helper()
	return startForTest(t, launchDynamoDB)
}

// SharedDynamoDB is one dynalite for all the tests of a binary that need one, each on tables
// of its own: started by the first URL call, stopped by Stop, which the binary's TestMain calls
// after m.Run.
type SharedDynamoDB struct {
	once sync.Once
	e    *Emulator
	skip string
	err  error
}

// URL starts dynalite if no test has yet and returns its URL; t is skipped when it cannot run.
func (s *SharedDynamoDB) URL(t testing.TB) string {
	t.Helper()
	s.once.Do(func() { s.e, s.skip, s.err = launchDynamoDB() })
	if s.err != nil {
		t.Fatal(s.err)
	}
	if s.skip != "" {
		t.Skip(s.skip)
	}
	return s.e.URL
}

// Stop stops dynalite if it was started.
func (s *SharedDynamoDB) Stop() {
	if s.e != nil {
		s.e.Stop()
	}
}

// launchDynamoDB starts dynalite 4.0.0 (in memory) on a free loopback port, to run until its
// Stop. It returns a reason to skip when node or dynalite is not installed.
func launchDynamoDB() (e *Emulator, skip string, err error) {
	return launchNode("dynalite/cli.js",
		func(port string) []string {
			return []string{"--port", port, "--host", "127.0.0.1", "--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0"}
		},
		func(string) []string { return nil },
		func(url string) error {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			_, err := ddb.NewFromConfig(testkit.SDKConfig(url)).ListTables(ctx, &ddb.ListTablesInput{})
			return err
		})
}

// Client returns an SQS client on the server.
func (s *SQSServer) Client() *sqs.Client {
	return sqs.NewFromConfig(testkit.SDKConfig(s.URL))
}

// Queue is a queue and its dead-letter queue.
type Queue struct {
	URL, DLQURL string
}

// CreateQueue creates name and name-dlq, redriving to the latter after maxReceiveCount
// deliveries, with the given default visibility timeout in seconds.
func (s *SQSServer) CreateQueue(t testing.TB, name string, maxReceiveCount, visibility int) Queue {
	t.Helper()
	ctx := context.Background()
	c := s.Client()
	dlq, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name + "-dlq")})
	if err != nil {
		t.Fatalf("create queue: %v", err)
	}
	attrs, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: dlq.QueueUrl,
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		t.Fatalf("dlq attributes: %v", err)
	}
	policy := fmt.Sprintf(`{"deadLetterTargetArn":%q,"maxReceiveCount":%d}`, attrs.Attributes["QueueArn"], maxReceiveCount)
	q, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: map[string]string{
		"RedrivePolicy": policy, "VisibilityTimeout": strconv.Itoa(visibility)}})
	if err != nil {
		t.Fatalf("create queue: %v", err)
	}
	return Queue{URL: aws.ToString(q.QueueUrl), DLQURL: aws.ToString(dlq.QueueUrl)}
}

// Counts returns the queue's approximate visible and in-flight message counts.
func (s *SQSServer) Counts(t testing.TB, url string) (visible, inFlight int) {
	t.Helper()
	out, err := s.Client().GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url),
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages, sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible}})
	if err != nil {
		t.Fatalf("queue attributes: %v", err)
	}
	visible, _ = strconv.Atoi(out.Attributes["ApproximateNumberOfMessages"])
	inFlight, _ = strconv.Atoi(out.Attributes["ApproximateNumberOfMessagesNotVisible"])
	return visible, inFlight
}

// WaitDrained waits until the queue at url holds no message, visible or in flight. A runner
// deletes finished messages in batches shortly after their results are recorded, so a test
// that has seen a final status waits for the queue rather than reading it once.
func (s *SQSServer) WaitDrained(t testing.TB, url string, timeout time.Duration) {
	t.Helper()
	Eventually(t, timeout, "the queue to drain", func() bool {
		v, f := s.Counts(t, url)
		return v == 0 && f == 0
	})
}

// Eventually polls cond every 20 ms until it holds or timeout passes, then fails the test with
// what. Tests wait on observable state this way rather than sleeping for a guessed time.
func Eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// WaitIdle polls st every poll until no validation is in progress. Benchmarks wait this way,
// with no timeout (the benchmark's own bounds it): how often they poll adds to the load on the
// store they measure.
func WaitIdle(t testing.TB, st sbomcat.Store, poll time.Duration) {
	t.Helper()
	for {
		c, err := st.Counts(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if c.ValidationsInProgress == 0 {
			return
		}
		time.Sleep(poll)
	}
}

// OpenStore opens a fresh SQLite store in a temporary directory and closes it when the test ends.
func OpenStore(t testing.TB) (*sqlite.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), sqlite.FileName)
	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st, path
}

// CreateVersion creates the package (if needed) and a DRAFT version of it.
func CreateVersion(t testing.TB, st sbomcat.Store, pkg, version string) {
	t.Helper()
	ctx := context.Background()
	if err := st.CreatePackage(ctx, &sbomcat.Package{Name: pkg}, sbomcat.NoLimit); err != nil && sbomcat.ErrCode(err) != sbomcat.ECONFLICT {
		t.Fatal(err)
	}
	if err := st.CreateVersion(ctx, &sbomcat.PackageVersion{PackageName: pkg, VersionName: version}, sbomcat.NoLimit); err != nil {
		t.Fatal(err)
	}
}

// Associate associates the object version with the package version as the API does, and
// returns the association.
func Associate(t testing.TB, st sbomcat.Store, pkg, version string, loc sbomcat.S3Location) sbomcat.Association {
	t.Helper()
	a := sbomcat.Association{ID: sbomcat.NewID(), PackageName: pkg, VersionName: version, SBOM: loc, CreatedAt: time.Now()}
	if _, err := st.Associate(context.Background(), a, sbomcat.NoLimit); err != nil {
		t.Fatal(err)
	}
	return a
}

// Status returns the version's SBOM status and all its current results, in the store's order.
func Status(t testing.TB, st sbomcat.Store, pkg, version string) (sbomcat.ValidationStatus, []sbomcat.FileResult) {
	t.Helper()
	ctx := context.Background()
	v, err := st.GetVersion(ctx, pkg, version)
	if err != nil {
		t.Fatal(err)
	}
	var all []sbomcat.FileResult
	page := sbomcat.PageRequest{}
	for {
		p, err := st.ListValidationResults(ctx, pkg, version, "", page)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, p.Items...)
		if p.NextToken == "" {
			return v.SBOMStatus, all
		}
		page.NextToken = p.NextToken
	}
}
