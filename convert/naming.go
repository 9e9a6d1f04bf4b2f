package convert

import (
	"strings"

	"github.com/sbomcat/sbomcat"
)

// OutputName names the JSON output of the input file name: its extension replaced by
// .cdx.json or .spdx.json (bom.xml -> bom.cdx.json, x.spdx -> x.spdx.json, x.spdx.rdf ->
// x.spdx.json, sbom -> sbom.cdx.json).
func OutputName(name string, f sbomcat.Format) string {
	suffix := ".cdx.json"
	if f == sbomcat.FormatSPDX {
		suffix = ".spdx.json"
	}
	base := name
	if i := strings.LastIndexByte(base, '.'); i > 0 {
		base = base[:i]
	}
	for _, s := range []string{".spdx", ".cdx", ".bom", ".cyclonedx"} {
		if strings.HasSuffix(strings.ToLower(base), s) && len(base) > len(s) {
			base = base[:len(base)-len(s)]
			break
		}
	}
	return base + suffix
}
