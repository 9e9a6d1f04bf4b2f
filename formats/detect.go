package formats

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/sbomcat/sbomcat"
)

// sniffed is what the first bytes of a file say before any JSON is parsed.
type sniffed struct {
	kind    Kind
	format  sbomcat.Format
	version string
	detail  string // for KindUnknown, KindBinary and KindUTF16: what was seen
	skip    int    // bytes to skip before the JSON text (a UTF-8 byte order mark)
	json    bool   // the text starts like JSON: the header scan decides the rest
	blank   bool   // the bytes were only whitespace (and perhaps a byte order mark)
}

var (
	reCdxXMLNS     = regexp.MustCompile(`cyclonedx\.org/schema/bom/(\d+\.\d+)`)
	reSPDXVersion  = regexp.MustCompile(`SPDX-(\d+\.\d+)`)
	reTagValue     = regexp.MustCompile(`(?m)^\s*SPDXVersion\s*:\s*SPDX-(\d+\.\d+)`)
	reYAMLSPDX     = regexp.MustCompile(`(?m)^\s*spdxVersion\s*:\s*["']?SPDX-(\d+\.\d+)`)
	reYAMLCdx      = regexp.MustCompile(`(?m)^\s*bomFormat\s*:\s*["']?CycloneDX`)
	reYAMLCdxVer   = regexp.MustCompile(`(?m)^\s*specVersion\s*:\s*["']?(\d+\.\d+)`)
	reSPDX3Context = regexp.MustCompile(`spdx\.org/rdf/(3[0-9.]*[0-9])`)
)

// sniff classifies a file by its first bytes: the encoding, and every format that is not JSON.
func sniff(p []byte) sniffed {
	switch {
	case bytes.HasPrefix(p, []byte{0x00, 0x00, 0xFE, 0xFF}), bytes.HasPrefix(p, []byte{0xFF, 0xFE, 0x00, 0x00}):
		return sniffed{kind: KindUTF16, detail: "UTF-32 text (it starts with a UTF-32 byte order mark)"}
	case bytes.HasPrefix(p, []byte{0xFE, 0xFF}), bytes.HasPrefix(p, []byte{0xFF, 0xFE}):
		return sniffed{kind: KindUTF16, detail: "UTF-16 text (it starts with a UTF-16 byte order mark)"}
	case len(p) >= 4 && p[0] == 0 && p[1] != 0 && p[2] == 0 && p[3] != 0,
		len(p) >= 4 && p[0] != 0 && p[1] == 0 && p[2] != 0 && p[3] == 0:
		return sniffed{kind: KindUTF16, detail: "UTF-16 text (every other byte is zero)"}
	case bytes.HasPrefix(p, []byte("PK\x03\x04")), bytes.HasPrefix(p, []byte("PK\x05\x06")):
		return sniffed{kind: KindBinary, detail: "a zip archive; archives inside an archive are not opened"}
	case bytes.HasPrefix(p, []byte{0x1f, 0x8b}):
		return sniffed{kind: KindBinary, detail: "gzip-compressed data; SBOMs must be stored uncompressed (or in a zip archive)"}
	}
	skip := 0
	if bytes.HasPrefix(p, []byte{0xEF, 0xBB, 0xBF}) {
		skip = 3
	}
	text := bytes.TrimLeft(p[skip:], " \t\r\n")
	if len(text) == 0 {
		if len(p) == 0 {
			return sniffed{kind: KindUnknown, detail: "the file is empty"}
		}
		return sniffed{kind: KindUnknown, detail: "the file holds only whitespace", blank: true}
	}
	switch text[0] {
	case '{', '[':
		return sniffed{json: true, skip: skip}
	case '<':
		return sniffXML(text)
	}
	if bytes.IndexByte(p, 0) >= 0 || !validUTF8Prefix(p[skip:]) {
		return sniffed{kind: KindBinary, detail: "binary data, not text"}
	}
	if m := reTagValue.FindSubmatch(text); m != nil {
		return sniffed{kind: KindSPDXTagValue, format: sbomcat.FormatSPDX, version: string(m[1])}
	}
	if m := reYAMLSPDX.FindSubmatch(text); m != nil {
		return sniffed{kind: KindSPDXYAML, format: sbomcat.FormatSPDX, version: string(m[1])}
	}
	if reYAMLCdx.Match(text) {
		s := sniffed{kind: KindCycloneDXYAML, format: sbomcat.FormatCycloneDX}
		if m := reYAMLCdxVer.FindSubmatch(text); m != nil {
			s.version = string(m[1])
		}
		return s
	}
	r, _ := utf8.DecodeRune(text)
	return sniffed{kind: KindUnknown, detail: fmt.Sprintf("it starts with %q where JSON starts with '{'", r)}
}

// validUTF8Prefix is utf8.Valid that forgives a sequence cut off by the end of the prefix.
func validUTF8Prefix(p []byte) bool {
	for i := 0; i < utf8.UTFMax && len(p) > 0; i++ {
		if utf8.Valid(p) {
			return true
		}
		p = p[:len(p)-1]
	}
	return utf8.Valid(p)
}

func sniffXML(text []byte) sniffed {
	switch {
	case bytes.Contains(text, []byte("cyclonedx.org/schema/bom")):
		s := sniffed{kind: KindCycloneDXXML, format: sbomcat.FormatCycloneDX}
		if m := reCdxXMLNS.FindSubmatch(text); m != nil {
			s.version = string(m[1])
		}
		return s
	case bytes.Contains(text, []byte("spdx.org/rdf/terms")) && bytes.Contains(text, []byte("RDF")):
		s := sniffed{kind: KindSPDXRDF, format: sbomcat.FormatSPDX}
		if m := reSPDXVersion.FindSubmatch(text); m != nil {
			s.version = string(m[1])
		}
		return s
	case bytes.Contains(text, []byte("spdxVersion")) || bytes.Contains(text, []byte("SpdxDocument")) || bytes.Contains(text, []byte("SPDXID")):
		s := sniffed{kind: KindSPDXXML, format: sbomcat.FormatSPDX}
		if m := reSPDXVersion.FindSubmatch(text); m != nil {
			s.version = string(m[1])
		}
		return s
	}
	return sniffed{kind: KindXML}
}

// header is what a JSON document's top-level members declare.
type header struct {
	topLevel    nodeKind // object, array, ...
	bomFormat   *string
	specVersion *string
	spdxVersion *string
	context     []string // strings found in @context
	isSBOMish   bool     // has members only SBOMs have (components, packages, ...)
}

func (h *header) complete() bool {
	return h.spdxVersion != nil || (h.bomFormat != nil && h.specVersion != nil) || h.context != nil
}

var sbomishKeys = map[string]bool{
	"components": true, "metadata": true, "serialNumber": true, "dependencies": true,
	"packages": true, "SPDXID": true, "creationInfo": true, "relationships": true,
	"dataLicense": true,
}

// errHeaderDone stops the header scan once it has what it needs.
var errHeaderDone = errors.New("header complete")

// scanHeader reads the top-level members of a JSON document until it knows what the document
// declares. It returns a *syntaxError for malformed JSON met on the way, and the reader's error
// (wrapped in *readError) when the input runs out of bytes it may read.
func scanHeader(sc *scanner) (header, error) {
	var h header
	c, ok := sc.peek()
	if !ok {
		return h, sc.eofError("where a value was expected")
	}
	if c != '{' {
		var t tree
		t.reset(sc.offset())
		i, err := sc.parseValue(&t, 0)
		if err != nil {
			return h, err
		}
		h.topLevel = t.nodes[i].kind
		return h, nil
	}
	h.topLevel = kindObject
	sc.pos++
	var t tree
	err := sc.eachMember(func(key []byte) error {
		name := string(key)
		var dst **string
		switch name {
		case "bomFormat":
			dst = &h.bomFormat
		case "specVersion":
			dst = &h.specVersion
		case "spdxVersion":
			dst = &h.spdxVersion
		case "@context":
			t.reset(sc.offset())
			i, err := sc.parseValue(&t, 1)
			if err != nil {
				return err
			}
			h.context = []string{}
			collectStrings(&t, i, &h.context)
			return errHeaderDone
		default:
			if sbomishKeys[name] {
				h.isSBOMish = true
			}
			return sc.skipValue(1)
		}
		t.reset(sc.offset())
		i, err := sc.parseValue(&t, 1)
		if err != nil {
			return err
		}
		v := ""
		if n := t.nodes[i]; n.kind == kindString {
			v = string(n.str)
		} else {
			v = "(a " + n.kind.String() + ")"
		}
		*dst = &v
		if h.complete() {
			return errHeaderDone
		}
		return nil
	})
	if err == errHeaderDone {
		err = nil
	}
	return h, err
}

func collectStrings(t *tree, i int32, out *[]string) {
	n := t.nodes[i]
	switch n.kind {
	case kindString:
		*out = append(*out, string(n.str))
	case kindArray, kindObject:
		for j := int32(0); j < n.n; j++ {
			collectStrings(t, n.first+j, out)
		}
	}
}

// classify turns a header into what the document is.
func classify(h header) (kind Kind, f sbomcat.Format, version, problem string) {
	if h.topLevel != kindObject {
		return KindJSON, "", "", fmt.Sprintf("JSON document that is no SBOM: the top-level value is %s, not an object", article(h.topLevel.String()))
	}
	for _, c := range h.context {
		if m := reSPDX3Context.FindStringSubmatch(c); m != nil {
			return KindSPDX3JSONLD, sbomcat.FormatSPDX, m[1], fmt.Sprintf("SPDX %s JSON-LD is not accepted; accepted: %s", m[1], acceptedList())
		}
	}
	if h.spdxVersion != nil {
		v := *h.spdxVersion
		m := reSPDXVersion.FindStringSubmatch(v)
		if m == nil || !strings.HasPrefix(v, "SPDX-") {
			return KindSPDXJSON, sbomcat.FormatSPDX, "", fmt.Sprintf("SPDX JSON: spdxVersion %s is not of the form SPDX-2.3", quoteValue(v))
		}
		if _, ok := findSchema(sbomcat.FormatSPDX, m[1]); !ok {
			return KindSPDXJSON, sbomcat.FormatSPDX, m[1], fmt.Sprintf("SPDX %s is not accepted; accepted SPDX versions: %s", m[1], acceptedVersions(sbomcat.FormatSPDX))
		}
		return KindSPDXJSON, sbomcat.FormatSPDX, m[1], ""
	}
	// A document with a bomFormat, or with a specVersion and members only SBOMs have, is meant
	// as CycloneDX: when bomFormat is missing or misspelt, the version's schema says precisely
	// what is wrong.
	cdx := (h.bomFormat != nil && h.specVersion != nil) || (h.specVersion != nil && h.isSBOMish) ||
		(h.bomFormat != nil && *h.bomFormat == "CycloneDX")
	if cdx {
		if h.specVersion == nil {
			return KindCycloneDXJSON, sbomcat.FormatCycloneDX, "", `CycloneDX JSON: missing required property "specVersion" (e.g. "1.6")`
		}
		v := *h.specVersion
		if _, ok := findSchema(sbomcat.FormatCycloneDX, v); !ok {
			return KindCycloneDXJSON, sbomcat.FormatCycloneDX, v, fmt.Sprintf("CycloneDX %s JSON is not accepted; accepted CycloneDX versions: %s", quoteValue(v), acceptedVersions(sbomcat.FormatCycloneDX))
		}
		return KindCycloneDXJSON, sbomcat.FormatCycloneDX, v, ""
	}
	if h.bomFormat != nil {
		return KindJSON, "", "", fmt.Sprintf(`JSON document that is no SBOM: bomFormat is %s, not "CycloneDX"`, quoteValue(*h.bomFormat))
	}
	return KindJSON, "", "", `JSON document that is no SBOM: it has neither "bomFormat" (CycloneDX) nor "spdxVersion" (SPDX)`
}

var reSimpleVersion = regexp.MustCompile(`^[0-9][0-9.]{0,15}$`)

func quoteValue(v string) string {
	if strings.HasPrefix(v, "(a") || reSimpleVersion.MatchString(v) {
		return v
	}
	return fmt.Sprintf("%q", v)
}

func article(s string) string {
	if strings.ContainsAny(s[:1], "aeiou") {
		return "an " + s
	}
	return "a " + s
}

func acceptedList() string {
	return "SPDX " + acceptedVersions(sbomcat.FormatSPDX) + " JSON and CycloneDX " + acceptedVersions(sbomcat.FormatCycloneDX) + " JSON"
}

// rejectedMessage explains a recognised format that is not accepted.
func rejectedMessage(s sniffed) string {
	name := s.kind.String()
	if s.version != "" {
		switch s.format {
		case sbomcat.FormatSPDX:
			name = strings.Replace(name, "SPDX", "SPDX "+s.version, 1)
		case sbomcat.FormatCycloneDX:
			name = strings.Replace(name, "CycloneDX", "CycloneDX "+s.version, 1)
		}
	}
	switch s.kind {
	case KindCycloneDXYAML:
		return name + " is not accepted; only JSON SBOMs are (convert it: cyclonedx convert --output-format json)"
	case KindSPDXXML:
		return name + " is not accepted; only JSON SBOMs are (convert it with the SPDX tools, e.g. tools-java Convert to .json)"
	case KindCycloneDXXML, KindSPDXTagValue, KindSPDXRDF, KindSPDXYAML:
		// The validator, which knows the file's name, ends the command with it.
		return name + " is not accepted; only JSON SBOMs are; convert it with: sbomctl convert"
	case KindXML:
		return "XML document that is no SBOM; accepted: " + acceptedList()
	case KindUTF16:
		return "the file is " + s.detail + "; JSON SBOMs must be UTF-8: re-encode it as UTF-8"
	case KindBinary:
		return "not an SBOM: " + s.detail
	default:
		return "not JSON: " + s.detail + "; accepted: " + acceptedList()
	}
}
