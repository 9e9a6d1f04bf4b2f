package convert

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/formats"
)

// Options tune a conversion. The zero value converts to the input's own spec version when the
// aws profile accepts it, else to the nearest accepted one, and refuses invalid output.
type Options struct {
	// ToVersion is the spec version to write ("1.6", "2.3"); empty for the default above.
	ToVersion string
	// KeepInvalid returns output that fails validation as a Result (with Invalid set) rather
	// than as an error.
	KeepInvalid bool
}

// Result is one converted document.
type Result struct {
	Format sbomcat.Format
	From   string // what the input is, as messages name it: "CycloneDX 1.4 XML"
	To     string // what the output is: "CycloneDX 1.4 JSON"
	// ToVersion is the output's spec version ("1.4", "2.2").
	ToVersion string
	// JSON is the output document.
	JSON []byte
	// Before and After count the elements of the input and of the output as written.
	Before, After Counts
	// Reasons say why a count changed, by field name ("relationships"), when it is known.
	Reasons map[string]string
	// Notes name what the output cannot hold (XML comments, extensions, fields newer than
	// the output version) and were left out.
	Notes []string
	// Invalid is the validator's message on the output when it fails validation, which only
	// a conversion with Options.KeepInvalid returns; empty otherwise.
	Invalid string
}

// written sets the output document, out in format, and its counts.
func (r *Result) written(out []byte, format sbomcat.Format) error {
	after, err := countJSON(out, format)
	if err != nil {
		return fmt.Errorf("counting the output: %w", err)
	}
	r.JSON, r.After = out, after
	return nil
}

// Warnings are the lines that tell the user what did not come through unchanged: each count
// that changed ("components: 3 -> 2 (reason)") and each note.
func (r *Result) Warnings() []string {
	w := r.Before.changes(r.After, r.Reasons)
	return append(w, r.Notes...)
}

// Summary is the line for a conversion that kept every count: "412 components, 390
// dependencies, 412 hashes: all kept", or the counts after when some changed.
func (r *Result) Summary() string {
	s := r.After.String()
	if r.Before == r.After {
		return s + ": all kept"
	}
	return s
}

// Error is an input that was refused: it cannot be read, or it converts to a document the aws
// profile refuses. Message says what, where, why and how to fix it.
type Error struct {
	Message string
	Err     error // the library's error, when there is one
}

func (e *Error) Error() string { return e.Message }
func (e *Error) Unwrap() error { return e.Err }

func refuse(err error, format string, args ...any) *Error {
	return &Error{Message: fmt.Sprintf(format, args...), Err: err}
}

// Skipped is returned for an input that is already JSON the aws profile accepts and that no
// ToVersion asks to change: there is nothing to convert.
type Skipped struct{ What string }

func (s *Skipped) Error() string {
	return s.What + " is already accepted JSON; nothing to convert"
}

// accepted lists the versions the aws profile accepts, oldest first (the README's table).
var accepted = map[sbomcat.Format][]string{
	sbomcat.FormatCycloneDX: {"1.2", "1.3", "1.4", "1.5", "1.6", "1.7"},
	sbomcat.FormatSPDX:      {"2.2", "2.3"},
}

// targetVersion picks the output version for an input of format f at version v.
func targetVersion(f sbomcat.Format, v, to string) (string, error) {
	list := accepted[f]
	if to != "" {
		for _, a := range list {
			if a == to {
				return to, nil
			}
		}
		return "", fmt.Errorf("--to-version %s is not an accepted %s version (accepted: %s)", to, stdName(f), strings.Join(list, ", "))
	}
	for _, a := range list {
		if a == v {
			return v, nil
		}
	}
	// Older than every accepted version: the oldest accepted one is the nearest.
	if v != "" && versionLess(v, list[0]) {
		return list[0], nil
	}
	return "", fmt.Errorf("%s version %q is not one this tool can convert (accepted output versions: %s)", stdName(f), v, strings.Join(list, ", "))
}

// versionLess compares "major.minor" versions.
func versionLess(a, b string) bool {
	var am, an, bm, bn int
	fmt.Sscanf(a, "%d.%d", &am, &an)
	fmt.Sscanf(b, "%d.%d", &bm, &bn)
	return am < bm || (am == bm && an < bn)
}

// converters read each encoding Convert accepts.
var converters = map[formats.Kind]converter{
	formats.KindCycloneDXXML:  cdxXML{},
	formats.KindCycloneDXJSON: cdxJSON{},
	formats.KindSPDXTagValue:  spdxTagValue{},
	formats.KindSPDXRDF:       spdxRDF{},
	formats.KindSPDXYAML:      spdxYAML{},
	formats.KindSPDXJSON:      spdxJSON{},
}

// Convert converts one document, data being its whole content. Its encoding is recognised from
// the content (formats.Validate's verdict), never from a name. A refused input is an *Error; an
// input that is already accepted is a *Skipped; ctx's error is returned as is.
func Convert(ctx context.Context, data []byte, opts Options) (*Result, error) {
	open := func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
	v, err := formats.Validate(ctx, open, formats.Options{Profile: sbomcat.ProfileAWS})
	if err != nil {
		return nil, err
	}
	c, ok := converters[v.Kind]
	if !ok {
		return nil, refuse(nil, "%s; there is nothing sbomctl convert can read in it", v.Problem)
	}
	if v.SpecVersion == "" && v.Kind == formats.KindSPDXRDF {
		// formats reads the first 64 KiB; RDF can state its version anywhere.
		if m := reRDFVersion.FindSubmatch(data); m != nil {
			v.SpecVersion = string(m[1])
		}
	}
	if v.SpecVersion == "" {
		return nil, refuse(nil, "%s declares no spec version (%s): write one, then convert again", v.Kind, versionHint[v.Kind])
	}
	from := describe(v.Kind, v.SpecVersion)
	if v.Valid() && (opts.ToVersion == "" || opts.ToVersion == v.SpecVersion) {
		return nil, &Skipped{What: from}
	}
	if (v.Kind == formats.KindCycloneDXJSON || v.Kind == formats.KindSPDXJSON) && v.SpecVersion != "" && !v.Valid() {
		if _, known := indexOf(accepted[v.Format], v.SpecVersion); known && opts.ToVersion == "" {
			// The version is accepted and the document is not: converting would not mend it.
			return nil, refuse(nil, "%s; converting cannot fix that: correct the document", v.Problem)
		}
	}
	to, err := targetVersion(v.Format, v.SpecVersion, opts.ToVersion)
	if err != nil {
		return nil, refuse(err, "%s: %v", from, err)
	}
	if err := checkXMLSafety(v.Kind, data); err != nil {
		return nil, refuse(err, "%s: %v", from, err)
	}
	res := &Result{Format: v.Format, From: from, ToVersion: to, To: fmt.Sprintf("%s %s JSON", stdName(v.Format), to)}
	if err := safely(func() error { return c.convert(ctx, data, v.SpecVersion, res) }); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, refuse(err, "%s: %v", from, err)
	}
	out, err := formats.Validate(ctx, func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(res.JSON)), nil
	}, formats.Options{Profile: sbomcat.ProfileAWS})
	if err != nil {
		return nil, err
	}
	if !out.Valid() {
		if !opts.KeepInvalid {
			return nil, refuse(nil, "%s converts to a document the aws profile refuses: %s (fix the input, or write it anyway with --keep-invalid)", from, out.Problem)
		}
		res.Invalid = out.Problem
	}
	return res, nil
}

var reRDFVersion = regexp.MustCompile(`specVersion>\s*SPDX-(\d+\.\d+)\s*<`)

var versionHint = map[formats.Kind]string{
	formats.KindCycloneDXXML:  `the bom element's namespace names it, e.g. xmlns="http://cyclonedx.org/schema/bom/1.6"`,
	formats.KindCycloneDXJSON: `e.g. "specVersion": "1.6"`,
	formats.KindSPDXTagValue:  "e.g. SPDXVersion: SPDX-2.3",
	formats.KindSPDXRDF:       "e.g. <spdx:specVersion>SPDX-2.3</spdx:specVersion>",
	formats.KindSPDXYAML:      "e.g. spdxVersion: SPDX-2.3",
	formats.KindSPDXJSON:      `e.g. "spdxVersion": "SPDX-2.3"`,
}

// converter reads one encoding and fills in res: JSON, Before, After and Notes.
type converter interface {
	convert(ctx context.Context, data []byte, version string, res *Result) error
}

// safely runs f, turning a panic into an error: the decoders have panicked on odd input before,
// and one bad file must not end a run over a hundred.
func safely(f func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("the decoder failed on this input (%v)", p)
		}
	}()
	return f()
}

func describe(k formats.Kind, version string) string {
	name := k.String()
	if version == "" {
		return name
	}
	for _, std := range []string{"CycloneDX", "SPDX"} {
		if strings.HasPrefix(name, std+" ") {
			return std + " " + version + name[len(std):]
		}
	}
	return name
}

func stdName(f sbomcat.Format) string {
	if f == sbomcat.FormatSPDX {
		return "SPDX"
	}
	return "CycloneDX"
}

func indexOf(list []string, s string) (int, bool) {
	for i, x := range list {
		if x == s {
			return i, true
		}
	}
	return -1, false
}
