package jobs_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/internal/testkit"
	"github.com/sbomcat/sbomcat/jobs"
)

var targets = []string{"arn:aws:iot:us-east-1:000000000000:thing/device-1"}

// TestCreateResolves creates a job for each placeholder form and checks both views of the
// document and of the destinations.
func TestCreateResolves(t *testing.T) {
	e := newEnv(t)
	attrs100JSON := `{"location":"prod-artifacts.s3.us-east-1.amazonaws.com/mqtt-core","signature":"IQoJb3J\"quoted\"\\back","streamName":"mqtt-core"}`
	tests := []struct {
		name      string
		doc       string
		dests     []string
		wantDoc   string
		wantDests []string // the resolved view; nil means the same as dests
	}{
		{
			name:    "one attribute",
			doc:     `{"download": "${aws:iot:package:TestPackage:version:1.0.0:attributes:location}"}`,
			dests:   []string{arn("TestPackage", "1.0.0")},
			wantDoc: `{"download": "prod-artifacts.s3.us-east-1.amazonaws.com/mqtt-core"}`,
		},
		{
			name:    "one attribute inside other text, escaped for JSON",
			doc:     `{"sig": "sig=${aws:iot:package:TestPackage:version:1.0.0:attributes:signature};"}`,
			dests:   []string{arn("TestPackage", "1.0.0")},
			wantDoc: `{"sig": "sig=IQoJb3J\"quoted\"\\back;"}`,
		},
		{
			name:    "all attributes become a JSON object",
			doc:     `{"attributes": "${aws:iot:package:TestPackage:version:1.0.0:attributes}", "n": 1}`,
			dests:   []string{arn("TestPackage", "1.0.0")},
			wantDoc: `{"attributes": ` + attrs100JSON + `, "n": 1}`,
		},
		{
			name:    "all attributes of a version without any",
			doc:     `{"attributes":"${aws:iot:package:Plain:version:1.0:attributes}"}`,
			dests:   []string{arn("Plain", "1.0")},
			wantDoc: `{"attributes":{}}`,
		},
		{
			name:    "empty names from the single destination",
			doc:     `{"loc":"${aws:iot:package::version::attributes:location}","all":"${aws:iot:package::version::attributes}"}`,
			dests:   []string{arn("TestPackage", "1.0.2")},
			wantDoc: `{"loc":"prod-artifacts/1.0.2","all":{"location":"prod-artifacts/1.0.2","signature":"sig-102"}}`,
		},
		{
			name:      "empty names from a $default destination",
			doc:       `{"all":"${aws:iot:package::version::attributes}"}`,
			dests:     []string{arn("TestPackage", "$default")},
			wantDoc:   `{"all":` + attrs100JSON + `}`,
			wantDests: []string{arn("TestPackage", "1.0.0")},
		},
		{
			name:      "$default in both",
			doc:       `{"attributes":"${aws:iot:package:TestPackage:version:$default:attributes}"}`,
			dests:     []string{arn("TestPackage", "$default")},
			wantDoc:   `{"attributes":` + attrs100JSON + `}`,
			wantDests: []string{arn("TestPackage", "1.0.0")},
		},
		{
			name:    "$default in the document matches the version it names",
			doc:     `{"s":"${aws:iot:package:TestPackage:version:$default:attributes:streamName}"}`,
			dests:   []string{arn("TestPackage", "1.0.0")},
			wantDoc: `{"s":"mqtt-core"}`,
		},
		{
			name:      "a version in the document matches a $default destination",
			doc:       `{"s":"${aws:iot:package:TestPackage:version:1.0.0:attributes:streamName}"}`,
			dests:     []string{arn("TestPackage", "$default")},
			wantDoc:   `{"s":"mqtt-core"}`,
			wantDests: []string{arn("TestPackage", "1.0.0")},
		},
		{
			name:    "extra destinations and a $null uninstall",
			doc:     `{"k":"${aws:iot:package:Other:version:3.1:attributes:k}"}`,
			dests:   []string{arn("Other", "3.1"), arn("Plain", "$null"), arn("TestPackage", "1.0.2")},
			wantDoc: `{"k":"other"}`,
		},
		{
			name:    "a DEPRECATED version deploys",
			doc:     `{"l":"${aws:iot:package:TestPackage:version:0.9.0:attributes:location}"}`,
			dests:   []string{arn("TestPackage", "0.9.0")},
			wantDoc: `{"l":"old"}`,
		},
		{
			name:    "several packages",
			doc:     `{"a":"${aws:iot:package:TestPackage:version:1.0.2:attributes:signature}","b":["${aws:iot:package:Other:version:3.1:attributes:k}"]}`,
			dests:   []string{arn("TestPackage", "1.0.2"), arn("Other", "3.1")},
			wantDoc: `{"a":"sig-102","b":["other"]}`,
		},
		{
			name:    "a substituted value is not scanned again",
			doc:     `{"t":"${aws:iot:package:Other:version:3.1:attributes:tricky}"}`,
			dests:   []string{arn("Other", "3.1")},
			wantDoc: `{"t":"` + trickyAttr + `"}`,
		},
		{
			name:    "no placeholders, no destinations, not JSON",
			doc:     `run ${param} now`,
			wantDoc: `run ${param} now`,
		},
		{
			name:    "classic presigned placeholder is passed through",
			doc:     `{"u":"${aws:iot:s3-presigned-url:https://b.s3.amazonaws.com/k}"}`,
			wantDoc: `{"u":"${aws:iot:s3-presigned-url:https://b.s3.amazonaws.com/k}"}`,
		},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := fmt.Sprintf("resolve-%d", i)
			j, err := e.svc.Create(e.ctx, jobs.CreateRequest{JobID: id, Document: tt.doc, DestinationPackageVersions: tt.dests, Targets: targets})
			if err != nil {
				t.Fatal(err)
			}
			if j.Resolved.Document != tt.wantDoc {
				t.Errorf("resolved document = %s\nwant %s", j.Resolved.Document, tt.wantDoc)
			}
			after, err := e.svc.Document(e.ctx, id, false)
			if err != nil {
				t.Fatal(err)
			}
			if after != tt.wantDoc {
				t.Errorf("GetJobDocument = %s\nwant %s", after, tt.wantDoc)
			}
			if strings.HasPrefix(tt.doc, "{") && !json.Valid([]byte(after)) {
				t.Errorf("substituted document is not JSON: %s", after)
			}
			before, err := e.svc.Document(e.ctx, id, true)
			if err != nil {
				t.Fatal(err)
			}
			if before != tt.doc {
				t.Errorf("GetJobDocument(beforeSubstitution) = %s\nwant %s", before, tt.doc)
			}
			got, err := e.svc.Describe(e.ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			wantDests := tt.wantDests
			if wantDests == nil {
				wantDests = tt.dests
			}
			if v := got.DestinationsView(false); !slices.Equal(v, wantDests) {
				t.Errorf("destinations = %q, want %q", v, wantDests)
			}
			if v := got.DestinationsView(true); !slices.Equal(v, tt.dests) {
				t.Errorf("destinations before substitution = %q, want %q", v, tt.dests)
			}
		})
	}
}

// TestCreateRefuses checks every refusal with its exact message, and that nothing is stored.
func TestCreateRefuses(t *testing.T) {
	e := newEnv(t)
	tp := func(ver string) []string { return []string{arn("TestPackage", ver)} }
	attr := func(ver, key string) string {
		return `{"a":"${aws:iot:package:TestPackage:version:` + ver + `:attributes:` + key + `}"}`
	}
	artifact := func(ver, tail string) string {
		return `{"url":"${aws:iot:package:TestPackage:version:` + ver + `:` + tail + `}"}`
	}
	role := &jobs.PresignedURLConfig{RoleARN: roleARN}
	blow := `{"b":[` + strings.TrimSuffix(strings.Repeat(`"${aws:iot:package:Other:version:3.1:attributes:blob}",`, 17), ",") + `]}`
	tests := []struct {
		name string
		req  jobs.CreateRequest
		msg  string
	}{
		// Document rules (docs/behaviour.md, "Jobs"; AWS's messages verbatim).
		{"unterminated", jobs.CreateRequest{Document: `{"a":"${aws:iot:package:TestPackage:version:1.0.0:attributes:location"}`, DestinationPackageVersions: tp("1.0.0")},
			"One or more parameters or placeholders are not terminated."},
		{"artifact nested", jobs.CreateRequest{Document: `{"a":"${aws:iot:s3-presigned-url:${aws:iot:package:TestPackage:version:1.0.0:artifact:s3-presigned-url}}"}`, DestinationPackageVersions: tp("1.0.0"), PresignedURLConfig: role},
			"${aws:iot:package:[...]:artifact:s3-presigned-url} cannot be nested inside another placeholder."},
		{"attribute nested", jobs.CreateRequest{Document: `{"a":"${aws:iot:package:TestPackage:version:${aws:iot:package:Other:version:3.1:attributes:k}:attributes:location}"}`, DestinationPackageVersions: tp("1.0.0")},
			"${aws:iot:package:[...]} should not be the second layer pattern."},
		{"$null in the document", jobs.CreateRequest{Document: attr("$null", "location"), DestinationPackageVersions: tp("$null")},
			"$null is not allowed to be referenced as a package version in job documents."},
		{"$null through the empty form", jobs.CreateRequest{Document: `{"a":"${aws:iot:package::version::attributes}"}`, DestinationPackageVersions: tp("$null")},
			"$null is not allowed to be referenced as a package version in job documents."},
		{"empty package name alone", jobs.CreateRequest{Document: `{"a":"${aws:iot:package::version:1.0.0:attributes:location}"}`, DestinationPackageVersions: tp("1.0.0")},
			"Empty package name and version name have to be used in pair."},
		{"empty version name alone", jobs.CreateRequest{Document: `{"a":"${aws:iot:package:TestPackage:version::attributes:location}"}`, DestinationPackageVersions: tp("1.0.0")},
			"Empty package name and version name have to be used in pair."},
		{"empty names, two destinations", jobs.CreateRequest{Document: `{"a":"${aws:iot:package::version::attributes:location}"}`, DestinationPackageVersions: []string{arn("TestPackage", "1.0.0"), arn("Other", "3.1")}},
			"Cannot resolve empty package name and version name given multiple elements in destination package versions."},
		{"empty names, no destination", jobs.CreateRequest{Document: `{"a":"${aws:iot:package::version::attributes:location}"}`},
			"Cannot resolve empty package name and version name without destination package versions."},
		{"all attributes appended to text", jobs.CreateRequest{Document: `{"a":"v=${aws:iot:package:TestPackage:version:1.0.0:attributes}"}`, DestinationPackageVersions: tp("1.0.0")},
			"The package version attribute placeholder for all attributes has to be a json value by itself and not appended with other strings or nested with other placeholders."},
		{"placeholder in a document that is not JSON", jobs.CreateRequest{Document: `a=${aws:iot:package:TestPackage:version:1.0.0:attributes:location}`, DestinationPackageVersions: tp("1.0.0")},
			"A job document that uses package placeholders must be valid JSON."},

		// Versions and destinations.
		{"DRAFT destination", jobs.CreateRequest{Document: `{}`, DestinationPackageVersions: tp("2.0.0")},
			"Package TestPackage version 2.0.0 is DRAFT; only PUBLISHED or DEPRECATED package versions can be deployed by jobs."},
		{"DRAFT through the document", jobs.CreateRequest{Document: attr("2.0.0", "location"), DestinationPackageVersions: tp("2.0.0")},
			"Package TestPackage version 2.0.0 is DRAFT; only PUBLISHED or DEPRECATED package versions can be deployed by jobs."},
		{"document version not among destinations", jobs.CreateRequest{Document: attr("1.0.2", "location"), DestinationPackageVersions: tp("1.0.0")},
			"Package TestPackage version 1.0.2 referenced in the job document is not in destinationPackageVersions; the package versions of the job document and of destinationPackageVersions must match."},
		{"$default resolving to another version than the destination", jobs.CreateRequest{Document: attr("$default", "location"), DestinationPackageVersions: tp("1.0.2")},
			"Package TestPackage version 1.0.0 referenced in the job document is not in destinationPackageVersions; the package versions of the job document and of destinationPackageVersions must match."},
		{"document package only uninstalled", jobs.CreateRequest{Document: `{"a":"${aws:iot:package:Plain:version:1.0:attributes}"}`, DestinationPackageVersions: []string{arn("Plain", "$null")}},
			"Package Plain version 1.0 referenced in the job document is not in destinationPackageVersions; the package versions of the job document and of destinationPackageVersions must match."},
		{"no destinations at all", jobs.CreateRequest{Document: attr("1.0.0", "location")},
			"Package TestPackage version 1.0.0 referenced in the job document is not in destinationPackageVersions; the package versions of the job document and of destinationPackageVersions must match."},
		{"$default without a default version", jobs.CreateRequest{Document: `{}`, DestinationPackageVersions: []string{arn("Plain", "$default")}},
			"Package Plain has no default version for $default to refer to."},
		{"missing package", jobs.CreateRequest{Document: `{}`, DestinationPackageVersions: []string{arn("Nope", "1.0")}},
			"Package Nope does not exist."},
		{"missing package, $null", jobs.CreateRequest{Document: `{}`, DestinationPackageVersions: []string{arn("Nope", "$null")}},
			"Package Nope does not exist."},
		{"missing version", jobs.CreateRequest{Document: `{}`, DestinationPackageVersions: tp("9.9")},
			"Package TestPackage version 9.9 does not exist."},
		{"missing attribute", jobs.CreateRequest{Document: attr("1.0.0", "nope"), DestinationPackageVersions: tp("1.0.0")},
			"Package TestPackage version 1.0.0 has no attribute nope."},
		{"destination in another region", jobs.CreateRequest{Document: `{}`, DestinationPackageVersions: []string{"arn:aws:iot:eu-west-1:000000000000:package/TestPackage/version/1.0.0"}},
			"Package version ARN arn:aws:iot:eu-west-1:000000000000:package/TestPackage/version/1.0.0 is outside this endpoint's partition aws, region us-east-1 and account 000000000000."},
		{"destination is a package ARN", jobs.CreateRequest{Document: `{}`, DestinationPackageVersions: []string{"arn:aws:iot:us-east-1:000000000000:package/TestPackage"}},
			"arn:aws:iot:us-east-1:000000000000:package/TestPackage in destinationPackageVersions is not a package version ARN (arn:aws:iot:us-east-1:000000000000:package/<packageName>/version/<versionName>, $default or $null)."},

		// Artifacts, both spellings.
		{"no artifact", jobs.CreateRequest{Document: artifact("0.9.0", "artifact:s3-presigned-url"), DestinationPackageVersions: tp("0.9.0"), PresignedURLConfig: role},
			"Package TestPackage version 0.9.0 does not have an associated artifact to generate an S3 presigned url."},
		{"no artifact, artifact-location spelling", jobs.CreateRequest{Document: artifact("0.9.0", "artifact-location:s3-presigned-url"), DestinationPackageVersions: tp("0.9.0"), PresignedURLConfig: role},
			"Package TestPackage version 0.9.0 does not have an associated artifact to generate an S3 presigned url."},
		{"no presignedUrlConfig", jobs.CreateRequest{Document: artifact("1.0.0", "artifact:s3-presigned-url"), DestinationPackageVersions: tp("1.0.0")},
			"presignedUrlConfig role ARN is required to generate an S3 presigned url in job document for package TestPackage version 1.0.0 artifact."},
		{"no role ARN, artifact-location spelling, $default", jobs.CreateRequest{Document: artifact("$default", "artifact-location:s3-presigned-url"), DestinationPackageVersions: tp("$default"), PresignedURLConfig: &jobs.PresignedURLConfig{ExpiresInSec: ptr(int64(600))}},
			"presignedUrlConfig role ARN is required to generate an S3 presigned url in job document for package TestPackage version 1.0.0 artifact."},

		// Sizes and shapes.
		{"document over 32768 characters", jobs.CreateRequest{Document: `{"a":"` + strings.Repeat("é", jobs.MaxDocumentLen) + `"}`},
			"The job document has 32776 characters; the limit is 32768."},
		{"document over 32768 characters once substituted", jobs.CreateRequest{Document: blow, DestinationPackageVersions: []string{arn("Other", "3.1")}},
			"The job document is longer than 32768 characters once its package placeholders are substituted."},
		{"no document", jobs.CreateRequest{},
			"A job needs its document inline in document: this server does not fetch job documents."},
		{"documentSource", jobs.CreateRequest{Document: `{}`, DocumentSource: "https://s3.amazonaws.com/b/doc.json"},
			"documentSource is not supported by this server; give the job document inline in document."},
		{"26 destinations", jobs.CreateRequest{Document: `{}`, DestinationPackageVersions: slices.Repeat(tp("1.0.0"), 26)},
			"A job deploys at most 25 package versions; destinationPackageVersions names 26."},
		{"destination not an ARN", jobs.CreateRequest{Document: `{}`, DestinationPackageVersions: []string{"TestPackage/1.0.0"}},
			"TestPackage/1.0.0 in destinationPackageVersions is not a package version ARN (arn:aws:iot:us-east-1:000000000000:package/<packageName>/version/<versionName>, $default or $null)."},
		{"expiresInSec under 60", jobs.CreateRequest{Document: `{}`, PresignedURLConfig: &jobs.PresignedURLConfig{RoleARN: roleARN, ExpiresInSec: ptr(int64(59))}},
			"presignedUrlConfig.expiresInSec is 59; presigned URLs last 60 to 3600 seconds."},
		{"expiresInSec over 3600", jobs.CreateRequest{Document: `{}`, PresignedURLConfig: &jobs.PresignedURLConfig{RoleARN: roleARN, ExpiresInSec: ptr(int64(3601))}},
			"presignedUrlConfig.expiresInSec is 3601; presigned URLs last 60 to 3600 seconds."},
		{"targetSelection CONTINUOUS", jobs.CreateRequest{Document: `{}`, TargetSelection: jobs.TargetSelectionContinuous},
			"targetSelection CONTINUOUS is not supported by this server; its jobs are SNAPSHOT."},
		{"targetSelection unknown", jobs.CreateRequest{Document: `{}`, TargetSelection: "SOMETIMES"},
			`targetSelection "SOMETIMES" is neither SNAPSHOT nor CONTINUOUS.`},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := tt.req
			req.JobID = fmt.Sprintf("refused-%d", i)
			req.Targets = targets
			_, err := e.svc.Create(e.ctx, req)
			wantErr(t, err, sbomcat.EINVALID, tt.msg)
			_, err = e.svc.Describe(e.ctx, req.JobID)
			wantErr(t, err, sbomcat.ENOTFOUND, "")
		})
	}

	// The wire shapes (description, targets, role ARN lengths) are the API edge's, checked
	// against the model there; the job id is also the domain's: it keys the record and the ARN.
	t.Run("job ids", func(t *testing.T) {
		_, err := e.svc.Create(e.ctx, jobs.CreateRequest{JobID: "bad id!", Document: `{}`})
		wantErr(t, err, sbomcat.EINVALID, `The job id "bad id!" is not 1 to 64 letters, digits, '_' and '-'.`)
		_, err = e.svc.Create(e.ctx, jobs.CreateRequest{JobID: strings.Repeat("j", 65), Document: `{}`, Targets: targets})
		wantErr(t, err, sbomcat.EINVALID, `The job id "`+strings.Repeat("j", 65)+`" is not 1 to 64 letters, digits, '_' and '-'.`)
	})
}

func TestCreateLimitsAccepted(t *testing.T) {
	e := newEnv(t)
	req := jobs.CreateRequest{
		JobID:                      strings.Repeat("a", jobs.MaxJobIDLen),
		Document:                   `{"a":"` + strings.Repeat("é", jobs.MaxDocumentLen-8) + `"}`,
		DestinationPackageVersions: slices.Repeat([]string{arn("TestPackage", "1.0.0")}, jobs.MaxDestinations),
		Description:                strings.Repeat("d", jobs.MaxDescriptionLen),
		PresignedURLConfig:         &jobs.PresignedURLConfig{RoleARN: roleARN, ExpiresInSec: ptr(int64(jobs.MinExpiresInSec))},
		Targets:                    targets,
	}
	if _, err := e.svc.Create(e.ctx, req); err != nil {
		t.Fatal(err)
	}
	req.JobID, req.PresignedURLConfig.ExpiresInSec = "max-expiry", ptr(int64(jobs.MaxExpiresInSec))
	if _, err := e.svc.Create(e.ctx, req); err != nil {
		t.Fatal(err)
	}
}

// TestDefaultVersionFrozen: attributes and $default resolve once, at creation; a later change
// of the default version affects new jobs only (docs/behaviour.md, "Jobs").
func TestDefaultVersionFrozen(t *testing.T) {
	e := newEnv(t)
	req := jobs.CreateRequest{
		JobID: "frozen",
		Document: `{"attributes":"${aws:iot:package:TestPackage:version:$default:attributes}",` +
			`"sig":"${aws:iot:package::version::attributes:signature}",` +
			`"url":"${aws:iot:package:TestPackage:version:$default:artifact:s3-presigned-url}"}`,
		DestinationPackageVersions: []string{arn("TestPackage", "$default")},
		PresignedURLConfig:         &jobs.PresignedURLConfig{RoleARN: roleARN},
		Targets:                    targets,
	}
	if _, err := e.svc.Create(e.ctx, req); err != nil {
		t.Fatal(err)
	}
	check := func(t *testing.T, id, ver string, attrs map[string]string, firmware []byte) {
		t.Helper()
		j, err := e.svc.Describe(e.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := j.DestinationsView(false), []string{arn("TestPackage", ver)}; !slices.Equal(got, want) {
			t.Errorf("destinations = %q, want %q", got, want)
		}
		if got, want := j.DestinationsView(true), []string{arn("TestPackage", "$default")}; !slices.Equal(got, want) {
			t.Errorf("destinations before substitution = %q, want %q", got, want)
		}
		doc, err := e.svc.Document(e.ctx, id, false)
		if err != nil {
			t.Fatal(err)
		}
		var got struct {
			Attributes map[string]string
			Sig        string
			URL        string
		}
		if err := json.Unmarshal([]byte(doc), &got); err != nil {
			t.Fatalf("document %s: %v", doc, err)
		}
		if !equalMaps(got.Attributes, attrs) || got.Sig != attrs["signature"] {
			t.Errorf("document = %s, want the attributes of %s", doc, ver)
		}
		if body := testkit.GetOK(t, got.URL); string(body) != string(firmware) {
			t.Errorf("artifact URL of %s returned %q, want %q", ver, body, firmware)
		}
		before, err := e.svc.Document(e.ctx, id, true)
		if err != nil {
			t.Fatal(err)
		}
		if before != req.Document {
			t.Errorf("document before substitution = %s", before)
		}
	}

	check(t, "frozen", "1.0.0", attrs100, firmwareV1)
	e.setDefault(t, "TestPackage", "1.0.2")
	// The existing job keeps what $default meant when it was created...
	check(t, "frozen", "1.0.0", attrs100, firmwareV1)
	// ...and a new job gets the new default.
	req.JobID = "after-change"
	if _, err := e.svc.Create(e.ctx, req); err != nil {
		t.Fatal(err)
	}
	check(t, "after-change", "1.0.2", attrs102, firmwareV2)
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestCreateDefaults(t *testing.T) {
	e := newEnv(t)
	j, err := e.svc.Create(e.ctx, jobs.CreateRequest{JobID: "defaults", Document: `{}`, Targets: targets, Description: "deploy", TargetSelection: jobs.TargetSelectionSnapshot,
		PresignedURLConfig: &jobs.PresignedURLConfig{RoleARN: roleARN}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.svc.Describe(e.ctx, "defaults")
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range []*jobs.Job{j, got} {
		if j.Status != jobs.StatusInProgress || j.TargetSelection != jobs.TargetSelectionSnapshot {
			t.Errorf("status, targetSelection = %s, %s; want IN_PROGRESS, SNAPSHOT", j.Status, j.TargetSelection)
		}
		if !j.CreatedAt.Equal(e.now) || !j.LastUpdatedAt.Equal(e.now) {
			t.Errorf("createdAt, lastUpdatedAt = %v, %v; want %v", j.CreatedAt, j.LastUpdatedAt, e.now)
		}
		if c := j.PresignedURLConfig; c == nil || c.RoleARN != roleARN || c.ExpiresInSec == nil || *c.ExpiresInSec != jobs.DefaultExpiresInSec {
			t.Errorf("presignedUrlConfig = %+v, want the role and the default 3600 s", c)
		}
		if j.Description != "deploy" || !slices.Equal(j.Targets, targets) {
			t.Errorf("description, targets = %q, %q", j.Description, j.Targets)
		}
	}
	if s := j.Summary(); s.ID != "defaults" || s.Status != jobs.StatusInProgress || !s.CreatedAt.Equal(e.now) {
		t.Errorf("summary = %+v", s)
	}
	if a := jobs.ARN(sbomcat.DefaultScope, "defaults"); a != "arn:aws:iot:us-east-1:000000000000:job/defaults" {
		t.Errorf("ARN = %s", a)
	}

	_, err = e.svc.Create(e.ctx, jobs.CreateRequest{JobID: "defaults", Document: `{"other":1}`, Targets: targets})
	wantErr(t, err, sbomcat.ECONFLICT, "Job defaults already exists.")
	var ae *sbomcat.Error
	if !errors.As(err, &ae) || ae.ResourceID != "defaults" {
		t.Errorf("duplicate error %v does not name the job id as its resource", err)
	}
	if doc, _ := e.svc.Document(e.ctx, "defaults", true); doc != `{}` {
		t.Errorf("a refused duplicate changed the job: document %s", doc)
	}
}

func TestUnknownJob(t *testing.T) {
	e := newEnv(t)
	_, err := e.svc.Describe(e.ctx, "ghost")
	wantErr(t, err, sbomcat.ENOTFOUND, "Job ghost does not exist.")
	_, err = e.svc.Document(e.ctx, "ghost", false)
	wantErr(t, err, sbomcat.ENOTFOUND, "Job ghost does not exist.")
	_, err = e.svc.Document(e.ctx, "ghost", true)
	wantErr(t, err, sbomcat.ENOTFOUND, "Job ghost does not exist.")
	wantErr(t, e.svc.Delete(e.ctx, "ghost", true), sbomcat.ENOTFOUND, "Job ghost does not exist.")
	_, err = e.svc.Describe(e.ctx, "no/such")
	wantErr(t, err, sbomcat.EINVALID, `The job id "no/such" is not 1 to 64 letters, digits, '_' and '-'.`)
}

func TestListJobs(t *testing.T) {
	e := newEnv(t)
	ids := []string{"job-c", "job-a", "job-e", "job-b", "job-d"}
	for _, id := range ids {
		if _, err := e.svc.Create(e.ctx, jobs.CreateRequest{JobID: id, Document: `{}`, Targets: targets}); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	req := jobs.ListRequest{MaxResults: 2, Status: jobs.StatusInProgress, TargetSelection: jobs.TargetSelectionSnapshot}
	for pages := 0; ; pages++ {
		p, err := e.svc.List(e.ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Items) > 2 || pages > 3 {
			t.Fatalf("page %d has %d items", pages, len(p.Items))
		}
		for _, s := range p.Items {
			got = append(got, s.ID)
		}
		if req.NextToken = p.NextToken; req.NextToken == "" {
			break
		}
	}
	if want := []string{"job-a", "job-b", "job-c", "job-d", "job-e"}; !slices.Equal(got, want) {
		t.Errorf("listed %v, want %v", got, want)
	}
	p, err := e.svc.List(e.ctx, jobs.ListRequest{})
	if err != nil || len(p.Items) != 5 || p.NextToken != "" {
		t.Errorf("default page = %+v, %v; want all 5 jobs", p, err)
	}
	for _, f := range []jobs.ListRequest{{Status: jobs.StatusCompleted}, {Status: jobs.StatusCanceled}, {TargetSelection: jobs.TargetSelectionContinuous}} {
		p, err := e.svc.List(e.ctx, f)
		if err != nil || len(p.Items) != 0 {
			t.Errorf("List(%+v) = %+v, %v; want no jobs", f, p, err)
		}
	}
	for _, tt := range []struct {
		req jobs.ListRequest
		msg string
	}{
		{jobs.ListRequest{MaxResults: 251}, "maxResults is 251; a page holds 1 to 250 jobs."},
		{jobs.ListRequest{MaxResults: -1}, "maxResults is -1; a page holds 1 to 250 jobs."},
	} {
		_, err := e.svc.List(e.ctx, tt.req)
		wantErr(t, err, sbomcat.EINVALID, tt.msg)
	}
	_, err = e.svc.List(e.ctx, jobs.ListRequest{NextToken: "forged"})
	wantErr(t, err, sbomcat.EINVALID, "")
}

func TestDeleteJob(t *testing.T) {
	e := newEnv(t)
	if _, err := e.svc.Create(e.ctx, jobs.CreateRequest{JobID: "del", Document: `{}`, Targets: targets}); err != nil {
		t.Fatal(err)
	}
	// As on AWS, an IN_PROGRESS job is deleted only with force.
	wantErr(t, e.svc.Delete(e.ctx, "del", false), jobs.EINVALIDSTATE, "Job del is IN_PROGRESS; set force to true to delete a job that is not in a terminal state.")
	if _, err := e.svc.Describe(e.ctx, "del"); err != nil {
		t.Fatalf("refused delete removed the job: %v", err)
	}
	if err := e.svc.Delete(e.ctx, "del", true); err != nil {
		t.Fatal(err)
	}
	_, err := e.svc.Describe(e.ctx, "del")
	wantErr(t, err, sbomcat.ENOTFOUND, "Job del does not exist.")
	wantErr(t, e.svc.Delete(e.ctx, "del", true), sbomcat.ENOTFOUND, "Job del does not exist.")
	// The id can be used again.
	if _, err := e.svc.Create(e.ctx, jobs.CreateRequest{JobID: "del", Document: `{"again":true}`, Targets: targets}); err != nil {
		t.Fatal(err)
	}
}

// TestRenderRejectsCorruptPositions: a stored resolution whose artifact positions do not fit
// its document is an internal error, never a garbled document.
func TestRenderRejectsCorruptPositions(t *testing.T) {
	e := newEnv(t)
	loc := sbomcat.S3Location{Bucket: bucket, Key: artifactKey}
	for _, arts := range [][]jobs.Artifact{
		{{Start: 5, End: 100, Location: loc}},
		{{Start: 4, End: 3, Location: loc}},
		{{Start: 3, End: 4, Location: loc}, {Start: 1, End: 2, Location: loc}},
	} {
		r := jobs.Resolution{Document: `{"u":""}`, Artifacts: arts}
		if _, err := r.Render(e.ctx, e.presign, time.Minute); err == nil || sbomcat.ErrCode(err) != sbomcat.EINTERNAL {
			t.Errorf("Render(%+v) = %v, want an internal error", arts, err)
		}
	}
	r := jobs.Resolution{Document: `{"u":"x"}`, Artifacts: []jobs.Artifact{{Start: 6, End: 7, Location: loc}}}
	if _, err := r.Render(e.ctx, nil, time.Minute); sbomcat.ErrCode(err) != sbomcat.EINTERNAL {
		t.Errorf("Render without a presigner = %v, want an internal error", err)
	}
}
