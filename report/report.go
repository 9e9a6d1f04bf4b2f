// Package report writes validation results for people and for CI systems: an aligned table,
// JSON lines, SARIF 2.1.0 (code scanning), JUnit XML (test reports) and GitHub Actions workflow
// commands (annotations).
//
// It knows nothing of files or flags: sbomctl walks its paths, validates each file with
// validator/ and hands every result, and every path it could not read, to a Writer.
package report

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/sbomcat/sbomcat"
)

// Result is one validated file.
type Result struct {
	// Source is the PATH argument the file was found under (a file, a directory, or "-").
	Source string
	// Path is the file as given or found below Source ("sboms/a.json"), relative when Source
	// is; for a zip archive's entry, the archive.
	Path string
	// Member is the entry's name when the file is an entry of the zip archive at Path.
	Member string
	sbomcat.FileResult
}

// Name is how the file is named in lists: the path, or "archive.zip!entry".
func (r Result) Name() string {
	if r.Member != "" {
		return r.Path + "!" + r.Member
	}
	return r.Path
}

// PathError is a path that could not be validated at all: it could not be read, was a broken
// symbolic link, was denied, ...
type PathError struct {
	Source string // the PATH argument
	Path   string
	Err    error
}

func (e *PathError) Error() string { return e.Err.Error() }
func (e *PathError) Unwrap() error { return e.Err }

// Writer receives results as they come and writes them out, at the latest on Close.
type Writer interface {
	Result(Result) error
	PathError(*PathError) error
	Close() error
}

// Formats names the formats New knows, in the order usage lists them.
var Formats = []string{"table", "json", "sarif", "junit", "github"}

// Options tune a writer.
type Options struct {
	// Width is the terminal's width in columns for the table, which then fits it; 0 means
	// the output is no terminal and nothing is cut.
	Width int
	// Color colours the table's verdicts (only ever on a terminal).
	Color bool
	// Tool is the tool's name and version, for SARIF's driver.
	ToolName, ToolVersion string
}

// New returns a Writer for format (one of Formats) writing to w.
func New(format string, w io.Writer, opts Options) (Writer, error) {
	switch format {
	case "table":
		return &table{w: w, opts: opts}, nil
	case "json":
		return newJSONLines(w), nil
	case "sarif":
		return &sarifWriter{w: w, opts: opts}, nil
	case "junit":
		return &junitWriter{w: w}, nil
	case "github":
		return &githubWriter{w: w}, nil
	}
	return nil, fmt.Errorf("unknown format %q: use %s", format, strings.Join(Formats, ", "))
}

// MemberOf tells the name of a zip archive's entry from a validator result: a file validated
// on its own, or an archive that failed as a whole, carries the object's base name; an entry
// carries its own path inside the archive.
func MemberOf(path string, r sbomcat.FileResult) string {
	if r.FileName == filepath.Base(path) {
		return ""
	}
	return r.FileName
}

// formatName names a file's format and version as the table shows it ("CycloneDX 1.6"), or ""
// when it declared none.
func formatName(r sbomcat.FileResult) string {
	switch r.Format {
	case sbomcat.FormatCycloneDX:
		return "CycloneDX " + r.SpecVersion
	case sbomcat.FormatSPDX:
		return "SPDX " + r.SpecVersion
	}
	return ""
}
