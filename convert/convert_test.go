package convert

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/internal/testkit"
)

func TestConvertFixtures(t *testing.T) {
	tests := []struct {
		file, to    string
		wantVersion string // the output's declared version; empty when refused
		wantCounts  string
		wantWarning string // a substring of one warning
		wantRefusal string // a substring of the refusal
	}{
		{file: "cdx11.xml", wantVersion: "1.2", wantCounts: "2 components, 0 dependencies, 1 hashes", wantWarning: "XML comments: 1 left out"},
		{file: "cdx16.xml", wantVersion: "1.6", wantCounts: "3 components, 2 dependencies, 1 hashes", wantWarning: `namespace "urn:example:ext": 1 left out`},
		{file: "cdx16.xml", to: "1.4", wantVersion: "1.4", wantCounts: "3 components, 2 dependencies, 1 hashes", wantWarning: "newer than CycloneDX 1.4"},
		{file: "cdx16.xml", to: "2.3", wantRefusal: "not an accepted CycloneDX version"},
		{file: "spdx21.spdx", wantVersion: "SPDX-2.2", wantCounts: "1 packages, 0 files, 1 relationships, 1 checksums"},
		{file: "spdx23.spdx", wantVersion: "SPDX-2.3", wantCounts: "1 packages, 0 files, 1 relationships, 1 checksums"},
		{file: "spdx23.spdx", to: "2.2", wantVersion: "SPDX-2.2", wantCounts: "1 packages, 0 files, 1 relationships, 1 checksums"},
		{file: "spdx23.yaml", wantVersion: "SPDX-2.3", wantCounts: "1 packages, 0 files, 1 relationships, 1 checksums"},
		{file: "unknown-tag.spdx", wantRefusal: "unknown tag BogusTag"},
		{file: "broken.xml", wantRefusal: "broken XML: XML syntax error on line 2"},
		{file: "xxe.xml", wantRefusal: "declares an XML entity at line 2"},
		{file: "laughs.xml", wantRefusal: "entities are never expanded"},
	}
	for _, tt := range tests {
		t.Run(tt.file+"@"+tt.to, func(t *testing.T) {
			data, err := os.ReadFile(testkit.Fixture("convert/" + tt.file))
			if err != nil {
				t.Fatal(err)
			}
			res, err := Convert(context.Background(), data, Options{ToVersion: tt.to})
			if tt.wantRefusal != "" {
				var ce *Error
				if !errors.As(err, &ce) || !strings.Contains(ce.Message, tt.wantRefusal) {
					t.Fatalf("got %v, %v; want a refusal with %q", res, err, tt.wantRefusal)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var head struct{ SpecVersion, SPDXVersion string }
			if err := json.Unmarshal(res.JSON, &head); err != nil {
				t.Fatal(err)
			}
			if got := head.SpecVersion + head.SPDXVersion; got != tt.wantVersion {
				t.Errorf("output version %q, want %q", got, tt.wantVersion)
			}
			if res.Before != res.After || res.After.String() != tt.wantCounts {
				t.Errorf("counts %v -> %v, want %s both", res.Before, res.After, tt.wantCounts)
			}
			w := strings.Join(res.Warnings(), "\n")
			if tt.wantWarning != "" && !strings.Contains(w, tt.wantWarning) {
				t.Errorf("warnings %q lack %q", w, tt.wantWarning)
			}
		})
	}
}

// TestRoundTrip: JSON written by convert, encoded to XML by cyclonedx-go, converts back to the
// same JSON.
func TestRoundTrip(t *testing.T) {
	data, err := os.ReadFile(testkit.Fixture("convert/cdx16.xml"))
	if err != nil {
		t.Fatal(err)
	}
	first, err := Convert(context.Background(), data, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(bytes.NewReader(first.JSON), cdx.BOMFileFormatJSON).Decode(&bom); err != nil {
		t.Fatal(err)
	}
	var xmlDoc bytes.Buffer
	if err := cdx.NewBOMEncoder(&xmlDoc, cdx.BOMFileFormatXML).EncodeVersion(&bom, bom.SpecVersion); err != nil {
		t.Fatal(err)
	}
	second, err := Convert(context.Background(), xmlDoc.Bytes(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first.JSON, second.JSON) {
		t.Errorf("round trip differs:\n%s\n---\n%s", first.JSON, second.JSON)
	}
}

// TestSamples converts the non-JSON files of ../shared/samples when they are there: whatever
// converts has an accepted output version no older than the input's, and keeps every count or
// says why not.
func TestSamples(t *testing.T) {
	dir, samples := testkit.Samples(t)
	converted, refused := 0, 0
	for _, smp := range samples {
		if smp.Encoding == "json" {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, smp.Path))
		if err != nil {
			continue
		}
		res, err := Convert(context.Background(), data, Options{})
		var ce *Error
		if errors.As(err, &ce) {
			refused++
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", smp.Path, err)
			continue
		}
		converted++
		if res.Before != res.After && len(res.Before.changes(res.After, res.Reasons)) == 0 {
			t.Errorf("%s: counts changed silently", smp.Path)
		}
		if v := smp.Version; v != "" && v != "-" {
			if _, ok := indexOf(accepted[res.Format], v); ok && v != res.ToVersion {
				t.Errorf("%s: %s written as %s", smp.Path, v, res.ToVersion)
			}
		}
		if res.Format != sbomcat.Format(smp.Format) {
			t.Errorf("%s: %s converted as %s", smp.Path, smp.Format, res.Format)
		}
	}
	t.Logf("samples: %d converted, %d refused", converted, refused)
}
