package profiles

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/sbomcat/sbomcat"
)

// Report spells out, per rule set, every element that is missing: document elements first,
// then for each component element how many components lack it, the first few with their
// places, and the field to fill. For example:
//
//	NTIA minimum elements: 12 of 340 components lack a supplier name (/components/3 line 41
//	column 7, /components/8 line 90 column 7, /components/9 line 101 column 7, …): set
//	component.supplier.name; no timestamp: set metadata.timestamp
func (c *checker) Report(places func([]int64) []sbomcat.Place) (string, *sbomcat.Place) {
	f := 0 // the fix for this format
	noun := "component"
	if c.spdx {
		f, noun = 1, "package"
	}
	// Collect the offsets to place first: the file is read again once for all of them.
	var offs []int64
	placed := map[field]int{} // where a field's offsets start in offs
	for _, r := range c.rules {
		for _, e := range r.components {
			m := &c.missing[bit(e.field)]
			if _, done := placed[e.field]; m.count > 0 && !done {
				placed[e.field] = len(offs)
				offs = append(offs, m.offs[:min(m.count, maxShown)]...)
			}
		}
	}
	var at []sbomcat.Place
	if len(offs) > 0 {
		at = places(offs)
	}
	var first *sbomcat.Place
	var parts []string
	for _, r := range c.rules {
		var items []string
		if minor := cycloneDXMinor(c.version); !c.spdx && minor < r.minCycloneDX {
			items = append(items, fmt.Sprintf("CycloneDX %s is older than 1.%d, the oldest the guideline accepts (section 4): emit CycloneDX 1.%d or later", c.version, r.minCycloneDX, r.minCycloneDX))
		}
		for _, e := range r.doc {
			if c.facts&e.fact.mark() == 0 {
				items = append(items, "no "+e.what+": "+e.fix[f])
			}
		}
		for _, e := range r.components {
			m := &c.missing[bit(e.field)]
			if m.count == 0 {
				continue
			}
			shown := at[placed[e.field]:][:min(m.count, maxShown)]
			if first == nil {
				p := shown[0]
				p.Pointer = m.ptrs[0]
				first = &p
			}
			items = append(items, lackMessage(m, shown, c.components, noun, e.what)+": "+e.fix[f])
		}
		if len(items) > 0 {
			parts = append(parts, r.title+": "+strings.Join(items, "; "))
		}
	}
	return strings.Join(parts, "; "), first
}

// lackMessage says "12 of 340 components lack a supplier name (/components/3 line 41 column 7, …)".
func lackMessage(m *missing, shown []sbomcat.Place, total int, noun, what string) string {
	var b strings.Builder
	verb := "lack"
	if m.count == 1 {
		verb = "lacks"
	}
	plural := noun + "s"
	if total == 1 {
		plural = noun
	}
	fmt.Fprintf(&b, "%d of %d %s %s %s (", m.count, total, plural, verb, what)
	for i, p := range shown {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(m.ptrs[i])
		if p.Line > 0 {
			fmt.Fprintf(&b, " line %d column %d", p.Line, p.Column)
		}
	}
	if m.count > len(shown) {
		b.WriteString(", …")
	}
	b.WriteString(")")
	return b.String()
}

// cycloneDXMinor is the minor number of a CycloneDX version "1.N"; -1 when it is none.
func cycloneDXMinor(v string) int {
	n, err := strconv.Atoi(strings.TrimPrefix(v, "1."))
	if err != nil || !strings.HasPrefix(v, "1.") {
		return -1
	}
	return n
}

// bit is the index of a single-bit field.
func bit(f field) int {
	n := 0
	for f > 1 {
		f >>= 1
		n++
	}
	return n
}
