package report

import (
	"encoding/json"
	"io"

	"github.com/sbomcat/sbomcat"
)

// jsonLines writes one JSON object per result and line, as it comes. Its field names are
// defined here, not by the domain types, so that scripts reading them do not break when those
// change.
type jsonLines struct {
	enc *json.Encoder
}

func newJSONLines(w io.Writer) *jsonLines { return &jsonLines{enc: json.NewEncoder(w)} }

// jsonResult is one line: the PATH argument, the file found under it, the file's result, and
// where its failure is.
type jsonResult struct {
	Source       string                   `json:"source"`
	Path         string                   `json:"path"`
	FileName     string                   `json:"fileName"`
	Result       sbomcat.ValidationResult `json:"validationResult"`
	ErrorCode    sbomcat.ErrorCode        `json:"errorCode,omitempty"`
	ErrorMessage string                   `json:"errorMessage,omitempty"`
	Format       sbomcat.Format           `json:"format"`
	SpecVersion  string                   `json:"specVersion"`
	Pointer      string                   `json:"pointer,omitempty"`
	Line         int                      `json:"line,omitempty"`
	Column       int                      `json:"column,omitempty"`
}

func (j *jsonLines) Result(r Result) error {
	out := jsonResult{
		Source: r.Source, Path: r.Path, FileName: r.FileName, Result: r.Result, ErrorCode: r.ErrorCode,
		ErrorMessage: r.ErrorMessage, Format: r.Format, SpecVersion: r.SpecVersion,
	}
	if p := r.Place; p != nil {
		out.Pointer, out.Line, out.Column = p.Pointer, p.Line, p.Column
	}
	return j.enc.Encode(out)
}

// PathError writes nothing: the caller says it on standard error, and a line per file stays a
// line per file.
func (j *jsonLines) PathError(*PathError) error { return nil }

func (j *jsonLines) Close() error { return nil }
