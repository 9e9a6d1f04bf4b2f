package testkit

import (
	"archive/zip"
	"bytes"
	"fmt"
	"testing"
)

// Zip makes a zip archive of name/body pairs. A body is a string or a []byte; nil leaves the
// entry empty (with a name ending in "/", a directory entry).
func Zip(t testing.TB, entries ...any) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := 0; i+1 < len(entries); i += 2 {
		w, err := zw.Create(fmt.Sprint(entries[i]))
		if err != nil {
			t.Fatal(err)
		}
		switch body := entries[i+1].(type) {
		case string:
			w.Write([]byte(body))
		case []byte:
			w.Write(body)
		case nil:
		default:
			t.Fatalf("testkit.Zip: body of %v is a %T, want string, []byte or nil", entries[i], body)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
