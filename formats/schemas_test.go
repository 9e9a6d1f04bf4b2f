package formats

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"reflect"
	"strings"
	"testing"

	"github.com/CycloneDX/sbom-utility/resources"
)

// TestPrecompile: every accepted schema compiles (sbomd compiles them all at start).
func TestPrecompile(t *testing.T) {
	if err := Precompile(); err != nil {
		t.Fatal(err)
	}
}

// TestDecodeDocAsEncodingJSON: the schema documents decode to what encoding/json decoded
// them to before (numbers as json.Number), every embedded schema file and a few documents
// with what the files lack (escapes, repeated names, nesting, numbers of every form).
func TestDecodeDocAsEncodingJSON(t *testing.T) {
	docs := map[string][]byte{
		"inline": []byte(` {"a\u00e9\n\ud83d\ude00":[1,-0,2.5e-3,1E+400,true,false,null,{},[],""],` +
			`"a":{"x":"\"\\\/\b\f\n\r\t"},"a":[{"b":[[[]]]}],"":-12345678901234567890} `),
	}
	err := fs.WalkDir(resources.BOMSchemaFiles, ".", func(path string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(path, ".json") {
			docs[path], err = fs.ReadFile(resources.BOMSchemaFiles, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, ref := range acceptedSchemas { // each accepted schema is among the files walked
		if docs[ref.path] == nil {
			t.Errorf("%s not found", ref.path)
		}
	}
	for name, b := range docs {
		d := json.NewDecoder(bytes.NewReader(b))
		d.UseNumber()
		var want any
		if err := d.Decode(&want); err != nil {
			t.Errorf("%s: encoding/json: %v", name, err)
			continue
		}
		got, err := decodeBytes(b)
		if err != nil {
			t.Errorf("%s: %v", name, err)
		} else if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: decoded differently from encoding/json", name)
		}
	}
	for _, bad := range []string{``, `{`, `{"a":1,}`, `[1 2]`, `{} x`, `"\x01"`, `01`, `tru`} {
		if _, err := decodeBytes([]byte(bad)); err == nil {
			t.Errorf("%q: decoded without an error", bad)
		}
	}
}
