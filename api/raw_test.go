package api_test

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
)

// checkAWSShape asserts an error response is what docs/behaviour.md, "Errors", says.
func checkAWSShape(t *testing.T, resp rawResponse) {
	t.Helper()
	name := resp.header.Get("X-Amzn-ErrorType")
	if name == "" || resp.header.Get("X-Amzn-RequestId") == "" {
		t.Fatalf("missing X-Amzn-ErrorType or X-Amzn-RequestId: %v", resp.header)
	}
	if resp.json == nil || resp.json["__type"] != name {
		t.Fatalf("body %s does not carry __type %s", resp.body, name)
	}
	if msg, _ := resp.json["message"].(string); msg == "" {
		t.Fatalf("body %s has no message", resp.body)
	}
}

// TestMalformedRequests sends what no SDK would and expects AWS-shaped errors, never a 500.
func TestMalformedRequests(t *testing.T) {
	e := newEnv(t)
	deep := strings.Repeat("[", 20000) + strings.Repeat("]", 20000)
	big := append([]byte(`{"description":"`), bytes.Repeat([]byte("a"), 1<<20)...)
	big = append(big, `"}`...)

	tests := []struct {
		name    string
		method  string
		path    string
		body    string
		status  int
		errType string // "" = success
		message string
	}{
		{"truncated JSON", "PUT", "/packages/p", `{`, 400, "ValidationException", "not valid JSON"},
		{"not JSON at all", "PUT", "/packages/p", `description=x`, 400, "ValidationException", "JSON object"},
		{"array body", "PUT", "/packages/p", `[]`, 400, "ValidationException", "JSON object"},
		{"string body", "PUT", "/packages/p", `"x"`, 400, "ValidationException", "JSON object"},
		{"two objects", "PUT", "/packages/p", `{} {}`, 400, "ValidationException", "after the JSON object"},
		{"number for string", "PUT", "/packages/p", `{"description":5}`, 400, "ValidationException", "'description'"},
		{"list for map", "PUT", "/packages/p", `{"tags":["a"]}`, 400, "ValidationException", "'tags'"},
		{"number tag value", "PUT", "/packages/p", `{"tags":{"a":1}}`, 400, "ValidationException", "tags"},
		{"string for boolean", "PATCH", "/packages/p", `{"unsetDefaultVersion":"yes"}`, 400, "ValidationException", "unsetDefaultVersion"},
		{"number attribute", "PUT", "/packages/p/versions/1", `{"attributes":{"a":1}}`, 400, "ValidationException", "attributes"},
		{"artifact without location", "PUT", "/packages/p/versions/1", `{"artifact":{}}`, 400, "ValidationException", "artifact.s3Location"},
		{"string for structure", "PUT", "/packages/p/versions/1/sbom", `{"sbom":"s3://b/k"}`, 400, "ValidationException", "sbom"},
		{"sbom missing", "PUT", "/packages/p/versions/1/sbom", `{}`, 400, "ValidationException", "SBOM reference"},
		{"deep nesting", "PUT", "/packages/p", `{"description":` + deep + `}`, 400, "ValidationException", "JSON"},
		{"oversize body", "PUT", "/packages/p", string(big), 400, "ValidationException", "1048576 bytes"},
		{"unknown path", "GET", "/nowhere", ``, 404, "UnknownOperationException", "GET /nowhere"},
		{"unknown method", "POST", "/packages", `{}`, 404, "UnknownOperationException", "method POST"},
		{"trailing slash: an empty packageName", "GET", "/packages/", ``, 400, "ValidationException", "'packageName'"},
		{"empty path label", "GET", "/packages//versions/1.0.0", ``, 400, "ValidationException", "'packageName'"},
		{"invalid UTF-8", "PUT", "/packages/p", "{\"description\":\"\xff\xfe\"}", 400, "ValidationException", "not valid UTF-8: invalid byte at offset 16"},
		{"lone high surrogate", "PUT", "/packages/p", `{"description":"a\ud800b"}`, 400, "ValidationException", "offset 17 is half of a UTF-16 surrogate pair"},
		{"lone low surrogate", "PUT", "/packages/p", `{"description":"\udc00"}`, 400, "ValidationException", "offset 16 is half"},
		{"high surrogate at the end", "PUT", "/packages/p", `{"description":"\ud83d"}`, 400, "ValidationException", "offset 16 is half"},
		{"invalid UTF-8 in a tagging body", "POST", "/untag", "{\"resourceArn\":\"\xc3\"}", 400, "InvalidRequestException", "not valid UTF-8"},
		{"too deep path", "GET", "/packages/p/versions/1/sbom/x", ``, 404, "UnknownOperationException", ""},
		{"root", "GET", "/", ``, 404, "UnknownOperationException", ""},
		{"maxResults not a number", "GET", "/packages?maxResults=ten", ``, 400, "ValidationException", "maxResults"},
		{"maxResults negative", "GET", "/packages?maxResults=-1", ``, 400, "ValidationException", "greater than or equal to 1"},
		{"empty nextToken", "GET", "/packages?nextToken=", ``, 400, "ValidationException", "nextToken"},
		{"bad status filter", "GET", "/packages/p/versions?status=draft", ``, 400, "ValidationException", "status"},
		{"empty clientToken", "PUT", "/packages/p?clientToken=", ``, 400, "ValidationException", "clientToken"},
		{"tag arn wrong type", "POST", "/tags", `{"resourceArn":5}`, 400, "InvalidRequestException", "resourceArn"},
		{"tag without key", "POST", "/tags", `{"resourceArn":"arn:aws:iot:us-east-1:000000000000:package/p","tags":[{"Value":"v"}]}`, 400, "InvalidRequestException", "Key"},
		{"untag without keys", "POST", "/untag", `{"resourceArn":"arn:aws:iot:us-east-1:000000000000:package/p"}`, 400, "InvalidRequestException", "tagKeys"},
		{"list tags without arn", "GET", "/tags", ``, 400, "InvalidRequestException", "resourceArn"},
		// Accepted: unknown members are ignored, an empty or null body is an empty object.
		{"unknown members", "PUT", "/packages/p", `{"description":"d","bogus":{"x":[1,2]},"Description":7}`, 200, "", ""},
		{"empty body", "PUT", "/packages/q", ``, 200, "", ""},
		{"null body", "PATCH", "/packages/q", `null`, 200, "", ""},
		{"null member", "PATCH", "/packages/q", `{"description":null}`, 200, "", ""},
		{"surrogate pair", "PATCH", "/packages/q", `{"description":"\ud83d\ude00 \\u d800"}`, 200, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := e.raw(tt.method, tt.path, []byte(tt.body), signed)
			if resp.status != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.status, tt.status, resp.body)
			}
			if resp.header.Get("X-Amzn-RequestId") == "" {
				t.Errorf("no X-Amzn-RequestId")
			}
			if tt.errType == "" {
				return
			}
			checkAWSShape(t, resp)
			if got := resp.header.Get("X-Amzn-ErrorType"); got != tt.errType {
				t.Errorf("error type %s, want %s: %s", got, tt.errType, resp.body)
			}
			if msg, _ := resp.json["message"].(string); !strings.Contains(msg, tt.message) {
				t.Errorf("message %q does not contain %q", msg, tt.message)
			}
		})
	}

	// Timestamps are epoch seconds as JSON numbers; empty outputs are empty bodies.
	get := e.raw("GET", "/packages/p", nil, signed)
	if _, isNum := get.json["creationDate"].(float64); !isNum {
		t.Errorf("creationDate is not a number: %s", get.body)
	}
	upd := e.raw("PATCH", "/packages/p", []byte(`{"description":"x"}`), signed)
	if upd.status != 200 || len(upd.body) != 0 {
		t.Errorf("UpdatePackage answered %d %q, want 200 and an empty body", upd.status, upd.body)
	}
}

// TestGarbageNeverFails throws random bodies and query strings at every operation: whatever
// comes back is a well-formed AWS answer below 500.
func TestGarbageNeverFails(t *testing.T) {
	e := newEnv(t)
	rng := rand.New(rand.NewPCG(1, 2))
	paths := []route{
		{"GET", "/packages"}, {"PUT", "/packages/p"}, {"GET", "/packages/p"}, {"PATCH", "/packages/p"}, {"DELETE", "/packages/p"},
		{"GET", "/packages/p/versions"}, {"PUT", "/packages/p/versions/1"}, {"GET", "/packages/p/versions/1"},
		{"PATCH", "/packages/p/versions/1"}, {"DELETE", "/packages/p/versions/1"}, {"PUT", "/packages/p/versions/1/sbom"},
		{"DELETE", "/packages/p/versions/1/sbom"}, {"GET", "/packages/p/versions/1/sbom-validation-results"},
		{"GET", "/package-configuration"}, {"PATCH", "/package-configuration"}, {"POST", "/tags"}, {"GET", "/tags"}, {"POST", "/untag"},
	}
	fragments := []string{`{`, `}`, `[`, `]`, `"`, `:`, `,`, `null`, `true`, `1e999`, `-0`, `"\u0000"`, `"\ud800"`, `{"sbom":`,
		`{"tags":`, `{"attributes":`, `{"s3Location":`, `{"versionUpdateByJobsConfig":`, `{"resourceArn":`, `"arn:aws:iot:us-east-1:000000000000:package/p"`,
		"\xff\xfe", `"action":"PUBLISH"`, `{"Key":`, `"`}
	queries := []string{"", "?maxResults=1", "?maxResults=99999999999999999999", "?nextToken=%00", "?status=&validationResult=",
		"?clientToken=" + strings.Repeat("z", 36), "?resourceArn=arn:aws:iot:us-east-1:000000000000:package/p/version/1"}
	e.garbage(t, rng, 400, paths, fragments, queries)
}

// route is an operation's method and path.
type route struct{ method, path string }

// garbage sends n signed requests made at random of paths, body fragments and query strings,
// and fails t on any 5xx and on any error that is not in AWS's shape.
func (e *env) garbage(t *testing.T, rng *rand.Rand, n int, paths []route, fragments, queries []string) {
	t.Helper()
	for i := range n {
		p := paths[i%len(paths)]
		var body strings.Builder
		for range rng.IntN(12) {
			body.WriteString(fragments[rng.IntN(len(fragments))])
		}
		q := queries[rng.IntN(len(queries))]
		resp := e.raw(p.method, p.path+q, []byte(body.String()), signed)
		if resp.status >= 500 {
			t.Fatalf("%s %s%s %q: %d %s", p.method, p.path, q, body.String(), resp.status, resp.body)
		}
		if resp.status != 200 {
			checkAWSShape(t, resp)
		}
	}
}

// TestUndecodableTextNotStored: a body that is not UTF-8, or escapes half a surrogate pair, is
// refused whole, and no trace of it is stored (U+FFFD in its place, say).
func TestUndecodableTextNotStored(t *testing.T) {
	e := newEnv(t)
	for i, body := range []string{"{\"description\":\"\xff\xfe\"}", `{"description":"\ud800"}`, "{\"tags\":{\"k\xe9\":\"v\"}}"} {
		path := "/packages/p" + string(rune('0'+i))
		if resp := e.raw("PUT", path, []byte(body), signed); resp.status != 400 {
			t.Errorf("PUT %s %q: %d %s, want 400", path, body, resp.status, resp.body)
		}
		if resp := e.raw("GET", path, nil, signed); resp.status != 404 {
			t.Errorf("GET %s after the refusal: %d %s, want 404", path, resp.status, resp.body)
		}
	}
}
