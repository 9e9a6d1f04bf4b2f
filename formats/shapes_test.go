package formats

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/sbomcat/sbomcat/internal/sbomgen"
)

// TestGeneratedShapesAgreeWithOracle validates every shape sbomgen makes (the benchmarks' inputs)
// with our engine and the oracle, as generated and with a defect planted (a duplicate element
// for uniqueItems, a bad hash, a bad URL), so a fast path that is wrong on one layout shows.
func TestGeneratedShapesAgreeWithOracle(t *testing.T) {
	shapes := []sbomgen.Shape{{}, {Pretty: true}, {Nested: true}, {Wide: true}, {Nested: true, Wide: true, Pretty: true}}
	defects := []struct{ name, from, to string }{
		{"as generated", "", ""},
		{"bad hash", `"content":"0`, `"content":"g`},
		{"bad url", `"url":"https://git.`, `"url":"https://g it.`},
		{"duplicate dependency ref", `"ref":"pkg:npm/%40acme/lib-1@1.1.1"`, `"ref":"pkg:npm/%40acme/lib-0@1.0.0"`},
		{"bad checksum algorithm", `"algorithm":"SHA256"`, `"algorithm":"SHA-256"`},
		{"bad relationship", `"relationshipType":"DEPENDS_ON"`, `"relationshipType":"DEPENDS-ON"`},
	}
	for _, format := range []string{"cyclonedx", "spdx"} {
		for _, sh := range shapes {
			var buf bytes.Buffer
			if err := sbomgen.Generate(&buf, format, 60_000, sh); err != nil {
				if format == "spdx" && sh.Nested {
					continue
				}
				t.Fatal(err)
			}
			for _, d := range defects {
				t.Run(fmt.Sprintf("%s/%+v/%s", format, sh, d.name), func(t *testing.T) {
					data := buf.Bytes()
					if d.from != "" {
						from, to := []byte(d.from), []byte(d.to)
						if sh.Pretty { // the indenter writes ": " between a name and its value
							from = bytes.Replace(from, []byte(`":"`), []byte(`": "`), 1)
							to = bytes.Replace(to, []byte(`":"`), []byte(`": "`), 1)
						}
						if !bytes.Contains(data, from) {
							t.Skip("no such text in this shape")
						}
						data = bytes.Replace(data, from, to, 1)
					}
					ours, err := validateBytes(data, Options{})
					if err != nil {
						t.Fatal(err)
					}
					want, ok := oracleVerdict(t, data, ours)
					if !ok {
						t.Fatalf("the oracle cannot judge it: %s", ours.Problem)
					}
					if ours.Valid() != want {
						t.Fatalf("our engine says valid=%v (%s), the oracle says %v", ours.Valid(), ours.Problem, want)
					}
					if ours.Valid() != (d.from == "") {
						t.Fatalf("valid=%v (%s) for %s", ours.Valid(), ours.Problem, d.name)
					}
				})
			}
		}
	}
}
