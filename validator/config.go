package validator

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
)

// Environment variables that set Limits (LimitsFromEnv). Every binary that validates reads the
// same names, so one setting holds for the CLI, the worker and the local server alike.
const (
	EnvMaxObjectBytes = "SBOMCAT_MAX_OBJECT_BYTES"
	EnvMaxFileBytes   = "SBOMCAT_MAX_FILE_BYTES"
	EnvMaxTotalBytes  = "SBOMCAT_MAX_TOTAL_BYTES"
	EnvMaxEntries     = "SBOMCAT_MAX_ENTRIES"
)

// LimitsFromEnv reads limits from the environment through getenv (os.Getenv in production).
// Unset variables leave their limit at zero, that is at its default. Sizes take ParseSize's
// syntax.
func LimitsFromEnv(getenv func(string) string) (Limits, error) {
	var l Limits
	for _, s := range []struct {
		env string
		dst *int64
	}{
		{EnvMaxObjectBytes, &l.MaxObjectBytes},
		{EnvMaxFileBytes, &l.MaxFileBytes},
		{EnvMaxTotalBytes, &l.MaxTotalBytes},
	} {
		if v := getenv(s.env); v != "" {
			n, err := ParseSize(v)
			if err != nil {
				return Limits{}, fmt.Errorf("%s: %w", s.env, err)
			}
			*s.dst = n
		}
	}
	if v := getenv(EnvMaxEntries); v != "" {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n <= 0 {
			return Limits{}, fmt.Errorf("%s: %q is not a positive whole number", EnvMaxEntries, v)
		}
		l.MaxEntries = n
	}
	return l, nil
}

// AddFlags defines -max-object-bytes, -max-file-bytes, -max-total-bytes and -max-entries on fs,
// setting l's fields when given. Call it after filling l from the environment so that flags
// win over variables.
func (l *Limits) AddFlags(fs *flag.FlagSet) {
	d := l.WithDefaults()
	fs.Var((*sizeFlag)(&l.MaxObjectBytes), "max-object-bytes", fmt.Sprintf("largest object (file or zip archive) to validate, as a `size` such as 100MiB or 104857600 (env %s, default %s)", EnvMaxObjectBytes, limitOf(d.MaxObjectBytes)))
	fs.Var((*sizeFlag)(&l.MaxFileBytes), "max-file-bytes", fmt.Sprintf("largest uncompressed file, as a `size` (env %s, default %s)", EnvMaxFileBytes, limitOf(d.MaxFileBytes)))
	fs.Var((*sizeFlag)(&l.MaxTotalBytes), "max-total-bytes", fmt.Sprintf("largest uncompressed total of an archive's files, as a `size` (env %s, default %s)", EnvMaxTotalBytes, limitOf(d.MaxTotalBytes)))
	fs.Func("max-entries", fmt.Sprintf("most entries in an archive, directories included, as a number `n` (env %s, default %d)", EnvMaxEntries, d.MaxEntries), func(s string) error {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			return fmt.Errorf("%q is not a positive whole number", s)
		}
		l.MaxEntries = n
		return nil
	})
}

type sizeFlag int64

func (f *sizeFlag) String() string {
	if f == nil || *f == 0 {
		return ""
	}
	return limitOf(int64(*f))
}

func (f *sizeFlag) Set(s string) error {
	n, err := ParseSize(s)
	if err != nil {
		return err
	}
	*f = sizeFlag(n)
	return nil
}

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
