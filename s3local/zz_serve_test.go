package s3local_test

import (
	"net/http"
	"os"
	"testing"

	"github.com/sbomcat/sbomcat/s3local"
)

func TestZZServe(t *testing.T) {
	dir := os.Getenv("ZZ_DIR")
	if dir == "" {
		t.Skip()
	}
	b, err := s3local.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	http.ListenAndServe("127.0.0.1:4599", b.Handler())
}
