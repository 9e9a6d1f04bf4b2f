package validator

import (
	"fmt"
	"strconv"
	"strings"
)

// ParseSize reads a positive byte count: a whole number of bytes, or one followed by a binary
// unit, KiB, MiB or GiB (also written K, M, G, KB, MB or GB, which mean the same here: limits
// are about memory, where a megabyte is 2^20 bytes), with or without a space.
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	num := strings.TrimRightFunc(t, func(r rune) bool { return r < '0' || r > '9' })
	unit := strings.ToLower(strings.TrimSpace(t[len(num):]))
	shift := 0
	switch unit {
	case "", "b":
	case "k", "kb", "kib":
		shift = 10
	case "m", "mb", "mib":
		shift = 20
	case "g", "gb", "gib":
		shift = 30
	default:
		return 0, fmt.Errorf("%q is not a size: use a number of bytes or KiB, MiB, GiB", s)
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%q is not a positive size", s)
	}
	if n > (1<<63-1)>>shift {
		return 0, fmt.Errorf("%q is too large", s)
	}
	return n << shift, nil
}

// FormatSize writes a byte count as messages and flag help show it: 100 MiB, 1 GiB, 2048 bytes.
func FormatSize(n int64) string { return limitOf(n) }
