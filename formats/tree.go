package formats

import (
	"encoding/binary"
	"encoding/json"
	"hash/maphash"
	"math"
	"sort"
	"strconv"
)

// A tree holds one parsed JSON value in flat slices that are reused from value to value, so
// validating a million components allocates about as much as validating one.
type tree struct {
	nodes      []node
	bytes      []byte // string contents and number literals
	stack      []node // children of containers still open
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
	kind  nodeKind
	key   []byte // member name, for a member of an object
	str   []byte // string value, or a number's literal
	num   float64
	first int32 // children are nodes[first : first+n]
	n     int32
}

func (t *tree) reset() {
	t.nodes = t.nodes[:0]
	t.bytes = t.bytes[:0]
	t.stack = t.stack[:0]
}

func (t *tree) addBytes(b []byte) []byte {
	start := len(t.bytes)
	t.bytes = append(t.bytes, b...)
	return t.bytes[start:len(t.bytes):len(t.bytes)]
}

func (t *tree) children(i int32) []node {
	n := &t.nodes[i]
	return t.nodes[n.first : n.first+n.n]
}

// isInteger reports whether a number node has no fractional part (JSON Schema's "integer").
func (n *node) isInteger() bool {
	return n.kind == kindNumber && n.num == math.Trunc(n.num)
}

// valueHash is a 128-bit digest of a JSON value under JSON Schema equality: object member
// order does not matter and 1 equals 1.0. uniqueItems, enum and const compare digests; at 128
// bits a false match is not a practical concern.
type valueHash [2]uint64

var hashSeeds = [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}

type hasher struct{ h [2]maphash.Hash }

func (h *hasher) init() {
	h.h[0].SetSeed(hashSeeds[0])
	h.h[1].SetSeed(hashSeeds[1])
}

func (h *hasher) write(b []byte) { h.h[0].Write(b); h.h[1].Write(b) }

func (h *hasher) writeByte(c byte) { h.h[0].WriteByte(c); h.h[1].WriteByte(c) }

func (h *hasher) writeU64(v uint64) {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], v)
	h.write(b[:])
}

func (h *hasher) sum() valueHash { return valueHash{h.h[0].Sum64(), h.h[1].Sum64()} }

func leafHash(kind nodeKind, num float64, str []byte) valueHash {
	var h hasher
	h.init()
	h.writeByte(byte(kind))
	switch kind {
	case kindNumber:
		if num == 0 {
			num = 0 // -0 equals 0
		}
		h.writeU64(math.Float64bits(num))
	case kindString:
		h.write(str)
	}
	return h.sum()
}

func combine(kind nodeKind, parts []valueHash) valueHash {
	var h hasher
	h.init()
	h.writeByte(byte(kind))
	for _, p := range parts {
		h.writeU64(p[0])
		h.writeU64(p[1])
	}
	return h.sum()
}

func memberHash(key []byte, v valueHash) valueHash {
	var h hasher
	h.init()
	h.write(key)
	h.writeByte(0)
	h.writeU64(v[0])
	h.writeU64(v[1])
	return h.sum()
}

// hashNode digests the value at i.
func (t *tree) hashNode(i int32) valueHash {
	n := &t.nodes[i]
	switch n.kind {
	case kindArray:
		parts := make([]valueHash, n.n)
		for j := int32(0); j < n.n; j++ {
			parts[j] = t.hashNode(n.first + j)
		}
		return combine(kindArray, parts)
	case kindObject:
		var acc valueHash // order-independent: sum of member digests
		for j := int32(0); j < n.n; j++ {
			c := n.first + j
			m := memberHash(t.nodes[c].key, t.hashNode(c))
			acc[0] += m[0]
			acc[1] += m[1]
		}
		return combine(kindObject, []valueHash{acc})
	case kindTrue, kindFalse:
		return leafHash(kindTrue, 0, []byte{byte(n.kind)})
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
		k := kindFalse
		if v {
			k = kindTrue
		}
		return leafHash(kindTrue, 0, []byte{byte(k)})
	case json.Number:
		f, _ := strconv.ParseFloat(string(v), 64)
		return leafHash(kindNumber, f, nil)
	case float64:
		return leafHash(kindNumber, v, nil)
	case string:
		return leafHash(kindString, 0, []byte(v))
	case []any:
		parts := make([]valueHash, len(v))
		for i, e := range v {
			parts[i] = hashAny(e)
		}
		return combine(kindArray, parts)
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var acc valueHash
		for _, k := range keys {
			m := memberHash([]byte(k), hashAny(v[k]))
			acc[0] += m[0]
			acc[1] += m[1]
		}
		return combine(kindObject, []valueHash{acc})
	}
	return valueHash{}
}
