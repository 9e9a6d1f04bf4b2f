package convert

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spdx/gordf/rdfloader"
	gordf "github.com/spdx/gordf/rdfloader/parser"
	spdxconv "github.com/spdx/tools-golang/convert"
	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx"
	"github.com/spdx/tools-golang/spdx/common"
	v2common "github.com/spdx/tools-golang/spdx/v2/common"
	"github.com/spdx/tools-golang/spdx/v2/v2_1"
	tv21 "github.com/spdx/tools-golang/spdx/v2/v2_1/tagvalue/reader"
	"github.com/spdx/tools-golang/spdx/v2/v2_2"
	rdf22 "github.com/spdx/tools-golang/spdx/v2/v2_2/rdf/reader"
	tv22 "github.com/spdx/tools-golang/spdx/v2/v2_2/tagvalue/reader"
	"github.com/spdx/tools-golang/spdx/v2/v2_3"
	rdf23 "github.com/spdx/tools-golang/spdx/v2/v2_3/rdf/reader"
	tv23 "github.com/spdx/tools-golang/spdx/v2/v2_3/tagvalue/reader"
	tvreader "github.com/spdx/tools-golang/tagvalue/reader"
	spdxyaml "github.com/spdx/tools-golang/yaml"
	"sigs.k8s.io/yaml"

	"github.com/sbomcat/sbomcat"
)

type spdxTagValue struct{}

func (spdxTagValue) convert(ctx context.Context, data []byte, version string, res *Result) error {
	pairs, err := tvreader.ReadTagValues(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("tag-value: %w", err)
	}
	before := Counts{Format: sbomcat.FormatSPDX}
	declared := ""
	for _, p := range pairs {
		switch p.Tag {
		case "SPDXVersion":
			if declared == "" {
				declared = p.Value
			}
		case "PackageName":
			before.Elements++
		case "FileName":
			before.Files++
		case "Relationship":
			before.Links++
		case "PackageChecksum", "FileChecksum":
			before.Hashes++
		}
	}
	var parsed any
	switch declared {
	case v2_1.Version:
		parsed, err = tv21.ParseTagValues(pairs)
	case v2_2.Version:
		parsed, err = tv22.ParseTagValues(pairs)
	case v2_3.Version:
		parsed, err = tv23.ParseTagValues(pairs)
	default:
		return fmt.Errorf("SPDXVersion %q is not one spdx/tools-golang reads (SPDX-2.1, SPDX-2.2, SPDX-2.3)", declared)
	}
	if err != nil {
		return fmt.Errorf("spdx/tools-golang cannot read it: %w", err)
	}
	res.Before = before
	return writeSPDX(parsed, res)
}

type spdxRDF struct{}

const (
	rdfType   = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
	spdxTerms = "http://spdx.org/rdf/terms#"
)

func (spdxRDF) convert(ctx context.Context, data []byte, version string, res *Result) error {
	p, err := rdfloader.LoadFromReaderObject(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("RDF/XML: %w", err)
	}
	res.Before = countRDF(p)
	declared := ""
	for _, t := range p.Triples {
		if t.Predicate.ID == spdxTerms+"specVersion" {
			declared = t.Object.ID
			break
		}
	}
	var parsed any
	switch declared {
	case v2_2.Version:
		parsed, err = rdf22.LoadFromGoRDFParser(p)
	case v2_3.Version:
		parsed, err = rdf23.LoadFromGoRDFParser(p)
	default:
		return fmt.Errorf("specVersion %q: spdx/tools-golang reads RDF of SPDX-2.2 and SPDX-2.3 only", declared)
	}
	if err != nil {
		return fmt.Errorf("spdx/tools-golang cannot read it: %w", err)
	}
	doc, err := toDocument(parsed)
	if err != nil {
		return err
	}
	// RDF names file and relationship types by vocabulary terms (fileType_source,
	// relationshipType_dependsOn), which tools-golang reads as "source" and "dependsOn"; JSON
	// and tag-value write the same types as SOURCE and DEPENDS_ON.
	files := doc.Files
	for _, p := range doc.Packages {
		files = append(files, p.Files...)
	}
	for _, f := range files {
		for i, t := range f.FileTypes {
			f.FileTypes[i] = upperSnake(t)
		}
	}
	for _, r := range doc.Relationships {
		if r != nil {
			r.Relationship = upperSnake(r.Relationship)
		}
	}
	return writeSPDX(doc, res)
}

// upperSnake turns an RDF term's camel case into the upper snake case of JSON: dependsOn ->
// DEPENDS_ON.
func upperSnake(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 && r >= 'A' && r <= 'Z' && s[i-1] >= 'a' && s[i-1] <= 'z' {
			b.WriteByte('_')
		}
		b.WriteRune(r)
	}
	return strings.ToUpper(b.String())
}

// countRDF counts the typed SPDX nodes: packages, files, relationships, and the checksums of
// packages and files (an external document reference has one too, which JSON keeps elsewhere).
func countRDF(p *gordf.Parser) Counts {
	typed := map[string]string{}
	for _, t := range p.Triples {
		if t.Predicate.ID == rdfType {
			typed[t.Subject.ID] = t.Object.ID
		}
	}
	c := Counts{Format: sbomcat.FormatSPDX}
	for _, typ := range typed {
		switch typ {
		case spdxTerms + "Package":
			c.Elements++
		case spdxTerms + "File":
			c.Files++
		case spdxTerms + "Relationship":
			c.Links++
		}
	}
	seen := map[string]bool{}
	for _, t := range p.Triples {
		if t.Predicate.ID != spdxTerms+"checksum" || seen[t.Subject.ID+" "+t.Object.ID] {
			continue
		}
		if typ := typed[t.Subject.ID]; typ == spdxTerms+"Package" || typ == spdxTerms+"File" {
			seen[t.Subject.ID+" "+t.Object.ID] = true
			c.Hashes++
		}
	}
	return c
}

type spdxYAML struct{}

func (spdxYAML) convert(ctx context.Context, data []byte, version string, res *Result) error {
	asJSON, err := yaml.YAMLToJSON(data)
	if err != nil {
		return fmt.Errorf("YAML: %w", err)
	}
	return readSPDX(data, asJSON, spdxyaml.ReadInto, res)
}

type spdxJSON struct{}

func (spdxJSON) convert(ctx context.Context, data []byte, version string, res *Result) error {
	return readSPDX(data, data, spdxjson.ReadInto, res)
}

// readSPDX converts an SPDX 2 document in JSON or YAML: asJSON is data as JSON, which is
// counted, and readInto is tools-golang's reader of data's encoding.
func readSPDX(data, asJSON []byte, readInto func(io.Reader, common.AnyDocument) error, res *Result) error {
	var err error
	if res.Before, err = countSPDXDocument(asJSON); err != nil {
		return err
	}
	var doc spdx.Document
	if err := readInto(bytes.NewReader(data), &doc); err != nil {
		return fmt.Errorf("spdx/tools-golang cannot read it: %w", err)
	}
	return writeSPDX(&doc, res)
}

// countSPDXDocument counts an SPDX JSON document (or YAML turned into JSON) as written. Its
// relationships are those of the relationships array and those that documentDescribes and
// hasFiles state, each once: tools-golang reads the last two as DESCRIBES and CONTAINS
// relationships, and JSON keeps them so.
func countSPDXDocument(data []byte) (Counts, error) {
	type element struct {
		SPDXID    string   `json:"SPDXID"`
		HasFiles  []string `json:"hasFiles"`
		Checksums []any    `json:"checksums"`
	}
	var doc struct {
		SPDXID            string    `json:"SPDXID"`
		Packages          []element `json:"packages"`
		Files             []element `json:"files"`
		DocumentDescribes []string  `json:"documentDescribes"`
		Relationships     []struct {
			A   string `json:"spdxElementId"`
			Rel string `json:"relationshipType"`
			B   any    `json:"relatedSpdxElement"`
		} `json:"relationships"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return Counts{}, fmt.Errorf("the document does not have the shape of SPDX 2 JSON: %w", err)
	}
	c := Counts{Format: sbomcat.FormatSPDX, Elements: len(doc.Packages), Files: len(doc.Files)}
	rels := map[string]bool{}
	for _, r := range doc.Relationships {
		rels[fmt.Sprintf("%s %s %v", r.A, r.Rel, r.B)] = true
	}
	for _, id := range doc.DocumentDescribes {
		rels[fmt.Sprintf("%s %s %v", doc.SPDXID, "DESCRIBES", id)] = true
	}
	for _, p := range doc.Packages {
		c.Hashes += len(p.Checksums)
		for _, f := range p.HasFiles {
			rels[fmt.Sprintf("%s %s %v", p.SPDXID, "CONTAINS", f)] = true
		}
	}
	for _, f := range doc.Files {
		c.Hashes += len(f.Checksums)
	}
	c.Links = len(rels)
	return c, nil
}

// toDocument converts parsed, a tools-golang document of any version, to the current model.
func toDocument(parsed any) (*spdx.Document, error) {
	var doc spdx.Document
	if err := spdxconv.Document(parsed.(common.AnyDocument), &doc); err != nil {
		return nil, fmt.Errorf("spdx/tools-golang cannot convert it: %w", err)
	}
	return &doc, nil
}

// writeSPDX writes parsed (a tools-golang document of any version) as JSON at res.ToVersion.
func writeSPDX(parsed any, res *Result) error {
	doc, err := toDocument(parsed)
	if err != nil {
		return err
	}
	if n := hoistPackageFiles(doc); n > 0 {
		res.Reasons = map[string]string{"relationships": fmt.Sprintf("%d files listed under their package are written as CONTAINS relationships: SPDX JSON does not nest files", n)}
	}
	var out common.AnyDocument = doc
	if res.ToVersion == "2.2" {
		res.Notes = append(res.Notes, spdx23Notes(doc)...)
		var d22 v2_2.Document
		if err := spdxconv.Document(doc, &d22); err != nil {
			return fmt.Errorf("spdx/tools-golang cannot convert it to SPDX 2.2: %w", err)
		}
		out = &d22
	}
	var buf bytes.Buffer
	if err := spdxjson.Write(out, &buf, spdxjson.Indent("  "), spdxjson.EscapeHTML(false)); err != nil {
		return fmt.Errorf("spdx/tools-golang cannot write it as JSON: %w", err)
	}
	return res.written(buf.Bytes(), sbomcat.FormatSPDX)
}

// hoistPackageFiles moves the files that tag-value and RDF list under a package to the
// document's files, stating the containment as a CONTAINS relationship unless one says so
// already: SPDX JSON has no files inside packages. It returns how many relationships it added.
func hoistPackageFiles(doc *spdx.Document) int {
	have := map[string]bool{}
	for _, r := range doc.Relationships {
		if r != nil {
			have[v2common.RenderDocElementID(r.RefA)+" "+r.Relationship+" "+v2common.RenderDocElementID(r.RefB)] = true
		}
	}
	listed := map[v2common.ElementID]bool{}
	for _, f := range doc.Files {
		listed[f.FileSPDXIdentifier] = true
	}
	added := 0
	for _, p := range doc.Packages {
		for _, f := range p.Files {
			if !listed[f.FileSPDXIdentifier] {
				doc.Files = append(doc.Files, f)
				listed[f.FileSPDXIdentifier] = true
			}
			a := v2common.DocElementID{ElementRefID: p.PackageSPDXIdentifier}
			b := v2common.DocElementID{ElementRefID: f.FileSPDXIdentifier}
			key := v2common.RenderDocElementID(a) + " " + v2common.TypeRelationshipContains + " " + v2common.RenderDocElementID(b)
			if !have[key] {
				doc.Relationships = append(doc.Relationships, &spdx.Relationship{RefA: a, RefB: b, Relationship: v2common.TypeRelationshipContains})
				have[key] = true
				added++
			}
		}
		p.Files = nil
	}
	return added
}

// spdx23Notes names the SPDX 2.3 package fields that SPDX 2.2 has no place for.
func spdx23Notes(doc *spdx.Document) []string {
	counts := map[string]int{}
	for _, p := range doc.Packages {
		for name, v := range map[string]string{"primaryPackagePurpose": p.PrimaryPackagePurpose, "releaseDate": p.ReleaseDate, "builtDate": p.BuiltDate, "validUntilDate": p.ValidUntilDate} {
			if v != "" {
				counts[name]++
			}
		}
	}
	var notes []string
	for _, name := range []string{"primaryPackagePurpose", "releaseDate", "builtDate", "validUntilDate"} {
		if n := counts[name]; n > 0 {
			notes = append(notes, fmt.Sprintf("warning: %s: left out of %d packages (SPDX 2.2 has no %s)", name, n, name))
		}
	}
	return notes
}
