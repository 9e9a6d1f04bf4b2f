package sbomgen

import (
	"io"
	"os"
	"path/filepath"
	"sync"
)

// WriteFiles writes one generated document of each format, of about size bytes, into dir, and
// returns their paths by name: CycloneDX 1.5 under cdxName, SPDX 2.3 under spdxName.
func WriteFiles(dir string, size int64, cdxName, spdxName string) (map[string]string, error) {
	out := map[string]string{}
	for name, gen := range map[string]func(io.Writer, int64) error{cdxName: CycloneDX, spdxName: SPDX} {
		p := filepath.Join(dir, name+".json")
		f, err := os.Create(p)
		if err != nil {
			return nil, err
		}
		if err := gen(f, size); err != nil {
			f.Close()
			return nil, err
		}
		if err := f.Close(); err != nil {
			return nil, err
		}
		out[name] = p
	}
	return out, nil
}

// BenchFiles gives benchmarks large generated documents: WriteFiles runs once per test binary,
// on first use, into a temporary directory that Main removes (100 MB a run would otherwise stay
// behind).
type BenchFiles struct {
	size              int64
	cdxName, spdxName string
	once              sync.Once
	dir               string
	files             map[string]string
	err               error
}

// NewBenchFiles describes the documents: of about size bytes, named as for WriteFiles.
func NewBenchFiles(size int64, cdxName, spdxName string) *BenchFiles {
	return &BenchFiles{size: size, cdxName: cdxName, spdxName: spdxName}
}

// fataler is the part of testing.TB that File uses; sbomgen is linked into sbomctl, which must
// not import testing.
type fataler interface {
	Helper()
	Fatal(args ...any)
}

// File returns the path and size of the document named name, generating the documents on first
// use; it stops the benchmark when they cannot be written.
func (f *BenchFiles) File(b fataler, name string) (string, int64) {
	b.Helper()
	f.once.Do(func() {
		if f.dir, f.err = os.MkdirTemp("", "sbomcat-bench-"); f.err == nil {
			f.files, f.err = WriteFiles(f.dir, f.size, f.cdxName, f.spdxName)
		}
	})
	if f.err != nil {
		b.Fatal(f.err)
	}
	st, err := os.Stat(f.files[name])
	if err != nil {
		b.Fatal(err)
	}
	return f.files[name], st.Size()
}

// Main runs m (a *testing.M) and then removes the documents, returning m's exit code: a
// package's TestMain is os.Exit(files.Main(m)).
func (f *BenchFiles) Main(m interface{ Run() int }) int {
	code := m.Run()
	if f.dir != "" {
		os.RemoveAll(f.dir)
	}
	return code
}
