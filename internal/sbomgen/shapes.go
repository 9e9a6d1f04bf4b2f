package sbomgen

import (
	"bufio"
	"fmt"
	"io"
)

// Shape varies what a generated document looks like, so benchmarks do not tune to one layout.
type Shape struct {
	// Pretty indents the document by two spaces a level, as most tools write it.
	Pretty bool
	// Nested (CycloneDX) puts components inside components, four levels deep, instead of one
	// flat list.
	Nested bool
	// Wide gives every component or package many more members: properties, hashes or
	// checksums, external references, and (SPDX) a file for each package.
	Wide bool
}

// Generate writes a schema-valid document of about size bytes in a format ("cyclonedx" or
// "spdx") and a shape.
func Generate(w io.Writer, format string, size int64, sh Shape) error {
	out := w
	var ind *indenter
	if sh.Pretty {
		ind = &indenter{w: bufio.NewWriterSize(w, 1<<20)}
		out = ind
	}
	var err error
	switch {
	case format == "cyclonedx" && !sh.Nested && !sh.Wide:
		err = CycloneDX(out, size)
	case format == "cyclonedx":
		err = cycloneDXShaped(out, size, sh)
	case format == "spdx" && sh.Nested:
		return fmt.Errorf("SPDX has no nested shape (its packages form a flat list)")
	case format == "spdx" && !sh.Wide:
		err = SPDX(out, size)
	case format == "spdx":
		err = spdxWide(out, size)
	default:
		return fmt.Errorf("unknown format %q (want cyclonedx or spdx)", format)
	}
	if err == nil && ind != nil {
		err = ind.w.Flush()
	}
	return err
}

// cdxComponent writes one component; children > 0 nests that many components in it, each with
// children/4 of its own.
func cdxComponent(c *countingWriter, id string, n int, wide bool, children int) {
	c.printf(`{"type":"library","bom-ref":"pkg:npm/%%40acme/lib-%s@1.%d.%d","group":"@acme","name":"lib-%s","version":"1.%d.%d",`,
		id, n%10, n%7, id, n%10, n%7)
	c.printf(`"description":"Library %s of the generated firmware image.","purl":"pkg:npm/%%40acme/lib-%s@1.%d.%d",`, id, id, n%10, n%7)
	c.printf(`"hashes":[{"alg":"SHA-256","content":"%064x"}`, uint64(n)*0x9e3779b97f4a7c15)
	if wide {
		c.printf(`,{"alg":"SHA-1","content":"%040x"},{"alg":"SHA-512","content":"%0128x"}`, uint64(n)*31, uint64(n)*17)
	}
	c.printf(`],"licenses":[{"license":{"id":"%s"}}],"externalReferences":[{"type":"vcs","url":"https://git.example.com/acme/lib-%s.git"}`,
		licences[n%len(licences)], id)
	if wide {
		for _, t := range []string{"website", "issue-tracker", "distribution", "documentation"} {
			c.printf(`,{"type":"%s","url":"https://example.com/%s/lib-%s?v=1.%d#top"}`, t, t, id, n%10)
		}
	}
	c.printf(`],"properties":[{"name":"build:layer","value":"sha256:%016x"}`, uint64(n)*0x9e37)
	if wide {
		for k := range 12 {
			c.printf(`,{"name":"acme:attr-%d","value":"value %d of component %s"}`, k, k, id)
		}
	}
	c.printf(`]`)
	if children > 0 {
		c.printf(`,"components":[`)
		for k := range children {
			if k > 0 {
				c.printf(",")
			}
			cdxComponent(c, fmt.Sprintf("%s.%d", id, k), n*7+k, wide, children/4)
		}
		c.printf(`]`)
	}
	c.printf(`}`)
}

func cycloneDXShaped(w io.Writer, size int64, sh Shape) error {
	c := newCycloneDX(w)
	c.printf(`"metadata":{"timestamp":"2024-05-01T10:00:00Z","component":{"type":"firmware","name":"gateway-fw","version":"7.1.0","bom-ref":"root"}},`)
	c.printf(`"components":[`)
	children := 0
	if sh.Nested {
		children = 64 // 64 + 16×64 + 4×… : four levels
	}
	n := 0
	for ; c.n < size; n++ {
		if n > 0 {
			c.printf(",")
		}
		cdxComponent(c, fmt.Sprint(n), n, sh.Wide, children)
	}
	c.printf(`],"dependencies":[`)
	for i := 0; i < n; i++ {
		if i > 0 {
			c.printf(",")
		}
		c.printf(`{"ref":"pkg:npm/%%40acme/lib-%d@1.%d.%d"}`, i, i%10, i%7)
	}
	c.printf("]}\n")
	return c.w.Flush()
}

func spdxWide(w io.Writer, size int64) error {
	c := newSPDX(w)
	c.printf(`"packages":[`)
	n := 0
	for ; c.n < size*3/4; n++ {
		if n > 0 {
			c.printf(",")
		}
		c.printf(`{"SPDXID":"SPDXRef-Package-%d","name":"lib-%d","versionInfo":"1.%d.%d","supplier":"Organization: Acme","downloadLocation":"https://example.com/lib-%d.tar.gz","filesAnalyzed":true,`,
			n, n, n%10, n%7, n)
		c.printf(`"packageVerificationCode":{"packageVerificationCodeValue":"%040x"},"checksums":[{"algorithm":"SHA256","checksumValue":"%064x"},{"algorithm":"SHA1","checksumValue":"%040x"}],`,
			uint64(n)*13, uint64(n)*0x9e3779b97f4a7c15, uint64(n)*7)
		c.printf(`"licenseConcluded":"%s","licenseDeclared":"%s","licenseInfoFromFiles":["%s"],"copyrightText":"Copyright Acme","hasFiles":["SPDXRef-File-%d"],"externalRefs":[`,
			licences[n%len(licences)], licences[n%len(licences)], licences[n%len(licences)], n)
		c.printf(`{"referenceCategory":"PACKAGE-MANAGER","referenceType":"purl","referenceLocator":"pkg:generic/lib-%d@1.%d.%d"},`, n, n%10, n%7)
		c.printf(`{"referenceCategory":"SECURITY","referenceType":"cpe23Type","referenceLocator":"cpe:2.3:a:acme:lib-%d:1.%d:*:*:*:*:*:*:*"}]}`, n, n%10)
	}
	c.printf(`],"files":[`)
	for i := 0; i < n; i++ {
		if i > 0 {
			c.printf(",")
		}
		c.printf(`{"SPDXID":"SPDXRef-File-%d","fileName":"./lib-%d/index.js","checksums":[{"algorithm":"SHA1","checksumValue":"%040x"}],"licenseConcluded":"NOASSERTION","copyrightText":"NOASSERTION"}`,
			i, i, uint64(i)*11)
	}
	c.printf(`],"relationships":[{"spdxElementId":"SPDXRef-DOCUMENT","relationshipType":"DESCRIBES","relatedSpdxElement":"SPDXRef-Package-0"}`)
	for i := 1; i < n; i++ {
		c.printf(`,{"spdxElementId":"SPDXRef-Package-0","relationshipType":"DEPENDS_ON","relatedSpdxElement":"SPDXRef-Package-%d"}`, i)
	}
	c.printf("]}\n")
	return c.w.Flush()
}

// indenter re-indents compact JSON as it streams through: two spaces a level, a newline after
// every '{', '[' and ',', a space after ':'.
type indenter struct {
	w        *bufio.Writer
	depth    int
	inString bool
	escaped  bool
}

func (ind *indenter) Write(p []byte) (int, error) {
	for _, c := range p {
		if ind.inString {
			ind.w.WriteByte(c)
			switch {
			case ind.escaped:
				ind.escaped = false
			case c == '\\':
				ind.escaped = true
			case c == '"':
				ind.inString = false
			}
			continue
		}
		switch c {
		case '"':
			ind.inString = true
			ind.w.WriteByte(c)
		case '{', '[':
			ind.depth++
			ind.w.WriteByte(c)
			ind.newline()
		case '}', ']':
			ind.depth--
			ind.newline()
			ind.w.WriteByte(c)
		case ',':
			ind.w.WriteByte(c)
			ind.newline()
		case ':':
			ind.w.WriteString(": ")
		default:
			ind.w.WriteByte(c)
		}
	}
	return len(p), nil
}

func (ind *indenter) newline() {
	ind.w.WriteByte('\n')
	for range ind.depth {
		ind.w.WriteString("  ")
	}
}
