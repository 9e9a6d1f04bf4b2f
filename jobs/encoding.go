package jobs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/sbomcat/sbomcat"
)

// The stored form of a job. Durable stores keep a job as this JSON rather than as
// json.Marshal(Job), so that renaming a Go field never makes stored jobs unreadable: the member
// names below are the format, and recordVersion says which format a body is in.

// recordVersion is the version of the stored form written by EncodeJob.
const recordVersion = 1

type record struct {
	V                          int              `json:"v"`
	ID                         string           `json:"id"`
	Description                string           `json:"description,omitempty"`
	Document                   string           `json:"document"`
	DestinationPackageVersions []string         `json:"destinationPackageVersions,omitempty"`
	PresignedURLConfig         *presignedRecord `json:"presignedUrlConfig,omitempty"`
	Targets                    []string         `json:"targets,omitempty"`
	Status                     Status           `json:"status"`
	TargetSelection            TargetSelection  `json:"targetSelection"`
	// Times in Unix milliseconds: Service stamps them truncated to the millisecond.
	CreatedMS     int64          `json:"createdMs"`
	LastUpdatedMS int64          `json:"lastUpdatedMs"`
	Resolved      resolvedRecord `json:"resolved"`
}

type presignedRecord struct {
	RoleARN      string `json:"roleArn,omitempty"`
	ExpiresInSec *int64 `json:"expiresInSec,omitempty"`
}

type resolvedRecord struct {
	Document                   string           `json:"document"`
	DestinationPackageVersions []string         `json:"destinationPackageVersions,omitempty"`
	Artifacts                  []artifactRecord `json:"artifacts,omitempty"`
}

type artifactRecord struct {
	Start   int    `json:"start"`
	End     int    `json:"end"`
	Package string `json:"package"`
	Version string `json:"version"`
	Bucket  string `json:"bucket"`
	Key     string `json:"key"`
	// ObjectVersion is the S3 object version; "" for an artifact that names none.
	ObjectVersion string `json:"objectVersion,omitempty"`
}

// EncodeJob returns the stored form of j, for stores that keep a job as one text value. It
// does not escape HTML characters, so that a document full of '<' does not grow sixfold.
func EncodeJob(j *Job) ([]byte, error) {
	r := record{
		V: recordVersion, ID: j.ID, Description: j.Description, Document: j.Document,
		DestinationPackageVersions: j.DestinationPackageVersions, Targets: j.Targets,
		Status: j.Status, TargetSelection: j.TargetSelection,
		CreatedMS: j.CreatedAt.UnixMilli(), LastUpdatedMS: j.LastUpdatedAt.UnixMilli(),
		PresignedURLConfig: convertPtr[PresignedURLConfig, presignedRecord](j.PresignedURLConfig),
		Resolved: resolvedRecord{
			Document: j.Resolved.Document, DestinationPackageVersions: j.Resolved.DestinationPackageVersions,
			Artifacts: convertAll(j.Resolved.Artifacts, func(a Artifact) artifactRecord {
				return artifactRecord{Start: a.Start, End: a.End, Package: a.PackageName, Version: a.VersionName,
					Bucket: a.Location.Bucket, Key: a.Location.Key, ObjectVersion: a.Location.Version}
			}),
		},
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return nil, fmt.Errorf("encode job %s: %w", j.ID, err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// DecodeJob reads a job EncodeJob stored. A body of another format version is an error rather
// than a job with missing fields.
func DecodeJob(b []byte) (*Job, error) {
	var r record
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("decode stored job: %w", err)
	}
	if r.V != recordVersion {
		return nil, fmt.Errorf("decode stored job %s: format version %d, this program reads %d", r.ID, r.V, recordVersion)
	}
	return &Job{
		ID: r.ID, Description: r.Description, Document: r.Document,
		DestinationPackageVersions: r.DestinationPackageVersions, Targets: r.Targets,
		Status: r.Status, TargetSelection: r.TargetSelection,
		CreatedAt:          time.UnixMilli(r.CreatedMS).UTC(),
		LastUpdatedAt:      time.UnixMilli(r.LastUpdatedMS).UTC(),
		PresignedURLConfig: convertPtr[presignedRecord, PresignedURLConfig](r.PresignedURLConfig),
		Resolved: Resolution{
			Document: r.Resolved.Document, DestinationPackageVersions: r.Resolved.DestinationPackageVersions,
			Artifacts: convertAll(r.Resolved.Artifacts, func(a artifactRecord) Artifact {
				return Artifact{Start: a.Start, End: a.End, PackageName: a.Package, VersionName: a.Version,
					Location: sbomcat.S3Location{Bucket: a.Bucket, Key: a.Key, Version: a.ObjectVersion}}
			}),
		},
	}, nil
}

// convertPtr converts between the presigned-URL settings and their stored form, struct types
// of the same fields; nil stays nil.
func convertPtr[From, To presignedRecord | PresignedURLConfig](p *From) *To {
	if p == nil {
		return nil
	}
	to := To(*p)
	return &to
}

// convertAll converts each of in; none stays nil.
func convertAll[From, To any](in []From, convert func(From) To) []To {
	var out []To
	for _, v := range in {
		out = append(out, convert(v))
	}
	return out
}
