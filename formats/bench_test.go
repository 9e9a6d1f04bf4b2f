package formats

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"

	"github.com/sbomcat/sbomcat/internal/sbomgen"
	"github.com/sbomcat/sbomcat/internal/testkit"
)

// benchSize is the size of the generated documents the benchmarks validate (the 50 MB).
const benchSize = 50_000_000

// bench holds the generated documents the benchmarks validate.
var bench = sbomgen.NewBenchFiles(benchSize, "cyclonedx-1.5", "spdx-2.3")

func TestMain(m *testing.M) { os.Exit(bench.Main(m)) }

// eachFile runs run as a sub-benchmark on each generated document, measured in its bytes.
func eachFile(b *testing.B, run func(b *testing.B, path string)) {
	for _, name := range []string{"cyclonedx-1.5", "spdx-2.3"} {
		b.Run(name, func(b *testing.B) {
			path, size := bench.File(b, name)
			b.SetBytes(size)
			b.ReportAllocs()
			run(b, path)
		})
	}
}

// BenchmarkValidate is the whole per-file path (detection, schema validation) on 50 MB files
// read from disk, as the CLI and the worker run it.
func BenchmarkValidate(b *testing.B) {
	eachFile(b, func(b *testing.B, path string) {
		for b.Loop() {
			v, err := Validate(b.Context(), fileOpener(path), Options{})
			if err != nil || !v.Valid() {
				b.Fatalf("%v %s", err, v.Problem)
			}
		}
	})
}

// BenchmarkValidateSmall is the per-file path on a small SBOM, the common case of a service
// that validates many uploads: what a file costs besides its bytes.
func BenchmarkValidateSmall(b *testing.B) {
	for _, name := range []string{"cdx16-valid.json", "spdx23-valid.json"} {
		b.Run(name, func(b *testing.B) {
			path := testkit.Fixture(name)
			b.ReportAllocs()
			for b.Loop() {
				v, err := Validate(b.Context(), fileOpener(path), Options{})
				if err != nil || !v.Valid() {
					b.Fatalf("%v %s", err, v.Problem)
				}
			}
		})
	}
}

// BenchmarkJSONValid is the floor: one encoding/json.Valid pass over the same bytes.
func BenchmarkJSONValid(b *testing.B) {
	eachFile(b, func(b *testing.B, path string) {
		for b.Loop() {
			data, err := os.ReadFile(path)
			if err != nil || !json.Valid(data) {
				b.Fatal("invalid")
			}
		}
	})
}

// BenchmarkOracle is the maintained whole-document validator on the same files, schema
// compiled once.
func BenchmarkOracle(b *testing.B) {
	schemas, err := oracleSchemas()
	if err != nil {
		b.Fatal(err)
	}
	eachFile(b, func(b *testing.B, path string) {
		data, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		v, err := validateBytes(data, Options{})
		if err != nil {
			b.Fatal(err)
		}
		ref, _ := findSchema(v.Format, v.SpecVersion)
		for b.Loop() {
			doc, err := jsonschemaUnmarshal(bytes.NewReader(data))
			if err != nil {
				b.Fatal(err)
			}
			if err := schemas[ref].Validate(doc); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkCompile compiles every accepted schema: what Precompile does once in sbomd, and what
// sbomctl or a Lambda's first validation does for the schema it needs (one sub-benchmark each).
func BenchmarkCompile(b *testing.B) {
	b.Run("all", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, ref := range acceptedSchemas {
				if _, err := compileSchema(ref); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	for _, ref := range acceptedSchemas {
		b.Run(string(ref.format)+"-"+ref.version, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := compileSchema(ref); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
