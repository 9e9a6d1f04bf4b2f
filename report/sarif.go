package report

import (
	"encoding/json"
	"io"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/sbomcat/sbomcat"
)

// sarifWriter writes one SARIF 2.1.0 log with one run: the tool (with one rule per error
// code), a result of level "error" for each failed file, and a tool execution notification for
// each path that could not be validated. Code scanning (github/codeql-action/upload-sarif)
// reads it.
type sarifWriter struct {
	w       io.Writer
	opts    Options
	results []sarifResult
	notes   []sarifNotification
}

// The SARIF 2.1.0 objects used, with the properties used (OASIS SARIF v2.1.0, section 3).
type (
	sarifLog struct {
		Schema  string     `json:"$schema"`
		Version string     `json:"version"`
		Runs    []sarifRun `json:"runs"`
	}
	sarifRun struct {
		Tool        sarifTool         `json:"tool"`
		Invocations []sarifInvocation `json:"invocations"`
		Results     []sarifResult     `json:"results"`
	}
	sarifTool struct {
		Driver sarifDriver `json:"driver"`
	}
	sarifDriver struct {
		Name           string      `json:"name"`
		Version        string      `json:"version,omitempty"`
		InformationURI string      `json:"informationUri"`
		Rules          []sarifRule `json:"rules"`
	}
	sarifRule struct {
		ID               string       `json:"id"`
		Name             string       `json:"name"`
		ShortDescription sarifMessage `json:"shortDescription"`
		FullDescription  sarifMessage `json:"fullDescription"`
		DefaultConfig    sarifConfig  `json:"defaultConfiguration"`
	}
	sarifConfig struct {
		Level string `json:"level"`
	}
	sarifMessage struct {
		Text string `json:"text"`
	}
	sarifInvocation struct {
		ExecutionSuccessful bool                `json:"executionSuccessful"`
		Notifications       []sarifNotification `json:"toolExecutionNotifications,omitempty"`
	}
	sarifNotification struct {
		Level     string          `json:"level"`
		Message   sarifMessage    `json:"message"`
		Locations []sarifLocation `json:"locations,omitempty"`
	}
	sarifResult struct {
		RuleID    string          `json:"ruleId"`
		RuleIndex int             `json:"ruleIndex"`
		Level     string          `json:"level"`
		Message   sarifMessage    `json:"message"`
		Locations []sarifLocation `json:"locations"`
	}
	sarifLocation struct {
		Physical *sarifPhysical `json:"physicalLocation,omitempty"`
		Logical  []sarifLogical `json:"logicalLocations,omitempty"`
	}
	sarifPhysical struct {
		Artifact sarifArtifact `json:"artifactLocation"`
		Region   *sarifRegion  `json:"region,omitempty"`
	}
	sarifArtifact struct {
		URI string `json:"uri"`
	}
	sarifRegion struct {
		StartLine   int `json:"startLine"`
		StartColumn int `json:"startColumn"`
	}
	sarifLogical struct {
		Name               string `json:"name,omitempty"`
		FullyQualifiedName string `json:"fullyQualifiedName,omitempty"`
		Kind               string `json:"kind"`
	}
)

// sarifRules are the error codes a result can carry, one rule each; ruleIndex points here.
var sarifRules = []sarifRule{
	{ID: string(sbomcat.ErrorIncompatibleFormat), Name: "IncompatibleFormat",
		ShortDescription: sarifMessage{"The file is not an accepted SBOM, or does not conform to its format's schema."},
		FullDescription:  sarifMessage{"Accepted: SPDX 2.2 and 2.3 JSON and CycloneDX 1.2 to 1.7 JSON, valid against the official JSON Schema of the declared version (and, under the strict profile, with consistent references). The message says what, where and why."}},
	{ID: string(sbomcat.ErrorFileSizeLimitExceeded), Name: "FileSizeLimitExceeded",
		ShortDescription: sarifMessage{"The file or archive is over a size or entry limit."},
		FullDescription:  sarifMessage{"Objects, files inside archives, an archive's total and its number of entries are bounded; the message names the limit."}},
}

func init() {
	for i := range sarifRules {
		sarifRules[i].DefaultConfig.Level = "error"
	}
}

func sarifRuleIndex(code sbomcat.ErrorCode) int {
	for i, r := range sarifRules {
		if r.ID == string(code) {
			return i
		}
	}
	return 0 // every failure without a finer code is about the content
}

func (s *sarifWriter) Result(r Result) error {
	if r.Succeeded() {
		return nil
	}
	i := sarifRuleIndex(r.ErrorCode)
	msg := r.ErrorMessage
	loc := sarifLocation{Physical: &sarifPhysical{Artifact: sarifArtifact{URI: fileURI(r.Path)}}}
	if r.Member != "" {
		msg = r.Member + ": " + msg
		loc.Logical = append(loc.Logical, sarifLogical{Name: r.Member, FullyQualifiedName: r.Path + "!" + r.Member, Kind: "module"})
	}
	if p := r.Place; p != nil {
		loc.Physical.Region = &sarifRegion{StartLine: p.Line, StartColumn: p.Column}
		if p.Pointer != "" {
			loc.Logical = append(loc.Logical, sarifLogical{FullyQualifiedName: p.Pointer, Kind: "value"})
		}
	}
	s.results = append(s.results, sarifResult{RuleID: sarifRules[i].ID, RuleIndex: i, Level: "error",
		Message: sarifMessage{msg}, Locations: []sarifLocation{loc}})
	return nil
}

func (s *sarifWriter) PathError(e *PathError) error {
	s.notes = append(s.notes, sarifNotification{Level: "error", Message: sarifMessage{e.Error()},
		Locations: []sarifLocation{{Physical: &sarifPhysical{Artifact: sarifArtifact{URI: fileURI(e.Path)}}}}})
	return nil
}

func (s *sarifWriter) Close() error {
	name := s.opts.ToolName
	if name == "" {
		name = "sbomctl"
	}
	results := s.results
	if results == nil {
		results = []sarifResult{} // an empty array says "nothing found", absence "not run"
	}
	log := sarifLog{
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Version: "2.1.0",
		Runs: []sarifRun{{
			Tool: sarifTool{Driver: sarifDriver{Name: name, Version: s.opts.ToolVersion,
				InformationURI: "https://github.com/sbomcat/sbomcat", Rules: sarifRules}},
			Invocations: []sarifInvocation{{ExecutionSuccessful: len(s.notes) == 0, Notifications: s.notes}},
			Results:     results,
		}},
	}
	enc := json.NewEncoder(s.w)
	enc.SetIndent("", "  ")
	return enc.Encode(log)
}

// fileURI writes a path as a URI reference: a relative path stays relative (code scanning
// resolves it against the repository), an absolute one becomes a file: URI; either way
// percent-encoded.
func fileURI(path string) string {
	p := filepath.ToSlash(path)
	if filepath.IsAbs(path) {
		if !strings.HasPrefix(p, "/") {
			p = "/" + p // C:/x → /C:/x
		}
		return (&url.URL{Scheme: "file", Path: p}).String()
	}
	return (&url.URL{Path: p}).String()
}
