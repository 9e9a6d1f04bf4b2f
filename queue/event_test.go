package queue_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/queue"
)

func sampleAssociation() sbomcat.Association {
	return sbomcat.Association{
		ID: "JQ6TZ2XNY5W4TFQ3MJNT6NBHRE", PackageName: "gateway-fw", VersionName: "7.1.0",
		SBOM:      sbomcat.S3Location{Bucket: "sboms", Key: "gateway/7.1.0/sbom.zip", Version: "3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY"},
		CreatedAt: time.Date(2026, 11, 23, 10, 0, 0, 123e6, time.UTC),
	}
}

// TestEventWireFormat pins the documented message body: consumers in other languages, and
// workers of other versions, read exactly this.
func TestEventWireFormat(t *testing.T) {
	body, err := queue.Encode(sampleAssociation())
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"version":1,"associationId":"JQ6TZ2XNY5W4TFQ3MJNT6NBHRE","packageName":"gateway-fw","versionName":"7.1.0",` +
		`"sbom":{"bucket":"sboms","key":"gateway/7.1.0/sbom.zip","version":"3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY"},"associatedAt":"2026-11-23T10:00:00.123Z"}`
	if string(body) != want {
		t.Errorf("Encode =\n%s\nwant\n%s", body, want)
	}
	got, err := queue.Decode(body)
	if err != nil {
		t.Fatal(err)
	}
	if a := sampleAssociation(); got != a {
		t.Errorf("Decode(Encode(a)) = %+v, want %+v", got, a)
	}
}

// TestEventProfile: the association's profile travels as an optional member, absent when empty
// (TestEventWireFormat), so workers that predate it read the event as before.
func TestEventProfile(t *testing.T) {
	a := sampleAssociation()
	a.Profile = "strict,ntia"
	body, err := queue.Encode(a)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(string(body), `"associatedAt":"2026-11-23T10:00:00.123Z","profile":"strict,ntia"}`) {
		t.Errorf("Encode = %s", body)
	}
	got, err := queue.Decode(body)
	if err != nil || got != a {
		t.Errorf("Decode(Encode(a)) = %+v, %v; want %+v", got, err, a)
	}
}

func TestDecode(t *testing.T) {
	valid := func(edit func(m map[string]any)) string {
		body, _ := queue.Encode(sampleAssociation())
		var m map[string]any
		json.Unmarshal(body, &m)
		edit(m)
		b, _ := json.Marshal(m)
		return string(b)
	}
	tests := []struct {
		name, body string
		err        string // "" means it decodes
	}{
		{"unknown members are ignored", valid(func(m map[string]any) { m["traceId"] = "x"; m["sbom"].(map[string]any)["etag"] = "y" }), ""},
		{"not JSON", "hello", "invalid character"},
		{"empty", "", "unexpected end of JSON input"},
		{"JSON but not an object", `[1,2]`, "cannot unmarshal array"},
		{"an S3 notification", `{"Records":[{"eventSource":"aws:s3"}]}`, `no "version" member`},
		{"future version", valid(func(m map[string]any) { m["version"] = 2 }), "event version 2 is not supported (this worker reads version 1)"},
		{"version as string", valid(func(m map[string]any) { m["version"] = "1" }), "cannot unmarshal string"},
		{"no association id", valid(func(m map[string]any) { delete(m, "associationId") }), "associationId is missing"},
		{"no package", valid(func(m map[string]any) { m["packageName"] = "" }), "packageName is missing"},
		{"no version name", valid(func(m map[string]any) { delete(m, "versionName") }), "versionName is missing"},
		{"no sbom", valid(func(m map[string]any) { delete(m, "sbom") }), "sbom.bucket is missing"},
		{"no object version", valid(func(m map[string]any) { delete(m["sbom"].(map[string]any), "version") }), "sbom.version is missing"},
		{"bad time", valid(func(m map[string]any) { m["associatedAt"] = "yesterday" }), "cannot parse"},
		{"trailing data", valid(func(map[string]any) {}) + `{}`, "after top-level value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := queue.Decode([]byte(tt.body))
			if tt.err == "" {
				if err != nil {
					t.Fatalf("Decode: %v", err)
				}
				return
			}
			if !errors.Is(err, queue.ErrNotEvent) || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("Decode = %v, want ErrNotEvent saying %q", err, tt.err)
			}
		})
	}
}

func TestEncodeRefusesIncompleteAssociation(t *testing.T) {
	a := sampleAssociation()
	a.SBOM.Version = ""
	if _, err := queue.Encode(a); err == nil {
		t.Fatal("Encode of an association without an object version succeeded")
	}
}
