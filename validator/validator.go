// Package validator turns an SBOM object — one file, or a zip archive of several — into
// per-file results, enforcing the size limits of docs/behaviour.md, "Limits", while it reads.
//
// The worker, the API server and sbomctl all call it, so its results are the service's results.
// It judges each file with formats.Validate; what it adds is the object: zip detection, entry
// names, which entries count, and every limit, each enforced by the reader that produces the
// bytes so that no code path can forget one.
package validator

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/formats"
	"github.com/sbomcat/sbomcat/internal/defaults"
	"github.com/sbomcat/sbomcat/profiles"
)

// Default limits (docs/behaviour.md, "Limits").
const (
	DefaultMaxObjectBytes = 100 << 20
	DefaultMaxFileBytes   = 100 << 20
	DefaultMaxTotalBytes  = 1 << 30
	DefaultMaxEntries     = 1000
)

// Limits bound what one object may cost. A zero or negative field means its default.
type Limits struct {
	// MaxObjectBytes bounds the object as stored (the zip archive, or the single file). It is
	// checked before a byte is read.
	MaxObjectBytes int64
	// MaxFileBytes bounds each file's uncompressed size, counted while decompressing.
	MaxFileBytes int64
	// MaxTotalBytes bounds the uncompressed size of all of an archive's files together.
	MaxTotalBytes int64
	// MaxEntries bounds how many entries an archive may have, directories included: each one
	// costs memory before any is read.
	MaxEntries int
}

// WithDefaults fills in the zero fields with the defaults: the limits as enforced. The wiring
// resolves them once, and the worker bounds its downloads with the same numbers.
func (l Limits) WithDefaults() Limits {
	l.MaxObjectBytes = defaults.Positive(l.MaxObjectBytes, DefaultMaxObjectBytes)
	l.MaxFileBytes = defaults.Positive(l.MaxFileBytes, DefaultMaxFileBytes)
	l.MaxTotalBytes = defaults.Positive(l.MaxTotalBytes, DefaultMaxTotalBytes)
	l.MaxEntries = defaults.Positive(l.MaxEntries, DefaultMaxEntries)
	return l
}

// Validator validates SBOM objects. The zero value applies the default limits and the default
// profile. A Validator holds no state between calls and may be used concurrently.
type Validator struct {
	Limits Limits
	// Profile is any profile package profiles parses ("strict,ntia"). One it cannot parse is
	// not an error of the call: every object then gets one FAILED result that names it (see
	// CheckProfile), as a per-package profile tag with a typo must fail its association.
	Profile sbomcat.Profile
}

// CheckProfile reports whether the validator's profile is unknown, and if so the one result an
// object named name gets: FAILED, with no error code (the file was not judged), and a message
// that names the profile and the known ones.
func (v *Validator) CheckProfile(name string) (sbomcat.FileResult, bool) {
	if _, err := profiles.Parse(string(v.Profile)); err != nil {
		return sbomcat.FileResult{FileName: name, Result: sbomcat.ResultFailed, ErrorMessage: "not validated: " + err.Error()}, true
	}
	return sbomcat.FileResult{}, false
}

// options are the formats options of the profile; CheckProfile has ruled out an unknown one.
func (v *Validator) options() formats.Options {
	set, _ := profiles.Parse(string(v.Profile))
	return set.Options()
}

// CheckSize reports whether an object of size bytes is over the object size limit, and if so
// the one result it gets, named name. Callers that must fetch the object first (the worker,
// after HeadObject) call it to avoid downloading what ValidateObject would refuse anyway.
func (v *Validator) CheckSize(name string, size int64) (sbomcat.FileResult, bool) {
	max := v.Limits.WithDefaults().MaxObjectBytes
	if size <= max {
		return sbomcat.FileResult{}, false
	}
	return tooLarge(name, fmt.Sprintf("file is %s, over the %s limit", sizeOf(size), limitOf(max))), true
}

// ValidateObject validates the object of size bytes that r holds. name is the object's file
// name (the last segment of its S3 key, or a file's base name): a single file's result, and a
// result about the archive as a whole, carry it.
//
// It returns at least one result. A zip archive (recognised by its first bytes, not its name)
// gets one result per file entry, in archive order (directories and __MACOSX/ entries have
// none); callers that list results sort them by file name. Anything else gets one result.
//
// A non-nil error means the object could not be read: r failed (a *ReadError, wrapped, so that
// the caller can tell it from the rest and retry) or ctx is done. Everything wrong with the
// object's content, corrupt archives included, is a result. r is only asked for bytes within
// size, whatever offsets the archive's records name.
func (v *Validator) ValidateObject(ctx context.Context, name string, r io.ReaderAt, size int64) ([]sbomcat.FileResult, error) {
	if size < 0 {
		return nil, fmt.Errorf("validating %s: negative size %d", name, size)
	}
	if res, unknown := v.CheckProfile(name); unknown {
		return []sbomcat.FileResult{res}, nil
	}
	if res, over := v.CheckSize(name, size); over {
		return []sbomcat.FileResult{res}, nil
	}
	src := &source{r: r, size: size}
	var magic [4]byte
	n, err := src.ReadAt(magic[:], 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("validating %s: %w", name, err)
	}
	var results []sbomcat.FileResult
	if isZip(magic[:n]) {
		results, err = v.validateArchive(ctx, name, src, size)
	} else {
		var res sbomcat.FileResult
		res, err = v.validateSingle(ctx, name, src, size)
		results = []sbomcat.FileResult{res}
	}
	if err != nil {
		return nil, fmt.Errorf("validating %s: %w", name, err)
	}
	return results, nil
}

// ValidateFile validates the file at path as an object named after its base name. Its size is
// checked against the object limit before a byte is read.
func (v *Validator) ValidateFile(ctx context.Context, path string) ([]sbomcat.FileResult, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	return v.ValidateObject(ctx, filepath.Base(path), f, fi.Size())
}

// isZip recognises a zip archive by its first signature: a local file header, or the end
// record that is all an empty archive holds.
func isZip(b []byte) bool {
	return len(b) == 4 && b[0] == 'P' && b[1] == 'K' &&
		((b[2] == 3 && b[3] == 4) || (b[2] == 5 && b[3] == 6))
}

// validateSingle judges an object that is one file.
func (v *Validator) validateSingle(ctx context.Context, name string, src *source, size int64) (sbomcat.FileResult, error) {
	// A single file is also a file: when the per-file limit is the lower one, it applies too.
	// Its size is known, so there is nothing to count.
	if max := v.Limits.WithDefaults().MaxFileBytes; size > max {
		return tooLarge(name, fmt.Sprintf("file is %s, over the %s limit for one file", sizeOf(size), limitOf(max))), nil
	}
	open := func() (io.ReadCloser, error) {
		return sectionFile{io.NewSectionReader(src, 0, size)}, nil
	}
	verdict, err := formats.Validate(ctx, open, v.options())
	if err != nil {
		// Nothing but the object's own reads or the context can fail here, and neither says
		// anything about the content; the caller decides whether to try again.
		return sbomcat.FileResult{}, err
	}
	return fromVerdict(name, verdict), nil
}

// sectionFile is a section of the object that closes as a file does. Unlike io.NopCloser it
// keeps the section's Seek in sight: formats reads an element again to confirm that two
// uniqueItems elements with the same digest are equal, and seeks to it when it can rather than
// reading the object again from its start.
type sectionFile struct{ *io.SectionReader }

func (sectionFile) Close() error { return nil }

// fromVerdict makes a file's result from formats' verdict on it.
func fromVerdict(name string, v formats.Verdict) sbomcat.FileResult {
	res := sbomcat.FileResult{
		FileName:    name,
		Result:      sbomcat.ResultSucceeded,
		Format:      v.Format,
		SpecVersion: v.SpecVersion,
	}
	if !v.Valid() {
		res.Result = sbomcat.ResultFailed
		res.ErrorCode = sbomcat.ErrorIncompatibleFormat
		res.ErrorMessage = v.Problem
		if v.Kind == formats.KindCycloneDXXML || v.Kind == formats.KindSPDXTagValue || v.Kind == formats.KindSPDXRDF || v.Kind == formats.KindSPDXYAML {
			res.ErrorMessage += " " + shellWord(name) // formats' message ends with "sbomctl convert"
		}
		res.Place = v.Place
	}
	return res
}

// shellWord quotes name for a POSIX shell when it holds anything but the characters file names
// are usually made of.
func shellWord(name string) string {
	if name != "" && strings.Trim(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-+/@=:,") == "" {
		return name
	}
	return "'" + strings.ReplaceAll(name, "'", `'\''`) + "'"
}

func incompatible(name, msg string) sbomcat.FileResult {
	return sbomcat.FileResult{FileName: name, Result: sbomcat.ResultFailed, ErrorCode: sbomcat.ErrorIncompatibleFormat, ErrorMessage: msg}
}

func tooLarge(name, msg string) sbomcat.FileResult {
	return sbomcat.FileResult{FileName: name, Result: sbomcat.ResultFailed, ErrorCode: sbomcat.ErrorFileSizeLimitExceeded, ErrorMessage: msg}
}

// source is the object being read. It tells the object's own read errors apart from what the
// decompressor and the parser make of its bytes: the first are the caller's to retry, the
// second are verdicts. Libraries in between (archive/zip, compress/flate) pass errors along
// but may replace them, so the first failure is also remembered.
type source struct {
	r    io.ReaderAt
	size int64
	mu   sync.Mutex
	err  error
}

// ReadError is an error of the object's ReaderAt, as ValidateObject returns it (wrapped).
type ReadError struct{ Err error }

func (e *ReadError) Error() string { return "reading the object: " + e.Err.Error() }
func (e *ReadError) Unwrap() error { return e.Err }

// ReadAt reads within the object's size only. Offsets come from the archive's own records, so
// one outside the object is the archive's fault, not an I/O error, and never reaches r.
func (s *source) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || off >= s.size {
		return 0, io.EOF
	}
	short := false
	if rest := s.size - off; int64(len(p)) > rest {
		p, short = p[:rest], true
	}
	n, err := s.r.ReadAt(p, off)
	if err == nil && short {
		err = io.EOF
	}
	if err != nil && err != io.EOF {
		err = &ReadError{err}
		s.mu.Lock()
		if s.err == nil {
			s.err = err
		}
		s.mu.Unlock()
	}
	return n, err
}

// failed returns the object's first read error, if any.
func (s *source) failed() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// sizeOf writes a measured size as messages show it: "142.0 MiB".
func sizeOf(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	case n == 1:
		return "1 byte"
	}
	return fmt.Sprintf("%d bytes", n)
}

// limitOf writes a configured limit as messages show it: exactly, in the largest unit that
// divides it ("100 MiB", "1 GiB", "1500 bytes").
func limitOf(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	case n == 1:
		return "1 byte"
	}
	return fmt.Sprintf("%d bytes", n)
}
