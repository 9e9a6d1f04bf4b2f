package formats

import (
	"context"
	"fmt"
	"io"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/internal/ctxio"
	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx"
	"github.com/spdx/tools-golang/spdx/v2/common"
)

// finding is one reference-integrity error found by the strict profile.
type finding struct {
	ptr string
	msg string
}

// describeFindings writes the findings, each with its place when it has one (places[i] for the
// first few; a zero Place has none).
func describeFindings(fs []finding, places []sbomcat.Place) string {
	var b strings.Builder
	b.WriteString("reference error")
	if len(fs) > 1 {
		b.WriteString("s")
	}
	for i, f := range fs {
		if i == maxReported {
			fmt.Fprintf(&b, " (and %d more)", len(fs)-maxReported)
			break
		}
		if i == 0 {
			b.WriteString(" at ")
		} else {
			b.WriteString("; at ")
		}
		b.WriteString(f.ptr)
		if i < len(places) && places[i].Line > 0 {
			b.WriteString(" " + places[i].String())
		}
		b.WriteString(": " + f.msg)
	}
	return b.String()
}

// strictCheck applies the strict profile's reference rules (docs/behaviour.md, "Accepted SBOMs") to
// a document that already conforms to its schema. It decodes with the field's own models,
// cyclonedx-go and spdx/tools-golang, so a document they cannot read fails here too.
func strictCheck(ctx context.Context, open Opener, skip int64, format sbomcat.Format) (fs []finding, err error) {
	rc, err := open()
	if err != nil {
		return nil, fmt.Errorf("opening: %w", err)
	}
	defer rc.Close()
	r := ctxio.ErrRecorder{R: ctxio.Reader(ctx, rc)}
	if _, err := io.CopyN(io.Discard, &r, skip); err != nil { // a byte order mark
		return nil, fmt.Errorf("reading: %w", err)
	}
	defer func() {
		if p := recover(); p != nil { // tools-golang has panicked on odd input before
			fs, err = []finding{{"/", fmt.Sprintf("the %s parser failed on this document (%v)", parserName(format), p)}}, nil
		}
	}()
	switch format {
	case sbomcat.FormatCycloneDX:
		var bom cdx.BOM
		if derr := cdx.NewBOMDecoder(&r, cdx.BOMFileFormatJSON).Decode(&bom); derr != nil {
			if r.Err != nil {
				return nil, fmt.Errorf("reading: %w", r.Err)
			}
			return []finding{{"/", "cyclonedx-go cannot decode it: " + derr.Error()}}, nil
		}
		return cycloneDXReferences(&bom), nil
	case sbomcat.FormatSPDX:
		doc, derr := spdxjson.Read(&r)
		if derr != nil {
			if r.Err != nil {
				return nil, fmt.Errorf("reading: %w", r.Err)
			}
			return []finding{{"/", "spdx/tools-golang cannot decode it: " + derr.Error()}}, nil
		}
		return spdxReferences(doc), nil
	}
	return nil, nil
}

func parserName(f sbomcat.Format) string {
	if f == sbomcat.FormatSPDX {
		return "spdx/tools-golang"
	}
	return "cyclonedx-go"
}

func cycloneDXReferences(bom *cdx.BOM) []finding {
	var fs []finding
	refs := map[string]string{} // bom-ref -> where it was first seen
	note := func(ref, ptr string) {
		if ref == "" {
			return
		}
		if first, dup := refs[ref]; dup {
			fs = append(fs, finding{ptr, fmt.Sprintf("bom-ref %q is also used at %s; bom-refs must be unique", ref, first)})
			return
		}
		refs[ref] = ptr
	}
	var components func(cs *[]cdx.Component, ptr string)
	component := func(c *cdx.Component, ptr string) {
		note(c.BOMRef, ptr)
		components(c.Components, ptr+"/components")
	}
	components = func(cs *[]cdx.Component, ptr string) {
		if cs == nil {
			return
		}
		for i := range *cs {
			component(&(*cs)[i], fmt.Sprintf("%s/%d", ptr, i))
		}
	}
	var services func(ss *[]cdx.Service, ptr string)
	services = func(ss *[]cdx.Service, ptr string) {
		if ss == nil {
			return
		}
		for i := range *ss {
			p := fmt.Sprintf("%s/%d", ptr, i)
			note((*ss)[i].BOMRef, p)
			services((*ss)[i].Services, p+"/services")
		}
	}
	if bom.Metadata != nil && bom.Metadata.Component != nil {
		component(bom.Metadata.Component, "/metadata/component")
	}
	components(bom.Components, "/components")
	services(bom.Services, "/services")
	if bom.Dependencies != nil {
		for i, d := range *bom.Dependencies {
			p := fmt.Sprintf("/dependencies/%d", i)
			if _, ok := refs[d.Ref]; !ok {
				fs = append(fs, finding{p + "/ref", fmt.Sprintf("names bom-ref %q, which no component or service has", d.Ref)})
			}
			for _, l := range []struct {
				field string
				list  *[]string
			}{{"dependsOn", d.Dependencies}, {"provides", d.Provides}} {
				field, list := l.field, l.list
				if list == nil {
					continue
				}
				for j, ref := range *list {
					if _, ok := refs[ref]; !ok {
						fs = append(fs, finding{fmt.Sprintf("%s/%s/%d", p, field, j), fmt.Sprintf("names bom-ref %q, which no component or service has", ref)})
					}
				}
			}
		}
	}
	return fs
}

func spdxReferences(doc *spdx.Document) []finding {
	var fs []finding
	ids := map[common.ElementID]string{}
	note := func(id common.ElementID, ptr string) {
		if first, dup := ids[id]; dup {
			fs = append(fs, finding{ptr, fmt.Sprintf("SPDXID %q is also used at %s; SPDXIDs must be unique", "SPDXRef-"+string(id), first)})
			return
		}
		ids[id] = ptr
	}
	note(doc.SPDXIdentifier, "/SPDXID")
	for i, p := range doc.Packages {
		if p == nil {
			continue
		}
		note(p.PackageSPDXIdentifier, fmt.Sprintf("/packages/%d/SPDXID", i))
		for j, f := range p.Files {
			if f != nil {
				note(f.FileSPDXIdentifier, fmt.Sprintf("/packages/%d/files/%d/SPDXID", i, j))
			}
		}
	}
	for i, f := range doc.Files {
		if f != nil {
			note(f.FileSPDXIdentifier, fmt.Sprintf("/files/%d/SPDXID", i))
		}
	}
	for i, s := range doc.Snippets {
		note(s.SnippetSPDXIdentifier, fmt.Sprintf("/snippets/%d/SPDXID", i))
	}
	exists := func(ref common.DocElementID) bool {
		if ref.DocumentRefID != "" || ref.SpecialID != "" {
			return true // another document's element, NONE or NOASSERTION
		}
		_, ok := ids[ref.ElementRefID]
		return ok
	}
	describes := false
	for i, r := range doc.Relationships {
		if r == nil {
			continue
		}
		p := fmt.Sprintf("/relationships/%d", i)
		if !exists(r.RefA) {
			fs = append(fs, finding{p + "/spdxElementId", fmt.Sprintf("names %q, which no element of this document has", common.RenderDocElementID(r.RefA))})
		}
		if !exists(r.RefB) {
			fs = append(fs, finding{p + "/relatedSpdxElement", fmt.Sprintf("names %q, which no element of this document has", common.RenderDocElementID(r.RefB))})
		}
		switch {
		case r.Relationship == common.TypeRelationshipDescribe && r.RefA.ElementRefID == doc.SPDXIdentifier:
			describes = true
		case r.Relationship == common.TypeRelationshipDescribeBy && r.RefB.ElementRefID == doc.SPDXIdentifier:
			describes = true
		}
	}
	if !describes {
		fs = append(fs, finding{"/relationships", fmt.Sprintf("no DESCRIBES relationship from %q (or documentDescribes) says what the document is about", "SPDXRef-"+string(doc.SPDXIdentifier))})
	}
	return fs
}
