//go:build unix

package main

import (
	"os"

	"golang.org/x/sys/unix"
)

// fileTerminalWidth reports whether f is a terminal, and its width (0 when it does not say).
func fileTerminalWidth(f *os.File) (int, bool) {
	ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ)
	if err != nil {
		return 0, false
	}
	return int(ws.Col), true
}
