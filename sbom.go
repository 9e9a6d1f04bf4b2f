// Package sbomcat holds the domain of an SBOM validation service for IoT software package
// catalogs: what a validation verdict is, how per-file results roll up into a package version's
// status. It imports no storage, transport or SDK; those live in their own packages.
package sbomcat

import "fmt"

// Format is the SBOM standard a file was recognised as. The zero value means none.
type Format string

const (
	FormatNone      Format = ""
	FormatSPDX      Format = "spdx"
	FormatCycloneDX Format = "cyclonedx"
)

// ValidationResult is the per-file outcome (AWS SbomValidationResult).
type ValidationResult string

const (
	ResultSucceeded ValidationResult = "SUCCEEDED"
	ResultFailed    ValidationResult = "FAILED"
)

// ErrorCode says why a file failed (AWS SbomValidationErrorCode). The zero value means no code,
// which is what a failure to read the object at all carries (docs/behaviour.md, "Validation
// status").
type ErrorCode string

const (
	ErrorNone                  ErrorCode = ""
	ErrorIncompatibleFormat    ErrorCode = "INCOMPATIBLE_FORMAT"
	ErrorFileSizeLimitExceeded ErrorCode = "FILE_SIZE_LIMIT_EXCEEDED"
)

// ValidationStatus is a package version's SBOM status (AWS SbomValidationStatus).
type ValidationStatus string

const (
	StatusInProgress ValidationStatus = "IN_PROGRESS"
	StatusSucceeded  ValidationStatus = "SUCCEEDED"
	StatusFailed     ValidationStatus = "FAILED"
)

// Profile names a set of validation rules. The zero value is the default, ProfileAWS.
type Profile string

const (
	// ProfileAWS accepts what conforms to the official JSON Schema of a supported version.
	ProfileAWS Profile = "aws"
	// ProfileStrict also fails spec-normative reference errors (docs/behaviour.md, "Accepted
	// SBOMs").
	ProfileStrict Profile = "strict"
	// ProfileNTIA also requires the NTIA minimum elements (2021); see docs/profiles.md.
	ProfileNTIA Profile = "ntia"
	// ProfileBSI also requires the BSI TR-03183-2 v2.0.0 minimum elements; see docs/profiles.md.
	ProfileBSI Profile = "bsi"
)

// TagProfile is the package tag whose value, when set, is the profile for the package's
// associations instead of the service's default. Package profiles parses both.
const TagProfile = "sbomcat:profile"

// FileResult is the verdict on one SBOM file: the AWS SbomValidationResultSummary plus what
// was recognised, so callers can say "CycloneDX 1.5" without parsing messages. It has no wire
// names: the API and the CLI each name its fields in their own output.
type FileResult struct {
	FileName     string
	Result       ValidationResult
	ErrorCode    ErrorCode
	ErrorMessage string
	Format       Format
	SpecVersion  string
	// Place is where in the file the failure is, when it has one (schema violations and
	// syntax errors); the message names it too. Stores keep only the message.
	Place *Place
}

// Place is a position in a JSON file: a JSON Pointer and a 1-based line and column, the column
// counted in characters. The pointer is empty for a syntax error, which is no value, and "/" for
// the whole document (RFC 6901's root is "", taken here; its "/", a top-level member named "",
// is one no SBOM format has).
type Place struct {
	Pointer      string
	Line, Column int
}

// String writes the line and column as every message does: "(line 12, column 18)".
func (p Place) String() string { return fmt.Sprintf("(line %d, column %d)", p.Line, p.Column) }

// Succeeded reports whether the file passed validation.
func (r FileResult) Succeeded() bool { return r.Result == ResultSucceeded }

// RollUp gives a package version's status from its per-file results (docs/behaviour.md, "Validation
// status"): SUCCEEDED when there is at least one file and every file succeeded, else FAILED.
func RollUp(results []FileResult) ValidationStatus {
	if len(results) == 0 {
		return StatusFailed
	}
	for _, r := range results {
		if !r.Succeeded() {
			return StatusFailed
		}
	}
	return StatusSucceeded
}
