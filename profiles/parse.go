// Package profiles names the validation profiles and checks the minimum-elements ones: the NTIA
// minimum elements (2021) and BSI TR-03183-2 v2.0.0, beyond the schema. A profile is a
// comma-separated list of names ("strict,ntia"); every profile includes the aws schema checks,
// which run first, so a file that fails its schema fails as under aws.
//
// The elements are checked as formats streams the document (formats.Checker): the checker is
// shown each member as the streamer reads it, keeps a few flags for each component, hash,
// property, ... it is inside of, and when that ends, only counts and the first few places; no
// element is built for it, so memory stays what the schema check needs. Which fields satisfy which element, and why, is docs/profiles.md; this package is its
// implementation and the two must agree.
//
// It knows nothing of archives, stores or the API: validator applies a Set to each file.
package profiles

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/formats"
)

// Set is a parsed profile: the schema rules (aws, or strict on top of them) and the
// minimum-elements rule sets to check on top, in a fixed order.
type Set struct {
	Base  sbomcat.Profile
	rules []*ruleSet
}

// UnknownError is a profile that names something that is no profile.
type UnknownError struct {
	Profile string // as given
	Name    string // the part that is unknown ("" for an empty part)
}

func (e *UnknownError) Error() string {
	what := fmt.Sprintf("%q is not a validation profile", e.Name)
	if e.Name == "" {
		what = "a validation profile name is empty"
	}
	if e.Name != e.Profile {
		what += fmt.Sprintf(" (in %q)", e.Profile)
	}
	return what + ": the profiles are " + strings.Join(Names(), ", ") + ", combined with commas (strict,ntia)"
}

// Names lists the profile names Parse knows.
func Names() []string {
	names := []string{string(sbomcat.ProfileAWS), string(sbomcat.ProfileStrict)}
	for _, r := range ruleSets {
		names = append(names, string(r.name))
	}
	return names
}

// Parse reads a profile: names separated by commas, in any case and order, with spaces around
// them allowed. "" is the default, aws. An *UnknownError names the first part that is no
// profile.
func Parse(s string) (Set, error) {
	set := Set{Base: sbomcat.ProfileAWS}
	if strings.TrimSpace(s) == "" {
		return set, nil
	}
	for _, part := range strings.Split(s, ",") {
		name := sbomcat.Profile(strings.ToLower(strings.TrimSpace(part)))
		switch name {
		case sbomcat.ProfileAWS:
			continue
		case sbomcat.ProfileStrict:
			set.Base = sbomcat.ProfileStrict
			continue
		}
		i := slices.IndexFunc(ruleSets, func(r *ruleSet) bool { return r.name == name })
		if i < 0 {
			return Set{}, &UnknownError{Profile: s, Name: strings.TrimSpace(part)}
		}
		if !slices.Contains(set.rules, ruleSets[i]) {
			set.rules = append(set.rules, ruleSets[i])
		}
	}
	slices.SortFunc(set.rules, func(a, b *ruleSet) int { return slices.Index(ruleSets, a) - slices.Index(ruleSets, b) })
	return set, nil
}

// String is the set's canonical name: "aws", "strict", "ntia", "strict,ntia,bsi".
func (s Set) String() string {
	var parts []string
	if s.Base == sbomcat.ProfileStrict || len(s.rules) == 0 {
		parts = append(parts, string(s.Base))
	}
	for _, r := range s.rules {
		parts = append(parts, string(r.name))
	}
	return strings.Join(parts, ",")
}

// Profile is the set's canonical name as a profile.
func (s Set) Profile() sbomcat.Profile { return sbomcat.Profile(s.String()) }

// Options are the formats options that apply the set.
func (s Set) Options() formats.Options {
	opts := formats.Options{Profile: s.Base}
	if len(s.rules) > 0 {
		rules := s.rules
		opts.Checks = func() formats.Checker { return newChecker(rules) }
	}
	return opts
}
