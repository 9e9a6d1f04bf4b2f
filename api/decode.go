package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/sbomcat/sbomcat"
)

// Request bodies are JSON objects read as AWS reads them: member names match exactly, unknown
// members are ignored, and what is not valid JSON text in UTF-8 is refused with a
// ValidationException that says where, rather than stored as something other than what was sent.

// decode unmarshals the JSON body into v. An empty body is an empty object. Malformed JSON and
// members of the wrong type are ValidationExceptions naming the member; unknown members are
// ignored.
func decode(body []byte, v any) error {
	// First pass: generic JSON, so that syntax errors are reported as such and members can be
	// matched exactly (encoding/json matches names case-insensitively, AWS does not).
	generic, err := parseBody(body)
	if err != nil {
		return err
	}
	return decodeParsed(generic, v)
}

// decodeParsed is decode's second pass, over the body as parseBody returned it (nil for an
// empty body, which leaves v as it is). It drops the members v has no field for from generic.
func decodeParsed(generic map[string]any, v any) error {
	if generic == nil {
		return nil
	}
	exact, err := json.Marshal(exactMembers(generic, reflect.TypeOf(v)))
	if err == nil {
		err = json.Unmarshal(exact, v)
	}
	return jsonError(err)
}

// parseBody decodes a JSON object body with numbers as json.Number; an empty or null body is
// nil. Bytes that are not UTF-8 are refused rather than read as U+FFFD (docs/behaviour.md,
// "Errors"): what is stored would not be what was sent.
func parseBody(body []byte) (map[string]any, error) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || bytes.Equal(trimmed, []byte("null")) {
		return nil, nil
	}
	if !utf8.Valid(trimmed) {
		return nil, sbomcat.Errorf(sbomcat.EINVALID, "The request body is not valid UTF-8: invalid byte at offset %d. JSON text must be encoded in UTF-8; escape other characters as \\uXXXX.", invalidUTF8At(body))
	}
	if off := loneSurrogateAt(trimmed); off >= 0 {
		return nil, sbomcat.Errorf(sbomcat.EINVALID, "The request body is not valid JSON text: the escape at offset %d is half of a UTF-16 surrogate pair, which encodes no character.", off)
	}
	if trimmed[0] != '{' {
		return nil, sbomcat.Errorf(sbomcat.EINVALID, "The request body must be a JSON object.")
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.UseNumber()
	var obj map[string]any
	err := dec.Decode(&obj)
	if err == nil && dec.More() {
		return nil, sbomcat.Errorf(sbomcat.EINVALID, "The request body has data after the JSON object.")
	}
	if obj == nil && err == nil {
		obj = map[string]any{}
	}
	return obj, jsonError(err)
}

// invalidUTF8At returns the offset of the first byte of b that does not begin a UTF-8 sequence.
func invalidUTF8At(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// loneSurrogateAt returns the offset of the first \uXXXX escape in b that is half of a UTF-16
// surrogate pair without its other half, or -1. encoding/json would decode it as U+FFFD, so
// what is stored would not be what was sent, as with bytes that are not UTF-8.
func loneSurrogateAt(b []byte) int {
	pending := -1 // offset of a high surrogate waiting for its low half
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' {
			if pending >= 0 {
				return pending
			}
			continue
		}
		if i+1 < len(b) && b[i+1] != 'u' {
			i++ // a two-character escape, such as \\ or \"
			if pending >= 0 {
				return pending
			}
			continue
		}
		r := rune(-1)
		if i+6 <= len(b) {
			if n, err := strconv.ParseUint(string(b[i+2:i+6]), 16, 16); err == nil {
				r = rune(n)
			}
		}
		switch {
		case r >= 0xDC00 && r <= 0xDFFF && pending >= 0:
			pending = -1
		case r >= 0xDC00 && r <= 0xDFFF:
			return i
		case pending >= 0:
			return pending
		case r >= 0xD800 && r <= 0xDBFF:
			pending = i
		}
		i += 5
	}
	return pending
}

// jsonError renders a decoding error as a ValidationException naming the member or offset.
func jsonError(err error) error {
	if err == nil {
		return nil
	}
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		return sbomcat.Errorf(sbomcat.EINVALID, "1 validation error detected: Value at '%s' failed to satisfy constraint: Member must be of type %s, not a JSON %s", typeErr.Field, jsonType(typeErr.Type.String()), typeErr.Value)
	case errors.As(err, &syntaxErr):
		return sbomcat.Errorf(sbomcat.EINVALID, "The request body is not valid JSON: %s at offset %d.", strings.TrimPrefix(syntaxErr.Error(), "invalid character "), syntaxErr.Offset)
	}
	return sbomcat.Errorf(sbomcat.EINVALID, "The request body is not valid JSON: %s.", strings.TrimPrefix(err.Error(), "json: "))
}

// exactMembers drops, at every level, the object members whose names are not exactly a member
// of the target type: AWS ignores unknown members, and "Description" is not "description".
func exactMembers(v any, t reflect.Type) any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			return v
		}
		fields := map[string]reflect.Type{}
		// Visible fields include those of embedded structs, which encoding/json promotes.
		for _, f := range reflect.VisibleFields(t) {
			if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); name != "" && name != "-" {
				fields[name] = f.Type
			}
		}
		for k, val := range obj {
			if ft, ok := fields[k]; ok {
				obj[k] = exactMembers(val, ft)
			} else {
				delete(obj, k)
			}
		}
	case reflect.Map:
		if obj, ok := v.(map[string]any); ok {
			for k, val := range obj {
				obj[k] = exactMembers(val, t.Elem())
			}
		}
	case reflect.Slice:
		if list, ok := v.([]any); ok {
			for i, val := range list {
				list[i] = exactMembers(val, t.Elem())
			}
		}
	}
	return v
}

func jsonType(goType string) string {
	switch {
	case strings.HasPrefix(goType, "map["), strings.HasPrefix(goType, "api."), strings.HasPrefix(goType, "*api."):
		return "structure or map"
	case strings.HasPrefix(goType, "[]"):
		return "list"
	case strings.Contains(goType, "bool"):
		return "boolean"
	case strings.Contains(goType, "string"):
		return "string"
	case strings.Contains(goType, "int"):
		return "long" // presignedUrlConfig.expiresInSec, the only number member
	}
	return goType
}
