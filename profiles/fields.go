package profiles

import (
	"bytes"

	"github.com/sbomcat/sbomcat/formats"
)

// cdxFields reports which component elements a CycloneDX component has (docs/profiles.md). It
// reads the component's members once: it runs on every component of the document.
func cdxFields(v formats.Node) field {
	var have field
	for j := 0; j < v.Len(); j++ {
		k, m := v.Elem(j)
		switch string(k) {
		case "name":
			have |= when(nonEmpty(m.Text()), fieldName)
		case "version":
			have |= when(nonEmpty(m.Text()), fieldVersion)
		case "supplier", "manufacturer": // manufacturer: 1.6 and later
			have |= when(text(m, "name"), fieldSupplier) | when(hasContact(m), fieldCreator)
		case "authors":
			have |= when(anyMember(m, "email"), fieldCreator)
		case "purl", "cpe":
			have |= when(nonEmpty(m.Text()), fieldIdentifier)
		case "omniborId", "swhid":
			have |= when(anyText(m), fieldIdentifier)
		case "swid":
			have |= when(text(m, "tagId"), fieldIdentifier)
		case "licenses":
			have |= cdxLicences(m)
		case "hashes":
			for i := 0; i < m.Len(); i++ {
				_, h := m.Elem(i)
				have |= when(is(h, "alg", "SHA-512") && text(h, "content"), fieldSHA512)
			}
		case "properties":
			have |= cdxProperties(m)
		}
	}
	return have
}

func cdxLicences(v formats.Node) field {
	for j := 0; j < v.Len(); j++ {
		_, l := v.Elem(j)
		if text(l, "expression") {
			return fieldLicence
		}
		if lic, ok := l.Get("license"); ok && (text(lic, "id") || text(lic, "name")) {
			return fieldLicence
		}
	}
	return 0
}

// cdxProperties reads the CycloneDX property taxonomy's BSI properties, with any non-empty value.
func cdxProperties(v formats.Node) field {
	var have field
	for j := 0; j < v.Len(); j++ {
		_, p := v.Elem(j)
		if !text(p, "value") {
			continue
		}
		switch string(get(p, "name").Text()) {
		case "bsi:component:filename":
			have |= fieldFilename
		case "bsi:component:executable":
			have |= fieldExecutable
		case "bsi:component:archive":
			have |= fieldArchive
		case "bsi:component:structured":
			have |= fieldStructured
		}
	}
	return have
}

// spdxIdentifiers are the externalRefs referenceTypes that identify a package for look-ups.
var spdxIdentifiers = map[string]bool{"purl": true, "cpe22Type": true, "cpe23Type": true, "swid": true, "gitoid": true, "swh": true}

// spdxFields reports which component elements an SPDX package has (docs/profiles.md), reading
// its members once.
func spdxFields(v formats.Node) field {
	var have field
	for j := 0; j < v.Len(); j++ {
		k, m := v.Elem(j)
		switch string(k) {
		case "name":
			have |= when(nonEmpty(m.Text()), fieldName)
		case "versionInfo":
			have |= when(nonEmpty(m.Text()), fieldVersion)
		case "supplier":
			have |= when(agentName(m.Text()), fieldSupplier) | when(agentContact(m.Text()), fieldCreator)
		case "originator":
			have |= when(agentContact(m.Text()), fieldCreator)
		case "externalRefs":
			for i := 0; i < m.Len(); i++ {
				_, r := m.Elem(i)
				have |= when(spdxIdentifiers[string(get(r, "referenceType").Text())] && text(r, "referenceLocator"), fieldIdentifier)
			}
		case "licenseConcluded", "licenseDeclared":
			have |= when(licence(m.Text()), fieldLicence)
		case "checksums":
			for i := 0; i < m.Len(); i++ {
				_, c := m.Elem(i)
				have |= when(is(c, "algorithm", "SHA512") && text(c, "checksumValue"), fieldSHA512)
			}
		case "packageFileName":
			have |= when(nonEmpty(m.Text()), fieldFilename)
		case "primaryPackagePurpose":
			have |= when(nonEmpty(m.Text()), fieldExecutable|fieldArchive|fieldStructured)
		}
	}
	return have
}

// when is f if ok, else nothing.
func when(ok bool, f field) field {
	if ok {
		return f
	}
	return 0
}

// get returns a member, or a null node's view (whose Text is empty) when there is none.
func get(v formats.Node, key string) formats.Node {
	if m, ok := v.Get(key); ok {
		return m
	}
	return formats.Node{}
}

// text reports whether v has a member key whose value is a string with more than spaces.
func text(v formats.Node, key string) bool {
	m, ok := v.Get(key)
	return ok && nonEmpty(m.Text())
}

// is reports whether v's member key is the string want.
func is(v formats.Node, key, want string) bool { return string(get(v, key).Text()) == want }

func nonEmpty(b []byte) bool { return len(bytes.TrimSpace(b)) > 0 }

// anyText reports whether v holds a non-empty string anywhere: "", [], [""], {} and
// {"name": ""} count as missing (docs/profiles.md, "Empty values").
func anyText(v formats.Node) bool {
	found := false
	forStrings(v, func(s []byte) { found = found || nonEmpty(s) })
	return found
}

// forStrings calls fn with every string value in v, at any depth.
func forStrings(v formats.Node, fn func([]byte)) {
	if v == (formats.Node{}) {
		return
	}
	switch {
	case v.IsString():
		fn(v.Text())
	case v.IsArray() || v.IsObject():
		for j := 0; j < v.Len(); j++ {
			_, e := v.Elem(j)
			forStrings(e, fn)
		}
	}
}

// hasContact reports whether an organizational entity or contact (or a list of them) gives an
// email address or a URL: a member named email or url, at any depth, that is not empty.
func hasContact(v formats.Node) bool {
	if v == (formats.Node{}) {
		return false
	}
	found := false
	for j := 0; j < v.Len() && !found; j++ {
		k, e := v.Elem(j)
		if v.IsObject() && (string(k) == "email" || string(k) == "url") {
			found = anyText(e)
		} else {
			found = hasContact(e)
		}
	}
	return found
}

// anyMember reports whether some element of the array v has a non-empty member key.
func anyMember(v formats.Node, key string) bool {
	for j := 0; j < v.Len(); j++ {
		if _, e := v.Elem(j); text(e, key) {
			return true
		}
	}
	return false
}

// agentName reports whether an SPDX agent ("Organization: ACME (a@b)") names someone:
// NOASSERTION and a bare "Person:" do not.
func agentName(s []byte) bool {
	s = bytes.TrimSpace(s)
	if string(s) == "NOASSERTION" || string(s) == "NONE" {
		return false
	}
	for _, p := range []string{"Person:", "Organization:", "Tool:"} {
		if bytes.HasPrefix(s, []byte(p)) {
			s = s[len(p):]
			break
		}
	}
	if i := bytes.IndexByte(s, '('); i >= 0 {
		s = s[:i]
	}
	return nonEmpty(s)
}

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
