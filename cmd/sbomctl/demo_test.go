package main

import (
	"bytes"
	"context"
	"net"
	"strings"
	"testing"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/validator"
)

// The demo against a running sbomd is tested end to end in cmd/sbomd (TestEndToEnd runs this
// command's binary against that process). Here: what needs no server.

// TestDemoFiles: the verdicts the demo expects are the validator's, so a demo run fails only
// when the service disagrees with sbomctl validate.
func TestDemoFiles(t *testing.T) {
	files, err := demoFiles()
	if err != nil {
		t.Fatal(err)
	}
	body, err := zipOf(files)
	if err != nil {
		t.Fatal(err)
	}
	var v validator.Validator
	results, err := v.ValidateObject(context.Background(), "sboms.zip", bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]sbomcat.FileResult{}
	for _, r := range results {
		got[r.FileName] = r
	}
	valid, invalid := 0, 0
	for _, f := range files {
		r, ok := got[f.name]
		switch {
		case !ok:
			t.Errorf("%s: no result", f.name)
		case r.Succeeded() != f.valid:
			t.Errorf("%s: %s %s, demo expects valid=%v", f.name, r.Result, r.ErrorMessage, f.valid)
		}
		if f.valid {
			valid++
		} else {
			invalid++
		}
	}
	if len(results) != len(files) || valid < 2 || invalid != 1 {
		t.Errorf("%d results for %d files, %d valid and %d invalid; want some valid and exactly one invalid", len(results), len(files), valid, invalid)
	}
}

func TestDemoUsage(t *testing.T) {
	// A loopback port nobody listens on: the first call fails at once.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()

	for _, tt := range []struct {
		name           string
		args           []string
		code           int
		stdout, stderr string
	}{
		{"help", []string{"demo", "-h"}, exitOK, "-endpoint", ""},
		{"listed in the usage", []string{"help"}, exitOK, "sbomctl demo", ""},
		{"stray argument", []string{"demo", "now"}, exitError, "", "unexpected arguments"},
		{"unknown flag", []string{"demo", "--bogus"}, exitError, "", "-bogus"},
		{"nothing listening", []string{"demo", "--endpoint", closed, "--timeout", "5s"}, exitError, "", "create bucket sbomcat-demo"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tt.args, &stdout, &stderr, func(string) string { return "" })
			if code != tt.code || !strings.Contains(stdout.String(), tt.stdout) || !strings.Contains(stderr.String(), tt.stderr) {
				t.Errorf("exit %d (want %d)\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout.String(), stderr.String())
			}
		})
	}
}
