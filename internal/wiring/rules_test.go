package wiring_test

import (
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/sbomcat/sbomcat/worker/workertest"
)

const module = "github.com/sbomcat/sbomcat"

type listed struct {
	ImportPath string
	Imports    []string
	Deps       []string
}

func goList(t *testing.T, args ...string) []listed {
	t.Helper()
	root, err := workertest.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", append([]string{"list", "-json"}, args...)...)
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %v: %v", args, err)
	}
	var pkgs []listed
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p listed
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// TestSDKFreeSeams: the domain, the worker, the validator, the formats and the queue's events
// depend on no AWS module, directly or not (aws-lambda-go and smithy-go included).
func TestSDKFreeSeams(t *testing.T) {
	for _, p := range goList(t, module, module+"/worker", module+"/validator/...", module+"/formats/...", module+"/queue") {
		for _, d := range p.Deps {
			if strings.HasPrefix(d, "github.com/aws/") {
				t.Errorf("%s depends on %s", p.ImportPath, d)
			}
		}
	}
}

// TestOnlyWiringImportsAdapters: only cmd/, the wiring and test helpers import the packages
// bound to a database or an SDK.
func TestOnlyWiringImportsAdapters(t *testing.T) {
	adapters := map[string]bool{}
	for _, a := range []string{"sqlite", "dynamodb", "objects", "s3local"} {
		adapters[module+"/"+a] = true
	}
	allowed := regexp.MustCompile(`^` + regexp.QuoteMeta(module) + `/(cmd/|internal/wiring(/|$)|deploy/|.*test$|(sqlite|dynamodb|objects|s3local)(/|$))`)
	for _, p := range goList(t, "./...") {
		if allowed.MatchString(p.ImportPath) {
			continue
		}
		for _, imp := range p.Imports {
			if adapters[imp] {
				t.Errorf("%s imports %s: only cmd/ and internal/wiring may", p.ImportPath, imp)
			}
		}
	}
}

// TestNoLibraryReadsTheEnvironment: outside cmd/, the wiring and test helpers, no Go file reads
// the environment.
func TestNoLibraryReadsTheEnvironment(t *testing.T) {
	root, err := workertest.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	reads := regexp.MustCompile(`os\.(Getenv|LookupEnv)\(`)
	err = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			if strings.HasPrefix(d.Name(), ".") || rel == "cmd" || rel == filepath.Join("internal", "wiring") || d.Name() == "testdata" || strings.HasSuffix(d.Name(), "test") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if loc := reads.FindIndex(b); loc != nil {
			t.Errorf("%s reads the environment (%s): take the value as configuration, read in internal/wiring or cmd/", rel, b[loc[0]:loc[1]])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestCLILinksNoStore: sbomctl validates files and drives a running sbomd over the API; it
// links no store, queue or worker (each package linked costs every start its initialisation
// and the binary its size), so it takes its shared settings from wiring/settings alone.
func TestCLILinksNoStore(t *testing.T) {
	banned := regexp.MustCompile(`^` + regexp.QuoteMeta(module) + `/(sqlite|dynamodb|objects|s3local|worker|queue|sqs|catalog|jobs|internal/wiring)$`)
	for _, p := range goList(t, module+"/cmd/sbomctl") {
		for _, d := range p.Deps {
			if banned.MatchString(d) || strings.HasPrefix(d, "modernc.org/sqlite") {
				t.Errorf("%s depends on %s", p.ImportPath, d)
			}
		}
	}
}
