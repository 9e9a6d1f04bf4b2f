package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sbomcat/sbomcat/internal/testkit"
	"github.com/sbomcat/sbomcat/validator"
)

// TestConvertHint: the service's message on an XML SBOM names the command, and that command
// writes JSON that the same validator accepts.
func TestConvertHint(t *testing.T) {
	dir := t.TempDir()
	xml, err := os.ReadFile(testkit.Fixture("convert/cdx16.xml"))
	if err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(dir, "bom.xml")
	if err := os.WriteFile(in, xml, 0o644); err != nil {
		t.Fatal(err)
	}
	v := &validator.Validator{}
	results, err := v.ValidateFile(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	const hint = "convert it with: sbomctl convert bom.xml"
	if msg := results[0].ErrorMessage; !strings.HasSuffix(msg, hint) {
		t.Fatalf("message %q does not end with %q", msg, hint)
	}
	var stdout, stderr bytes.Buffer
	code := runOrConvert(context.Background(), []string{"convert", in}, nil, &stdout, &stderr, func(string) string { return "" })
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	results, err = v.ValidateFile(context.Background(), filepath.Join(dir, "bom.cdx.json"))
	if err != nil || !results[0].Succeeded() {
		t.Fatalf("output: %+v, %v", results, err)
	}
}

func TestConvertExitStatus(t *testing.T) {
	td := testkit.Fixture("convert") + string(filepath.Separator)
	tests := []struct {
		name  string
		args  []string
		stdin string
		want  int
		wrote []string // files expected in the output folder
	}{
		{"converted", []string{td + "cdx11.xml", td + "spdx23.spdx"}, "", exitOK, []string{"cdx11.cdx.json", "spdx23.spdx.json"}},
		{"one refused", []string{td + "cdx16.xml", td + "xxe.xml"}, "", exitFailed, []string{"cdx16.cdx.json"}},
		{"stdin", []string{"-"}, "SPDXVersion: SPDX-2.3\n", exitFailed, nil},
		{"two -o", []string{"-o", "x.json", td + "cdx11.xml", td + "cdx16.xml"}, "", exitError, nil},
		{"missing", []string{td + "nothing-here.xml"}, "", exitError, nil},
		{"bad version", []string{"--to-version", "9.9", td + "cdx11.xml"}, "", exitError, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := t.TempDir()
			args := append([]string{"convert", "--out-dir", out}, tt.args...)
			var stdout, stderr bytes.Buffer
			code := runOrConvert(context.Background(), args, strings.NewReader(tt.stdin), &stdout, &stderr, func(string) string { return "" })
			if code != tt.want {
				t.Fatalf("exit %d, want %d: %s", code, tt.want, stderr.String())
			}
			entries, _ := os.ReadDir(out)
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			if strings.Join(names, ",") != strings.Join(tt.wrote, ",") {
				t.Errorf("wrote %v, want %v", names, tt.wrote)
			}
		})
	}
}
