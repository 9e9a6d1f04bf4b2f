package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/sbomcat/sbomcat/sqlite"
)

// TestAdapter drives the handler through the same adapter Lambda uses, with API Gateway HTTP
// API (payload 2.0) events, on a real store.
func TestAdapter(t *testing.T) {
	store, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	env := map[string]string{"SBOMCAT_TABLE": "t", "SBOMCAT_ACCOUNT_ID": "123456789012"}
	h, err := newHandler(store, func(k string) string { return env[k] }, "eu-west-1", slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	proxy := httpadapter.NewV2(h).ProxyWithContext
	event := func(method, rawPath, query, body string) events.APIGatewayV2HTTPRequest {
		e := events.APIGatewayV2HTTPRequest{Version: "2.0", RawPath: rawPath, RawQueryString: query, Body: body,
			Headers: map[string]string{"content-type": "application/json"}}
		e.RequestContext.HTTP.Method, e.RequestContext.HTTP.Path = method, rawPath
		return e
	}
	tests := []struct {
		name, method, path, query, body string
		status                          int
		check                           func(t *testing.T, body map[string]any, headers map[string]string)
	}{
		{"create", "PUT", "/packages/fw", "clientToken=11111111-2222-3333-4444-555555555555", `{"description":"d"}`, 200, func(t *testing.T, b map[string]any, _ map[string]string) {
			if b["packageArn"] != "arn:aws:iot:eu-west-1:123456789012:package/fw" {
				t.Errorf("body %v", b)
			}
		}},
		{"get", "GET", "/packages/fw", "", "", 200, func(t *testing.T, b map[string]any, _ map[string]string) {
			if _, ok := b["creationDate"].(float64); !ok || b["description"] != "d" {
				t.Errorf("body %v", b)
			}
		}},
		{"escaped name", "GET", "/packages/bad%20name", "", "", 400, func(t *testing.T, b map[string]any, h map[string]string) {
			if h[http.CanonicalHeaderKey("X-Amzn-ErrorType")] != "ValidationException" || b["__type"] != "ValidationException" {
				t.Errorf("headers %v body %v", h, b)
			}
		}},
		{"missing", "GET", "/packages/nope", "", "", 404, nil},
		{"list", "GET", "/packages", "maxResults=1", "", 200, func(t *testing.T, b map[string]any, _ map[string]string) {
			if s, _ := b["packageSummaries"].([]any); len(s) != 1 {
				t.Errorf("body %v", b)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := proxy(context.Background(), event(tt.method, tt.path, tt.query, tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, resp.Body)
			}
			if resp.Headers[http.CanonicalHeaderKey("X-Amzn-RequestId")] == "" {
				t.Errorf("no request id in %v", resp.Headers)
			}
			var body map[string]any
			if resp.Body != "" {
				if err := json.Unmarshal([]byte(resp.Body), &body); err != nil {
					t.Fatalf("body %q: %v", resp.Body, err)
				}
			}
			if tt.check != nil {
				tt.check(t, body, resp.Headers)
			}
		})
	}
}

func TestConfiguration(t *testing.T) {
	for _, env := range []map[string]string{{}, {"SBOMCAT_TABLE": "t"}, {"SBOMCAT_ACCOUNT_ID": "1"}} {
		if _, err := newHandler(nil, func(k string) string { return env[k] }, "us-east-1", slog.Default()); err == nil {
			t.Errorf("env %v accepted", env)
		}
	}
}
