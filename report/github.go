package report

import (
	"fmt"
	"io"
	"strings"
)

// githubWriter writes one workflow command per failed file, which GitHub Actions turns into an
// annotation on the file (and its line, when known):
//
//	::error file=sboms/a.json,line=12,col=18,title=INCOMPATIBLE_FORMAT::CycloneDX 1.6 JSON: ...
//
// Files that succeeded write nothing.
type githubWriter struct {
	w io.Writer
}

func (g *githubWriter) Result(r Result) error {
	if r.Succeeded() {
		return nil
	}
	props := []string{"file=" + escapeProperty(r.Path)}
	if p := r.Place; p != nil {
		props = append(props, fmt.Sprintf("line=%d", p.Line), fmt.Sprintf("col=%d", p.Column))
	}
	props = append(props, "title="+escapeProperty(string(r.ErrorCode)))
	msg := r.ErrorMessage
	if r.Member != "" {
		msg = r.Member + ": " + msg
	}
	_, err := fmt.Fprintf(g.w, "::error %s::%s\n", strings.Join(props, ","), escapeData(msg))
	return err
}

func (g *githubWriter) PathError(e *PathError) error {
	_, err := fmt.Fprintf(g.w, "::error file=%s,title=%s::%s\n", escapeProperty(e.Path), escapeProperty("not validated"), escapeData(e.Error()))
	return err
}

func (g *githubWriter) Close() error { return nil }

// escapeData escapes a command's message as the runner unescapes it (actions/toolkit,
// command.ts: escapeData).
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// escapeProperty escapes a property's value (command.ts: escapeProperty): also ':' and ',',
// which end it.
func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
