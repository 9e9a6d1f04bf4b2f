package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os/exec"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/internal/testkit"
	sbomsqs "github.com/sbomcat/sbomcat/sqs"
	"github.com/sbomcat/sbomcat/worker/workertest"
)

const bucket = "sboms"

// workerProc is one sbomworker process.
type workerProc struct {
	cmd  *exec.Cmd
	out  *testkit.Buffer
	done chan struct{} // closed when the process has exited
	err  error         // its exit status, once done
}

func startWorker(t *testing.T, bin string, env []string) *workerProc {
	t.Helper()
	p := &workerProc{cmd: exec.Command(bin), out: &testkit.Buffer{}, done: make(chan struct{})}
	p.cmd.Env = env
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("worker %d output:\n%s", p.cmd.Process.Pid, p.out.String())
		}
	})
	return p
}

// TestKilledAndRestarted kills the worker process (SIGKILL: no cleanup at all) while it is in
// the middle of a batch, with validations in flight, starts it again, and checks that every
// association ends with its results, once, and that the queue is empty: nothing lost, nothing
// stuck. The restarted worker is then stopped with SIGTERM and must exit cleanly.
func TestKilledAndRestarted(t *testing.T) {
	s3 := workertest.StartS3(t)
	s3.CreateBucket(t, bucket)
	sqsSrv := workertest.StartSQS(t)
	q := sqsSrv.CreateQueue(t, "associations", 5, 30)
	store, dbPath := workertest.OpenStore(t)
	ctx := context.Background()
	pub := sbomsqs.NewPublisher(sqsSrv.Client(), q.URL)

	cdx, bad := testkit.ReadFixture(t, "cdx16-valid.json"), testkit.ReadFixture(t, "not-sbom.json")
	const n = 12
	want := map[string]sbomcat.ValidationStatus{}
	for i := range n {
		ver := fmt.Sprint(i)
		body, status := cdx, sbomcat.StatusSucceeded
		if i%3 == 0 {
			body, status = bad, sbomcat.StatusFailed
		}
		want[ver] = status
		workertest.CreateVersion(t, store, "fw", ver)
		v := s3.Put(t, bucket, "fw/"+ver+"/sbom.json", body)
		a := workertest.Associate(t, store, "fw", ver, sbomcat.S3Location{Bucket: bucket, Key: "fw/" + ver + "/sbom.json", Version: v})
		if err := pub.Enqueue(ctx, a); err != nil {
			t.Fatal(err)
		}
	}

	// The first four downloads go through; the next ones hang, so that the process dies with
	// validations in flight and messages received but not deleted.
	var gets atomic.Int64
	release := make(chan struct{})
	hold := func(r *http.Request) (int, string) {
		if r.Method == http.MethodGet && gets.Add(1) > 4 {
			<-release
		}
		return 0, ""
	}
	s3.Fault.Store(&hold)

	bin := build(t)
	env := workertest.AWSEnv(
		"AWS_ENDPOINT_URL_S3="+s3.URL, "AWS_ENDPOINT_URL_SQS="+sqsSrv.URL, "SBOMCAT_S3_USE_PATH_STYLE=true",
		"SBOMCAT_QUEUE_URL="+q.URL, "SBOMCAT_SQLITE_PATH="+dbPath,
		// Names of the previous release still work for one release.
		"SBOMWORKER_CONCURRENCY=2", "SBOMWORKER_VISIBILITY_TIMEOUT=3s", "SBOMWORKER_WAIT_TIME=1s",
		"TMPDIR="+t.TempDir(),
	)
	first := startWorker(t, bin, env)
	workertest.Eventually(t, 60*time.Second, "two downloads to hang", func() bool { return gets.Load() >= 6 })
	if err := first.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-first.done
	close(release) // the held requests now answer a dead connection
	s3.Fault.Store(nil)

	done := 0
	for ver := range want {
		if s, _ := workertest.Status(t, store, "fw", ver); s != sbomcat.StatusInProgress {
			done++
		}
	}
	if done == 0 || done == n {
		t.Fatalf("%d of %d done when the worker was killed; the test wants it killed mid-batch", done, n)
	}
	t.Logf("killed with %d of %d validations recorded", done, n)

	second := startWorker(t, bin, env)
	for ver, status := range want {
		workertest.Eventually(t, 60*time.Second, "fw/"+ver+" to be "+string(status), func() bool {
			s, _ := workertest.Status(t, store, "fw", ver)
			return s == status
		})
		if _, got := workertest.Status(t, store, "fw", ver); len(got) != 1 || got[0].FileName != "sbom.json" {
			t.Errorf("fw/%s: results %+v, want one for sbom.json", ver, got)
		}
	}
	sqsSrv.WaitDrained(t, q.URL, 60*time.Second)
	if v, f := sqsSrv.Counts(t, q.DLQURL); v+f != 0 {
		t.Errorf("dead-letter queue holds %d messages, want none", v+f)
	}

	if err := second.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-second.done:
		if second.err != nil {
			t.Errorf("after SIGTERM: %v", second.err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no exit within 30 s of SIGTERM")
	}
	if !strings.Contains(second.out.String(), `"msg":"runner stopped"`) {
		t.Error("no graceful stop logged")
	}
	// Metrics went to stdout as Embedded Metric Format.
	if !strings.Contains(second.out.String(), `"CloudWatchMetrics"`) {
		t.Error("no metrics written")
	}
}

// TestRunRefusesBadConfiguration: configuration errors stop the worker before it touches AWS,
// naming the variable.
func TestRunRefusesBadConfiguration(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{}, "SBOMCAT_QUEUE_URL is required"},
		{map[string]string{"SBOMCAT_QUEUE_URL": "http://q", "SBOMCAT_STORE": "postgres"}, `SBOMCAT_STORE: "postgres" is not sqlite or dynamodb`},
		{map[string]string{"SBOMCAT_QUEUE_URL": "http://q", "SBOMCAT_STORE": "dynamodb"}, "needs SBOMCAT_TABLE"},
		{map[string]string{"SBOMCAT_QUEUE_URL": "http://q", "SBOMCAT_VISIBILITY_TIMEOUT": "soon"}, "SBOMCAT_VISIBILITY_TIMEOUT"},
		{map[string]string{"SBOMCAT_QUEUE_URL": "http://q", "SBOMCAT_PROFILE": "lax"}, `SBOMCAT_PROFILE: "lax"`},
		{map[string]string{"SBOMCAT_QUEUE_URL": "http://q", "SBOMCAT_MAX_OBJECT_BYTES": "big"}, "SBOMCAT_MAX_OBJECT_BYTES"},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), func(k string) string { return tt.env[k] }, &stdout, &stderr)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("env %v: run = %v, want an error saying %q", tt.env, err, tt.want)
		}
	}
}

func build(t testing.TB) string {
	t.Helper()
	return testkit.Build(t, ".", "sbomworker")
}
