// Package flagset makes the flag sets of this module's commands behave alike: -h prints the
// command's usage and its flags to standard output and succeeds; a mistake prints why, with
// the same help, to standard error. The flag package cannot tell the two apart when it prints,
// so a Set holds what flag prints until parsing has returned.
package flagset

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// Exit statuses of a parse that ends the command (Ended).
const (
	ExitHelp  = 0
	ExitUsage = 2
)

// Set is a flag.FlagSet that holds what it prints.
type Set struct {
	*flag.FlagSet
	printed strings.Builder
}

// New returns a Set for the command name; its help is usage followed by the flags.
func New(name, usage string) *Set {
	s := &Set{FlagSet: flag.NewFlagSet(name, flag.ContinueOnError)}
	s.SetOutput(&s.printed)
	s.Usage = func() {
		fmt.Fprint(s.Output(), usage)
		s.PrintDefaults()
	}
	return s
}

// Printed is what the flag package printed while parsing: the help after -h, or why the
// parse failed followed by the help.
func (s *Set) Printed() string { return s.printed.String() }

// Ended reports whether a parse that returned err ends the command, and with which exit
// status: ExitHelp when help was asked for (it is written to stdout), ExitUsage after a mistake
// (flag's complaint and the help are written to stderr).
func (s *Set) Ended(err error, stdout, stderr io.Writer) (status int, ended bool) {
	switch {
	case err == nil:
		return 0, false
	case errors.Is(err, flag.ErrHelp):
		io.WriteString(stdout, s.Printed())
		return ExitHelp, true
	default:
		io.WriteString(stderr, s.Printed())
		return ExitUsage, true
	}
}

// Exit is the error of a parse that ends the command, for commands whose flags are parsed
// below main: main exits with Status, what there was to say having been written.
type Exit struct{ Status int }

func (e *Exit) Error() string { return fmt.Sprintf("exit status %d", e.Status) }

// ParseOrExit parses args and returns nil to go on, an *Exit when the parse ends the command (help
// written to stdout, or a mistake and the help to stderr, as Ended writes them).
func (s *Set) ParseOrExit(args []string, stdout, stderr io.Writer) error {
	if status, ended := s.Ended(s.Parse(args), stdout, stderr); ended {
		return &Exit{Status: status}
	}
	return nil
}
