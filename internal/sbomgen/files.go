package sbomgen

import (
	"io"
	"os"
	"path/filepath"
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
