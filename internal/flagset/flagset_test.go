package flagset_test

import (
	"strings"
	"testing"

	"github.com/sbomcat/sbomcat/internal/flagset"
)

// TestEnded: help that was asked for goes to stdout and succeeds, a mistake goes to stderr
// with the help and fails, and a good parse does not end the command.
func TestEnded(t *testing.T) {
	for _, tt := range []struct {
		args           []string
		status         int
		ended          bool
		stdout, stderr string // contained; "" for nothing written
	}{
		{[]string{"-h"}, flagset.ExitHelp, true, "usage: cmd [-n N]\n  -n", ""},
		{[]string{"--nope"}, flagset.ExitUsage, true, "", "flag provided but not defined: -nope\nusage: cmd"},
		{[]string{"-n", "3"}, 0, false, "", ""},
	} {
		s := flagset.New("cmd", "usage: cmd [-n N]\n")
		s.Int("n", 1, "how many")
		var stdout, stderr strings.Builder
		status, ended := s.Ended(s.Parse(tt.args), &stdout, &stderr)
		if status != tt.status || ended != tt.ended {
			t.Errorf("%v: status %d, ended %v; want %d, %v", tt.args, status, ended, tt.status, tt.ended)
		}
		for _, w := range []struct{ name, got, want string }{{"stdout", stdout.String(), tt.stdout}, {"stderr", stderr.String(), tt.stderr}} {
			if (w.want == "") != (w.got == "") || !strings.Contains(w.got, w.want) {
				t.Errorf("%v: %s %q, want it to contain %q", tt.args, w.name, w.got, w.want)
			}
		}
	}
}
