package testkit

import (
	"strings"
	"testing"

	"github.com/sbomcat/sbomcat"
)

// WantInvalid checks what an input check returned: nil when want is "", else an EINVALID
// application error whose message contains want.
func WantInvalid(t testing.TB, err error, want string) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if sbomcat.ErrCode(err) != sbomcat.EINVALID {
		t.Fatalf("err = %v, want EINVALID", err)
	}
	if msg := sbomcat.ErrMessage(err); !strings.Contains(msg, want) {
		t.Errorf("message %q does not contain %q", msg, want)
	}
}
