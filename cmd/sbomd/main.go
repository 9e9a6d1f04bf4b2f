// Command sbomd is the whole service in one process, on embedded defaults: the AWS IoT
// Software Package Catalog API (jobs included), an S3-compatible endpoint with versioned
// buckets, and the validation worker on an embedded queue, all over an SQLite catalog and an S3
// store in one data directory:
//
//	go run ./cmd/sbomd --addr 127.0.0.1:4566 --data-dir ./.sbomd
//
// Both APIs share the one address, as LocalStack's edge port does: each request goes to the API
// its SigV4 credential scope names (s3, or else the IoT API), and every request must be signed
// with a configured key pair (test/test unless configured), region us-east-1 and account
// 000000000000 unless configured. So an unmodified AWS SDK or CLI with
// AWS_ENDPOINT_URL=http://127.0.0.1:4566 creates buckets, uploads SBOMs, associates them and
// reads the results. Restarting loses nothing: an association in flight when sbomd stopped is
// validated after it starts again.
//
// Each part can be swapped for a real or emulated AWS service instead: --table (DynamoDB),
// --queue-url (SQS), --s3 external (S3), reached through the SDK's standard configuration
// (AWS_REGION, credentials, AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_DYNAMODB, _SQS, _S3). Every flag
// has an environment variable; `sbomd -h` lists them.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

// gcPercent is sbomd's GOGC unless the environment sets one: the heap between collections
// is small (requests, small SBOMs), so the default 100 collects thousands of times a second
// under load (about 5% of the CPU of a loop of small associations, 1% at 400); 400 collects a quarter as
// often for a few MB more heap. GOGC or GOMEMLIMIT in the environment keep their meaning.
const gcPercent = 400

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stderr, nil); err != nil {
		var help *helpError
		if errors.As(err, &help) {
			fmt.Print(help.text)
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "sbomd:", err)
		os.Exit(1)
	}
}
