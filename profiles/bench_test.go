package profiles

import (
	"io"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/sbomcat/sbomcat/formats"
	"github.com/sbomcat/sbomcat/internal/sbomgen"
)

// benchSize is the size of the generated SBOMs the issue measures the profiles on.
const benchSize = 50 << 20

var benchDir string

func TestMain(m *testing.M) {
	code := m.Run()
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

// benchFiles generates the 50 MB documents once per test binary.
var benchFiles = sync.OnceValues(func() (map[string]string, error) {
	dir, err := os.MkdirTemp("", "sbomcat-profiles-bench-")
	if err != nil {
		return nil, err
	}
	benchDir = dir
	return sbomgen.WriteFiles(dir, benchSize, "cyclonedx", "spdx")
})

// BenchmarkProfiles compares each profile with aws on the same 50 MB files: the cost of the
// minimum-elements checks is the difference (the issue allows 20%). The generated files miss
// elements, so the profiles' runs include placing the failures.
func BenchmarkProfiles(b *testing.B) {
	files, err := benchFiles()
	if err != nil {
		b.Fatal(err)
	}
	for _, format := range []string{"cyclonedx", "spdx"} {
		for _, profile := range []string{"aws", "ntia", "bsi", "ntia,bsi"} {
			b.Run(format+"/"+profile, func(b *testing.B) {
				set, err := Parse(profile)
				if err != nil {
					b.Fatal(err)
				}
				st, err := os.Stat(files[format])
				if err != nil {
					b.Fatal(err)
				}
				b.SetBytes(st.Size())
				b.ReportAllocs()
				for b.Loop() {
					v, err := formats.Validate(b.Context(), fileOpener(files[format]), set.Options())
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
// reports the profile's extra time as a percentage of aws's: alternating keeps a shared
// machine's changing load out of the comparison, which separate benchmarks cannot.
func BenchmarkProfileCost(b *testing.B) {
	files, err := benchFiles()
	if err != nil {
		b.Fatal(err)
	}
	aws, _ := Parse("aws")
	for _, format := range []string{"cyclonedx", "spdx"} {
		for _, profile := range []string{"ntia", "bsi", "ntia,bsi"} {
			b.Run(format+"/"+profile, func(b *testing.B) {
				set, err := Parse(profile)
				if err != nil {
					b.Fatal(err)
				}
				var base, with time.Duration
				for b.Loop() {
					for _, s := range []struct {
						opts formats.Options
						sum  *time.Duration
					}{{aws.Options(), &base}, {set.Options(), &with}} {
						start := time.Now()
						if _, err := formats.Validate(b.Context(), fileOpener(files[format]), s.opts); err != nil {
							b.Fatal(err)
						}
						*s.sum += time.Since(start)
					}
				}
				b.ReportMetric(100*(with.Seconds()/base.Seconds()-1), "%over-aws")
			})
		}
	}
}
