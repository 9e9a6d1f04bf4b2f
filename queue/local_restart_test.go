package queue_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/queue"
	"github.com/sbomcat/sbomcat/sqlite"
	"github.com/sbomcat/sbomcat/worker/workertest"
)

// helperEnv names the SQLite file a helper process serves; set only for the child of
// TestLocalAttemptsSurviveKill.
const helperEnv = "SBOMCAT_QUEUE_HELPER_DB"

// TestLocalHelperProcess is the process that TestLocalAttemptsSurviveKill kills: a Local queue
// on the SQLite file whose every validation hangs, as one of an SBOM that kills the process
// would. It reports each attempt on stdout. It does nothing on its own.
func TestLocalHelperProcess(t *testing.T) {
	path := os.Getenv(helperEnv)
	if path == "" {
		t.Skip("helper process of TestLocalAttemptsSurviveKill")
	}
	store, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	hang := queue.ProcessorFunc(func(ctx context.Context, j queue.Job) error {
		fmt.Printf("attempt %d last=%v\n", j.Attempt, j.Last)
		<-ctx.Done()
		return ctx.Err()
	})
	queue.NewLocal(store, hang, queue.LocalOptions{MaxAttempts: 3}).Run(context.Background())
}

// TestLocalAttemptsSurviveKill: a validation that never completes because its process is
// killed (kill -9) during every attempt ends FAILED after MaxAttempts, counted across restarts
// on the same SQLite file, and each restart takes the work up at once.
func TestLocalAttemptsSurviveKill(t *testing.T) {
	store, path := workertest.OpenStore(t)
	workertest.CreateVersion(t, store, "fw", "1")
	workertest.Associate(t, store, "fw", "1", sbomcat.S3Location{Bucket: bucket, Key: "sboms/killer.json", Version: "v1"})

	start := func() (*exec.Cmd, *bufio.Scanner) {
		cmd := exec.Command(os.Args[0], "-test.run=^TestLocalHelperProcess$")
		cmd.Env = append(os.Environ(), helperEnv+"="+path)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		return cmd, bufio.NewScanner(out)
	}
	for want := 1; want <= 3; want++ {
		cmd, lines := start()
		if !lines.Scan() {
			t.Fatalf("restart %d: the helper ended without an attempt: %v", want, lines.Err())
		}
		if got, exp := lines.Text(), fmt.Sprintf("attempt %d last=%v", want, want == 3); got != exp {
			t.Fatalf("restart %d: %q, want %q", want, got, exp)
		}
		if err := cmd.Process.Kill(); err != nil { // SIGKILL: no shutdown, no grace
			t.Fatal(err)
		}
		cmd.Wait()
	}
	// The fourth start finds the attempts used up and records FAILED without a fifth try.
	cmd, lines := start()
	var got []sbomcat.FileResult
	workertest.Eventually(t, 30*time.Second, "fw/1 to be FAILED", func() bool {
		var s sbomcat.ValidationStatus
		s, got = workertest.Status(t, store, "fw", "1")
		return s == sbomcat.StatusFailed
	})
	if len(got) != 1 || got[0].FileName != "killer.json" || !strings.Contains(got[0].ErrorMessage, "could not complete after 3 attempts") {
		t.Errorf("results %+v, want one FAILED killer.json that says 3 attempts", got)
	}
	cmd.Process.Kill()
	for lines.Scan() { // to the end of its output: the pipe closes when it dies
		t.Errorf("the fourth start tried again: %s", lines.Text())
	}
}
