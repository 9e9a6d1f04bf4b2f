package report

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestShortenMiddle(t *testing.T) {
	tests := []struct {
		in    string
		width int
		want  string
	}{
		{"short.json", 20, "short.json"},
		// The file name is kept whole when it fits, then as much of the start as is left.
		{"a/very/long/path/to/firmware.cdx.json", 24, "a/ver…/firmware.cdx.json"},
		// A name longer than the width keeps its end, which tells files apart.
		{"a/very/long/path/to/an-extremely-long-file-name.json", 20, "a…ong-file-name.json"},
		{"no-slash-but-long-name.json", 12, "n…-name.json"},
	}
	for _, tt := range tests {
		got := shortenMiddle(tt.in, tt.width)
		if got != tt.want || (utf8.RuneCountInString(tt.in) > tt.width && utf8.RuneCountInString(got) != tt.width) {
			t.Errorf("shortenMiddle(%q, %d) = %q, want %q", tt.in, tt.width, got, tt.want)
		}
	}
}

func TestWrap(t *testing.T) {
	msg := "CycloneDX 1.6 JSON: schema violation at /components/1/purl (line 5, column 14): expected string, got number"
	for _, width := range []int{0, 20, 33, 200} {
		lines := wrap(msg, width)
		for _, l := range lines {
			if width > 0 && utf8.RuneCountInString(l) > width {
				t.Errorf("width %d: line %q", width, l)
			}
		}
		if strings.Join(strings.Fields(strings.Join(lines, " ")), "") != strings.Join(strings.Fields(msg), "") {
			t.Errorf("width %d: %q lost text", width, lines)
		}
	}
}

// TestEscaping: file names become URI references (SARIF), and text becomes GitHub workflow
// command properties and data, with the characters each escapes.
func TestEscaping(t *testing.T) {
	tests := []struct {
		escape   func(string) string
		in, want string
	}{
		{fileURI, "sboms/a.json", "sboms/a.json"},
		{fileURI, "with space%,.json", "with%20space%25,.json"},
		{fileURI, "/abs/x.json", "file:///abs/x.json"},
		{fileURI, "dir:with/colon.json", "./dir:with/colon.json"},
		{escapeProperty, "a,b:c%d\ne", "a%2Cb%3Ac%25d%0Ae"},
		{escapeData, "50% a:b,c\r\n", "50%25 a:b,c%0D%0A"},
	}
	for _, tt := range tests {
		if got := tt.escape(tt.in); got != tt.want {
			t.Errorf("%q escaped: %q, want %q", tt.in, got, tt.want)
		}
	}
}
