// Package jobs is the subset of AWS IoT Jobs that deploys package versions: CreateJob,
// DescribeJob, GetJobDocument, ListJobs and DeleteJob, with the package placeholders of the
// job document (docs/behaviour.md, "Jobs").
//
// A job keeps two views. What the caller submitted (the document and destinationPackageVersions
// exactly as given) is returned when beforeSubstitution is true. What CreateJob resolved, once
// (attribute placeholders, $default and the empty package::version:: form), is returned
// otherwise; its artifact presigned-URL placeholders are turned into fresh presigned S3 URLs at
// every GetJobDocument, because a URL signed at creation would expire while the job runs.
//
// Every refusal of a request is an *sbomcat.Error: EINVALID for the request and its document
// (the edge maps it to InvalidRequestException for these operations), ENOTFOUND for an unknown
// job, ECONFLICT for a duplicate job id (ResourceAlreadyExistsException) and EINVALIDSTATE for
// deleting a running job without force (InvalidStateTransitionException).
package jobs

import (
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/sbomcat/sbomcat"
)

// EINVALIDSTATE is the application error code for a change the job's status does not allow:
// deleting an IN_PROGRESS job without force. The root package has no such code because no
// catalog operation needs one; the edge maps it to InvalidStateTransitionException (409).
const EINVALIDSTATE = "invalid_state_transition"

// Limits from the AWS IoT model (botocore iot 2015-05-28) and docs/behaviour.md, "Jobs".
const (
	MaxJobIDLen           = 64    // JobId
	MaxDocumentLen        = 32768 // JobDocument, in characters
	MaxDescriptionLen     = 2028  // JobDescription
	MaxDestinations       = 25    // destinationPackageVersions, CreateJob doc
	MinExpiresInSec       = 60    // ExpiresInSec
	MaxExpiresInSec       = 3600  // ExpiresInSec
	DefaultExpiresInSec   = 3600  // docs/behaviour.md, "Jobs"
	DefaultListMaxResults = 100   // as every list here: docs/behaviour.md, "Lists and pages"
	MaxListMaxResults     = 250   // LaserMaxResults
)

// Status is a job's status (AWS JobStatus). This server's jobs are always IN_PROGRESS: nothing
// runs them to completion, and there is no CancelJob.
type Status string

const (
	StatusInProgress Status = "IN_PROGRESS"
	StatusCanceled   Status = "CANCELED"
	StatusCompleted  Status = "COMPLETED"
)

// TargetSelection is AWS TargetSelection; this server's jobs are SNAPSHOT, AWS's default.
type TargetSelection string

const (
	TargetSelectionSnapshot   TargetSelection = "SNAPSHOT"
	TargetSelectionContinuous TargetSelection = "CONTINUOUS"
)

// PresignedURLConfig is AWS PresignedUrlConfig. In a CreateRequest a nil ExpiresInSec means
// "not given"; in a stored Job it always holds the effective value (DefaultExpiresInSec when
// the caller gave none), which is what DescribeJob shows.
type PresignedURLConfig struct {
	// RoleARN is required for artifact placeholders. This server does not assume it: URLs are
	// signed with the credentials of the S3 client the Presigner was built with.
	RoleARN      string
	ExpiresInSec *int64
}

// Expires returns how long a presigned URL of this job is valid.
func (c *PresignedURLConfig) Expires() time.Duration {
	if c == nil || c.ExpiresInSec == nil {
		return DefaultExpiresInSec * time.Second
	}
	return time.Duration(*c.ExpiresInSec) * time.Second
}

// Job is a job of the subset: the request as submitted, AWS's defaults for what the subset does
// not set, and what CreateJob resolved.
type Job struct {
	ID          string
	Description string
	// Document is the job document exactly as submitted (GetJobDocument with
	// beforeSubstitution=true).
	Document string
	// DestinationPackageVersions are the version ARNs exactly as submitted, $default and $null
	// included (DescribeJob with beforeSubstitution=true).
	DestinationPackageVersions []string
	PresignedURLConfig         *PresignedURLConfig
	// Targets are stored as given; this server has no things or thing groups to check them
	// against.
	Targets         []string
	Status          Status
	TargetSelection TargetSelection
	CreatedAt       time.Time
	LastUpdatedAt   time.Time

	// Resolved is what CreateJob resolved once; a later change of a package's default version
	// does not change it (docs/behaviour.md, "Jobs").
	Resolved Resolution
}

// Resolution is the substituted view of a job, computed at CreateJob.
type Resolution struct {
	// Document has every attribute placeholder replaced and every artifact placeholder
	// rewritten to its canonical form with concrete names
	// (${aws:iot:package:<pkg>:version:<ver>:artifact-location:s3-presigned-url}); Artifacts
	// say where those are. Render turns it into what GetJobDocument returns.
	Document string
	// DestinationPackageVersions are the submitted ARNs with $default replaced by the version
	// it named at creation; $null stays (DescribeJob's default view).
	DestinationPackageVersions []string
	// Artifacts are the artifact placeholders of Document in increasing Start order. They are
	// recorded by position rather than found again by scanning, because a substituted
	// attribute value may itself contain text that looks like a placeholder.
	Artifacts []Artifact
}

// Artifact is one artifact presigned-URL placeholder of a resolved document.
type Artifact struct {
	// Start and End are the byte offsets of the placeholder in Resolution.Document.
	Start, End  int
	PackageName string
	VersionName string
	// Location is the version's artifact as it was at creation. Artifacts of PUBLISHED and
	// DEPRECATED versions cannot change, so this is also the artifact now.
	Location sbomcat.S3Location
}

// DestinationsView returns DescribeJob's destinationPackageVersions: as submitted when
// beforeSubstitution is true, resolved otherwise.
func (j *Job) DestinationsView(beforeSubstitution bool) []string {
	if beforeSubstitution {
		return j.DestinationPackageVersions
	}
	return j.Resolved.DestinationPackageVersions
}

// Summary is a job as ListJobs shows it (AWS JobSummary).
type Summary struct {
	ID              string
	Status          Status
	TargetSelection TargetSelection
	CreatedAt       time.Time
	LastUpdatedAt   time.Time
}

// Summary returns the job's list entry.
func (j *Job) Summary() Summary {
	return Summary{ID: j.ID, Status: j.Status, TargetSelection: j.TargetSelection, CreatedAt: j.CreatedAt, LastUpdatedAt: j.LastUpdatedAt}
}

// ARN returns the job's ARN, arn:<partition>:iot:<region>:<account>:job/<jobId> (the model's
// documentation of Job.jobArn).
func ARN(s sbomcat.Scope, jobID string) string {
	return fmt.Sprintf("arn:%s:iot:%s:%s:job/%s", s.Partition, s.Region, s.Account, jobID)
}

// CreateRequest is CreateJob's request, restricted to the subset this server implements.
type CreateRequest struct {
	JobID string
	// Document is the inline job document; it is required because this server does not fetch
	// documents from S3.
	Document string
	// DocumentSource is refused when set: see Document.
	DocumentSource             string
	DestinationPackageVersions []string
	PresignedURLConfig         *PresignedURLConfig
	Targets                    []string
	Description                string
	// TargetSelection "" means SNAPSHOT, AWS's default. CONTINUOUS is refused: this server has
	// no thing groups whose later members a continuous job would reach.
	TargetSelection TargetSelection
}

// Validate checks the rules of this server's jobs, whatever front end the request came
// through, in the domain's words. The wire model's constraints (lengths, patterns, enums,
// required members) are the API edge's, checked before this (docs/behaviour.md, "Jobs"); rules
// that need the catalog or the document's placeholders are checked by Service.Create after this.
func (r *CreateRequest) Validate() error {
	if err := checkJobID(r.JobID); err != nil {
		return err
	}
	switch n := utf8.RuneCountInString(r.Document); {
	case r.DocumentSource != "":
		return sbomcat.Errorf(sbomcat.EINVALID, "documentSource is not supported by this server; give the job document inline in document.")
	case r.Document == "":
		return sbomcat.Errorf(sbomcat.EINVALID, "A job needs its document inline in document: this server does not fetch job documents.")
	case n > MaxDocumentLen:
		return sbomcat.Errorf(sbomcat.EINVALID, "The job document has %d characters; the limit is %d.", n, MaxDocumentLen)
	}
	switch r.TargetSelection {
	case "", TargetSelectionSnapshot:
	case TargetSelectionContinuous:
		return sbomcat.Errorf(sbomcat.EINVALID, "targetSelection CONTINUOUS is not supported by this server; its jobs are SNAPSHOT.")
	default:
		return sbomcat.Errorf(sbomcat.EINVALID, "targetSelection %q is neither SNAPSHOT nor CONTINUOUS.", r.TargetSelection)
	}
	if n := len(r.DestinationPackageVersions); n > MaxDestinations {
		return sbomcat.Errorf(sbomcat.EINVALID, "A job deploys at most %d package versions; destinationPackageVersions names %d.", MaxDestinations, n)
	}
	if c := r.PresignedURLConfig; c != nil {
		if e := c.ExpiresInSec; e != nil && (*e < MinExpiresInSec || *e > MaxExpiresInSec) {
			return sbomcat.Errorf(sbomcat.EINVALID, "presignedUrlConfig.expiresInSec is %d; presigned URLs last %d to %d seconds.", *e, MinExpiresInSec, MaxExpiresInSec)
		}
	}
	return nil
}

// checkJobID checks a job id: 1 to 64 letters, digits, '_' and '-', as it appears in the job's
// ARN and keys its record.
func checkJobID(id string) error {
	if id == "" || utf8.RuneCountInString(id) > MaxJobIDLen || !onlyOf(id, "_-") {
		return sbomcat.Errorf(sbomcat.EINVALID, "The job id %q is not 1 to %d letters, digits, '_' and '-'.", id, MaxJobIDLen)
	}
	return nil
}

// NotFound is the ENOTFOUND error for an unknown job; stores return it so that every store
// says the same thing.
func NotFound(jobID string) error {
	return sbomcat.Errorf(sbomcat.ENOTFOUND, "Job %s does not exist.", jobID)
}

// AlreadyExists is the ECONFLICT error for a duplicate job id, with the id as ResourceID
// (ResourceAlreadyExistsException.resourceId); stores return it.
func AlreadyExists(jobID string) error {
	return sbomcat.Conflictf(jobID, "Job %s already exists.", jobID)
}
