package report

import (
	"encoding/xml"
	"io"
)

// junitWriter writes JUnit XML as CI servers read it (GitLab's artifacts:reports:junit,
// Jenkins, ...): one <testsuite> per PATH argument, one <testcase> per validated file, a
// <failure> with the error code and message for each failed one, and an <error> for each path
// that could not be validated.
type junitWriter struct {
	w      io.Writer
	suites []*junitSuite
	bySrc  map[string]*junitSuite
}

type junitSuites struct {
	XMLName  xml.Name      `xml:"testsuites"`
	Name     string        `xml:"name,attr"`
	Tests    int           `xml:"tests,attr"`
	Failures int           `xml:"failures,attr"`
	Errors   int           `xml:"errors,attr"`
	Suites   []*junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	File      string        `xml:"file,attr,omitempty"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

func (j *junitWriter) suite(source string) *junitSuite {
	if s, ok := j.bySrc[source]; ok {
		return s
	}
	if j.bySrc == nil {
		j.bySrc = map[string]*junitSuite{}
	}
	s := &junitSuite{Name: source}
	j.bySrc[source] = s
	j.suites = append(j.suites, s)
	return s
}

func (j *junitWriter) Result(r Result) error {
	s := j.suite(r.Source)
	c := junitCase{Name: r.Name(), Classname: "sbomctl.validate", File: r.Path}
	if !r.Succeeded() {
		msg := r.ErrorMessage
		c.Failure = &junitProblem{Message: string(r.ErrorCode) + ": " + msg, Type: string(r.ErrorCode), Text: msg}
		s.Failures++
	}
	s.Tests++
	s.Cases = append(s.Cases, c)
	return nil
}

func (j *junitWriter) PathError(e *PathError) error {
	s := j.suite(e.Source)
	s.Tests++
	s.Errors++
	s.Cases = append(s.Cases, junitCase{Name: e.Path, Classname: "sbomctl.validate", File: e.Path,
		Error: &junitProblem{Message: e.Error(), Type: "NOT_VALIDATED", Text: e.Error()}})
	return nil
}

func (j *junitWriter) Close() error {
	all := junitSuites{Name: "sbomctl validate", Suites: j.suites}
	for _, s := range j.suites {
		all.Tests += s.Tests
		all.Failures += s.Failures
		all.Errors += s.Errors
	}
	if _, err := io.WriteString(j.w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(j.w)
	enc.Indent("", "  ")
	if err := enc.Encode(all); err != nil {
		return err
	}
	_, err := io.WriteString(j.w, "\n")
	return err
}
