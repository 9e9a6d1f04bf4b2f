package formats

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strings"
	"time"
)

// Checkers for the "format" keywords the accepted schemas use. Format keywords assert (the
// labelled CycloneDX suites fail a bad timestamp, e-mail address or IRI), and both our engine and
// the oracle call these same functions, so a verdict never depends on which engine ran.
var formatCheckers = map[string]func(string) error{
	"date-time":     checkDateTime,
	"date":          checkDate,
	"email":         checkEmail,
	"idn-email":     checkIDNEmail,
	"uri":           checkURI,
	"iri":           checkIRI,
	"uri-reference": checkIRIReference,
	"iri-reference": checkIRIReference,
}

// checkDateTime accepts RFC 3339 date-times: a date, a time and an offset are all required
// ("2020-04-13" alone is not a date-time, whatever lenient validators say).
func checkDateTime(s string) error {
	if len(s) < 20 {
		return errors.New("not an RFC 3339 date-time (want e.g. 2024-01-31T12:00:00Z)")
	}
	if s[10] != 'T' && s[10] != 't' {
		return errors.New("not an RFC 3339 date-time: the 11th character must be T")
	}
	if err := checkDate(s[:10]); err != nil {
		return err
	}
	return checkTime(s[11:])
}

// checkDate accepts RFC 3339 full-dates (YYYY-MM-DD, a real calendar day).
func checkDate(s string) error {
	if _, err := time.Parse("2006-01-02", s); err != nil {
		return fmt.Errorf("invalid date %q (want YYYY-MM-DD)", s)
	}
	return nil
}

// checkTime accepts an RFC 3339 full-time: hh:mm:ss, optional fraction, Z or ±hh:mm.
func checkTime(s string) error {
	bad := fmt.Errorf("invalid time %q (want hh:mm:ss followed by Z or an offset such as +01:00)", s)
	if len(s) < 9 || s[2] != ':' || s[5] != ':' {
		return bad
	}
	h, ok1 := twoDigits(s[0:2])
	m, ok2 := twoDigits(s[3:5])
	sec, ok3 := twoDigits(s[6:8])
	if !ok1 || !ok2 || !ok3 || h > 23 || m > 59 || sec > 60 {
		return bad
	}
	s = s[8:]
	if rest, ok := strings.CutPrefix(s, "."); ok {
		n := 0
		for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
			n++
		}
		if n == 0 {
			return bad
		}
		s = rest[n:]
	}
	var offH, offM int
	switch {
	case s == "Z" || s == "z":
	case len(s) == 6 && (s[0] == '+' || s[0] == '-') && s[3] == ':':
		var okH, okM bool
		offH, okH = twoDigits(s[1:3])
		offM, okM = twoDigits(s[4:6])
		if !okH || !okM || offH > 23 || offM > 59 {
			return bad
		}
		if s[0] == '+' {
			offH, offM = -offH, -offM
		}
	default:
		return bad
	}
	if sec == 60 { // a leap second is only ever 23:59:60 UTC
		utcM := h*60 + m + offH*60 + offM
		utcM = ((utcM % 1440) + 1440) % 1440
		if utcM != 23*60+59 {
			return bad
		}
	}
	return nil
}

func twoDigits(s string) (int, bool) {
	if len(s) != 2 || s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' {
		return 0, false
	}
	return int(s[0]-'0')*10 + int(s[1]-'0'), true
}

// checkEmail accepts addresses of the RFC 5321 shape; checkIDNEmail also admits non-ASCII.
func checkEmail(s string) error {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return fmt.Errorf("invalid e-mail address %q: non-ASCII characters", s)
		}
	}
	return checkIDNEmail(s)
}

func checkIDNEmail(s string) error {
	bad := func(why string) error { return fmt.Errorf("invalid e-mail address %q: %s", s, why) }
	if len(s) > 254 {
		return bad("longer than 254 characters")
	}
	at := strings.LastIndexByte(s, '@')
	if at == -1 {
		return bad("missing @")
	}
	local, domain := s[:at], s[at+1:]
	if local == "" || len(local) > 64 {
		return bad("the part before @ must have 1 to 64 characters")
	}
	if len(local) > 1 && local[0] == '"' && local[len(local)-1] == '"' {
		if strings.ContainsAny(local[1:len(local)-1], `\"`) {
			return bad("backslash or quote inside the quoted part")
		}
	} else {
		if strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") || strings.Contains(local, "..") {
			return bad("misplaced dot before @")
		}
		if strings.ContainsAny(local, "()<>[]:;@\\,\" \t") {
			return bad("special character before @")
		}
	}
	if strings.HasPrefix(domain, "[") && strings.HasSuffix(domain, "]") {
		ip := domain[1 : len(domain)-1]
		if rest, ok := strings.CutPrefix(ip, "IPv6:"); ok {
			ip = rest
		}
		if _, err := netip.ParseAddr(ip); err != nil {
			return bad("invalid address literal after @")
		}
		return nil
	}
	if domain == "" || len(domain) > 253 {
		return bad("the domain must have 1 to 253 characters")
	}
	for _, label := range strings.Split(strings.TrimSuffix(domain, "."), ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return bad("invalid domain")
		}
		if strings.ContainsAny(label, "()<>[]:;@\\,\" \t_/") {
			return bad("invalid character in the domain")
		}
	}
	return nil
}

// parseIRI parses a URI or IRI reference the way net/url does, plus the IPv6 host check
// net/url leaves out.
func parseIRI(s string) (*url.URL, error) {
	if strings.Contains(s, `\`) {
		return nil, fmt.Errorf("invalid IRI %q: contains a backslash", s)
	}
	u, err := url.Parse(s)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("invalid IRI %q: %v", s, err)
	}
	if host := u.Hostname(); strings.Contains(host, ":") {
		if !strings.Contains(u.Host, "[") {
			return nil, fmt.Errorf("invalid IRI %q: IPv6 host not in brackets", s)
		}
		if a, err := netip.ParseAddr(host); err != nil || !a.Is6() {
			return nil, fmt.Errorf("invalid IRI %q: invalid IPv6 host", s)
		}
	}
	return u, nil
}

func checkIRIReference(s string) error {
	if ok, _ := plainIRI(s); ok {
		return nil
	}
	_, err := parseIRI(s)
	return err
}

func checkIRI(s string) error {
	if ok, abs := plainIRI(s); ok && abs {
		return nil
	}
	u, err := parseIRI(s)
	if err != nil {
		return err
	}
	if !u.IsAbs() {
		return fmt.Errorf("invalid IRI %q: relative, a scheme such as https: is required", s)
	}
	return nil
}

func checkURI(s string) error {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 || s[i] == ' ' {
			return fmt.Errorf("invalid URI %q: characters outside ASCII must be percent-encoded", s)
		}
	}
	return checkIRI(s)
}

// iriPlain marks the ASCII bytes that net/url accepts anywhere after the authority (path,
// query, fragment, opaque part) without looking at them: visible characters except '%' (which
// must start an escape), '\\' (refused by parseIRI) and '#' (which ends the part it is in).
var iriPlain = func() (t [256]bool) {
	for c := 0x21; c < 0x7f; c++ {
		t[c] = true
	}
	t['%'], t['\\'], t['#'] = false, false, false
	for c := 0x80; c < 0x100; c++ {
		t[c] = true // an IRI's characters; checkURI refuses them before it gets here
	}
	return
}()

// iriHost marks the bytes of a registered name that net/url's host check accepts.
var iriHost = func() (t [256]bool) {
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = true, true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	t['-'], t['.'], t['_'], t['~'] = true, true, true, true
	return
}()

// plainIRI recognises, without allocating, the common IRI references that parseIRI certainly
// accepts: scheme:opaque, scheme://host[:port]/path, or a path without a colon, each with an
// optional ?query and #fragment made of plain characters and well-formed %-escapes. ok false
// means "not known": parseIRI decides. abs reports whether there is a scheme. formats_test.go
// checks it against parseIRI on fuzzed strings.
func plainIRI(s string) (ok, abs bool) {
	i := 0
	for i < len(s) && (s[i] >= 'a' && s[i] <= 'z' || s[i] >= 'A' && s[i] <= 'Z' ||
		i > 0 && (s[i] >= '0' && s[i] <= '9' || s[i] == '+' || s[i] == '-' || s[i] == '.')) {
		i++
	}
	rest := s
	if i > 0 && i < len(s) && s[i] == ':' {
		abs, rest = true, s[i+1:]
		if len(rest) >= 2 && rest[0] == '/' && rest[1] == '/' {
			j := 2
			for j < len(rest) && iriHost[rest[j]] {
				j++
			}
			if j == 2 {
				return false, abs
			}
			if j < len(rest) && rest[j] == ':' {
				j++
				for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
					j++
				}
			}
			if j < len(rest) && rest[j] != '/' && rest[j] != '?' && rest[j] != '#' {
				return false, abs
			}
			rest = rest[j:]
		}
	} else if strings.HasPrefix(s, "//") {
		return false, false
	}
	colonOK := abs // without a scheme, a colon in the first segment is an error
	frag := false
	for j := 0; j < len(rest); j++ {
		c := rest[j]
		switch {
		case iriPlain[c]:
			if c == ':' && !colonOK {
				return false, abs
			}
			if c == '/' || c == '?' {
				colonOK = true
			}
		case c == '%':
			if j+2 >= len(rest) || !isHex(rest[j+1]) || !isHex(rest[j+2]) {
				return false, abs
			}
			j += 2
		case c == '#' && !frag:
			frag, colonOK = true, true
		default:
			return false, abs
		}
	}
	return true, abs
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}
