//go:build !unix

package s3local

import "os"

// lockFile locks nothing where flock is unavailable: there the caller must make sure a
// directory is opened by one process at a time.
func lockFile(*os.File) error { return nil }

func unlockDir(f *os.File) { _ = f.Close() }

// syncDir is a no-op: directories cannot be fsynced on these systems (Windows), and NTFS
// journals renames itself.
func syncDir(string) error { return nil }
