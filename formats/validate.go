package formats

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/sbomcat/sbomcat"
)

// prefixSize is how much of a file is read to recognise it. Tools write bomFormat, specVersion
// and spdxVersion first, so the version is nearly always known from this prefix and the file is
// read once; otherwise it is scanned for the version and then read again to validate.
const prefixSize = 64 << 10

// errPrefixEnd marks the end of the prefix when the file goes on.
var errPrefixEnd = errors.New("end of prefix")

type prefixEnd struct{ atEOF bool }

func (p prefixEnd) Read([]byte) (int, error) {
	if p.atEOF {
		return 0, io.EOF
	}
	return 0, errPrefixEnd
}

// ctxReader stops reading when the context is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// Validate reads a file and judges it. A non-nil error means the file could not be read to the
// end (an error from open or from a reader, wrapped, such as a size limit the reader enforces,
// or the context's error); the verdict is then meaningless. Everything wrong with the content
// itself is a Verdict with a Problem, never an error.
func Validate(ctx context.Context, open Opener, opts Options) (Verdict, error) {
	rc, err := open()
	if err != nil {
		return Verdict{}, fmt.Errorf("opening: %w", err)
	}
	defer rc.Close()
	r := ctxReader{ctx, rc}

	prefix := make([]byte, prefixSize)
	n, err := io.ReadFull(r, prefix)
	atEOF := err == io.EOF || err == io.ErrUnexpectedEOF
	if err != nil && !atEOF {
		return Verdict{}, fmt.Errorf("reading: %w", err)
	}
	prefix = prefix[:n]

	sn := sniff(prefix)
	if !sn.json {
		return Verdict{Kind: sn.kind, Format: sn.format, SpecVersion: sn.version, Problem: rejectedMessage(sn)}, nil
	}
	body := prefix[sn.skip:]
	pos := position{open: open, skip: int64(sn.skip)}

	// What does the document declare? Usually the prefix tells.
	h, err := scanHeader(newExhaustedScanner(prefixEnd{atEOF}, body)) // prefixEnd reads nothing
	fromPrefix := true
	if errors.Is(err, errPrefixEnd) {
		fromPrefix = false
		h, err = scanHeader(newScanner(r, body))
	}
	if err != nil {
		var se *syntaxError
		if errors.As(err, &se) {
			return Verdict{Kind: KindInvalidJSON, Problem: "invalid JSON " + pos.at(ctx, se.offset) + ": " + se.msg}, nil
		}
		return Verdict{}, fmt.Errorf("reading: %w", err)
	}
	kind, format, version, problem := classify(h)
	v := Verdict{Kind: kind, Format: format, SpecVersion: version, Problem: problem}
	if problem != "" {
		return v, nil
	}
	ref, _ := findSchema(format, version)
	sch, err := engineSchemas[ref]()
	if err != nil {
		return Verdict{}, err
	}

	// Validate, continuing from the prefix or reading again from the start.
	var sc *scanner
	switch {
	case fromPrefix && atEOF:
		sc = newExhaustedScanner(r, body)
	case fromPrefix:
		sc = newScanner(r, body)
	default:
		rc.Close()
		if rc, err = open(); err != nil {
			return Verdict{}, fmt.Errorf("opening again: %w", err)
		}
		r = ctxReader{ctx, rc}
		if _, err := io.CopyN(io.Discard, r, int64(sn.skip)); err != nil {
			return Verdict{}, fmt.Errorf("reading: %w", err)
		}
		sc = newScanner(r, nil)
	}
	st := newStreamer(sc)
	name := v.name()
	err = st.document(sch)
	var se *syntaxError
	var te *trailingDataError
	switch {
	case errors.As(err, &se):
		v.Problem = fmt.Sprintf("%s: invalid JSON %s: %s", name, pos.at(ctx, se.offset), se.msg)
		return v, nil
	case errors.As(err, &te):
		v.Problem = fmt.Sprintf("%s: trailing data after the JSON document %s; a file must hold exactly one JSON value", name, pos.at(ctx, te.offset))
		return v, nil
	case err != nil:
		return Verdict{}, fmt.Errorf("reading: %w", err)
	}
	if st.ev.count > 0 {
		v.Problem = name + ": " + describeViolations(st.ev.errs, st.ev.count) + hints(format, version, &st.ev)
		return v, nil
	}
	if opts.Profile == sbomcat.ProfileStrict {
		findings, err := strictCheck(ctx, open, int64(sn.skip), format)
		if err != nil {
			return Verdict{}, err
		}
		if len(findings) > 0 {
			v.Problem = name + ": " + describeFindings(findings)
		}
	}
	return v, nil
}

// name says what the file is in messages: "CycloneDX 1.5 JSON".
func (v Verdict) name() string {
	switch v.Format {
	case sbomcat.FormatCycloneDX:
		return "CycloneDX " + v.SpecVersion + " JSON"
	case sbomcat.FormatSPDX:
		return "SPDX " + v.SpecVersion + " JSON"
	}
	return v.Kind.String()
}

func describeViolations(errs []violation, count int) string {
	var b strings.Builder
	if count == 1 {
		b.WriteString("schema violation at ")
	} else {
		b.WriteString("schema violations: at ")
	}
	for i, e := range errs {
		if i > 0 {
			b.WriteString("; at ")
		}
		b.WriteString(e.ptr + ": " + e.msg)
	}
	if count > len(errs) {
		fmt.Fprintf(&b, " (and %d more)", count-len(errs))
	}
	return b.String()
}

// hints add the fix for failures that popular tools are known to cause (decisions item 2).
func hints(format sbomcat.Format, version string, ev *evaluator) string {
	var out []string
	if format == sbomcat.FormatSPDX && version == "2.2" && ev.missing["copyrightText"] > 0 {
		out = append(out, "SPDX 2.2 requires copyrightText on every package and file (2.3 made it optional): emit SPDX 2.3, or write NOASSERTION")
	}
	if format == sbomcat.FormatSPDX && version == "2.3" && ev.badEnum["PACKAGE_MANAGER"] > 0 {
		out = append(out, "SPDX 2.3 spells the referenceCategory PACKAGE-MANAGER, with a hyphen")
	}
	if len(out) == 0 {
		return ""
	}
	return ". Hint: " + strings.Join(out, "; ")
}

// position turns byte offsets into "at line L column C" by reading the file again up to the
// offset; only failures pay for it.
type position struct {
	open Opener
	skip int64 // bytes before the offsets' origin (a byte order mark)
}

func (p position) at(ctx context.Context, offset int64) string {
	rc, err := p.open()
	if err != nil {
		return fmt.Sprintf("at byte offset %d", offset+p.skip)
	}
	defer rc.Close()
	r := io.LimitReader(ctxReader{ctx, rc}, offset+p.skip)
	buf := make([]byte, 64<<10)
	line, col := 1, 1
	var carry []byte
	for {
		n, err := r.Read(buf)
		chunk := append(carry, buf[:n]...)
		carry = carry[:0]
		for len(chunk) > 0 {
			if chunk[0] == '\n' {
				line, col = line+1, 1
				chunk = chunk[1:]
				continue
			}
			if !utf8.FullRune(chunk) && err == nil {
				carry = append(carry, chunk...)
				break
			}
			_, size := utf8.DecodeRune(chunk)
			chunk = chunk[size:]
			col++
		}
		if err != nil {
			break
		}
	}
	if p.skip > 0 && line == 1 {
		col-- // the byte order mark is not a column
	}
	return fmt.Sprintf("at line %d column %d", line, col)
}
