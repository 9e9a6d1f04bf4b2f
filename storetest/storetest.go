// Package storetest is the conformance suite every sbomcat.Store implementation runs, so that
// the API and the worker see the same behaviour on SQLite and on DynamoDB.
package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/sbomcat/sbomcat"
)

// Run runs the conformance suite against stores made by newStore.
func Run(t *testing.T, newStore Factory[sbomcat.Store]) {
	RunCases(t, newStore, map[string]func(*testing.T, sbomcat.Store){
		"PackageCRUD":          testPackageCRUD,
		"DefaultVersion":       testDefaultVersion,
		"ListPackages":         testListPackages,
		"VersionCRUD":          testVersionCRUD,
		"VersionLifecycle":     testVersionLifecycle,
		"ListVersions":         testListVersions,
		"Association":          testAssociation,
		"AssociateRecorded":    testAssociateRecorded,
		"ValidationResults":    testValidationResults,
		"InProgressAndCounts":  testInProgressAndCounts,
		"Tags":                 testTags,
		"Idempotency":          testIdempotency,
		"PackageConfiguration": testPackageConfiguration,
		"ConcurrentCreate":     testConcurrentCreate,
		"QuotaOvershoot":       testQuotaOvershoot,
		"ConcurrencyStorm":     testConcurrencyStorm,
		"RacingPairs":          testRacingPairs,
		"IdempotencyExpiry":    testIdempotencyExpiry,
		"Attempts":             testAttempts,
	})
}

func createPackage(t *testing.T, s sbomcat.Store, name string) {
	t.Helper()
	Must(t, s.CreatePackage(context.Background(), &sbomcat.Package{Name: name}, sbomcat.NoLimit))
}

func createVersion(t *testing.T, s sbomcat.Store, pkg, ver string, status sbomcat.VersionStatus) {
	t.Helper()
	ctx := context.Background()
	Must(t, s.CreateVersion(ctx, &sbomcat.PackageVersion{PackageName: pkg, VersionName: ver}, sbomcat.NoLimit))
	switch status {
	case sbomcat.VersionPublished:
		_, err := s.UpdateVersion(ctx, pkg, ver, sbomcat.VersionUpdate{Action: sbomcat.ActionPublish})
		Must(t, err)
	case sbomcat.VersionDeprecated:
		_, err := s.UpdateVersion(ctx, pkg, ver, sbomcat.VersionUpdate{Action: sbomcat.ActionPublish})
		Must(t, err)
		_, err = s.UpdateVersion(ctx, pkg, ver, sbomcat.VersionUpdate{Action: sbomcat.ActionDeprecate})
		Must(t, err)
	}
}

func testPackageCRUD(t *testing.T, s sbomcat.Store) {
	ctx := context.Background()
	_, err := s.GetPackage(ctx, "p")
	WantCode(t, err, sbomcat.ENOTFOUND)

	p := &sbomcat.Package{Name: "p", Description: "first", Tags: map[string]string{"team": "fw"}}
	Must(t, s.CreatePackage(ctx, p, sbomcat.NoLimit))
	if p.CreatedAt.IsZero() || !p.UpdatedAt.Equal(p.CreatedAt) {
		t.Errorf("CreatePackage stamped created=%v updated=%v", p.CreatedAt, p.UpdatedAt)
	}
	WantCode(t, s.CreatePackage(ctx, &sbomcat.Package{Name: "p"}, sbomcat.NoLimit), sbomcat.ECONFLICT)

	got, err := s.GetPackage(ctx, "p")
	Must(t, err)
	if got.Name != "p" || got.Description != "first" || got.DefaultVersion != "" || got.Tags["team"] != "fw" {
		t.Errorf("GetPackage = %+v", got)
	}
	if !got.CreatedAt.Equal(p.CreatedAt) {
		t.Errorf("stored creation time %v, returned %v", got.CreatedAt, p.CreatedAt)
	}

	desc := "second"
	upd, err := s.UpdatePackage(ctx, "p", sbomcat.PackageUpdate{Description: &desc})
	Must(t, err)
	if upd.Description != "second" || upd.UpdatedAt.Before(upd.CreatedAt) {
		t.Errorf("UpdatePackage = %+v", upd)
	}
	empty := ""
	_, err = s.UpdatePackage(ctx, "p", sbomcat.PackageUpdate{Description: &empty})
	Must(t, err)
	got, err = s.GetPackage(ctx, "p")
	Must(t, err)
	if got.Description != "" {
		t.Errorf("description not cleared: %q", got.Description)
	}
	_, err = s.UpdatePackage(ctx, "missing", sbomcat.PackageUpdate{Description: &desc})
	WantCode(t, err, sbomcat.ENOTFOUND)

	createVersion(t, s, "p", "1", sbomcat.VersionDraft)
	WantCode(t, s.DeletePackage(ctx, "p"), sbomcat.EINVALID)
	Must(t, s.DeleteVersion(ctx, "p", "1"))
	Must(t, s.DeletePackage(ctx, "p"))
	_, err = s.GetPackage(ctx, "p")
	WantCode(t, err, sbomcat.ENOTFOUND)
	Must(t, s.DeletePackage(ctx, "p")) // deleting what does not exist succeeds

	// A deleted package's name can be used again, without its old tags.
	createPackage(t, s, "p")
	wantNoTags(t, s, sbomcat.ResourceID{PackageName: "p"}, "recreated package")
}

// wantNoTags fails unless the resource has no tags; what names it in the failure.
func wantNoTags(t *testing.T, s sbomcat.Store, id sbomcat.ResourceID, what string) {
	t.Helper()
	tags, err := s.ListTags(context.Background(), id)
	Must(t, err)
	if len(tags) != 0 {
		t.Errorf("%s inherited tags %v", what, tags)
	}
}

func testDefaultVersion(t *testing.T, s sbomcat.Store) {
	ctx := context.Background()
	createPackage(t, s, "p")
	createVersion(t, s, "p", "draft", sbomcat.VersionDraft)
	createVersion(t, s, "p", "pub", sbomcat.VersionPublished)
	createVersion(t, s, "p", "dep", sbomcat.VersionDeprecated)

	tests := []struct {
		name    string
		upd     sbomcat.PackageUpdate
		code    string
		wantDef string
	}{
		{"missing version", sbomcat.PackageUpdate{DefaultVersion: new("nope")}, sbomcat.ENOTFOUND, ""},
		{"draft", sbomcat.PackageUpdate{DefaultVersion: new("draft")}, sbomcat.ECONFLICT, ""},
		{"published", sbomcat.PackageUpdate{DefaultVersion: new("pub")}, "", "pub"},
		{"both set and unset", sbomcat.PackageUpdate{DefaultVersion: new("dep"), UnsetDefaultVersion: true}, sbomcat.EINVALID, "pub"},
		{"deprecated", sbomcat.PackageUpdate{DefaultVersion: new("dep")}, "", "dep"},
		{"unset", sbomcat.PackageUpdate{UnsetDefaultVersion: true}, "", ""},
		{"set again", sbomcat.PackageUpdate{DefaultVersion: new("pub")}, "", "pub"},
	}
	for _, tt := range tests {
		_, err := s.UpdatePackage(ctx, "p", tt.upd)
		if sbomcat.ErrCode(err) != tt.code {
			t.Fatalf("%s: err = %v, want %q", tt.name, err, tt.code)
		}
		p, err := s.GetPackage(ctx, "p")
		Must(t, err)
		if p.DefaultVersion != tt.wantDef {
			t.Fatalf("%s: default = %q, want %q", tt.name, p.DefaultVersion, tt.wantDef)
		}
	}
	// The default version cannot be deleted; after unsetting it can.
	WantCode(t, s.DeleteVersion(ctx, "p", "pub"), sbomcat.EINVALID)
	_, err := s.GetVersion(ctx, "p", "pub")
	Must(t, err)
	_, err = s.UpdatePackage(ctx, "p", sbomcat.PackageUpdate{UnsetDefaultVersion: true})
	Must(t, err)
	Must(t, s.DeleteVersion(ctx, "p", "pub"))
}

func testListPackages(t *testing.T, s sbomcat.Store) {
	ctx := context.Background()
	names := []string{"g", "a", "e", "c", "b", "f", "d"}
	for _, n := range names {
		createPackage(t, s, n)
	}
	slices.Sort(names)

	for _, size := range []int{0, 1, 3, 7, 100} {
		var got []string
		var pages int
		token := ""
		for {
			page, err := s.ListPackages(ctx, sbomcat.PageRequest{MaxResults: size, NextToken: token})
			Must(t, err)
			pages++
			if size > 0 && len(page.Items) > size {
				t.Fatalf("page of %d items for maxResults %d", len(page.Items), size)
			}
			for _, p := range page.Items {
				got = append(got, p.Name)
				if p.CreatedAt.IsZero() {
					t.Errorf("package %s listed without creation time", p.Name)
				}
			}
			if page.NextToken == "" {
				break
			}
			if pages > len(names)+1 {
				t.Fatal("pagination does not end")
			}
			token = page.NextToken
		}
		if !slices.Equal(got, names) {
			t.Errorf("maxResults %d: listed %v, want %v", size, got, names)
		}
		if size == 3 && pages != 3 {
			t.Errorf("maxResults 3: %d pages, want 3", pages)
		}
	}

	first, err := s.ListPackages(ctx, sbomcat.PageRequest{MaxResults: 2})
	Must(t, err)
	_, err = s.ListVersions(ctx, "a", "", sbomcat.PageRequest{NextToken: first.NextToken})
	WantCode(t, err, sbomcat.EINVALID)
	_, err = s.ListPackages(ctx, sbomcat.PageRequest{NextToken: "not-a-token"})
	WantCode(t, err, sbomcat.EINVALID)
}

func testVersionCRUD(t *testing.T, s sbomcat.Store) {
	ctx := context.Background()
	WantCode(t, s.CreateVersion(ctx, &sbomcat.PackageVersion{PackageName: "nope", VersionName: "1"}, sbomcat.NoLimit), sbomcat.ENOTFOUND)
	createPackage(t, s, "p")

	v := &sbomcat.PackageVersion{
		PackageName: "p", VersionName: "1.0", Description: "d",
		Attributes: map[string]string{"os": "linux", "arch": "arm64"},
		Artifact:   &sbomcat.S3Location{Bucket: "b", Key: "fw.bin", Version: "v1"},
		Recipe:     `{"steps":[]}`,
		Tags:       map[string]string{"k": "v"},
		Status:     sbomcat.VersionPublished, // ignored: versions start as DRAFT
	}
	Must(t, s.CreateVersion(ctx, v, sbomcat.NoLimit))
	if v.Status != sbomcat.VersionDraft || v.CreatedAt.IsZero() {
		t.Errorf("created version %+v", v)
	}
	WantCode(t, s.CreateVersion(ctx, &sbomcat.PackageVersion{PackageName: "p", VersionName: "1.0"}, sbomcat.NoLimit), sbomcat.ECONFLICT)

	got, err := s.GetVersion(ctx, "p", "1.0")
	Must(t, err)
	if got.Description != "d" || !maps.Equal(got.Attributes, v.Attributes) || got.Artifact == nil || *got.Artifact != *v.Artifact ||
		got.Recipe != v.Recipe || got.Status != sbomcat.VersionDraft || got.Tags["k"] != "v" || got.SBOM != nil || got.SBOMStatus != "" {
		t.Errorf("GetVersion = %+v", got)
	}
	_, err = s.GetVersion(ctx, "p", "2.0")
	WantCode(t, err, sbomcat.ENOTFOUND)
	_, err = s.GetVersion(ctx, "q", "1.0")
	WantCode(t, err, sbomcat.ENOTFOUND)

	// Attributes are replaced as a whole; the artifact can change while DRAFT.
	upd, err := s.UpdateVersion(ctx, "p", "1.0", sbomcat.VersionUpdate{
		Attributes: map[string]string{"os": "rtos"},
		Artifact:   &sbomcat.S3Location{Bucket: "b2", Key: "fw2.bin"},
	})
	Must(t, err)
	got, err = s.GetVersion(ctx, "p", "1.0")
	Must(t, err)
	if !maps.Equal(got.Attributes, map[string]string{"os": "rtos"}) || got.Artifact.Bucket != "b2" || got.Artifact.Version != "" {
		t.Errorf("after update: %+v", got)
	}
	if upd.UpdatedAt.Before(got.CreatedAt) {
		t.Errorf("updated %v before created %v", upd.UpdatedAt, got.CreatedAt)
	}
	_, err = s.UpdateVersion(ctx, "p", "nope", sbomcat.VersionUpdate{Recipe: new("r")})
	WantCode(t, err, sbomcat.ENOTFOUND)

	// A minimal version has no attributes, artifact or SBOM.
	Must(t, s.CreateVersion(ctx, &sbomcat.PackageVersion{PackageName: "p", VersionName: "bare"}, sbomcat.NoLimit))
	bare, err := s.GetVersion(ctx, "p", "bare")
	Must(t, err)
	if len(bare.Attributes) != 0 || bare.Artifact != nil || bare.Recipe != "" || bare.Description != "" {
		t.Errorf("bare version = %+v", bare)
	}

	Must(t, s.DeleteVersion(ctx, "p", "1.0"))
	_, err = s.GetVersion(ctx, "p", "1.0")
	WantCode(t, err, sbomcat.ENOTFOUND)
	Must(t, s.DeleteVersion(ctx, "p", "1.0"))
	Must(t, s.DeleteVersion(ctx, "nope", "1.0"))
	// Re-creating starts afresh: DRAFT, no tags.
	Must(t, s.CreateVersion(ctx, &sbomcat.PackageVersion{PackageName: "p", VersionName: "1.0"}, sbomcat.NoLimit))
	wantNoTags(t, s, sbomcat.ResourceID{PackageName: "p", VersionName: "1.0"}, "re-created version")
}

func testVersionLifecycle(t *testing.T, s sbomcat.Store) {
	ctx := context.Background()
	createPackage(t, s, "p")
	steps := []struct {
		upd  sbomcat.VersionUpdate
		code string
		want sbomcat.VersionStatus
	}{
		{sbomcat.VersionUpdate{Action: sbomcat.ActionDeprecate}, sbomcat.ECONFLICT, sbomcat.VersionDraft},
		{sbomcat.VersionUpdate{Attributes: map[string]string{"a": "1"}, Action: sbomcat.ActionPublish}, "", sbomcat.VersionPublished},
		{sbomcat.VersionUpdate{Action: sbomcat.ActionPublish}, "", sbomcat.VersionPublished},
		{sbomcat.VersionUpdate{Attributes: map[string]string{"a": "2"}}, sbomcat.ECONFLICT, sbomcat.VersionPublished},
		{sbomcat.VersionUpdate{Artifact: &sbomcat.S3Location{Bucket: "b", Key: "k"}}, sbomcat.ECONFLICT, sbomcat.VersionPublished},
		{sbomcat.VersionUpdate{Recipe: new("r1"), Description: new("d1")}, "", sbomcat.VersionPublished},
		{sbomcat.VersionUpdate{Action: sbomcat.ActionDeprecate}, "", sbomcat.VersionDeprecated},
		{sbomcat.VersionUpdate{Action: sbomcat.ActionDeprecate}, "", sbomcat.VersionDeprecated},
		{sbomcat.VersionUpdate{Attributes: map[string]string{"a": "3"}}, sbomcat.ECONFLICT, sbomcat.VersionDeprecated},
		{sbomcat.VersionUpdate{Recipe: new("r2")}, "", sbomcat.VersionDeprecated},
		{sbomcat.VersionUpdate{Action: sbomcat.ActionPublish}, "", sbomcat.VersionPublished},
	}
	Must(t, s.CreateVersion(ctx, &sbomcat.PackageVersion{PackageName: "p", VersionName: "1"}, sbomcat.NoLimit))
	for i, st := range steps {
		_, err := s.UpdateVersion(ctx, "p", "1", st.upd)
		if sbomcat.ErrCode(err) != st.code {
			t.Fatalf("step %d: err = %v, want %q", i, err, st.code)
		}
		v, err := s.GetVersion(ctx, "p", "1")
		Must(t, err)
		if v.Status != st.want {
			t.Fatalf("step %d: status %s, want %s", i, v.Status, st.want)
		}
	}
	v, err := s.GetVersion(ctx, "p", "1")
	Must(t, err)
	if v.Attributes["a"] != "1" || v.Recipe != "r2" || v.Description != "d1" {
		t.Errorf("refused updates leaked or accepted ones were lost: %+v", v)
	}
}

func testListVersions(t *testing.T, s sbomcat.Store) {
	ctx := context.Background()
	_, err := s.ListVersions(ctx, "p", "", sbomcat.PageRequest{})
	WantCode(t, err, sbomcat.ENOTFOUND)
	createPackage(t, s, "p")
	createPackage(t, s, "other")
	createVersion(t, s, "other", "x", sbomcat.VersionDraft)

	empty, err := s.ListVersions(ctx, "p", "", sbomcat.PageRequest{})
	Must(t, err)
	if len(empty.Items) != 0 || empty.NextToken != "" {
		t.Errorf("empty package lists %+v", empty)
	}

	want := map[sbomcat.VersionStatus][]string{}
	for i := range 11 {
		name := fmt.Sprintf("v%02d", (i*7)%11) // created out of order
		status := []sbomcat.VersionStatus{sbomcat.VersionDraft, sbomcat.VersionPublished, sbomcat.VersionDeprecated}[i%3]
		createVersion(t, s, "p", name, status)
		want[status] = append(want[status], name)
		want[""] = append(want[""], name)
	}
	for _, st := range []sbomcat.VersionStatus{"", sbomcat.VersionDraft, sbomcat.VersionPublished, sbomcat.VersionDeprecated} {
		slices.Sort(want[st])
		for _, size := range []int{1, 2, 5, 100} {
			var got []string
			token := ""
			for n := 0; ; n++ {
				page, err := s.ListVersions(ctx, "p", st, sbomcat.PageRequest{MaxResults: size, NextToken: token})
				Must(t, err)
				if len(page.Items) > size {
					t.Fatalf("page of %d for maxResults %d", len(page.Items), size)
				}
				for _, v := range page.Items {
					if st != "" && v.Status != st {
						t.Errorf("filter %s listed %s in %s", st, v.VersionName, v.Status)
					}
					if v.PackageName != "p" {
						t.Errorf("listed a version of %s", v.PackageName)
					}
					got = append(got, v.VersionName)
				}
				if page.NextToken == "" {
					break
				}
				if n > 12 {
					t.Fatal("pagination does not end")
				}
				token = page.NextToken
			}
			if !slices.Equal(got, want[st]) {
				t.Errorf("status %q size %d: got %v, want %v", st, size, got, want[st])
			}
		}
	}

	// A token belongs to the list that issued it: same package and same filter.
	page, err := s.ListVersions(ctx, "p", sbomcat.VersionDraft, sbomcat.PageRequest{MaxResults: 1})
	Must(t, err)
	if page.NextToken == "" {
		t.Fatal("expected a next token")
	}
	_, err = s.ListVersions(ctx, "p", sbomcat.VersionPublished, sbomcat.PageRequest{NextToken: page.NextToken})
	WantCode(t, err, sbomcat.EINVALID)
	_, err = s.ListVersions(ctx, "other", sbomcat.VersionDraft, sbomcat.PageRequest{NextToken: page.NextToken})
	WantCode(t, err, sbomcat.EINVALID)
	_, err = s.ListPackages(ctx, sbomcat.PageRequest{NextToken: page.NextToken})
	WantCode(t, err, sbomcat.EINVALID)
}

func association(pkg, ver, key string) sbomcat.Association {
	return sbomcat.Association{ID: sbomcat.NewID(), PackageName: pkg, VersionName: ver,
		SBOM: sbomcat.S3Location{Bucket: "sboms", Key: key, Version: "ver-" + key}}
}

func listResults(t *testing.T, s sbomcat.Store, pkg, ver string, filter sbomcat.ValidationResult, size int) []sbomcat.FileResult {
	t.Helper()
	var out []sbomcat.FileResult
	token := ""
	for n := 0; ; n++ {
		page, err := s.ListValidationResults(context.Background(), pkg, ver, filter, sbomcat.PageRequest{MaxResults: size, NextToken: token})
		Must(t, err)
		if size > 0 && len(page.Items) > size {
			t.Fatalf("page of %d for maxResults %d", len(page.Items), size)
		}
		out = append(out, page.Items...)
		if page.NextToken == "" {
			return out
		}
		if n > 1000 {
			t.Fatal("pagination does not end")
		}
		token = page.NextToken
	}
}

func testAssociation(t *testing.T, s sbomcat.Store) {
	ctx := context.Background()
	createPackage(t, s, "p")
	createVersion(t, s, "p", "1", sbomcat.VersionPublished)

	_, err := s.Associate(ctx, association("p", "nope", "x.zip"), sbomcat.NoLimit)
	WantCode(t, err, sbomcat.ENOTFOUND)

	a1 := association("p", "1", "a.zip")
	v, err := s.Associate(ctx, a1, sbomcat.NoLimit)
	Must(t, err)
	if v.SBOM == nil || *v.SBOM != a1.SBOM || v.SBOMStatus != sbomcat.StatusInProgress || v.AssociationID != a1.ID {
		t.Fatalf("Associate returned %+v", v)
	}
	if v.Status != sbomcat.VersionPublished {
		t.Errorf("association changed the lifecycle status to %s", v.Status)
	}

	ok := sbomcat.FileResult{FileName: "a.json", Result: sbomcat.ResultSucceeded, Format: sbomcat.FormatSPDX, SpecVersion: "SPDX-2.3"}
	bad := sbomcat.FileResult{FileName: "b.json", Result: sbomcat.ResultFailed, ErrorCode: sbomcat.ErrorIncompatibleFormat, ErrorMessage: "not JSON"}

	// A second association supersedes the first even while it is being validated.
	a2 := association("p", "1", "b.zip")
	_, err = s.Associate(ctx, a2, sbomcat.NoLimit)
	Must(t, err)
	WantCode(t, s.RecordValidation(ctx, sbomcat.Validation{AssociationID: a1.ID, PackageName: "p", VersionName: "1", Results: []sbomcat.FileResult{ok}}), sbomcat.ECONFLICT)
	v, err = s.GetVersion(ctx, "p", "1")
	Must(t, err)
	if v.SBOMStatus != sbomcat.StatusInProgress || *v.SBOM != a2.SBOM {
		t.Fatalf("superseded results changed the version: %+v", v)
	}
	if got := listResults(t, s, "p", "1", "", 0); len(got) != 0 {
		t.Fatalf("superseded results are listed: %v", got)
	}

	Must(t, s.RecordValidation(ctx, sbomcat.Validation{AssociationID: a2.ID, PackageName: "p", VersionName: "1", Results: []sbomcat.FileResult{ok, bad}}))
	v, err = s.GetVersion(ctx, "p", "1")
	Must(t, err)
	if v.SBOMStatus != sbomcat.StatusFailed {
		t.Errorf("status %s, want FAILED", v.SBOMStatus)
	}
	got := listResults(t, s, "p", "1", "", 0)
	if !slices.Equal(got, []sbomcat.FileResult{ok, bad}) {
		t.Errorf("results = %+v", got)
	}
	// A redelivered validation replaces, never duplicates.
	Must(t, s.RecordValidation(ctx, sbomcat.Validation{AssociationID: a2.ID, PackageName: "p", VersionName: "1", Results: []sbomcat.FileResult{ok}}))
	v, err = s.GetVersion(ctx, "p", "1")
	Must(t, err)
	if got := listResults(t, s, "p", "1", "", 0); !slices.Equal(got, []sbomcat.FileResult{ok}) || v.SBOMStatus != sbomcat.StatusSucceeded {
		t.Errorf("after redelivery: status %s results %+v", v.SBOMStatus, got)
	}

	// Re-associating drops the old results and starts over.
	a3 := association("p", "1", "c.zip")
	_, err = s.Associate(ctx, a3, sbomcat.NoLimit)
	Must(t, err)
	if got := listResults(t, s, "p", "1", "", 0); len(got) != 0 {
		t.Errorf("old results survive a new association: %v", got)
	}

	// Disassociate removes SBOM, status and results; the late results are discarded.
	Must(t, s.Disassociate(ctx, "p", "1"))
	v, err = s.GetVersion(ctx, "p", "1")
	Must(t, err)
	if v.SBOM != nil || v.SBOMStatus != "" || v.AssociationID != "" {
		t.Errorf("after Disassociate: %+v", v)
	}
	WantCode(t, s.RecordValidation(ctx, sbomcat.Validation{AssociationID: a3.ID, PackageName: "p", VersionName: "1", Results: []sbomcat.FileResult{ok}}), sbomcat.ECONFLICT)
	if got := listResults(t, s, "p", "1", "", 0); len(got) != 0 {
		t.Errorf("results after Disassociate: %v", got)
	}
	Must(t, s.Disassociate(ctx, "p", "1")) // no SBOM: succeeds, changes nothing
	WantCode(t, s.Disassociate(ctx, "p", "nope"), sbomcat.ENOTFOUND)

	// Results for a deleted version.
	a4 := association("p", "1", "d.zip")
	_, err = s.Associate(ctx, a4, sbomcat.NoLimit)
	Must(t, err)
	Must(t, s.DeleteVersion(ctx, "p", "1"))
	WantCode(t, s.RecordValidation(ctx, sbomcat.Validation{AssociationID: a4.ID, PackageName: "p", VersionName: "1", Results: []sbomcat.FileResult{ok}}), sbomcat.ENOTFOUND)
	_, err = s.ListValidationResults(ctx, "p", "1", "", sbomcat.PageRequest{})
	WantCode(t, err, sbomcat.ENOTFOUND)
}

func testValidationResults(t *testing.T, s sbomcat.Store) {
	ctx := context.Background()
	createPackage(t, s, "p")
	createVersion(t, s, "p", "1", sbomcat.VersionDraft)
	if got := listResults(t, s, "p", "1", "", 0); len(got) != 0 {
		t.Fatalf("results without an SBOM: %v", got)
	}
	a := association("p", "1", "many.zip")
	_, err := s.Associate(ctx, a, sbomcat.NoLimit)
	Must(t, err)

	var results []sbomcat.FileResult
	for i := range 23 {
		r := sbomcat.FileResult{FileName: fmt.Sprintf("dir/f%02d.json", (i*5)%23), Result: sbomcat.ResultSucceeded, Format: sbomcat.FormatCycloneDX, SpecVersion: "1.6"}
		if i%4 == 0 {
			r = sbomcat.FileResult{FileName: r.FileName, Result: sbomcat.ResultFailed, ErrorCode: sbomcat.ErrorFileSizeLimitExceeded, ErrorMessage: fmt.Sprintf("too big %d", i)}
		}
		results = append(results, r)
	}
	// Two entries may clean to the same name; both are kept, in the order given.
	dup1 := sbomcat.FileResult{FileName: "dup.json", Result: sbomcat.ResultFailed, ErrorMessage: "first"}
	dup2 := sbomcat.FileResult{FileName: "dup.json", Result: sbomcat.ResultFailed, ErrorMessage: "second"}
	results = append(results, dup1, dup2)
	Must(t, s.RecordValidation(ctx, sbomcat.Validation{AssociationID: a.ID, PackageName: "p", VersionName: "1", Results: results}))

	sorted := slices.Clone(results)
	slices.SortStableFunc(sorted, func(x, y sbomcat.FileResult) int {
		if x.FileName < y.FileName {
			return -1
		} else if x.FileName > y.FileName {
			return 1
		}
		return 0
	})
	filtered := map[sbomcat.ValidationResult][]sbomcat.FileResult{"": sorted}
	for _, r := range sorted {
		filtered[r.Result] = append(filtered[r.Result], r)
	}
	for filter, want := range filtered {
		for _, size := range []int{1, 4, 100} {
			if got := listResults(t, s, "p", "1", filter, size); !slices.Equal(got, want) {
				t.Errorf("filter %q size %d:\n got %+v\nwant %+v", filter, size, got, want)
			}
		}
	}

	page, err := s.ListValidationResults(ctx, "p", "1", sbomcat.ResultFailed, sbomcat.PageRequest{MaxResults: 1})
	Must(t, err)
	_, err = s.ListValidationResults(ctx, "p", "1", sbomcat.ResultSucceeded, sbomcat.PageRequest{NextToken: page.NextToken})
	WantCode(t, err, sbomcat.EINVALID)
	_, err = s.ListValidationResults(ctx, "p", "1", "", sbomcat.PageRequest{NextToken: "garbage"})
	WantCode(t, err, sbomcat.EINVALID)
	_, err = s.ListValidationResults(ctx, "p", "2", "", sbomcat.PageRequest{})
	WantCode(t, err, sbomcat.ENOTFOUND)

	v, err := s.GetVersion(ctx, "p", "1")
	Must(t, err)
	if v.SBOMStatus != sbomcat.StatusFailed {
		t.Errorf("status %s, want FAILED", v.SBOMStatus)
	}
}

func testInProgressAndCounts(t *testing.T, s sbomcat.Store) {
	ctx := context.Background()
	c, err := s.Counts(ctx)
	wantZero(t, "counts", c, err)
	createPackage(t, s, "p")
	createPackage(t, s, "q")
	for _, v := range []string{"1", "2", "3"} {
		createVersion(t, s, "p", v, sbomcat.VersionDraft)
	}
	createVersion(t, s, "q", "1", sbomcat.VersionDraft)

	a1 := association("p", "1", "1.zip")
	a1.Profile = "strict,ntia" // the package's sbomcat:profile tag, kept as it was
	a2 := association("p", "2", "2.zip")
	a3 := association("q", "1", "3.zip")
	for _, a := range []sbomcat.Association{a1, a2, a3} {
		_, err := s.Associate(ctx, a, sbomcat.NoLimit)
		Must(t, err)
	}
	Must(t, s.RecordValidation(ctx, sbomcat.Validation{AssociationID: a2.ID, PackageName: "p", VersionName: "2",
		Results: []sbomcat.FileResult{{FileName: "x", Result: sbomcat.ResultSucceeded}}}))

	c, err = s.Counts(ctx)
	Must(t, err)
	if c != (sbomcat.Counts{Packages: 2, Versions: 4, ValidationsInProgress: 2}) {
		t.Errorf("counts %+v", c)
	}
	pending, err := s.ListInProgress(ctx, 10)
	Must(t, err)
	ids := map[string]sbomcat.Association{}
	for _, a := range pending {
		ids[a.ID] = a
	}
	if len(pending) != 2 || ids[a1.ID].SBOM != a1.SBOM || ids[a3.ID].VersionName != "1" || ids[a3.ID].PackageName != "q" {
		t.Errorf("ListInProgress = %+v", pending)
	}
	if ids[a1.ID].Profile != a1.Profile || ids[a3.ID].Profile != "" {
		t.Errorf("ListInProgress profiles %q and %q; want %q and none", ids[a1.ID].Profile, ids[a3.ID].Profile, a1.Profile)
	}
	if one, err := s.ListInProgress(ctx, 1); err != nil || len(one) != 1 {
		t.Errorf("ListInProgress(1) = %v, %v", one, err)
	}
	// Associating again without a profile leaves none from the association before.
	again := association("p", "1", "1b.zip")
	_, err = s.Associate(ctx, again, sbomcat.NoLimit)
	Must(t, err)
	pending, err = s.ListInProgress(ctx, 10)
	Must(t, err)
	for _, a := range pending {
		if a.ID == again.ID && a.Profile != "" {
			t.Errorf("re-association kept profile %q", a.Profile)
		}
	}
}

func testTags(t *testing.T, s sbomcat.Store) {
	ctx := context.Background()
	pkg := sbomcat.ResourceID{PackageName: "p"}
	ver := sbomcat.ResourceID{PackageName: "p", VersionName: "1"}
	WantCode(t, sbomcat.AddTags(ctx, s, pkg, map[string]string{"a": "1"}), sbomcat.ENOTFOUND)
	_, err := s.ListTags(ctx, ver)
	WantCode(t, err, sbomcat.ENOTFOUND)
	WantCode(t, sbomcat.RemoveTags(ctx, s, ver, []string{"a"}), sbomcat.ENOTFOUND)

	Must(t, s.CreatePackage(ctx, &sbomcat.Package{Name: "p", Tags: map[string]string{"a": "1"}}, sbomcat.NoLimit))
	Must(t, s.CreateVersion(ctx, &sbomcat.PackageVersion{PackageName: "p", VersionName: "1", Tags: map[string]string{"v": "x"}}, sbomcat.NoLimit))

	Must(t, sbomcat.AddTags(ctx, s, pkg, map[string]string{"a": "2", "b": ""}))
	tags, err := s.ListTags(ctx, pkg)
	Must(t, err)
	if !maps.Equal(tags, map[string]string{"a": "2", "b": ""}) {
		t.Errorf("package tags %v", tags)
	}
	tags, err = s.ListTags(ctx, ver)
	Must(t, err)
	if !maps.Equal(tags, map[string]string{"v": "x"}) {
		t.Errorf("version tags %v (package tags must not leak)", tags)
	}
	Must(t, sbomcat.RemoveTags(ctx, s, pkg, []string{"a", "missing"}))
	tags, err = s.ListTags(ctx, pkg)
	Must(t, err)
	if !maps.Equal(tags, map[string]string{"b": ""}) {
		t.Errorf("after untag: %v", tags)
	}

	many := map[string]string{}
	for i := range sbomcat.MaxTags {
		many[fmt.Sprintf("k%d", i)] = "v"
	}
	WantCode(t, sbomcat.AddTags(ctx, s, ver, many), sbomcat.EINVALID) // 50 + "v" = 51
	tags, err = s.ListTags(ctx, ver)
	Must(t, err)
	if len(tags) != 1 {
		t.Errorf("refused TagResource changed tags: %d", len(tags))
	}
	Must(t, sbomcat.RemoveTags(ctx, s, ver, []string{"v"}))
	Must(t, sbomcat.AddTags(ctx, s, ver, many))
	tags, err = s.ListTags(ctx, ver)
	Must(t, err)
	if len(tags) != sbomcat.MaxTags {
		t.Errorf("%d tags, want %d", len(tags), sbomcat.MaxTags)
	}
	// Tags ride along with Get.
	v, err := s.GetVersion(ctx, "p", "1")
	Must(t, err)
	if len(v.Tags) != sbomcat.MaxTags {
		t.Errorf("GetVersion carries %d tags", len(v.Tags))
	}
}

func testIdempotency(t *testing.T, s sbomcat.Store) {
	ctx := context.Background()
	_, err := s.GetIdempotency(ctx, "CreatePackage", "tok")
	WantCode(t, err, sbomcat.ENOTFOUND)
	rec := sbomcat.IdempotencyRecord{Operation: "CreatePackage", Token: "tok", Fingerprint: "f1", Response: []byte(`{"a":1}`)}
	Must(t, s.PutIdempotency(ctx, rec))
	got, err := s.GetIdempotency(ctx, "CreatePackage", "tok")
	Must(t, err)
	if got.Fingerprint != "f1" || string(got.Response) != `{"a":1}` || got.CreatedAt.IsZero() {
		t.Errorf("got %+v", got)
	}
	// The same token under another operation is another record.
	_, err = s.GetIdempotency(ctx, "DeletePackage", "tok")
	WantCode(t, err, sbomcat.ENOTFOUND)
	rec.Fingerprint, rec.Response = "f2", nil
	Must(t, s.PutIdempotency(ctx, rec))
	got, err = s.GetIdempotency(ctx, "CreatePackage", "tok")
	Must(t, err)
	if got.Fingerprint != "f2" || len(got.Response) != 0 {
		t.Errorf("after replace: %+v", got)
	}
}

// testAssociateRecorded: the clientToken record is stored with the association, its response
// the returned version; an association refused (no such version, quota) stores none.
func testAssociateRecorded(t *testing.T, s sbomcat.Store) {
	ctx := context.Background()
	createPackage(t, s, "p")
	createVersion(t, s, "p", "1", sbomcat.VersionDraft)
	createVersion(t, s, "p", "2", sbomcat.VersionDraft)
	created := time.UnixMilli(time.Now().UnixMilli()).UTC()
	rec := func(token string) sbomcat.IdempotencyRecord {
		return sbomcat.IdempotencyRecord{Operation: "AssociateSbomWithPackageVersion", Token: token, Fingerprint: "fp-" + token, CreatedAt: created}
	}
	for _, tt := range []struct {
		name, version, token string
		limit                int
		code                 string
	}{
		{"associated", "1", "t1", sbomcat.NoLimit, ""},
		{"no such version", "nope", "t2", sbomcat.NoLimit, sbomcat.ENOTFOUND},
		{"in-flight quota", "2", "t3", 1, sbomcat.EQUOTA}, // version 1 is in flight
	} {
		t.Run(tt.name, func(t *testing.T) {
			v, err := s.AssociateRecorded(ctx, association("p", tt.version, "a.zip"), tt.limit, rec(tt.token))
			got, gerr := s.GetIdempotency(ctx, "AssociateSbomWithPackageVersion", tt.token)
			if tt.code != "" {
				WantCode(t, err, tt.code)
				WantCode(t, gerr, sbomcat.ENOTFOUND)
				return
			}
			Must(t, err)
			Must(t, gerr)
			if got.Fingerprint != "fp-"+tt.token || !got.CreatedAt.Equal(created) {
				t.Errorf("record %+v, want fingerprint fp-%s created %s", got, tt.token, created)
			}
			var replayed sbomcat.PackageVersion
			Must(t, json.Unmarshal(got.Response, &replayed))
			if replayed.AssociationID != v.AssociationID || replayed.SBOMStatus != sbomcat.StatusInProgress || *replayed.SBOM != *v.SBOM {
				t.Errorf("recorded response %+v, want the returned version %+v", replayed, v)
			}
		})
	}
}

func testPackageConfiguration(t *testing.T, s sbomcat.Store) {
	ctx := context.Background()
	c, err := s.GetPackageConfiguration(ctx)
	wantZero(t, "package configuration", c, err)
	want := sbomcat.PackageConfiguration{VersionUpdateByJobsEnabled: true, VersionUpdateByJobsRoleARN: "arn:aws:iam::000000000000:role/jobs"}
	Must(t, s.PutPackageConfiguration(ctx, want))
	c, err = s.GetPackageConfiguration(ctx)
	Must(t, err)
	if c != want {
		t.Errorf("configuration %+v, want %+v", c, want)
	}
	Must(t, s.PutPackageConfiguration(ctx, sbomcat.PackageConfiguration{}))
	c, err = s.GetPackageConfiguration(ctx)
	Must(t, err)
	if c != (sbomcat.PackageConfiguration{}) {
		t.Errorf("configuration not replaced: %+v", c)
	}
}

func testConcurrentCreate(t *testing.T, s sbomcat.Store) {
	ctx := context.Background()
	const n = 8
	OneCreateWins(t, n, func(i int) error {
		return s.CreatePackage(ctx, &sbomcat.Package{Name: "race", Description: fmt.Sprint(i)}, sbomcat.NoLimit)
	})

	var wg sync.WaitGroup
	errs := make([]error, n)

	createVersion(t, s, "race", "1", sbomcat.VersionDraft)
	for i := range n {
		wg.Go(func() {
			a := association("race", "1", fmt.Sprintf("%d.zip", i))
			_, errs[i] = s.Associate(ctx, a, sbomcat.NoLimit)
		})
	}
	wg.Wait()
	for _, err := range errs {
		Must(t, err)
	}
	pending, err := s.ListInProgress(ctx, 10)
	Must(t, err)
	if len(pending) != 1 {
		t.Errorf("%d associations in progress for one version, want 1", len(pending))
	}
}
