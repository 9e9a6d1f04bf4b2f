//go:build !unix

package s3local

import (
	"fmt"
	"os"
)

// lockDir only creates the lock file where flock is unavailable: there the caller must make
// sure a directory is opened by one process at a time.
func lockDir(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err)
	}
	return f, nil
}

func unlockDir(f *os.File) { _ = f.Close() }

// syncDir is a no-op: directories cannot be fsynced on these systems (Windows), and NTFS
// journals renames itself.
func syncDir(string) error { return nil }
