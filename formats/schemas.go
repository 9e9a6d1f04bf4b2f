package formats

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"sync"

	"github.com/CycloneDX/sbom-utility/resources"
	"github.com/github/go-spdx/v2/spdxexp/spdxlicenses"
	"github.com/sbomcat/sbomcat"
)

// schemaRef names the official schema of one accepted format version, as embedded by
// CycloneDX's sbom-utility module (its resources package carries the upstream files).
type schemaRef struct {
	format  sbomcat.Format
	version string
	path    string // inside resources.BOMSchemaFiles
}

// Accepted versions and their schemas (docs/behaviour.md, "Accepted SBOMs"). CycloneDX 1.2 and 1.3
// use the regular schemas, not the -strict variants; SPDX 2.2 uses 2.2.2, whose enumeration already
// admits PACKAGE-MANAGER beside PACKAGE_MANAGER.
var acceptedSchemas = []schemaRef{
	{sbomcat.FormatCycloneDX, "1.2", "schema/cyclonedx/1.2/bom-1.2.schema.json"},
	{sbomcat.FormatCycloneDX, "1.3", "schema/cyclonedx/1.3/bom-1.3.schema.json"},
	{sbomcat.FormatCycloneDX, "1.4", "schema/cyclonedx/1.4/bom-1.4.schema.json"},
	{sbomcat.FormatCycloneDX, "1.5", "schema/cyclonedx/1.5/bom-1.5.schema.json"},
	{sbomcat.FormatCycloneDX, "1.6", "schema/cyclonedx/1.6/bom-1.6.schema.json"},
	{sbomcat.FormatCycloneDX, "1.7", "schema/cyclonedx/1.7/bom-1.7.schema.json"},
	{sbomcat.FormatSPDX, "2.2", "schema/spdx/2.2.2/spdx-schema.json"},
	{sbomcat.FormatSPDX, "2.3", "schema/spdx/2.3/spdx-schema.json"},
}

// cycloneDXCommon are the schemas CycloneDX's bom schemas reference by relative URL.
var cycloneDXCommon = []string{
	"schema/cyclonedx/common/spdx.schema.json",
	"schema/cyclonedx/common/jsf-0.82.schema.json",
	"schema/cyclonedx/common/cryptography-defs.schema.json",
}

func findSchema(f sbomcat.Format, version string) (schemaRef, bool) {
	for _, s := range acceptedSchemas {
		if s.format == f && s.version == version {
			return s, true
		}
	}
	return schemaRef{}, false
}

// acceptedVersions lists the accepted versions of a format for messages ("1.2 to 1.7").
func acceptedVersions(f sbomcat.Format) string {
	var vs []string
	for _, s := range acceptedSchemas {
		if s.format == f {
			vs = append(vs, s.version)
		}
	}
	if len(vs) > 2 {
		return vs[0] + " to " + vs[len(vs)-1]
	}
	return strings.Join(vs, " and ")
}

// cycloneDXLicenseIDs is CycloneDX's enumeration of SPDX licence identifiers, which is a
// snapshot of the SPDX License List (3.26.0 in the embedded copy).
const cycloneDXLicenseIDs = "schema/cyclonedx/common/spdx.schema.json"

// withNewerLicenceIDs brings CycloneDX's licence-id enumeration up to the newer SPDX License
// List that github/go-spdx embeds: upstream regenerates that file as the list grows, and its
// own test suite labels a document using "Artistic-dist" (list 3.27) valid, which the
// embedded 3.26 snapshot would reject. Nothing is removed, so the check is never stricter than
// the snapshot. The oracle's documents (schemaDoc) and our compiler (compileSchema) both
// update it here.
func withNewerLicenceIDs(enum []any) []any {
	seen := make(map[string]bool, len(enum))
	for _, id := range enum {
		if s, ok := id.(string); ok {
			seen[s] = true
		}
	}
	for _, list := range [][]string{spdxlicenses.GetLicenses(), spdxlicenses.GetDeprecated(), spdxlicenses.GetExceptions()} {
		for _, id := range list {
			if !seen[id] {
				seen[id] = true
				enum = append(enum, id)
			}
		}
	}
	return enum
}

// SPDXLicenseListVersion is the SPDX License List that licence ids are checked against, in
// addition to CycloneDX's own snapshot.
func SPDXLicenseListVersion() string { return spdxlicenses.LicenseListVersion() }

// readSchemaText reads one embedded schema file for the compiler.
func readSchemaText(path string) (*schemaText, error) {
	b, err := fs.ReadFile(resources.BOMSchemaFiles, path)
	if err != nil {
		return nil, fmt.Errorf("embedded schema %s: %w", path, err)
	}
	t, err := newSchemaText(b)
	if err != nil {
		return nil, fmt.Errorf("embedded schema %s: %w", path, err)
	}
	return t, nil
}

// decodeBytes decodes a JSON document into what encoding/json's Decoder with UseNumber gives:
// map[string]any, []any, string, json.Number, bool and nil. It reads with the scanner that
// reads SBOMs rather than with encoding/json, whose decoder scans the bytes twice (once to
// find the value's end, once to decode it) a byte at a time: that was half of compiling a
// CycloneDX schema.
func decodeBytes(b []byte) (any, error) {
	d := docDecoder{s: &scanner{buf: b, end: len(b), eof: true}}
	v, err := d.value(0)
	if err != nil {
		return nil, err
	}
	if c, more := d.s.peek(); more {
		return nil, d.s.fail("unexpected %s after the top-level value", describeByte(c))
	}
	return v, nil
}

// docDecoder builds the values of decodeBytes.
type docDecoder struct {
	s       *scanner
	scratch []byte
}

func (d *docDecoder) value(depth int) (any, error) {
	s := d.s
	c, ok := s.peek()
	if !ok {
		return nil, s.eofError("where a value was expected")
	}
	switch c {
	case '{':
		if depth >= maxDepth {
			return nil, s.tooDeep()
		}
		s.pos++
		m := map[string]any{}
		err := s.eachMember(func(key []byte) error {
			k := string(key)
			v, err := d.value(depth + 1)
			m[k] = v // the last of repeated names, as encoding/json keeps
			return err
		})
		return m, err
	case '[':
		if depth >= maxDepth {
			return nil, s.tooDeep()
		}
		s.pos++
		a := []any{}
		err := s.eachElement(func(int) error {
			v, err := d.value(depth + 1)
			a = append(a, v)
			return err
		})
		return a, err
	case '"':
		b, err := s.readString(d.scratch[:0], true)
		d.scratch = b
		if err != nil {
			return nil, err
		}
		if _, long := s.takeLong(); long {
			return nil, s.fail("a string longer than %d bytes", maxKeptString)
		}
		return string(b), nil
	case 't':
		return true, s.literal("true")
	case 'f':
		return false, s.literal("false")
	case 'n':
		return nil, s.literal("null")
	}
	if c != '-' && (c < '0' || c > '9') {
		return nil, s.fail("unexpected %s where a value was expected", describeByte(c))
	}
	lit, err := s.readNumber(d.scratch[:0])
	d.scratch = lit
	return json.Number(lit), err
}

// engineSchemas compiles each accepted schema with our engine, once, when first needed.
var engineSchemas = func() map[schemaRef]func() (*schema, error) {
	m := make(map[schemaRef]func() (*schema, error), len(acceptedSchemas))
	for _, ref := range acceptedSchemas {
		m[ref] = sync.OnceValues(func() (*schema, error) { return compileSchema(ref) })
	}
	return m
}()

// Precompile compiles every accepted schema now rather than at its first use (16-24 ms of CPU
// and 3.1 MiB of heap kept for all of them, 7 MiB allocated, measured in a fresh test process
// on 2026-12-03, load average 2-2.5; a pattern is compiled when it is first matched, see
// lazyPattern). Compiling on first use keeps short-lived processes (sbomctl, a Lambda's cold
// start) from paying for schemas they never use; a long-running service calls Precompile once
// at start, so that its first validations do not wait.
func Precompile() error {
	for _, ref := range acceptedSchemas {
		if _, err := engineSchemas[ref](); err != nil {
			return err
		}
	}
	return nil
}

func compileSchema(ref schemaRef) (*schema, error) {
	c := newCompiler()
	id, err := c.addSchemaTexts(ref)
	if err != nil {
		return nil, err
	}
	s, err := c.compileURL(id + "#")
	if err != nil {
		return nil, fmt.Errorf("compiling %s: %w", ref.path, err)
	}
	return s, nil
}

// addSchemaTexts adds the documents ref's schema needs (schemaPaths) under the URLs they name
// themselves with, and returns the URL of ref's own.
func (c *compiler) addSchemaTexts(ref schemaRef) (string, error) {
	var id string
	for _, p := range schemaPaths(ref) {
		t, err := readSchemaText(p)
		if err != nil {
			return "", err
		}
		id = textID(t, p)
		c.addText(id, t)
		if p == cycloneDXLicenseIDs { // its enum, the document itself, as schemaDoc's
			c.enumUpdates[id+"#"] = withNewerLicenceIDs
		}
	}
	return id, nil
}

// schemaPaths are the schema files that ref's schema needs: the ones it refers to, then its
// own.
func schemaPaths(ref schemaRef) []string {
	if ref.format == sbomcat.FormatCycloneDX {
		return append(slices.Clone(cycloneDXCommon), ref.path)
	}
	return []string{ref.path}
}

// textID is schemaID for a schema document's text.
func textID(t *schemaText, fallback string) string {
	if v, ok := t.root.member("$id"); ok && v.kind() == '"' {
		if id, _ := decodeBytes(t.b[v.start:v.end]); id != nil && id != "" {
			return id.(string)
		}
	}
	return fallback
}
