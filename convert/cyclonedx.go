package convert

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/formats"
)

const (
	cdxNamespace = "cyclonedx.org/schema/bom/"
	// cdxDependencyGraph is the 1.1 extension that 1.2 made the dependencies section;
	// cyclonedx-go reads it as such.
	cdxDependencyGraph = "cyclonedx.org/schema/ext/dependency-graph/"
)

// checkXMLSafety refuses XML that declares entities. encoding/xml and gordf expand none, so no
// external entity is ever fetched and no entity grows in memory; but a document that uses one
// would convert to something else than its author meant, so it is refused up front with a
// message that says so, rather than failing somewhere in a decoder.
func checkXMLSafety(k formats.Kind, data []byte) error {
	if k != formats.KindCycloneDXXML && k != formats.KindSPDXRDF {
		return nil
	}
	if i := bytes.Index(data, []byte("<!ENTITY")); i >= 0 {
		return fmt.Errorf("the document declares an XML entity at line %d (<!ENTITY ...>); entities are never expanded here, external ones least of all: remove the DOCTYPE and write the values in place", bytes.Count(data[:i], []byte("\n"))+1)
	}
	return nil
}

type cdxXML struct{}

func (cdxXML) convert(ctx context.Context, data []byte, version string, res *Result) error {
	// The raw count walks the XML tokens while cyclonedx-go decodes: both read the same
	// bytes, and on two cores the conversion costs little more than the decode.
	type scanned struct {
		s   xmlScan
		err error
	}
	done := make(chan scanned, 1)
	go func() {
		s, err := scanCdxXML(data)
		done <- scanned{s, err}
	}()
	var bom cdx.BOM
	derr := cdx.NewBOMDecoder(bytes.NewReader(data), cdx.BOMFileFormatXML).Decode(&bom)
	sc := <-done
	if sc.err != nil {
		return fmt.Errorf("broken XML: %w", sc.err)
	}
	if derr != nil {
		return fmt.Errorf("cyclonedx-go cannot decode it: %w", derr)
	}
	if ns := bom.XMLNS; !strings.Contains(ns, cdxNamespace) {
		return fmt.Errorf("the root element is not a CycloneDX bom (namespace %q)", ns)
	}
	sv, err := parseCdxVersion(version)
	if err != nil {
		return err
	}
	bom.SpecVersion = sv
	bom.BOMFormat = cdx.BOMFormat // XML says it with its namespace, JSON with this member
	res.Before = sc.s.counts
	res.Notes = append(res.Notes, sc.s.notes()...)
	return encodeCdx(&bom, res)
}

type cdxJSON struct{}

func (cdxJSON) convert(ctx context.Context, data []byte, version string, res *Result) error {
	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(bytes.NewReader(data), cdx.BOMFileFormatJSON).Decode(&bom); err != nil {
		return fmt.Errorf("cyclonedx-go cannot decode it: %w", err)
	}
	before, err := countJSON(data, sbomcat.FormatCycloneDX)
	if err != nil {
		return fmt.Errorf("invalid JSON: %w", err)
	}
	res.Before = before
	return encodeCdx(&bom, res)
}

// encodeCdx writes bom as JSON at res.ToVersion and counts what was written.
func encodeCdx(bom *cdx.BOM, res *Result) error {
	to, err := parseCdxVersion(res.ToVersion)
	if err != nil {
		return err
	}
	if to < bom.SpecVersion {
		res.Notes = append(res.Notes, downgradeNotes(bom, to)...)
	}
	var buf bytes.Buffer
	enc := cdx.NewBOMEncoder(&buf, cdx.BOMFileFormatJSON).SetPretty(true).SetEscapeHTML(false)
	encode := func() error { return enc.EncodeVersion(bom, to) }
	if to == bom.SpecVersion {
		// EncodeVersion deep-copies the BOM first; at the same version there is nothing to
		// convert, and the copy of a 50 MB BOM costs seconds.
		encode = func() error { return enc.Encode(bom) }
	}
	if err := encode(); err != nil {
		return fmt.Errorf("cyclonedx-go cannot encode it as %s JSON: %w", to, err)
	}
	return res.written(buf.Bytes(), sbomcat.FormatCycloneDX)
}

func parseCdxVersion(v string) (cdx.SpecVersion, error) {
	var sv cdx.SpecVersion
	if err := sv.UnmarshalJSON([]byte(`"` + v + `"`)); err != nil {
		return 0, fmt.Errorf("CycloneDX version %q is not one cyclonedx-go knows", v)
	}
	return sv, nil
}

// downgradeNotes names the top-level sections that cyclonedx-go's conversion leaves out when
// writing an older version than the input's (its convert.go, section by section).
func downgradeNotes(bom *cdx.BOM, to cdx.SpecVersion) []string {
	sections := []struct {
		name  string
		since cdx.SpecVersion
		set   bool
	}{
		{"compositions", cdx.SpecVersion1_3, bom.Compositions != nil},
		{"vulnerabilities", cdx.SpecVersion1_4, bom.Vulnerabilities != nil},
		{"annotations", cdx.SpecVersion1_5, bom.Annotations != nil},
		{"formulation", cdx.SpecVersion1_5, bom.Formulation != nil},
		{"declarations", cdx.SpecVersion1_6, bom.Declarations != nil},
		{"definitions", cdx.SpecVersion1_6, bom.Definitions != nil},
		{"citations", cdx.SpecVersion1_7, bom.Citations != nil},
	}
	var notes []string
	for _, s := range sections {
		if s.set && to < s.since {
			notes = append(notes, fmt.Sprintf("warning: %s: left out (CycloneDX %s has no %s; they came in %s)", s.name, to, s.name, s.since))
		}
	}
	return append(notes, fmt.Sprintf("warning: fields newer than CycloneDX %s: left out where the input has them (cyclonedx-go's conversion to %s)", to, to))
}

// xmlScan is what the token walk of a CycloneDX XML document found.
type xmlScan struct {
	counts     Counts
	comments   int
	extensions map[string]int // elements outside the CycloneDX namespace, by namespace
	doctype    bool
}

func (s xmlScan) notes() []string {
	var n []string
	if s.comments > 0 {
		n = append(n, fmt.Sprintf("warning: XML comments: %d left out (JSON has no comments)", s.comments))
	}
	for ns, k := range s.extensions {
		n = append(n, fmt.Sprintf("warning: XML extension elements in namespace %q: %d left out (CycloneDX JSON has no place for XML extensions)", ns, k))
	}
	if s.doctype {
		n = append(n, "warning: DOCTYPE declaration: left out (JSON has none)")
	}
	return n
}

func attr(e xml.StartElement, name string) string {
	for _, a := range e.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// scanCdxXML counts the CycloneDX elements of the document as written: every component
// element, every hash, and every distinct edge from a dependency to one nested in it. Elements of other
// namespaces (extensions) are counted and skipped: cyclonedx-go does not read them either.
func scanCdxXML(data []byte) (xmlScan, error) {
	s := xmlScan{counts: Counts{Format: sbomcat.FormatCycloneDX}, extensions: map[string]int{}}
	d := xml.NewDecoder(bytes.NewReader(data))
	var stack, refs []string   // open elements; refs of the open dependency elements
	edges := map[string]bool{} // "ref\x00dependsOn": a graph states each edge once, however nested
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return s, nil
		}
		if err != nil {
			return s, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if !strings.Contains(t.Name.Space, cdxNamespace) && !strings.Contains(t.Name.Space, cdxDependencyGraph) {
				if len(stack) == 0 {
					return s, fmt.Errorf("the root element <%s> is not in a CycloneDX namespace", t.Name.Local)
				}
				s.extensions[t.Name.Space]++
				if err := d.Skip(); err != nil {
					return s, err
				}
				continue
			}
			switch t.Name.Local {
			case "component":
				s.counts.Elements++
			case "hash":
				s.counts.Hashes++
			case "dependency":
				ref := attr(t, "ref")
				if n := len(stack); n > 0 && stack[n-1] == "dependency" {
					edges[refs[len(refs)-1]+"\x00"+ref] = true
					s.counts.Links = len(edges)
				}
				refs = append(refs, ref)
			}
			stack = append(stack, t.Name.Local)
		case xml.EndElement:
			if stack[len(stack)-1] == "dependency" {
				refs = refs[:len(refs)-1]
			}
			stack = stack[:len(stack)-1]
		case xml.Comment:
			s.comments++
		case xml.Directive:
			if bytes.HasPrefix(bytes.TrimSpace(t), []byte("DOCTYPE")) {
				s.doctype = true
			}
		}
	}
}
