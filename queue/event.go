package queue

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/sbomcat/sbomcat"
)

// EventVersion is the version of the association event this code writes and reads.
//
// Compatibility rule: adding an optional field keeps the version (readers ignore fields they do
// not know); removing, renaming or changing the meaning of a field makes a new version. A
// worker rejects a version it does not know as a poison message, which then waits in the
// dead-letter queue for a worker that does, instead of being misread.
const EventVersion = 1

// Event is the association event, the body of every queue message:
//
//	{
//	  "version": 1,
//	  "associationId": "JQ6TZ2XNY5W4TFQ3MJNT6NBHRE",
//	  "packageName": "gateway-fw",
//	  "versionName": "7.1.0",
//	  "sbom": {"bucket": "sboms", "key": "gateway/7.1.0/sbom.zip", "version": "3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY"},
//	  "associatedAt": "2026-11-23T10:00:00.123Z",
//	  "profile": "ntia"
//	}
//
// associationId identifies the association: the worker records results under it, and the
// store discards them if the version has been associated again or disassociated since.
// profile, optional (absent when empty), is the package's sbomcat:profile tag when the
// association was made: the worker validates under it instead of its own profile.
type Event struct {
	Version       int           `json:"version"`
	AssociationID string        `json:"associationId"`
	PackageName   string        `json:"packageName"`
	VersionName   string        `json:"versionName"`
	SBOM          EventLocation `json:"sbom"`
	AssociatedAt  time.Time     `json:"associatedAt"`
	Profile       string        `json:"profile,omitempty"`
}

// EventLocation is the S3 object version of an Event's SBOM.
type EventLocation struct {
	Bucket  string `json:"bucket"`
	Key     string `json:"key"`
	Version string `json:"version"`
}

// Encode returns the event of a, as a message body.
func Encode(a sbomcat.Association) ([]byte, error) {
	if err := check(a); err != nil {
		return nil, err
	}
	return json.Marshal(Event{
		Version:       EventVersion,
		AssociationID: a.ID,
		PackageName:   a.PackageName,
		VersionName:   a.VersionName,
		SBOM:          EventLocation{Bucket: a.SBOM.Bucket, Key: a.SBOM.Key, Version: a.SBOM.Version},
		AssociatedAt:  a.CreatedAt.UTC(),
		Profile:       string(a.Profile),
	})
}

// ErrNotEvent is matched (errors.Is) by every error of Decode: the body is not an association
// event this worker can process. Such a message is poison; retrying it cannot help.
var ErrNotEvent = errors.New("not an association event")

// Decode reads a message body written by Encode.
func Decode(body []byte) (sbomcat.Association, error) {
	// The version is read first and alone, so that a future version with other fields is
	// reported as such rather than as whatever its fields fail to parse as.
	var head struct {
		Version *int `json:"version"`
	}
	if err := json.Unmarshal(body, &head); err != nil {
		return sbomcat.Association{}, fmt.Errorf("%w: %v", ErrNotEvent, err)
	}
	if head.Version == nil {
		return sbomcat.Association{}, fmt.Errorf("%w: no \"version\" member", ErrNotEvent)
	}
	if *head.Version != EventVersion {
		return sbomcat.Association{}, fmt.Errorf("%w: event version %d is not supported (this worker reads version %d)", ErrNotEvent, *head.Version, EventVersion)
	}
	var e Event
	if err := json.Unmarshal(body, &e); err != nil {
		return sbomcat.Association{}, fmt.Errorf("%w: %v", ErrNotEvent, err)
	}
	a := sbomcat.Association{
		ID:          e.AssociationID,
		PackageName: e.PackageName,
		VersionName: e.VersionName,
		SBOM:        sbomcat.S3Location{Bucket: e.SBOM.Bucket, Key: e.SBOM.Key, Version: e.SBOM.Version},
		CreatedAt:   e.AssociatedAt,
		Profile:     sbomcat.Profile(e.Profile),
	}
	if err := check(a); err != nil {
		return sbomcat.Association{}, err
	}
	return a, nil
}

// check verifies that a names everything a worker needs.
func check(a sbomcat.Association) error {
	missing := ""
	switch {
	case a.ID == "":
		missing = "associationId"
	case a.PackageName == "":
		missing = "packageName"
	case a.VersionName == "":
		missing = "versionName"
	case a.SBOM.Bucket == "":
		missing = "sbom.bucket"
	case a.SBOM.Key == "":
		missing = "sbom.key"
	case a.SBOM.Version == "":
		missing = "sbom.version"
	}
	if missing != "" {
		return fmt.Errorf("%w: %s is missing", ErrNotEvent, missing)
	}
	return nil
}
