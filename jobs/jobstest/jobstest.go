// Package jobstest is the conformance suite every jobs.Store implementation runs, so that the
// job operations behave the same on every store. The SQLite and DynamoDB stores call Run from
// their tests with a factory of empty stores.
package jobstest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/jobs"
	"github.com/sbomcat/sbomcat/storetest"
)

// Run runs the conformance suite against stores made by newStore.
func Run(t *testing.T, newStore storetest.Factory[jobs.Store]) {
	storetest.RunCases(t, newStore, map[string]func(*testing.T, jobs.Store){
		"CreateGetRoundTrip": testRoundTrip,
		"MinimalJob":         testMinimalJob,
		"Duplicate":          testDuplicate,
		"NotFound":           testNotFound,
		"List":               testList,
		"Delete":             testDelete,
		"ConcurrentCreate":   testConcurrentCreate,
	})
}

var base = time.Date(2026, 3, 1, 12, 0, 0, 123_000_000, time.UTC)

// FullJob returns a job with every field set, as Service.Create would store it.
func FullJob(id string) *jobs.Job {
	exp := int64(600)
	resolvedDoc := `{"attributes":{"k":"v"},"url":"${aws:iot:package:P:version:1.0:artifact-location:s3-presigned-url}"}`
	start := len(`{"attributes":{"k":"v"},"url":"`)
	return &jobs.Job{
		ID:                         id,
		Description:                "deploy P 1.0 — with unicode",
		Document:                   `{"attributes":"${aws:iot:package:P:version:$default:attributes}","url":"${aws:iot:package:P:version:$default:artifact:s3-presigned-url}"}`,
		DestinationPackageVersions: []string{"arn:aws:iot:us-east-1:000000000000:package/P/version/$default", "arn:aws:iot:us-east-1:000000000000:package/Q/version/$null"},
		PresignedURLConfig:         &jobs.PresignedURLConfig{RoleARN: "arn:aws:iam::000000000000:role/jobs", ExpiresInSec: &exp},
		Targets:                    []string{"arn:aws:iot:us-east-1:000000000000:thing/t1", "arn:aws:iot:us-east-1:000000000000:thinggroup/g"},
		Status:                     jobs.StatusInProgress,
		TargetSelection:            jobs.TargetSelectionSnapshot,
		CreatedAt:                  base,
		LastUpdatedAt:              base.Add(time.Second),
		Resolved: jobs.Resolution{
			Document:                   resolvedDoc,
			DestinationPackageVersions: []string{"arn:aws:iot:us-east-1:000000000000:package/P/version/1.0", "arn:aws:iot:us-east-1:000000000000:package/Q/version/$null"},
			Artifacts: []jobs.Artifact{{
				Start: start, End: len(resolvedDoc) - 2, PackageName: "P", VersionName: "1.0",
				Location: sbomcat.S3Location{Bucket: "b", Key: "k/firmware.bin", Version: "v1"},
			}},
		},
	}
}

// MinimalJob returns a job with only what every job has.
func MinimalJob(id string) *jobs.Job {
	return &jobs.Job{
		ID:              id,
		Document:        `{}`,
		Targets:         []string{"arn:aws:iot:us-east-1:000000000000:thing/t1"},
		Status:          jobs.StatusInProgress,
		TargetSelection: jobs.TargetSelectionSnapshot,
		CreatedAt:       base,
		LastUpdatedAt:   base,
		Resolved:        jobs.Resolution{Document: `{}`},
	}
}

func testRoundTrip(t *testing.T, s jobs.Store) {
	ctx := context.Background()
	want := FullJob("full-1")
	storetest.Must(t, s.CreateJob(ctx, want))
	got, err := s.GetJob(ctx, "full-1")
	storetest.Must(t, err)
	EqualJobs(t, got, FullJob("full-1"))
}

func testMinimalJob(t *testing.T, s jobs.Store) {
	ctx := context.Background()
	storetest.Must(t, s.CreateJob(ctx, MinimalJob("min")))
	got, err := s.GetJob(ctx, "min")
	storetest.Must(t, err)
	EqualJobs(t, got, MinimalJob("min"))
	if got.PresignedURLConfig != nil {
		t.Errorf("PresignedURLConfig = %+v, want nil as stored", got.PresignedURLConfig)
	}
}

func testDuplicate(t *testing.T, s jobs.Store) {
	ctx := context.Background()
	storetest.Must(t, s.CreateJob(ctx, FullJob("dup")))
	other := MinimalJob("dup")
	err := s.CreateJob(ctx, other)
	storetest.WantCode(t, err, sbomcat.ECONFLICT)
	var e *sbomcat.Error
	if errors.As(err, &e) && e.ResourceID != "dup" {
		t.Errorf("ResourceID = %q, want the job id", e.ResourceID)
	}
	got, err := s.GetJob(ctx, "dup")
	storetest.Must(t, err)
	EqualJobs(t, got, FullJob("dup")) // the first job is untouched
}

func testNotFound(t *testing.T, s jobs.Store) {
	_, err := s.GetJob(context.Background(), "nope")
	storetest.WantCode(t, err, sbomcat.ENOTFOUND)
}

func testList(t *testing.T, s jobs.Store) {
	ctx := context.Background()
	if got, more := listPage(t, s, "", 10); len(got) != 0 || more {
		t.Fatalf("empty store lists %d jobs (more %v)", len(got), more)
	}
	ids := []string{"b", "a-2", "c_3", "A", "a-10", "z", "0"}
	for i, id := range ids {
		j := MinimalJob(id)
		j.CreatedAt = base.Add(time.Duration(i) * time.Minute)
		j.LastUpdatedAt = j.CreatedAt
		storetest.Must(t, s.CreateJob(ctx, j))
	}
	want := slices.Clone(ids)
	slices.Sort(want)
	var got []string
	for after := ""; ; {
		page, more := listPage(t, s, after, 3)
		for _, j := range page {
			got = append(got, j.ID)
			created := base.Add(time.Duration(slices.Index(ids, j.ID)) * time.Minute)
			if !j.CreatedAt.Equal(created) || !j.LastUpdatedAt.Equal(created) {
				t.Errorf("job %s listed with times %v, %v, want %v", j.ID, j.CreatedAt, j.LastUpdatedAt, created)
			}
		}
		if !more {
			break
		}
		if len(got) > len(ids) || len(page) == 0 {
			t.Fatal("ListJobs does not end")
		}
		after = got[len(got)-1]
	}
	if !slices.Equal(got, want) {
		t.Errorf("listed %v, want %v (ordered by id)", got, want)
	}
}

// listPage lists the jobs after the id after, limit of them at most, and whether more follow,
// checking what ListJobs returns: bodies in id order, limit+1 of them at most, fewer than
// limit only at the end.
func listPage(t *testing.T, s jobs.Store, after string, limit int) ([]*jobs.Job, bool) {
	t.Helper()
	bodies, more, err := s.ListJobs(context.Background(), after, limit)
	storetest.Must(t, err)
	if len(bodies) > limit+1 || (more && len(bodies) < limit) {
		t.Fatalf("ListJobs(%q, %d) returned %d bodies (more %v)", after, limit, len(bodies), more)
	}
	var page []*jobs.Job
	for _, b := range bodies {
		j, err := jobs.DecodeJob(b)
		storetest.Must(t, err)
		if j.ID <= after || (len(page) > 0 && j.ID <= page[len(page)-1].ID) {
			t.Fatalf("ListJobs(%q, %d): %s out of order", after, limit, j.ID)
		}
		page = append(page, j)
	}
	if len(page) > limit {
		return page[:limit], true
	}
	return page, more
}

func testDelete(t *testing.T, s jobs.Store) {
	ctx := context.Background()
	storetest.Must(t, s.CreateJob(ctx, FullJob("del")))
	storetest.Must(t, s.CreateJob(ctx, MinimalJob("keep")))
	storetest.Must(t, s.DeleteJob(ctx, "del"))
	_, err := s.GetJob(ctx, "del")
	storetest.WantCode(t, err, sbomcat.ENOTFOUND)
	storetest.WantCode(t, s.DeleteJob(ctx, "del"), sbomcat.ENOTFOUND)
	if _, err := s.GetJob(ctx, "keep"); err != nil {
		t.Fatalf("deleting one job removed another: %v", err)
	}
	// AWS lets a deleted job's id be used again.
	storetest.Must(t, s.CreateJob(ctx, MinimalJob("del")))
	if got, _ := listPage(t, s, "", 10); len(got) != 2 {
		t.Errorf("listed %d jobs after delete and re-create, want 2", len(got))
	}
}

func testConcurrentCreate(t *testing.T, s jobs.Store) {
	storetest.OneCreateWins(t, 8, func(i int) error {
		j := MinimalJob("race")
		j.Description = fmt.Sprint(i)
		return s.CreateJob(context.Background(), j)
	})
}

// EqualJobs fails t unless got and want are the same job: times compared as instants, nil and
// empty slices alike.
func EqualJobs(t *testing.T, got, want *jobs.Job) {
	t.Helper()
	if got.ID != want.ID || got.Description != want.Description || got.Document != want.Document ||
		got.Status != want.Status || got.TargetSelection != want.TargetSelection {
		t.Errorf("job = %+v\nwant %+v", got, want)
	}
	if !got.CreatedAt.Equal(want.CreatedAt) || !got.LastUpdatedAt.Equal(want.LastUpdatedAt) {
		t.Errorf("times = %v, %v; want %v, %v", got.CreatedAt, got.LastUpdatedAt, want.CreatedAt, want.LastUpdatedAt)
	}
	if !slices.Equal(got.DestinationPackageVersions, want.DestinationPackageVersions) || !slices.Equal(got.Targets, want.Targets) {
		t.Errorf("destinations, targets = %q, %q; want %q, %q", got.DestinationPackageVersions, got.Targets, want.DestinationPackageVersions, want.Targets)
	}
	switch g, w := got.PresignedURLConfig, want.PresignedURLConfig; {
	case (g == nil) != (w == nil):
		t.Errorf("presignedUrlConfig = %+v, want %+v", g, w)
	case g != nil && (g.RoleARN != w.RoleARN || (g.ExpiresInSec == nil) != (w.ExpiresInSec == nil) ||
		(g.ExpiresInSec != nil && *g.ExpiresInSec != *w.ExpiresInSec)):
		t.Errorf("presignedUrlConfig = %+v, want %+v", g, w)
	}
	if got.Resolved.Document != want.Resolved.Document ||
		!slices.Equal(got.Resolved.DestinationPackageVersions, want.Resolved.DestinationPackageVersions) ||
		!slices.Equal(got.Resolved.Artifacts, want.Resolved.Artifacts) {
		t.Errorf("resolved = %+v\nwant %+v", got.Resolved, want.Resolved)
	}
}
