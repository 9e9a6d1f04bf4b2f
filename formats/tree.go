package formats

import (
	"encoding/json"
	"hash/maphash"
	"math"
	"math/bits"
	"strconv"
)

// A tree holds one parsed JSON value in flat slices that are reused from value to value, so
// validating a million components allocates about as much as validating one.
type tree struct {
	// base is the input offset of the value the tree holds; each node's off counts from it.
	base       int64
	nodes      []node
	bytes      []byte // string contents and number literals
	stack      []node // children of containers still open
	long       []longString
	numScratch []byte
}

type nodeKind uint8

const (
	kindNull nodeKind = iota
	kindFalse
	kindTrue
	kindNumber
	kindString
	kindArray
	kindObject
)

func (k nodeKind) String() string {
	switch k {
	case kindNull:
		return "null"
	case kindFalse, kindTrue:
		return "boolean"
	case kindNumber:
		return "number"
	case kindString:
		return "string"
	case kindArray:
		return "array"
	default:
		return "object"
	}
}

type node struct {
	kind nodeKind
	// off is where the value starts in the input, counted from tree.base: only failures read
	// it, to give a line and column. 32 bits sit in the padding after kind, so the node stays
	// as small as it was; a value starting 4 GiB or more into its tree keeps its tree's offset.
	off   uint32
	key   []byte // member name, for a member of an object
	str   []byte // string value, or a number's literal
	num   float64
	first int32 // children are nodes[first : first+n]
	n     int32
}

// longString stands in for a string value longer than maxKeptString: node.str holds only its
// first maxKeptString bytes, and the node's n is -1 with first indexing tree.long. Two long
// strings are equal when their prefixes, lengths, digests and check digests are (equal.go): a
// second lane with its own random seed, so that equality of strings past 1 MiB rests on 128
// bits, as every digest once did, rather than on the 64 bits of the digest alone.
type longString struct {
	hash  valueHash
	check uint64
	runes int
}

// truncated reports whether a string node kept only a prefix of its value.
func (n *node) truncated() bool { return n.kind == kindString && n.n < 0 }

// longOf is what stands in for the rest of a truncated string node, nil for any other node.
func (t *tree) longOf(n *node) *longString {
	if !n.truncated() {
		return nil
	}
	return &t.long[n.first]
}

// stringHash digests a string value as hashNode does: v, or long's digest when v is only the
// kept prefix of a long string.
func stringHash(v []byte, long *longString) valueHash {
	if long != nil {
		return long.hash
	}
	return strHash(v)
}

// reset empties the tree for a value that starts at input offset base.
func (t *tree) reset(base int64) {
	t.base = base
	t.long = t.long[:0]
	t.nodes = t.nodes[:0]
	t.bytes = t.bytes[:0]
	t.stack = t.stack[:0]
}

func (t *tree) addBytes(b []byte) []byte {
	start := len(t.bytes)
	t.bytes = append(t.bytes, b...)
	return t.bytes[start:len(t.bytes):len(t.bytes)]
}

// offset is where the value at i starts in the input.
func (t *tree) offset(i int32) int64 { return t.base + int64(t.nodes[i].off) }

// relOffset is the node offset of input offset abs.
func (t *tree) relOffset(abs int64) uint32 {
	if d := abs - t.base; d >= 0 && d <= math.MaxUint32 {
		return uint32(d)
	}
	return 0
}

// isInteger reports whether a number node has no fractional part (JSON Schema's "integer").
func (n *node) isInteger() bool {
	return n.kind == kindNumber && n.num == math.Trunc(n.num)
}

// valueHash is a 64-bit digest of a JSON value under JSON Schema equality: object member
// order does not matter and 1 equals 1.0. uniqueItems, enum and const compare digests first,
// and only a match is then compared value to value (equal.go): a false match costs a
// comparison, never a wrong verdict, so one maphash lane does. Its per-process random seed
// keeps an input from being crafted to make many false matches, each a second read. (The two
// lanes, 128 bits, that digests had when a match was trusted cost a CycloneDX document about
// a tenth more CPU.)
type valueHash uint64

var hashSeed = maphash.MakeSeed()

// Odd constants (from wyhash) that keep the value kinds apart.
const (
	lane0 = 0xa0761d6478bd642f
	kmul  = 0x8ebc6af09c88c6e3
)

func mix(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a^lane0, b^kmul)
	return hi ^ lo
}

func tag(kind nodeKind) uint64 { return mix(uint64(kind)+1, lane0) }

// The tags of the kinds digested most, computed once.
var (
	tagString = tag(kindString)
	tagNumber = tag(kindNumber)
	tagArray  = tag(kindArray)
	tagObject = tag(kindObject)
)

// strHash digests a string value kept whole.
func strHash(v []byte) valueHash { return valueHash(mix(maphash.Bytes(hashSeed, v), tagString)) }

func leafHash(kind nodeKind, num float64, str []byte) valueHash {
	switch kind {
	case kindNumber:
		if num == 0 {
			num = 0 // -0 equals 0
		}
		return valueHash(mix(math.Float64bits(num), tagNumber))
	case kindString:
		return strHash(str)
	}
	return valueHash(tag(kind))
}

// arrayHash folds element digests in order.
type arrayHash valueHash

func newArrayHash() arrayHash { return arrayHash(tagArray) }

func (a *arrayHash) add(p valueHash) { *a = arrayHash(mix(uint64(*a), uint64(p))) }

// objectHash sums member digests, so member order does not matter.
type objectHash valueHash

func (o *objectHash) add(key []byte, v valueHash) {
	o.addKey(keyHash(maphash.Bytes(hashSeed, key)), v)
}

// keyHash is a member name's part of an objectHash: a declared property's is computed once,
// when its schema is compiled (propEntry), rather than for every member the streamer digests.
type keyHash uint64

func nameHash(name string) keyHash { return keyHash(maphash.String(hashSeed, name)) }

func (o *objectHash) addKey(k keyHash, v valueHash) { *o += objectHash(mix(uint64(k), uint64(v))) }

func (o objectHash) sum() valueHash { return valueHash(mix(uint64(o), tagObject)) }

// hashNode digests the value at i.
func (t *tree) hashNode(i int32) valueHash {
	n := &t.nodes[i]
	switch n.kind {
	case kindArray:
		a := newArrayHash()
		for j := int32(0); j < n.n; j++ {
			a.add(t.hashNode(n.first + j))
		}
		return valueHash(a)
	case kindObject:
		var o objectHash
		for j := int32(0); j < n.n; j++ {
			c := n.first + j
			o.add(t.nodes[c].key, t.hashNode(c))
		}
		return o.sum()
	case kindTrue, kindFalse:
		return leafHash(n.kind, 0, nil)
	case kindString:
		return stringHash(n.str, t.longOf(n))
	default:
		return leafHash(n.kind, n.num, n.str)
	}
}

// hashAny digests a value decoded from a schema document (json.Number for numbers), equal to
// hashNode of the same JSON value.
func hashAny(v any) valueHash {
	switch v := v.(type) {
	case nil:
		return leafHash(kindNull, 0, nil)
	case bool:
		if v {
			return leafHash(kindTrue, 0, nil)
		}
		return leafHash(kindFalse, 0, nil)
	case json.Number:
		f, _ := strconv.ParseFloat(string(v), 64)
		return leafHash(kindNumber, f, nil)
	case float64:
		return leafHash(kindNumber, v, nil)
	case string:
		return valueHash(mix(maphash.String(hashSeed, v), tagString)) // strHash, with no copy
	case []any:
		a := newArrayHash()
		for _, e := range v {
			a.add(hashAny(e))
		}
		return valueHash(a)
	case map[string]any:
		var o objectHash
		for k, e := range v {
			o.add([]byte(k), hashAny(e))
		}
		return o.sum()
	}
	return 0
}
