package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sbomcat/sbomcat/internal/testkit"
)

const (
	// Valid under the aws profile, not under strict: a dependency on a component that is not there.
	cdxDangling = `{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[{"type":"library","bom-ref":"a","name":"a"}],"dependencies":[{"ref":"a","dependsOn":["b"]}]}`
)

// files writes the named contents into a temporary directory and returns it. A name ending in
// .zip gets a zip archive of the entries given as "name=content" lines.
func files(t *testing.T, contents map[string]string) string {
	t.Helper()
	d := t.TempDir()
	for name, c := range contents {
		data := []byte(c)
		if strings.HasSuffix(strings.ToLower(name), ".zip") {
			var buf bytes.Buffer
			zw := zip.NewWriter(&buf)
			for _, line := range strings.Split(c, "\n") {
				n, content, _ := strings.Cut(line, "=")
				w, err := zw.Create(n)
				if err != nil {
					t.Fatal(err)
				}
				w.Write([]byte(content))
			}
			zw.Close()
			data = buf.Bytes()
		}
		if err := os.WriteFile(filepath.Join(d, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

func TestRun(t *testing.T) {
	d := files(t, map[string]string{
		"good.json":      testkit.CycloneDXValid,
		"spdx.json":      testkit.SPDXValid,
		"bad.json":       testkit.CycloneDXInvalid,
		"dangling.json":  cdxDangling,
		"bundle.zip":     "sboms/a.json=" + testkit.CycloneDXValid + "\nsboms/b.json=" + testkit.SPDXValid + "\nREADME.txt=read me",
		"good.zip":       "a.json=" + testkit.CycloneDXValid,
		"empty.zip":      "sboms/=",
		"big.json":       testkit.CycloneDXValid + strings.Repeat(" ", 2000),
		"tab\tname.json": testkit.CycloneDXValid,
	})
	p := func(name string) string { return filepath.Join(d, name) }
	tests := []struct {
		name     string
		args     []string
		env      map[string]string
		code     int
		stdout   []string // substrings, in order
		stderr   []string
		noStdout bool
	}{
		{name: "one valid file", args: []string{"validate", p("good.json")}, code: 0,
			stdout: []string{"FILE", "RESULT", "FORMAT", "ERROR CODE", "MESSAGE", p("good.json"), "SUCCEEDED", "CycloneDX 1.6", "1 file: 1 succeeded, 0 failed"}},
		{name: "valid files and archive", args: []string{"validate", p("good.json"), p("spdx.json"), p("good.zip")}, code: 0,
			stdout: []string{"good.json", "SPDX 2.3", p("good.zip") + ":a.json", "3 files: 3 succeeded, 0 failed"}},
		{name: "an invalid file", args: []string{"validate", p("good.json"), p("bad.json")}, code: 1,
			stdout: []string{p("bad.json"), "FAILED", "CycloneDX 1.5", "INCOMPATIBLE_FORMAT", "/components/0/purl", "2 files: 1 succeeded, 1 failed"}},
		{name: "archive entries are listed with their path", args: []string{"validate", p("bundle.zip")}, code: 1,
			stdout: []string{p("bundle.zip") + ":sboms/a.json", "SUCCEEDED", p("bundle.zip") + ":sboms/b.json", "SUCCEEDED", p("bundle.zip") + ":README.txt", "FAILED", "INCOMPATIBLE_FORMAT"}},
		{name: "empty archive", args: []string{"validate", p("empty.zip")}, code: 1,
			stdout: []string{p("empty.zip") + " ", "FAILED", "archive contains no files"}},
		{name: "strict profile", args: []string{"validate", "--profile", "strict", p("dangling.json")}, code: 1, stdout: []string{"FAILED", `"b"`}},
		{name: "aws profile", args: []string{"validate", "--profile=aws", p("dangling.json")}, code: 0, stdout: []string{"SUCCEEDED"}},
		{name: "flags after paths", args: []string{"validate", p("dangling.json"), "-profile", "strict"}, code: 1, stdout: []string{"FAILED"}},
		{name: "ntia profile", args: []string{"validate", "--profile", "ntia", p("good.json")}, code: 1,
			stdout: []string{"FAILED", "INCOMPATIBLE_FORMAT", "NTIA minimum elements: ", "1 of 1 component lacks a supplier name (/components/0 line 1 column "}},
		{name: "strict and ntia combined", args: []string{"validate", "--profile", "STRICT, ntia", p("dangling.json")}, code: 1,
			stdout: []string{"FAILED", "reference error", "NTIA minimum elements: "}},
		{name: "after --, everything is a path", args: []string{"validate", "--", "--json"}, code: 2, stderr: []string{"--json"}},
		{name: "control characters in names are shown escaped", args: []string{"validate", p("tab\tname.json")}, code: 0, stdout: []string{`tab\tname.json"`}},

		{name: "object limit by flag", args: []string{"validate", "--max-object-bytes", "1KiB", p("big.json")}, code: 1,
			stdout: []string{"FILE_SIZE_LIMIT_EXCEEDED", "over the 1 KiB limit"}},
		{name: "object limit by environment", args: []string{"validate", p("big.json")}, env: map[string]string{"SBOMCAT_MAX_OBJECT_BYTES": "1024"}, code: 1,
			stdout: []string{"FILE_SIZE_LIMIT_EXCEEDED", "over the 1 KiB limit"}},
		{name: "flag wins over environment", args: []string{"validate", "--max-object-bytes=1MiB", p("big.json")}, env: map[string]string{"SBOMCAT_MAX_OBJECT_BYTES": "1024"}, code: 0},
		{name: "entry limit by environment", args: []string{"validate", p("bundle.zip")}, env: map[string]string{"SBOMCAT_MAX_ENTRIES": "1"}, code: 1,
			stdout: []string{"sboms/a.json", "SUCCEEDED", "sboms/b.json", "FILE_SIZE_LIMIT_EXCEEDED", "more than 1 entries"}},
		{name: "file and total limits by flag", args: []string{"validate", "--max-file-bytes", "100", "--max-total-bytes=1GiB", p("good.zip")}, code: 1,
			stdout: []string{"FILE_SIZE_LIMIT_EXCEEDED", "100 bytes limit for one file"}},

		{name: "no arguments", args: nil, code: 2, stderr: []string{"usage: sbomctl validate"}, noStdout: true},
		{name: "unknown command", args: []string{"check", p("good.json")}, code: 2, stderr: []string{`unknown command "check"`, "usage"}, noStdout: true},
		{name: "no paths", args: []string{"validate", "--json"}, code: 2, stderr: []string{"no PATH"}, noStdout: true},
		{name: "unknown flag", args: []string{"validate", "--bogus", p("good.json")}, code: 2, stderr: []string{"-bogus", "usage"}, noStdout: true},
		{name: "unknown profile", args: []string{"validate", "--profile", "lenient", p("good.json")}, code: 2, stderr: []string{`--profile: "lenient" is not a validation profile`}, noStdout: true},
		{name: "bad size flag", args: []string{"validate", "--max-file-bytes", "lots", p("good.json")}, code: 2, stderr: []string{`"lots" is not a size`}, noStdout: true},
		{name: "bad entries flag", args: []string{"validate", "--max-entries", "-3", p("good.json")}, code: 2, stderr: []string{"not a positive whole number"}, noStdout: true},
		{name: "bad environment", args: []string{"validate", p("good.json")}, env: map[string]string{"SBOMCAT_MAX_TOTAL_BYTES": "1.5GiB"}, code: 2,
			stderr: []string{"SBOMCAT_MAX_TOTAL_BYTES", `"1.5GiB"`}, noStdout: true},
		{name: "missing path: the others are still validated", args: []string{"validate", p("nothere.json"), p("bad.json")}, code: 2,
			stdout: []string{p("bad.json"), "FAILED"}, stderr: []string{"nothere.json", "no such file"}},
		{name: "a directory is walked", args: []string{"validate", d}, code: 1,
			stdout: []string{p("bad.json"), "FAILED", p("big.json"), "SUCCEEDED", p("bundle.zip") + ":README.txt", "FAILED"}},
		{name: "missing path only: no table", args: []string{"validate", p("nothere.json")}, code: 2, stderr: []string{"nothere.json", "no such file"}, noStdout: true},
		{name: "unknown format", args: []string{"validate", "--format", "xml", p("good.json")}, code: 2, stderr: []string{`unknown format "xml"`, "sarif"}, noStdout: true},
		{name: "--json contradicting --format", args: []string{"validate", "--json", "--format", "sarif", p("good.json")}, code: 2, stderr: []string{"contradict"}, noStdout: true},
		{name: "bad glob", args: []string{"validate", "--include", "[", p("good.json")}, code: 2, stderr: []string{`bad pattern "["`}, noStdout: true},
		{name: "help", args: []string{"help"}, code: 0, stdout: []string{"usage: sbomctl validate"}},
		{name: "validate -h", args: []string{"validate", "-h"}, code: 0, stdout: []string{"-max-entries", "SBOMCAT_MAX_ENTRIES", "-profile"}},
		{name: "validate --help", args: []string{"validate", p("good.json"), "--help"}, code: 0, stdout: []string{"usage: sbomctl validate"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			getenv := func(k string) string { return tt.env[k] }
			code := run(context.Background(), tt.args, &stdout, &stderr, getenv)
			if code != tt.code {
				t.Errorf("exit status %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout.String(), stderr.String())
			}
			containsInOrder(t, "stdout", stdout.String(), tt.stdout)
			containsInOrder(t, "stderr", stderr.String(), tt.stderr)
			if tt.noStdout && stdout.Len() > 0 {
				t.Errorf("stdout not empty:\n%s", stdout.String())
			}
			if tt.code != 2 && stderr.Len() > 0 {
				t.Errorf("stderr not empty:\n%s", stderr.String())
			}
		})
	}
}

func containsInOrder(t *testing.T, what, s string, subs []string) {
	t.Helper()
	rest := s
	for _, sub := range subs {
		i := strings.Index(rest, sub)
		if i < 0 {
			t.Errorf("%s does not contain %q (in order):\n%s", what, sub, s)
			return
		}
		rest = rest[i+len(sub):]
	}
}

// TestTableAligned: the human table's columns line up.
func TestTableAligned(t *testing.T) {
	d := files(t, map[string]string{"a.json": testkit.CycloneDXValid, "a-much-longer-name.json": testkit.CycloneDXInvalid})
	var stdout bytes.Buffer
	run(context.Background(), []string{"validate", filepath.Join(d, "a.json"), filepath.Join(d, "a-much-longer-name.json")}, &stdout, &bytes.Buffer{}, func(string) string { return "" })
	lines := strings.Split(stdout.String(), "\n")
	col := strings.Index(lines[0], "RESULT")
	for _, l := range lines[1:3] {
		if i := strings.Index(l, "SUCCEEDED"); i < 0 {
			if i = strings.Index(l, "FAILED"); i != col {
				t.Errorf("RESULT at column %d, FAILED at %d:\n%s", col, i, stdout.String())
			}
		} else if i != col {
			t.Errorf("RESULT at column %d, SUCCEEDED at %d:\n%s", col, i, stdout.String())
		}
	}
}

// TestJSONLines checks --json: one object per line and file, with exactly the documented keys.
func TestJSONLines(t *testing.T) {
	d := files(t, map[string]string{
		"good.json":  testkit.CycloneDXValid,
		"bundle.zip": "a.json=" + testkit.SPDXValid + "\nb.txt=hello",
	})
	good, bundle := filepath.Join(d, "good.json"), filepath.Join(d, "bundle.zip")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"validate", "--json", good, bundle}, &stdout, &stderr, func(string) string { return "" })
	if code != 1 {
		t.Errorf("exit status %d, want 1", code)
	}
	want := []map[string]any{
		{"source": good, "path": good, "fileName": "good.json", "validationResult": "SUCCEEDED", "format": "cyclonedx", "specVersion": "1.6"},
		{"source": bundle, "path": bundle, "fileName": "a.json", "validationResult": "SUCCEEDED", "format": "spdx", "specVersion": "2.3"},
		{"source": bundle, "path": bundle, "fileName": "b.txt", "validationResult": "FAILED", "errorCode": "INCOMPATIBLE_FORMAT", "errorMessage": "", "format": "", "specVersion": ""},
	}
	lines := strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(want), stdout.String())
	}
	for i, line := range lines {
		var got map[string]any
		if err := json.Unmarshal([]byte(line), &got); err != nil {
			t.Fatalf("line %d is not JSON: %v\n%s", i+1, err, line)
		}
		if len(got) != len(want[i]) {
			t.Errorf("line %d has keys %v, want those of %v", i+1, got, want[i])
		}
		for k, w := range want[i] {
			g, ok := got[k]
			if !ok {
				t.Errorf("line %d has no %q: %s", i+1, k, line)
				continue
			}
			if k == "errorMessage" {
				if s, _ := g.(string); s == "" {
					t.Errorf("line %d: empty errorMessage", i+1)
				}
				continue
			}
			if g != w {
				t.Errorf("line %d: %s = %v, want %v", i+1, k, g, w)
			}
		}
	}
}
