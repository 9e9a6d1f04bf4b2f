//go:build pprof

package main

import (
	"net"
	"net/http"
	_ "net/http/pprof" // registers /debug/pprof on http.DefaultServeMux
	"os"
)

// A profiling build (go build -tags pprof, or go test -sbomd.tags pprof for the benchmarks)
// serves net/http/pprof on SBOMCAT_PPROF_ADDR (default 127.0.0.1:6061), apart from the API, so
// that a running sbomd can be profiled under load:
//
//	go tool pprof 'http://127.0.0.1:6061/debug/pprof/profile?seconds=10'
func init() {
	addr := os.Getenv("SBOMCAT_PPROF_ADDR")
	if addr == "" {
		addr = "127.0.0.1:6061"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return // profiling is best effort: another sbomd may hold the port
	}
	go http.Serve(ln, http.DefaultServeMux)
}
