package formats

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/internal/ctxio"
)

// prefixSize is how much of a file is read to recognise it. Tools write bomFormat, specVersion
// and spdxVersion first, so the version is nearly always known from this prefix and the file is
// read once; otherwise it is scanned for the version and then read again to validate.
const prefixSize = 64 << 10

// prefixBufs holds prefix buffers for reuse: in sbomd's loop of small SBOMs, allocating (and so
// zeroing) 64 KiB a file was about 3% of its CPU. Nothing refers to a prefix once Validate
// returns: the scanners copy what they take of it, and messages are built from copies.
var prefixBufs = sync.Pool{New: func() any { b := make([]byte, prefixSize); return &b }}

// errPrefixEnd marks the end of the prefix when the file goes on.
var errPrefixEnd = errors.New("end of prefix")

type prefixEnd struct{ atEOF bool }

func (p prefixEnd) Read([]byte) (int, error) {
	if p.atEOF {
		return 0, io.EOF
	}
	return 0, errPrefixEnd
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
	r := ctxio.Reader(ctx, rc)

	bufp := prefixBufs.Get().(*[]byte)
	defer prefixBufs.Put(bufp)
	prefix := *bufp
	n, err := io.ReadFull(r, prefix)
	atEOF := err == io.EOF || err == io.ErrUnexpectedEOF
	if err != nil && !atEOF {
		return Verdict{}, fmt.Errorf("reading: %w", err)
	}
	prefix = prefix[:n]

	sn := sniff(prefix)
	pos := position{open: open, bom: bytes.HasPrefix(prefix, utf8BOM)}
	if lead := len(prefix) - len(bytes.TrimLeft(bytes.TrimPrefix(prefix, utf8BOM), " \t\r\n")); lead > 0 && !atEOF {
		// Leading whitespace of any length is skipped: drop it and sniff a whole prefix of what
		// follows.
		var dropped int64
		if dropped, prefix, atEOF, err = skipBlank(r, prefix, lead); err != nil {
			return Verdict{}, fmt.Errorf("reading: %w", err)
		}
		pos.skip = dropped
		if len(prefix) > 0 { // otherwise the file holds only whitespace, as sniffed
			sn = sniff(prefix)
		}
	}
	if !sn.json {
		return Verdict{Kind: sn.kind, Format: sn.format, SpecVersion: sn.version, Problem: rejectedMessage(sn)}, nil
	}
	body := prefix[sn.skip:]
	pos.skip += int64(sn.skip)

	// What does the document declare? Usually the prefix tells.
	h, err := scanHeader(newExhaustedScanner(prefixEnd{atEOF}, body)) // prefixEnd reads nothing
	fromPrefix := true
	if errors.Is(err, errPrefixEnd) {
		fromPrefix = false
		h, err = scanHeader(newScanner(r, body))
	}
	if err != nil {
		v := Verdict{Kind: KindInvalidJSON}
		if !v.scanProblem(ctx, err, pos, "") {
			return Verdict{}, fmt.Errorf("reading: %w", err)
		}
		return v, nil
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
		r = ctxio.Reader(ctx, rc)
		if _, err := io.CopyN(io.Discard, r, pos.skip); err != nil {
			return Verdict{}, fmt.Errorf("reading: %w", err)
		}
		sc = newScanner(r, nil)
	}
	st := newStreamer(sc)
	st.source = source{ctx, open, pos.skip}
	if opts.Checks != nil {
		st.checker, st.watch = opts.Checks(), true
		st.checker.Start(format, version)
	}
	st.wholeElements = opts.wholeElements
	name := v.name()
	if err = st.document(sch); err != nil {
		if !v.scanProblem(ctx, err, pos, name+": ") {
			return Verdict{}, fmt.Errorf("reading: %w", err)
		}
		return v, nil
	}
	if st.ev.count > 0 {
		offs := make([]int64, len(st.ev.errs))
		for i, e := range st.ev.errs {
			offs[i] = e.off
		}
		places := pos.places(ctx, offs)
		for i := range places {
			places[i].Pointer = st.ev.errs[i].ptr
		}
		v.Place = &places[0]
		v.Problem = name + ": " + describeViolations(st.ev.errs, places, st.ev.count) + hints(format, version, &st.ev)
		return v, nil
	}
	if opts.Profile == sbomcat.ProfileStrict {
		findings, err := strictCheck(ctx, open, pos.skip, format)
		if err != nil {
			return Verdict{}, err
		}
		if len(findings) > 0 {
			places := placeFindings(ctx, findings, pos)
			if len(places) > 0 && places[0].Line > 0 {
				v.Place = &places[0]
			}
			v.Problem = name + ": " + describeFindings(findings, places)
		}
	}
	if st.checker != nil {
		v.addChecks(ctx, st.checker, pos, name)
	}
	return v, nil
}

// addChecks adds what the checker found, after the strict profile's findings if there are any,
// so that a combined profile (strict,ntia) reports both.
func (v *Verdict) addChecks(ctx context.Context, c Checker, pos position, name string) {
	problem, first := c.Report(func(offs []int64) []sbomcat.Place { return pos.places(ctx, offs) })
	if problem == "" {
		return
	}
	if v.Problem == "" {
		v.Problem, v.Place = name+": "+problem, first
		return
	}
	v.Problem += "; " + problem
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

// scanProblem makes the verdict's problem from an error of the scanner that is about the
// content (malformed JSON, trailing data, nesting too deep), prefixed with name, and reports
// whether err was one; any other error is the reader's.
func (v *Verdict) scanProblem(ctx context.Context, err error, pos position, name string) bool {
	var se *syntaxError
	var te *trailingDataError
	var de *depthError
	var off int64
	var what, why string
	switch {
	case errors.As(err, &se):
		off, what, why = se.offset, "invalid JSON ", ": "+se.msg
	case errors.As(err, &te):
		off, what, why = te.offset, "trailing data after the JSON document ", "; a file must hold exactly one JSON value"
	case errors.As(err, &de):
		off, what = de.offset, fmt.Sprintf("arrays and objects nested more than %d levels deep ", MaxDepth)
		why = fmt.Sprintf("; sbomcat reads JSON nested at most %d levels deep", MaxDepth)
		if name == "" {
			v.Kind = KindJSON // well-formed, as far as it was read
		}
	default:
		return false
	}
	p := pos.places(ctx, []int64{off})[0]
	v.Place = &p
	v.Problem = name + what + p.String() + why
	return true
}

func describeViolations(errs []violation, places []sbomcat.Place, count int) string {
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
		b.WriteString(e.ptr + " " + places[i].String() + ": " + e.msg)
	}
	if count > len(errs) {
		fmt.Fprintf(&b, " (and %d more)", count-len(errs))
	}
	return b.String()
}

// hints add the fix for failures that popular tools are known to cause (docs/behaviour.md, "Failure
// messages").
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

// utf8BOM is the UTF-8 byte order mark, which is skipped and is no column.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// skipBlank drops the first lead bytes of prefix (a byte order mark and whitespace) and any
// whitespace that follows, however long it goes on. It returns how many bytes it dropped and a
// new prefix that starts at the first other byte, as full as the input allows.
func skipBlank(r io.Reader, prefix []byte, lead int) (dropped int64, next []byte, atEOF bool, err error) {
	buf := prefix[:cap(prefix)]
	dropped = int64(lead)
	n := copy(buf, prefix[lead:])
	for n == 0 && !atEOF {
		m, rerr := io.ReadFull(r, buf)
		atEOF = rerr == io.EOF || rerr == io.ErrUnexpectedEOF
		if rerr != nil && !atEOF {
			return dropped, nil, false, rerr
		}
		text := bytes.TrimLeft(buf[:m], " \t\r\n")
		dropped += int64(m - len(text))
		n = copy(buf, text)
	}
	if !atEOF { // top the prefix up, so the text is sniffed as it would be at the start
		m, rerr := io.ReadFull(r, buf[n:])
		n += m
		atEOF = rerr == io.EOF || rerr == io.ErrUnexpectedEOF
		if rerr != nil && !atEOF {
			return dropped, nil, false, rerr
		}
	}
	return dropped, buf[:n], atEOF, nil
}

// position turns byte offsets into lines and columns by reading the file again up to the
// offsets; only failures pay for it, so the scanner tracks no lines.
type position struct {
	open Opener
	skip int64 // bytes before the offsets' origin (a byte order mark, leading whitespace)
	bom  bool  // the file starts with a UTF-8 byte order mark, which is no column
}

// places returns the line and column of each offset (counted from the origin), in one pass
// over the file. When the file cannot be read again, the places stay zero.
func (p position) places(ctx context.Context, offsets []int64) []sbomcat.Place {
	out := make([]sbomcat.Place, len(offsets))
	order := make([]int, len(offsets))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return offsets[order[a]] < offsets[order[b]] })
	rc, err := p.open()
	if err != nil {
		return out
	}
	defer rc.Close()
	br := bufio.NewReaderSize(ctxio.Reader(ctx, rc), 64<<10)
	var at int64 // bytes consumed
	line, col := 1, 1
	for _, i := range order {
		target := offsets[i] + p.skip
		for at < target {
			c, err := br.ReadByte()
			if err != nil {
				break
			}
			at++
			switch {
			case c == '\n':
				line, col = line+1, 1
			case c < 0x80 || utf8.RuneStart(c): // one column per character, at its first byte
				col++
			}
		}
		out[i] = sbomcat.Place{Line: line, Column: col}
		if p.bom && line == 1 {
			out[i].Column-- // the byte order mark is not a column
		}
	}
	return out
}

// placeFindings finds the places of the findings a message spells out: the strict profile's
// decoders know the pointer of what they found, not its offset. Only failures pay for the pass;
// a finding it cannot place gets a zero Place.
func placeFindings(ctx context.Context, fs []finding, pos position) []sbomcat.Place {
	ptrs := make([]string, min(len(fs), maxReported))
	for i := range ptrs {
		ptrs[i] = fs[i].ptr
	}
	offs, err := locate(ctx, pos.open, pos.skip, ptrs)
	places := make([]sbomcat.Place, len(ptrs))
	if err != nil {
		return places // the document was read to the end before, so this is the reader's doing
	}
	var found []int64
	for _, o := range offs {
		if o >= 0 {
			found = append(found, o)
		}
	}
	at := pos.places(ctx, found)
	for i, o := range offs {
		if o >= 0 {
			places[i], at = at[0], at[1:]
			places[i].Pointer = ptrs[i]
		}
	}
	return places
}
