package formats

import (
	"bytes"
	"fmt"
	"regexp"
	"regexp/syntax"
	"sync"
	"unicode/utf8"
)

// pattern is a compiled "pattern" (or patternProperties name). Most patterns in the accepted
// schemas are anchored runs of character classes (a hash of 64 hex digits, urn:uuid:…, a media
// type, "^(.*)$"); those are matched by hand, without regexp's per-character machinery, and
// the rest by regexp. Both agree on every input: pattern_test.go checks them against each
// other on fuzzed strings.
type pattern struct {
	re   *regexp.Regexp
	hand []patAlt // nil: use re
	// fits[k] is the byte lengths of the texts hand[k] can match, least and most (-1: no
	// bound), so that an alternative of the wrong length is passed over unread. A hash's
	// content has alternatives of 32, 40, 64, 96 and 128 hex digits: reading the first three
	// for every SHA-256 made matching 6.6% of a generated CycloneDX document's profile, 2.7%
	// with this (sbomctl: 0-4% less CPU time, 7 interleaved runs, load average 6).
	fits [][2]int
}

func compilePattern(src string) (*pattern, error) {
	re, err := regexp.Compile(src)
	if err != nil {
		return nil, err
	}
	p := &pattern{re: re, hand: handPattern(src)}
	for _, alt := range p.hand {
		p.fits = append(p.fits, alt.byteLengths())
	}
	return p, nil
}

// lazyPattern is a pattern whose syntax is checked when its schema is compiled, so that a bad
// pattern fails there as it always did, but which is compiled when it is first matched: a
// run of sbomctl on a small file meets few of the patterns of its schema, and compiling all
// of them (regexp's programs, the hand matcher's sets) was a tenth of the memory that
// compiling a CycloneDX schema allocates.
type lazyPattern struct {
	src      string
	compiled func() *pattern
}

func newLazyPattern(src string) (*lazyPattern, error) {
	// compilePattern fails only where regexp.Compile does, and regexp.Compile only where the
	// parse of its source does, with that error.
	if _, err := syntax.Parse(src, syntax.Perl); err != nil {
		return nil, err
	}
	return &lazyPattern{src: src, compiled: sync.OnceValue(func() *pattern {
		p, err := compilePattern(src)
		if err != nil { // the source parsed, so it compiles
			panic(fmt.Sprintf("pattern %q: %v", src, err))
		}
		return p
	})}, nil
}

// String is the pattern's source, for messages.
func (l *lazyPattern) String() string { return l.src }

// Match reports whether b matches, as pattern.Match does.
func (l *lazyPattern) Match(b []byte) bool { return l.compiled().Match(b) }

// byteLengths is the least and most bytes a text a can match has (-1: no bound): a character
// is at least one byte, and exactly one when its set is ASCII.
func (a patAlt) byteLengths() [2]int {
	least, most := 0, 0
	for _, it := range a {
		least += it.min
		if it.max < 0 || it.nonASCII || most < 0 {
			most = -1
		} else {
			most += it.max
		}
	}
	return [2]int{least, most}
}

// String is the pattern's source, for messages.
func (p *pattern) String() string { return p.re.String() }

// Match reports whether b matches, with regexp's semantics (searching, RE2 syntax).
func (p *pattern) Match(b []byte) bool {
	if p.hand == nil {
		return p.re.Match(b)
	}
	for k, alt := range p.hand {
		if f := p.fits[k]; len(b) < f[0] || f[1] >= 0 && len(b) > f[1] {
			continue
		}
		if alt.match(b) {
			return true
		}
	}
	return false
}

// patItem is a run of min to max characters (max -1: unbounded) from one set.
type patItem struct {
	ascii    [128]bool
	nonASCII bool // every character from U+0080 up, and invalid bytes (each one character)
	min, max int
	// allBut is the one byte the set lacks when it takes every other character ("." lacks
	// '\n'), or -1: a run of such a set to the end of the text is one bytes.IndexByte.
	allBut int
}

// patAlt is one way to match the whole text: items in sequence, anchored at both ends.
type patAlt []patItem

// maxAlts bounds how many alternatives a pattern may expand into for the hand matcher.
const maxAlts = 16

// handPattern compiles the patterns that are ^…$ around a sequence of character-class runs,
// with alternations and optional groups expanded into whole alternatives, where greedy
// matching cannot go wrong: a run of variable length is followed by a run that starts with a
// character it cannot contain (or by the end). Anything else returns nil.
func handPattern(src string) []patAlt {
	re, err := syntax.Parse(src, syntax.Perl)
	if err != nil {
		return nil
	}
	if re.Op != syntax.OpConcat || len(re.Sub) < 2 ||
		re.Sub[0].Op != syntax.OpBeginText || re.Sub[len(re.Sub)-1].Op != syntax.OpEndText {
		return nil
	}
	alts := expandConcat(re.Sub[1 : len(re.Sub)-1])
	if alts == nil {
		return nil
	}
	for _, a := range alts {
		if !a.greedySafe() {
			return nil
		}
		for k := range a {
			a[k].setAllBut()
		}
	}
	return alts
}

// expandConcat expands a sequence of nodes into the cross product of their alternatives, or
// nil when a node is outside what the hand matcher handles or the product exceeds maxAlts.
func expandConcat(subs []*syntax.Regexp) []patAlt {
	alts := []patAlt{{}}
	for _, sub := range subs {
		next := expand(sub)
		if next == nil || len(alts)*len(next) > maxAlts {
			return nil
		}
		var cross []patAlt
		for _, a := range alts {
			for _, b := range next {
				cross = append(cross, append(append(patAlt(nil), a...), b...))
			}
		}
		alts = cross
	}
	return alts
}

// expand turns a regexp node into the alternative item sequences it stands for, or nil when
// the node is outside what the hand matcher handles.
func expand(re *syntax.Regexp) []patAlt {
	switch re.Op {
	case syntax.OpCapture:
		return expand(re.Sub[0])
	case syntax.OpEmptyMatch:
		return []patAlt{{}}
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 {
			return nil
		}
		var alt patAlt
		for _, r := range re.Rune {
			it, ok := setItem(&syntax.Regexp{Op: syntax.OpCharClass, Rune: []rune{r, r}})
			if !ok {
				return nil
			}
			alt = append(alt, it)
		}
		return []patAlt{alt}
	case syntax.OpCharClass, syntax.OpAnyCharNotNL, syntax.OpAnyChar:
		it, ok := setItem(re)
		if !ok {
			return nil
		}
		return []patAlt{{it}}
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
		if re.Flags&syntax.NonGreedy != 0 {
			return nil
		}
		min, max := 0, -1
		switch re.Op {
		case syntax.OpPlus:
			min = 1
		case syntax.OpQuest:
			max = 1
		case syntax.OpRepeat:
			min, max = re.Min, re.Max
		}
		if it, ok := setItem(re.Sub[0]); ok { // a run of one set
			it.min, it.max = min, max
			return []patAlt{{it}}
		}
		if re.Op != syntax.OpQuest { // an optional group: with it and without it
			return nil
		}
		with := expand(re.Sub[0])
		if with == nil {
			return nil
		}
		return append([]patAlt{{}}, with...)
	case syntax.OpConcat:
		return expandConcat(re.Sub)
	case syntax.OpAlternate:
		var alts []patAlt
		for _, sub := range re.Sub {
			next := expand(sub)
			if next == nil || len(alts)+len(next) > maxAlts {
				return nil
			}
			alts = append(alts, next...)
		}
		return alts
	}
	return nil
}

// setItem turns a one-character node into a run of exactly one character of its set. A set
// must take either all or none of the characters from U+0080 up, so non-ASCII text needs no
// decoding beyond counting.
func setItem(re *syntax.Regexp) (patItem, bool) {
	it := patItem{min: 1, max: 1}
	switch re.Op {
	case syntax.OpAnyCharNotNL, syntax.OpAnyChar:
		for c := range it.ascii {
			it.ascii[c] = true
		}
		it.ascii['\n'] = re.Op == syntax.OpAnyChar
		it.nonASCII = true
		return it, true
	case syntax.OpCharClass:
		for i := 0; i < len(re.Rune); i += 2 {
			lo, hi := re.Rune[i], re.Rune[i+1]
			for c := lo; c <= hi && c < utf8.RuneSelf; c++ {
				it.ascii[c] = true
			}
			if hi >= utf8.RuneSelf {
				if lo > utf8.RuneSelf || hi < utf8.MaxRune {
					return it, false // part of the non-ASCII range
				}
				it.nonASCII = true
			}
		}
		return it, true
	}
	return it, false
}

// greedySafe reports whether taking as many characters as possible for each run is the only
// way to match: every run of variable length is last or followed by a run of at least one
// character that its own set excludes.
func (a patAlt) greedySafe() bool {
	for i, it := range a {
		if it.min == it.max {
			continue
		}
		if i == len(a)-1 {
			return true
		}
		next := a[i+1]
		if next.min < 1 || (it.nonASCII && next.nonASCII) {
			return false
		}
		for c := range it.ascii {
			if it.ascii[c] && next.ascii[c] {
				return false
			}
		}
	}
	return true
}

// setAllBut fills in allBut once the set is known.
func (it *patItem) setAllBut() {
	it.allBut = -1
	if !it.nonASCII {
		return
	}
	missing := -1
	for c, in := range it.ascii {
		if !in {
			if missing >= 0 {
				return
			}
			missing = c
		}
	}
	it.allBut = missing
}

func (a patAlt) match(b []byte) bool {
	i := 0
	for k := range a {
		it := &a[k]
		if k == len(a)-1 && it.max < 0 && it.min <= 1 && it.allBut >= 0 {
			// The last run, unbounded, of a set lacking one byte: it reaches the end of the
			// text exactly when that byte does not occur (and the text is not too short).
			rest := b[i:]
			return bytes.IndexByte(rest, byte(it.allBut)) < 0 && len(rest) >= it.min
		}
		n := 0
		for i < len(b) && (it.max < 0 || n < it.max) {
			c := b[i]
			if c < utf8.RuneSelf {
				if !it.ascii[c] {
					break
				}
				i++
			} else {
				if !it.nonASCII {
					break
				}
				_, size := utf8.DecodeRune(b[i:])
				i += size
			}
			n++
		}
		if n < it.min {
			return false
		}
	}
	return i == len(b)
}
