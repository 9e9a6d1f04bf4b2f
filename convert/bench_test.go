package convert

import (
	"bytes"
	"context"
	"testing"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/sbomcat/sbomcat/internal/sbomgen"
)

// cdxXML50MB is a generated CycloneDX JSON SBOM of 50 MB written as XML by cyclonedx-go.
func cdxXML50MB(b *testing.B) []byte {
	b.Helper()
	var js bytes.Buffer
	if err := sbomgen.CycloneDX(&js, 50<<20); err != nil {
		b.Fatal(err)
	}
	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(&js, cdx.BOMFileFormatJSON).Decode(&bom); err != nil {
		b.Fatal(err)
	}
	var x bytes.Buffer
	if err := cdx.NewBOMEncoder(&x, cdx.BOMFileFormatXML).EncodeVersion(&bom, bom.SpecVersion); err != nil {
		b.Fatal(err)
	}
	return x.Bytes()
}

// BenchmarkConvertXML50MB against BenchmarkDecodeXML50MB: what converting costs over decoding.
func BenchmarkConvertXML50MB(b *testing.B) {
	data := cdxXML50MB(b)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for range b.N {
		if _, err := Convert(context.Background(), data, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeXML50MB(b *testing.B) {
	data := cdxXML50MB(b)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for range b.N {
		var bom cdx.BOM
		if err := cdx.NewBOMDecoder(bytes.NewReader(data), cdx.BOMFileFormatXML).Decode(&bom); err != nil {
			b.Fatal(err)
		}
	}
}
