package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// table writes an aligned table for people, and a count at the end. It is written on Close,
// when every column's width is known. On a terminal (Options.Width > 0) it fits the width:
// long paths are shortened in the middle and messages wrap under their column; otherwise
// nothing is cut.
type table struct {
	w                         io.Writer
	opts                      Options
	rows                      [][5]string
	succeeded, failed, errors int
}

var tableHeader = [5]string{"FILE", "RESULT", "FORMAT", "ERROR CODE", "MESSAGE"}

const (
	gap          = 2  // spaces between columns
	minMessage   = 30 // the message column is not squeezed below this while paths can shrink
	minFileWidth = 16 // nor a path below this
)

func (t *table) Result(r Result) error {
	// A file validated on its own, or an archive that failed as a whole, is the path itself;
	// an archive's entry is the path and the entry's name.
	file := r.Path
	if r.Member != "" {
		file = r.Path + ":" + r.Member
	}
	dash := func(s string) string {
		if s == "" {
			return "-"
		}
		return s
	}
	t.rows = append(t.rows, [5]string{Printable(file), string(r.Result), Printable(dash(formatName(r.FileResult))),
		dash(string(r.ErrorCode)), Printable(dash(r.ErrorMessage))})
	if r.Succeeded() {
		t.succeeded++
	} else {
		t.failed++
	}
	return nil
}

// PathError only counts: the caller says what went wrong on standard error.
func (t *table) PathError(*PathError) error {
	t.errors++
	return nil
}

func (t *table) Close() error {
	if len(t.rows) == 0 && t.errors > 0 {
		return nil // only errors, which the caller has said: an empty table would hide them
	}
	var width [5]int
	for _, row := range append([][5]string{tableHeader}, t.rows...) {
		for i, c := range row {
			width[i] = max(width[i], runes(c))
		}
	}
	msgCol := width[0] + width[1] + width[2] + width[3] + 4*gap
	var b strings.Builder
	switch {
	case t.opts.Width <= 0: // not a terminal: nothing is cut
		t.columns(&b, width, msgCol, 0)
	case t.opts.Width-(msgCol-width[0]+minFileWidth) >= minMessage:
		if over := minMessage - (t.opts.Width - msgCol); over > 0 {
			// Shorten the paths: the message is what says what to fix.
			width[0] -= over
			msgCol -= over
		}
		t.columns(&b, width, msgCol, t.opts.Width-msgCol)
	default: // too narrow for columns: one block per file
		t.blocks(&b, t.opts.Width)
	}
	n := t.succeeded + t.failed
	noun := "files"
	if n == 1 {
		noun = "file"
	}
	fmt.Fprintf(&b, "\n%d %s: %d succeeded, %d failed", n, noun, t.succeeded, t.failed)
	if t.errors > 0 {
		fmt.Fprintf(&b, "; %d not validated (see above)", t.errors)
	}
	b.WriteString("\n")
	_, err := io.WriteString(t.w, b.String())
	return err
}

// columns writes the table in aligned columns, the message wrapped at msgWidth (0: not).
func (t *table) columns(b *strings.Builder, width [5]int, msgCol, msgWidth int) {
	for n, row := range append([][5]string{tableHeader}, t.rows...) {
		for i := 0; i < 4; i++ {
			cell := shortenMiddle(row[i], width[i])
			pad := strings.Repeat(" ", width[i]-runes(cell)+gap)
			if n > 0 && i == 1 {
				cell = t.colour(cell)
			}
			b.WriteString(cell + pad)
		}
		for j, line := range wrap(row[4], msgWidth) {
			if j > 0 {
				b.WriteString("\n" + strings.Repeat(" ", msgCol))
			}
			b.WriteString(line)
		}
		b.WriteString("\n")
	}
}

// blocks writes each file as a few lines for a narrow terminal: its path, then its verdict,
// then its message, indented.
func (t *table) blocks(b *strings.Builder, width int) {
	const indent = "  "
	for _, row := range t.rows {
		b.WriteString(shortenMiddle(row[0], width) + "\n")
		b.WriteString(indent + t.colour(row[1]))
		if row[2] != "-" {
			b.WriteString(indent + row[2])
		}
		if row[3] != "-" {
			b.WriteString(indent + row[3])
		}
		b.WriteString("\n")
		if row[4] != "-" {
			for _, line := range wrap(row[4], max(width-len(indent), minMessage/2)) {
				b.WriteString(indent + line + "\n")
			}
		}
	}
}

func runes(s string) int { return utf8.RuneCountInString(s) }

// shortenMiddle cuts s to width characters by replacing part of its middle with "…", keeping
// the file name at the end whole where it can, and the start of the path.
func shortenMiddle(s string, width int) string {
	r := []rune(s)
	if len(r) <= width || width < 3 {
		return s
	}
	base := len(r) - 1 - strings.LastIndex(string(r), "/")
	if i := strings.LastIndex(s, "/"); i >= 0 {
		base = runes(s[i:]) // the name with its slash
	}
	tail := min(base, width-2)
	if tail < (width-1)/2 {
		tail = width - 1 - (width-1)/2
	}
	head := width - 1 - tail
	return string(r[:head]) + "…" + string(r[len(r)-tail:])
}

// wrap breaks s into lines of at most width characters, at spaces where it can; width 0 keeps
// one line.
func wrap(s string, width int) []string {
	if width <= 0 || runes(s) <= width {
		return []string{s}
	}
	var lines []string
	r := []rune(s)
	for len(r) > width {
		cut := width
		for i := width; i > width/2; i-- {
			if r[i] == ' ' {
				cut = i
				break
			}
		}
		lines = append(lines, strings.TrimRight(string(r[:cut]), " "))
		r = []rune(strings.TrimLeft(string(r[cut:]), " "))
	}
	return append(lines, string(r))
}

// colour colours a verdict when the options say so.
func (t *table) colour(result string) string {
	if !t.opts.Color {
		return result
	}
	switch result {
	case "SUCCEEDED":
		return "\x1b[32m" + result + "\x1b[0m"
	case "FAILED":
		return "\x1b[1;31m" + result + "\x1b[0m"
	}
	return result
}

// Printable keeps what an archive's names and a file's content put into a message from
// moving the cursor or breaking the table: text with a control character (a tab, a newline, an
// escape sequence) is shown quoted, escapes visible.
func Printable(s string) string {
	if strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) && r != ' ' }) < 0 {
		return s
	}
	return strconv.Quote(s)
}
