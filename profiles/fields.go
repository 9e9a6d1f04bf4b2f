package profiles

import (
	"bytes"

	"github.com/sbomcat/sbomcat/formats"
)

// cdxFields reports which component elements a CycloneDX component has (docs/profiles.md).
func cdxFields(v formats.Node) field {
	var have field
	if text(v, "name") {
		have |= fieldName
	}
	if text(v, "version") {
		have |= fieldVersion
	}
	supplier, hasSupplier := v.Get("supplier")
	manufacturer, hasManufacturer := v.Get("manufacturer") // 1.6 and later
	if (hasSupplier && text(supplier, "name")) || (hasManufacturer && text(manufacturer, "name")) {
		have |= fieldSupplier
	}
	if (hasSupplier && hasContact(supplier)) || (hasManufacturer && hasContact(manufacturer)) || anyMember(v, "authors", "email") {
		have |= fieldCreator
	}
	if text(v, "purl") || text(v, "cpe") || anyText(get(v, "omniborId")) || anyText(get(v, "swhid")) {
		have |= fieldIdentifier
	} else if swid, ok := v.Get("swid"); ok && text(swid, "tagId") {
		have |= fieldIdentifier
	}
	if licences, ok := v.Get("licenses"); ok && licences.IsArray() {
		for j := 0; j < licences.Len(); j++ {
			_, l := licences.Elem(j)
			if text(l, "expression") {
				have |= fieldLicence
			} else if lic, ok := l.Get("license"); ok && (text(lic, "id") || text(lic, "name")) {
				have |= fieldLicence
			}
		}
	}
	if hashes, ok := v.Get("hashes"); ok && hashes.IsArray() {
		for j := 0; j < hashes.Len(); j++ {
			_, h := hashes.Elem(j)
			if is(h, "alg", "SHA-512") && text(h, "content") {
				have |= fieldSHA512
			}
		}
	}
	if props, ok := v.Get("properties"); ok && props.IsArray() {
		for j := 0; j < props.Len(); j++ {
			_, p := props.Elem(j)
			if !text(p, "value") {
				continue
			}
			switch name := get(p, "name").Text(); {
			case string(name) == "bsi:component:filename":
				have |= fieldFilename
			case string(name) == "bsi:component:executable":
				have |= fieldExecutable
			case string(name) == "bsi:component:archive":
				have |= fieldArchive
			case string(name) == "bsi:component:structured":
				have |= fieldStructured
			}
		}
	}
	return have
}

// spdxIdentifiers are the externalRefs referenceTypes that identify a package for look-ups.
var spdxIdentifiers = map[string]bool{"purl": true, "cpe22Type": true, "cpe23Type": true, "swid": true, "gitoid": true, "swh": true}

// spdxFields reports which component elements an SPDX package has (docs/profiles.md).
func spdxFields(v formats.Node) field {
	var have field
	if text(v, "name") {
		have |= fieldName
	}
	if text(v, "versionInfo") {
		have |= fieldVersion
	}
	supplier, originator := get(v, "supplier").Text(), get(v, "originator").Text()
	if agentName(supplier) {
		have |= fieldSupplier
	}
	if agentContact(supplier) || agentContact(originator) {
		have |= fieldCreator
	}
	if refs, ok := v.Get("externalRefs"); ok && refs.IsArray() {
		for j := 0; j < refs.Len(); j++ {
			_, r := refs.Elem(j)
			if spdxIdentifiers[string(get(r, "referenceType").Text())] && text(r, "referenceLocator") {
				have |= fieldIdentifier
			}
		}
	}
	if licence(get(v, "licenseConcluded").Text()) || licence(get(v, "licenseDeclared").Text()) {
		have |= fieldLicence
	}
	if sums, ok := v.Get("checksums"); ok && sums.IsArray() {
		for j := 0; j < sums.Len(); j++ {
			_, s := sums.Elem(j)
			if is(s, "algorithm", "SHA512") && text(s, "checksumValue") {
				have |= fieldSHA512
			}
		}
	}
	if text(v, "packageFileName") {
		have |= fieldFilename
	}
	if text(v, "primaryPackagePurpose") {
		have |= fieldExecutable | fieldArchive | fieldStructured
	}
	return have
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

// anyMember reports whether some element of v's array member list has a non-empty member key.
func anyMember(v formats.Node, list, key string) bool {
	l, ok := v.Get(list)
	if !ok || !l.IsArray() {
		return false
	}
	for j := 0; j < l.Len(); j++ {
		if _, e := l.Elem(j); text(e, key) {
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
