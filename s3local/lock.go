package s3local

import (
	"fmt"
	"os"
)

// lockDir opens (creating it) the lock file at path and locks it with lockFile, so that one
// process at a time opens a directory where the system can tell.
func lockDir(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err)
	}
	if err := lockFile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return f, nil
}
