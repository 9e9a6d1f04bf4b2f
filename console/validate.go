package console

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"strings"

	"github.com/sbomcat/sbomcat"
)

// spoolAbove is the upload size above which an upload is kept in a temporary file rather than
// in memory while it is validated.
const spoolAbove = 1 << 20

// maxNameLen bounds an upload's file name (an S3 key's length, the longest name a result can
// carry in the service).
const maxNameLen = 1024 // S3 object keys are at most 1,024 bytes

// validate judges one uploaded file, the request's body, named by ?name=, as sbomctl validate
// judges a file: the same validator, limits and profile. Nothing is stored. The object limit
// is checked against Content-Length before a byte is read, and the body is never read past
// it; every other limit is the validator's, enforced while it reads.
//
// The answer is 200 with the results (a verdict on the file is not an HTTP error, whatever it
// says), or 4xx when the request itself is wrong.
func (h *Handler) validate(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		writeError(w, http.StatusMethodNotAllowed, "Send the file to validate with POST, as the request body.")
		return
	}
	name := r.URL.Query().Get("name")
	// A browser sends the file's base name; anything with a path is cut to its last segment,
	// as sbomctl names a file by its base name.
	name = path.Base(strings.ReplaceAll(name, "\\", "/"))
	if name == "" || name == "." || name == "/" || len(name) > maxNameLen {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("name: give the file's name (1 to %d bytes) as ?name=.", maxNameLen))
		return
	}
	if r.ContentLength < 0 {
		writeError(w, http.StatusLengthRequired, "The upload has no Content-Length: send the file as the request body with its length.")
		return
	}
	if res, over := h.c.Validator.CheckSize(name, r.ContentLength); over {
		writeResults(w, name, []sbomcat.FileResult{res})
		return
	}
	select {
	case h.slots <- struct{}{}:
		defer func() { <-h.slots }()
	case <-r.Context().Done():
		return
	}
	obj, cleanup, err := h.receive(r, r.ContentLength)
	var spoolErr *spoolError
	switch {
	case errors.As(err, &spoolErr):
		h.log.Error("console upload could not be kept", "name", name, "error", err.Error())
		writeError(w, http.StatusServiceUnavailable, "The console has no room to keep the upload of "+name+" while it is validated; sbomd's log says why.")
		return
	case err != nil:
		h.log.Warn("console upload not received", "name", name, "error", err.Error())
		writeError(w, http.StatusBadRequest, "The upload of "+name+" did not arrive whole: "+err.Error()+". Try again.")
		return
	}
	defer cleanup()
	results, err := h.c.Validator.ValidateObject(r.Context(), name, obj, r.ContentLength)
	if err != nil {
		if r.Context().Err() != nil {
			return // the browser went away
		}
		// The upload is already whole in memory or on disk: a read error here is the spool's.
		h.log.Error("console validation could not read the upload", "name", name, "error", err.Error())
		writeError(w, http.StatusInternalServerError, "The console could not read back the upload of "+name+"; sbomd's log says why.")
		return
	}
	writeResults(w, name, results)
}

// spoolError is the server's failure to keep an upload, as opposed to the client's failure
// to send it.
type spoolError struct{ err error }

func (e *spoolError) Error() string { return "spooling the upload: " + e.err.Error() }
func (e *spoolError) Unwrap() error { return e.err }

// receive reads the body, exactly size bytes, into memory or a temporary file.
func (h *Handler) receive(r *http.Request, size int64) (io.ReaderAt, func(), error) {
	body := io.LimitReader(r.Body, size)
	if size <= spoolAbove {
		b := make([]byte, size)
		if n, err := io.ReadFull(body, b); err != nil {
			return nil, nil, fmt.Errorf("%d of %d bytes arrived: %w", n, size, err)
		}
		return bytes.NewReader(b), func() {}, nil
	}
	f, err := os.CreateTemp(h.c.SpoolDir, "sbomcat-console-*")
	if err != nil {
		return nil, nil, &spoolError{err}
	}
	cleanup := func() { f.Close(); os.Remove(f.Name()) }
	// Copy reads the body and writes the file: tell a failed write (the server's) from a
	// failed read (the client's).
	n, err := io.Copy(writerOnly{f}, body)
	if err == nil && n < size {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		cleanup()
		var pe *os.PathError
		if errors.As(err, &pe) {
			return nil, nil, &spoolError{err}
		}
		return nil, nil, fmt.Errorf("%d of %d bytes arrived: %w", n, size, err)
	}
	return f, cleanup, nil
}

// writerOnly hides *os.File's ReadFrom, so that io.Copy's errors come from Read or Write alone.
type writerOnly struct{ io.Writer }

func writeResults(w http.ResponseWriter, name string, results []sbomcat.FileResult) {
	writeJSON(w, struct {
		FileName string       `json:"fileName"`
		Results  []fileResult `json:"results"`
	}{name, resultsJSON(results)})
}
