package validator_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/internal/testkit"
	"github.com/sbomcat/sbomcat/validator"
)

// FuzzValidateObject: whatever the object's bytes, validation does not panic, returns at least
// one result and no error (the object is in memory, so no read can fail), and every result is
// well-formed. Seeded with every fixture, as a file and inside archives.
func FuzzValidateObject(f *testing.F) {
	files, _ := filepath.Glob(testkit.Fixture("*.*"))
	var entries []zent
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, false)
		f.Add(buildZip(f, zent{name: filepath.Base(p), data: b}), true)
		entries = append(entries, zent{name: "sboms/" + filepath.Base(p), data: b, store: len(entries)%2 == 0})
	}
	f.Add(buildZip(f, entries...), false)
	f.Add(buildZip(f, dir("d/"), zent{name: "__MACOSX/._x", data: []byte("x")}, zent{name: "../x.json", data: []byte("{}")}), false)
	f.Add(buildZip(f), false)
	f.Add(manyEntries(40), false)
	f.Add([]byte("PK\x03\x04"), false)
	f.Add([]byte("PK\x05\x06"), false)

	f.Fuzz(func(t *testing.T, data []byte, strict bool) {
		v := &validator.Validator{Limits: validator.Limits{MaxObjectBytes: 1 << 20, MaxFileBytes: 256 << 10, MaxTotalBytes: 1 << 20, MaxEntries: 32}}
		if strict {
			v.Profile = sbomcat.ProfileStrict
		}
		res, err := v.ValidateObject(context.Background(), "object", bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatalf("error from an object in memory: %v", err)
		}
		if len(res) == 0 {
			t.Fatal("no results")
		}
		if len(res) > 33 {
			t.Fatalf("%d results, more than the entry limit allows", len(res))
		}
		for _, r := range res {
			checkResult(t, r)
		}
	})
}
