// Package convert turns SBOMs that the aws profile refuses for their encoding or version —
// CycloneDX XML 1.0–1.7, SPDX tag-value, RDF/XML and YAML, SPDX JSON 2.1 — into the JSON that it
// accepts, in the same standard.
//
// It reads with the field's own models (cyclonedx-go, spdx/tools-golang), writes JSON, and
// judges its own output with formats.Validate under the aws profile before handing it back, so
// that what it returns is what the service would accept. It counts the elements that matter
// (components or packages, files, dependencies or relationships, hashes or checksums) in the
// input as written and in the output as written, and says what changed and why: nothing is
// lost or added silently.
//
// It knows nothing of files, archives or flags: cmd/sbomctl reads and writes, this package
// converts bytes to bytes.
package convert
