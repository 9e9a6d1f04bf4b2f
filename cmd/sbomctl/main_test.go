package main

import (
	"bytes"
	"context"
	"net"
	"strings"
	"testing"
)

// TestHelpCommand: `sbomctl help COMMAND` says what `COMMAND -h` says, flags included, on
// stdout.
func TestHelpCommand(t *testing.T) {
	tests := []struct {
		command string
		want    []string
	}{
		{"validate", []string{"-profile", "-json", "-max-entries"}},
		{"demo", []string{"-endpoint", "-bucket"}},
		{"convert", []string{"-to-version", "-out-dir"}},
	}
	for _, tt := range tests {
		t.Run(tt.command, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := runOrConvert(context.Background(), helpFor([]string{"help", tt.command}), strings.NewReader(""), &stdout, &stderr, func(string) string { return "" })
			if code != exitOK || stderr.Len() != 0 {
				t.Fatalf("exit %d, stderr %q", code, stderr.String())
			}
			for _, w := range tt.want {
				if !strings.Contains(stdout.String(), w) {
					t.Errorf("help %s lacks %q:\n%s", tt.command, w, stdout.String())
				}
			}
		})
	}
}

// TestDemoNoServer: with nothing listening, demo says how to start the service rather than
// leaving the reader with the SDK's retry error alone.
func TestDemoNoServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // a port that was free a moment ago and that nothing listens on now
	var stdout, stderr bytes.Buffer
	code := runOrConvert(context.Background(), []string{"demo", "--endpoint", "http://" + addr}, strings.NewReader(""), &stdout, &stderr, func(string) string { return "" })
	if code != exitError {
		t.Errorf("exit %d, want %d", code, exitError)
	}
	for _, w := range []string{"nothing listens at http://" + addr, "make run"} {
		if !strings.Contains(stderr.String(), w) {
			t.Errorf("stderr lacks %q:\n%s", w, stderr.String())
		}
	}
}
