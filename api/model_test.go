package api

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sbomcat/sbomcat"
	c "github.com/sbomcat/sbomcat/api/constraint"
)

var update = flag.Bool("update", false, "regenerate api/constraint/model.json from botocore's IoT model")

const modelFile = "constraint/model.json"

// served is every operation this package can serve (the job operations included).
func served() []*operation { return append(slices.Clip(operations), jobOperations...) }

// TestModel checks that the model file lists exactly the operations served, with the HTTP
// bindings they are served on, and that each refuses bad input with an error type its model
// lists. With -update it first rewrites the file from botocore (python3 -m botocore must be
// importable), keeping of the served operations' input shapes everything but documentation.
func TestModel(t *testing.T) {
	if *update {
		writeModel(t)
		t.Log("rewrote " + modelFile + "; rebuild to embed it")
		return
	}
	var names []string
	for _, op := range served() {
		names = append(names, op.name)
		m, ok := c.IoT().Operations[op.name]
		if !ok {
			t.Errorf("%s is served but not in %s: run go test ./api -run TestModel -update", op.name, modelFile)
			continue
		}
		if m.HTTP.Method != op.method || m.HTTP.RequestURI != op.path {
			t.Errorf("%s is served on %s %s, the model binds it to %s %s", op.name, op.method, op.path, m.HTTP.Method, m.HTTP.RequestURI)
		}
		if invalid := op.errors.of(sbomcat.EINVALID).Name; c.IoT().HasBody(op.name) || len(c.IoT().Shapes[m.Input].Members) > 0 {
			if !slices.Contains(m.Errors, invalid) {
				t.Errorf("%s answers bad input with %s, which its model does not list (%v)", op.name, invalid, m.Errors)
			}
		}
	}
	for name := range c.IoT().Operations {
		if !slices.Contains(names, name) {
			t.Errorf("%s is in %s but not served", name, modelFile)
		}
	}
}

// writeModel extracts the served operations and the shapes their inputs reach from botocore.
func writeModel(t *testing.T) {
	out, err := exec.Command("python3", "-c", "import botocore,os;print(os.path.dirname(botocore.__file__))").Output()
	if err != nil {
		t.Fatalf("botocore not found (pip install botocore): %v", err)
	}
	f, err := os.Open(filepath.Join(strings.TrimSpace(string(out)), "data/iot/2015-05-28/service-2.json.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var full struct {
		Operations map[string]struct {
			HTTP   map[string]any `json:"http"`
			Input  struct{ Shape string }
			Errors []struct{ Shape string }
		}
		Shapes map[string]map[string]any
	}
	if err := json.NewDecoder(zr).Decode(&full); err != nil {
		t.Fatal(err)
	}
	ops, shapes := map[string]any{}, map[string]any{}
	var keep func(name string)
	keep = func(name string) {
		if _, done := shapes[name]; done {
			return
		}
		s := maps.Clone(full.Shapes[name])
		delete(s, "documentation")
		delete(s, "exception")
		delete(s, "error")
		shapes[name] = s
		for _, k := range []string{"member", "key", "value"} {
			if ref, ok := s[k].(map[string]any); ok {
				s[k] = map[string]any{"shape": ref["shape"]}
				keep(ref["shape"].(string))
			}
		}
		if members, ok := s["members"].(map[string]any); ok {
			for mn, m := range members {
				ref := maps.Clone(m.(map[string]any))
				for k := range ref {
					if k != "shape" && k != "location" && k != "locationName" {
						delete(ref, k)
					}
				}
				members[mn] = ref
				keep(ref["shape"].(string))
			}
		}
	}
	for _, op := range served() {
		o, ok := full.Operations[op.name]
		if !ok {
			t.Fatalf("%s is not in botocore's IoT model", op.name)
		}
		var errs []string
		for _, e := range o.Errors {
			errs = append(errs, e.Shape)
		}
		ops[op.name] = map[string]any{
			"http":   map[string]any{"method": o.HTTP["method"], "requestUri": o.HTTP["requestUri"]},
			"input":  o.Input.Shape,
			"errors": errs,
		}
		keep(o.Input.Shape)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", " ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(map[string]any{"operations": ops, "shapes": shapes}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(modelFile, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
