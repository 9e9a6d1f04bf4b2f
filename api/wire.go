package api

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sbomcat/sbomcat"
)

// The restJson1 shapes of the AWS IoT model (member names exactly as AWS spells them). Inputs
// use pointers so that an absent or null member is told apart from a zero value; unknown
// members are ignored, as AWS does.

// epoch is a timestamp on the wire: epoch seconds as a JSON number, milliseconds as fraction.
type epoch time.Time

func (e epoch) MarshalJSON() ([]byte, error) {
	ms := time.Time(e).UnixMilli()
	s := strconv.FormatInt(ms/1000, 10)
	if frac := ms % 1000; frac != 0 {
		s += strings.TrimRight("."+strconv.FormatInt(1000+frac, 10)[1:], "0")
	}
	return []byte(s), nil
}

type s3LocationJSON struct {
	Bucket  *string `json:"bucket,omitempty"`
	Key     *string `json:"key,omitempty"`
	Version *string `json:"version,omitempty"`
}

type locationWrapper struct {
	S3Location *s3LocationJSON `json:"s3Location,omitempty"`
}

func toLocation(w *locationWrapper) *sbomcat.S3Location {
	if w == nil || w.S3Location == nil {
		return nil
	}
	return &sbomcat.S3Location{Bucket: deref(w.S3Location.Bucket), Key: deref(w.S3Location.Key), Version: deref(w.S3Location.Version)}
}

func fromLocation(l *sbomcat.S3Location) *locationWrapper {
	if l == nil {
		return nil
	}
	out := &s3LocationJSON{Bucket: &l.Bucket, Key: &l.Key}
	if l.Version != "" {
		out.Version = &l.Version
	}
	return &locationWrapper{S3Location: out}
}

// catalogDates are when a package or version was created and last changed.
type catalogDates struct {
	CreationDate     epoch `json:"creationDate"`
	LastModifiedDate epoch `json:"lastModifiedDate"`
}

func datesOf(created, modified time.Time) catalogDates {
	return catalogDates{CreationDate: epoch(created), LastModifiedDate: epoch(modified)}
}

// listOutput is a List operation's output: one page of summaries under the member the
// operation's model names, and the token of the next page, absent on the last.
type listOutput[S any] struct {
	member    string
	items     []S
	nextToken string
}

func (o listOutput[S]) MarshalJSON() ([]byte, error) {
	out := map[string]any{o.member: o.items}
	if o.nextToken != "" {
		out["nextToken"] = o.nextToken
	}
	return json.Marshal(out)
}

// listOf renders page as a List operation's output: its items by summary under member, an
// empty list (never null) when there are none.
func listOf[T, S any](member string, page sbomcat.Page[T], summary func(T) S) listOutput[S] {
	items := make([]S, 0, len(page.Items))
	for _, it := range page.Items {
		items = append(items, summary(it))
	}
	return listOutput[S]{member: member, items: items, nextToken: page.NextToken}
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// Packages.

type createPackageInput struct {
	Description *string           `json:"description"`
	Tags        map[string]string `json:"tags"`
}

type createPackageOutput struct {
	PackageName string `json:"packageName"`
	PackageArn  string `json:"packageArn"`
	Description string `json:"description,omitempty"`
}

// getPackageOutput is createPackageOutput's members and the package's others.
type getPackageOutput struct {
	createPackageOutput
	DefaultVersionName string `json:"defaultVersionName,omitempty"`
	catalogDates
}

type updatePackageInput struct {
	Description         *string `json:"description"`
	DefaultVersionName  *string `json:"defaultVersionName"`
	UnsetDefaultVersion *bool   `json:"unsetDefaultVersion"`
}

type packageSummary struct {
	PackageName        string `json:"packageName"`
	DefaultVersionName string `json:"defaultVersionName,omitempty"`
	catalogDates
}

func packageSummaryOf(p sbomcat.Package) packageSummary {
	return packageSummary{
		PackageName: p.Name, DefaultVersionName: p.DefaultVersion,
		catalogDates: datesOf(p.CreatedAt, p.UpdatedAt),
	}
}

// Package versions.

// versionMembers are the members CreatePackageVersion and UpdatePackageVersion share.
type versionMembers struct {
	Description *string           `json:"description"`
	Attributes  map[string]string `json:"attributes"`
	Artifact    *locationWrapper  `json:"artifact"`
	Recipe      *string           `json:"recipe"`
}

type createVersionInput struct {
	versionMembers
	Tags map[string]string `json:"tags"`
}

type createVersionOutput struct {
	PackageVersionArn string            `json:"packageVersionArn"`
	PackageName       string            `json:"packageName"`
	VersionName       string            `json:"versionName"`
	Description       string            `json:"description,omitempty"`
	Attributes        map[string]string `json:"attributes,omitempty"`
	Status            string            `json:"status"`
	ErrorReason       string            `json:"errorReason,omitempty"`
}

// getVersionOutput is createVersionOutput's members and the version's others.
type getVersionOutput struct {
	createVersionOutput
	Artifact *locationWrapper `json:"artifact,omitempty"`
	catalogDates
	Sbom                 *locationWrapper `json:"sbom,omitempty"`
	SbomValidationStatus string           `json:"sbomValidationStatus,omitempty"`
	Recipe               string           `json:"recipe,omitempty"`
}

type updateVersionInput struct {
	versionMembers
	Action *string `json:"action"`
}

type versionSummary struct {
	PackageName string `json:"packageName"`
	VersionName string `json:"versionName"`
	Status      string `json:"status"`
	catalogDates
}

func versionSummaryOf(pv sbomcat.PackageVersion) versionSummary {
	return versionSummary{
		PackageName: pv.PackageName, VersionName: pv.VersionName, Status: string(pv.Status),
		catalogDates: datesOf(pv.CreatedAt, pv.UpdatedAt),
	}
}

// SBOMs.

type associateInput struct {
	Sbom *locationWrapper `json:"sbom"`
}

type associateOutput struct {
	PackageName          string           `json:"packageName"`
	VersionName          string           `json:"versionName"`
	Sbom                 *locationWrapper `json:"sbom"`
	SbomValidationStatus string           `json:"sbomValidationStatus"`
}

type resultSummary struct {
	FileName         string `json:"fileName,omitempty"`
	ValidationResult string `json:"validationResult,omitempty"`
	ErrorCode        string `json:"errorCode,omitempty"`
	ErrorMessage     string `json:"errorMessage,omitempty"`
}

func resultSummaryOf(fr sbomcat.FileResult) resultSummary {
	return resultSummary{
		FileName: fr.FileName, ValidationResult: string(fr.Result), ErrorCode: string(fr.ErrorCode), ErrorMessage: fr.ErrorMessage,
	}
}

// Package configuration.

type jobsConfig struct {
	Enabled *bool   `json:"enabled,omitempty"`
	RoleArn *string `json:"roleArn,omitempty"`
}

type packageConfigurationJSON struct {
	VersionUpdateByJobsConfig *jobsConfig `json:"versionUpdateByJobsConfig,omitempty"`
}

// Tags (the IoT-wide tagging operations use a list of {Key, Value}).

type tagJSON struct {
	Key   *string `json:"Key"`
	Value *string `json:"Value,omitempty"`
}

type tagResourceInput struct {
	ResourceArn *string   `json:"resourceArn"`
	Tags        []tagJSON `json:"tags"`
}

type untagResourceInput struct {
	ResourceArn *string  `json:"resourceArn"`
	TagKeys     []string `json:"tagKeys"`
}

func tagList(m map[string]string) []tagJSON {
	out := make([]tagJSON, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		v := m[k]
		out = append(out, tagJSON{Key: &k, Value: &v})
	}
	return out
}

// Jobs (the subset that deploys package versions, docs/behaviour.md, "Jobs").

type presignedURLConfigJSON struct {
	RoleArn *string `json:"roleArn,omitempty"`
	// A pointer, so that an absent expiresInSec (default 3600) is told apart from 0 (refused).
	ExpiresInSec *int64 `json:"expiresInSec,omitempty"`
}

// jobDates are when a job was created and last changed, as the job operations name them.
type jobDates struct {
	CreatedAt     epoch `json:"createdAt"`
	LastUpdatedAt epoch `json:"lastUpdatedAt"`
}

type createJobInput struct {
	Document                   *string                 `json:"document"`
	DocumentSource             *string                 `json:"documentSource"`
	DestinationPackageVersions []string                `json:"destinationPackageVersions"`
	PresignedURLConfig         *presignedURLConfigJSON `json:"presignedUrlConfig"`
	Targets                    []string                `json:"targets"`
	Description                *string                 `json:"description"`
	TargetSelection            *string                 `json:"targetSelection"`

	// Members of the model this server does not implement. They are decoded only to be
	// refused (unsupportedCreateJobMembers): ignoring them would create a job other than the
	// one asked for, and DescribeJob would not show them.
	AbortConfig                json.RawMessage `json:"abortConfig"`
	DocumentParameters         json.RawMessage `json:"documentParameters"`
	JobExecutionsRetryConfig   json.RawMessage `json:"jobExecutionsRetryConfig"`
	JobExecutionsRolloutConfig json.RawMessage `json:"jobExecutionsRolloutConfig"`
	JobTemplateArn             json.RawMessage `json:"jobTemplateArn"`
	NamespaceID                json.RawMessage `json:"namespaceId"`
	SchedulingConfig           json.RawMessage `json:"schedulingConfig"`
	Tags                       json.RawMessage `json:"tags"`
	TimeoutConfig              json.RawMessage `json:"timeoutConfig"`
}

type createJobOutput struct {
	JobArn      string `json:"jobArn"`
	JobID       string `json:"jobId"`
	Description string `json:"description,omitempty"`
}

// jobProcessDetails are all zero: this server has no devices to run executions on.
type jobProcessDetails struct {
	ProcessingTargets        []string `json:"processingTargets"`
	NumberOfCanceledThings   int      `json:"numberOfCanceledThings"`
	NumberOfSucceededThings  int      `json:"numberOfSucceededThings"`
	NumberOfFailedThings     int      `json:"numberOfFailedThings"`
	NumberOfRejectedThings   int      `json:"numberOfRejectedThings"`
	NumberOfQueuedThings     int      `json:"numberOfQueuedThings"`
	NumberOfInProgressThings int      `json:"numberOfInProgressThings"`
	NumberOfRemovedThings    int      `json:"numberOfRemovedThings"`
	NumberOfTimedOutThings   int      `json:"numberOfTimedOutThings"`
}

type jobJSON struct {
	JobArn             string                  `json:"jobArn"`
	JobID              string                  `json:"jobId"`
	TargetSelection    string                  `json:"targetSelection"`
	Status             string                  `json:"status"`
	Targets            []string                `json:"targets"`
	Description        string                  `json:"description,omitempty"`
	PresignedURLConfig *presignedURLConfigJSON `json:"presignedUrlConfig,omitempty"`
	jobDates
	JobProcessDetails          jobProcessDetails `json:"jobProcessDetails"`
	DestinationPackageVersions []string          `json:"destinationPackageVersions,omitempty"`
	IsConcurrent               bool              `json:"isConcurrent"`
}

type describeJobOutput struct {
	Job jobJSON `json:"job"`
}

type getJobDocumentOutput struct {
	Document string `json:"document"`
}

type jobSummary struct {
	JobArn          string `json:"jobArn"`
	JobID           string `json:"jobId"`
	Status          string `json:"status"`
	TargetSelection string `json:"targetSelection"`
	jobDates
	IsConcurrent bool `json:"isConcurrent"`
}
