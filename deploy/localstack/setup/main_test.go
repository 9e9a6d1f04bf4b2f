package main

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/sbomcat/sbomcat/internal/flagset"
)

// TestRefusals: the program sets up local endpoints only, and checks its settings before it
// touches any of them. (The setup itself runs, twice, in deploy/localstack's test.)
func TestRefusals(t *testing.T) {
	local := map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:1"}
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"no endpoint", nil, map[string]string{}, "AWS_ENDPOINT_URL"},
		{"some service endpoints", nil, map[string]string{"AWS_ENDPOINT_URL_S3": "http://127.0.0.1:1", "AWS_ENDPOINT_URL_SQS": "http://127.0.0.1:1"}, "AWS_ENDPOINT_URL"},
		{"receive count", []string{"--max-receive-count", "0"}, local, "max-receive-count"},
		{"visibility", []string{"--visibility-timeout", "-1"}, local, "visibility-timeout"},
		{"path style", nil, map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:1", "SBOMCAT_S3_USE_PATH_STYLE": "perhaps"}, "SBOMCAT_S3_USE_PATH_STYLE"},
		{"arguments", []string{"extra"}, local, "unexpected arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := run(context.Background(), tt.args, func(k string) string { return tt.env[k] }, io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one naming %s", err, tt.want)
			}
		})
	}
}

// TestHelp: -h prints the help to stdout and ends the command with status 0; a flag it does
// not know prints why and the help to stderr, status 2.
func TestHelp(t *testing.T) {
	for _, tt := range []struct {
		args   []string
		status int
	}{{[]string{"-h"}, flagset.ExitHelp}, {[]string{"--nope"}, flagset.ExitUsage}} {
		var stdout, stderr strings.Builder
		err := run(context.Background(), tt.args, func(string) string { return "" }, &stdout, &stderr)
		var exit *flagset.Exit
		if !errors.As(err, &exit) || exit.Status != tt.status {
			t.Fatalf("%v: %v, want exit status %d", tt.args, err, tt.status)
		}
		help, other := stdout.String(), stderr.String()
		if tt.status != flagset.ExitHelp {
			help, other = other, help
		}
		if !strings.Contains(help, "-max-receive-count") || other != "" {
			t.Errorf("%v: help %q, other stream %q", tt.args, help, other)
		}
	}
}
