package formats

import (
	"errors"
	"maps"
	"slices"
	"strconv"
)

// A value whose schema has anyOf or oneOf cannot be checked as it streams by: the streamer
// parses it whole and the evaluator tries each alternative on the tree (eval.go, composite).
// In a CycloneDX 1.5 document that is every component's licenses (licenseChoice: an array
// whose oneOf is "a list of licence objects" or "a one-element tuple with an expression"), each
// licence (a oneOf of "required id" or "required name"), about a fifth of the time.
//
// A proxy of such a schema s is a streamable schema that accepts only values s accepts. The
// streamer reads the value against a proxy first, quietly, keeping its bytes in the buffer
// (speculate); when the proxy accepts it, so would s, with nothing to report, and the digest is
// the streamed one. When the proxy rejects it, the streamer goes back to the value's start and
// parses it for the evaluator as before, so a value that does not conform gets exactly the
// evaluator's messages, places and hint counts: a proxy only ever decides "valid". With the
// licences read against proxies (and dependsOn's allOf of one schema streamed, compile.go
// finish), sbomctl took 11-17% less CPU time on a generated 50 MB CycloneDX 1.5 file
// (0.273-0.290 s against 0.316-0.338 s, 14 interleaved runs, load average 3-4.5).

// maxProxies bounds how many proxies a value is read against before it is parsed: each one
// that fails costs a read of the value up to where it failed.
const maxProxies = 3

// never is a schema no value conforms to, which a proxy uses to forbid a member.
var never = func() *schema {
	f := false
	return &schema{loc: "(forbidden by a proxy)", always: &f, maxItems: -1, maxLen: -1, rareKeywords: noRare}
}()

// proxiesOf finds the proxies of s, in the order of its alternatives, in two shapes:
//
//   - s is a type and its alternatives alone: an alternative that streams, with no type s
//     would refuse, is a proxy of an anyOf; of a oneOf too when no value can conform to both
//     it and another alternative (disjoint), as then whatever it accepts matches exactly one.
//   - every alternative only requires members, and s streams without its alternatives (an
//     object with declared properties): s with the members of one alternative required is a
//     proxy of an anyOf, and of a oneOf once it also forbids a member that each other
//     alternative requires and this one does not.
func (c *compiler) proxiesOf(s *schema) []*schema {
	out := c.findProxies(s)
	if len(out) > maxProxies {
		out = out[:maxProxies]
	}
	return out
}

func (c *compiler) findProxies(s *schema) []*schema {
	alts, composite, exclusive := s.anyOf, "anyOf", false
	if s.oneOf != nil {
		alts, composite, exclusive = s.oneOf, "oneOf", true
	}
	if s.anyOf != nil && s.oneOf != nil {
		return nil
	}
	var out []*schema
	if s.onlyKeywords("type", composite) {
		for k, a := range alts {
			r := a.resolved()
			if r.always != nil || !r.streamable || r.types&(tObject|tArray) == 0 || s.types != 0 && r.types&^s.types != 0 {
				continue
			}
			if exclusive && !disjointFromOthers(alts, k) {
				continue
			}
			out = append(out, r)
		}
		return out
	}
	base := *s
	base.anyOf, base.oneOf = nil, nil
	if !base.canStream() || s.types != 0 && s.types&tObject == 0 {
		return nil
	}
	for _, a := range alts {
		if r := a.resolved(); r.always != nil || !r.onlyKeywords("required") {
			return nil
		}
	}
next:
	for k, a := range alts {
		p := base
		p.loc = s.loc + " (proxy for " + composite + "/" + strconv.Itoa(k) + ")"
		p.types = tObject // required holds of any other value, so it would match every alternative
		p.required = append(slices.Clone(s.required), a.resolved().required...)
		p.props = maps.Clone(s.props)
		if p.props == nil {
			p.props = map[string]*schema{}
		}
		p.propOrder = slices.Clone(s.propOrder)
		if exclusive {
			for j, other := range alts {
				if j == k {
					continue
				}
				i := slices.IndexFunc(other.resolved().required, func(n string) bool {
					return !slices.Contains(p.required, n)
				})
				if i < 0 { // whatever has this alternative's members has the other's
					continue next
				}
				name := other.resolved().required[i]
				if _, declared := p.props[name]; !declared {
					p.propOrder = append(p.propOrder, name)
					slices.Sort(p.propOrder)
				}
				p.props[name] = never
			}
		}
		p.streamable, p.propList, p.propIdx = true, nil, nil
		c.listProps(&p)
		out = append(out, &p)
	}
	return out
}

// onlyKeywords reports whether s has no keyword but these.
func (s *schema) onlyKeywords(allowed ...string) bool {
	for _, k := range s.keywords {
		if !slices.Contains(allowed, k) {
			return false
		}
	}
	return true
}

func disjointFromOthers(alts []*schema, k int) bool {
	for j, a := range alts {
		if j != k && !disjoint(alts[k], a, 0) {
			return false
		}
	}
	return true
}

// disjoint reports whether no value can conform to both a and b, by a few sufficient reasons
// (false: not shown, not that some value conforms to both): no type in common; objects, one
// requiring a member the other forbids; arrays, with counts that cannot agree or a first
// element that cannot conform to both.
func disjoint(a, b *schema, depth int) bool {
	a, b = a.resolved(), b.resolved()
	if a.always != nil || b.always != nil || depth > 4 {
		return a.always != nil && !*a.always || b.always != nil && !*b.always
	}
	if a.types != 0 && b.types != 0 && a.types&b.types == 0 {
		return true
	}
	if (a.types == tObject || b.types == tObject) && (forbidsRequired(a, b) || forbidsRequired(b, a)) {
		return true
	}
	if a.types == tArray || b.types == tArray {
		if a.maxItems >= 0 && b.minItems > a.maxItems || b.maxItems >= 0 && a.minItems > b.maxItems {
			return true
		}
		if a.minItems > 0 || b.minItems > 0 { // the first element is there
			ea, eb := a.itemAt(0), b.itemAt(0)
			if ea != nil && eb != nil && disjoint(ea, eb, depth+1) {
				return true
			}
		}
	}
	return false
}

// forbidsRequired reports whether b refuses every object that has a member a requires.
func forbidsRequired(a, b *schema) bool {
	for _, name := range a.required {
		if p, ok := b.props[name]; ok {
			if r := p.resolved(); r.always != nil && !*r.always {
				return true
			}
			continue
		}
		if slices.ContainsFunc(b.patProps, func(pp patternSchema) bool { return pp.re.Match([]byte(name)) }) {
			continue
		}
		if b.addl != nil {
			if r := b.addl.resolved(); r.always != nil && !*r.always {
				return true
			}
		}
	}
	return false
}

// itemAt is the schema element j of an array must conform to, nil if none: items, or the
// array form of items and then additionalItems.
func (s *schema) itemAt(j int) *schema {
	switch {
	case s.items != nil:
		return s.items
	case j < len(s.tuple):
		return s.tuple[j]
	case s.tuple != nil:
		return s.addlItems
	}
	return nil
}

// errNoMatch ends a speculative read at the first thing the proxy refuses.
var errNoMatch = errors.New("the value does not conform to the proxy")

// maxSpeculation bounds how many speculative reads nest (a proxy's value holding another
// value with proxies): a value is read at most (maxProxies+1)^maxSpeculation times.
const maxSpeculation = 2

// backoff is how many values of a schema are parsed without trying its proxies after they
// all failed on one. A proxy that fails costs a read of the value up to where it failed:
// before tuples streamed, licenseChoice had one proxy, which refuses an expression at its
// first member, and a CycloneDX 1.5 document whose licences are all expressions took 8% more
// CPU time trying it on every one than parsing every one; on one in 17, nothing measurable.
// Now the tuple is a proxy too, and whichever accepted the last value is tried first: the
// same document takes 10-13% less CPU time than with the one proxy and the backoff.
const backoff = 16

// speculate reads the value ahead, whose first byte is c, against the proxies of s in turn. It
// reports whether one accepted it, in which case the value is read and its digest is in *h
// (when h is non-nil); otherwise the scanner is back at the value's start. err is a reason to
// stop that the caller must pass on: the speculation this one is nested in has lost its hold.
// Past the first buffer it notes in st.next how the last value of s fared: the proxy that
// accepted it, plus one, which is tried first next time; below zero, the negated number of
// values still to parse without trying.
func (st *streamer) speculate(s *schema, c byte, depth int, h *valueHash) (done bool, err error) {
	learned, first := s.proxyRow < len(st.next), 0
	if learned {
		switch last := st.next[s.proxyRow]; {
		case last < 0:
			st.next[s.proxyRow]++
			return false, nil
		case last > 0:
			first = int(last) - 1
		}
	}
	at, pinned := st.sc.hold()
	off := st.ev.off
	st.ev.quiet++
	st.speculating++
	k := first
	for range s.proxies {
		p := s.proxies[k]
		if c == '{' && p.types != 0 && p.types&tObject == 0 || c == '[' && p.types != 0 && p.types&tArray == 0 {
			k = (k + 1) % len(s.proxies)
			continue
		}
		err = st.valueHash(p, depth, h)
		if err == nil && !st.sc.pinLost {
			done = true
			break
		}
		st.sc.rewind(at)
		if st.sc.pinLost {
			break
		}
		k = (k + 1) % len(s.proxies)
	}
	st.speculating--
	st.ev.quiet--
	st.ev.off = off
	if learned && done {
		st.next[s.proxyRow] = int32(k) + 1
	} else if learned {
		st.next[s.proxyRow] = -backoff
	}
	err = nil
	if !done && st.sc.pinLost && !pinned {
		err = errNoMatch // the outer speculation goes back and gives up
	}
	if pinned {
		st.sc.letGo()
	}
	return done, err
}
