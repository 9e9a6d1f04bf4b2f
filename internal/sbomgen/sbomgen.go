// Package sbomgen writes large, schema-valid SBOMs for benchmarks: realistic components (purls,
// licences, hashes, external references) repeated until the document reaches a target size.
package sbomgen

import (
	"bufio"
	"fmt"
	"io"
)

// countingWriter tracks how much has been written, to stop at the target size.
type countingWriter struct {
	w *bufio.Writer
	n int64
}

func (c *countingWriter) printf(format string, args ...any) {
	n, _ := fmt.Fprintf(c.w, format, args...)
	c.n += int64(n)
}

// newCycloneDX starts a CycloneDX 1.5 document on w with the members every generated one
// begins with.
func newCycloneDX(w io.Writer) *countingWriter {
	c := &countingWriter{w: bufio.NewWriterSize(w, 1<<20)}
	c.printf(`{"bomFormat":"CycloneDX","specVersion":"1.5","serialNumber":"urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79","version":1,`)
	return c
}

// newSPDX starts an SPDX 2.3 document on w with the members every generated one begins with.
func newSPDX(w io.Writer) *countingWriter {
	c := &countingWriter{w: bufio.NewWriterSize(w, 1<<20)}
	c.printf(`{"spdxVersion":"SPDX-2.3","dataLicense":"CC0-1.0","SPDXID":"SPDXRef-DOCUMENT","name":"gateway-fw-7.1.0",`)
	c.printf(`"documentNamespace":"https://example.com/spdx/gateway-fw-7.1.0","creationInfo":{"created":"2024-05-01T10:00:00Z","creators":["Tool: sbomgen-1.0.0"]},`)
	return c
}

var licences = []string{"Apache-2.0", "MIT", "BSD-3-Clause", "GPL-2.0-only", "ISC", "Zlib"}

// CycloneDX writes a CycloneDX 1.5 JSON document of about size bytes.
func CycloneDX(w io.Writer, size int64) error {
	c := newCycloneDX(w)
	c.printf(`"metadata":{"timestamp":"2024-05-01T10:00:00Z","tools":{"components":[{"type":"application","name":"sbomgen","version":"1.0.0"}]},"component":{"type":"firmware","name":"gateway-fw","version":"7.1.0","bom-ref":"root"}},`)
	c.printf(`"components":[`)
	n := 0
	for ; c.n < size; n++ {
		if n > 0 {
			c.printf(",")
		}
		c.printf(`{"type":"library","bom-ref":"pkg:npm/%%40acme/lib-%d@1.%d.%d","group":"@acme","name":"lib-%d","version":"1.%d.%d",`+
			`"description":"Library number %d of the generated firmware image, with a description long enough to look real.",`+
			`"hashes":[{"alg":"SHA-256","content":"%064x"}],"licenses":[{"license":{"id":"%s"}}],`+
			`"purl":"pkg:npm/%%40acme/lib-%d@1.%d.%d","externalReferences":[{"type":"vcs","url":"https://git.example.com/acme/lib-%d.git"},{"type":"website","url":"https://example.com/lib-%d"}],`+
			`"properties":[{"name":"build:layer","value":"sha256:%016x"}]}`,
			n, n%10, n%7, n, n%10, n%7, n, uint64(n)*0x9e3779b97f4a7c15, licences[n%len(licences)], n, n%10, n%7, n, n, n)
	}
	c.printf(`],"dependencies":[{"ref":"root","dependsOn":[`)
	for i := 0; i < n; i++ {
		if i > 0 {
			c.printf(",")
		}
		c.printf(`"pkg:npm/%%40acme/lib-%d@1.%d.%d"`, i, i%10, i%7)
	}
	c.printf("]}]}\n")
	return c.w.Flush()
}

// SPDX writes an SPDX 2.3 JSON document of about size bytes.
func SPDX(w io.Writer, size int64) error {
	c := newSPDX(w)
	c.printf(`"packages":[{"SPDXID":"SPDXRef-root","name":"gateway-fw","versionInfo":"7.1.0","downloadLocation":"NOASSERTION","filesAnalyzed":false}`)
	n := 0
	for ; c.n < size; n++ {
		c.printf(`,{"SPDXID":"SPDXRef-Package-%d","name":"lib-%d","versionInfo":"1.%d.%d","supplier":"Organization: Acme","downloadLocation":"https://example.com/lib-%d-1.%d.%d.tar.gz",`+
			`"filesAnalyzed":false,"checksums":[{"algorithm":"SHA256","checksumValue":"%064x"}],"licenseConcluded":"%s","licenseDeclared":"%s","copyrightText":"NOASSERTION",`+
			`"description":"Library number %d of the generated firmware image.","externalRefs":[{"referenceCategory":"PACKAGE-MANAGER","referenceType":"purl","referenceLocator":"pkg:generic/lib-%d@1.%d.%d"}]}`,
			n, n, n%10, n%7, n, n%10, n%7, uint64(n)*0x9e3779b97f4a7c15, licences[n%len(licences)], licences[n%len(licences)], n, n, n%10, n%7)
	}
	c.printf(`],"relationships":[{"spdxElementId":"SPDXRef-DOCUMENT","relationshipType":"DESCRIBES","relatedSpdxElement":"SPDXRef-root"}`)
	for i := 0; i < n; i++ {
		c.printf(`,{"spdxElementId":"SPDXRef-root","relationshipType":"DEPENDS_ON","relatedSpdxElement":"SPDXRef-Package-%d"}`, i)
	}
	c.printf("]}\n")
	return c.w.Flush()
}
