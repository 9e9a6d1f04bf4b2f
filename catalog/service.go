// Package catalog is the package catalog's use cases: every operation of the AWS IoT Software
// Package Catalog (packages, versions and their lifecycle, SBOM association, validation results,
// package configuration, tags) as one method of Service, taking and returning domain types and
// sbomcat.Error codes. It owns what is more than one store call: clientToken idempotency, the
// account quotas it hands the store, association ids, and handing a new association to the
// validation queue after the store has committed it.
//
// It knows no wire format: the api package decodes requests, checks them against the AWS
// model, calls one method and renders the result; any other front end (a console, a CLI) calls
// the same methods.
package catalog

import (
	"context"
	"fmt"
	"log/slog"
	"path"
	"time"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/jobs"
)

// Enqueuer hands a new SBOM association to the validation worker's queue (SQS when deployed,
// queue.Local in sbomd). The worker calls Store.RecordValidation with the association's id when
// it is done.
type Enqueuer interface {
	Enqueue(ctx context.Context, a sbomcat.Association) error
}

// firstAttemptCounter is an Enqueuer that begins the first validation attempt of what it is
// handed in this process without counting it in the store (queue.Local): the association's own
// write counts it (sbomcat.Association.FirstAttemptCounted).
type firstAttemptCounter interface {
	Enqueuer
	CountsFirstAttempt()
}

// Defaults of Config's zero values.
const (
	DefaultMaxPackages            = 100
	DefaultMaxVersions            = 10000
	DefaultMaxInFlightValidations = 100
	DefaultIdempotencyTTL         = 24 * time.Hour
)

// Limits are the account quotas. Zero means the default, sbomcat.NoLimit (or any negative
// number) means none.
type Limits struct {
	Packages            int
	Versions            int
	InFlightValidations int
}

// Config configures a Service. Only Store is required.
type Config struct {
	Store sbomcat.Store
	// Queue receives every new association once the store has recorded it. Nil means no
	// worker is told: associations stay IN_PROGRESS in the store until a worker recovers them
	// (Store.ListInProgress).
	Queue  Enqueuer
	Limits Limits
	// IdempotencyTTL is how long a clientToken is remembered.
	IdempotencyTTL time.Duration
	// Now returns the current time (idempotency records, association times). Nil is time.Now.
	Now func() time.Time
	// NewID returns a fresh association id. Nil is sbomcat.NewID.
	NewID func() string
	// Logger receives what the service cannot tell its caller (a queue that refused an
	// association, an idempotency record not stored). Nil discards.
	Logger *slog.Logger
}

// Service is the package catalog's use cases on a Store.
type Service struct {
	cfg Config
}

// New returns a Service for cfg, with defaults for its zero values.
func New(cfg Config) *Service {
	cfg.Limits.Packages = limit(cfg.Limits.Packages, DefaultMaxPackages)
	cfg.Limits.Versions = limit(cfg.Limits.Versions, DefaultMaxVersions)
	cfg.Limits.InFlightValidations = limit(cfg.Limits.InFlightValidations, DefaultMaxInFlightValidations)
	if cfg.IdempotencyTTL == 0 {
		cfg.IdempotencyTTL = DefaultIdempotencyTTL
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.NewID == nil {
		cfg.NewID = sbomcat.NewID
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{cfg: cfg}
}

// limit resolves a configured quota: 0 is the default, any negative number no limit.
func limit(n, def int) int {
	switch {
	case n == 0:
		return def
	case n < 0:
		return sbomcat.NoLimit
	}
	return n
}

// Operation names, which key the idempotency records (as the AWS operations are named).
const (
	opCreatePackage        = "CreatePackage"
	opUpdatePackage        = "UpdatePackage"
	opDeletePackage        = "DeletePackage"
	opCreateVersion        = "CreatePackageVersion"
	opUpdateVersion        = "UpdatePackageVersion"
	opDeleteVersion        = "DeletePackageVersion"
	opAssociate            = "AssociateSbomWithPackageVersion"
	opDisassociate         = "DisassociateSbomFromPackageVersion"
	opUpdateConfiguration  = "UpdatePackageConfiguration"
	associationQueueFailed = "Validation could not be started: the validation queue refused the request. Associate the SBOM again to retry."
)

// Every method that changes the catalog takes a clientToken: "" means none; with one, a retry
// with the same token and the same parameters within IdempotencyTTL gets the first call's
// result without changing anything again, and the same token with other parameters is
// ECONFLICT (docs/behaviour.md, "Idempotency").

// CreatePackage stores a new package with its tags and returns it. EINVALID for a broken domain
// rule (reserved tag key, too many tags); ECONFLICT if it exists; EQUOTA at the package quota.
func (s *Service) CreatePackage(ctx context.Context, p sbomcat.Package, clientToken string) (*sbomcat.Package, error) {
	return create(s, ctx, opCreatePackage, clientToken, &p, s.cfg.Store.CreatePackage, s.cfg.Limits.Packages)
}

// GetPackage returns the package with its tags. ENOTFOUND if it does not exist.
func (s *Service) GetPackage(ctx context.Context, name string) (*sbomcat.Package, error) {
	return s.cfg.Store.GetPackage(ctx, name)
}

// ListPackages returns one page of packages ordered by name. EINVALID for a foreign page token.
func (s *Service) ListPackages(ctx context.Context, page sbomcat.PageRequest) (sbomcat.Page[sbomcat.Package], error) {
	return s.cfg.Store.ListPackages(ctx, page)
}

// UpdatePackage applies u and returns the updated package. ENOTFOUND if the package or the
// version named as default does not exist; ECONFLICT if that version is a DRAFT; EINVALID if u
// both names and unsets the default version.
func (s *Service) UpdatePackage(ctx context.Context, name string, u sbomcat.PackageUpdate, clientToken string) (*sbomcat.Package, error) {
	params := struct {
		Name   string
		Update sbomcat.PackageUpdate
	}{name, u}
	return idempotent(s, ctx, opUpdatePackage, clientToken, params, func() (*sbomcat.Package, error) {
		return s.cfg.Store.UpdatePackage(ctx, name, u)
	})
}

// DeletePackage deletes a package and its tags; a missing package is no error. EINVALID while
// the package has versions.
func (s *Service) DeletePackage(ctx context.Context, name string, clientToken string) error {
	_, err := idempotent(s, ctx, opDeletePackage, clientToken, name, func() (struct{}, error) {
		return struct{}{}, s.cfg.Store.DeletePackage(ctx, name)
	})
	return err
}

// CreateVersion stores a new DRAFT version with its tags and returns it. EINVALID for a broken
// domain rule (attribute size, tags); ENOTFOUND if the package does not exist; ECONFLICT if
// the version exists; EQUOTA at the version quota.
func (s *Service) CreateVersion(ctx context.Context, v sbomcat.PackageVersion, clientToken string) (*sbomcat.PackageVersion, error) {
	return create(s, ctx, opCreateVersion, clientToken, &v, s.cfg.Store.CreateVersion, s.cfg.Limits.Versions)
}

// GetVersion returns the version with its tags. ENOTFOUND if it does not exist.
func (s *Service) GetVersion(ctx context.Context, pkg, version string) (*sbomcat.PackageVersion, error) {
	return s.cfg.Store.GetVersion(ctx, pkg, version)
}

// ListVersions returns one page of the package's versions ordered by name, only those in
// status unless it is "". ENOTFOUND if the package does not exist; EINVALID for a foreign token.
func (s *Service) ListVersions(ctx context.Context, pkg string, status sbomcat.VersionStatus, page sbomcat.PageRequest) (sbomcat.Page[sbomcat.PackageVersion], error) {
	return s.cfg.Store.ListVersions(ctx, pkg, status, page)
}

// UpdateVersion applies u (see sbomcat.PackageVersion.Apply for the lifecycle) and returns the
// updated version. ENOTFOUND if it does not exist; ECONFLICT if its status forbids the change.
func (s *Service) UpdateVersion(ctx context.Context, pkg, version string, u sbomcat.VersionUpdate, clientToken string) (*sbomcat.PackageVersion, error) {
	if err := u.Validate(); err != nil {
		return nil, err
	}
	params := struct {
		Package, Version string
		Update           sbomcat.VersionUpdate
	}{pkg, version, u}
	return idempotent(s, ctx, opUpdateVersion, clientToken, params, func() (*sbomcat.PackageVersion, error) {
		return s.cfg.Store.UpdateVersion(ctx, pkg, version, u)
	})
}

// DeleteVersion deletes a version with its tags, SBOM association and results; a missing
// version is no error. EINVALID if it is the package's default version.
func (s *Service) DeleteVersion(ctx context.Context, pkg, version string, clientToken string) error {
	_, err := idempotent(s, ctx, opDeleteVersion, clientToken, [2]string{pkg, version}, func() (struct{}, error) {
		return struct{}{}, s.cfg.Store.DeleteVersion(ctx, pkg, version)
	})
	return err
}

// AssociateSBOM makes sbom the version's SBOM: the store records a new association (status
// IN_PROGRESS) in one atomic step with the existence and in-flight checks, and the association
// then goes to the queue. It returns the version as the association left it. EINVALID if sbom
// lacks bucket, key or version; ENOTFOUND if the version does not exist; EQUOTA at the
// in-flight quota. When the queue refuses the association, it is recorded as FAILED (so that it
// never stays IN_PROGRESS) and the error is internal.
func (s *Service) AssociateSBOM(ctx context.Context, pkg, version string, sbom sbomcat.S3Location, clientToken string) (*sbomcat.PackageVersion, error) {
	if err := sbomcat.ValidateSBOM(sbom); err != nil {
		return nil, err
	}
	params := struct {
		Package, Version string
		SBOM             sbomcat.S3Location
	}{pkg, version, sbom}
	return idempotentWith(s, ctx, opAssociate, clientToken, params, func(rec *sbomcat.IdempotencyRecord) (*sbomcat.PackageVersion, bool, error) {
		a := sbomcat.Association{ID: s.cfg.NewID(), PackageName: pkg, VersionName: version, SBOM: sbom, CreatedAt: s.cfg.Now()}
		_, a.FirstAttemptCounted = s.cfg.Queue.(firstAttemptCounter)
		var pv *sbomcat.PackageVersion
		var err error
		if a.Profile, err = s.packageProfile(ctx, pkg); err != nil {
			return nil, false, err
		}
		if rec != nil {
			// The record goes with the association: one store write instead of two.
			pv, err = s.cfg.Store.AssociateRecorded(ctx, a, s.cfg.Limits.InFlightValidations, *rec)
		} else {
			pv, err = s.cfg.Store.Associate(ctx, a, s.cfg.Limits.InFlightValidations)
		}
		if pv == nil {
			return nil, false, err
		}
		if s.cfg.Queue != nil {
			if qerr := s.cfg.Queue.Enqueue(ctx, a); qerr != nil {
				s.abandon(ctx, a, qerr)
				if rec != nil && err == nil {
					s.forget(ctx, rec) // a retry with the token must associate again
				}
				return nil, true, fmt.Errorf("enqueue association %s: %w", a.ID, qerr)
			}
		}
		return pv, true, err
	})
}

// packageProfile is the value of the package's sbomcat:profile tag, "" when it has none. It is
// read now and travels with the association, so that changing the tag later does not change a
// validation already queued. It is not parsed here: tag values are free text, and a name that
// is no profile fails the association's validation, with a message that names it.
func (s *Service) packageProfile(ctx context.Context, pkg string) (sbomcat.Profile, error) {
	tags, err := s.cfg.Store.ListTags(ctx, sbomcat.ResourceID{PackageName: pkg})
	if sbomcat.ErrCode(err) == sbomcat.ENOTFOUND {
		return "", nil // Associate says what is missing, as it always has
	}
	if err != nil {
		return "", err
	}
	return sbomcat.Profile(tags[sbomcat.TagProfile]), nil
}

// abandon ends an association that could not be queued as FAILED, so that no association
// stays IN_PROGRESS forever (docs/behaviour.md, "SBOM association").
func (s *Service) abandon(ctx context.Context, a sbomcat.Association, cause error) {
	res := sbomcat.FileResult{FileName: path.Base(a.SBOM.Key), Result: sbomcat.ResultFailed, ErrorMessage: associationQueueFailed}
	err := s.cfg.Store.RecordValidation(ctx, sbomcat.Validation{AssociationID: a.ID, PackageName: a.PackageName, VersionName: a.VersionName, Results: []sbomcat.FileResult{res}})
	s.cfg.Logger.Error("association not queued", "association_id", a.ID, "error", cause.Error(), "recorded_failure", err == nil)
}

// DisassociateSBOM removes the version's SBOM, status and results. ENOTFOUND if the version
// does not exist.
func (s *Service) DisassociateSBOM(ctx context.Context, pkg, version string, clientToken string) error {
	_, err := idempotent(s, ctx, opDisassociate, clientToken, [2]string{pkg, version}, func() (struct{}, error) {
		return struct{}{}, s.cfg.Store.Disassociate(ctx, pkg, version)
	})
	return err
}

// ListValidationResults returns one page of the current association's per-file results
// ordered by file name, only those with result unless it is "". ENOTFOUND if the version does
// not exist; EINVALID for a foreign page token.
func (s *Service) ListValidationResults(ctx context.Context, pkg, version string, result sbomcat.ValidationResult, page sbomcat.PageRequest) (sbomcat.Page[sbomcat.FileResult], error) {
	return s.cfg.Store.ListValidationResults(ctx, pkg, version, result, page)
}

// GetPackageConfiguration returns the account's package configuration.
func (s *Service) GetPackageConfiguration(ctx context.Context) (sbomcat.PackageConfiguration, error) {
	return s.cfg.Store.GetPackageConfiguration(ctx)
}

// UpdatePackageConfiguration applies u to the account's package configuration and returns the
// result. Members u does not give are left as they are.
func (s *Service) UpdatePackageConfiguration(ctx context.Context, u sbomcat.PackageConfigurationUpdate, clientToken string) (sbomcat.PackageConfiguration, error) {
	return idempotent(s, ctx, opUpdateConfiguration, clientToken, u, func() (sbomcat.PackageConfiguration, error) {
		c, err := s.cfg.Store.GetPackageConfiguration(ctx)
		if err != nil {
			return c, err
		}
		c.Apply(u)
		return c, s.cfg.Store.PutPackageConfiguration(ctx, c)
	})
}

// TagResource adds or overwrites tags on a package or version. EINVALID for a reserved key or
// when the resource would carry more than sbomcat.MaxTags tags; ENOTFOUND if it does not exist.
func (s *Service) TagResource(ctx context.Context, id sbomcat.ResourceID, tags map[string]string) error {
	if err := sbomcat.ValidateTags(tags); err != nil {
		return err
	}
	return sbomcat.AddTags(ctx, s.cfg.Store, id, tags)
}

// UntagResource removes the tag keys; absent keys are ignored. ENOTFOUND if the resource does
// not exist.
func (s *Service) UntagResource(ctx context.Context, id sbomcat.ResourceID, keys []string) error {
	return sbomcat.RemoveTags(ctx, s.cfg.Store, id, keys)
}

// ListTags returns the resource's tags. ENOTFOUND if it does not exist.
func (s *Service) ListTags(ctx context.Context, id sbomcat.ResourceID) (map[string]string, error) {
	return s.cfg.Store.ListTags(ctx, id)
}

// Store is what a deployment keeps in its one database: the package catalog and the jobs that
// deploy its versions. sqlite.Store and dynamodb.Store are both; the binaries open one and hand
// it to New and to the API's jobs.
type Store interface {
	sbomcat.Store
	jobs.Store
}

// create checks v's domain rules, then stores it with store under the quota limit, once per
// clientToken, and returns it as stored.
func create[T any, PT interface {
	*T
	Validate() error
}](s *Service, ctx context.Context, op, clientToken string, v PT, store func(context.Context, PT, int) error, limit int) (*T, error) {
	if err := v.Validate(); err != nil {
		return nil, err
	}
	return idempotent(s, ctx, op, clientToken, *v, func() (*T, error) {
		if err := store(ctx, v, limit); err != nil {
			return nil, err
		}
		return v, nil
	})
}
