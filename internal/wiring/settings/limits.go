package settings

import (
	"flag"
	"fmt"
	"strconv"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/profiles"
	"github.com/sbomcat/sbomcat/validator"
)

// Limits reads SBOMCAT_MAX_OBJECT_BYTES, _FILE_BYTES, _TOTAL_BYTES and _ENTRIES, the same
// names for the CLI, the worker and sbomd, so that one setting holds for all. Unset variables
// leave their limit at zero, that is at its default.
func (e *Env) Limits() validator.Limits {
	return validator.Limits{
		MaxObjectBytes: e.Size(EnvMaxObjectBytes, ""),
		MaxFileBytes:   e.Size(EnvMaxFileBytes, ""),
		MaxTotalBytes:  e.Size(EnvMaxTotalBytes, ""),
		MaxEntries:     e.PositiveInt(EnvMaxEntries, "", 0),
	}
}

// LimitsFromEnv reads the limits through getenv (os.Getenv in production).
func LimitsFromEnv(getenv func(string) string) (validator.Limits, error) {
	e := NewEnv(getenv)
	l := e.Limits()
	return l, e.Err()
}

// Profile reads SBOMCAT_PROFILE: aws (the default), strict, ntia, bsi, or several joined with
// commas (strict,ntia).
func (e *Env) Profile() sbomcat.Profile {
	p, err := ParseProfile(e.String(EnvProfile, "", ""))
	if err != nil {
		e.Fail(fmt.Errorf("%s: %w", EnvProfile, err))
	}
	return p
}

// ParseProfile reads a validation profile (package profiles); "" is the default, aws. It
// returns the canonical name ("strict,ntia").
func ParseProfile(s string) (sbomcat.Profile, error) {
	set, err := profiles.Parse(s)
	if err != nil {
		return "", err
	}
	return set.Profile(), nil
}

// AddLimitFlags defines -max-object-bytes, -max-file-bytes, -max-total-bytes and -max-entries
// on fs, setting l's fields when given. Call it after filling l from the environment so that
// flags win over variables.
func AddLimitFlags(fs *flag.FlagSet, l *validator.Limits) {
	d := l.WithDefaults()
	fs.Var((*sizeFlag)(&l.MaxObjectBytes), "max-object-bytes", fmt.Sprintf("largest object (file or zip archive) to validate, as a `size` such as 100MiB or 104857600 (env %s, default %s)", EnvMaxObjectBytes, validator.FormatSize(d.MaxObjectBytes)))
	fs.Var((*sizeFlag)(&l.MaxFileBytes), "max-file-bytes", fmt.Sprintf("largest uncompressed file, as a `size` (env %s, default %s)", EnvMaxFileBytes, validator.FormatSize(d.MaxFileBytes)))
	fs.Var((*sizeFlag)(&l.MaxTotalBytes), "max-total-bytes", fmt.Sprintf("largest uncompressed total of an archive's files, as a `size` (env %s, default %s)", EnvMaxTotalBytes, validator.FormatSize(d.MaxTotalBytes)))
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
	return validator.FormatSize(int64(*f))
}

func (f *sizeFlag) Set(s string) error {
	n, err := validator.ParseSize(s)
	if err != nil {
		return err
	}
	*f = sizeFlag(n)
	return nil
}
