// Package settings reads the configuration every binary shares: environment variables by one
// naming scheme (with the previous release's names as fallbacks), the validator's limits and
// profile, and the limit flags. It is apart from package wiring, which builds stores, queues
// and the worker, so that a binary that needs only these (sbomctl) links none of those.
package settings

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sbomcat/sbomcat/validator"
)

// Variables shared by several binaries. Each binary's own are declared beside its
// configuration.
const (
	EnvTable             = "SBOMCAT_TABLE"
	EnvQueueURL          = "SBOMCAT_QUEUE_URL"
	EnvConcurrency       = "SBOMCAT_CONCURRENCY"
	EnvShutdownGrace     = "SBOMCAT_SHUTDOWN_GRACE"
	EnvValidationTimeout = "SBOMCAT_VALIDATION_TIMEOUT"
	EnvLogLevel          = "SBOMCAT_LOG_LEVEL"
	EnvProfile           = "SBOMCAT_PROFILE"
	EnvMaxObjectBytes    = "SBOMCAT_MAX_OBJECT_BYTES"
	EnvMaxFileBytes      = "SBOMCAT_MAX_FILE_BYTES"
	EnvMaxTotalBytes     = "SBOMCAT_MAX_TOTAL_BYTES"
	EnvMaxEntries        = "SBOMCAT_MAX_ENTRIES"
	EnvS3UsePathStyle    = "SBOMCAT_S3_USE_PATH_STYLE"
)

// Env reads variables through getenv (os.Getenv in production), falling back to a deprecated
// name of the previous release, and remembers what it could not parse and what it should warn
// about.
type Env struct {
	getenv   func(string) string
	warnings []string
	errs     []error
}

// NewEnv returns an Env on getenv.
func NewEnv(getenv func(string) string) *Env { return &Env{getenv: getenv} }

// Warnings are the lines to log on start: deprecated names in use.
func (e *Env) Warnings() []string { return e.warnings }

// Err joins every malformed value seen so far, each naming its variable.
func (e *Env) Err() error { return errors.Join(e.errs...) }

// Fail records a malformed value that a reader of several variables found itself, such as a
// combination the parts cannot run on; Err reports it with the rest.
func (e *Env) Fail(err error) { e.errs = append(e.errs, err) }

// lookup returns name's value and the name it came from: name if set, else legacy (the
// previous release's name, "" if none), with a warning.
func (e *Env) lookup(name, legacy string) (string, string) {
	v := e.getenv(name)
	if legacy == "" {
		return v, name
	}
	old := e.getenv(legacy)
	switch {
	case old == "":
	case v == "":
		e.warnings = append(e.warnings, fmt.Sprintf("%s is deprecated and will not be read after this release: rename it %s", legacy, name))
		return old, legacy
	default:
		e.warnings = append(e.warnings, fmt.Sprintf("%s is deprecated and ignored: %s is set too, and wins", legacy, name))
	}
	return v, name
}

// String returns the variable's value, or def when it is unset.
func (e *Env) String(name, legacy, def string) string {
	if v, _ := e.lookup(name, legacy); v != "" {
		return v
	}
	return def
}

// Int returns the variable as a whole number, or def.
func (e *Env) Int(name, legacy string, def int) int {
	return parsed(e, name, legacy, def, "a whole number", strconv.Atoi)
}

// PositiveInt returns the variable as a whole number above zero, or def.
func (e *Env) PositiveInt(name, legacy string, def int) int {
	return parsed(e, name, legacy, def, "a positive whole number", positive(strconv.Atoi))
}

// Limit returns the variable as a positive whole number or -1 (no limit), or def.
func (e *Env) Limit(name, legacy string, def int) int {
	return parsed(e, name, legacy, def, "a positive whole number or -1 (no limit)", func(s string) (int, error) {
		n, err := strconv.Atoi(s)
		if err == nil && (n < -1 || n == 0) {
			err = errOutOfRange
		}
		return n, err
	})
}

// Bool returns the variable as true or false, or def.
func (e *Env) Bool(name, legacy string, def bool) bool {
	return parsed(e, name, legacy, def, "true or false", strconv.ParseBool)
}

// Duration returns the variable as a duration, or def.
func (e *Env) Duration(name, legacy string, def time.Duration) time.Duration {
	return parsed(e, name, legacy, def, "a duration like 30s or 5m", time.ParseDuration)
}

// PositiveDuration returns the variable as a duration above zero, or def.
func (e *Env) PositiveDuration(name, legacy string, def time.Duration) time.Duration {
	return parsed(e, name, legacy, def, "a positive duration like 30s or 5m", positive(time.ParseDuration))
}

// parsed returns the variable as parse reads it (white space around it trimmed), or def when
// it is unset, or when parse refuses it: then e fails, saying the value is not what want says.
func parsed[T any](e *Env, name, legacy string, def T, want string, parse func(string) (T, error)) T {
	v, from := e.lookup(name, legacy)
	if v == "" {
		return def
	}
	got, err := parse(strings.TrimSpace(v))
	if err != nil {
		e.Fail(fmt.Errorf("%s: %q is not %s", from, v, want))
		return def
	}
	return got
}

var errOutOfRange = errors.New("out of range")

// positive is parse refusing what it reads as zero or less.
func positive[T int | time.Duration](parse func(string) (T, error)) func(string) (T, error) {
	return func(s string) (T, error) {
		v, err := parse(s)
		if err == nil && v <= 0 {
			err = errOutOfRange
		}
		return v, err
	}
}

// Size returns the variable as a byte count (validator.ParseSize's syntax), or 0 when unset.
func (e *Env) Size(name, legacy string) int64 {
	v, from := e.lookup(name, legacy)
	if v == "" {
		return 0
	}
	n, err := validator.ParseSize(v)
	if err != nil {
		e.Fail(fmt.Errorf("%s: %w", from, err))
	}
	return n
}
