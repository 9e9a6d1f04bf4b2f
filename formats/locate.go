package formats

import (
	"context"
	"io"
	"strconv"
	"strings"

	"github.com/sbomcat/sbomcat/internal/ctxio"
)

// locate finds where the values at the given JSON Pointers start, in one streaming pass that
// descends only into the containers on the way to one of them. Failures found on decoded
// documents (the strict profile's) know their pointer but not their offset; this gives them
// one. A pointer that names no value gets -1.
func locate(ctx context.Context, open Opener, skip int64, ptrs []string) ([]int64, error) {
	offs := make([]int64, len(ptrs))
	for i := range offs {
		offs[i] = -1
	}
	rc, err := open()
	if err != nil {
		return offs, err
	}
	defer rc.Close()
	r := ctxio.Reader(ctx, rc)
	if _, err := io.CopyN(io.Discard, r, skip); err != nil {
		return offs, err
	}
	sc := newScanner(r, nil)
	l := locator{sc: sc, ptrs: ptrs, offs: offs}
	err = l.value("", 0)
	return offs, err
}

type locator struct {
	sc   *scanner
	ptrs []string
	offs []int64
}

// value is at the pointer ptr ("" for the root).
func (l *locator) value(ptr string, depth int) error {
	if _, ok := l.sc.peek(); !ok {
		return l.sc.eofError("where a value was expected")
	}
	on := false // some wanted pointer lies below this value
	for i, p := range l.ptrs {
		if p == ptr || (ptr == "" && p == "/") {
			l.offs[i] = l.sc.offset()
		} else if strings.HasPrefix(p, ptr+"/") {
			on = true
		}
	}
	c, _ := l.sc.peek()
	if !on || (c != '{' && c != '[') {
		return l.sc.skipValue(depth)
	}
	if depth >= maxDepth {
		return l.sc.tooDeep()
	}
	l.sc.pos++
	if c == '[' {
		return l.sc.eachElement(func(i int) error { return l.value(ptr+"/"+strconv.Itoa(i), depth+1) })
	}
	return l.sc.eachMember(func(key []byte) error {
		return l.value(ptr+"/"+escapePointer(string(key)), depth+1)
	})
}

func escapePointer(s string) string {
	if !strings.ContainsAny(s, "~/") {
		return s
	}
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(s)
}
