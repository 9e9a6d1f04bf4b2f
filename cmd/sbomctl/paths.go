package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/sbomcat/sbomcat/report"
)

// defaultInclude is what a directory contributes when no --include is given.
var defaultInclude = []string{"*.json", "*.zip"}

// target is one file to validate, or a path that could not be read (err set).
type target struct {
	err    *report.PathError
	source string // the PATH argument it was found under
	path   string // the file, as given or found ("-" for standard input)
	size   int64
}

// selection decides which files of a directory are validated.
type selection struct {
	include, exclude []string
}

// globs is a repeatable flag.
type globs []string

func (g *globs) String() string { return strings.Join(*g, ",") }

func (g *globs) Set(s string) error {
	if _, err := path.Match(strings.ToLower(s), ""); err != nil {
		return fmt.Errorf("bad pattern %q: %w", s, err)
	}
	*g = append(*g, s)
	return nil
}

// matchGlob matches a pattern against a slash-separated path below a directory argument, case
// insensitively (SBOM tools write .json and .JSON alike). A pattern without '/' matches the
// base name; one with '/' the whole relative path, segment by segment, where "**" stands for
// any number of segments.
func matchGlob(pattern, rel string) bool {
	pattern, rel = strings.ToLower(pattern), strings.ToLower(rel)
	if !strings.Contains(pattern, "/") {
		ok, _ := path.Match(pattern, path.Base(rel))
		return ok
	}
	return matchSegments(strings.Split(pattern, "/"), strings.Split(rel, "/"))
}

func matchSegments(pat, segs []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			for i := 0; i <= len(segs); i++ {
				if matchSegments(pat[1:], segs[i:]) {
					return true
				}
			}
			return false
		}
		if len(segs) == 0 {
			return false
		}
		if ok, _ := path.Match(pat[0], segs[0]); !ok {
			return false
		}
		pat, segs = pat[1:], segs[1:]
	}
	return len(segs) == 0
}

func anyMatch(patterns []string, rel string) bool {
	for _, p := range patterns {
		if matchGlob(p, rel) {
			return true
		}
	}
	return false
}

// collect turns PATH arguments into the files to validate, in order: a file named is always
// validated, whatever its name; a directory is walked (hidden directories such as .git
// skipped, symbolic links not followed) for the files its selection takes; "-" is standard
// input. A path that cannot be read is a target with its error, in its place, and the others
// are still collected.
func collect(args []string, sel selection) []target {
	var targets []target
	for _, arg := range args {
		if arg == "-" {
			targets = append(targets, target{source: arg, path: arg, size: -1})
			continue
		}
		fi, err := os.Stat(arg)
		if err != nil {
			targets = append(targets, pathError(&report.PathError{Source: arg, Path: arg, Err: explain(arg, err)}))
			continue
		}
		if !fi.IsDir() {
			targets = append(targets, target{source: arg, path: arg, size: fi.Size()})
			continue
		}
		found := len(targets)
		err = filepath.WalkDir(arg, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				targets = append(targets, pathError(&report.PathError{Source: arg, Path: p, Err: explain(p, err)}))
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			rel, _ := filepath.Rel(arg, p)
			rel = filepath.ToSlash(rel)
			if d.IsDir() {
				if p != arg && (strings.HasPrefix(d.Name(), ".") || anyMatch(sel.exclude, rel)) {
					return fs.SkipDir
				}
				return nil
			}
			if !d.Type().IsRegular() { // symbolic links are not followed; devices, sockets... skipped
				return nil
			}
			if !anyMatch(sel.include, rel) || anyMatch(sel.exclude, rel) {
				return nil
			}
			info, err := d.Info()
			if err != nil {
				targets = append(targets, pathError(&report.PathError{Source: arg, Path: p, Err: explain(p, err)}))
				return nil
			}
			targets = append(targets, target{source: arg, path: p, size: info.Size()})
			return nil
		})
		if err != nil { // WalkDir returns only what the function returns, which is nil
			targets = append(targets, pathError(&report.PathError{Source: arg, Path: arg, Err: err}))
		}
		if len(targets) == found {
			// Most likely a mistake (the wrong directory, or patterns that match nothing); a
			// CI job should not pass for having validated nothing.
			targets = append(targets, pathError(&report.PathError{Source: arg, Path: arg,
				Err: fmt.Errorf("%s: no files to validate in this directory (taking %s%s)", arg, strings.Join(sel.include, ", "), excluding(sel.exclude))}))
		}
	}
	return targets
}

func pathError(e *report.PathError) target { return target{source: e.Source, path: e.Path, err: e} }

// explain says why a path could not be read, telling a broken symbolic link from a missing
// file.
func explain(p string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		if fi, lerr := os.Lstat(p); lerr == nil && fi.Mode()&fs.ModeSymlink != 0 {
			dest, _ := os.Readlink(p)
			return fmt.Errorf("%s: broken symbolic link (its target %s does not exist)", p, dest)
		}
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return err // "open x: permission denied" already names the path
	}
	return fmt.Errorf("%s: %w", p, err)
}

func excluding(patterns []string) string {
	if len(patterns) == 0 {
		return ""
	}
	return "; excluding " + strings.Join(patterns, ", ")
}
