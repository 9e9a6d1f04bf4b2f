package jobs

import (
	"regexp"
	"testing"

	"github.com/sbomcat/sbomcat"
)

// TestParseDocument covers the rules that need no catalog: what is a placeholder, which
// documents are refused and with which message, and what each package placeholder says.
func TestParseDocument(t *testing.T) {
	type want struct {
		kind     refKind
		pkg, ver string
		key      string
	}
	tests := []struct {
		name string
		doc  string
		refs []want
		err  string
	}{
		{name: "no placeholders, not even JSON", doc: `plain text {`},
		{name: "classic presigned placeholder is left alone", doc: `{"u":"${aws:iot:s3-presigned-url:https://b.s3.amazonaws.com/k}"}`},
		{name: "template parameter is left alone", doc: `{"u":"${param}"}`},
		{name: "one attribute", doc: `{"u":"${aws:iot:package:P:version:1.0:attributes:s3URL}"}`,
			refs: []want{{refAttribute, "P", "1.0", "s3URL"}}},
		{name: "attribute key with colons", doc: `{"u":"x-${aws:iot:package:P:version:1.0:attributes:a:b_c-d}-y"}`,
			refs: []want{{refAttribute, "P", "1.0", "a:b_c-d"}}},
		{name: "all attributes as a whole value", doc: `{"a": "${aws:iot:package:P:version:$default:attributes}"}`,
			refs: []want{{kind: refAllAttributes, pkg: "P", ver: "$default"}}},
		{name: "all attributes in an array", doc: `["${aws:iot:package:P:version:1.0:attributes}"]`,
			refs: []want{{kind: refAllAttributes, pkg: "P", ver: "1.0"}}},
		{name: "empty names", doc: `{"a":"${aws:iot:package::version::attributes}","k":"${aws:iot:package::version::attributes:k}"}`,
			refs: []want{{kind: refAllAttributes}, {kind: refAttribute, key: "k"}}},
		{name: "artifact-location spelling", doc: `{"u":"${aws:iot:package:P:version:1.0:artifact-location:s3-presigned-url}"}`,
			refs: []want{{kind: refArtifact, pkg: "P", ver: "1.0"}}},
		{name: "artifact spelling", doc: `{"u":"${aws:iot:package:P:version:1.0:artifact:s3-presigned-url}"}`,
			refs: []want{{kind: refArtifact, pkg: "P", ver: "1.0"}}},
		{name: "several in one string", doc: `{"u":"${aws:iot:package:P:version:1.0:attributes:a}/${aws:iot:package::version::attributes:b}"}`,
			refs: []want{{refAttribute, "P", "1.0", "a"}, {kind: refAttribute, key: "b"}}},

		{name: "unterminated package placeholder", doc: `{"u":"${aws:iot:package:P:version:1.0:attributes"}`, err: msgUnterminated},
		{name: "unterminated parameter", doc: `{"u":"${param"}`, err: msgUnterminated},
		{name: "unterminated within its string", doc: `{"a":"${aws:iot:package:P:version:1.0:attributes:k", "b":"}"}`, err: msgUnterminated},
		{name: "unterminated in plain text", doc: `deploy ${aws:iot:package:P:version:1.0:attributes:k`, err: msgUnterminated},
		{name: "unterminated at the very end", doc: `${`, err: msgUnterminated},
		{name: "artifact nested", doc: `{"u":"${aws:iot:s3-presigned-url:${aws:iot:package:P:version:1.0:artifact:s3-presigned-url}}"}`, err: msgArtifactNested},
		{name: "artifact-location nested", doc: `{"u":"${aws:iot:package:P:version:1.0:attributes:${aws:iot:package:P:version:1.0:artifact-location:s3-presigned-url}}"}`, err: msgArtifactNested},
		{name: "all attributes nested", doc: `{"u":"${aws:iot:s3-presigned-url:${aws:iot:package:P:version:1.0:attributes}}"}`, err: msgAllAttributes},
		{name: "attribute nested", doc: `{"u":"${aws:iot:s3-presigned-url:${aws:iot:package:P:version:1.0:attributes:k}}"}`,
			err: "${aws:iot:package:[...]} should not be the second layer pattern."},
		{name: "classic nested", doc: `{"u":"${aws:iot:package:P:version:${aws:iot:s3-presigned-url:https://x}:attributes}"}`,
			err: "${aws:iot:s3-presigned-url:[...]} should not be the second layer pattern."},
		{name: "parameter nested", doc: `{"u":"${aws:iot:package:P:version:${v}:attributes}"}`,
			err: "${v} should not be the second layer pattern."},
		{name: "$null version", doc: `{"u":"${aws:iot:package:P:version:$null:attributes:k}"}`, err: msgNullInDocument},
		{name: "$null version, artifact", doc: `{"u":"${aws:iot:package:P:version:$null:artifact:s3-presigned-url}"}`, err: msgNullInDocument},
		{name: "empty package only", doc: `{"u":"${aws:iot:package::version:1.0:attributes:k}"}`, err: msgEmptyNotPaired},
		{name: "empty version only", doc: `{"u":"${aws:iot:package:P:version::attributes}"}`, err: msgEmptyNotPaired},
		{name: "all attributes appended before", doc: `{"a":"x${aws:iot:package:P:version:1.0:attributes}"}`, err: msgAllAttributes},
		{name: "all attributes appended after", doc: `{"a":"${aws:iot:package:P:version:1.0:attributes} "}`, err: msgAllAttributes},
		{name: "all attributes with another placeholder", doc: `{"a":"${aws:iot:package:P:version:1.0:attributes}${aws:iot:package:P:version:1.0:attributes:k}"}`, err: msgAllAttributes},
		{name: "all attributes after an escaped quote", doc: `{"a":"\"${aws:iot:package:P:version:1.0:attributes}\""}`, err: msgAllAttributes},
		{name: "all attributes as a member name", doc: `{"${aws:iot:package:P:version:1.0:attributes}" : 1}`, err: msgAllAttributes},
		{name: "package placeholder in invalid JSON", doc: `{"u":"${aws:iot:package:P:version:1.0:attributes:k}",}`,
			err: "A job document that uses package placeholders must be valid JSON."},
		{name: "no version segment", doc: `{"u":"${aws:iot:package:P:attributes}"}`,
			err: "${aws:iot:package:P:attributes} is not a valid package placeholder; use ${aws:iot:package:<packageName>:version:<versionName>:attributes}, ...:attributes:<attributeKey>} or ...:artifact-location:s3-presigned-url}."},
		{name: "unknown tail", doc: `{"u":"${aws:iot:package:P:version:1.0:recipe}"}`,
			err: "${aws:iot:package:P:version:1.0:recipe} is not a valid package placeholder; use ${aws:iot:package:<packageName>:version:<versionName>:attributes}, ...:attributes:<attributeKey>} or ...:artifact-location:s3-presigned-url}."},
		{name: "empty attribute key", doc: `{"u":"${aws:iot:package:P:version:1.0:attributes:}"}`,
			err: "${aws:iot:package:P:version:1.0:attributes:} is not a valid package placeholder; use ${aws:iot:package:<packageName>:version:<versionName>:attributes}, ...:attributes:<attributeKey>} or ...:artifact-location:s3-presigned-url}."},
		{name: "bad package name", doc: `{"u":"${aws:iot:package:P Q:version:1.0:attributes:k}"}`,
			err: `Package name "P Q" in placeholder ${aws:iot:package:P Q:version:1.0:attributes:k} is not a valid package name.`},
		{name: "bad version name", doc: `{"u":"${aws:iot:package:P:version:$latest:attributes:k}"}`,
			err: `Version name "$latest" in placeholder ${aws:iot:package:P:version:$latest:attributes:k} is not a valid version name or $default.`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			refs, err := parseDocument(tt.doc)
			if tt.err != "" {
				if sbomcat.ErrCode(err) != sbomcat.EINVALID || sbomcat.ErrMessage(err) != tt.err {
					t.Fatalf("error = %v\nwant EINVALID %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(refs) != len(tt.refs) {
				t.Fatalf("found %d package placeholders, want %d", len(refs), len(tt.refs))
			}
			for i, r := range refs {
				got := want{r.kind, r.pkg, r.ver, r.key}
				if got != tt.refs[i] {
					t.Errorf("placeholder %d = %+v, want %+v", i, got, tt.refs[i])
				}
				if tt.doc[r.start:r.end] != "${"+r.body+"}" {
					t.Errorf("placeholder %d spans %q", i, tt.doc[r.start:r.end])
				}
			}
		})
	}
}

func TestJSONStringContent(t *testing.T) {
	for in, want := range map[string]string{
		`plain`:                  `plain`,
		`say "hi" \ bye`:         `say \"hi\" \\ bye`,
		`https://h/k?a=1&b=<2>`:  `https://h/k?a=1&b=<2>`,
		"tab\there":              `tab\there`,
		"unicode é ${not:a:one}": "unicode é ${not:a:one}",
	} {
		if got := jsonStringContent(in); got != want {
			t.Errorf("jsonStringContent(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestNamesMatchTheModelPatterns: the byte checks accept exactly what the patterns they stand
// for match.
func TestNamesMatchTheModelPatterns(t *testing.T) {
	inputs := []string{"", "fw", "fw-1.0_x", "a:b", "A-Z_09", "fw 1", "x\n", "\n", "é", "fw/1", "$", "fw.", ":", "\xff", "a\x00"}
	for _, tc := range []struct {
		pattern string
		check   func(string) bool
	}{
		{`^[a-zA-Z0-9_.\-]+$`, isName},
		{`^[a-zA-Z0-9:_\-]+$`, isAttrKey},
		{`^[a-zA-Z0-9_-]+$`, func(s string) bool { return onlyOf(s, "_-") }},
	} {
		re := regexp.MustCompile(tc.pattern)
		for _, in := range inputs {
			if got, want := tc.check(in), re.MatchString(in); got != want {
				t.Errorf("%s on %q: %v, want %v", tc.pattern, in, got, want)
			}
		}
	}
}
