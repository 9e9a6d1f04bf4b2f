package formats

import (
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// nestedComponents is a CycloneDX document whose components nest k deep, so that its deepest
// value (the innermost empty components array) is at level 4+2k.
func nestedComponents(k int) string {
	var b strings.Builder
	b.WriteString(`{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[`)
	for i := k; i >= 0; i-- {
		b.WriteString(`{"type":"library","name":"c` + strconv.Itoa(i) + `","components":[`)
	}
	for i := k; i >= 0; i-- {
		b.WriteString(`]}`)
	}
	b.WriteString(`]}`)
	return b.String()
}

// TestNesting checks the nesting bound: MaxDepth levels are judged by the schema, one more
// fails while scanning, whatever the document, with a message that names the limit; and either
// way memory stays bounded.
func TestNesting(t *testing.T) {
	levels := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	tests := []struct {
		name  string
		doc   string
		valid bool
		kind  Kind
		want  string // in the problem
	}{
		{name: "components nested to exactly MaxDepth levels", doc: nestedComponents((MaxDepth - 4) / 2), valid: true, kind: KindCycloneDXJSON},
		{name: "components nested one level past MaxDepth", doc: nestedComponents((MaxDepth-4)/2 + 1), kind: KindCycloneDXJSON,
			want: "CycloneDX 1.6 JSON: arrays and objects nested more than " + strconv.Itoa(MaxDepth) + " levels deep (line 1, column "},
		{name: "bare arrays MaxDepth deep", doc: levels(MaxDepth), kind: KindJSON, want: "the top-level value is an array"},
		{name: "bare arrays one level deeper", doc: levels(MaxDepth + 1), kind: KindJSON,
			want: "arrays and objects nested more than " + strconv.Itoa(MaxDepth) + " levels deep (line 1, column " + strconv.Itoa(MaxDepth+1) + ")"},
		{name: "a million unclosed brackets", doc: strings.Repeat("[", 1_000_000), kind: KindJSON,
			want: "nested more than " + strconv.Itoa(MaxDepth) + " levels deep"},
		{name: "a million brackets after a header", doc: `{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"properties":` + levels(1_000_000) + `}`,
			kind: KindCycloneDXJSON, want: "nested more than " + strconv.Itoa(MaxDepth) + " levels deep"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			v, err := validateBytes([]byte(tt.doc), Options{})
			runtime.ReadMemStats(&after)
			if err != nil {
				t.Fatal(err)
			}
			if v.Valid() != tt.valid || v.Kind != tt.kind || !strings.Contains(v.Problem, tt.want) {
				t.Errorf("got valid=%v kind %v %q; want valid=%v kind %v and %q", v.Valid(), v.Kind, v.Problem, tt.valid, tt.kind, tt.want)
			}
			if strings.Contains(v.Problem, "invalid JSON") {
				t.Errorf("well-formed JSON called invalid: %s", v.Problem)
			}
			// Sys is what the process obtained from the OS, stacks included; it does not shrink,
			// so its growth bounds the peak.
			grew := int64(after.Sys) - int64(before.Sys)
			t.Logf("%d bytes: memory obtained grew by %.1f MiB", len(tt.doc), float64(grew)/(1<<20))
			if grew > 100<<20 {
				t.Errorf("memory grew by %d bytes", grew)
			}
		})
	}
}

// TestLeadingWhitespace checks that whitespace of any length before the document is skipped.
func TestLeadingWhitespace(t *testing.T) {
	doc := `{"bomFormat":"CycloneDX","specVersion":"1.6","version":1}`
	for _, n := range []int{0, prefixSize - 1, prefixSize, prefixSize + 1, 3 * prefixSize, 5 << 20} {
		for _, bom := range []string{"", "\ufeff"} {
			space := bom + strings.Repeat(" \r\n\t", n/4+1)[:n]
			v, err := validateBytes([]byte(space+doc), Options{})
			if err != nil || !v.Valid() || v.Kind != KindCycloneDXJSON {
				t.Errorf("%d bytes of whitespace (BOM %q): %v %v %s", n, bom, err, v.Kind, v.Problem)
			}
			v, err = validateBytes([]byte(space), Options{})
			if n > 0 && (err != nil || !strings.Contains(v.Problem, "holds only whitespace")) {
				t.Errorf("only %d bytes of whitespace: %v %s", n, err, v.Problem)
			}
			v, err = validateBytes([]byte(space+"SPDXVersion: SPDX-2.3\n"), Options{})
			if err != nil || v.Kind != KindSPDXTagValue {
				t.Errorf("tag-value after %d bytes of whitespace: %v %v %s", n, err, v.Kind, v.Problem)
			}
		}
	}
}
