package formats

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func errorsAs(err error, target any) bool { return err != nil && errors.As(err, target) }

// addSeeds adds the fixtures that match pattern and are smaller than limit to a fuzz test's
// corpus.
func addSeeds(f *testing.F, pattern string, limit int) {
	files, _ := filepath.Glob(pattern)
	for _, p := range files {
		if data, err := os.ReadFile(p); err == nil && len(data) < limit {
			f.Add(data)
		}
	}
}
