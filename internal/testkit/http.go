package testkit

import (
	"io"
	"net/http"
	"testing"
)

// HTTP requests as a device or a browser sends them, with no SDK.

// ReadAll reads body to its end and closes it, failing t when the read fails.
func ReadAll(t testing.TB, body io.ReadCloser) []byte {
	t.Helper()
	defer body.Close()
	b, err := io.ReadAll(body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Do sends req with the default client and returns the response and its whole body, failing
// t when either fails.
func Do(t testing.TB, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp, ReadAll(t, resp.Body)
}

// Get GETs u with no credentials (as a device would) and returns the response and its body.
func Get(t testing.TB, u string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return Do(t, req)
}

// GetOK GETs u as Get does and returns the body of a 200 response, failing t on any other.
func GetOK(t testing.TB, u string) []byte {
	t.Helper()
	resp, body := Get(t, u)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s: %s", u, resp.Status, body)
	}
	return body
}
