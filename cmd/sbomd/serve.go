package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/catalog"
	"github.com/sbomcat/sbomcat/console"
	"github.com/sbomcat/sbomcat/formats"
	"github.com/sbomcat/sbomcat/internal/httpguard"
	"github.com/sbomcat/sbomcat/internal/wiring"
	"github.com/sbomcat/sbomcat/internal/wiring/apiwiring"
	"github.com/sbomcat/sbomcat/internal/wiring/awswiring"
	"github.com/sbomcat/sbomcat/internal/wiring/localobjects"
	"github.com/sbomcat/sbomcat/jobs"
	"github.com/sbomcat/sbomcat/jobs/s3presign"
	"github.com/sbomcat/sbomcat/queue"
	"github.com/sbomcat/sbomcat/s3local"
	"github.com/sbomcat/sbomcat/sqlite"
	sbomsqs "github.com/sbomcat/sbomcat/sqs"
	"github.com/sbomcat/sbomcat/worker"
)

// run serves until ctx is done, then shuts down gracefully. ready, if not nil, is called with
// the listening address once requests can be served.
func run(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer, ready func(addr string)) error {
	c, err := parseFlags(args, getenv, stderr)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: c.level}))
	for _, msg := range c.warnings {
		log.Warn(msg)
	}
	return serve(ctx, c, log, ready)
}

func serve(ctx context.Context, c config, log *slog.Logger, ready func(addr string)) error {
	// The SDK's configuration is loaded only when an AWS service is used, so that
	// AWS_ENDPOINT_URL pointing at sbomd itself (as the walkthrough sets it for the CLI) cannot
	// turn sbomd into its own client.
	var awsCfg aws.Config
	if c.table != "" || c.queueURL != "" || c.s3 == s3External {
		var err error
		if awsCfg, err = awswiring.Load(ctx, c.region); err != nil {
			return err
		}
	}

	if err := os.MkdirAll(c.dataDir, 0o700); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	sc := wiring.StoreConfig{Kind: wiring.StoreSQLite, SQLitePath: filepath.Join(c.dataDir, sqlite.FileName)}
	if c.table != "" {
		sc = wiring.StoreConfig{Kind: wiring.StoreDynamoDB, Table: c.table}
	}
	store, where, err := wiring.OpenCatalog(ctx, sc, awsCfg)
	if err != nil {
		return err
	}
	defer store.Close()

	var s3b *s3local.Backend
	if c.s3 == s3Embedded {
		if s3b, err = s3local.Open(filepath.Join(c.dataDir, "s3"), s3local.WithLogger(log.With("component", "s3"))); err != nil {
			return fmt.Errorf("s3 store: %w", err)
		}
		// Deferred after store.Close, so it runs first: the worker reads both, and it has
		// stopped by the time either closes.
		defer s3b.Close()
	}

	// Listen before building the handler: presigned URLs name the address actually bound
	// (a free port when --addr ends in :0).
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	defer ln.Close()
	publicURL := c.publicURL
	if publicURL == "" {
		publicURL = "http://" + advertised(ln.Addr())
	}

	var (
		objs      worker.Objects
		presigner jobs.Presigner
	)
	if s3b != nil {
		objs = localobjects.New(s3b)
		presigner = s3presign.New(s3.New(s3.Options{
			Region:       c.region,
			BaseEndpoint: aws.String(publicURL),
			UsePathStyle: true,
			Credentials:  credentials.NewStaticCredentialsProvider(c.presignKey, c.credentials[c.presignKey], ""),
		}))
	} else {
		objs = wiring.S3Objects(awsCfg, c.s3Options)
		presigner = s3presign.New(s3.NewFromConfig(awsCfg, func(o *s3.Options) { o.UsePathStyle = c.s3Options.UsePathStyle }))
	}
	w := worker.New(worker.Config{
		Store:     store,
		Objects:   objs,
		Validator: c.validator,
		Logger:    log.With("component", "worker"),
		// Metrics are CloudWatch Embedded Metric Format lines for Lambda and the CloudWatch
		// agent; locally the worker's log line per job says the same.
		Metrics: nil,
		Timeout: c.validationTimeout,
	})

	// The queue: what the API hands associations to, and what (if anything) validates them here.
	var (
		enq      catalog.Enqueuer
		consumer func(context.Context) error
		mode     string
	)
	switch {
	case c.queueURL != "":
		client := awssqs.NewFromConfig(awsCfg)
		enq, mode = sbomsqs.NewPublisher(client, c.queueURL), "sqs"
		if c.worker {
			consumer = sbomsqs.NewRunner(client, c.queueURL, w, sbomsqs.RunnerOptions{
				Concurrency: c.concurrency, ShutdownGrace: c.shutdownGrace, Logger: log.With("component", "queue"),
			}).Run
		}
	case c.worker:
		local := queue.NewLocal(store, w, queue.LocalOptions{
			Concurrency: c.concurrency, ShutdownGrace: c.shutdownGrace, Logger: log.With("component", "queue"),
		})
		enq, consumer, mode = local, local.Run, "embedded"
	default:
		// No consumer here: the associations stay IN_PROGRESS in the store, and the embedded
		// queue of the next sbomd started with a worker on this catalog takes them up from
		// there (Store.ListInProgress).
		mode = "embedded"
		log.Warn("no validation worker runs in this process: associations stay IN_PROGRESS until an sbomd with --worker=true runs on this catalog")
	}

	// A connection that makes no progress for the stall timeout is closed,
	// and the bodies the IoT API and S3's XML operations hold in memory share one budget.
	guard := httpguard.New(httpguard.Config{Stall: c.stallTimeout, MaxBuffered: c.maxBuffered})
	apiCfg := apiwiring.APIConfig{
		Store:        store,
		Queue:        enq,
		Presigner:    presigner,
		Scope:        sbomcat.Scope{Partition: sbomcat.DefaultScope.Partition, Region: c.region, Account: c.account},
		Credentials:  c.credentials,
		Logger:       log.With("component", "api"),
		MaxBodyBytes: c.maxBody,
		MaxPackages:  c.maxPackages,
		MaxVersions:  c.maxVersions,
		MaxInFlight:  c.maxInFlight,
	}
	svc := apiwiring.NewCatalog(apiCfg)
	apiHandler := guard.Buffered(apiwiring.NewAPI(apiCfg, svc))
	// The console in the browser, on the IoT API's side of the route (S3 requests, told
	// apart by their signature, never reach it), reading the catalog the API serves.
	var (
		iotHandler http.Handler = apiHandler
		consoleURL string
	)
	if c.console {
		token := c.consoleToken
		if token == "" {
			token = console.NewToken()
		}
		ch, err := console.New(console.Config{Catalog: svc, Validator: c.validator, Token: token, Logger: log.With("component", "console")})
		if err != nil {
			return err
		}
		iotHandler, consoleURL = console.Mount(ch, apiHandler), ch.URL("http://"+advertised(ln.Addr()))
	}
	var s3h http.Handler
	if s3b != nil {
		s3h = logRequests(log.With("component", "s3"),
			s3local.Authenticate(guard.BufferedIf(s3b.Handler(), s3local.BuffersBody), s3local.AuthConfig{Credentials: c.credentials, Region: c.region}))
	}
	srv := guard.Server(route(iotHandler, s3h), log)

	work, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()
	var wg sync.WaitGroup
	var workErr error
	if consumer != nil {
		// The schemas compile on first use; here they compile at once, beside the first
		// requests, so that the first validations after a start do not queue behind them (they
		// made the first associations of a start take 50–100 ms instead of 2–3).
		go func() {
			if err := formats.Precompile(); err != nil {
				log.Error("compiling the SBOM schemas failed", "error", err.Error())
			}
		}()
		wg.Go(func() {
			if err := consumer(work); err != nil {
				workErr = err
				log.Error("validation worker stopped", "error", err.Error())
			}
		})
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()

	// Access key ids are listed so that a user can see which pair to use; secrets never are.
	keyIDs := make([]string, 0, len(c.credentials))
	for k := range c.credentials {
		keyIDs = append(keyIDs, k)
	}
	slices.Sort(keyIDs)
	s3Where := "external (AWS SDK configuration)"
	if s3b != nil {
		s3Where = s3b.Dir()
	}
	log.Info("serving", "addr", ln.Addr().String(), "public_url", publicURL, "catalog", where, "s3", s3Where,
		"queue", mode, "worker", c.worker, "concurrency", c.concurrency,
		"region", c.region, "account", c.account, "access_keys", keyIDs)
	if consoleURL != "" { // console
		log.Info("console: open this URL in a browser", "url", consoleURL)
	}
	if ready != nil {
		ready(ln.Addr().String())
	}

	var serveErr error
	select {
	case serveErr = <-errc:
	case <-ctx.Done():
	}
	log.Info("shutting down", "grace_s", c.shutdownGrace.Seconds())
	// Requests and validations finish side by side within the grace; validations still running
	// then are interrupted and, being still IN_PROGRESS in the store, resume at the next start.
	stopWork()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), c.shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		srv.Close()
		log.Warn("requests still running at the end of the grace were cut off", "error", err.Error())
	}
	wg.Wait()
	log.Info("stopped")
	return errors.Join(serveErrOf(serveErr), workErr)
}

func serveErrOf(err error) error {
	if err == nil || errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return fmt.Errorf("serve: %w", err)
}

// route sends each request to the API its SigV4 credential scope names, as LocalStack's edge
// port does: s3 to the S3 endpoint (which verifies S3's flavour of SigV4, presigned URLs
// included, and takes objects up to 5 GiB), everything else to the IoT API, which verifies
// the signature before anything else and answers 403 to unsigned requests and to other
// services, whatever the path. s3 is nil when S3 is external. The handler is served directly,
// not behind an http.ServeMux, which would clean paths and redirect S3 keys such as "a//b".
func route(iotAPI, s3 http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s3 != nil && s3local.SigV4Service(r) == "s3" {
			s3.ServeHTTP(w, r)
			return
		}
		iotAPI.ServeHTTP(w, r)
	})
}

// advertised is the host:port clients reach a listener at: an unspecified host (0.0.0.0,
// [::]) becomes loopback.
func advertised(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok || !tcp.IP.IsUnspecified() {
		return a.String()
	}
	host := "127.0.0.1"
	if tcp.IP.To4() == nil {
		host = "::1"
	}
	return net.JoinHostPort(host, fmt.Sprint(tcp.Port))
}

// logRequests writes one line per S3 request, as the IoT API does for its own.
func logRequests(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		log.Info("request", "method", r.Method, "path", r.URL.EscapedPath(), "status", rec.status,
			"bytes_out", rec.bytes, "duration_ms", time.Since(start).Milliseconds())
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status      int
	bytes       int64
	wroteHeader bool
}

func (s *statusRecorder) WriteHeader(code int) {
	if !s.wroteHeader {
		s.status, s.wroteHeader = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(p []byte) (int, error) {
	s.wroteHeader = true
	n, err := s.ResponseWriter.Write(p)
	s.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection's writer (flushes, deadlines).
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
