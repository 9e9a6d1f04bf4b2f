package s3local

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"net/http"
	"strings"
)

// S3's flexible checksum algorithms, as named in x-amz-sdk-checksum-algorithm.
const (
	algCRC32     = "CRC32"
	algCRC32C    = "CRC32C"
	algCRC64NVME = "CRC64NVME"
	algSHA1      = "SHA1"
	algSHA256    = "SHA256"
)

var checksumAlgorithms = []string{algCRC32, algCRC32C, algCRC64NVME, algSHA1, algSHA256}

// crc64NVMEPoly is the NVMe CRC-64 polynomial in the bit-reversed form crc64.MakeTable wants
// (the same constant the AWS SDKs use).
const crc64NVMEPoly = 0x9a6c9329ac4bc9b5

var (
	castagnoli = crc32.MakeTable(crc32.Castagnoli)
	nvme       = crc64.MakeTable(crc64NVMEPoly)
)

// newChecksum returns the hash for alg (upper case), or nil when alg is unknown or empty.
func newChecksum(alg string) hash.Hash {
	switch alg {
	case algCRC32:
		return crc32.NewIEEE()
	case algCRC32C:
		return crc32.New(castagnoli)
	case algCRC64NVME:
		return crc64.New(nvme)
	case algSHA1:
		return sha1.New()
	case algSHA256:
		return sha256.New()
	}
	return nil
}

// checksumHeader is the canonical header carrying alg's value: X-Amz-Checksum-Crc32, ...
func checksumHeader(alg string) string {
	return http.CanonicalHeaderKey("x-amz-checksum-" + strings.ToLower(alg))
}

// algFromHeader maps "x-amz-checksum-crc32" (any case) to "CRC32"; "" if it names none.
func algFromHeader(name string) string {
	name = strings.ToLower(strings.TrimSpace(name))
	for _, alg := range checksumAlgorithms {
		if name == "x-amz-checksum-"+strings.ToLower(alg) {
			return alg
		}
	}
	return ""
}

func encodeSum(h hash.Hash) string { return base64.StdEncoding.EncodeToString(h.Sum(nil)) }

// checksumRequest says which checksum to compute for a body and, when the client sent the
// value up front, which value to expect. The metadata map is what gofakes3 hands a backend:
// every X-Amz-* request header under its canonical name.
func checksumRequest(meta map[string]string) (alg, want string) {
	for _, a := range checksumAlgorithms {
		if v := meta[checksumHeader(a)]; v != "" {
			return a, v
		}
	}
	// Trailing checksum (aws-chunked): the value came after the body and Handler's decoder
	// has already compared it; the backend recomputes it to store.
	if a := algFromHeader(meta["X-Amz-Trailer"]); a != "" {
		return a, ""
	}
	for _, h := range []string{"X-Amz-Sdk-Checksum-Algorithm", "X-Amz-Checksum-Algorithm"} {
		if a := strings.ToUpper(meta[h]); newChecksum(a) != nil {
			return a, ""
		}
	}
	return "", ""
}
