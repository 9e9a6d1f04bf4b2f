package jobs

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/sbomcat/sbomcat"
)

// fuzzCatalog is a fixed two-version catalog in memory for the fuzz target: pure logic only;
// the service tests use the SQLite store.
type fuzzCatalog struct{}

var fuzzVersion = &sbomcat.PackageVersion{
	PackageName: "P", VersionName: "1", Status: sbomcat.VersionPublished,
	Attributes: map[string]string{"k": `va"l\ue ${aws:iot:package:P:version:1:attributes}`, "a:b": "<&>"},
	Artifact:   &sbomcat.S3Location{Bucket: "b", Key: "k", Version: "v"},
}

func (fuzzCatalog) GetPackage(_ context.Context, name string) (*sbomcat.Package, error) {
	if name != "P" {
		return nil, sbomcat.Errorf(sbomcat.ENOTFOUND, "no package")
	}
	return &sbomcat.Package{Name: "P", DefaultVersion: "1"}, nil
}

func (fuzzCatalog) GetVersion(_ context.Context, pkg, ver string) (*sbomcat.PackageVersion, error) {
	if pkg != "P" || ver != "1" {
		return nil, sbomcat.Errorf(sbomcat.ENOTFOUND, "no version")
	}
	return fuzzVersion, nil
}

// FuzzResolve checks, for any document: no panic; every refusal is EINVALID; a document with
// package placeholders resolves to valid JSON; every recorded artifact position holds a
// canonical artifact placeholder; and rendering keeps the document valid JSON.
func FuzzResolve(f *testing.F) {
	for _, seed := range []string{
		`{}`, `plain ${x} text`, `${`, `{"a":"${aws:iot:package:P:version:1:attributes}"}`,
		`{"a":"x${aws:iot:package::version::attributes:k}y","b":["${aws:iot:package:P:version:$default:attributes:a:b}"]}`,
		`{"u":"${aws:iot:package:P:version:1:artifact:s3-presigned-url}","v":"${aws:iot:package:P:version:1:artifact-location:s3-presigned-url}"}`,
		`{"a":"${aws:iot:s3-presigned-url:${aws:iot:package:P:version:1:attributes}}"}`,
		`{"${aws:iot:package:P:version:1:attributes}":1}`, `{"a":"\"${aws:iot:package:P:version:1:attributes:k}\\"}`,
	} {
		f.Add(seed)
	}
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, doc string) {
		req := &CreateRequest{
			Document:                   doc,
			DestinationPackageVersions: []string{sbomcat.DefaultScope.VersionARN("P", "1")},
			PresignedURLConfig:         &PresignedURLConfig{RoleARN: "arn:aws:iam::000000000000:role/r"},
		}
		res, err := newResolver(fuzzCatalog{}, sbomcat.DefaultScope).resolve(ctx, req)
		if err != nil {
			if sbomcat.ErrCode(err) != sbomcat.EINVALID {
				t.Fatalf("refusal %v is not EINVALID", err)
			}
			return
		}
		refs, _ := parseDocument(doc)
		if len(refs) == 0 {
			if res.Document != doc {
				t.Fatalf("a document without package placeholders changed: %q -> %q", doc, res.Document)
			}
			return
		}
		if !json.Valid([]byte(res.Document)) {
			t.Fatalf("resolved document is not JSON: %q -> %q", doc, res.Document)
		}
		canonical := "${aws:iot:package:P:version:1:artifact-location:s3-presigned-url}"
		for _, a := range res.Artifacts {
			if res.Document[a.Start:a.End] != canonical {
				t.Fatalf("artifact at %d:%d holds %q", a.Start, a.End, res.Document[a.Start:a.End])
			}
		}
		out, err := res.Render(ctx, fixedPresigner{}, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if !json.Valid([]byte(out)) || strings.Count(out, fixedURL) != len(res.Artifacts) {
			t.Fatalf("rendered document %q", out)
		}
	})
}

const fixedURL = `https://s3.local/b/k?versionId=v&X-Amz-Signature=abc`

type fixedPresigner struct{}

func (fixedPresigner) PresignGetObject(context.Context, sbomcat.S3Location, time.Duration) (string, error) {
	return fixedURL, nil
}
