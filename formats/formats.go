// Package formats recognises SBOM files and judges them: which standard and version a file
// declares, and whether it conforms to that version's official JSON Schema (and, under the
// strict profile, to the reference rules of the specification).
//
// It knows nothing of archives, S3 or results; validator/ turns its verdicts into per-file
// results. Its one entry point is Validate.
package formats

import (
	"io"

	"github.com/sbomcat/sbomcat"
)

// Kind is what a file was recognised as, accepted or not.
type Kind int

const (
	KindUnknown       Kind = iota // not JSON and nothing else recognisable
	KindInvalidJSON               // starts like JSON but does not parse
	KindJSON                      // a JSON document that is no SBOM
	KindSPDXJSON                  // SPDX 2.x JSON (accepted when 2.2 or 2.3)
	KindCycloneDXJSON             // CycloneDX JSON (accepted when 1.2 to 1.7)
	KindCycloneDXXML
	KindCycloneDXYAML
	KindSPDXTagValue
	KindSPDXRDF
	KindSPDXXML
	KindSPDXYAML
	KindSPDX3JSONLD
	KindXML    // XML that is neither CycloneDX nor SPDX
	KindUTF16  // text in UTF-16 or UTF-32 rather than UTF-8
	KindBinary // binary data (NUL bytes or invalid UTF-8 outside any recognised format)
)

var kindNames = [...]string{
	KindUnknown:       "unrecognised content",
	KindInvalidJSON:   "invalid JSON",
	KindJSON:          "JSON document that is no SBOM",
	KindSPDXJSON:      "SPDX JSON",
	KindCycloneDXJSON: "CycloneDX JSON",
	KindCycloneDXXML:  "CycloneDX XML",
	KindCycloneDXYAML: "CycloneDX YAML",
	KindSPDXTagValue:  "SPDX tag-value",
	KindSPDXRDF:       "SPDX RDF/XML",
	KindSPDXXML:       "SPDX XML",
	KindSPDXYAML:      "SPDX YAML",
	KindSPDX3JSONLD:   "SPDX 3 JSON-LD",
	KindXML:           "XML document that is no SBOM",
	KindUTF16:         "UTF-16/UTF-32 text",
	KindBinary:        "binary data",
}

// String names the kind as messages do ("CycloneDX XML").
func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// Verdict is the judgement on one file.
type Verdict struct {
	Kind        Kind
	Format      sbomcat.Format // spdx or cyclonedx when the file declares one, even if rejected
	SpecVersion string         // as declared ("1.5", "2.3"); empty when none was found
	// Problem is empty when the file is accepted; otherwise it says what, where and why,
	// e.g. "CycloneDX 1.5 JSON: schema violation at /components/3/purl (line 12, column 18):
	// expected string, got number".
	Problem string
	// Place is where the problem is, when it has a place in the JSON text (a schema violation:
	// the first one reported; malformed JSON; trailing data); the Problem names it too.
	Place *sbomcat.Place
}

// Valid reports whether the file was accepted.
func (v Verdict) Valid() bool { return v.Problem == "" }

// Opener returns a fresh reader over a file's bytes, from the start. Validate may call it more
// than once (a document can declare its version after megabytes of components), and each reader
// must yield the same bytes. Limits on the bytes are the reader's business: whatever error a
// reader returns, Validate returns wrapped, so callers can match their own limit errors with
// errors.As.
type Opener func() (io.ReadCloser, error)

// Options tune a validation. The zero value validates under the default profile.
type Options struct {
	// Profile is aws or strict: the rules of this package. Rules beyond them come as Checks.
	Profile sbomcat.Profile
	// Checks, when set, makes the Checker that is shown each document as its schema is
	// checked (observe.go); package profiles makes the minimum-elements ones.
	Checks func() Checker

	// wholeElements makes the streamer parse each array element whole, as it once did for a
	// Checker: the verdict must not change, which tests check (export_test.go).
	wholeElements bool
}
