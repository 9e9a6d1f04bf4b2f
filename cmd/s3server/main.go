// Command s3server serves a persistent, versioned S3 endpoint on its own: the S3 half of sbomd
// (package s3local), for running the API and the worker against "external" S3 without
// LocalStack, as deploy/localstack's tests do next to standalone SQS and DynamoDB emulators.
//
//	go run ./cmd/s3server --addr 127.0.0.1:4570 --data-dir ./.s3server
//	AWS_ENDPOINT_URL_S3=http://127.0.0.1:4570 aws s3api create-bucket --bucket sboms
//
// Every request must be signed (SigV4, header or presigned query string) with one of the
// configured key pairs for the configured region; buckets and object versions survive restarts.
// Clients must use path-style addressing (SBOMCAT_S3_USE_PATH_STYLE=true for sbomcat's
// binaries). Once listening it logs a JSON line {"msg":"serving","addr":...} on stderr, with the
// port actually bound when --addr ends in :0. SIGTERM or SIGINT stops it gracefully.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/sbomcat/sbomcat/internal/flagset"
	"github.com/sbomcat/sbomcat/internal/httpguard"
	"github.com/sbomcat/sbomcat/internal/wiring"
	"github.com/sbomcat/sbomcat/s3local"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	c, err := parseFlags(os.Args[1:], os.Stdout, os.Stderr)
	var exit *flagset.Exit
	switch {
	case errors.As(err, &exit):
		os.Exit(exit.Status)
	case err != nil:
		fmt.Fprintf(os.Stderr, "s3server: %v\n%s", err, usage)
		os.Exit(flagset.ExitUsage)
	}
	if err := run(ctx, c, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "s3server:", err)
		os.Exit(1)
	}
}

type config struct {
	addr, dataDir, region string
	credentials           map[string]string
	stall                 time.Duration
	maxBuffered           int64
}

const usage = `usage: s3server [flags]

Serves a persistent, versioned, SigV4-authenticated S3 endpoint (the S3 half of sbomd).

Flags (-flag or --flag):
`

// parseFlags parses args into a config; -h writes the help to stdout, a mistake in the flags
// writes why and the help to stderr, and both return a *flagset.Exit.
func parseFlags(args []string, stdout, stderr io.Writer) (config, error) {
	var c config
	var creds string
	fs := flagset.New("s3server", usage)
	fs.StringVar(&c.addr, "addr", "127.0.0.1:4570", "listen `address`")
	fs.StringVar(&c.dataDir, "data-dir", ".s3server", "`directory` of the buckets (created if missing; one process at a time)")
	fs.StringVar(&c.region, "region", "us-east-1", "region requests must be signed for")
	fs.StringVar(&creds, "credentials", "test:test", "accepted access keys, `KEY:SECRET[,KEY:SECRET...]`")
	fs.DurationVar(&c.stall, "stall-timeout", httpguard.DefaultStall, "a connection that sends no header or body bytes, or reads no response bytes, for this long is closed")
	fs.Int64Var(&c.maxBuffered, "max-buffered-bytes", httpguard.DefaultMaxBuffered, "bytes of XML request bodies (not object data) held in memory by all connections together")
	if err := fs.ParseOrExit(args, stdout, stderr); err != nil {
		return c, err
	}
	if c.stall <= 0 || c.maxBuffered <= 0 {
		return c, errors.New("stall-timeout and max-buffered-bytes must be positive")
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	var err error
	c.credentials, _, err = wiring.ParseCredentials(creds)
	return c, err
}

// run serves until ctx is done.
func run(ctx context.Context, c config, stderr io.Writer) error {
	log := slog.New(slog.NewJSONHandler(stderr, nil))
	b, err := s3local.Open(c.dataDir, s3local.WithLogger(log))
	if err != nil {
		return fmt.Errorf("open %s: %w", c.dataDir, err)
	}
	// Closed after the server has stopped: requests in flight still read and write it.
	defer b.Close()
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	// A connection that makes no progress for the stall timeout is closed, and the XML bodies
	// held in memory share one budget (package httpguard); there is no total deadline, as a
	// 5 GiB body takes a while.
	guard := httpguard.New(httpguard.Config{Stall: c.stall, MaxBuffered: c.maxBuffered})
	// Served directly, not behind a ServeMux, which would clean paths and redirect keys such as
	// "a//b".
	srv := guard.Server(s3local.Authenticate(guard.BufferedIf(b.Handler(), s3local.BuffersBody),
		s3local.AuthConfig{Credentials: c.credentials, Region: c.region}), log)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("serving", "addr", ln.Addr().String(), "data_dir", b.Dir(), "region", c.region)

	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		srv.Close()
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}
