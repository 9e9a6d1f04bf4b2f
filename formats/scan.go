package formats

import (
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"io"
	"math"
	"math/bits"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// MaxDepth bounds the nesting of JSON arrays and objects: a document nested MaxDepth levels
// deep is judged by the schema; one level deeper fails while it is scanned, whatever it is (a
// bare [[[…]]] included), with a message naming the limit. Values are scanned and checked
// recursively, so the bound is what keeps a file of a million '[' from costing a million stack
// frames. It is encoding/json's own bound, so the strict profile's decoders (and the oracle)
// accept whatever depth the engine accepts; see docs/behaviour.md, "Nesting".
const MaxDepth = 10000

// maxDepth is MaxDepth for the scanner's checks.
const maxDepth = MaxDepth

// depthError is a document nested deeper than MaxDepth, at a byte offset.
type depthError struct{ offset int64 }

func (e *depthError) Error() string {
	return fmt.Sprintf("offset %d: nesting deeper than %d levels", e.offset, MaxDepth)
}

// tooDeep is the error for an array or object that opens at depth maxDepth.
func (s *scanner) tooDeep() error { return &depthError{offset: s.offset()} }

// syntaxError is malformed JSON at a byte offset. Validate turns the offset into a line and a
// column for the message.
type syntaxError struct {
	offset int64
	msg    string
}

func (e *syntaxError) Error() string { return fmt.Sprintf("offset %d: %s", e.offset, e.msg) }

// readError wraps an error from the underlying reader, so it is never mistaken for bad JSON.
type readError struct{ err error }

func (e *readError) Error() string { return e.err.Error() }
func (e *readError) Unwrap() error { return e.err }

// scanner is a pull parser over an io.Reader with its own buffer. It either skips values
// (checking their syntax and building nothing) or parses them into a tree. Memory is the buffer
// plus whatever tree the caller asks for; it never holds the whole input.
type scanner struct {
	r    io.Reader
	buf  []byte
	pos  int   // next unread byte
	end  int   // bytes valid in buf
	base int64 // input offset of buf[0]
	eof  bool
	rerr error // a read error other than io.EOF

	keyBuf []byte // member names; callers copy what they keep before reading on

	// A string longer than maxKeptString keeps only its first maxKeptString bytes; the rest
	// is digested and counted as it streams by (see spill), so one 1 GiB string costs 1 MiB.
	strStart int    // where the current string starts in the buffer it is appended to
	spill    *spill // non-nil once the current string went over maxKeptString

	// pinned keeps buf[pin:] in the buffer as it refills, so that the streamer can read a
	// value once speculatively and, if that fails, again from its start (see
	// streamer.speculate). A pinned value never grows the buffer: when it fills the whole
	// buffer, fill gives up instead and sets pinLost, and the speculation is abandoned.
	pinned  bool
	pinLost bool
	pin     int
}

// maxKeptString is how much of a string value is kept in memory for checks that need its text
// (pattern, format, enum); length, equality and uniqueness use the whole string.
const maxKeptString = 1 << 20

// spill digests the part of a long string that is not kept: the same digest leafHash computes
// for a kept string (maphash.Bytes equals Write then Sum64), a check digest with another seed
// (see longString), and its length in characters.
type spill struct {
	h     [2]maphash.Hash
	runes int
}

func (sp *spill) write(b []byte) {
	sp.h[0].Write(b)
	sp.h[1].Write(b)
	sp.runes += utf8.RuneCount(b)
}

// keep appends string content to dst, spilling once the string grows past maxKeptString.
// Content always arrives in whole characters.
func (s *scanner) keep(dst, b []byte) []byte {
	if s.spill != nil {
		s.spill.write(b)
		return dst
	}
	dst = append(dst, b...)
	if len(dst)-s.strStart > maxKeptString {
		sp := &spill{}
		sp.h[0].SetSeed(hashSeed)
		sp.h[1].SetSeed(checkSeed)
		sp.write(dst[s.strStart:])
		cut := s.strStart + maxKeptString
		for cut > s.strStart && !utf8.RuneStart(dst[cut]) {
			cut--
		}
		dst = dst[:cut]
		s.spill = sp
	}
	return dst
}

const scanBufSize = 256 << 10

func newScanner(r io.Reader, prefix []byte) *scanner {
	return newScannerSize(r, prefix, scanBufSize)
}

// newExhaustedScanner scans prefix when the reader behind it has nothing more to give (the
// whole file fit in the prefix): the buffer is the prefix's size rather than scanBufSize, so a
// small file costs a small allocation (in a loop of small SBOMs, zeroing 256 KiB buffers was
// a tenth of the service's CPU).
func newExhaustedScanner(r io.Reader, prefix []byte) *scanner {
	return newScannerSize(r, prefix, 512)
}

func newScannerSize(r io.Reader, prefix []byte, size int) *scanner {
	if len(prefix) > size {
		size = len(prefix)
	}
	s := &scanner{r: r, buf: make([]byte, size)}
	s.end = copy(s.buf, prefix)
	return s
}

func (s *scanner) offset() int64 { return s.base + int64(s.pos) }

// fill reads more input, keeping buf[pos:end]. It reports whether bytes were added.
func (s *scanner) fill() bool {
	if s.eof || s.rerr != nil {
		return false
	}
	keep := s.pos
	if s.pinned {
		keep = s.pin
	}
	if keep > 0 {
		n := copy(s.buf, s.buf[keep:s.end])
		s.base += int64(keep)
		s.pos, s.end = s.pos-keep, n
		if s.pinned {
			s.pin -= keep
		}
	}
	if s.end == len(s.buf) && s.pinned {
		s.pinLost = true
		return false
	}
	if s.end == len(s.buf) { // a token longer than the buffer: grow
		nb := make([]byte, 2*len(s.buf))
		copy(nb, s.buf[:s.end])
		s.buf = nb
	}
	for {
		n, err := s.r.Read(s.buf[s.end:])
		s.end += n
		if err == io.EOF {
			s.eof = true
			return n > 0
		}
		if err != nil {
			s.rerr = err
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
}

// hold pins the buffer from the current position, unless an outer hold already pinned it
// from before, and returns the offset to rewind to and whether it pinned (and so must let go).
func (s *scanner) hold() (at int64, pinned bool) {
	at = s.offset()
	if s.pinned {
		return at, false
	}
	s.pinned, s.pin = true, s.pos
	return at, true
}

// rewind goes back to an offset that a hold kept in the buffer.
func (s *scanner) rewind(at int64) { s.pos = int(at - s.base) }

// letGo ends the hold that pinned the buffer, once nothing needs to go back before the
// current position.
func (s *scanner) letGo() { s.pinned, s.pinLost = false, false }

func (s *scanner) fail(format string, args ...any) error {
	if s.rerr != nil {
		return &readError{s.rerr}
	}
	return &syntaxError{offset: s.offset(), msg: fmt.Sprintf(format, args...)}
}

// eofError is the error for input that ends in the middle of a value.
func (s *scanner) eofError(what string) error {
	if s.rerr != nil {
		return &readError{s.rerr}
	}
	return &syntaxError{offset: s.offset(), msg: "unexpected end of file " + what}
}

// peek skips whitespace and returns the next byte without consuming it; ok is false at the
// end of input.
func (s *scanner) peek() (byte, bool) {
	if c := s.at(); c > ' ' {
		return c, true
	}
	return s.skipSpace()
}

// at is the byte at pos, or 0 at the end of the buffer. The loops that read every member and
// element call it, and skipSpace only when what it gives is not above ' ': that is peek with
// no call in the common case of compact JSON, which peek itself, too large to be inlined,
// cannot be. peek was 6.5% of a generated CycloneDX document's profile; with this, sbomctl
// took 2-6% less CPU time on compact CycloneDX and SPDX files and 3% more on a pretty-printed
// CycloneDX one, where the next byte is mostly whitespace (interleaved runs, load average 3.5-4).
func (s *scanner) at() byte {
	if s.pos < s.end {
		return s.buf[s.pos]
	}
	return 0
}

// skipSpace is peek for when the next byte may be whitespace or past the buffer.
func (s *scanner) skipSpace() (byte, bool) {
	for {
		for s.pos < s.end {
			c := s.buf[s.pos]
			if c > ' ' || (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
				return c, true
			}
			s.pos++
		}
		if !s.fill() {
			return 0, false
		}
	}
}

func describeByte(c byte) string {
	switch {
	case c >= 0x20 && c < 0x7f:
		return fmt.Sprintf("'%c'", c)
	default:
		return fmt.Sprintf("byte 0x%02x", c)
	}
}

// expect consumes the next non-space byte, which must be c.
func (s *scanner) expect(c byte, context string) error {
	b, ok := s.at(), true
	if b <= ' ' {
		b, ok = s.skipSpace()
	}
	if !ok {
		return s.eofError(context)
	}
	if b != c {
		return s.fail("expected '%c' %s, found %s", c, context, describeByte(b))
	}
	s.pos++
	return nil
}

// literal consumes true, false or null.
func (s *scanner) literal(word string) error {
	for i := 0; i < len(word); i++ {
		if s.pos >= s.end && !s.fill() {
			return s.eofError("inside literal " + word)
		}
		if s.buf[s.pos] != word[i] {
			return s.fail("invalid literal: expected %q", word)
		}
		s.pos++
	}
	return nil
}

// stringSpecial marks the bytes that end a run of plain string content.
var stringSpecial = func() (t [256]bool) {
	for i := 0; i < 0x20; i++ {
		t[i] = true
	}
	t['"'], t['\\'] = true, true
	for i := 0x80; i < 0x100; i++ {
		t[i] = true
	}
	return
}()

// SWAR constants: a byte repeated in every lane of a word, and each lane's high bit.
const (
	lanes1  = 0x0101010101010101
	lanesHi = 0x8080808080808080
)

// plainRun returns the index of the first byte at or after i that ends a run of plain string
// content (see stringSpecial), or len(buf). It looks at eight bytes at a time: a lane is
// special when it is below 0x20, a quote, a backslash or has its high bit set. The zero-byte
// tests can flag lanes above the first true one (a borrow carries upwards), never below it,
// so the lowest flagged lane is exact.
func plainRun(buf []byte, i int) int {
	for ; i+8 <= len(buf); i += 8 {
		w := binary.LittleEndian.Uint64(buf[i:])
		q := w ^ (lanes1 * '"')
		b := w ^ (lanes1 * '\\')
		m := ((w-lanes1*0x20)&^w | (q-lanes1)&^q | (b-lanes1)&^b | w) & lanesHi
		if m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for i < len(buf) && !stringSpecial[buf[i]] {
		i++
	}
	return i
}

// readString consumes a string whose opening quote is at pos. When dst is non-nil the unescaped
// content is appended to it; either way the content is checked: UTF-8, escapes, no raw control
// characters.
func (s *scanner) readString(dst []byte, keep bool) ([]byte, error) {
	s.pos++ // opening quote
	s.strStart, s.spill = len(dst), nil
	for {
		start := s.pos
		buf := s.buf[:s.end]
		i := plainRun(buf, s.pos)
		if keep {
			dst = s.keep(dst, buf[start:i])
		}
		s.pos = i
		if i == len(buf) {
			if !s.fill() {
				return dst, s.eofError("inside a string")
			}
			continue
		}
		c := buf[i]
		switch {
		case c == '"':
			s.pos++
			return dst, nil
		case c == '\\':
			var err error
			if dst, err = s.readEscape(dst, keep); err != nil {
				return dst, err
			}
		case c < 0x20:
			return dst, s.fail("control character %s inside a string (escape it as \\u%04x)", describeByte(c), c)
		default: // non-ASCII: one UTF-8 sequence
			for !utf8.FullRune(s.buf[s.pos:s.end]) && s.fill() {
			}
			r, size := utf8.DecodeRune(s.buf[s.pos:s.end])
			if r == utf8.RuneError && size <= 1 {
				return dst, s.fail("invalid UTF-8 (%s) inside a string (JSON must be UTF-8)", describeByte(s.buf[s.pos]))
			}
			if keep {
				dst = s.keep(dst, s.buf[s.pos:s.pos+size])
			}
			s.pos += size
		}
	}
}

// takeLong reports whether the string just read went over maxKeptString and, if so, returns
// what stands in for the part that was not kept, ready for the next string.
func (s *scanner) takeLong() (longString, bool) {
	sp := s.spill
	if sp == nil {
		return longString{}, false
	}
	s.spill = nil
	return longString{
		hash:  valueHash(mix(sp.h[0].Sum64(), tagString)),
		check: sp.h[1].Sum64(),
		runes: sp.runes,
	}, true
}

// stringView reads a string whose opening quote is at pos, as readString(dst, true) does,
// but returns the content in place, with no copy, when the buffer holds all of it and it is
// plain (no escapes, ASCII): most strings in an SBOM are. inPlace says which it did: the
// content in place is valid only until the next read, otherwise it is appended to dst.
func (s *scanner) stringView(dst []byte) (v []byte, inPlace bool, err error) {
	buf := s.buf[:s.end]
	start := s.pos + 1
	if i := plainRun(buf, start); i < len(buf) && buf[i] == '"' && i-start <= maxKeptString {
		s.pos, s.spill = i+1, nil
		return buf[start:i:i], true, nil
	}
	v, err = s.readString(dst, true)
	return v, false, err
}

func (s *scanner) need(n int) bool {
	for s.end-s.pos < n {
		if !s.fill() {
			return false
		}
	}
	return true
}

func (s *scanner) readEscape(dst []byte, keep bool) ([]byte, error) {
	if !s.need(2) {
		return dst, s.eofError("inside a string escape")
	}
	c := s.buf[s.pos+1]
	var out byte
	switch c {
	case '"', '\\', '/':
		out = c
	case 'b':
		out = '\b'
	case 'f':
		out = '\f'
	case 'n':
		out = '\n'
	case 'r':
		out = '\r'
	case 't':
		out = '\t'
	case 'u':
		r, err := s.readHex4(s.pos + 2)
		if err != nil {
			return dst, err
		}
		s.pos += 6
		if utf16.IsSurrogate(r) {
			// A pair is two escapes; a lone half becomes U+FFFD, as encoding/json decodes it.
			if s.need(6) && s.buf[s.pos] == '\\' && s.buf[s.pos+1] == 'u' {
				if r2, err := s.readHex4(s.pos + 2); err == nil {
					if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
						s.pos += 6
						r = dec
					} else {
						r = utf8.RuneError
					}
				} else {
					return dst, err
				}
			} else {
				r = utf8.RuneError
			}
		}
		if keep {
			var enc [utf8.UTFMax]byte
			dst = s.keep(dst, enc[:utf8.EncodeRune(enc[:], r)])
		}
		return dst, nil
	default:
		s.pos++
		return dst, s.fail("invalid escape '\\%c' inside a string", c)
	}
	if keep {
		dst = s.keep(dst, []byte{out})
	}
	s.pos += 2
	return dst, nil
}

func (s *scanner) readHex4(at int) (rune, error) {
	for s.end-at < 4 {
		if !s.fill() {
			return 0, s.eofError("inside a \\u escape")
		}
		at = s.pos + 2 // fill moves bytes to the front; escapes are read from pos
	}
	var r rune
	for _, c := range s.buf[at : at+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, s.fail("invalid \\u escape: %s is not a hex digit", describeByte(c))
		}
	}
	return r, nil
}

// readNumber consumes a number and returns its literal text (valid until the next read).
func (s *scanner) readNumber(scratch []byte) ([]byte, error) {
	lit := scratch[:0]
	next := func() (byte, bool) {
		if s.pos >= s.end && !s.fill() {
			return 0, false
		}
		return s.buf[s.pos], true
	}
	take := func(c byte) {
		lit = append(lit, c)
		s.pos++
	}
	digits := func() int {
		n := 0
		for {
			c, ok := next()
			if !ok || c < '0' || c > '9' {
				return n
			}
			take(c)
			n++
		}
	}
	c, _ := next()
	if c == '-' {
		take(c)
	}
	c, ok := next()
	switch {
	case !ok:
		return lit, s.eofError("inside a number")
	case c == '0':
		take(c)
		if c, ok := next(); ok && c >= '0' && c <= '9' {
			return lit, s.fail("invalid number: leading zero")
		}
	case c >= '1' && c <= '9':
		digits()
	default:
		return lit, s.fail("invalid number: expected a digit, found %s", describeByte(c))
	}
	if c, ok := next(); ok && c == '.' {
		take(c)
		if digits() == 0 {
			return lit, s.fail("invalid number: expected a digit after '.'")
		}
	}
	if c, ok := next(); ok && (c == 'e' || c == 'E') {
		take(c)
		if c, ok := next(); ok && (c == '+' || c == '-') {
			take(c)
		}
		if digits() == 0 {
			return lit, s.fail("invalid number: expected a digit in the exponent")
		}
	}
	if s.rerr != nil {
		return lit, &readError{s.rerr}
	}
	return lit, nil
}

// skipValue consumes one value, checking its syntax without building anything.
func (s *scanner) skipValue(depth int) error {
	c, ok := s.peek()
	if !ok {
		return s.eofError("where a value was expected")
	}
	switch c {
	case '{':
		if depth >= maxDepth {
			return s.tooDeep()
		}
		s.pos++
		return s.eachMember(func([]byte) error { return s.skipValue(depth + 1) })
	case '[':
		if depth >= maxDepth {
			return s.tooDeep()
		}
		s.pos++
		return s.eachElement(func(int) error { return s.skipValue(depth + 1) })
	case '"':
		_, err := s.readString(nil, false)
		return err
	case 't':
		return s.literal("true")
	case 'f':
		return s.literal("false")
	case 'n':
		return s.literal("null")
	default:
		if c == '-' || (c >= '0' && c <= '9') {
			var scratch [32]byte
			_, err := s.readNumber(scratch[:0])
			return err
		}
		return s.fail("unexpected %s where a value was expected", describeByte(c))
	}
}

// eachMember iterates an object whose '{' was consumed: for each member it reads the key and
// calls fn, which must consume the value. The key is only valid until fn reads on.
func (s *scanner) eachMember(fn func(key []byte) error) error {
	c, ok := s.peek()
	if !ok {
		return s.eofError("inside an object")
	}
	if c == '}' {
		s.pos++
		return nil
	}
	for {
		c, ok := s.at(), true
		if c <= ' ' {
			c, ok = s.skipSpace()
		}
		if !ok {
			return s.eofError("inside an object")
		}
		if c != '"' {
			return s.fail("expected a quoted member name, found %s", describeByte(c))
		}
		key, err := s.readString(s.keyBuf[:0], true)
		if err != nil {
			return err
		}
		s.keyBuf = key
		if err := s.expect(':', "after a member name"); err != nil {
			return err
		}
		if err := fn(key); err != nil {
			return err
		}
		c, ok = s.at(), true
		if c <= ' ' {
			c, ok = s.skipSpace()
		}
		if !ok {
			return s.eofError("inside an object")
		}
		switch c {
		case ',':
			s.pos++
		case '}':
			s.pos++
			return nil
		default:
			return s.fail("expected ',' or '}' after an object member, found %s", describeByte(c))
		}
	}
}

// eachElement iterates an array whose '[' was consumed, calling fn with each element's index.
func (s *scanner) eachElement(fn func(i int) error) error {
	c, ok := s.peek()
	if !ok {
		return s.eofError("inside an array")
	}
	if c == ']' {
		s.pos++
		return nil
	}
	for i := 0; ; i++ {
		if err := fn(i); err != nil {
			return err
		}
		c, ok := s.at(), true
		if c <= ' ' {
			c, ok = s.skipSpace()
		}
		if !ok {
			return s.eofError("inside an array")
		}
		switch c {
		case ',':
			s.pos++
		case ']':
			s.pos++
			return nil
		default:
			return s.fail("expected ',' or ']' after an array element, found %s", describeByte(c))
		}
	}
}

// parseValue builds the next value into t and returns its index.
func (s *scanner) parseValue(t *tree, depth int) (int32, error) {
	c, ok := s.peek()
	if !ok {
		return 0, s.eofError("where a value was expected")
	}
	off := t.relOffset(s.offset())
	switch c {
	case '{', '[':
		if depth >= maxDepth {
			return 0, s.tooDeep()
		}
		s.pos++
		mark := len(t.stack)
		var err error
		kind := kindArray
		if c == '{' {
			kind = kindObject
			err = s.eachMember(func(key []byte) error {
				k := t.addBytes(key)
				if k == nil { // a nil key marks an array element (pathElem): "" is a name
					k = []byte{}
				}
				i, err := s.parseValue(t, depth+1)
				if err != nil {
					return err
				}
				n := t.nodes[i]
				n.key = k
				t.nodes = t.nodes[:i] // the child moves to the stack until its parent closes
				t.stack = append(t.stack, n)
				return nil
			})
		} else {
			err = s.eachElement(func(int) error {
				i, err := s.parseValue(t, depth+1)
				if err != nil {
					return err
				}
				t.stack = append(t.stack, t.nodes[i])
				t.nodes = t.nodes[:i]
				return nil
			})
		}
		if err != nil {
			return 0, err
		}
		first := int32(len(t.nodes))
		t.nodes = append(t.nodes, t.stack[mark:]...)
		n := int32(len(t.stack) - mark)
		t.stack = t.stack[:mark]
		t.nodes = append(t.nodes, node{kind: kind, off: off, first: first, n: n})
		return int32(len(t.nodes) - 1), nil
	case '"':
		start := len(t.bytes)
		b, err := s.readString(t.bytes, true)
		if err != nil {
			return 0, err
		}
		t.bytes = b
		n := node{kind: kindString, off: off, str: b[start:len(b):len(b)]}
		if long, ok := s.takeLong(); ok { // a long string: its digest and length stand in for it
			n.first, n.n = int32(len(t.long)), -1
			t.long = append(t.long, long)
		}
		t.nodes = append(t.nodes, n)
	case 't':
		if err := s.literal("true"); err != nil {
			return 0, err
		}
		t.nodes = append(t.nodes, node{kind: kindTrue, off: off})
	case 'f':
		if err := s.literal("false"); err != nil {
			return 0, err
		}
		t.nodes = append(t.nodes, node{kind: kindFalse, off: off})
	case 'n':
		if err := s.literal("null"); err != nil {
			return 0, err
		}
		t.nodes = append(t.nodes, node{kind: kindNull, off: off})
	default:
		if c != '-' && (c < '0' || c > '9') {
			return 0, s.fail("unexpected %s where a value was expected", describeByte(c))
		}
		lit, err := s.readNumber(t.numScratch[:0])
		t.numScratch = lit
		if err != nil {
			return 0, err
		}
		f, _ := strconv.ParseFloat(unsafe.String(unsafe.SliceData(lit), len(lit)), 64)
		if math.IsInf(f, 0) {
			return 0, s.fail("number %s is out of range", lit)
		}
		t.nodes = append(t.nodes, node{kind: kindNumber, off: off, num: f, str: t.addBytes(lit)})
	}
	return int32(len(t.nodes) - 1), nil
}
