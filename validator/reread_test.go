package validator_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/validator"
)

// countingReaderAt counts the bytes read from it.
type countingReaderAt struct {
	r *bytes.Reader
	n atomic.Int64
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.n.Add(int64(n))
	return n, err
}

// TestDuplicateReadAgainInPlace: two equal components at the end of a long single-file
// SBOM are read again to be compared (their digests match), from where they stand, not by
// reading the object again from its start.
func TestDuplicateReadAgainInPlace(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"bomFormat":"CycloneDX","specVersion":"1.5","version":1,"components":[`)
	for i := range 20000 {
		fmt.Fprintf(&b, `{"type":"library","name":"component-%d","version":"1.0.%d"},`, i, i)
	}
	b.WriteString(`{"type":"library","name":"twin","version":"2"},{"type":"library","name":"twin","version":"2"}]}`)
	doc := []byte(b.String())
	r := &countingReaderAt{r: bytes.NewReader(doc)}

	res, err := (&validator.Validator{}).ValidateObject(context.Background(), "bom.json", r, int64(len(doc)))
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || res[0].Result != sbomcat.ResultFailed || !strings.Contains(res[0].ErrorMessage, "items 20000 and 20001 are equal") {
		t.Fatalf("results %+v: want one failure naming items 20000 and 20001 as equal", res)
	}
	// Once through the object, plus the two elements again (and the buffer a read fills).
	if read, max := r.n.Load(), int64(len(doc))+256<<10; read > max {
		t.Errorf("read %d bytes of a %d-byte object: more than once through it (%d), so the elements were read again from the start", read, len(doc), max)
	}
}
