//go:build !unix

package main

import "os"

// fileTerminalWidth reports whether f is a character device (a console), without its width.
func fileTerminalWidth(f *os.File) (int, bool) {
	fi, err := f.Stat()
	if err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return 0, false
	}
	return 0, true
}
