package profiles

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/sbomcat/sbomcat/formats"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in, want string
	}{
		{"", "aws"},
		{"aws", "aws"},
		{"AWS", "aws"},
		{"strict", "strict"},
		{"ntia", "ntia"},
		{"aws,ntia", "ntia"},
		{" NTIA , strict ", "strict,ntia"},
		{"bsi,ntia", "ntia,bsi"},
		{"ntia,ntia", "ntia"},
		{"strict,bsi,ntia,aws", "strict,ntia,bsi"},
	} {
		set, err := Parse(tc.in)
		if err != nil || set.String() != tc.want {
			t.Errorf("Parse(%q) = %q, %v; want %q", tc.in, set.String(), err, tc.want)
		}
		// The canonical name parses to itself.
		if again, err := Parse(set.String()); err != nil || again.String() != tc.want {
			t.Errorf("Parse(%q) = %q, %v; want %q", set.String(), again.String(), err, tc.want)
		}
	}
	for _, tc := range []struct{ in, name string }{
		{"lenient", "lenient"},
		{"ntia,cisa", "cisa"},
		{"ntia,", ""},
		{"strict;ntia", "strict;ntia"},
	} {
		_, err := Parse(tc.in)
		var ue *UnknownError
		if !errors.As(err, &ue) || ue.Name != tc.name || ue.Profile != tc.in {
			t.Errorf("Parse(%q) = %v; want an UnknownError naming %q", tc.in, err, tc.name)
			continue
		}
		if !strings.Contains(err.Error(), "aws, strict, ntia, bsi") {
			t.Errorf("Parse(%q): %v does not list the profiles", tc.in, err)
		}
	}
}

// doc is a fixture decoded for mutation.
type doc = map[string]any

func load(t *testing.T, name string) doc {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var d doc
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	return d
}

// each applies fn to every element of d[list].
func each(d doc, list string, fn func(doc)) {
	for _, e := range d[list].([]any) {
		fn(e.(doc))
	}
}

func meta(d doc) doc { return d["metadata"].(doc) }

// dropProperty removes the named property from every component.
func dropProperty(name string) func(doc) {
	return func(d doc) {
		each(d, "components", func(c doc) {
			var keep []any
			for _, p := range c["properties"].([]any) {
				if p.(doc)["name"] != name {
					keep = append(keep, p)
				}
			}
			c["properties"] = keep
		})
	}
}

// validate judges d under profile.
func validate(t *testing.T, d doc, profile string) formats.Verdict {
	t.Helper()
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return validateBytes(t, b, profile)
}

func validateBytes(t *testing.T, b []byte, profile string) formats.Verdict {
	t.Helper()
	set, err := Parse(profile)
	if err != nil {
		t.Fatal(err)
	}
	v, err := formats.Validate(context.Background(), func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(b)), nil
	}, set.Options())
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// cdxVersion makes the complete CycloneDX fixture a document of version v, with only what
// that version's schema has: metadata.tools is an array before 1.5, properties came in 1.3,
// metadata.supplier stays (1.2 has it).
func cdxVersion(v string) func(doc) {
	return func(d doc) {
		d["specVersion"] = v
		if minor := cycloneDXMinor(v); minor < 5 {
			meta(d)["tools"] = []any{doc{"vendor": "Acme", "name": "fw-sbom", "version": "2.0.0"}}
			if minor < 3 {
				each(d, "components", func(c doc) { delete(c, "properties") })
			}
		}
	}
}

// spdx22 makes the complete SPDX fixture an SPDX 2.2 document: primaryPackagePurpose is 2.3's.
func spdx22(d doc) {
	d["spdxVersion"] = "SPDX-2.2"
	each(d, "packages", func(p doc) { delete(p, "primaryPackagePurpose") })
}

// TestCompleteVersions: a complete SBOM passes each profile in every version it can be written
// in, and fails bsi where the guideline refuses the version.
func TestCompleteVersions(t *testing.T) {
	for _, tc := range []struct {
		fixture string
		version func(doc)
		name    string
		bsi     string // "" when bsi passes, else what its message says
	}{
		{"complete.cdx.json", cdxVersion("1.2"), "cdx-1.2", "CycloneDX 1.2 is older than 1.5"},
		{"complete.cdx.json", cdxVersion("1.3"), "cdx-1.3", "CycloneDX 1.3 is older than 1.5"},
		{"complete.cdx.json", cdxVersion("1.4"), "cdx-1.4", "CycloneDX 1.4 is older than 1.5"},
		{"complete.cdx.json", cdxVersion("1.5"), "cdx-1.5", ""},
		{"complete.cdx.json", cdxVersion("1.6"), "cdx-1.6", ""},
		{"complete.cdx.json", cdxVersion("1.7"), "cdx-1.7", ""},
		{"complete.spdx.json", spdx22, "spdx-2.2", ""},
		{"complete.spdx.json", func(doc) {}, "spdx-2.3", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := load(t, tc.fixture)
			tc.version(d)
			for _, p := range []string{"aws", "ntia", "strict,ntia"} {
				if v := validate(t, d, p); !v.Valid() {
					t.Errorf("%s: %s", p, v.Problem)
				}
			}
			for _, p := range []string{"bsi", "strict,ntia,bsi"} {
				v := validate(t, d, p)
				switch {
				case tc.bsi == "" && !v.Valid():
					t.Errorf("%s: %s", p, v.Problem)
				case tc.bsi != "" && !strings.Contains(v.Problem, tc.bsi):
					t.Errorf("%s: %q, want it to say %q", p, v.Problem, tc.bsi)
				}
			}
		})
	}
}

// TestMissingElement removes one element from the complete SBOM, with every field that could
// satisfy it, and expects exactly that element to be reported under the profile.
func TestMissingElement(t *testing.T) {
	cdx, spdx := "complete.cdx.json", "complete.spdx.json"
	comps := func(fn func(doc)) func(doc) { return func(d doc) { each(d, "components", fn) } }
	pkgs := func(fn func(doc)) func(doc) { return func(d doc) { each(d, "packages", fn) } }
	for _, tc := range []struct {
		profile, fixture, name string
		mutate                 func(doc)
		want                   string // the one item the profile reports
	}{
		// NTIA, CycloneDX.
		{"ntia", cdx, "components", func(d doc) { delete(d, "components") }, "no components"},
		{"ntia", cdx, "components empty", func(d doc) { d["components"] = []any{} }, "no components"},
		{"ntia", cdx, "author", func(d doc) { m := meta(d); delete(m, "authors"); delete(m, "tools"); delete(m, "supplier") }, "no author of the SBOM data"},
		{"ntia", cdx, "author empty", func(d doc) {
			m := meta(d)
			m["authors"], m["tools"], m["supplier"] = []any{doc{"name": ""}}, doc{"components": []any{}}, doc{"url": []any{""}}
		}, "no author of the SBOM data"},
		{"ntia", cdx, "timestamp", func(d doc) { delete(meta(d), "timestamp") }, "no timestamp"},
		{"ntia", cdx, "dependencies", func(d doc) { delete(d, "dependencies") }, "no dependency relationship"},
		{"ntia", cdx, "dependencies empty", func(d doc) { d["dependencies"] = []any{doc{"ref": "root", "dependsOn": []any{}}} }, "no dependency relationship"},
		{"ntia", cdx, "supplier", comps(func(c doc) { delete(c, "supplier") }), "2 of 2 components lack a supplier name"},
		{"ntia", cdx, "supplier empty", comps(func(c doc) { c["supplier"] = doc{"name": " "} }), "2 of 2 components lack a supplier name"},
		{"ntia", cdx, "name", comps(func(c doc) { c["name"] = "" }), "2 of 2 components lack a name"},
		{"ntia", cdx, "version", comps(func(c doc) { delete(c, "version") }), "2 of 2 components lack a version"},
		{"ntia", cdx, "identifier", comps(func(c doc) { delete(c, "purl"); delete(c, "cpe") }), "2 of 2 components lack a unique identifier"},
		{"ntia", cdx, "identifier empty", comps(func(c doc) { c["purl"] = ""; delete(c, "cpe") }), "2 of 2 components lack a unique identifier"},
		// NTIA, SPDX.
		{"ntia", spdx, "components", func(d doc) { d["packages"] = []any{} }, "no components"},
		{"ntia", spdx, "author", func(d doc) { d["creationInfo"].(doc)["creators"] = []any{""} }, "no author of the SBOM data"},
		{"ntia", spdx, "dependencies", func(d doc) { d["relationships"] = d["relationships"].([]any)[:1] }, "no dependency relationship"},
		{"ntia", spdx, "supplier", pkgs(func(p doc) { delete(p, "supplier") }), "2 of 2 packages lack a supplier name"},
		{"ntia", spdx, "supplier NOASSERTION", pkgs(func(p doc) { p["supplier"] = "NOASSERTION" }), "2 of 2 packages lack a supplier name"},
		{"ntia", spdx, "name", pkgs(func(p doc) { p["name"] = "" }), "2 of 2 packages lack a name"},
		{"ntia", spdx, "version", pkgs(func(p doc) { delete(p, "versionInfo") }), "2 of 2 packages lack a version"},
		{"ntia", spdx, "identifier", pkgs(func(p doc) { delete(p, "externalRefs") }), "2 of 2 packages lack a unique identifier"},
		// BSI, CycloneDX.
		{"bsi", cdx, "components", func(d doc) { delete(d, "components") }, "no components"},
		{"bsi", cdx, "creator", func(d doc) { m := meta(d); delete(m, "authors"); delete(m, "supplier") }, "no SBOM creator's email address or URL"},
		{"bsi", cdx, "timestamp", func(d doc) { delete(meta(d), "timestamp") }, "no timestamp"},
		{"bsi", cdx, "dependencies", func(d doc) { delete(d, "dependencies") }, "no dependency relationship"},
		{"bsi", cdx, "component creator", comps(func(c doc) { c["supplier"] = doc{"name": c["name"]} }), "2 of 2 components lack a creator's email address or URL"},
		{"bsi", cdx, "name", comps(func(c doc) { c["name"] = "" }), "2 of 2 components lack a name"},
		{"bsi", cdx, "version", comps(func(c doc) { delete(c, "version") }), "2 of 2 components lack a version"},
		{"bsi", cdx, "filename", dropProperty("bsi:component:filename"), "2 of 2 components lack a filename"},
		{"bsi", cdx, "licence", comps(func(c doc) { delete(c, "licenses") }), "2 of 2 components lack a licence"},
		{"bsi", cdx, "sha-512", comps(func(c doc) {
			c["hashes"] = []any{doc{"alg": "SHA-256", "content": "b8cc24c9574d809e7279c3be349795c5d5ceb6fdf19ca709f80cde50e47de314"}}
		}), "2 of 2 components lack a SHA-512 hash"},
		{"bsi", cdx, "executable", dropProperty("bsi:component:executable"), "2 of 2 components lack the executable property"},
		{"bsi", cdx, "archive", dropProperty("bsi:component:archive"), "2 of 2 components lack the archive property"},
		{"bsi", cdx, "structured", dropProperty("bsi:component:structured"), "2 of 2 components lack the structured property"},
		// BSI, SPDX.
		{"bsi", spdx, "components", func(d doc) { d["packages"] = []any{} }, "no components"},
		{"bsi", spdx, "creator", func(d doc) {
			d["creationInfo"].(doc)["creators"] = []any{"Organization: Acme Devices", "Tool: fw-sbom-2.0.0"}
		}, "no SBOM creator's email address or URL"},
		{"bsi", spdx, "dependencies", func(d doc) { d["relationships"] = d["relationships"].([]any)[:1] }, "no dependency relationship"},
		{"bsi", spdx, "component creator", pkgs(func(p doc) { p["supplier"] = "Organization: " + p["name"].(string) }), "2 of 2 packages lack a creator's email address or URL"},
		{"bsi", spdx, "name", pkgs(func(p doc) { p["name"] = "" }), "2 of 2 packages lack a name"},
		{"bsi", spdx, "version", pkgs(func(p doc) { delete(p, "versionInfo") }), "2 of 2 packages lack a version"},
		{"bsi", spdx, "filename", pkgs(func(p doc) { delete(p, "packageFileName") }), "2 of 2 packages lack a filename"},
		{"bsi", spdx, "licence", pkgs(func(p doc) { p["licenseConcluded"], p["licenseDeclared"] = "NOASSERTION", "NONE" }), "2 of 2 packages lack a licence"},
		{"bsi", spdx, "sha-512", pkgs(func(p doc) {
			p["checksums"] = []any{doc{"algorithm": "SHA256", "checksumValue": "b8cc24c9574d809e7279c3be349795c5d5ceb6fdf19ca709f80cde50e47de314"}}
		}), "2 of 2 packages lack a SHA-512 hash"},
	} {
		t.Run(tc.profile+"/"+tc.fixture+"/"+tc.name, func(t *testing.T) {
			d := load(t, tc.fixture)
			tc.mutate(d)
			v := validate(t, d, tc.profile)
			if v.Valid() {
				t.Fatalf("valid; want %q", tc.want)
			}
			items := reported(v.Problem)
			if len(items) != 1 || !strings.HasPrefix(items[0], tc.want) {
				t.Fatalf("reported %q; want only %q\n%s", items, tc.want, v.Problem)
			}
			title := map[string]string{"ntia": "NTIA minimum elements: ", "bsi": "BSI TR-03183-2 v2.0.0 minimum elements: "}[tc.profile]
			if !strings.Contains(v.Problem, title) {
				t.Errorf("%q does not name the profile", v.Problem)
			}
			// The other profile is not affected by what this one lacks, unless it shares it.
			if v := validate(t, load(t, tc.fixture), tc.profile); !v.Valid() {
				t.Errorf("the complete fixture fails: %s", v.Problem)
			}
		})
	}
}

// TestCreatorEachField: each field that can give BSI's creator an email address or URL does so
// alone (docs/profiles.md, choice 6), at whatever depth the engine streams it.
func TestCreatorEachField(t *testing.T) {
	url, contact := []any{"https://acme.example"}, []any{doc{"email": "psirt@acme.example"}}
	for _, tc := range []struct {
		name    string
		version string
		set     func(d doc)
	}{
		{"metadata.authors[].email", "1.6", func(d doc) { meta(d)["authors"] = []any{doc{"name": "Jane", "email": "jane@acme.example"}} }},
		{"metadata.supplier.url", "1.6", func(d doc) { meta(d)["supplier"] = doc{"name": "Acme", "url": url} }},
		{"metadata.supplier.contact[].email", "1.6", func(d doc) { meta(d)["supplier"] = doc{"name": "Acme", "contact": contact} }},
		{"metadata.manufacturer.url", "1.6", func(d doc) { meta(d)["manufacturer"] = doc{"name": "Acme", "url": url} }},
		{"metadata.manufacturer.contact[].email", "1.6", func(d doc) { meta(d)["manufacturer"] = doc{"name": "Acme", "contact": contact} }},
		{"metadata.manufacture.url", "1.5", func(d doc) { meta(d)["manufacture"] = doc{"name": "Acme", "url": url} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := load(t, "complete.cdx.json")
			d["specVersion"] = tc.version
			m := meta(d)
			m["authors"] = []any{doc{"name": "Jane"}}
			delete(m, "supplier")
			if v := validate(t, d, "bsi"); !strings.Contains(v.Problem, "no SBOM creator's email address or URL") {
				t.Fatalf("without it: %q", v.Problem)
			}
			tc.set(d)
			if v := validate(t, d, "bsi"); !v.Valid() {
				t.Errorf("%s", v.Problem)
			}
		})
	}
	for _, tc := range []struct {
		name string
		set  func(c doc)
	}{
		{"component.supplier.url", func(c doc) { c["supplier"] = doc{"name": "Acme", "url": url} }},
		{"component.supplier.contact[].email", func(c doc) { c["supplier"] = doc{"name": "Acme", "contact": contact} }},
		{"component.manufacturer.url", func(c doc) { c["manufacturer"] = doc{"name": "Acme", "url": url} }},
		{"component.manufacturer.contact[].email", func(c doc) { c["manufacturer"] = doc{"name": "Acme", "contact": contact} }},
		{"component.authors[].email", func(c doc) { c["authors"] = []any{doc{"name": "Jane", "email": "jane@acme.example"}} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := load(t, "complete.cdx.json")
			each(d, "components", func(c doc) { c["supplier"] = doc{"name": "Acme"} })
			if v := validate(t, d, "bsi"); !strings.Contains(v.Problem, "2 of 2 components lack a creator's email address or URL") {
				t.Fatalf("without it: %q", v.Problem)
			}
			each(d, "components", tc.set)
			if v := validate(t, d, "bsi"); !v.Valid() {
				t.Errorf("%s", v.Problem)
			}
		})
	}
}

// SPDX 2.3's primaryPackagePurpose answers BSI's three properties; SPDX 2.2 has no field for
// them, so they are not required there (docs/profiles.md).
func TestSPDXPurpose(t *testing.T) {
	d := load(t, "complete.spdx.json")
	each(d, "packages", func(p doc) { delete(p, "primaryPackagePurpose") })
	items := reported(validate(t, d, "bsi").Problem)
	want := []string{"2 of 2 packages lack the executable property", "2 of 2 packages lack the archive property", "2 of 2 packages lack the structured property"}
	if len(items) != len(want) {
		t.Fatalf("reported %q; want %q", items, want)
	}
	for i := range want {
		if !strings.HasPrefix(items[i], want[i]) {
			t.Errorf("item %d: %q; want %q", i, items[i], want[i])
		}
	}
	d["spdxVersion"] = "SPDX-2.2"
	if v := validate(t, d, "bsi"); !v.Valid() {
		t.Errorf("SPDX 2.2: %s", v.Problem)
	}
}

// itemRE finds each element a message reports: "no timestamp: ..." or "2 of 3 components lack
// a name (...)".
var itemRE = regexp.MustCompile(`(?:^|: |; )((?:no [^:;]+)|(?:\d+ of \d+ \w+ lacks? [^(;]+)|(?:CycloneDX [0-9.]+ is older[^(;]+))`)

// reported lists the elements a problem reports, in order.
func reported(problem string) []string {
	var out []string
	for _, m := range itemRE.FindAllStringSubmatch(problem, -1) {
		out = append(out, strings.TrimSpace(m[1]))
	}
	return out
}

// TestMessage: every missing element, not only the first; counts; the first three components
// with their JSON Pointers, lines and columns; the fix; the first one's place on the verdict.
func TestMessage(t *testing.T) {
	d := load(t, "complete.cdx.json")
	var comps []any
	for i := range 5 {
		c := doc{"type": "library", "name": "lib-" + itoa(i), "version": "1", "supplier": doc{"name": "A"}, "purl": "pkg:generic/lib@1"}
		if i > 0 { // four lack a supplier, the first one has it
			delete(c, "supplier")
		}
		if i == 3 {
			delete(c, "version")
		}
		comps = append(comps, c)
	}
	d["components"] = comps
	delete(meta(d), "timestamp")
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	v := validateBytes(t, b, "ntia")
	lines := strings.Split(string(b), "\n")
	lineOf := func(ptrIndex int) int { // the line where components[ptrIndex] opens
		seen := -1
		for i, l := range lines {
			if strings.HasPrefix(l, "    {") {
				seen++
				if seen == ptrIndex {
					return i + 1
				}
			}
		}
		return 0
	}
	want := "CycloneDX 1.6 JSON: NTIA minimum elements: no timestamp: set metadata.timestamp; " +
		"4 of 5 components lack a supplier name (/components/1 line " + itoa(lineOf(1)) + " column 5, /components/2 line " + itoa(lineOf(2)) +
		" column 5, /components/3 line " + itoa(lineOf(3)) + " column 5, …): set component.supplier.name; " +
		"1 of 5 components lacks a version (/components/3 line " + itoa(lineOf(3)) + " column 5): set component.version"
	if v.Problem != want {
		t.Errorf("problem\n %s\nwant\n %s", v.Problem, want)
	}
	if v.Place == nil || v.Place.Pointer != "/components/1" || v.Place.Line != lineOf(1) || v.Place.Column != 5 {
		t.Errorf("place %+v; want /components/1 at line %d, column 5", v.Place, lineOf(1))
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestSchemaFirst: a file that fails its schema fails as under aws, whatever the profile, with
// the same violations in the same order.
func TestSchemaFirst(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(doc)
	}{
		{"purl a number", func(d doc) { each(d, "components", func(c doc) { c["purl"] = 7; delete(c, "supplier") }) }},
		// The duplicate is found as the second nested component streams by, before the
		// third one's hash: parsing each component whole once reported them the other way.
		{"duplicate, then a bad hash", func(d doc) {
			nested := load(t, "complete.cdx.json")["components"].([]any)
			bad := load(t, "complete.cdx.json")["components"].([]any)[1].(doc)
			bad["hashes"] = []any{doc{"alg": "SHA-513", "content": "00"}}
			d["components"].([]any)[0].(doc)["components"] = []any{nested[0], nested[0], bad}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := load(t, "complete.cdx.json")
			tc.mutate(d)
			aws := validate(t, d, "aws")
			if aws.Valid() {
				t.Fatal("valid under aws")
			}
			for _, p := range []string{"ntia", "bsi", "strict,ntia,bsi"} {
				if v := validate(t, d, p); v.Problem != aws.Problem {
					t.Errorf("%s: %q; want aws's %q", p, v.Problem, aws.Problem)
				}
			}
		})
	}
}

// TestStrictAndNTIA: a combined profile reports the strict findings and the missing elements.
func TestStrictAndNTIA(t *testing.T) {
	d := load(t, "complete.cdx.json")
	d["dependencies"] = append(d["dependencies"].([]any), doc{"ref": "nowhere", "dependsOn": []any{"libz"}})
	each(d, "components", func(c doc) { delete(c, "supplier") })
	v := validate(t, d, "strict,ntia")
	if !strings.Contains(v.Problem, "reference error") || !strings.Contains(v.Problem, "NTIA minimum elements: 2 of 2 components lack a supplier name") {
		t.Errorf("%q: want both the reference error and the missing supplier", v.Problem)
	}
}

// TestNestedComponents: components nested in components are components too, named by their
// own pointer, in document order: a component before those nested in it.
func TestNestedComponents(t *testing.T) {
	zconf := func(name string) doc {
		return doc{"type": "file", "name": name, "version": "1.3.1", "supplier": doc{"name": ""}, "purl": "pkg:generic/zconf@1.3.1"}
	}
	for _, tc := range []struct {
		name   string
		mutate func(first doc)
		want   string
		named  []string // the components the message names
	}{
		{"one nested", func(first doc) {
			first["components"] = []any{zconf("zconf.h")}
		}, "1 of 3 components lacks a supplier name", []string{"/components/0/components/0"}},
		// A component is named before those nested in it, though it ends after them.
		{"parent and nested", func(first doc) {
			delete(first, "supplier")
			b := doc{"type": "file", "name": "b", "version": "1", "purl": "pkg:generic/b@1", "components": []any{zconf("c.h")}}
			first["components"] = []any{zconf("a.h"), b, zconf("d.h")}
		}, "5 of 6 components lack a supplier name", []string{"/components/0", "/components/0/components/0", "/components/0/components/1"}},
		{"nested first", func(first doc) {
			first["components"] = []any{doc{"type": "file", "name": "b", "version": "1", "purl": "pkg:generic/b@1", "components": []any{zconf("c.h"), zconf("d.h")}}}
			delete(first["components"].([]any)[0].(doc), "supplier")
		}, "3 of 5 components lack a supplier name", []string{"/components/0/components/0", "/components/0/components/0/components/0", "/components/0/components/0/components/1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := load(t, "complete.cdx.json")
			tc.mutate(d["components"].([]any)[0].(doc))
			v := validate(t, d, "ntia")
			items := reported(v.Problem)
			if len(items) != 1 || !strings.HasPrefix(items[0], tc.want) {
				t.Fatalf("reported %q; want %q", items, tc.want)
			}
			var named []string
			for _, m := range namedRE.FindAllStringSubmatch(v.Problem, -1) {
				named = append(named, m[1])
			}
			if !slices.Equal(named, tc.named) {
				t.Errorf("names %q; want %q", named, tc.named)
			}
			if v.Place == nil || v.Place.Pointer != tc.named[0] {
				t.Errorf("place %+v; want %s", v.Place, tc.named[0])
			}
		})
	}
}

// namedRE finds the components a message names: "/components/3 line 41 column 7".
var namedRE = regexp.MustCompile(`(/[^ ,()]+) line \d+ column \d+`)
