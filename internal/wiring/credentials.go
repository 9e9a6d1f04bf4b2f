package wiring

import (
	"errors"
	"strings"
)

// ParseCredentials reads the KEY:SECRET[,KEY:SECRET...] of sbomd's and s3server's
// --credentials, and returns the pairs with the first key id.
func ParseCredentials(s string) (map[string]string, string, error) {
	keys := map[string]string{}
	first := ""
	for _, pair := range strings.Split(s, ",") {
		k, secret, ok := strings.Cut(strings.TrimSpace(pair), ":")
		if !ok || k == "" || secret == "" {
			return nil, "", errors.New("credentials must be KEY:SECRET pairs separated by commas")
		}
		if first == "" {
			first = k
		}
		keys[k] = secret
	}
	return keys, first, nil
}
