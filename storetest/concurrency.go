package storetest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sbomcat/sbomcat"
)

// StormDuration bounds the storm of testConcurrencyStorm: long enough for hundreds of racing
// rounds per shared name, short enough that the suite stays well under a minute per store.
const StormDuration = 3 * time.Second

// stormClients is how many goroutines race in the storm.
const stormClients = 50

// Shared names the storm races on: few, so that nearly every call collides with another.
var (
	stormPackages = []string{"s0", "s1"}
	stormVersions = []string{"1", "2", "3"}
)

// appError fails the test unless err is nil or an application error with one of codes: any
// other error would reach a client as a 5xx.
func appError(t *testing.T, op string, err error, codes ...string) {
	t.Helper()
	if err == nil {
		return
	}
	var e *sbomcat.Error
	if !errors.As(err, &e) || !slices.Contains(codes, e.Code) {
		t.Errorf("%s: %v (code %q), want nil or one of %v", op, err, sbomcat.ErrCode(err), codes)
	}
}

// testQuotaOvershoot: bursts of concurrent creates of different names against small limits.
// Every create is accepted or refused with EQUOTA, and exactly limit are accepted.
func testQuotaOvershoot(t *testing.T, s sbomcat.Store) {
	ctx := context.Background()
	const burst = 30
	burstOf := func(what string, limit int, fn func(i int) error) {
		t.Helper()
		var wg sync.WaitGroup
		var ok atomic.Int64
		for i := range burst {
			wg.Go(func() {
				err := fn(i)
				appError(t, what, err, sbomcat.EQUOTA)
				if err == nil {
					ok.Add(1)
				}
			})
		}
		wg.Wait()
		t.Logf("%d of %d concurrent %s accepted under a limit of %d", ok.Load(), burst, what, limit)
		if int(ok.Load()) != limit {
			t.Errorf("%d concurrent %s accepted under a limit of %d, want exactly %d", ok.Load(), what, limit, limit)
		}
	}
	burstOf("package creates", 3, func(i int) error {
		return s.CreatePackage(ctx, &sbomcat.Package{Name: fmt.Sprintf("p%d", i)}, 3)
	})
	page, err := s.ListPackages(ctx, sbomcat.PageRequest{})
	Must(t, err)
	pkgs := page.Items
	burstOf("version creates", 5, func(i int) error {
		return s.CreateVersion(ctx, &sbomcat.PackageVersion{PackageName: pkgs[i%len(pkgs)].Name, VersionName: fmt.Sprint(i)}, 5)
	})
	var versions []sbomcat.PackageVersion
	for _, p := range pkgs {
		l, err := s.ListVersions(ctx, p.Name, "", sbomcat.PageRequest{})
		Must(t, err)
		versions = append(versions, l.Items...)
	}
	// Associations of 30 callers over the 5 versions: re-associating a version IN_PROGRESS
	// replaces its work and is accepted whatever the count, so what the limit bounds is the
	// number of versions in progress afterwards.
	var wg sync.WaitGroup
	for i := range burst {
		wg.Go(func() {
			v := versions[i%len(versions)]
			_, err := s.Associate(ctx, association(v.PackageName, v.VersionName, fmt.Sprintf("%d.json", i)), 2)
			appError(t, "associations", err, sbomcat.EQUOTA)
		})
	}
	wg.Wait()
	pending, err := s.ListInProgress(ctx, 10)
	Must(t, err)
	t.Logf("%d versions in progress after %d concurrent associations under a limit of 2", len(pending), burst)
	if len(pending) != 2 {
		t.Errorf("%d versions in progress after %d concurrent associations under a limit of 2, want exactly 2", len(pending), burst)
	}

	// Counts hold, and what ends frees its place in the quota.
	c, err := s.Counts(ctx)
	Must(t, err)
	if c != (sbomcat.Counts{Packages: 3, Versions: 5, ValidationsInProgress: 2}) {
		t.Errorf("counts after the bursts %+v, want 3 packages, 5 versions, 2 in progress", c)
	}
	WantCode(t, s.CreatePackage(ctx, &sbomcat.Package{Name: "over"}, 3), sbomcat.EQUOTA)
	for _, a := range pending {
		Must(t, s.RecordValidation(ctx, sbomcat.Validation{AssociationID: a.ID, PackageName: a.PackageName, VersionName: a.VersionName,
			Results: []sbomcat.FileResult{{FileName: "f", Result: sbomcat.ResultSucceeded}}}))
	}
	v := versions[0]
	Must(t, s.DeleteVersion(ctx, v.PackageName, v.VersionName))
	Must(t, s.CreateVersion(ctx, &sbomcat.PackageVersion{PackageName: v.PackageName, VersionName: "again"}, 5))
	WantCode(t, s.CreateVersion(ctx, &sbomcat.PackageVersion{PackageName: v.PackageName, VersionName: "over"}, 5), sbomcat.EQUOTA)
	_, err = s.Associate(ctx, association(v.PackageName, "again", "again.json"), 1)
	Must(t, err)
	c, err = s.Counts(ctx)
	Must(t, err)
	if c != (sbomcat.Counts{Packages: 3, Versions: 5, ValidationsInProgress: 1}) {
		t.Errorf("counts after deletes and validations %+v, want 3 packages, 5 versions, 1 in progress", c)
	}
}

// storm is the state shared by the storm's goroutines.
type storm struct {
	s      sbomcat.Store
	rounds atomic.Int64
}

func (st *storm) pick(r *rand.Rand) (string, string) {
	return stormPackages[r.IntN(len(stormPackages))], stormVersions[r.IntN(len(stormVersions))]
}

// round makes one random call on a shared name and checks that its error, if any, is one a
// client may get for it (never an internal error, never a quota with no limit).
func (st *storm) round(t *testing.T, ctx context.Context, r *rand.Rand) {
	s := st.s
	pkg, ver := st.pick(r)
	const (
		nf, conflict, invalid = sbomcat.ENOTFOUND, sbomcat.ECONFLICT, sbomcat.EINVALID
	)
	switch r.IntN(10) {
	case 0:
		appError(t, "CreatePackage", s.CreatePackage(ctx, &sbomcat.Package{Name: pkg}, sbomcat.NoLimit), conflict)
	case 1:
		appError(t, "DeletePackage", s.DeletePackage(ctx, pkg), invalid)
	case 2:
		appError(t, "CreateVersion", s.CreateVersion(ctx, &sbomcat.PackageVersion{PackageName: pkg, VersionName: ver}, sbomcat.NoLimit), nf, conflict)
	case 3:
		appError(t, "DeleteVersion", s.DeleteVersion(ctx, pkg, ver), invalid)
	case 4:
		_, err := s.UpdateVersion(ctx, pkg, ver, sbomcat.VersionUpdate{Action: sbomcat.ActionPublish})
		appError(t, "UpdateVersion", err, nf)
	case 5:
		_, err := s.UpdatePackage(ctx, pkg, sbomcat.PackageUpdate{DefaultVersion: &ver})
		appError(t, "UpdatePackage(default)", err, nf, conflict)
	case 6:
		_, err := s.UpdatePackage(ctx, pkg, sbomcat.PackageUpdate{UnsetDefaultVersion: true})
		appError(t, "UpdatePackage(unset)", err, nf)
	case 7:
		_, err := s.Associate(ctx, association(pkg, ver, fmt.Sprintf("%d.json", r.IntN(1000))), sbomcat.NoLimit)
		appError(t, "Associate", err, nf)
	case 8:
		appError(t, "Disassociate", s.Disassociate(ctx, pkg, ver), nf)
	case 9:
		st.validate(t, ctx, pkg, ver)
	}
	st.rounds.Add(1)
}

// validate does what the worker does: it records, for the version's current association,
// results that name that association, so that stale rows are recognisable afterwards.
func (st *storm) validate(t *testing.T, ctx context.Context, pkg, ver string) {
	v, err := st.s.GetVersion(ctx, pkg, ver)
	if err != nil || v.AssociationID == "" {
		appError(t, "GetVersion", err, sbomcat.ENOTFOUND)
		return
	}
	err = st.s.RecordValidation(ctx, resultsOf(v.AssociationID, pkg, ver))
	appError(t, "RecordValidation", err, sbomcat.ENOTFOUND, sbomcat.ECONFLICT)
}

// resultsOf is the validation the storm records for an association: its rows name it, and its
// status follows from it, so a row left by another association is recognisable.
func resultsOf(id, pkg, ver string) sbomcat.Validation {
	result := sbomcat.ResultSucceeded
	if id[0]%2 == 0 {
		result = sbomcat.ResultFailed
	}
	return sbomcat.Validation{AssociationID: id, PackageName: pkg, VersionName: ver,
		Results: []sbomcat.FileResult{{FileName: id + ".a", Result: result}, {FileName: id + ".b", Result: sbomcat.ResultSucceeded}}}
}

// testConcurrencyStorm: stormClients goroutines create, delete, publish, associate,
// disassociate, validate and set default versions on a few shared names for StormDuration;
// then every invariant is checked.
func testConcurrencyStorm(t *testing.T, s sbomcat.Store) {
	ctx := context.Background()
	st := &storm{s: s}
	deadline := time.Now().Add(StormDuration)
	var wg sync.WaitGroup
	for i := range stormClients {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(i), uint64(time.Now().UnixNano())))
			for time.Now().Before(deadline) && !t.Failed() {
				st.round(t, ctx, r)
			}
		})
	}
	wg.Wait()
	t.Logf("%d racing rounds by %d clients on %d packages x %d versions", st.rounds.Load(), stormClients, len(stormPackages), len(stormVersions))
	checkInvariants(t, s)

	// A package re-created after a delete has no versions and no default version.
	for _, pkg := range stormPackages {
		_, err := s.UpdatePackage(ctx, pkg, sbomcat.PackageUpdate{UnsetDefaultVersion: true})
		appError(t, "UpdatePackage", err, sbomcat.ENOTFOUND)
		for _, ver := range stormVersions {
			Must(t, s.DeleteVersion(ctx, pkg, ver))
		}
		Must(t, s.DeletePackage(ctx, pkg))
		createPackage(t, s, pkg)
		p, err := s.GetPackage(ctx, pkg)
		Must(t, err)
		l, err := s.ListVersions(ctx, pkg, "", sbomcat.PageRequest{})
		Must(t, err)
		if p.DefaultVersion != "" || len(l.Items) != 0 {
			t.Errorf("re-created package %s has default %q and %d versions", pkg, p.DefaultVersion, len(l.Items))
		}
	}
	checkInvariants(t, s)
}

// checkInvariants checks, through the Store interface only, what must hold after any storm:
// packages are listed exactly when they exist; no version outlives its package; a default
// version exists and is deployable; a version's results are its current association's only;
// the counts are what the listing shows.
func checkInvariants(t *testing.T, s sbomcat.Store) {
	t.Helper()
	ctx := context.Background()
	page, err := s.ListPackages(ctx, sbomcat.PageRequest{})
	Must(t, err)
	listed := map[string]bool{}
	var want sbomcat.Counts
	inProgress := map[string]bool{}
	for _, p := range page.Items {
		listed[p.Name] = true
		want.Packages++
	}
	for _, pkg := range stormPackages {
		p, err := s.GetPackage(ctx, pkg)
		appError(t, "GetPackage", err, sbomcat.ENOTFOUND)
		if (err == nil) != listed[pkg] {
			t.Errorf("package %s: GetPackage error %v, listed %v", pkg, err, listed[pkg])
		}
		if err != nil {
			for _, ver := range stormVersions {
				if _, err := s.GetVersion(ctx, pkg, ver); sbomcat.ErrCode(err) != sbomcat.ENOTFOUND {
					t.Errorf("version %s/%s of a missing package: GetVersion error %v, want ENOTFOUND", pkg, ver, err)
				}
			}
			continue
		}
		if p.DefaultVersion != "" {
			d, err := s.GetVersion(ctx, pkg, p.DefaultVersion)
			if err != nil || !d.Status.Deployable() {
				t.Errorf("package %s: default version %s does not exist or is not deployable: %v", pkg, p.DefaultVersion, err)
			}
		}
		l, err := s.ListVersions(ctx, pkg, "", sbomcat.PageRequest{})
		Must(t, err)
		for _, v := range l.Items {
			want.Versions++
			checkResults(t, s, v)
			if v.SBOMStatus == sbomcat.StatusInProgress {
				want.ValidationsInProgress++
				inProgress[v.AssociationID] = true
			}
		}
	}
	got, err := s.Counts(ctx)
	Must(t, err)
	if got != want {
		t.Errorf("Counts = %+v, the listing shows %+v", got, want)
	}
	pending, err := s.ListInProgress(ctx, 100)
	Must(t, err)
	for _, a := range pending {
		if !inProgress[a.ID] {
			t.Errorf("ListInProgress lists %s (%s/%s), not the current association of an IN_PROGRESS version", a.ID, a.PackageName, a.VersionName)
		}
	}
	if len(pending) != len(inProgress) {
		t.Errorf("ListInProgress lists %d associations, %d versions are IN_PROGRESS", len(pending), len(inProgress))
	}
}

// checkResults: a version's status and rows are what its current association got when
// validated alone (resultsOf); without an association there is neither.
func checkResults(t *testing.T, s sbomcat.Store, v sbomcat.PackageVersion) {
	t.Helper()
	rows := listResults(t, s, v.PackageName, v.VersionName, "", 0)
	name := v.PackageName + "/" + v.VersionName
	switch {
	case v.AssociationID == "":
		if v.SBOM != nil || v.SBOMStatus != "" || len(rows) != 0 {
			t.Errorf("%s without association: sbom %v, status %q, %d rows", name, v.SBOM, v.SBOMStatus, len(rows))
		}
	case v.SBOMStatus == sbomcat.StatusInProgress:
		if len(rows) != 0 {
			t.Errorf("%s IN_PROGRESS has %d rows (%v)", name, len(rows), rows)
		}
	default:
		want := resultsOf(v.AssociationID, v.PackageName, v.VersionName)
		if !slices.Equal(rows, want.Results) || v.SBOMStatus != sbomcat.RollUp(want.Results) {
			t.Errorf("%s: status %s rows %v, want %s %v", name, v.SBOMStatus, rows, sbomcat.RollUp(want.Results), want.Results)
		}
	}
}

// testIdempotencyExpiry: records older than the cut-off are purged, younger ones kept; the
// clock is injected through CreatedAt.
func testIdempotencyExpiry(t *testing.T, s sbomcat.Store) {
	ctx := context.Background()
	now := time.Now().Truncate(time.Millisecond)
	old := sbomcat.IdempotencyRecord{Operation: "CreatePackage", Token: "old", Fingerprint: "f", CreatedAt: now.Add(-sbomcat.IdempotencyRetention - time.Minute)}
	young := sbomcat.IdempotencyRecord{Operation: "CreatePackage", Token: "young", Fingerprint: "f", CreatedAt: now.Add(-sbomcat.IdempotencyRetention + time.Minute)}
	Must(t, s.PutIdempotency(ctx, old))
	Must(t, s.PutIdempotency(ctx, young))
	n, err := s.PurgeIdempotency(ctx, now.Add(-sbomcat.IdempotencyRetention))
	Must(t, err)
	if n != 1 {
		t.Errorf("PurgeIdempotency removed %d records, want 1", n)
	}
	_, err = s.GetIdempotency(ctx, "CreatePackage", "old")
	WantCode(t, err, sbomcat.ENOTFOUND)
	got, err := s.GetIdempotency(ctx, "CreatePackage", "young")
	Must(t, err)
	if !got.CreatedAt.Equal(young.CreatedAt) {
		t.Errorf("kept record created %v, want %v", got.CreatedAt, young.CreatedAt)
	}
}

// testAttempts: attempts are counted per association, in the store, and only while it is
// current and in progress; Associate counts the first when asked to.
func testAttempts(t *testing.T, s sbomcat.Store) {
	ctx := context.Background()
	createPackage(t, s, "p")
	createVersion(t, s, "p", "1", sbomcat.VersionDraft)
	a := association("p", "1", "a.json")
	_, err := s.BeginAttempt(ctx, association("p", "2", "a.json"))
	WantCode(t, err, sbomcat.ENOTFOUND)
	_, err = s.BeginAttempt(ctx, a)
	WantCode(t, err, sbomcat.ECONFLICT) // the version has no association yet
	_, err = s.Associate(ctx, a, sbomcat.NoLimit)
	Must(t, err)
	for want := 1; want <= 3; want++ {
		n, err := s.BeginAttempt(ctx, a)
		Must(t, err)
		if n != want {
			t.Errorf("attempt %d numbered %d", want, n)
		}
	}
	b := association("p", "1", "b.json")
	_, err = s.Associate(ctx, b, sbomcat.NoLimit)
	Must(t, err)
	_, err = s.BeginAttempt(ctx, a)
	WantCode(t, err, sbomcat.ECONFLICT)
	if n, err := s.BeginAttempt(ctx, b); err != nil || n != 1 {
		t.Errorf("first attempt of a new association: %d, %v; want 1", n, err)
	}
	Must(t, s.RecordValidation(ctx, resultsOf(b.ID, "p", "1")))
	_, err = s.BeginAttempt(ctx, b)
	WantCode(t, err, sbomcat.ECONFLICT)

	// An association whose first attempt it counts itself.
	c := association("p", "1", "c.json")
	c.FirstAttemptCounted = true
	_, err = s.Associate(ctx, c, sbomcat.NoLimit)
	Must(t, err)
	if n, err := s.BeginAttempt(ctx, c); err != nil || n != 2 {
		t.Errorf("attempt after one counted by Associate: %d, %v; want 2", n, err)
	}
}

// RacingRounds is how many times testRacingPairs races each pair of calls.
const RacingRounds = 100

// testRacingPairs races the two pairs of calls whose cross-item invariants a store without
// transactions is most likely to break: DeletePackage against CreateVersion (a version
// without its package) and UpdatePackage(default) against DeleteVersion (a default version
// that does not exist).
func testRacingPairs(t *testing.T, s sbomcat.Store) {
	ctx := context.Background()
	race := func(a, b func()) {
		var wg sync.WaitGroup
		wg.Go(a)
		wg.Go(b)
		wg.Wait()
	}
	orphans, dangling := 0, 0
	for i := range RacingRounds {
		pkg := fmt.Sprintf("o%d", i)
		createPackage(t, s, pkg)
		race(func() { appError(t, "DeletePackage", s.DeletePackage(ctx, pkg), sbomcat.EINVALID) },
			func() {
				err := s.CreateVersion(ctx, &sbomcat.PackageVersion{PackageName: pkg, VersionName: "1"}, sbomcat.NoLimit)
				appError(t, "CreateVersion", err, sbomcat.ENOTFOUND)
			})
		_, perr := s.GetPackage(ctx, pkg)
		_, verr := s.GetVersion(ctx, pkg, "1")
		if sbomcat.ErrCode(perr) == sbomcat.ENOTFOUND && verr == nil {
			orphans++
		}

		pkg = fmt.Sprintf("d%d", i)
		createPackage(t, s, pkg)
		createVersion(t, s, pkg, "1", sbomcat.VersionPublished)
		race(func() { appError(t, "DeleteVersion", s.DeleteVersion(ctx, pkg, "1"), sbomcat.EINVALID) },
			func() {
				def := "1"
				_, err := s.UpdatePackage(ctx, pkg, sbomcat.PackageUpdate{DefaultVersion: &def})
				appError(t, "UpdatePackage", err, sbomcat.ENOTFOUND)
			})
		p, err := s.GetPackage(ctx, pkg)
		Must(t, err)
		if _, err := s.GetVersion(ctx, pkg, "1"); p.DefaultVersion == "1" && err != nil {
			dangling++
		}
	}
	t.Logf("%d rounds of each pair: %d versions without their package, %d dangling default versions", RacingRounds, orphans, dangling)
	if orphans+dangling > 0 {
		t.Errorf("%d versions without their package, %d dangling default versions after %d racing rounds", orphans, dangling, RacingRounds)
	}
}
