package s3local

import (
	"bufio"
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"strconv"
	"strings"

	"github.com/johannesboyne/gofakes3"
)

// chunkedReader decodes an aws-chunked body (Content-Encoding: aws-chunked), the framing SDKs
// use for streaming SigV4 (STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]) and for trailing
// checksums (STREAMING-UNSIGNED-PAYLOAD-TRAILER, what the Go SDK and the CLI send over TLS):
//
//	<hex size>[;chunk-signature=<sig>]\r\n<data>\r\n ... 0[;chunk-signature=<sig>]\r\n
//	[<trailer name>:<value>\r\n ...][x-amz-trailer-signature:<sig>\r\n]\r\n
//
// gofakes3 decodes only the first variant, and only when every chunk signature is exactly 64
// hex digits; any other variant would be stored with its framing as the object's bytes.
//
// Chunk and trailer signatures are not checked: authenticating the request (its seed
// signature) is the job of whatever mounts the handler. The declared trailing checksum IS
// checked, since it is what protects the bytes: the reader computes it while decoding and,
// at the end, returns BadDigest instead of io.EOF if it differs. It also enforces the
// declared decoded length.
type chunkedReader struct {
	br        *bufio.Reader
	remain    int64 // bytes left in the current chunk
	started   bool  // a chunk has been read, so a CRLF precedes the next header
	decoded   int64
	want      int64 // X-Amz-Decoded-Content-Length
	trailer   string
	trailerH  hash.Hash
	trailerOK bool
	err       error // sticky: io.EOF once done
}

// maxChunkLine bounds a chunk header or trailer line (they are short; this stops a client
// from making the reader buffer an unbounded line).
const maxChunkLine = 4096

// newChunkedReader decodes r, which must decode to exactly want bytes. trailerAlg names the
// checksum the x-amz-trailer header announced ("" for none).
func newChunkedReader(r io.Reader, want int64, trailerAlg string) *chunkedReader {
	c := &chunkedReader{br: bufio.NewReaderSize(r, 64<<10), want: want, trailer: trailerAlg}
	if trailerAlg != "" {
		c.trailerH = newChecksum(trailerAlg)
	}
	return c
}

func malformed(msg string) error {
	return gofakes3.ErrorMessage(gofakes3.ErrInvalidArgument, "malformed aws-chunked body: "+msg)
}

func (c *chunkedReader) line() (string, error) {
	l, err := c.br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) || len(l) > maxChunkLine {
		return "", malformed("line too long")
	}
	if err == io.EOF {
		return "", gofakes3.ErrIncompleteBody
	}
	if err != nil {
		return "", err
	}
	return strings.TrimRight(string(l), "\r\n"), nil
}

func (c *chunkedReader) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	for c.remain == 0 {
		if err := c.nextChunk(); err != nil {
			c.err = err
			return 0, err
		}
	}
	if int64(len(p)) > c.remain {
		p = p[:c.remain]
	}
	n, err := c.br.Read(p)
	c.remain -= int64(n)
	c.decoded += int64(n)
	if c.trailerH != nil {
		c.trailerH.Write(p[:n])
	}
	if c.decoded > c.want {
		c.err = gofakes3.ErrorMessage(gofakes3.ErrIncompleteBody, "aws-chunked body is longer than x-amz-decoded-content-length")
		return n, c.err
	}
	if err == io.EOF {
		c.err = gofakes3.ErrIncompleteBody
		return n, c.err
	}
	return n, err
}

// nextChunk consumes the CRLF after the previous chunk's data and the next chunk header; at
// the final chunk it reads and checks the trailers and returns io.EOF.
func (c *chunkedReader) nextChunk() error {
	if c.started {
		l, err := c.line()
		if err != nil {
			return err
		}
		if l != "" {
			return malformed("missing CRLF after chunk data")
		}
	}
	c.started = true
	l, err := c.line()
	if err != nil {
		return err
	}
	sizeHex, _, _ := strings.Cut(l, ";")
	size, err := strconv.ParseInt(strings.TrimSpace(sizeHex), 16, 64)
	if err != nil || size < 0 {
		return malformed("bad chunk size")
	}
	if size > 0 {
		c.remain = size
		return nil
	}
	// Final chunk: trailers until an empty line (a body may also simply end here).
	for {
		l, err := c.line()
		if errors.Is(err, gofakes3.ErrIncompleteBody) {
			break
		}
		if err != nil {
			return err
		}
		if l == "" {
			break
		}
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			return malformed("bad trailer line")
		}
		if c.trailer != "" && algFromHeader(name) == c.trailer {
			if strings.TrimSpace(value) != encodeSum(c.trailerH) {
				return gofakes3.ErrorMessagef(gofakes3.ErrBadDigest, "The %s you specified did not match the calculated checksum.", checksumHeader(c.trailer))
			}
			c.trailerOK = true
		}
	}
	if c.decoded != c.want {
		return gofakes3.ErrIncompleteBody
	}
	if c.trailer != "" && !c.trailerOK {
		return gofakes3.ErrorMessagef(gofakes3.ErrInvalidArgument, "x-amz-trailer announced %s but the body carried no such trailer", checksumHeader(c.trailer))
	}
	return io.EOF
}

// verifyReader hashes a body as it is read and, at EOF, returns BadDigest instead of io.EOF
// when the digest differs from the one the client declared.
type verifyReader struct {
	r    io.Reader
	h    hash.Hash
	want []byte
	what string
}

func (v *verifyReader) Read(p []byte) (int, error) {
	n, err := v.r.Read(p)
	v.h.Write(p[:n])
	if err == io.EOF && !bytes.Equal(v.h.Sum(nil), v.want) {
		return n, gofakes3.ErrorMessagef(gofakes3.ErrBadDigest, "The %s you specified did not match what we received.", v.what)
	}
	return n, err
}

func (v *verifyReader) Close() error {
	if c, ok := v.r.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// verifySHA256 checks a body against the hex x-amz-content-sha256 it was signed with.
func verifySHA256(r io.Reader, hexSum string) (io.ReadCloser, bool) {
	want, err := hex.DecodeString(hexSum)
	if err != nil || len(want) != sha256.Size {
		return nil, false
	}
	return &verifyReader{r: r, h: sha256.New(), want: want, what: "x-amz-content-sha256"}, true
}

// verifyChecksum checks a body against a base64 x-amz-checksum-<alg> or Content-MD5 value.
func verifyChecksum(r io.Reader, alg, b64 string) (io.ReadCloser, bool) {
	want, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, false
	}
	if alg == "MD5" {
		return &verifyReader{r: r, h: md5.New(), want: want, what: "Content-MD5"}, true
	}
	h := newChecksum(alg)
	if h == nil || len(want) != h.Size() {
		return nil, false
	}
	return &verifyReader{r: r, h: h, want: want, what: checksumHeader(alg)}, true
}

type chunkedBody struct {
	*chunkedReader
	io.Closer
}
