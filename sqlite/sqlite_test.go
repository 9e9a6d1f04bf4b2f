package sqlite_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/jobs"
	"github.com/sbomcat/sbomcat/jobs/jobstest"
	"github.com/sbomcat/sbomcat/sqlite"
	"github.com/sbomcat/sbomcat/storetest"
)

func open(t *testing.T, path string) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestConformance runs both conformance suites, the catalog's and the jobs', each case on a
// fresh file.
func TestConformance(t *testing.T) {
	fresh := func(t *testing.T) *sqlite.Store { return open(t, filepath.Join(t.TempDir(), sqlite.FileName)) }
	t.Run("catalog", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) sbomcat.Store { return fresh(t) })
	})
	t.Run("jobs", func(t *testing.T) {
		jobstest.Run(t, func(t *testing.T) jobs.Store { return fresh(t) })
	})
}

// Two handles on one file stand for two processes: what one writes the other reads, and
// reopening an existing file runs no migration twice.
func TestSharedFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), sqlite.FileName)
	a := open(t, path)
	b := open(t, path)
	if err := a.CreatePackage(ctx, &sbomcat.Package{Name: "p"}, sbomcat.NoLimit); err != nil {
		t.Fatal(err)
	}
	if _, err := b.GetPackage(ctx, "p"); err != nil {
		t.Fatalf("second handle does not see the package: %v", err)
	}
	if err := b.CreatePackage(ctx, &sbomcat.Package{Name: "p"}, sbomcat.NoLimit); sbomcat.ErrCode(err) != sbomcat.ECONFLICT {
		t.Fatalf("second handle created a duplicate: %v", err)
	}
	a.Close()
	c := open(t, path)
	if _, err := c.GetPackage(ctx, "p"); err != nil {
		t.Fatalf("reopened file lost the package: %v", err)
	}
}

// TestHelperProcess is the other process of TestProcesses; it does nothing on its own.
func TestHelperProcess(t *testing.T) {
	path, prefix := os.Getenv("SBOMCAT_SQLITE_HELPER_DB"), os.Getenv("SBOMCAT_SQLITE_HELPER_PREFIX")
	if path == "" {
		t.Skip("helper for TestProcesses")
	}
	ctx := context.Background()
	s := open(t, path)
	if limit, err := strconv.Atoi(os.Getenv("SBOMCAT_SQLITE_HELPER_LIMIT")); err == nil {
		for i := range 30 {
			err := s.CreatePackage(ctx, &sbomcat.Package{Name: fmt.Sprintf("%s-%02d", prefix, i)}, limit)
			if err != nil && sbomcat.ErrCode(err) != sbomcat.EQUOTA {
				t.Fatal(err)
			}
		}
		return
	}
	for i := range 30 {
		name := fmt.Sprintf("%s-%02d", prefix, i)
		if err := s.CreatePackage(ctx, &sbomcat.Package{Name: name}, sbomcat.NoLimit); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateVersion(ctx, &sbomcat.PackageVersion{PackageName: name, VersionName: "1"}, sbomcat.NoLimit); err != nil {
			t.Fatal(err)
		}
		// Both processes also fight over one shared version's association.
		if _, err := s.Associate(ctx, sbomcat.Association{ID: sbomcat.NewID(), PackageName: "shared", VersionName: "1",
			SBOM: sbomcat.S3Location{Bucket: "b", Key: name, Version: "1"}}, sbomcat.NoLimit); err != nil {
			t.Fatal(err)
		}
	}
}

// TestProcesses: two processes write one database file at the same time (WAL, busy timeout,
// immediate transactions) and neither fails nor loses a write.
func TestProcesses(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), sqlite.FileName)
	s := open(t, path)
	if err := s.CreatePackage(ctx, &sbomcat.Package{Name: "shared"}, sbomcat.NoLimit); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateVersion(ctx, &sbomcat.PackageVersion{PackageName: "shared", VersionName: "1"}, sbomcat.NoLimit); err != nil {
		t.Fatal(err)
	}
	runHelpers(t, path)
	c, err := s.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c.Packages != 61 || c.Versions != 61 || c.ValidationsInProgress != 1 {
		t.Errorf("counts after two writers: %+v", c)
	}
}

// runHelpers runs TestHelperProcess in two processes, "a" and "b", on the file at path, with
// env added, and waits for both to pass.
func runHelpers(t *testing.T, path string, env ...string) {
	t.Helper()
	var cmds []*exec.Cmd
	var outs []*bytes.Buffer
	for _, prefix := range []string{"a", "b"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1", "-test.v")
		cmd.Env = append(append(os.Environ(), "SBOMCAT_SQLITE_HELPER_DB="+path, "SBOMCAT_SQLITE_HELPER_PREFIX="+prefix), env...)
		out := &bytes.Buffer{}
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds, outs = append(cmds, cmd), append(outs, out)
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("helper process failed: %v\n%s", err, outs[i])
		}
		if !strings.Contains(outs[i].String(), "--- PASS: TestHelperProcess") {
			t.Fatalf("helper did not run:\n%s", outs[i])
		}
	}
}

// TestQuotaAcrossProcesses: two processes creating packages against one limit on one file
// create exactly the limit between them: the count and the write are one immediate
// transaction, whichever process makes it.
func TestQuotaAcrossProcesses(t *testing.T) {
	path := filepath.Join(t.TempDir(), sqlite.FileName)
	s := open(t, path)
	runHelpers(t, path, "SBOMCAT_SQLITE_HELPER_LIMIT=20")
	c, err := s.Counts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if c.Packages != 20 {
		t.Errorf("%d packages created by two processes under a limit of 20", c.Packages)
	}
}

// TestJobsAcrossHandles: a job one handle (process) creates is seen, and its id refused, by
// another on the same file.
func TestJobsAcrossHandles(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), sqlite.FileName)
	a, b := open(t, path), open(t, path)
	if err := a.CreateJob(ctx, jobstest.FullJob("shared")); err != nil {
		t.Fatal(err)
	}
	got, err := b.GetJob(ctx, "shared")
	if err != nil {
		t.Fatal(err)
	}
	jobstest.EqualJobs(t, got, jobstest.FullJob("shared"))
	if err := b.CreateJob(ctx, jobstest.MinimalJob("shared")); sbomcat.ErrCode(err) != sbomcat.ECONFLICT {
		t.Fatalf("second handle created a duplicate job: %v", err)
	}
}
