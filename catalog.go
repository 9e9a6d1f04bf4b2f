package sbomcat

import (
	"context"
	"crypto/rand"
	"maps"
	"time"
)

// Package is a software package (AWS IoT CreatePackage / GetPackage).
type Package struct {
	Name        string
	Description string
	// DefaultVersion names the package's default version; "" means none.
	DefaultVersion string
	// Tags are the resource tags; CreatePackage stores the ones given, Get returns them.
	Tags      map[string]string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// PackageUpdate is UpdatePackage's request. Nil pointers leave the field unchanged.
type PackageUpdate struct {
	Description *string
	// DefaultVersion, when set, must name a PUBLISHED or DEPRECATED version of the package.
	DefaultVersion      *string
	UnsetDefaultVersion bool
}

// VersionStatus is a package version's lifecycle state (AWS PackageVersionStatus).
type VersionStatus string

const (
	VersionDraft      VersionStatus = "DRAFT"
	VersionPublished  VersionStatus = "PUBLISHED"
	VersionDeprecated VersionStatus = "DEPRECATED"
)

// VersionStatuses lists the statuses in the model's order, for validation messages.
var VersionStatuses = []VersionStatus{VersionDraft, VersionPublished, VersionDeprecated}

// VersionAction is a lifecycle action of UpdatePackageVersion (AWS PackageVersionAction).
type VersionAction string

const (
	ActionPublish   VersionAction = "PUBLISH"
	ActionDeprecate VersionAction = "DEPRECATE"
)

// Next returns the status that follows action a in status s. The lifecycle is
//
//	DRAFT --PUBLISH--> PUBLISHED --DEPRECATE--> DEPRECATED --PUBLISH--> PUBLISHED
//
// PUBLISH on PUBLISHED and DEPRECATE on DEPRECATED change nothing (docs/behaviour.md, "Errors");
// DEPRECATE on a DRAFT is refused with ECONFLICT because a draft can only be published or deleted.
func (s VersionStatus) Next(a VersionAction) (VersionStatus, error) {
	switch {
	case a == ActionPublish && (s == VersionDraft || s == VersionPublished || s == VersionDeprecated):
		return VersionPublished, nil
	case a == ActionDeprecate && (s == VersionPublished || s == VersionDeprecated):
		return VersionDeprecated, nil
	case a == ActionDeprecate && s == VersionDraft:
		return s, Errorf(ECONFLICT, "A package version in %s status cannot be deprecated; publish it first or delete it.", s)
	}
	return s, Errorf(EINVALID, "Unknown lifecycle action %q for a package version in %s status.", a, s)
}

// Deployable reports whether a version in this status may be a package's default version
// (and be deployed by jobs): PUBLISHED or DEPRECATED, never DRAFT.
func (s VersionStatus) Deployable() bool {
	return s == VersionPublished || s == VersionDeprecated
}

// S3Location is an object in S3 (AWS S3Location). Version is the S3 object version id.
type S3Location struct {
	Bucket  string
	Key     string
	Version string
}

// PackageVersion is a version of a package (AWS IoT CreatePackageVersion / GetPackageVersion).
type PackageVersion struct {
	PackageName string
	VersionName string
	Description string
	Attributes  map[string]string
	Artifact    *S3Location
	Recipe      string
	Status      VersionStatus
	ErrorReason string
	Tags        map[string]string

	// SBOM is the associated SBOM object, nil when none is associated.
	SBOM *S3Location
	// SBOMStatus is the validation status of SBOM; "" when none is associated.
	SBOMStatus ValidationStatus
	// AssociationID identifies the current association; results recorded for any other id are
	// discarded (docs/behaviour.md, "Validation status"). "" when no SBOM is associated.
	AssociationID string

	CreatedAt time.Time
	UpdatedAt time.Time
}

// VersionUpdate is UpdatePackageVersion's request. Nil fields are left unchanged; a non-nil
// Attributes replaces the whole map.
type VersionUpdate struct {
	Description *string
	Attributes  map[string]string
	Artifact    *S3Location
	Action      VersionAction
	Recipe      *string
}

// Apply changes v as u asks, or returns ECONFLICT when v's status forbids it: attributes and
// artifact can change only while the version is a DRAFT; description and recipe always.
func (v *PackageVersion) Apply(u VersionUpdate, now time.Time) error {
	if v.Status != VersionDraft {
		if u.Attributes != nil {
			return Errorf(ECONFLICT, "Attributes of a package version can be updated only in DRAFT status; %s/%s is %s.", v.PackageName, v.VersionName, v.Status)
		}
		if u.Artifact != nil {
			return Errorf(ECONFLICT, "The artifact of a package version can be updated only in DRAFT status; %s/%s is %s.", v.PackageName, v.VersionName, v.Status)
		}
	}
	next := v.Status
	if u.Action != "" {
		var err error
		if next, err = v.Status.Next(u.Action); err != nil {
			return err
		}
	}
	if u.Description != nil {
		v.Description = *u.Description
	}
	if u.Attributes != nil {
		v.Attributes = u.Attributes
	}
	if u.Artifact != nil {
		a := *u.Artifact
		v.Artifact = &a
	}
	if u.Recipe != nil {
		v.Recipe = *u.Recipe
	}
	v.Status = next
	v.UpdatedAt = now
	return nil
}

// Apply changes p as u asks. def is the version u.DefaultVersion names, nil when that version
// does not exist; it is ignored when u sets no default version.
func (p *Package) Apply(u PackageUpdate, def *PackageVersion, now time.Time) error {
	if u.DefaultVersion != nil && u.UnsetDefaultVersion {
		return Errorf(EINVALID, "You cannot name a defaultVersionName and set unsetDefaultVersion equal to true at the same time.")
	}
	if u.DefaultVersion != nil {
		if def == nil {
			return Errorf(ENOTFOUND, "Package version %s/%s does not exist.", p.Name, *u.DefaultVersion)
		}
		if !def.Status.Deployable() {
			return Errorf(ECONFLICT, "Package version %s/%s is %s; only a PUBLISHED or DEPRECATED version can be the default version.", p.Name, def.VersionName, def.Status)
		}
		p.DefaultVersion = def.VersionName
	}
	if u.UnsetDefaultVersion {
		p.DefaultVersion = ""
	}
	if u.Description != nil {
		p.Description = *u.Description
	}
	p.UpdatedAt = now
	return nil
}

// Association is one association of an SBOM with a package version: the unit of work the
// validation worker receives. A new association replaces the previous one (docs/behaviour.md,
// "Validation status").
type Association struct {
	// ID is unique per association (see NewID); the worker hands it back with the results.
	ID          string
	PackageName string
	VersionName string
	SBOM        S3Location
	CreatedAt   time.Time
	// Profile is the validation profile the package's sbomcat:profile tag named when the
	// association was made, as written (it is checked when validated, not here); "" when the
	// package had no such tag, and the validator's own profile applies.
	Profile Profile
	// FirstAttemptCounted makes Store.Associate count the first validation attempt with the
	// association itself. It is set when the queue the association goes to begins that attempt
	// in the same process without counting it (queue.Local): one write fewer per association.
	FirstAttemptCounted bool
}

// InitialAttempts is the attempt count Store.Associate starts a's count at: 1 when a's
// FirstAttemptCounted is set, else 0.
func (a Association) InitialAttempts() int {
	if a.FirstAttemptCounted {
		return 1
	}
	return 0
}

// Validation is the outcome of validating one association's SBOM: the per-file results, whose
// RollUp becomes the version's SBOM status.
type Validation struct {
	AssociationID string
	PackageName   string
	VersionName   string
	Results       []FileResult
}

// ResourceID names a taggable resource: a package, or a package version when VersionName is set.
type ResourceID struct {
	PackageName string
	VersionName string
}

// IdempotencyRecord remembers the response to a request made with a clientToken, so that a
// retry with the same token and parameters gets the same response (docs/behaviour.md,
// "Idempotency").
type IdempotencyRecord struct {
	Operation string
	Token     string
	// Fingerprint identifies the request's parameters; the same token with another fingerprint
	// is a conflict.
	Fingerprint string
	// Response is the serialised result that the first request got (the catalog service's
	// own encoding of its domain result; no wire format).
	Response  []byte
	CreatedAt time.Time
}

// PackageConfiguration is the account's package configuration (Get/UpdatePackageConfiguration).
type PackageConfiguration struct {
	VersionUpdateByJobsEnabled bool
	VersionUpdateByJobsRoleARN string
}

// PackageConfigurationUpdate is UpdatePackageConfiguration's request. Nil fields are left as
// they are.
type PackageConfigurationUpdate struct {
	VersionUpdateByJobsEnabled *bool
	VersionUpdateByJobsRoleARN *string
}

// Apply changes c as u asks.
func (c *PackageConfiguration) Apply(u PackageConfigurationUpdate) {
	if u.VersionUpdateByJobsEnabled != nil {
		c.VersionUpdateByJobsEnabled = *u.VersionUpdateByJobsEnabled
	}
	if u.VersionUpdateByJobsRoleARN != nil {
		c.VersionUpdateByJobsRoleARN = *u.VersionUpdateByJobsRoleARN
	}
}

// NoLimit, given as a Store's quota limit, turns the quota off.
const NoLimit = -1

// Counts are the numbers that the account quotas limit.
type Counts struct {
	Packages int
	Versions int
	// ValidationsInProgress counts versions whose SBOM status is IN_PROGRESS (docs/behaviour.md,
	// "Association").
	ValidationsInProgress int
}

// DefaultMaxResults is the page size of every list operation when the caller gives none, and
// the largest one allowed (docs/behaviour.md, "Lists and pages").
const DefaultMaxResults = 100

// PageRequest asks for one page of a list. MaxResults 0 means DefaultMaxResults; NextToken ""
// means the first page.
type PageRequest struct {
	MaxResults int
	NextToken  string
}

// Start decodes r's NextToken, issued by EncodePageToken for list, into cursor, where a
// store's page starts. The first page (no token) leaves cursor as it is.
func (r PageRequest) Start(list string, cursor any) error {
	if r.NextToken == "" {
		return nil
	}
	return DecodePageToken(r.NextToken, list, cursor)
}

// Limit returns the page size to use.
func (r PageRequest) Limit() int {
	if r.MaxResults <= 0 || r.MaxResults > DefaultMaxResults {
		return DefaultMaxResults
	}
	return r.MaxResults
}

// Page is one page of a list in a stable order; NextToken is "" on the last page.
type Page[T any] struct {
	Items     []T
	NextToken string
}

// NewID returns a fresh random identifier (128 bits of entropy), used for association ids.
func NewID() string { return rand.Text() }

// AddTags adds or overwrites tags on the resource id of s (TagResource), refusing a result
// with more than MaxTags tags. ENOTFOUND if the resource does not exist.
func AddTags(ctx context.Context, s Store, id ResourceID, tags map[string]string) error {
	return s.EditTags(ctx, id, func(m map[string]string) error {
		maps.Copy(m, tags)
		if len(m) > MaxTags {
			return Errorf(EINVALID, "A resource can have at most %d tags; this request would leave %d.", MaxTags, len(m))
		}
		return nil
	})
}

// RemoveTags removes keys from the tags of the resource id of s (UntagResource); absent keys
// are ignored. ENOTFOUND if the resource does not exist.
func RemoveTags(ctx context.Context, s Store, id ResourceID, keys []string) error {
	return s.EditTags(ctx, id, func(m map[string]string) error {
		for _, k := range keys {
			delete(m, k)
		}
		return nil
	})
}

// Quota names an account limit that a Store enforces.
type Quota string

const (
	QuotaPackages Quota = "packages"
	QuotaVersions Quota = "package versions"
	QuotaInFlight Quota = "ongoing SBOM validation workflows"
)

// QuotaExceeded is the EQUOTA error a Store returns when a create would pass limit.
func QuotaExceeded(q Quota, limit int) error {
	if q == QuotaInFlight {
		return Errorf(EQUOTA, "Too many ongoing SBOM validation workflows. Please wait and retry")
	}
	return Errorf(EQUOTA, "The quota of %d %s per account is reached.", limit, q)
}
