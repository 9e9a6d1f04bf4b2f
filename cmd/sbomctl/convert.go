package main

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/sbomcat/sbomcat/convert"
	"github.com/sbomcat/sbomcat/internal/flagset"
	"github.com/sbomcat/sbomcat/internal/wiring/settings"
	"github.com/sbomcat/sbomcat/validator"
)

const convertUsage = `usage: sbomctl convert [--to-version V] [--keep-invalid] [-o OUT | --out-dir DIR] PATH...

convert writes each SBOM that the aws profile refuses for its encoding or version (CycloneDX
XML 1.0-1.7; SPDX tag-value, RDF/XML, YAML, JSON 2.1) as the JSON it accepts, in the same
standard: at the same spec version when it is accepted, else the nearest accepted one, or V.
The encoding is read from the content, never the name. PATH is a file, a zip archive (converted
to a zip archive), a directory (every file in it, recursively) or - (standard input).

Outputs are named after their input (bom.xml -> bom.cdx.json, x.spdx -> x.spdx.json,
sboms.zip -> sboms.json.zip), next to it or in --out-dir DIR; -o OUT names the one output
(standard input's output goes to standard output without -o or --out-dir). Every output is
validated under the aws profile before it is written.
Exit status: 0 when every output was written (warnings included), 1 when any input was
refused (nothing is written for it), 2 on a usage or I/O error.
`

// runOrConvert sends "convert" here and everything else to run.
func runOrConvert(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) > 0 && args[0] == "convert" {
		return convertCmd(ctx, args[1:], stdin, stdout, stderr, getenv)
	}
	return run(ctx, args, stdout, stderr, getenv)
}

func convertCmd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	limits, err := settings.LimitsFromEnv(getenv)
	if err != nil {
		fmt.Fprintf(stderr, "sbomctl convert: %v\n", err)
		return exitError
	}
	fset := flagset.New("sbomctl convert", convertUsage+flagsHeading)
	c := &converter{stdin: stdin, stdout: stdout, stderr: stderr, written: map[string]bool{}}
	fset.StringVar(&c.opts.ToVersion, "to-version", "", "spec `version` to write (CycloneDX 1.2-1.7, SPDX 2.2/2.3); default: the input's own, or the nearest accepted")
	fset.BoolVar(&c.opts.KeepInvalid, "keep-invalid", false, "write an output that fails validation anyway (with a warning)")
	fset.StringVar(&c.out, "o", "", "write the single output to `file` OUT (in an existing folder)")
	fset.StringVar(&c.outDir, "out-dir", "", "write outputs into `dir`, named after their inputs")
	settings.AddLimitFlags(fset.FlagSet, &limits)
	paths, err := parseInterspersed(fset.FlagSet, args)
	if status, ended := fset.Ended(err, stdout, stderr); ended {
		return status
	}
	c.limits = limits
	if msg := c.checkUsage(paths); msg != "" {
		fmt.Fprintf(stderr, "sbomctl convert: %s\n%s", msg, convertUsage)
		return exitError
	}
	if c.outDir != "" {
		if err := os.MkdirAll(c.outDir, 0o755); err != nil {
			fmt.Fprintf(stderr, "sbomctl convert: %v\n", err)
			return exitError
		}
	}
	for _, p := range paths {
		if err := c.path(ctx, p); err != nil {
			fmt.Fprintf(stderr, "sbomctl convert: %v\n", err)
			c.fail(exitError)
			if ctx.Err() != nil {
				break
			}
		}
	}
	return c.code
}

// converter is one run of sbomctl convert.
type converter struct {
	opts        convert.Options
	limits      validator.Limits
	out, outDir string
	stdin       io.Reader
	stdout      io.Writer
	stderr      io.Writer
	written     map[string]bool // outputs of this run, which a later input must not overwrite
	code        int
}

func (c *converter) fail(code int) {
	if code > c.code {
		c.code = code
	}
}

func (c *converter) checkUsage(paths []string) string {
	switch {
	case len(paths) == 0:
		return "no PATH to convert"
	case c.out != "" && c.outDir != "":
		return "-o and --out-dir exclude each other: -o names one output, --out-dir a folder for several"
	case c.opts.ToVersion != "" && !knownVersion(c.opts.ToVersion):
		return fmt.Sprintf("--to-version %q is no accepted version: CycloneDX 1.2-1.7 or SPDX 2.2/2.3", c.opts.ToVersion)
	}
	if c.out != "" {
		if len(paths) > 1 {
			return "-o names one output, and there are several PATHs: use --out-dir"
		}
		if fi, err := os.Stat(paths[0]); err == nil && fi.IsDir() {
			return "-o names one output, and " + paths[0] + " is a directory: use --out-dir"
		}
		if fi, err := os.Stat(filepath.Dir(c.out)); err != nil || !fi.IsDir() {
			return "-o " + c.out + ": the folder " + filepath.Dir(c.out) + " does not exist"
		}
	}
	return ""
}

func knownVersion(v string) bool {
	switch v {
	case "1.2", "1.3", "1.4", "1.5", "1.6", "1.7", "2.2", "2.3":
		return true
	}
	return false
}

func (c *converter) path(ctx context.Context, p string) error {
	if p == "-" {
		data, err := readLimited(c.stdin, c.maxFile(), "standard input")
		if err != nil {
			return err
		}
		return c.file(ctx, "-", "stdin", data, "")
	}
	fi, err := os.Stat(p)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return c.single(ctx, p, filepath.Dir(p))
	}
	// A directory: every regular file in it, outputs mirroring its folders under --out-dir.
	return filepath.WalkDir(p, func(f string, d fs.DirEntry, err error) error {
		if err != nil || ctx.Err() != nil {
			if err == nil {
				err = ctx.Err()
			}
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		dir := filepath.Dir(f)
		if c.outDir != "" {
			rel, _ := filepath.Rel(p, dir)
			dir = filepath.Join(c.outDir, rel)
		}
		if err := c.single(ctx, f, dir); err != nil {
			fmt.Fprintf(c.stderr, "sbomctl convert: %v\n", err)
			c.fail(exitError)
		}
		return nil
	})
}

func (c *converter) maxFile() int64 {
	if c.limits.MaxFileBytes > 0 {
		return c.limits.MaxFileBytes
	}
	return validator.DefaultMaxFileBytes
}

// single converts the file f, writing its output into dir unless -o or --out-dir say otherwise.
func (c *converter) single(ctx context.Context, f, dir string) error {
	fh, err := os.Open(f)
	if err != nil {
		return err
	}
	defer fh.Close()
	data, err := readLimited(fh, c.maxFile(), f)
	if err != nil {
		return err
	}
	if c.outDir != "" && dir == filepath.Dir(f) {
		dir = c.outDir
	}
	if bytes.HasPrefix(data, []byte("PK\x03\x04")) || bytes.HasPrefix(data, []byte("PK\x05\x06")) {
		return c.archive(ctx, f, dir, data)
	}
	return c.file(ctx, f, filepath.Base(f), data, dir)
}

// file converts one document named name (for reports: src) and writes it into dir.
func (c *converter) file(ctx context.Context, src, name string, data []byte, dir string) error {
	res, _, err := c.convertOne(ctx, src, data)
	if res == nil {
		return err
	}
	dst := c.out
	if dst == "" {
		if dir == "" && c.outDir == "" { // standard input, no destination named
			fmt.Fprintf(c.stderr, "%s: %s -> standard output (%s): %s\n", src, res.From, res.To, res.Summary())
			c.warn(res)
			_, err := c.stdout.Write(res.JSON)
			return err
		}
		if dir == "" {
			dir = c.outDir
		}
		dst = filepath.Join(dir, convert.OutputName(name, res.Format))
	}
	if err := c.claim(src, dst); err != nil {
		return err
	}
	if err := writeAtomic(dst, res.JSON); err != nil {
		return err
	}
	fmt.Fprintf(c.stderr, "%s: %s -> %s (%s): %s\n", src, res.From, dst, res.To, res.Summary())
	c.warn(res)
	return nil
}

// convertOne converts data and reports a refusal or a skip; it returns nil when nothing is to
// be written, and an error only for what is no verdict on the input (ctx).
func (c *converter) convertOne(ctx context.Context, src string, data []byte) (res *convert.Result, skipped bool, err error) {
	res, err = convert.Convert(ctx, data, c.opts)
	var refused *convert.Error
	var skip *convert.Skipped
	switch {
	case errors.As(err, &skip):
		fmt.Fprintf(c.stderr, "%s: %v\n", src, skip)
		return nil, true, nil
	case errors.As(err, &refused):
		fmt.Fprintf(c.stderr, "%s: refused: %s\n", src, printable(refused.Message))
		c.fail(exitFailed)
		return nil, false, nil
	case err != nil:
		return nil, false, fmt.Errorf("%s: %w", src, err)
	}
	return res, false, nil
}

func (c *converter) warn(res *convert.Result) {
	for _, w := range res.Warnings() {
		fmt.Fprintln(c.stderr, printable(w))
	}
	if res.Invalid != "" {
		fmt.Fprintf(c.stderr, "warning: written although the aws profile refuses it (--keep-invalid): %s\n", printable(res.Invalid))
	}
}

// claim records dst as this run's output, refusing to overwrite another output of the same run
// or the input itself.
func (c *converter) claim(src, dst string) error {
	abs, _ := filepath.Abs(dst)
	if c.written[abs] {
		return fmt.Errorf("%s: its output %s is the output of another input of this run: convert them into separate folders", src, dst)
	}
	if a, err := os.Stat(src); err == nil {
		if b, err := os.Stat(dst); err == nil && os.SameFile(a, b) {
			return fmt.Errorf("%s: its output would overwrite it: name the output with -o or --out-dir", src)
		}
	}
	c.written[abs] = true
	return nil
}

// archive converts every file of the zip archive f into a zip archive of the same name with
// .json.zip: converted entries renamed as files are, entries that are accepted JSON already
// copied as they are, refused entries left out.
func (c *converter) archive(ctx context.Context, f, dir string, data []byte) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		fmt.Fprintf(c.stderr, "%s: refused: not a readable zip archive: %v\n", f, err)
		c.fail(exitFailed)
		return nil
	}
	maxEntries := c.limits.WithDefaults().MaxEntries
	if len(zr.File) > maxEntries {
		fmt.Fprintf(c.stderr, "%s: refused: the archive has %d entries, over the %d limit (--max-entries)\n", f, len(zr.File), maxEntries)
		c.fail(exitFailed)
		return nil
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	n := 0
	for _, e := range zr.File {
		name := path.Clean(strings.TrimPrefix(e.Name, "/"))
		if e.FileInfo().IsDir() || strings.HasPrefix(name, "__MACOSX/") || strings.HasPrefix(name, "../") {
			continue
		}
		src := f + ":" + name
		rc, err := e.Open()
		if err != nil {
			fmt.Fprintf(c.stderr, "%s: refused: %v\n", src, err)
			c.fail(exitFailed)
			continue
		}
		content, err := readLimited(rc, c.maxFile(), src)
		rc.Close()
		if err != nil {
			fmt.Fprintf(c.stderr, "%s: refused: %v\n", src, err)
			c.fail(exitFailed)
			continue
		}
		out, outName, err := c.entry(ctx, src, name, content)
		if err != nil {
			return err
		}
		if out == nil {
			continue
		}
		w, err := zw.Create(outName)
		if err != nil {
			return err
		}
		if _, err := w.Write(out); err != nil {
			return err
		}
		n++
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if n == 0 {
		fmt.Fprintf(c.stderr, "%s: nothing converted; no archive written\n", f)
		return nil
	}
	dst := c.out
	if dst == "" {
		dst = filepath.Join(dir, strings.TrimSuffix(filepath.Base(f), ".zip")+".json.zip")
	}
	if err := c.claim(f, dst); err != nil {
		return err
	}
	if err := writeAtomic(dst, buf.Bytes()); err != nil {
		return err
	}
	fmt.Fprintf(c.stderr, "%s: %d files -> %s\n", f, n, dst)
	return nil
}

// entry converts one archive entry, returning what to store and under which name (nil when
// nothing is to be stored).
func (c *converter) entry(ctx context.Context, src, name string, content []byte) ([]byte, string, error) {
	res, skipped, err := c.convertOne(ctx, src, content)
	if skipped {
		return content, name, nil // accepted JSON already: the archive keeps it as it is
	}
	if res == nil {
		return nil, "", err
	}
	outName := path.Join(path.Dir(name), convert.OutputName(path.Base(name), res.Format))
	fmt.Fprintf(c.stderr, "%s: %s -> %s (%s): %s\n", src, res.From, outName, res.To, res.Summary())
	c.warn(res)
	return res.JSON, outName, nil
}

// readLimited reads all of r, failing past max bytes.
func readLimited(r io.Reader, max int64, what string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", what, err)
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%s is over the %d-byte limit for one file (--max-file-bytes)", what, max)
	}
	return data, nil
}

// writeAtomic writes data to dst through a temporary file in the same folder, so that dst is
// either the whole output or untouched.
func writeAtomic(dst string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), dst)
}
