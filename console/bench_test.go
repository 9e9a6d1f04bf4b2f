package console_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/validator"
)

// BenchmarkViews measures each view's data endpoint over HTTP on a real SQLite catalog of
// 1,000 packages, one of them with a version of 1,000 files (the target: under 100 ms
// each; see ns/op).
func BenchmarkViews(b *testing.B) {
	st := openStore(b)
	ctx := context.Background()
	for i := range 1000 {
		must(b, st.CreatePackage(ctx, &sbomcat.Package{Name: fmt.Sprintf("pkg-%04d", i), Description: "firmware"}, sbomcat.NoLimit))
	}
	for i := range 3 {
		seed(b, st, "pkg-0000", fmt.Sprintf("1.%d.0", i), files(1000, 7))
	}
	srv := server(b, st, validator.Limits{})
	c, ck := signIn(b, srv)
	for _, bc := range []struct{ name, path string }{
		{"packages/first-page", "/console/api/packages"},
		{"packages/last-page", "/console/api/packages?page=10"},
		{"packages/filter", "/console/api/packages?q=pkg-09"},
		{"package/3-versions-of-1000-files", "/console/api/package?name=pkg-0000"},
		{"version/1000-files", "/console/api/version?package=pkg-0000&version=1.0.0"},
		{"version/1000-files-failed-page-2", "/console/api/version?package=pkg-0000&version=1.0.0&result=SUCCEEDED&page=2"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			req, _ := http.NewRequest(http.MethodGet, srv.URL+bc.path, nil)
			req.AddCookie(ck)
			for b.Loop() {
				res, err := c.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK {
					b.Fatalf("%s: %d", bc.path, res.StatusCode)
				}
			}
		})
	}
}
