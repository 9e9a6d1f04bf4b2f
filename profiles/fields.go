package profiles

import (
	"bytes"

	"github.com/sbomcat/sbomcat/formats"
)

// This file is the mapping of docs/profiles.md as the checker reads it: which member of which
// object gives which element. The checker sees the document as it streams by, one object,
// array or value at a time, so each object that matters (a component, a hash, ...) gets a
// frame that remembers, while it is read, what its members gave so far.

// role is what an object or array is to the mapping.
type role uint8

const (
	roleNone role = iota // nothing the mapping reads, though text inside may still count
	// CycloneDX
	roleCDXRoot
	roleMetadata
	roleComponents    // components[]: the document's, or the first of a component's
	roleComponent     // a component, nested or not (metadata.component is none)
	roleEntity        // component.supplier or component.manufacturer
	roleAuthors       // component.authors
	roleAuthor        // one of them
	roleSwid          // component.swid
	roleLicenses      // component.licenses
	roleLicenseChoice // one of them
	roleLicense       // its license
	roleHashes        // component.hashes
	roleHash          // one of them
	roleProperties    // component.properties
	roleProperty      // one of them
	roleDependencies  // dependencies[]
	roleDependency    // one of them
	// SPDX
	roleSPDXRoot
	roleCreationInfo
	roleCreators      // creationInfo.creators and everything in it
	rolePackages      // packages[]
	rolePackage       // one of them
	roleExternalRefs  // package.externalRefs
	roleExternalRef   // one of them
	roleChecksums     // package.checksums
	roleChecksum      // one of them
	roleRelationships // relationships[]
	roleRelationship  // one of them
	nRoles
)

// documentMembers are the members of the document itself that the mapping reads, per format:
// their names, what they must be, and their roles.
var documentMembers = [nRoles][]struct {
	name string
	kind kind
	role role
}{
	roleCDXRoot:  {{"components", kindArray, roleComponents}, {"dependencies", kindArray, roleDependencies}, {"metadata", kindObject, roleMetadata}},
	roleSPDXRoot: {{"packages", kindArray, rolePackages}, {"relationships", kindArray, roleRelationships}, {"creationInfo", kindObject, roleCreationInfo}},
}

// elements are, for each list the mapping reads, the role of its elements, which are objects,
// and for those that give once they are whole (a hash: an algorithm and a value), which of
// their members they want (frame.flags) and what they give then.
var elements = [nRoles]struct {
	role  role
	want  uint8
	gives mark
}{
	roleComponents:    {role: roleComponent},
	roleAuthors:       {role: roleAuthor},
	roleLicenses:      {role: roleLicenseChoice},
	roleHashes:        {roleHash, 3, fieldSHA512.mark()},
	roleProperties:    {roleProperty, 1, 0}, // what it gives is its name's
	roleDependencies:  {role: roleDependency},
	rolePackages:      {role: rolePackage},
	roleExternalRefs:  {roleExternalRef, 3, fieldIdentifier.mark()},
	roleChecksums:     {roleChecksum, 3, fieldSHA512.mark()},
	roleRelationships: {roleRelationship, 7, factDependency.mark()},
}

// wantedMembers are, for the elements that give only once whole, the members they want: each
// one's name, its bit in frame.flags (and frame.seen: the first of the name counts), and what
// its value must be to count. The bits of each element add up to its want in elements.
var wantedMembers = [nRoles][]struct {
	name   string
	flag   uint8
	counts func(text []byte) bool
}{
	roleHash:         {{"alg", 1, is("SHA-512")}, {"content", 2, nonEmpty}},
	roleExternalRef:  {{"referenceType", 1, spdxIdentifier}, {"referenceLocator", 2, nonEmpty}},
	roleChecksum:     {{"algorithm", 1, is("SHA512")}, {"checksumValue", 2, nonEmpty}},
	roleRelationship: {{"relationshipType", 1, dependencyType}, {"spdxElementId", 2, nonEmpty}, {"relatedSpdxElement", 4, nonEmpty}},
}

// kind is what a value is, as far as the mapping cares.
type kind uint8

const (
	kindScalar kind = iota
	kindObject
	kindArray
)

// frame is an object or array the checker is inside of.
type frame struct {
	role role
	// seen is which members were met, of those where the first of the name is the one read
	// (as a look-up finds it): a hash's alg, a property's name, ...
	seen uint8
	// flags is which members were met that count: a hash, a property, a reference and a
	// relationship give gives when they end with all of want.
	flags, want uint8
	gives       mark
	text        mark  // what a non-empty string anywhere inside gives ("", [], [""] give nothing)
	contact     mark  // what a non-empty string inside a member named email or url inside gives
	have        field // a component or package: the elements it has so far
	comp        int32 // where in the stack the component or package this is in is; -1: none
	off         int64 // a component or package: where it starts in the input
}

// first reports whether the member with seen-bit b is met for the first time.
func (f *frame) first(b uint8) bool {
	met := f.seen&b != 0
	f.seen |= b
	return !met
}

// only is r when ok, else roleNone.
func only(ok bool, r role) role {
	if ok {
		return r
	}
	return roleNone
}

// child fills f, the frame of the value at the end of p, inside the frame top, and records
// what the value gives when it is a string (text; nil for any other value).
func (c *checker) child(top, f *frame, p formats.Path, k kind, text []byte) {
	key, isKey := p.Key(p.Len() - 1)
	f.text, f.contact, f.comp = top.text, top.contact, top.comp
	if isKey && top.contact != 0 && (string(key) == "email" || string(key) == "url") {
		f.text |= top.contact
	}
	give := func(ok bool, m mark) {
		if ok {
			c.mark(top.comp, m)
		}
	}
	switch top.role {
	case roleNone:
	case roleCDXRoot, roleSPDXRoot:
		for _, m := range documentMembers[top.role] {
			if string(key) == m.name {
				f.role = only(k == m.kind, m.role)
			}
		}
	case roleHash, roleExternalRef, roleChecksum, roleRelationship:
		for _, m := range wantedMembers[top.role] {
			if string(key) == m.name {
				top.flags |= when(top.first(m.flag) && m.counts(text), m.flag)
			}
		}
	case roleMetadata:
		switch name := string(key); name {
		case "timestamp":
			give(nonEmpty(text), factTimestamp.mark())
		case "authors", "tools", "manufacture", "manufacturer", "supplier":
			f.text |= factAuthor.mark()
			if name != "tools" {
				f.contact |= factCreatorContact.mark()
			}
		}
	case roleComponent:
		switch string(key) {
		case "name":
			give(nonEmpty(text), fieldName.mark())
		case "version":
			give(nonEmpty(text), fieldVersion.mark())
		case "supplier", "manufacturer": // manufacturer: 1.6 and later
			f.role, f.contact = roleEntity, f.contact|fieldCreator.mark()
		case "authors":
			f.role = roleAuthors
		case "purl", "cpe":
			give(nonEmpty(text), fieldIdentifier.mark())
		case "omniborId", "swhid":
			f.text |= fieldIdentifier.mark()
		case "swid":
			f.role = roleSwid
		case "licenses":
			f.role = roleLicenses
		case "hashes":
			f.role = roleHashes
		case "properties":
			f.role = roleProperties
		case "components":
			f.role = only(top.first(1) && k == kindArray, roleComponents)
		}
	case roleEntity:
		if string(key) == "name" {
			give(top.first(1) && nonEmpty(text), fieldSupplier.mark())
		}
	case roleAuthor:
		if string(key) == "email" {
			give(top.first(1) && nonEmpty(text), fieldCreator.mark())
		}
	case roleSwid:
		if string(key) == "tagId" {
			give(top.first(1) && nonEmpty(text), fieldIdentifier.mark())
		}
	case roleLicenseChoice:
		switch string(key) {
		case "expression":
			give(top.first(1) && nonEmpty(text), fieldLicence.mark())
		case "license":
			f.role = only(top.first(2), roleLicense)
		}
	case roleLicense:
		switch string(key) {
		case "id":
			give(top.first(1) && nonEmpty(text), fieldLicence.mark())
		case "name":
			give(top.first(2) && nonEmpty(text), fieldLicence.mark())
		}
	case roleProperty:
		switch string(key) {
		case "name":
			if top.first(2) {
				top.gives = bsiProperties[string(text)].mark()
			}
		case "value":
			top.flags |= when(top.first(1) && nonEmpty(text), 1)
		}
	case roleDependency:
		if string(key) == "dependsOn" && top.first(1) {
			f.text |= factDependency.mark()
		}
	case roleCreationInfo:
		switch string(key) {
		case "created":
			give(nonEmpty(text), factTimestamp.mark())
		case "creators":
			f.role, f.text = roleCreators, f.text|factAuthor.mark()
		}
	case roleCreators:
		f.role = roleCreators
	case rolePackage:
		switch string(key) {
		case "name":
			give(nonEmpty(text), fieldName.mark())
		case "versionInfo":
			give(nonEmpty(text), fieldVersion.mark())
		case "supplier":
			give(agentName(text), fieldSupplier.mark())
			give(agentContact(text), fieldCreator.mark())
		case "originator":
			give(agentContact(text), fieldCreator.mark())
		case "externalRefs":
			f.role = roleExternalRefs
		case "licenseConcluded", "licenseDeclared":
			give(licence(text), fieldLicence.mark())
		case "checksums":
			f.role = roleChecksums
		case "packageFileName":
			give(nonEmpty(text), fieldFilename.mark())
		case "primaryPackagePurpose":
			give(nonEmpty(text), (fieldExecutable | fieldArchive | fieldStructured).mark())
		}
	default: // a list
		if e := &elements[top.role]; e.role != roleNone && k == kindObject {
			f.role, f.want, f.gives = e.role, e.want, e.gives
		}
	}
}

// bsiProperties are the CycloneDX property taxonomy's BSI properties, which count with any
// non-empty value.
var bsiProperties = map[string]field{
	"bsi:component:filename":   fieldFilename,
	"bsi:component:executable": fieldExecutable,
	"bsi:component:archive":    fieldArchive,
	"bsi:component:structured": fieldStructured,
}

// spdxIdentifier reports whether an externalRefs referenceType identifies a package for
// look-ups.
func spdxIdentifier(referenceType []byte) bool {
	switch string(referenceType) {
	case "purl", "cpe22Type", "cpe23Type", "swid", "gitoid", "swh":
		return true
	}
	return false
}

// dependencyType reports whether an SPDX relationship says one package is part of, or needed
// by, another: NTIA's "included in", BSI's "dependencies".
func dependencyType(relationshipType []byte) bool {
	switch string(relationshipType) {
	case "DEPENDS_ON", "DEPENDENCY_OF", "CONTAINS", "CONTAINED_BY",
		"BUILD_DEPENDENCY_OF", "DEV_DEPENDENCY_OF", "OPTIONAL_DEPENDENCY_OF",
		"PROVIDED_DEPENDENCY_OF", "TEST_DEPENDENCY_OF", "RUNTIME_DEPENDENCY_OF",
		"STATIC_LINK", "DYNAMIC_LINK", "HAS_PREREQUISITE", "PREREQUISITE_FOR":
		return true
	}
	return false
}

// when is b if ok, else nothing.
func when(ok bool, b uint8) uint8 {
	if ok {
		return b
	}
	return 0
}

// is returns a test of whether a string is exactly want.
func is(want string) func([]byte) bool {
	return func(text []byte) bool { return string(text) == want }
}

// nonEmpty reports whether a string has more than spaces: "" and "  " count as missing
// (docs/profiles.md, choice 1).
func nonEmpty(b []byte) bool { return len(bytes.TrimSpace(b)) > 0 }

// agentName reports whether an SPDX agent ("Organization: ACME (a@b)") names someone:
// NOASSERTION and a bare "Person:" do not.
func agentName(s []byte) bool {
	s = bytes.TrimSpace(s)
	if string(s) == "NOASSERTION" || string(s) == "NONE" {
		return false
	}
	for _, p := range agentTypes {
		if bytes.HasPrefix(s, p) {
			s = s[len(p):]
			break
		}
	}
	if i := bytes.IndexByte(s, '('); i >= 0 {
		s = s[:i]
	}
	return nonEmpty(s)
}

var agentTypes = [][]byte{[]byte("Person:"), []byte("Organization:"), []byte("Tool:")}

// agentContact reports whether an SPDX agent carries an email address (in parentheses, as SPDX
// writes it) or a URL.
func agentContact(s []byte) bool {
	if i := bytes.IndexByte(s, '('); i >= 0 {
		if j := bytes.IndexByte(s[i:], ')'); j > 0 && bytes.IndexByte(s[i:i+j], '@') > 0 {
			return true
		}
	}
	return bytes.Contains(s, []byte("://"))
}

// licence reports whether an SPDX licence field states a licence: NOASSERTION and NONE do not.
func licence(s []byte) bool {
	s = bytes.TrimSpace(s)
	return len(s) > 0 && string(s) != "NOASSERTION" && string(s) != "NONE"
}
