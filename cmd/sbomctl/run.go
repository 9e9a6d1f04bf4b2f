package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/internal/flagset"
	"github.com/sbomcat/sbomcat/internal/wiring/settings"
	"github.com/sbomcat/sbomcat/profiles"
	"github.com/sbomcat/sbomcat/report"
	"github.com/sbomcat/sbomcat/validator"
)

// Exit statuses.
const (
	exitOK     = 0 // every file succeeded
	exitFailed = 1 // some file failed validation
	exitError  = 2 // usage or I/O error
)

// flagsHeading follows a command's usage in its help, before the flags.
const flagsHeading = "\nFlags (-flag or --flag):\n"

const usage = `usage: sbomctl validate [--format table|json|sarif|junit|github] [--profile aws|strict]
                        [--include GLOB]... [--exclude GLOB]... [limit flags] PATH...
       sbomctl demo [--endpoint URL] [flags]

validate checks SBOM files as the service does. Each PATH is a file or a zip archive of files
(always validated, whatever its name), a directory (walked for *.json and *.zip files; hidden
directories skipped, symbolic links not followed) or - for standard input.
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

// progressDelay is how long a run goes before it shows progress (on a terminal only).
var progressDelay = time.Second

// stdin is what the PATH "-" reads.
var stdin io.Reader = os.Stdin

func validate(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	limits, err := settings.LimitsFromEnv(getenv)
	if err != nil {
		fmt.Fprintf(stderr, "sbomctl: %v\n", err)
		return exitError
	}
	fs := flagset.New("sbomctl validate", usage+flagsHeading)
	profile := fs.String("profile", string(sbomcat.ProfileAWS), "`name` of the validation rules: aws (the official JSON Schemas), strict (also reference integrity), ntia or bsi (also the minimum elements, docs/profiles.md), or several joined with commas (strict,ntia)")
	format := fs.String("format", "table", "output `format`: "+strings.Join(report.Formats, ", "))
	asJSON := fs.Bool("json", false, "the same as --format json: one JSON object per file and line")
	var sel selection
	fs.Var((*globs)(&sel.include), "include", "validate the files of a directory that match `GLOB` (repeatable; default *.json and *.zip); without '/' it matches the base name, with '/' the path below the directory, ** any number of directories")
	fs.Var((*globs)(&sel.exclude), "exclude", "skip the files and directories that match `GLOB` (repeatable)")
	settings.AddLimitFlags(fs.FlagSet, &limits)
	paths, err := parseInterspersed(fs.FlagSet, args)
	if status, ended := fs.Ended(err, stdout, stderr); ended {
		return status
	}
	set, err := profiles.Parse(*profile)
	if err != nil {
		fmt.Fprintf(stderr, "sbomctl: --profile: %v\n", err)
		return exitError
	}
	p := set.Profile()
	if *asJSON {
		if formatSet(fs.FlagSet) && *format != "json" {
			fmt.Fprintf(stderr, "sbomctl: --json and --format %s contradict each other: --json is --format json\n", *format)
			return exitError
		}
		*format = "json"
	}
	if len(paths) == 0 {
		fmt.Fprintf(stderr, "sbomctl: no PATH to validate\n%s", usage)
		return exitError
	}
	if n := count(paths, "-"); n > 1 {
		fmt.Fprintf(stderr, "sbomctl: - (standard input) is given %d times; it can be read once\n", n)
		return exitError
	}
	if len(sel.include) == 0 {
		sel.include = defaultInclude
	}
	width, onTerminal := terminalWidth(stdout, getenv)
	out, err := report.New(*format, stdout, report.Options{Width: width, Color: useColour(onTerminal, getenv),
		ToolName: "sbomctl", ToolVersion: version()})
	if err != nil {
		fmt.Fprintf(stderr, "sbomctl: %v\n", err)
		return exitError
	}

	v := &validator.Validator{Limits: limits, Profile: p}
	code := check(ctx, v, paths, sel, out, stderr, getenv)
	if err := out.Close(); err != nil {
		fmt.Fprintf(stderr, "sbomctl: writing results: %v\n", err)
		return exitError
	}
	return code
}

// check validates every file the paths name and hands the results to out; it returns the exit
// status. One unreadable path does not stop the others: it is reported on stderr and to out,
// and the status says something went wrong.
func check(ctx context.Context, v *validator.Validator, paths []string, sel selection, out report.Writer, stderr io.Writer, getenv func(string) string) int {
	targets := collect(paths, sel)
	files, total := 0, int64(0)
	for _, t := range targets {
		if t.err == nil {
			files++
			total += max(t.size, 0)
		}
	}
	var prog *progress
	if _, ok := terminalWidth(stderr, getenv); ok {
		prog = startProgress(stderr, files, total, progressDelay)
		defer prog.finish()
		stderr = prog // complaints clear the progress line first
	}
	code := exitOK
	fail := func(e *report.PathError) {
		fmt.Fprintf(stderr, "sbomctl: %v\n", e)
		out.PathError(e)
		code = exitError
	}
	for _, t := range targets {
		if t.err != nil {
			fail(t.err)
			continue
		}
		results, err := validateTarget(ctx, v, t)
		if prog != nil {
			prog.add(t.size)
		}
		if err != nil {
			fail(&report.PathError{Source: t.source, Path: t.path, Err: err})
			if ctx.Err() != nil {
				break
			}
			continue
		}
		for _, r := range results {
			if err := out.Result(report.Result{Source: t.source, Path: t.path, Member: report.MemberOf(t.path, r), FileResult: r}); err != nil {
				fmt.Fprintf(stderr, "sbomctl: writing results: %v\n", err)
				return exitError
			}
			if !r.Succeeded() && code == exitOK {
				code = exitFailed
			}
		}
	}
	return code
}

// validateTarget validates one file, or standard input spooled to a temporary file (the
// validator reads archives at offsets), no more of it than the object limit lets through.
func validateTarget(ctx context.Context, v *validator.Validator, t target) ([]sbomcat.FileResult, error) {
	if t.path != "-" || t.source != "-" {
		return v.ValidateFile(ctx, t.path)
	}
	f, err := os.CreateTemp("", "sbomctl-stdin-*")
	if err != nil {
		return nil, fmt.Errorf("spooling standard input: %w", err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	max := v.Limits.WithDefaults().MaxObjectBytes
	// One byte over the limit is enough for the validator to refuse it by its size.
	n, err := io.Copy(f, io.LimitReader(stdin, max+1))
	if err != nil {
		return nil, fmt.Errorf("reading standard input: %w", err)
	}
	return v.ValidateObject(ctx, "-", f, n)
}

// formatSet reports whether --format was given.
func formatSet(fs *flag.FlagSet) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == "format" })
	return set
}

func count(list []string, s string) int {
	n := 0
	for _, e := range list {
		if e == s {
			n++
		}
	}
	return n
}

// version is sbomctl's module version, as SARIF names the tool's.
func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
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

// printable shows names and messages safely on a terminal (report.Printable).
func printable(s string) string { return report.Printable(s) }
