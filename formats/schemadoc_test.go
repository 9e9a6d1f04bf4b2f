package formats

import "fmt"

// The embedded schemas as decoded documents: what the oracle compiles, and what tests read
// schemas as. The engine compiles from the schemas' text (schematext.go).

// schemaDoc reads one embedded schema file, numbers kept as json.Number, with CycloneDX's
// licence-id enumeration brought up to date (withNewerLicenceIDs).
func schemaDoc(path string) (any, error) {
	doc, err := readSchemaDoc(path)
	if err != nil || path != cycloneDXLicenseIDs {
		return doc, err
	}
	m, ok := doc.(map[string]any)
	enum, ok2 := m["enum"].([]any)
	if !ok || !ok2 {
		return nil, fmt.Errorf("embedded schema %s: no enum of licence ids", path)
	}
	m["enum"] = withNewerLicenceIDs(enum)
	return m, nil
}

// schemaDocs hands add each schema document that ref's schema needs (schemaPaths), decoded,
// under the URL it names itself with, and returns the URL of ref's own.
func schemaDocs(ref schemaRef, add func(url string, doc any) error) (string, error) {
	var url string
	for _, p := range schemaPaths(ref) {
		doc, err := schemaDoc(p)
		if err != nil {
			return "", err
		}
		url = schemaID(doc, p)
		if err := add(url, doc); err != nil {
			return "", err
		}
	}
	return url, nil
}

// schemaID is the URL a schema document names itself with ($id), under which other schemas
// refer to it.
func schemaID(doc any, fallback string) string {
	if m, ok := doc.(map[string]any); ok {
		if id, ok := m["$id"].(string); ok && id != "" {
			return id
		}
	}
	return fallback
}

// readSchemaDoc decodes one embedded schema file as encoding/json's Decoder with UseNumber
// would, for the oracle and the tests that read schemas as documents.
func readSchemaDoc(path string) (any, error) {
	t, err := readSchemaText(path)
	if err != nil {
		return nil, err
	}
	doc, err := decodeBytes(t.b)
	if err != nil {
		return nil, fmt.Errorf("embedded schema %s: %w", path, err)
	}
	return doc, nil
}
