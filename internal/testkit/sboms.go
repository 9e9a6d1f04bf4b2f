package testkit

// Small SBOMs, as the documents themselves, for tests that upload or validate one.
const (
	// CycloneDXValid is a CycloneDX 1.6 document that passes validation.
	CycloneDXValid = `{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[{"type":"library","name":"zlib","version":"1.3.1"}]}`
	// SPDXValid is an SPDX 2.3 document that passes validation, under the strict profile too.
	SPDXValid = `{"spdxVersion":"SPDX-2.3","dataLicense":"CC0-1.0","SPDXID":"SPDXRef-DOCUMENT","name":"img","documentNamespace":"https://example.com/img-1",` +
		`"creationInfo":{"created":"2025-03-14T09:26:53Z","creators":["Tool: handwritten"]},` +
		`"packages":[{"SPDXID":"SPDXRef-Package-a","name":"a","downloadLocation":"NOASSERTION","filesAnalyzed":false}],` +
		`"relationships":[{"spdxElementId":"SPDXRef-DOCUMENT","relationshipType":"DESCRIBES","relatedSpdxElement":"SPDXRef-Package-a"}]}`
	// CycloneDXInvalid is a CycloneDX 1.5 document whose component has a number for its purl:
	// it fails with INCOMPATIBLE_FORMAT.
	CycloneDXInvalid = `{"bomFormat":"CycloneDX","specVersion":"1.5","version":1,"components":[{"type":"library","name":"zlib","purl":7}]}`
)
