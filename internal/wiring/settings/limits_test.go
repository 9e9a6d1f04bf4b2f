package settings_test

import (
	"flag"
	"strings"
	"testing"

	"github.com/sbomcat/sbomcat/internal/wiring/settings"
	"github.com/sbomcat/sbomcat/validator"
)

func TestLimitsFromEnvAndFlags(t *testing.T) {
	env := map[string]string{
		settings.EnvMaxObjectBytes: "10MiB",
		settings.EnvMaxFileBytes:   "2048",
		settings.EnvMaxEntries:     "50",
	}
	l, err := settings.LimitsFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if want := (validator.Limits{MaxObjectBytes: 10 << 20, MaxFileBytes: 2048, MaxEntries: 50}); l != want {
		t.Errorf("from the environment: %+v, want %+v", l, want)
	}
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	settings.AddLimitFlags(fs, &l)
	if err := fs.Parse([]string{"-max-file-bytes", "1MiB", "--max-total-bytes=3GiB"}); err != nil {
		t.Fatal(err)
	}
	if want := (validator.Limits{MaxObjectBytes: 10 << 20, MaxFileBytes: 1 << 20, MaxTotalBytes: 3 << 30, MaxEntries: 50}); l != want {
		t.Errorf("after flags: %+v, want %+v", l, want)
	}

	for k, v := range map[string]string{
		settings.EnvMaxObjectBytes: "big",
		settings.EnvMaxTotalBytes:  "-5",
		settings.EnvMaxEntries:     "1e3",
	} {
		if _, err := settings.LimitsFromEnv(func(key string) string {
			if key == k {
				return v
			}
			return ""
		}); err == nil {
			t.Errorf("%s=%s: no error", k, v)
		}
	}
}

// TestProfileFromEnv: SBOMCAT_PROFILE takes every profile and combination package profiles
// knows, in its canonical spelling, and refuses the rest, naming the variable.
func TestProfileFromEnv(t *testing.T) {
	for _, tc := range []struct{ env, want, err string }{
		{"", "aws", ""},
		{"strict", "strict", ""},
		{"NTIA", "ntia", ""},
		{"bsi, strict", "strict,bsi", ""},
		{"ntia,bsi", "ntia,bsi", ""},
		{"lenient", "", `SBOMCAT_PROFILE: "lenient" is not a validation profile`},
	} {
		e := settings.NewEnv(func(k string) string {
			if k == settings.EnvProfile {
				return tc.env
			}
			return ""
		})
		got := e.Profile()
		err := e.Err()
		if tc.err == "" && (err != nil || string(got) != tc.want) {
			t.Errorf("%q: %q, %v; want %q", tc.env, got, err, tc.want)
		}
		if tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("%q: %v; want an error saying %q", tc.env, err, tc.err)
		}
	}
}
