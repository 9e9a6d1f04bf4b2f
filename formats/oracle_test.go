package formats

import (
	"fmt"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/sbomcat/sbomcat"
)

// oracleSchemas compiles every accepted schema once with santhosh-tekuri/jsonschema, the
// maintained validator that is the reference our own engine must agree with.
var oracleSchemas = sync.OnceValues(func() (map[schemaRef]*jsonschema.Schema, error) {
	out := make(map[schemaRef]*jsonschema.Schema)
	for _, ref := range acceptedSchemas {
		c := newOracleCompiler()
		if ref.format == sbomcat.FormatCycloneDX {
			for _, p := range cycloneDXCommon {
				doc, err := schemaDoc(p)
				if err != nil {
					return nil, err
				}
				if err := c.AddResource(schemaID(doc, p), doc); err != nil {
					return nil, err
				}
			}
		}
		doc, err := schemaDoc(ref.path)
		if err != nil {
			return nil, err
		}
		url := schemaID(doc, ref.path)
		// SPDX 2.2 and 2.3 share an $id prefix; each is compiled by its own compiler.
		if err := c.AddResource(url, doc); err != nil {
			return nil, err
		}
		sch, err := c.Compile(url)
		if err != nil {
			return nil, fmt.Errorf("compiling %s: %w", ref.path, err)
		}
		out[ref] = sch
	}
	return out, nil
})

func newOracleCompiler() *jsonschema.Compiler {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft7)
	c.AssertFormat()
	// Our checkers replace v6's own (which lacks idn-email), so both engines share them.
	for name, check := range formatCheckers {
		c.RegisterFormat(&jsonschema.Format{Name: name, Validate: func(v any) error {
			if s, ok := v.(string); ok {
				return check(s)
			}
			return nil
		}})
	}
	return c
}
