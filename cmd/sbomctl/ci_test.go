package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/sbomcat/sbomcat/internal/testkit"
)

// cdxInvalidLines has its violation on a known line and column: the 7 on line 5, column 13.
const cdxInvalidLines = `{"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
  "components": [
    {"type": "library", "name": "zlib"},
    {"type": "library", "name": "radio",
     "purl": 7}
  ]
}
`

func noEnv(string) string { return "" }

// sbomctl runs sbomctl in dir with args and returns its exit status, stdout and stderr.
func sbomctl(t *testing.T, dir string, args ...string) (int, string, string) {
	t.Helper()
	if dir != "" {
		t.Chdir(dir)
	}
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), append([]string{"validate"}, args...), &stdout, &stderr, noEnv)
	return code, stdout.String(), stderr.String()
}

// tree writes a directory of SBOMs for the walking tests and returns it.
func tree(t *testing.T) string {
	t.Helper()
	d := files(t, map[string]string{
		"top.json":   testkit.CycloneDXValid,
		"UPPER.JSON": testkit.SPDXValid,
		"notes.txt":  "not an SBOM",
		"bundle.ZIP": "a.json=" + testkit.CycloneDXValid + "\nb.json=" + testkit.CycloneDXInvalid,
	})
	for name, content := range map[string]string{
		"fw/lines.cdx.json":    cdxInvalidLines,
		"fw/deep/x.json":       testkit.CycloneDXValid,
		"fw/vendor/v.json":     testkit.CycloneDXValid,
		".git/objects/o.json":  testkit.CycloneDXInvalid, // hidden directory: skipped
		"fw/.cache/c.json":     testkit.CycloneDXInvalid,
		"fw/deep/readme.md":    "# no",
		"fw/.hidden-file.json": testkit.CycloneDXValid, // hidden files are taken; only folders are skipped
	} {
		writeFile(t, filepath.Join(d, filepath.FromSlash(name)), content)
	}
	// Symbolic links are not followed in a walk, whether they lead somewhere or not.
	if err := os.Symlink(filepath.Join(d, "fw"), filepath.Join(d, "loop")); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
	os.Symlink(filepath.Join(d, "top.json"), filepath.Join(d, "link.json"))
	os.Symlink(filepath.Join(d, "gone.json"), filepath.Join(d, "broken.json"))
	return d
}

type jsonLine struct {
	Source, Path, FileName, ValidationResult, ErrorCode, Pointer string
	Line, Column                                                 int
}

func jsonLines(t *testing.T, out string) []jsonLine {
	t.Helper()
	var lines []jsonLine
	dec := json.NewDecoder(strings.NewReader(out))
	for dec.More() {
		var l jsonLine
		if err := dec.Decode(&l); err != nil {
			t.Fatalf("%v in\n%s", err, out)
		}
		lines = append(lines, l)
	}
	return lines
}

// TestWalk checks which files a directory contributes, with and without patterns, and that
// files named are validated whatever their name.
func TestWalk(t *testing.T) {
	d := tree(t)
	tests := []struct {
		name string
		args []string
		want []string // path!member of every result, sorted
		code int
	}{
		{name: "defaults: *.json and *.zip in any case, hidden folders and links skipped", args: []string{"."}, code: 1,
			want: []string{"UPPER.JSON", "bundle.ZIP!a.json", "bundle.ZIP!b.json", "fw/.hidden-file.json", "fw/deep/x.json", "fw/lines.cdx.json", "fw/vendor/v.json", "top.json"}},
		{name: "a file named is validated whatever its name", args: []string{"notes.txt", "fw/deep/x.json"}, code: 1,
			want: []string{"fw/deep/x.json", "notes.txt"}},
		{name: "a link named is followed", args: []string{"link.json"}, code: 0, want: []string{"link.json"}},
		{name: "include replaces the defaults", args: []string{"--include", "*.txt", "--include=*.md", "."}, code: 1,
			want: []string{"fw/deep/readme.md", "notes.txt"}},
		{name: "exclude by base name prunes directories too", args: []string{"--exclude", "vendor", "--exclude", "*.zip", "fw", "."}, code: 1,
			want: []string{"UPPER.JSON", "fw/.hidden-file.json", "fw/.hidden-file.json", "fw/deep/x.json", "fw/deep/x.json", "fw/lines.cdx.json", "fw/lines.cdx.json", "top.json"}},
		{name: "a pattern with / matches the path below the directory", args: []string{"--include", "fw/**/*.json", "--exclude", "fw/vendor/*", "."}, code: 1,
			want: []string{"fw/.hidden-file.json", "fw/deep/x.json", "fw/lines.cdx.json"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := sbomctl(t, d, append([]string{"--format", "json"}, tt.args...)...)
			if code != tt.code {
				t.Errorf("exit status %d, want %d; stderr: %s", code, tt.code, errOut)
			}
			var got []string
			for _, l := range jsonLines(t, out) {
				name := filepath.ToSlash(l.Path)
				if l.FileName != filepath.Base(l.Path) {
					name += "!" + l.FileName
				}
				got = append(got, name)
			}
			sort.Strings(got)
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("validated\n  %v\nwant\n  %v", got, tt.want)
			}
		})
	}
}

// TestPathErrors: paths that cannot be read are reported one by one, the others validated.
func TestPathErrors(t *testing.T) {
	d := tree(t)
	empty := filepath.Join(d, "empty")
	os.Mkdir(empty, 0o755)
	tests := []struct {
		name   string
		args   []string
		stderr []string
	}{
		{name: "broken link named", args: []string{"broken.json", "top.json"}, stderr: []string{"broken.json: broken symbolic link", "gone.json"}},
		{name: "missing file", args: []string{"nothere.json", "top.json"}, stderr: []string{"nothere.json", "no such file"}},
		{name: "directory without SBOMs", args: []string{"empty", "top.json"}, stderr: []string{"empty: no files to validate", "*.json, *.zip"}},
		{name: "patterns that match nothing", args: []string{"--include", "*.spdx", "fw", "top.json"}, stderr: []string{"fw: no files to validate", "*.spdx"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := sbomctl(t, d, tt.args...)
			if code != exitError {
				t.Errorf("exit status %d, want %d", code, exitError)
			}
			containsInOrder(t, "stderr", errOut, tt.stderr)
			containsInOrder(t, "stdout", out, []string{"top.json", "SUCCEEDED", "1 file: 1 succeeded, 0 failed; 1 not validated"})
		})
	}
	t.Run("permission denied", func(t *testing.T) {
		if os.Geteuid() == 0 {
			t.Skip("running as root, which reads files whatever their permissions")
		}
		locked := filepath.Join(d, "fw", "locked")
		os.Mkdir(locked, 0o755)
		os.WriteFile(filepath.Join(locked, "l.json"), []byte(testkit.CycloneDXValid), 0o644)
		os.Chmod(locked, 0)
		defer os.Chmod(locked, 0o755)
		os.Chmod(filepath.Join(d, "top.json"), 0)
		defer os.Chmod(filepath.Join(d, "top.json"), 0o644)
		code, out, errOut := sbomctl(t, d, "fw", "top.json")
		if code != exitError {
			t.Errorf("exit status %d, want %d", code, exitError)
		}
		containsInOrder(t, "stderr", errOut, []string{"locked", "permission denied"})
		containsInOrder(t, "stderr", errOut, []string{"top.json", "permission denied"})
		containsInOrder(t, "stdout", out, []string{"fw/deep/x.json", "SUCCEEDED"})
	})
}

// TestStdin: "-" validates standard input.
func TestStdin(t *testing.T) {
	defer func(r io.Reader) { stdin = r }(stdin)
	stdin = strings.NewReader(cdxInvalidLines)
	code, out, _ := sbomctl(t, "", "--format", "json", "-")
	lines := jsonLines(t, out)
	if code != exitFailed || len(lines) != 1 || lines[0].Path != "-" || lines[0].Line != 5 || lines[0].Column != 14 {
		t.Errorf("exit %d, %+v", code, lines)
	}
	if code, _, errOut := sbomctl(t, "", "-", "-"); code != exitError || !strings.Contains(errOut, "can be read once") {
		t.Errorf("- twice: exit %d, %s", code, errOut)
	}
}

// TestPlacesInEveryFormat checks the line and column of a violation whose place is known
// (line 5, column 14: the 7 of "purl": 7) in each format.
func TestPlacesInEveryFormat(t *testing.T) {
	d := files(t, map[string]string{"lines.json": cdxInvalidLines})
	want := map[string]string{
		"table":  "schema violation at /components/1/purl (line 5, column 14): expected string, got number",
		"json":   `"pointer":"/components/1/purl","line":5,"column":14`,
		"sarif":  `"startLine": 5,`,
		"junit":  "(line 5, column 14)",
		"github": "::error file=lines.json,line=5,col=14,title=INCOMPATIBLE_FORMAT::",
	}
	for format, w := range want {
		code, out, _ := sbomctl(t, d, "--format", format, "lines.json")
		if code != exitFailed || !strings.Contains(out, w) {
			t.Errorf("%s: exit %d, want %q in\n%s", format, code, w, out)
		}
	}
}

// TestSameVerdictsInEveryFormat: the exit status does not depend on the format.
func TestSameVerdictsInEveryFormat(t *testing.T) {
	d := tree(t)
	for _, args := range [][]string{{"top.json"}, {"."}, {"top.json", "nothere.json"}} {
		want, _, _ := sbomctl(t, d, args...)
		for _, f := range []string{"json", "sarif", "junit", "github"} {
			if code, _, _ := sbomctl(t, d, append([]string{"--format", f}, args...)...); code != want {
				t.Errorf("%v --format %s: exit %d, the table's is %d", args, f, code, want)
			}
		}
	}
}

// sarifSchema is the official SARIF 2.1.0 schema, from the shared specifications.
var sarifSchema = filepath.Join("..", "..", "..", "shared", "spec", "sarif-schema-2.1.0.json")

// TestSARIF validates the SARIF log against the official 2.1.0 schema with the oracle (format
// assertions on) and checks its content against the run's verdicts.
func TestSARIF(t *testing.T) {
	schemaPath, _ := filepath.Abs(sarifSchema)
	f, err := os.Open(schemaPath)
	if err != nil {
		t.Skipf("no SARIF schema at %s (../shared is absent): %v", schemaPath, err)
	}
	doc, err := jsonschema.UnmarshalJSON(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("file:///sarif-schema-2.1.0.json", doc); err != nil {
		t.Fatal(err)
	}
	schema, err := c.Compile("file:///sarif-schema-2.1.0.json")
	if err != nil {
		t.Fatal(err)
	}
	d := tree(t)
	os.WriteFile(filepath.Join(d, "with space, comma%.json"), []byte(testkit.CycloneDXInvalid), 0o644)
	abs := filepath.Join(d, "fw", "lines.cdx.json")
	code, out, _ := sbomctl(t, d, "--format", "sarif", "--max-file-bytes", "200", ".", "nothere.json", abs)
	if code != exitError {
		t.Errorf("exit status %d, want %d", code, exitError)
	}
	_, clean, _ := sbomctl(t, d, "--format", "sarif", "top.json") // no results, no notifications
	for _, log := range []string{out, clean} {
		inst, err := jsonschema.UnmarshalJSON(strings.NewReader(log))
		if err != nil {
			t.Fatalf("not JSON: %v\n%s", err, log)
		}
		if err := schema.Validate(inst); err != nil {
			t.Fatalf("not valid SARIF 2.1.0: %v\n%s", err, log)
		}
	}
	if !strings.Contains(clean, `"results": []`) {
		t.Errorf("a clean run has no empty results array:\n%s", clean)
	}

	var log struct {
		Version string
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name, Version string
					Rules         []struct{ ID string }
				}
			}
			Invocations []struct {
				ExecutionSuccessful        bool
				ToolExecutionNotifications []struct{ Message struct{ Text string } }
			}
			Results []struct {
				RuleID    string
				RuleIndex int
				Level     string
				Message   struct{ Text string }
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
						Region           *struct{ StartLine, StartColumn int }
					}
					LogicalLocations []struct{ Name, FullyQualifiedName, Kind string }
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &log); err != nil {
		t.Fatal(err)
	}
	if len(log.Runs) != 1 {
		t.Fatalf("%d runs, want 1", len(log.Runs))
	}
	r := log.Runs[0]
	if r.Tool.Driver.Name != "sbomctl" || r.Tool.Driver.Version == "" {
		t.Errorf("driver %+v", r.Tool.Driver)
	}
	rules := map[string]bool{}
	for _, rule := range r.Tool.Driver.Rules {
		rules[rule.ID] = true
	}
	if !rules["INCOMPATIBLE_FORMAT"] || !rules["FILE_SIZE_LIMIT_EXCEEDED"] {
		t.Errorf("rules %v", rules)
	}
	if len(r.Invocations) != 1 || r.Invocations[0].ExecutionSuccessful || len(r.Invocations[0].ToolExecutionNotifications) != 1 {
		t.Errorf("invocations %+v: want one, unsuccessful, naming nothere.json", r.Invocations)
	}

	// The same run as JSON lines says which files failed.
	_, jout, _ := sbomctl(t, d, "--format", "json", "--max-file-bytes", "200", ".", abs)
	failed := map[string]int{}
	for _, l := range jsonLines(t, jout) {
		if l.ValidationResult == "FAILED" {
			failed[strings.TrimPrefix(filepath.ToSlash(l.Path), filepath.ToSlash(d)+"/")+"!"+l.FileName]++
		}
	}
	got := map[string]int{}
	sawRegion, sawMember, sawAbs := false, false, false
	for _, res := range r.Results {
		if res.Level != "error" || !rules[res.RuleID] || r.Tool.Driver.Rules[res.RuleIndex].ID != res.RuleID {
			t.Errorf("result %+v", res)
		}
		loc := res.Locations[0]
		uri := loc.PhysicalLocation.ArtifactLocation.URI
		u, err := url.Parse(uri)
		if err != nil {
			t.Fatalf("%q: %v", uri, err)
		}
		p := u.Path
		if u.Scheme == "file" {
			sawAbs = true
			if p != filepath.ToSlash(abs) {
				t.Errorf("absolute %q", uri)
			}
		} else if filepath.IsAbs(p) {
			t.Errorf("relative path made absolute: %q", uri)
		}
		member := filepath.Base(p)
		for _, l := range loc.LogicalLocations {
			if l.Kind == "module" {
				member, sawMember = l.Name, true
				if !strings.HasPrefix(res.Message.Text, l.Name+": ") {
					t.Errorf("member %s not named in %q", l.Name, res.Message.Text)
				}
			}
		}
		got[strings.TrimPrefix(p, filepath.ToSlash(d)+"/")+"!"+member]++
		if reg := loc.PhysicalLocation.Region; reg != nil {
			sawRegion = true
			if !strings.Contains(res.Message.Text, "(line "+strconv.Itoa(reg.StartLine)+", column "+strconv.Itoa(reg.StartColumn)+")") {
				t.Errorf("region %+v not in %q", *reg, res.Message.Text)
			}
		}
	}
	if !reflect.DeepEqual(got, failed) {
		t.Errorf("SARIF results for\n  %v\nfailed files\n  %v", got, failed)
	}
	if !sawRegion || !sawMember || !sawAbs {
		t.Errorf("region %v, zip member %v, absolute path %v: want all", sawRegion, sawMember, sawAbs)
	}
}

// TestJUnit parses the JUnit XML and counts it against the run's verdicts.
func TestJUnit(t *testing.T) {
	d := tree(t)
	code, out, _ := sbomctl(t, d, "--format", "junit", "fw", ".", "nothere.json")
	if code != exitError {
		t.Errorf("exit status %d, want %d", code, exitError)
	}
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Errors   int `xml:"errors,attr"`
		Suites   []struct {
			Name     string `xml:"name,attr"`
			Tests    int    `xml:"tests,attr"`
			Failures int    `xml:"failures,attr"`
			Errors   int    `xml:"errors,attr"`
			Cases    []struct {
				Name    string `xml:"name,attr"`
				Failure *struct {
					Message string `xml:"message,attr"`
					Type    string `xml:"type,attr"`
					Text    string `xml:",chardata"`
				} `xml:"failure"`
				Error *struct {
					Message string `xml:"message,attr"`
				} `xml:"error"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	_, jout, _ := sbomctl(t, d, "--format", "json", "fw", ".")
	want := map[string]map[string]bool{} // source → name → failed
	for _, l := range jsonLines(t, jout) {
		if want[l.Source] == nil {
			want[l.Source] = map[string]bool{}
		}
		name := l.Path
		if l.FileName != filepath.Base(l.Path) {
			name += "!" + l.FileName
		}
		want[l.Source][name] = l.ValidationResult == "FAILED"
	}
	var names []string
	tests, failures, errors := 0, 0, 0
	for _, s := range doc.Suites {
		names = append(names, s.Name)
		f, e := 0, 0
		for _, c := range s.Cases {
			switch {
			case c.Error != nil:
				e++
			case c.Failure != nil:
				f++
				if !want[s.Name][c.Name] || !strings.HasPrefix(c.Failure.Message, c.Failure.Type+": ") || c.Failure.Text == "" {
					t.Errorf("%s / %s: failure %+v, want the error code and message", s.Name, c.Name, c.Failure)
				}
			default:
				if failed, ok := want[s.Name][c.Name]; !ok || failed {
					t.Errorf("%s / %s passed; JSON lines say failed=%v (known %v)", s.Name, c.Name, failed, ok)
				}
			}
		}
		if len(s.Cases) != s.Tests || f != s.Failures || e != s.Errors {
			t.Errorf("suite %s: tests=%d failures=%d errors=%d, but %d cases, %d failures, %d errors", s.Name, s.Tests, s.Failures, s.Errors, len(s.Cases), f, e)
		}
		if s.Name != "nothere.json" && len(s.Cases) != len(want[s.Name]) {
			t.Errorf("suite %s: %d cases, %d files validated", s.Name, len(s.Cases), len(want[s.Name]))
		}
		tests, failures, errors = tests+s.Tests, failures+s.Failures, errors+s.Errors
	}
	if strings.Join(names, " ") != "fw . nothere.json" {
		t.Errorf("suites %v, want one per PATH in order", names)
	}
	if doc.Tests != tests || doc.Failures != failures || doc.Errors != errors || errors != 1 || failures == 0 {
		t.Errorf("totals %d/%d/%d, suites add up to %d/%d/%d", doc.Tests, doc.Failures, doc.Errors, tests, failures, errors)
	}
}

var githubLine = regexp.MustCompile(`^::error ([^:]*)::(.*)$`)

// unescapeGitHub undoes the workflow command escaping (the runner's own unescaping).
func unescapeGitHub(s string) string {
	return strings.NewReplacer("%0D", "\r", "%0A", "\n", "%3A", ":", "%2C", ",", "%25", "%").Replace(s)
}

// TestGitHub parses the workflow commands back and checks them against the run's verdicts.
func TestGitHub(t *testing.T) {
	d := tree(t)
	weird := "a,b:c%d.json"
	os.WriteFile(filepath.Join(d, weird), []byte("{\"bomFormat\":\"CycloneDX\",\n\"specVersion\":\"1.6\",\"version\":1,\"components\":[{\"type\":\"library\",\"name\":\"a\",\"purl\":7}]}"), 0o644)
	code, out, _ := sbomctl(t, d, "--format", "github", ".")
	if code != exitFailed {
		t.Errorf("exit status %d, want %d", code, exitFailed)
	}
	_, jout, _ := sbomctl(t, d, "--format", "json", ".")
	type key struct{ file, msg string }
	want := map[key]jsonLine{}
	dec := json.NewDecoder(strings.NewReader(jout))
	for dec.More() {
		var l struct {
			jsonLine
			ErrorMessage string
		}
		dec.Decode(&l)
		if l.ValidationResult != "FAILED" {
			continue
		}
		msg := l.ErrorMessage
		if l.FileName != filepath.Base(l.Path) {
			msg = l.FileName + ": " + msg
		}
		want[key{l.Path, msg}] = l.jsonLine
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != len(want) {
		t.Fatalf("%d lines for %d failed files:\n%s", len(lines), len(want), out)
	}
	sawWeird := false
	for _, line := range lines {
		m := githubLine.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("not a workflow command: %q", line)
		}
		props := map[string]string{}
		for _, p := range strings.Split(m[1], ",") {
			k, v, _ := strings.Cut(p, "=")
			props[k] = unescapeGitHub(v)
		}
		w, ok := want[key{props["file"], unescapeGitHub(m[2])}]
		if !ok {
			t.Errorf("no failed file for %q (%v)", line, props)
			continue
		}
		if props["title"] != w.ErrorCode {
			t.Errorf("%s: title %q, want %q", line, props["title"], w.ErrorCode)
		}
		wantLine := ""
		if w.Line > 0 {
			wantLine = strconv.Itoa(w.Line)
		}
		if props["line"] != wantLine || (w.Line > 0 && props["col"] != strconv.Itoa(w.Column)) {
			t.Errorf("%s: line %q col %q, want %d %d", line, props["line"], props["col"], w.Line, w.Column)
		}
		if props["file"] == weird {
			sawWeird = props["line"] == "2"
		}
	}
	if !sawWeird {
		t.Errorf("no annotation for %q on line 2:\n%s", weird, out)
	}
}

// writeFile writes content to p, making its directories.
func writeFile(t *testing.T, p, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
