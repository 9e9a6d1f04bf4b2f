package wiring_test

import (
	"flag"
	"testing"

	"github.com/sbomcat/sbomcat/internal/wiring"
	"github.com/sbomcat/sbomcat/validator"
)

func TestLimitsFromEnvAndFlags(t *testing.T) {
	env := map[string]string{
		wiring.EnvMaxObjectBytes: "10MiB",
		wiring.EnvMaxFileBytes:   "2048",
		wiring.EnvMaxEntries:     "50",
	}
	l, err := wiring.LimitsFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if want := (validator.Limits{MaxObjectBytes: 10 << 20, MaxFileBytes: 2048, MaxEntries: 50}); l != want {
		t.Errorf("from the environment: %+v, want %+v", l, want)
	}
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	wiring.AddLimitFlags(fs, &l)
	if err := fs.Parse([]string{"-max-file-bytes", "1MiB", "--max-total-bytes=3GiB"}); err != nil {
		t.Fatal(err)
	}
	if want := (validator.Limits{MaxObjectBytes: 10 << 20, MaxFileBytes: 1 << 20, MaxTotalBytes: 3 << 30, MaxEntries: 50}); l != want {
		t.Errorf("after flags: %+v, want %+v", l, want)
	}

	for k, v := range map[string]string{
		wiring.EnvMaxObjectBytes: "big",
		wiring.EnvMaxTotalBytes:  "-5",
		wiring.EnvMaxEntries:     "1e3",
	} {
		if _, err := wiring.LimitsFromEnv(func(key string) string {
			if key == k {
				return v
			}
			return ""
		}); err == nil {
			t.Errorf("%s=%s: no error", k, v)
		}
	}
}
