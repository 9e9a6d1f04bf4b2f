package profiles

import (
	"io"
	"os"
	"slices"
	"testing"

	"github.com/sbomcat/sbomcat/formats"
	"github.com/sbomcat/sbomcat/internal/sbomgen"
	"github.com/sbomcat/sbomcat/internal/testkit"
)

// bench holds the generated SBOMs the issue measures the profiles on (50 MB).
var bench = sbomgen.NewBenchFiles(50<<20, "cyclonedx", "spdx")

func TestMain(m *testing.M) { os.Exit(bench.Main(m)) }

// BenchmarkProfiles compares each profile with aws on the same 50 MB files: the cost of the
// minimum-elements checks is the difference (the issue allows 20%). The generated files miss
// elements, so the profiles' runs include placing the failures.
func BenchmarkProfiles(b *testing.B) {
	for _, format := range []string{"cyclonedx", "spdx"} {
		for _, profile := range []string{"aws", "ntia", "bsi", "ntia,bsi"} {
			b.Run(format+"/"+profile, func(b *testing.B) {
				set, err := Parse(profile)
				if err != nil {
					b.Fatal(err)
				}
				path, size := bench.File(b, format)
				b.SetBytes(size)
				b.ReportAllocs()
				for b.Loop() {
					v, err := formats.Validate(b.Context(), fileOpener(path), set.Options())
					if err != nil || v.Kind == formats.KindInvalidJSON {
						b.Fatalf("%v %s", err, v.Problem)
					}
				}
			})
		}
	}
}

func fileOpener(path string) formats.Opener {
	return func() (io.ReadCloser, error) { return os.Open(path) }
}

// BenchmarkProfileCost runs aws and a profile alternately on the same file, in one loop, and
// reports the profile's extra CPU time (user and system, of the whole process: the collector's
// too) as a percentage of aws's, the median over the pairs: alternating keeps a shared
// machine's changing load out of the comparison, which separate benchmarks cannot, CPU time
// does not count the time spent waiting for a core, which wall time does, and the median
// drops the pairs another process's burst upset.
func BenchmarkProfileCost(b *testing.B) {
	aws, _ := Parse("aws")
	for _, format := range []string{"cyclonedx", "spdx"} {
		for _, profile := range []string{"ntia", "bsi", "ntia,bsi"} {
			b.Run(format+"/"+profile, func(b *testing.B) {
				set, err := Parse(profile)
				if err != nil {
					b.Fatal(err)
				}
				path, _ := bench.File(b, format)
				cpu := func(opts formats.Options) float64 {
					start := testkit.SelfCPU()
					if _, err := formats.Validate(b.Context(), fileOpener(path), opts); err != nil {
						b.Fatal(err)
					}
					return (testkit.SelfCPU() - start).Seconds()
				}
				var ratios []float64
				for b.Loop() {
					base := cpu(aws.Options())
					ratios = append(ratios, cpu(set.Options())/base)
				}
				slices.Sort(ratios)
				b.ReportMetric(100*(ratios[len(ratios)/2]-1), "%over-aws")
			})
		}
	}
}
