package sbomcat

import (
	"context"
	"errors"
	"time"
)

// IdempotencyRetention is how long a clientToken record is kept: the 24 hours the API
// documents. Stores purge records older than that (see PurgeIdempotency).
const IdempotencyRetention = 24 * time.Hour

// ErrNotRecorded is wrapped by the error of a write that was made although the clientToken
// record carried with it could not be stored (see Store.AssociateRecorded).
var ErrNotRecorded = errors.New("clientToken record not stored")

// Store keeps the package catalog durably. The API serves it and the validation worker records
// results through it; sqlite.Store and dynamodb.Store implement it, and storetest.Run checks
// that they behave alike.
//
// Callers validate requests (the Validate methods in this package) before calling a Store; a
// Store enforces what depends on stored state: existence, uniqueness and lifecycle rules. Errors
// that callers may act on are *Error with the codes documented per method; anything else is
// internal.
type Store interface {
	// CreatePackage stores a new package with its tags, stamping CreatedAt/UpdatedAt.
	// ECONFLICT if a package of that name exists; EQUOTA if limit is not NoLimit and the
	// account already has limit packages. The check and the write are one atomic step.
	CreatePackage(ctx context.Context, p *Package, limit int) error
	// GetPackage returns the package with its tags. ENOTFOUND if it does not exist.
	GetPackage(ctx context.Context, name string) (*Package, error)
	// UpdatePackage applies u (see Package.Apply) and returns the updated package.
	// ENOTFOUND if the package, or the version named as default, does not exist; ECONFLICT if
	// that version is a DRAFT.
	UpdatePackage(ctx context.Context, name string, u PackageUpdate) (*Package, error)
	// DeletePackage deletes a package and its tags. Deleting a missing package succeeds.
	// EINVALID if the package still has versions.
	DeletePackage(ctx context.Context, name string) error
	// ListPackages returns packages ordered by name.
	// EINVALID if the page token was not issued by ListPackages.
	ListPackages(ctx context.Context, page PageRequest) (Page[Package], error)

	// CreateVersion stores a new DRAFT version with its tags, stamping the times and the status.
	// ENOTFOUND if the package does not exist; ECONFLICT if the version exists; EQUOTA if limit
	// is not NoLimit and the account already has limit versions (checked atomically).
	CreateVersion(ctx context.Context, v *PackageVersion, limit int) error
	// GetVersion returns the version with its tags. ENOTFOUND if it does not exist.
	GetVersion(ctx context.Context, pkg, version string) (*PackageVersion, error)
	// UpdateVersion applies u (see PackageVersion.Apply) and returns the updated version.
	// ENOTFOUND if the version does not exist; ECONFLICT if its status forbids the change.
	UpdateVersion(ctx context.Context, pkg, version string, u VersionUpdate) (*PackageVersion, error)
	// DeleteVersion deletes a version, its tags, SBOM association and results. Deleting a
	// missing version succeeds. EINVALID if it is the package's default version.
	DeleteVersion(ctx context.Context, pkg, version string) error
	// ListVersions returns the package's versions ordered by name, only those in status when
	// status is not "". ENOTFOUND if the package does not exist; EINVALID for a page token not
	// issued by the same list (same package and status).
	ListVersions(ctx context.Context, pkg string, status VersionStatus, page PageRequest) (Page[PackageVersion], error)

	// Associate makes a the version's current SBOM association: it sets the SBOM, status
	// IN_PROGRESS and the association id, and drops the previous association's results (even
	// while the previous one is still being validated). It returns the updated version.
	// ENOTFOUND if the version does not exist; EQUOTA if maxInFlight is not NoLimit, the
	// version is not already IN_PROGRESS (re-associating replaces work rather than adding
	// to it) and maxInFlight associations are IN_PROGRESS. Existence, quota and write are one
	// atomic step.
	Associate(ctx context.Context, a Association, maxInFlight int) (*PackageVersion, error)
	// AssociateRecorded is Associate that also stores the clientToken record r (as
	// PutIdempotency does), its Response set to the JSON encoding of the returned version, so
	// that the record exists if and only if the association was made. SQLite writes both in
	// one transaction (one write instead of two, on the API's busiest write); DynamoDB writes
	// the record right after the association: should that write fail, the association stands
	// and AssociateRecorded returns the version with an error wrapping ErrNotRecorded.
	// On any other error nothing is changed.
	AssociateRecorded(ctx context.Context, a Association, maxInFlight int, r IdempotencyRecord) (*PackageVersion, error)
	// Disassociate removes the version's SBOM, status and results. A version without an SBOM
	// is left unchanged. ENOTFOUND if the version does not exist.
	Disassociate(ctx context.Context, pkg, version string) error
	// RecordValidation stores v's per-file results and sets the version's SBOM status to
	// RollUp(v.Results), only if v.AssociationID is still the version's current association.
	// ECONFLICT if it is not (the association was superseded or removed: discard the results);
	// ENOTFOUND if the version no longer exists. Recording the same validation twice is
	// allowed while the association is current (a redelivered message).
	RecordValidation(ctx context.Context, v Validation) error
	// ListValidationResults returns the current association's per-file results ordered by file
	// name, only those with the given result when result is not "". ENOTFOUND if the version
	// does not exist; EINVALID for a page token not issued by the same list.
	ListValidationResults(ctx context.Context, pkg, version string, result ValidationResult, page PageRequest) (Page[FileResult], error)
	// ListInProgress returns up to limit current associations still IN_PROGRESS, oldest first,
	// so that a worker can recover work after a restart.
	ListInProgress(ctx context.Context, limit int) ([]Association, error)
	// BeginAttempt records that an attempt at validating a begins, before it begins, and
	// returns its number from 1, so that a maximum holds even when attempts end in a crash.
	// Associate starts the count afresh, at 1 when the association's FirstAttemptCounted is
	// set (BeginAttempt then numbers the next attempt 2), else at 0. ENOTFOUND if the version does not exist; ECONFLICT if
	// a is not its current association or is no longer IN_PROGRESS.
	BeginAttempt(ctx context.Context, a Association) (int, error)
	// Counts returns the numbers the quotas limit.
	Counts(ctx context.Context) (Counts, error)

	// EditTags changes a package's or version's tags in one atomic read-modify-write: edit
	// gets the current tags to change in place, and an error from it leaves them as they were
	// (AddTags and RemoveTags are the edits). ENOTFOUND if the resource does not exist.
	EditTags(ctx context.Context, id ResourceID, edit func(tags map[string]string) error) error
	// ListTags returns the resource's tags. ENOTFOUND if it does not exist.
	ListTags(ctx context.Context, id ResourceID) (map[string]string, error)

	// GetIdempotency returns the record for (operation, token), or ENOTFOUND.
	GetIdempotency(ctx context.Context, operation, token string) (*IdempotencyRecord, error)
	// PutIdempotency stores r, replacing any record with the same operation and token. A
	// store may drop the record IdempotencyRetention after r.CreatedAt (DynamoDB's TTL does).
	PutIdempotency(ctx context.Context, r IdempotencyRecord) error
	// PurgeIdempotency deletes the records created before cutoff and returns how many. Callers
	// must not honour an expired record that is not purged yet: they compare CreatedAt.
	PurgeIdempotency(ctx context.Context, cutoff time.Time) (int, error)

	// GetPackageConfiguration returns the account's configuration; the zero value if none was set.
	GetPackageConfiguration(ctx context.Context) (PackageConfiguration, error)
	// PutPackageConfiguration replaces the account's configuration.
	PutPackageConfiguration(ctx context.Context, c PackageConfiguration) error

	// Close releases the store's resources.
	Close() error
}
