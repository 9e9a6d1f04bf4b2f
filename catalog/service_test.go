package catalog_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/catalog"
	"github.com/sbomcat/sbomcat/internal/testkit"
	"github.com/sbomcat/sbomcat/sqlite"
)

// clock is a settable time source.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

type env struct {
	svc   *catalog.Service
	store *sqlite.Store
	queue *testkit.Queue
	clock *clock
}

// newEnv returns a service on a real SQLite file with cfg's limits and TTL.
func newEnv(t *testing.T, cfg catalog.Config) *env {
	t.Helper()
	// No purge: the service runs on an injected clock years behind the store's, whose purge
	// would delete the records the tests make as soon as it ran.
	store, err := sqlite.OpenWith(context.Background(), filepath.Join(t.TempDir(), sqlite.FileName), sqlite.Options{PurgeInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	e := &env{store: store, queue: &testkit.Queue{}, clock: &clock{now: time.Unix(1700000000, 0)}}
	cfg.Store, cfg.Queue, cfg.Now = store, e.queue, e.clock.Now
	e.svc = catalog.New(cfg)
	return e
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if sbomcat.ErrCode(err) != code {
		t.Fatalf("err = %v, want code %q", err, code)
	}
}

const token = "11111111-2222-3333-4444-555555555555"

func TestIdempotency(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, catalog.Config{IdempotencyTTL: time.Hour})
	desc := func(d string) sbomcat.Package { return sbomcat.Package{Name: "p", Description: d} }

	first, err := e.svc.CreatePackage(ctx, desc("one"), token)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		advance time.Duration
		p       sbomcat.Package
		token   string
		code    string
	}{
		{"same token and parameters replays", time.Minute, desc("one"), token, ""},
		{"same token, other parameters", 0, desc("two"), token, sbomcat.ECONFLICT},
		{"no token is a new request", 0, desc("one"), "", sbomcat.ECONFLICT},
		{"after the TTL the token is forgotten", time.Hour, desc("one"), token, sbomcat.ECONFLICT},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.clock.now = e.clock.now.Add(tt.advance)
			got, err := e.svc.CreatePackage(ctx, tt.p, tt.token)
			wantCode(t, err, tt.code)
			if tt.code == "" && (got.Name != first.Name || !got.CreatedAt.Equal(first.CreatedAt) || got.Description != "one") {
				t.Errorf("replay = %+v, want the first result %+v", got, first)
			}
		})
	}
}

// TestIdempotentAssociate: a retried association returns the first association's version and
// queues nothing more.
func TestIdempotentAssociate(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, catalog.Config{})
	mustVersion(t, e)
	sbom := sbomcat.S3Location{Bucket: "b", Key: "k/sbom.json", Version: "1"}
	first, err := e.svc.AssociateSBOM(ctx, "p", "1", sbom, token)
	if err != nil {
		t.Fatal(err)
	}
	again, err := e.svc.AssociateSBOM(ctx, "p", "1", sbom, token)
	if err != nil {
		t.Fatal(err)
	}
	if again.AssociationID != first.AssociationID || len(e.queue.All()) != 1 {
		t.Errorf("retry associated again: ids %s/%s, %d queued", first.AssociationID, again.AssociationID, len(e.queue.All()))
	}
	if e.queue.All()[0].ID != first.AssociationID || e.queue.All()[0].SBOM != sbom {
		t.Errorf("queued %+v, want association %s of %+v", e.queue.All()[0], first.AssociationID, sbom)
	}
}

func mustVersion(t *testing.T, e *env) {
	t.Helper()
	ctx := context.Background()
	if _, err := e.svc.CreatePackage(ctx, sbomcat.Package{Name: "p"}, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.CreateVersion(ctx, sbomcat.PackageVersion{PackageName: "p", VersionName: "1"}, ""); err != nil {
		t.Fatal(err)
	}
}

// TestEnqueueFailure: an association the queue refuses is an internal error and is recorded
// as FAILED with a result that says why, never left IN_PROGRESS.
func TestEnqueueFailure(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, catalog.Config{})
	mustVersion(t, e)
	e.queue.SetFail(true)
	_, err := e.svc.AssociateSBOM(ctx, "p", "1", sbomcat.S3Location{Bucket: "b", Key: "dir/sbom.zip", Version: "1"}, "")
	wantCode(t, err, sbomcat.EINTERNAL)
	pv, err := e.svc.GetVersion(ctx, "p", "1")
	if err != nil {
		t.Fatal(err)
	}
	if pv.SBOMStatus != sbomcat.StatusFailed {
		t.Errorf("status %s, want FAILED", pv.SBOMStatus)
	}
	res, err := e.svc.ListValidationResults(ctx, "p", "1", "", sbomcat.PageRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Items) != 1 || res.Items[0].FileName != "sbom.zip" || res.Items[0].Result != sbomcat.ResultFailed || res.Items[0].ErrorMessage == "" {
		t.Errorf("results %+v, want one FAILED sbom.zip with a reason", res.Items)
	}
}

// TestEnqueueFailureRetry: the clientToken record stored with a refused association does not
// answer the retry (an SDK retries a 500 with the same token): the retry associates again and
// is queued.
func TestEnqueueFailureRetry(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, catalog.Config{})
	mustVersion(t, e)
	sbom := sbomcat.S3Location{Bucket: "b", Key: "sbom.json", Version: "1"}
	e.queue.SetFail(true)
	_, err := e.svc.AssociateSBOM(ctx, "p", "1", sbom, token)
	wantCode(t, err, sbomcat.EINTERNAL)
	e.queue.SetFail(false)
	pv, err := e.svc.AssociateSBOM(ctx, "p", "1", sbom, token)
	if err != nil {
		t.Fatal(err)
	}
	if queued := e.queue.All(); pv.SBOMStatus != sbomcat.StatusInProgress || len(queued) != 1 || queued[0].ID != pv.AssociationID {
		t.Errorf("retry after a refusal: status %s, queued %+v, want IN_PROGRESS and association %s queued", pv.SBOMStatus, queued, pv.AssociationID)
	}
	again, err := e.svc.AssociateSBOM(ctx, "p", "1", sbom, token)
	if err != nil {
		t.Fatal(err)
	}
	if again.AssociationID != pv.AssociationID || len(e.queue.All()) != 1 {
		t.Errorf("second retry associated again: ids %s/%s, %d queued", pv.AssociationID, again.AssociationID, len(e.queue.All()))
	}
}

func TestQuotas(t *testing.T) {
	ctx := context.Background()
	sbom := sbomcat.S3Location{Bucket: "b", Key: "k", Version: "1"}
	tests := []struct {
		name   string
		limits catalog.Limits
		code   string
	}{
		{"at the limits", catalog.Limits{Packages: 1, Versions: 1, InFlightValidations: 1}, sbomcat.EQUOTA},
		{"no limits", catalog.Limits{Packages: sbomcat.NoLimit, Versions: sbomcat.NoLimit, InFlightValidations: sbomcat.NoLimit}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, catalog.Config{Limits: tt.limits})
			mustVersion(t, e)
			if _, err := e.svc.AssociateSBOM(ctx, "p", "1", sbom, ""); err != nil {
				t.Fatal(err)
			}
			_, err := e.svc.CreatePackage(ctx, sbomcat.Package{Name: "q"}, "")
			wantCode(t, err, tt.code)
			_, err = e.svc.CreateVersion(ctx, sbomcat.PackageVersion{PackageName: "p", VersionName: "2"}, "")
			wantCode(t, err, tt.code)
			if tt.code == "" {
				_, err = e.svc.AssociateSBOM(ctx, "p", "2", sbom, "")
				wantCode(t, err, "")
			}
			// Re-associating a version that is IN_PROGRESS replaces work: never over the quota.
			_, err = e.svc.AssociateSBOM(ctx, "p", "1", sbom, "")
			wantCode(t, err, "")
		})
	}
}

// TestDomainRules: the service refuses what breaks the catalog's own rules whatever front end
// calls it, before anything is stored.
func TestDomainRules(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, catalog.Config{})
	mustVersion(t, e)
	big := map[string]string{"k": string(make([]byte, sbomcat.MaxAttributesBytes))}
	tests := []struct {
		name string
		err  error
		code string
	}{
		{"reserved tag", errOf(e.svc.CreatePackage(ctx, sbomcat.Package{Name: "x", Tags: map[string]string{"aws:k": ""}}, "")), sbomcat.EINVALID},
		{"attributes too big", errOf(e.svc.CreateVersion(ctx, sbomcat.PackageVersion{PackageName: "p", VersionName: "2", Attributes: big}, "")), sbomcat.EINVALID},
		{"update attributes too big", errOf(e.svc.UpdateVersion(ctx, "p", "1", sbomcat.VersionUpdate{Attributes: big}, "")), sbomcat.EINVALID},
		{"sbom without version", errOf(e.svc.AssociateSBOM(ctx, "p", "1", sbomcat.S3Location{Bucket: "b", Key: "k"}, "")), sbomcat.EINVALID},
		{"tag reserved", e.svc.TagResource(ctx, sbomcat.ResourceID{PackageName: "p"}, map[string]string{"AWS:k": ""}), sbomcat.EINVALID},
		{"deprecate a draft", errOf(e.svc.UpdateVersion(ctx, "p", "1", sbomcat.VersionUpdate{Action: sbomcat.ActionDeprecate}, "")), sbomcat.ECONFLICT},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantCode(t, tt.err, tt.code) })
	}
	if _, err := e.svc.GetPackage(ctx, "x"); sbomcat.ErrCode(err) != sbomcat.ENOTFOUND {
		t.Errorf("refused package was stored: %v", err)
	}
	if len(e.queue.All()) != 0 {
		t.Errorf("refused association was queued: %+v", e.queue.All())
	}
}

// TestConfiguration: absent members are left as they are.
func TestConfiguration(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, catalog.Config{})
	on, role := true, "arn:aws:iam::000000000000:role/r"
	if _, err := e.svc.UpdatePackageConfiguration(ctx, sbomcat.PackageConfigurationUpdate{VersionUpdateByJobsEnabled: &on, VersionUpdateByJobsRoleARN: &role}, ""); err != nil {
		t.Fatal(err)
	}
	off := false
	got, err := e.svc.UpdatePackageConfiguration(ctx, sbomcat.PackageConfigurationUpdate{VersionUpdateByJobsEnabled: &off}, token)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := e.svc.GetPackageConfiguration(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := sbomcat.PackageConfiguration{VersionUpdateByJobsEnabled: false, VersionUpdateByJobsRoleARN: role}
	if got != want || stored != want {
		t.Errorf("got %+v, stored %+v, want %+v", got, stored, want)
	}
}

func errOf[T any](_ T, err error) error { return err }

// TestAssociationProfile: the package's sbomcat:profile tag, as it is when the SBOM is
// associated, travels with the association (free text: not judged here); none when untagged.
func TestAssociationProfile(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, catalog.Config{})
	mustVersion(t, e)
	sbom := sbomcat.S3Location{Bucket: "b", Key: "k/sbom.json", Version: "1"}
	pkg := sbomcat.ResourceID{PackageName: "p"}
	for i, tc := range []struct {
		tags map[string]string // set on the package before associating
		want sbomcat.Profile
	}{
		{nil, ""},
		{map[string]string{sbomcat.TagProfile: "strict,ntia", "team": "radio"}, "strict,ntia"},
		{map[string]string{sbomcat.TagProfile: "not a profile"}, "not a profile"},
	} {
		if tc.tags != nil {
			if err := e.svc.TagResource(ctx, pkg, tc.tags); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := e.svc.AssociateSBOM(ctx, "p", "1", sbom, ""); err != nil {
			t.Fatal(err)
		}
		if got := e.queue.All()[i].Profile; got != tc.want {
			t.Errorf("association %d: profile %q, want %q", i, got, tc.want)
		}
	}
	// A version tag is no package tag.
	if err := e.svc.UntagResource(ctx, pkg, []string{sbomcat.TagProfile}); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.TagResource(ctx, sbomcat.ResourceID{PackageName: "p", VersionName: "1"}, map[string]string{sbomcat.TagProfile: "bsi"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.AssociateSBOM(ctx, "p", "1", sbom, ""); err != nil {
		t.Fatal(err)
	}
	if q := e.queue.All(); q[len(q)-1].Profile != "" {
		t.Errorf("a version's tag became the profile %q", q[len(q)-1].Profile)
	}
	// A package that does not exist is reported as before.
	if _, err := e.svc.AssociateSBOM(ctx, "nope", "1", sbom, ""); sbomcat.ErrCode(err) != sbomcat.ENOTFOUND {
		t.Errorf("AssociateSBOM of a missing package: %v", err)
	}
}
