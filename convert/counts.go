package convert

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/sbomcat/sbomcat"
)

// Counts are the elements a conversion must keep. For CycloneDX: Elements are components
// (anywhere: metadata.component, nested components, pedigree), Links are dependency edges
// (each dependsOn entry), Hashes are hashes; Files is unused. For SPDX: packages, files,
// relationships and checksums (of packages and files).
type Counts struct {
	Format                         sbomcat.Format
	Elements, Files, Links, Hashes int
}

type countField struct {
	name string
	n    int
}

func (c Counts) fields() []countField {
	if c.Format == sbomcat.FormatSPDX {
		return []countField{{"packages", c.Elements}, {"files", c.Files}, {"relationships", c.Links}, {"checksums", c.Hashes}}
	}
	return []countField{{"components", c.Elements}, {"dependencies", c.Links}, {"hashes", c.Hashes}}
}

// String is "412 components, 390 dependencies, 412 hashes".
func (c Counts) String() string {
	var parts []string
	for _, f := range c.fields() {
		parts = append(parts, fmt.Sprintf("%d %s", f.n, f.name))
	}
	return strings.Join(parts, ", ")
}

// changes lists each count that differs in after: "warning: components: 3 -> 2 (reason)".
// reasons gives the why for a field when the converter knows it.
func (c Counts) changes(after Counts, reasons map[string]string) []string {
	var w []string
	af := after.fields()
	for i, f := range c.fields() {
		if f.n == af[i].n {
			continue
		}
		why := reasons[f.name]
		if why == "" {
			why = "the decoder did not carry them all; please report this input"
			if af[i].n > f.n {
				why = "the encoder wrote more than the input has; please report this input"
			}
		}
		w = append(w, fmt.Sprintf("warning: %s: %d -> %d (%s)", f.name, f.n, af[i].n, why))
	}
	return w
}

// countJSON counts the elements of a CycloneDX or SPDX JSON document as written, by walking
// its tokens: what was written is what counts, whatever the models made of it.
func countJSON(data []byte, f sbomcat.Format) (Counts, error) {
	c := Counts{Format: f}
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	err := walkJSON(d, "", 0, func(key string, depth int, isArray bool, isObject bool) {
		if f == sbomcat.FormatSPDX {
			switch {
			case key == "packages" && depth == 2 && isObject:
				c.Elements++
			case key == "files" && depth == 2 && isObject:
				c.Files++
			case key == "relationships" && depth == 2 && isObject:
				c.Links++
			case key == "checksums" && isObject:
				c.Hashes++
			}
			return
		}
		switch key {
		case "components", "ancestors", "descendants", "variants":
			if isObject {
				c.Elements++
			}
		case "component":
			if isObject && !isArray {
				c.Elements++
			}
		case "hashes":
			if isObject {
				c.Hashes++
			}
		case "dependsOn":
			if !isObject {
				c.Links++
			}
		}
	})
	return c, err
}

// walkJSON calls visit for every value with the key it belongs to (for an array element, the
// array's key, and inArray true), and its depth (the top-level object's members are depth 1,
// their array elements depth 2).
func walkJSON(d *json.Decoder, key string, depth int, visit func(key string, depth int, inArray, isObject bool)) error {
	tok, err := d.Token()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("unexpected end of JSON")
		}
		return err
	}
	return walkValue(d, tok, key, depth, false, visit)
}

func walkValue(d *json.Decoder, tok json.Token, key string, depth int, inArray bool, visit func(string, int, bool, bool)) error {
	delim, ok := tok.(json.Delim)
	if !ok {
		visit(key, depth, inArray, false)
		return nil
	}
	switch delim {
	case '{':
		visit(key, depth, inArray, true)
		for d.More() {
			kt, err := d.Token()
			if err != nil {
				return err
			}
			k, _ := kt.(string)
			vt, err := d.Token()
			if err != nil {
				return err
			}
			if err := walkValue(d, vt, k, depth+1, false, visit); err != nil {
				return err
			}
		}
	case '[':
		for d.More() {
			vt, err := d.Token()
			if err != nil {
				return err
			}
			if err := walkValue(d, vt, key, depth+1, true, visit); err != nil {
				return err
			}
		}
	}
	_, err := d.Token() // the closing delimiter
	return err
}
