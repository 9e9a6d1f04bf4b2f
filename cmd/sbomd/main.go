// Command sbomd serves the AWS IoT Software Package Catalog API locally, on an SQLite file in a
// data directory:
//
//	go run ./cmd/sbomd --addr 127.0.0.1:4566 --data-dir ./.sbomd
//
// Point any AWS SDK or the AWS CLI at it with endpoint http://127.0.0.1:4566, region us-east-1
// and the development credentials test/test. Every flag has an environment variable.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/api"
	"github.com/sbomcat/sbomcat/sqlite"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stderr, nil); err != nil {
		fmt.Fprintln(os.Stderr, "sbomd:", err)
		os.Exit(1)
	}
}

// config is sbomd's configuration: flags, defaulted from environment variables.
type config struct {
	addr, dataDir, region, account, credentials, logLevel string
	maxPackages, maxVersions, maxInFlight                 int
	maxBody                                               int64
}

func parseFlags(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	envInt := func(name string, def int) int {
		if n, err := strconv.Atoi(getenv(name)); err == nil {
			return n
		}
		return def
	}
	var c config
	fs := flag.NewFlagSet("sbomd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.addr, "addr", env("SBOMD_ADDR", "127.0.0.1:4566"), "listen address (SBOMD_ADDR)")
	fs.StringVar(&c.dataDir, "data-dir", env("SBOMD_DATA_DIR", ".sbomd"), "directory of the SQLite database (SBOMD_DATA_DIR)")
	fs.StringVar(&c.region, "region", env("SBOMD_REGION", sbomcat.DefaultScope.Region), "region of ARNs and of request signatures (SBOMD_REGION)")
	fs.StringVar(&c.account, "account", env("SBOMD_ACCOUNT", sbomcat.DefaultScope.Account), "account id of ARNs (SBOMD_ACCOUNT)")
	fs.StringVar(&c.credentials, "credentials", env("SBOMD_CREDENTIALS", "test:test"), "accepted access keys, KEY:SECRET[,KEY:SECRET...] (SBOMD_CREDENTIALS)")
	fs.StringVar(&c.logLevel, "log-level", env("SBOMD_LOG_LEVEL", "info"), "debug, info, warn or error (SBOMD_LOG_LEVEL)")
	fs.IntVar(&c.maxPackages, "max-packages", envInt("SBOMD_MAX_PACKAGES", api.DefaultMaxPackages), "packages per account, -1 for no limit (SBOMD_MAX_PACKAGES)")
	fs.IntVar(&c.maxVersions, "max-versions", envInt("SBOMD_MAX_VERSIONS", api.DefaultMaxVersions), "package versions per account, -1 for no limit (SBOMD_MAX_VERSIONS)")
	fs.IntVar(&c.maxInFlight, "max-inflight-validations", envInt("SBOMD_MAX_INFLIGHT_VALIDATIONS", api.DefaultMaxInFlightValidations), "SBOM validations in progress at once (SBOMD_MAX_INFLIGHT_VALIDATIONS)")
	fs.Int64Var(&c.maxBody, "max-body-bytes", int64(envInt("SBOMD_MAX_BODY_BYTES", api.DefaultMaxBodyBytes)), "largest request body (SBOMD_MAX_BODY_BYTES)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	return c, nil
}

func parseCredentials(s string) (map[string]string, error) {
	keys := map[string]string{}
	for _, pair := range strings.Split(s, ",") {
		k, secret, ok := strings.Cut(strings.TrimSpace(pair), ":")
		if !ok || k == "" || secret == "" {
			return nil, errors.New("credentials must be KEY:SECRET pairs separated by commas")
		}
		keys[k] = secret
	}
	return keys, nil
}

// run serves until ctx is done, then shuts down gracefully. ready, if not nil, is called with
// the listening address once requests can be served.
func run(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer, ready func(addr string)) error {
	c, err := parseFlags(args, getenv, stderr)
	if err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.logLevel)); err != nil {
		return fmt.Errorf("log level: %w", err)
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level}))
	creds, err := parseCredentials(c.credentials)
	if err != nil {
		return err
	}

	if err := os.MkdirAll(c.dataDir, 0o700); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	dbPath := filepath.Join(c.dataDir, sqlite.FileName)
	store, err := sqlite.Open(ctx, dbPath)
	if err != nil {
		return err
	}
	defer store.Close()

	handler := api.New(api.Config{
		Store:                  store,
		Scope:                  sbomcat.Scope{Partition: sbomcat.DefaultScope.Partition, Region: c.region, Account: c.account},
		Credentials:            creds,
		Logger:                 log,
		MaxBodyBytes:           c.maxBody,
		MaxPackages:            c.maxPackages,
		MaxVersions:            c.maxVersions,
		MaxInFlightValidations: c.maxInFlight,
	})

	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	// Access key ids are listed so that a user can see which pair to use; secrets never are.
	keyIDs := make([]string, 0, len(creds))
	for k := range creds {
		keyIDs = append(keyIDs, k)
	}
	log.Info("serving", "addr", ln.Addr().String(), "database", dbPath, "region", c.region, "account", c.account, "access_keys", keyIDs)
	log.Info("no validation worker runs in this process yet: associations stay IN_PROGRESS until one records results")
	if ready != nil {
		ready(ln.Addr().String())
	}

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}
