package convert_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/sbomcat/sbomcat/convert"
	"github.com/sbomcat/sbomcat/formats"
	"github.com/sbomcat/sbomcat/internal/testkit"
)

// FuzzConvert feeds mutated inputs of every encoding convert reads. Whatever the input, Convert
// returns (it never panics or hangs), and a document it returns without Invalid is accepted by
// the validator under the aws profile, in the format and version the result names.
func FuzzConvert(f *testing.F) {
	seeds, err := filepath.Glob(filepath.Join(testkit.Fixture("convert"), "*"))
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range seeds {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	if len(seeds) == 0 {
		f.Fatal("no seed inputs under testdata/convert")
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := convert.Convert(context.Background(), data, convert.Options{})
		if err != nil {
			return
		}
		if res.Invalid != "" {
			t.Fatalf("invalid output without KeepInvalid: %s", res.Invalid)
		}
		open := func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(res.JSON)), nil }
		v, err := formats.Validate(context.Background(), open, formats.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if !v.Valid() || v.Format != res.Format || v.SpecVersion != res.ToVersion {
			t.Fatalf("output judged %+v, want a valid %s %s", v, res.Format, res.ToVersion)
		}
	})
}
