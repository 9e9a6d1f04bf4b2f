// Command sbomgen writes large generated SBOMs for benchmarks:
//
//	sbomgen -format cyclonedx|spdx -size 50MB [-pretty] [-nested] [-wide] -o FILE
package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/sbomcat/sbomcat/internal/sbomgen"
)

func main() {
	format := flag.String("format", "cyclonedx", "cyclonedx or spdx")
	size := flag.String("size", "50MB", "approximate size (e.g. 50MB, 200KB)")
	out := flag.String("o", "", "output file (default stdout)")
	var sh sbomgen.Shape
	flag.BoolVar(&sh.Pretty, "pretty", false, "indent the document by two spaces a level")
	flag.BoolVar(&sh.Nested, "nested", false, "CycloneDX: components nested four levels deep")
	flag.BoolVar(&sh.Wide, "wide", false, "many more members per component or package (SPDX: and a file each)")
	flag.Parse()
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
