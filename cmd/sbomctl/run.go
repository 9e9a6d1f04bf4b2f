package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/internal/wiring"
	"github.com/sbomcat/sbomcat/validator"
)

// Exit statuses.
const (
	exitOK     = 0 // every file succeeded
	exitFailed = 1 // some file failed validation
	exitError  = 2 // usage or I/O error
)

const usage = `usage: sbomctl validate [--profile aws|strict] [--json] [limit flags] PATH...
       sbomctl demo [--endpoint URL] [flags]

validate checks SBOM files, each PATH a file or a zip archive of files, as the service does.
Exit status: 0 when every file succeeded, 1 when any failed, 2 on a usage or I/O error.

demo drives the whole loop (bucket, upload, package version, association, results) against a
running sbomd; sbomctl demo -h says more.
`

// run is sbomctl: it reads args (without the program name) and the environment through getenv,
// writes results to stdout and complaints to stderr, and returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitError
	}
	switch args[0] {
	case "validate":
		return validate(ctx, args[1:], stdout, stderr, getenv)
	case "demo":
		return demo(ctx, args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	fmt.Fprintf(stderr, "sbomctl: unknown command %q\n%s", args[0], usage)
	return exitError
}

func validate(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	limits, err := wiring.LimitsFromEnv(getenv)
	if err != nil {
		fmt.Fprintf(stderr, "sbomctl: %v\n", err)
		return exitError
	}
	fs := flag.NewFlagSet("sbomctl validate", flag.ContinueOnError)
	// Help that was asked for goes to stdout, help after a mistake to stderr; flag cannot tell
	// them apart when it prints, so hold its output until it has returned.
	var flagOut strings.Builder
	fs.SetOutput(&flagOut)
	profile := fs.String("profile", string(sbomcat.ProfileAWS), "`name` of the validation rules: aws (the official JSON Schemas) or strict (also reference integrity)")
	asJSON := fs.Bool("json", false, "write one JSON object per file and line")
	wiring.AddLimitFlags(fs, &limits)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage, "\nFlags (-flag or --flag):\n")
		fs.PrintDefaults()
	}
	paths, err := parseInterspersed(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		io.WriteString(stdout, flagOut.String())
		return exitOK
	}
	if err != nil {
		io.WriteString(stderr, flagOut.String()) // flag has said why, with the usage
		return exitError
	}
	p := sbomcat.Profile(*profile)
	if p != sbomcat.ProfileAWS && p != sbomcat.ProfileStrict {
		fmt.Fprintf(stderr, "sbomctl: unknown profile %q: use aws or strict\n", *profile)
		return exitError
	}
	if len(paths) == 0 {
		fmt.Fprintf(stderr, "sbomctl: no PATH to validate\n%s", usage)
		return exitError
	}

	v := &validator.Validator{Limits: limits, Profile: p}
	var out output = newTable(stdout)
	if *asJSON {
		out = &jsonLines{enc: json.NewEncoder(stdout)}
	}
	code := exitOK
	for _, path := range paths {
		results, err := v.ValidateFile(ctx, path)
		if err != nil {
			// Go on with the other paths: one unreadable file should not hide the verdicts
			// on the rest. The status still says something went wrong.
			fmt.Fprintf(stderr, "sbomctl: %v\n", err)
			code = exitError
			if ctx.Err() != nil {
				break
			}
			continue
		}
		for _, r := range results {
			out.write(path, r)
			if !r.Succeeded() && code == exitOK {
				code = exitFailed
			}
		}
	}
	if err := out.close(); err != nil {
		fmt.Fprintf(stderr, "sbomctl: writing results: %v\n", err)
		return exitError
	}
	return code
}

// parseInterspersed parses flags wherever they stand among the paths, as most command-line
// tools do ("sbomctl validate a.json --json"); after "--" everything is a path.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var paths []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return paths, nil
		}
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			return append(paths, rest...), nil
		}
		paths = append(paths, rest[0])
		args = rest[1:]
	}
}

// output writes results as they come.
type output interface {
	write(source string, r sbomcat.FileResult)
	close() error
}

// jsonLines writes one JSON object per result and line: the result (errorCode and
// errorMessage omitted when empty) and the PATH it came from, under jsonResult's names.
type jsonLines struct {
	enc *json.Encoder
	err error // the first write error
}

// jsonResult is one line of --json: its field names are documented, so they are the CLI's own.
type jsonResult struct {
	Source       string `json:"source"`
	FileName     string `json:"fileName"`
	Result       string `json:"validationResult"`
	ErrorCode    string `json:"errorCode,omitempty"`
	ErrorMessage string `json:"errorMessage,omitempty"`
	Format       string `json:"format"`
	SpecVersion  string `json:"specVersion"`
}

func (j *jsonLines) write(source string, r sbomcat.FileResult) {
	line := jsonResult{Source: source, FileName: r.FileName, Result: string(r.Result), ErrorCode: string(r.ErrorCode),
		ErrorMessage: r.ErrorMessage, Format: string(r.Format), SpecVersion: r.SpecVersion}
	if err := j.enc.Encode(line); err != nil && j.err == nil {
		j.err = err
	}
}

func (j *jsonLines) close() error { return j.err }

// table writes an aligned table for people, and a count at the end.
type table struct {
	w                 io.Writer
	tw                *tabwriter.Writer
	succeeded, failed int
}

func newTable(w io.Writer) *table {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FILE\tRESULT\tFORMAT\tERROR CODE\tMESSAGE")
	return &table{w: w, tw: tw}
}

func (t *table) write(source string, r sbomcat.FileResult) {
	// A file validated on its own, or an archive that failed as a whole, is the path itself;
	// an archive's entry is the path and the entry's name.
	file := source
	if r.FileName != filepath.Base(source) {
		file = source + ":" + r.FileName
	}
	format := "-"
	switch r.Format {
	case sbomcat.FormatCycloneDX:
		format = "CycloneDX " + r.SpecVersion
	case sbomcat.FormatSPDX:
		format = "SPDX " + r.SpecVersion
	}
	code, msg := string(r.ErrorCode), r.ErrorMessage
	if code == "" {
		code = "-"
	}
	if msg == "" {
		msg = "-"
	}
	fmt.Fprintf(t.tw, "%s\t%s\t%s\t%s\t%s\n", printable(file), r.Result, printable(format), code, printable(msg))
	if r.Succeeded() {
		t.succeeded++
	} else {
		t.failed++
	}
}

func (t *table) close() error {
	if err := t.tw.Flush(); err != nil {
		return err
	}
	n := t.succeeded + t.failed
	noun := "files"
	if n == 1 {
		noun = "file"
	}
	_, err := fmt.Fprintf(t.w, "\n%d %s: %d succeeded, %d failed\n", n, noun, t.succeeded, t.failed)
	return err
}

// printable keeps what an archive's names and a file's content put into a message from
// moving the cursor or breaking the table: text with a control character (a tab, a newline, an
// escape sequence) is shown quoted, escapes visible.
func printable(s string) string {
	if strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) && r != ' ' }) < 0 {
		return s
	}
	return strconv.Quote(s)
}
