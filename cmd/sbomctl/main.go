// Command sbomctl validates SBOM files and zip archives offline, with the verdicts the service
// gives.
//
//	sbomctl validate [--profile aws|strict] [--json] [limit flags] PATH...
//
// Each PATH is a file or a zip archive. The exit status is 0 when every file succeeded, 1 when
// any failed, 2 on a usage or I/O error (the reason goes to stderr). Limits also come from the
// environment (SBOMCAT_MAX_OBJECT_BYTES, SBOMCAT_MAX_FILE_BYTES, SBOMCAT_MAX_TOTAL_BYTES,
// SBOMCAT_MAX_ENTRIES); flags win.
//
//	sbomctl demo [--endpoint http://127.0.0.1:4566]
//
// drives the whole service loop against a running sbomd with the AWS SDK for Go and prints the
// validation results (demo.go).
package main

import (
	"context"
	"os"
	"os/signal"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := runOrConvert(ctx, helpFor(os.Args[1:]), os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// helpFor turns `sbomctl help COMMAND` into `sbomctl COMMAND -h`, which lists COMMAND's flags
// too; every other command line is left as it is.
func helpFor(args []string) []string {
	if len(args) == 2 && args[0] == "help" {
		return []string{args[1], "-h"}
	}
	return args
}
