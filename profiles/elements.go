package profiles

import "github.com/sbomcat/sbomcat"

// The elements of each profile, as docs/profiles.md maps them. A document element is a fact
// about the whole SBOM (it has a timestamp); a component element is a field every component
// (CycloneDX) or package (SPDX) must have. Each names what is missing and how to fix it, per
// format: fix[0] for CycloneDX, fix[1] for SPDX.

// fact is something true of the document as a whole.
type fact int

const (
	factComponents     fact = iota // at least one component or package
	factTimestamp                  // metadata.timestamp / creationInfo.created
	factAuthor                     // NTIA: who wrote the SBOM data
	factCreatorContact             // BSI: the SBOM creator's email address or URL
	factDependency                 // at least one dependency or containment relationship
	nFacts
)

// field is a bit for one component element.
type field uint16

const (
	fieldSupplier   field = 1 << iota // NTIA supplier name
	fieldName                         // component name
	fieldVersion                      // component version
	fieldIdentifier                   // NTIA other unique identifiers: purl, CPE, SWID...
	fieldCreator                      // BSI component creator: email address or URL
	fieldLicence                      // BSI distribution licence
	fieldSHA512                       // BSI hash of the deployable component, SHA-512
	fieldFilename                     // BSI filename
	fieldExecutable                   // BSI executable property
	fieldArchive                      // BSI archive property
	fieldStructured                   // BSI structured property
	nFields         = iota
)

// mark is what a value of the document can give: component elements (a field, in the low 16
// bits) to the component it is in, and facts (the bits above) to the document.
type mark uint32

func (f field) mark() mark { return mark(f) }
func (f fact) mark() mark  { return 1 << (16 + f) }

// field is the component elements a mark gives.
func (m mark) field() field { return field(m) }

type docElement struct {
	fact fact
	what string    // "timestamp": the message says "no timestamp"
	fix  [2]string // CycloneDX, SPDX
}

type componentElement struct {
	field field
	what  string    // "a supplier name": "3 of 40 components lack a supplier name"
	fix   [2]string // CycloneDX, SPDX
}

// ruleSet is one minimum-elements profile.
type ruleSet struct {
	name       sbomcat.Profile
	title      string // starts each message: "NTIA minimum elements"
	doc        []docElement
	components []componentElement
	fields     field // the union of components' fields
	// minCycloneDX is the oldest CycloneDX 1.x minor version the document accepts (0: any).
	minCycloneDX int
}

var (
	elemComponents = docElement{factComponents, "components",
		[2]string{"list the software in components[]", "list the software in packages[]"}}
	elemTimestamp = docElement{factTimestamp, "timestamp",
		[2]string{"set metadata.timestamp", "set creationInfo.created"}}
	elemDependency = docElement{factDependency, "dependency relationship",
		[2]string{"list dependencies[] with at least one dependsOn", "add relationships[] of type DEPENDS_ON or CONTAINS"}}

	compName    = componentElement{fieldName, "a name", [2]string{"set component.name", "set package.name"}}
	compVersion = componentElement{fieldVersion, "a version", [2]string{"set component.version", "set package.versionInfo"}}
)

// ntia is "The Minimum Elements For a Software Bill of Materials (SBOM)", NTIA, July 2021,
// section "Data Fields".
var ntia = &ruleSet{
	name:  sbomcat.ProfileNTIA,
	title: "NTIA minimum elements",
	doc: []docElement{
		elemComponents,
		{factAuthor, "author of the SBOM data", [2]string{
			"set metadata.authors, metadata.tools, metadata.manufacturer (metadata.manufacture before 1.6) or metadata.supplier",
			"list creationInfo.creators"}},
		elemTimestamp,
		elemDependency,
	},
	components: []componentElement{
		{fieldSupplier, "a supplier name", [2]string{"set component.supplier.name", "set package.supplier (not NOASSERTION)"}},
		compName,
		compVersion,
		{fieldIdentifier, "a unique identifier", [2]string{"set component.purl, component.cpe or component.swid",
			"add package.externalRefs[] of referenceType purl, cpe22Type, cpe23Type or swid"}},
	},
}

// bsi is BSI TR-03183-2 "Cyber Resilience Requirements for Manufacturers and Products, Part 2:
// Software Bill of Materials (SBOM)", version 2.0.0 (2024-09-20), sections 5.2.1 and 5.2.2.
var bsi = &ruleSet{
	name:  sbomcat.ProfileBSI,
	title: "BSI TR-03183-2 v2.0.0 minimum elements",
	// Section 4: CycloneDX 1.5 or later, SPDX 2.2.1 or later (SPDX JSON says 2.2 for 2.2.1).
	minCycloneDX: 5,
	doc: []docElement{
		elemComponents,
		{factCreatorContact, "SBOM creator's email address or URL", [2]string{
			"set metadata.authors[].email, or the url or contact[].email of metadata.manufacturer (metadata.manufacture before 1.6) or metadata.supplier",
			"list a creationInfo.creators entry with an email, \"Organization: NAME (EMAIL)\""}},
		elemTimestamp,
		elemDependency,
	},
	components: []componentElement{
		{fieldCreator, "a creator's email address or URL", [2]string{
			"set the url or contact[].email of component.supplier or component.manufacturer, or component.authors[].email",
			"write package.supplier or package.originator with an email, \"Organization: NAME (EMAIL)\""}},
		compName,
		compVersion,
		{fieldFilename, "a filename", [2]string{"add component.properties[] named bsi:component:filename", "set package.packageFileName"}},
		{fieldLicence, "a licence", [2]string{"set component.licenses[] (license.id, license.name or expression)",
			"set package.licenseConcluded or package.licenseDeclared (not NOASSERTION or NONE)"}},
		{fieldSHA512, "a SHA-512 hash", [2]string{"add component.hashes[] with alg SHA-512", "add package.checksums[] with algorithm SHA512"}},
		{fieldExecutable, "the executable property", [2]string{"add component.properties[] named bsi:component:executable", "set package.primaryPackagePurpose"}},
		{fieldArchive, "the archive property", [2]string{"add component.properties[] named bsi:component:archive", "set package.primaryPackagePurpose"}},
		{fieldStructured, "the structured property", [2]string{"add component.properties[] named bsi:component:structured", "set package.primaryPackagePurpose"}},
	},
}

// ruleSets are the minimum-elements profiles, in the order messages report them.
var ruleSets = []*ruleSet{ntia, bsi}

func init() {
	for _, r := range ruleSets {
		for _, c := range r.components {
			r.fields |= c.field
		}
	}
}
