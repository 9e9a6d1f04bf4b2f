// Package jobs is the subset of AWS IoT Jobs that deploys package versions: CreateJob,
// DescribeJob, GetJobDocument, ListJobs and DeleteJob, with the package placeholders of the
// job document (spec §4, decisions items 18–20).
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
	"regexp"
	"time"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/api/constraint"
)

// EINVALIDSTATE is the application error code for a change the job's status does not allow:
// deleting an IN_PROGRESS job without force. The root package has no such code because no
// catalog operation needs one; the edge maps it to InvalidStateTransitionException (409).
const EINVALIDSTATE = "invalid_state_transition"

// Limits from the AWS IoT model (botocore iot 2015-05-28) and spec §4.
const (
	MaxJobIDLen           = 64    // JobId
	MaxDocumentLen        = 32768 // JobDocument, in characters
	MaxDescriptionLen     = 2028  // JobDescription
	MaxDestinations       = 25    // destinationPackageVersions, CreateJob doc
	MaxTargetARNLen       = 2048  // TargetArn
	MinExpiresInSec       = 60    // ExpiresInSec
	MaxExpiresInSec       = 3600  // ExpiresInSec
	DefaultExpiresInSec   = 3600  // decisions item 19
	DefaultListMaxResults = 100   // as every other list of this service (decisions item 14)
	MaxListMaxResults     = 250   // LaserMaxResults
)

var (
	jobIDPattern       = regexp.MustCompile(`^[a-zA-Z0-9_-]+$`)
	descriptionPattern = regexp.MustCompile(`^[^\p{C}]+$`)
	versionARNPattern  = regexp.MustCompile(`^arn:[!-~]+$`)
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
	// does not change it (decisions item 19).
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

// Validate checks the request's shape against the model: the members' lengths, patterns and
// counts. Rules that need the catalog or the document's placeholders are checked by
// Service.Create after this.
func (r *CreateRequest) Validate() error {
	var v constraint.Violations
	ValidateJobID(&v, r.JobID)
	if r.DocumentSource != "" {
		v.Addf("documentSource is not supported by this server; give the job document inline in document")
	}
	if r.Document == "" {
		v.Required("document")
	} else {
		// Sensitive: a 32 KB document has no place in an error message.
		v.Length("document", r.Document, 0, MaxDocumentLen, true)
	}
	if r.Description != "" {
		v.Length("description", r.Description, 0, MaxDescriptionLen, true)
		if !descriptionPattern.MatchString(r.Description) {
			v.Add("description", nil, `Member must satisfy regular expression pattern: [^\p{C}]+`)
		}
	}
	if len(r.Targets) == 0 {
		v.Add("targets", nil, "Member must have length greater than or equal to 1")
	}
	for i, t := range r.Targets {
		v.Length(fmt.Sprintf("targets.%d.member", i+1), t, 0, MaxTargetARNLen, false)
	}
	switch r.TargetSelection {
	case "", TargetSelectionSnapshot:
	case TargetSelectionContinuous:
		v.Addf("targetSelection CONTINUOUS is not supported by this server; its jobs are SNAPSHOT")
	default:
		v.Enum("targetSelection", string(r.TargetSelection), string(TargetSelectionContinuous), string(TargetSelectionSnapshot))
	}
	if len(r.DestinationPackageVersions) > MaxDestinations {
		v.Add("destinationPackageVersions", nil, fmt.Sprintf("Member must have length less than or equal to %d", MaxDestinations))
	}
	for i, arn := range r.DestinationPackageVersions {
		field := fmt.Sprintf("destinationPackageVersions.%d.member", i+1)
		v.Length(field, arn, 1, constraint.PackageVersionArn.Max, false)
		if arn != "" && !versionARNPattern.MatchString(arn) {
			v.Add(field, &arn, "Member must satisfy regular expression pattern: ^arn:[!-~]+$")
		}
	}
	if c := r.PresignedURLConfig; c != nil {
		if c.RoleARN != "" {
			v.Length("presignedUrlConfig.roleArn", c.RoleARN, constraint.RoleArn.Min, constraint.RoleArn.Max, false)
		}
		if e := c.ExpiresInSec; e != nil && (*e < MinExpiresInSec || *e > MaxExpiresInSec) {
			s := fmt.Sprint(*e)
			if *e < MinExpiresInSec {
				v.Add("presignedUrlConfig.expiresInSec", &s, fmt.Sprintf("Member must have value greater than or equal to %d", MinExpiresInSec))
			} else {
				v.Add("presignedUrlConfig.expiresInSec", &s, fmt.Sprintf("Member must have value less than or equal to %d", MaxExpiresInSec))
			}
		}
	}
	return v.Err()
}

// ValidateJobID adds the violations of a JobId member (1–64 characters, [a-zA-Z0-9_-]+).
func ValidateJobID(v *constraint.Violations, id string) {
	v.Length("jobId", id, 1, MaxJobIDLen, false)
	if id != "" && !jobIDPattern.MatchString(id) {
		v.Add("jobId", &id, "Member must satisfy regular expression pattern: [a-zA-Z0-9_-]+")
	}
}

// checkJobID returns ValidateJobID's violations as one EINVALID error, for the operations
// whose only member to check is the job id.
func checkJobID(id string) error {
	var v constraint.Violations
	ValidateJobID(&v, id)
	return v.Err()
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
