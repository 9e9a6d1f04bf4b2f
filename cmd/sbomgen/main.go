// Command sbomgen writes large generated SBOMs for benchmarks:
//
//	sbomgen -format cyclonedx|spdx -size 50MB [-pretty] [-nested] [-wide] -o FILE
package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/sbomcat/sbomcat/internal/flagset"
	"github.com/sbomcat/sbomcat/internal/sbomgen"
)

const usage = `usage: sbomgen [-format cyclonedx|spdx] [-size 50MB] [-pretty] [-nested] [-wide] [-o FILE]

Writes a generated SBOM of about the given size, valid under the aws profile, for benchmarks and
demos: CycloneDX 1.5 JSON or SPDX 2.3 JSON, to FILE or stdout.

Flags (-flag or --flag):
`

func main() {
	// A flag set of its own: the default one names the program after os.Args[0], which under
	// `go run` is a path in the build cache.
	fs := flagset.New("sbomgen", usage)
	format := fs.String("format", "cyclonedx", "cyclonedx or spdx")
	size := fs.String("size", "50MB", "approximate size (e.g. 50MB, 200KB)")
	out := fs.String("o", "", "output `file` (default stdout)")
	var sh sbomgen.Shape
	fs.BoolVar(&sh.Pretty, "pretty", false, "indent the document by two spaces a level")
	fs.BoolVar(&sh.Nested, "nested", false, "CycloneDX: components nested four levels deep")
	fs.BoolVar(&sh.Wide, "wide", false, "many more members per component or package (SPDX: and a file each)")
	if status, ended := fs.Ended(fs.Parse(os.Args[1:]), os.Stdout, os.Stderr); ended {
		os.Exit(status)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "sbomgen: unexpected arguments %q\n%s", fs.Args(), usage)
		os.Exit(2)
	}
	n, err := parseSize(*size)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sbomgen:", err)
		os.Exit(2)
	}
	w := os.Stdout
	if *out != "" {
		if w, err = os.Create(*out); err != nil {
			fmt.Fprintln(os.Stderr, "sbomgen:", err)
			os.Exit(2)
		}
	}
	err = sbomgen.Generate(w, *format, n, sh)
	if err == nil {
		err = w.Close()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "sbomgen:", err)
		os.Exit(1)
	}
}

func parseSize(s string) (int64, error) {
	mult := int64(1)
	for suffix, m := range map[string]int64{"KB": 1e3, "MB": 1e6, "GB": 1e9} {
		if strings.HasSuffix(strings.ToUpper(s), suffix) {
			s, mult = s[:len(s)-2], m
			break
		}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("bad size %q", s)
	}
	return n * mult, nil
}
