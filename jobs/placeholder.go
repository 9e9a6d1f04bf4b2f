package jobs

import (
	"encoding/json"
	"strings"

	"github.com/sbomcat/sbomcat"
)

// Reserved version names (docs/behaviour.md, "Jobs"): $default resolves to the package's
// default version; $null means "uninstall" and is allowed only in destinationPackageVersions.
const (
	VersionDefault = "$default"
	VersionNull    = "$null"
)

// Messages AWS documents for refused job documents ([DG-TS]), verbatim.
const (
	msgUnterminated   = "One or more parameters or placeholders are not terminated."
	msgNullInDocument = "$null is not allowed to be referenced as a package version in job documents."
	msgEmptyNotPaired = "Empty package name and version name have to be used in pair."
	msgEmptyAmbiguous = "Cannot resolve empty package name and version name given multiple elements in destination package versions."
	msgAllAttributes  = "The package version attribute placeholder for all attributes has to be a json value by itself and not appended with other strings or nested with other placeholders."
	msgArtifactNested = "${aws:iot:package:[...]:artifact:s3-presigned-url} cannot be nested inside another placeholder."
	fmtSecondLayer    = "${aws:%s[...]} should not be the second layer pattern."
	fmtNoArtifact     = "Package %s version %s does not have an associated artifact to generate an S3 presigned url."
	fmtNoRoleARN      = "presignedUrlConfig role ARN is required to generate an S3 presigned url in job document for package %s version %s artifact."
)

const packagePrefix = "aws:iot:package:"

// The two spellings of the artifact placeholder's tail (docs/behaviour.md, "Jobs"). The first is
// the one AWS's guide prints and the one a resolved document uses.
const (
	artifactLocationTail = "artifact-location:s3-presigned-url"
	artifactTail         = "artifact:s3-presigned-url"
)

// isName reports whether s matches the model's package and version name pattern,
// ^[a-zA-Z0-9_.\-]+$; isAttrKey the attribute keys', ^[a-zA-Z0-9:_\-]+$.
func isName(s string) bool    { return onlyOf(s, "_.-") }
func isAttrKey(s string) bool { return onlyOf(s, ":_-") }

// onlyOf reports whether s is not empty and made of ASCII letters, digits and the bytes of
// extra alone: the patterns above, checked without compiling regexps when the program starts
// (every Lambda cold start would pay for them).
func onlyOf(s, extra string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(extra, c) >= 0) {
			return false
		}
	}
	return s != ""
}

// token is one ${...} of a document: doc[start:end] == "${" + body + "}".
type token struct {
	start, end int
	body       string
}

// scan finds every ${...} in doc, whatever it names, and refuses the document when one is not
// terminated or contains another: both rules are about parameters and placeholders in
// general, not only the package ones. In a JSON document a placeholder lives in one string
// literal and must end there; a document that is not JSON is scanned as plain text.
func scan(doc string) ([]token, []span, error) {
	if !json.Valid([]byte(doc)) {
		toks, err := scanRange(doc, 0, len(doc))
		return toks, nil, err
	}
	spans := stringSpans(doc)
	var toks []token
	for _, s := range spans {
		t, err := scanRange(doc, s.open+1, s.close)
		if err != nil {
			return nil, nil, err
		}
		toks = append(toks, t...)
	}
	return toks, spans, nil
}

// scanRange finds the placeholders of doc[from:to].
func scanRange(doc string, from, to int) ([]token, error) {
	var toks []token
	for i := from; ; {
		j := strings.Index(doc[i:to], "${")
		if j < 0 {
			return toks, nil
		}
		start := i + j
		k := start + 2
		for ; k < to && doc[k] != '}'; k++ {
			if strings.HasPrefix(doc[k:to], "${") {
				return nil, nestedError(doc[:to], k)
			}
		}
		if k == to {
			return nil, invalid(msgUnterminated)
		}
		toks = append(toks, token{start: start, end: k + 1, body: doc[start+2 : k]})
		i = k + 1
	}
}

// nestedError words the refusal of a placeholder found at inner inside another one, with the
// message AWS uses for what the inner one is.
func nestedError(doc string, inner int) error {
	body := doc[inner+2:]
	if k := strings.IndexByte(body, '}'); k >= 0 {
		body = body[:k]
	}
	if p, err := parseRef(body); err == nil && p != nil {
		switch p.kind {
		case refArtifact:
			return invalid(msgArtifactNested)
		case refAllAttributes:
			return invalid(msgAllAttributes)
		}
	}
	if rest, ok := strings.CutPrefix(body, "aws:"); ok {
		// AWS names the pattern by its first two segments: ${aws:iot:package:[...]}.
		segs := strings.SplitN(rest, ":", 3)
		pattern := segs[0] + ":"
		if len(segs) > 1 {
			pattern += segs[1] + ":"
		}
		return sbomcat.Errorf(sbomcat.EINVALID, fmtSecondLayer, pattern)
	}
	return sbomcat.Errorf(sbomcat.EINVALID, "${%s} should not be the second layer pattern.", body)
}

type refKind int

const (
	refAllAttributes refKind = iota + 1 // ...:attributes}
	refAttribute                        // ...:attributes:<key>}
	refArtifact                         // ...:artifact-location:s3-presigned-url} or ...:artifact:s3-presigned-url}
)

// ref is a package placeholder of a document.
type ref struct {
	token
	kind refKind
	// pkg and ver are as written: both "" for the empty form, ver may be $default.
	pkg, ver string
	key      string // for refAttribute
}

// parseRef parses a placeholder body. It returns nil, nil for a body that is not a package
// placeholder (a classic ${aws:iot:s3-presigned-url:...} or a template parameter), which
// this server leaves as it is.
func parseRef(body string) (*ref, error) {
	rest, ok := strings.CutPrefix(body, packagePrefix)
	if !ok {
		return nil, nil
	}
	bad := func() error {
		return sbomcat.Errorf(sbomcat.EINVALID, "${%s} is not a valid package placeholder; use ${aws:iot:package:<packageName>:version:<versionName>:attributes}, ...:attributes:<attributeKey>} or ...:artifact-location:s3-presigned-url}.", body)
	}
	pkg, rest, ok := strings.Cut(rest, ":version:")
	if !ok {
		return nil, bad()
	}
	ver, tail, ok := strings.Cut(rest, ":")
	if !ok {
		return nil, bad()
	}
	r := &ref{pkg: pkg, ver: ver}
	switch {
	case tail == "attributes":
		r.kind = refAllAttributes
	case strings.HasPrefix(tail, "attributes:"):
		r.kind, r.key = refAttribute, strings.TrimPrefix(tail, "attributes:")
		if !isAttrKey(r.key) {
			return nil, bad()
		}
	case tail == artifactLocationTail || tail == artifactTail:
		r.kind = refArtifact
	default:
		return nil, bad()
	}
	if (pkg == "") != (ver == "") {
		return nil, invalid(msgEmptyNotPaired)
	}
	if ver == VersionNull {
		return nil, invalid(msgNullInDocument)
	}
	if pkg != "" && !isName(pkg) {
		return nil, sbomcat.Errorf(sbomcat.EINVALID, "Package name %q in placeholder ${%s} is not a valid package name.", pkg, body)
	}
	if ver != "" && ver != VersionDefault && !isName(ver) {
		return nil, sbomcat.Errorf(sbomcat.EINVALID, "Version name %q in placeholder ${%s} is not a valid version name or $default.", ver, body)
	}
	return r, nil
}

// parseDocument finds the package placeholders of doc and checks every rule that needs no
// catalog: termination, nesting, syntax, empty names in pairs, no $null, and the
// all-attributes placeholder standing alone as a JSON string value.
func parseDocument(doc string) ([]ref, error) {
	toks, spans, err := scan(doc)
	if err != nil {
		return nil, err
	}
	var refs []ref
	for _, t := range toks {
		r, err := parseRef(t.body)
		if err != nil {
			return nil, err
		}
		if r != nil {
			r.token = t
			refs = append(refs, *r)
		}
	}
	if len(refs) == 0 {
		// Nothing to substitute: the document is opaque to this server, JSON or not.
		return nil, nil
	}
	// Substitution is defined over JSON values: an attribute value is escaped into the JSON
	// string around it, and all attributes replace a whole string with an object.
	// (In a JSON document placeholders come from string literals, so spans is not nil.)
	if spans == nil {
		return nil, invalid("A job document that uses package placeholders must be valid JSON.")
	}
	for _, r := range refs {
		if r.kind != refAllAttributes {
			continue
		}
		s, ok := enclosing(spans, r.start, r.end)
		if !ok || s.key || r.start != s.open+1 || r.end != s.close {
			return nil, invalid(msgAllAttributes)
		}
	}
	return refs, nil
}

// span is a JSON string literal of a document: doc[open] and doc[close] are its quotes.
type span struct {
	open, close int
	key         bool // the string is an object member's name
}

// stringSpans returns the string literals of a valid JSON document in order.
func stringSpans(doc string) []span {
	var spans []span
	for i := 0; i < len(doc); i++ {
		if doc[i] != '"' {
			continue
		}
		open := i
		for i++; doc[i] != '"'; i++ {
			if doc[i] == '\\' {
				i++
			}
		}
		s := span{open: open, close: i}
		rest := strings.TrimLeft(doc[i+1:], " \t\r\n")
		s.key = strings.HasPrefix(rest, ":")
		spans = append(spans, s)
	}
	return spans
}

// enclosing returns the string literal that holds doc[start:end].
func enclosing(spans []span, start, end int) (span, bool) {
	for _, s := range spans {
		if s.open < start && end <= s.close {
			return s, true
		}
		if s.open > start {
			break
		}
	}
	return span{}, false
}

func invalid(msg string) error { return &sbomcat.Error{Code: sbomcat.EINVALID, Message: msg} }
