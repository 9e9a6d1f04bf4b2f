//go:build unix

package worker

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestOrphanSpoolsRemoved: a spool file left by a dead process is removed when a worker starts;
// one of a live process (here, this one) is kept.
func TestOrphanSpoolsRemoved(t *testing.T) {
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Skip("cannot run a short-lived process:", err)
	}
	dir := t.TempDir()
	orphan := filepath.Join(dir, fmt.Sprintf("sbom-%d-123.spool", dead.Process.Pid))
	mine := filepath.Join(dir, fmt.Sprintf("sbom-%d-456.spool", os.Getpid()))
	other := filepath.Join(dir, "sbom-notapid.spool")
	for _, p := range []string{orphan, mine, other} {
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	New(Config{TempDir: dir})
	if _, err := os.Stat(orphan); !os.IsNotExist(err) {
		t.Errorf("the dead process's spool file is still there (%v)", err)
	}
	for _, p := range []string{mine, other} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s was removed: %v", filepath.Base(p), err)
		}
	}
}
