package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go/encoding/httpbinding"
)

// The fast path of Verify. Signing a request again with the SDK's v4 signer (a rebuilt
// request, maps of headers, a sort, the signing key derived anew) cost the IoT API about a
// twentieth of sbomd's CPU per association. Most requests are the plain case: the
// Authorization header, no query string, signed header values without runs of spaces. For
// those, fastMatch builds the canonical request exactly as the SDK does (aws/signer/v4,
// httpSigner.Build: the same path escaping, header list and values), signs it with a signing
// key kept per secret, day, region and service, and compares. Every request it does not
// handle, and every signature that does not match there, goes to the SDK's signer, which
// decides: the fast path only ever accepts what the SDK would have accepted.
// TestFastMatchesSDK holds the two together.

// sdkIgnored are the headers the SDK's signer never signs (v4Internal.IgnoredHeaders): a
// request that lists one is left to the SDK.
var sdkIgnored = map[string]bool{"authorization": true, "user-agent": true, "x-amzn-trace-id": true, "expect": true, "transfer-encoding": true}

// fastMatch reports whether r carries a's signature in the plain case; false means "not
// matched here", never "forged".
func (a *Auth) fastMatch(signer *Signer, r *http.Request, creds aws.Credentials, payloadHash string) bool {
	if a.Presigned || r.URL.Opaque != "" || creds.SessionToken != "" || !plainQuery(r.URL.RawQuery) {
		return false
	}
	host := r.Host
	if host == "" || strings.IndexByte(host, ' ') >= 0 || defaultPort(r, host) {
		return false // the SDK would strip the space or the port
	}
	amzDate := a.SigningTime.UTC().AppendFormat(make([]byte, 0, len(DateFormat)), DateFormat)
	canon := make([]byte, 0, 512)
	canon = append(canon, r.Method...)
	canon = append(canon, '\n')
	uri := r.URL.EscapedPath()
	if uri == "" {
		uri = "/"
	}
	if signer.doubleEncode {
		uri = httpbinding.EscapePath(uri, false)
	}
	canon = append(canon, uri...)
	canon = append(canon, '\n')
	canon = append(canon, r.URL.RawQuery...) // plain: the canonical query string as it is
	canon = append(canon, '\n')
	// The SDK signs host, content-length when the length is above zero, x-amz-date always, and
	// each listed header the request has; its list must be a.SignedHeaders exactly, sorted and
	// without repeats, or it would not match.
	prev, sawHost, sawDate := "", false, false
	for name := range strings.SplitSeq(a.SignedHeaders, ";") {
		if name <= prev || name != strings.ToLower(name) || sdkIgnored[name] {
			return false
		}
		prev = name
		canon = append(canon, name...)
		canon = append(canon, ':')
		switch name {
		case "host":
			sawHost = true
			canon = append(canon, host...)
		case "x-amz-date":
			sawDate = true
			canon = append(canon, amzDate...)
		case "content-length":
			// As rebuild sets it for the SDK.
			var n int64
			if h := r.Header.Get("Content-Length"); h != "" {
				n, _ = strconv.ParseInt(h, 10, 64)
			}
			if n == 0 {
				n = r.ContentLength
			}
			if n <= 0 {
				return false
			}
			canon = strconv.AppendInt(canon, n, 10)
		default:
			vals := r.Header.Values(name)
			if len(vals) == 0 {
				return false
			}
			for i, v := range vals {
				if !plainValue(v) {
					return false
				}
				if i > 0 {
					canon = append(canon, ',')
				}
				canon = append(canon, v...)
			}
		}
		canon = append(canon, '\n')
	}
	if !sawHost || !sawDate {
		return false
	}
	canon = append(canon, '\n')
	canon = append(canon, a.SignedHeaders...)
	canon = append(canon, '\n')
	canon = append(canon, payloadHash...)

	day := amzDate[:8]
	sum := sha256.Sum256(canon)
	toSign := canon[:0] // canon is hashed: its buffer is free
	toSign = append(toSign, Algorithm+"\n"...)
	toSign = append(toSign, amzDate...)
	toSign = append(toSign, '\n')
	toSign = append(toSign, day...)
	toSign = append(toSign, '/')
	toSign = append(toSign, a.Region...)
	toSign = append(toSign, '/')
	toSign = append(toSign, a.Service...)
	toSign = append(toSign, "/aws4_request\n"...)
	toSign = hex.AppendEncode(toSign, sum[:])
	mac := signer.keys.key(creds.SecretAccessKey, string(day), a.Region, a.Service).sum(toSign)
	var want [2 * sha256.Size]byte
	hex.Encode(want[:], mac[:])
	return hmac.Equal(want[:], []byte(a.Signature))
}

// plainQuery reports whether the canonical query string the SDK builds from raw is raw itself:
// no query, or key=value pairs of unreserved characters only (which the SDK's encoding leaves
// as they are), in the SDK's order (by key, then value) without repeats. The IoT API's
// clientToken (a UUID) is one.
func plainQuery(raw string) bool {
	prevKey, prevVal := "", ""
	for i, pair := range strings.Split(raw, "&") {
		if raw == "" {
			return true
		}
		k, v, ok := strings.Cut(pair, "=")
		if !ok || k == "" || !unreserved(k) || !unreserved(v) {
			return false
		}
		if i > 0 && (k < prevKey || k == prevKey && v <= prevVal) {
			return false
		}
		prevKey, prevVal = k, v
	}
	return true
}

// unreserved reports whether s has only RFC 3986's unreserved characters, which
// url.QueryEscape leaves as they are.
func unreserved(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~') {
			return false
		}
	}
	return true
}

// plainValue reports whether the SDK signs v as it is: no space at either end, no two
// spaces in a row, nothing else that strings.TrimSpace would cut.
func plainValue(v string) bool {
	return v == strings.TrimSpace(v) && !strings.Contains(v, "  ")
}

// defaultPort reports whether host ends in the scheme's default port, which the SDK strips.
func defaultPort(r *http.Request, host string) bool {
	port := ""
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.Contains(host[i:], "]") {
		port = host[i+1:]
	}
	if r.TLS != nil {
		return port == "443"
	}
	return port == "80"
}

// keyCache keeps signing keys: deriving one is four HMACs, and a key serves every request of
// its secret, day, region and service.
type keyCache struct {
	mu   sync.Mutex
	keys map[string]*signingKey
}

// maxKeys bounds the cache; a new day's keys replace the old ones.
const maxKeys = 64

func (c *keyCache) key(secret, day, region, service string) *signingKey {
	id := secret + "\x00" + day + "\x00" + region + "\x00" + service
	c.mu.Lock()
	defer c.mu.Unlock()
	if k, ok := c.keys[id]; ok {
		return k
	}
	if c.keys == nil || len(c.keys) >= maxKeys {
		c.keys = map[string]*signingKey{}
	}
	k := hmacSHA256([]byte("AWS4"+secret), day)
	for _, part := range []string{region, service, "aws4_request"} {
		k = hmacSHA256(k, part)
	}
	sk := newSigningKey(k)
	c.keys[id] = sk
	return sk
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// signingKey is a signing key as HMAC-SHA256 (RFC 2104) uses it, its two padded blocks made
// once: a signature is then two SHA-256 sums and no allocation of hash state.
type signingKey struct {
	ipad, opad [sha256.BlockSize]byte
}

// newSigningKey pads k, which is 32 bytes (an HMAC-SHA256 sum), shorter than the block.
func newSigningKey(k []byte) *signingKey {
	var sk signingKey
	copy(sk.ipad[:], k)
	copy(sk.opad[:], k)
	for i := range sk.ipad {
		sk.ipad[i] ^= 0x36
		sk.opad[i] ^= 0x5c
	}
	return &sk
}

// sum is HMAC-SHA256 of msg under the key.
func (k *signingKey) sum(msg []byte) [sha256.Size]byte {
	inner := sha256.New()
	inner.Write(k.ipad[:])
	inner.Write(msg)
	var in [sha256.Size]byte
	inner.Sum(in[:0])
	var outer [sha256.BlockSize + sha256.Size]byte
	copy(outer[:], k.opad[:])
	copy(outer[sha256.BlockSize:], in[:])
	return sha256.Sum256(outer[:])
}
