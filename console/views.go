package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sbomcat/sbomcat"
)

// pageSize is how many rows a view shows at once.
const pageSize = 100

// The data endpoints' answers. Statuses, results and error codes are the API's strings.

// fileResult is one per-file result as the page reads it; the member names are the API's
// (ListSbomValidationResults) where it has them.
type fileResult struct {
	FileName     string `json:"fileName"`
	Result       string `json:"validationResult,omitempty"`
	ErrorCode    string `json:"errorCode,omitempty"`
	ErrorMessage string `json:"errorMessage,omitempty"`
	Format       string `json:"format,omitempty"`
	SpecVersion  string `json:"specVersion,omitempty"`
	// Where the failure is, when it has a place.
	Pointer string `json:"pointer,omitempty"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
}

func resultsJSON(rs []sbomcat.FileResult) []fileResult {
	out := make([]fileResult, len(rs))
	for i, r := range rs {
		out[i] = fileResult{FileName: r.FileName, Result: string(r.Result), ErrorCode: string(r.ErrorCode),
			ErrorMessage: r.ErrorMessage, Format: string(r.Format), SpecVersion: r.SpecVersion}
		if p := r.Place; p != nil {
			out[i].Pointer, out[i].Line, out[i].Column = p.Pointer, p.Line, p.Column
		}
	}
	return out
}

type packageRow struct {
	Name           string    `json:"name"`
	Description    string    `json:"description"`
	DefaultVersion string    `json:"defaultVersion"`
	Versions       int       `json:"versions"`
	LastChange     time.Time `json:"lastChange"`
}

type versionRow struct {
	Name             string                   `json:"name"`
	Status           sbomcat.VersionStatus    `json:"status"`
	Description      string                   `json:"description"`
	SBOM             *location                `json:"sbom"`
	ValidationStatus sbomcat.ValidationStatus `json:"validationStatus"`
	Succeeded        int                      `json:"succeeded"`
	Failed           int                      `json:"failed"`
	UpdatedAt        time.Time                `json:"updatedAt"`
}

type location struct {
	Bucket  string `json:"bucket"`
	Key     string `json:"key"`
	Version string `json:"version"`
}

// paging says where a page stands in its list.
type paging struct {
	Page  int `json:"page"`
	Pages int `json:"pages"`
	Total int `json:"total"`
}

// window collects the items of one page of a list while the whole list is counted.
type window[T any] struct {
	first, n int // index of the page's first item; items seen so far
	items    []T
}

func newWindow[T any](page int) *window[T] { return &window[T]{first: (page - 1) * pageSize} }

func (w *window[T]) add(item T) {
	if w.n >= w.first && w.n < w.first+pageSize {
		w.items = append(w.items, item)
	}
	w.n++
}

func (w *window[T]) paging() paging {
	return paging{Page: w.first/pageSize + 1, Pages: max(1, (w.n+pageSize-1)/pageSize), Total: w.n}
}

// each calls fn with every item of a list, page after page. The views count whole lists
// (versions of a package, files of a version), which the quotas keep small: by default 100
// packages, 10,000 versions and 1,000 files per SBOM.
func each[T any](list func(sbomcat.PageRequest) (sbomcat.Page[T], error), fn func(T)) error {
	req := sbomcat.PageRequest{MaxResults: sbomcat.DefaultMaxResults}
	for {
		p, err := list(req)
		if err != nil {
			return err
		}
		for _, it := range p.Items {
			fn(it)
		}
		if p.NextToken == "" || p.NextToken == req.NextToken {
			return nil
		}
		req.NextToken = p.NextToken
	}
}

// rowWorkers bounds the catalog reads one view makes at once to fill its rows: enough to
// overlap the store's round trips (and use both cores of a small machine), few enough to leave
// connections to the API.
const rowWorkers = 4

// parallel calls fn(0) ... fn(n-1), rowWorkers at a time, and returns the first error.
func parallel(n int, fn func(i int) error) error {
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
		next  atomic.Int64
	)
	for range min(n, rowWorkers) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				if err := fn(i); err != nil {
					once.Do(func() { first = err })
					return
				}
			}
		})
	}
	wg.Wait()
	return first
}

// packages answers the packages view: ?q= keeps the packages whose name or description holds
// it (case-insensitively); ?page= picks a page of 100.
func (h *Handler) packages(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	page, ok := pageParam(w, r)
	if !ok {
		return
	}
	q := strings.ToLower(strings.TrimSpace(r.URL.Query().Get("q")))
	win := newWindow[sbomcat.Package](page)
	err := each(func(p sbomcat.PageRequest) (sbomcat.Page[sbomcat.Package], error) {
		return h.c.Catalog.ListPackages(ctx, p)
	},
		func(p sbomcat.Package) {
			if q == "" || strings.Contains(strings.ToLower(p.Name), q) || strings.Contains(strings.ToLower(p.Description), q) {
				win.add(p)
			}
		})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	rows := make([]packageRow, len(win.items))
	err = parallel(len(rows), func(i int) error {
		p := win.items[i]
		row := packageRow{Name: p.Name, Description: p.Description, DefaultVersion: p.DefaultVersion, LastChange: p.UpdatedAt}
		err := each(h.versionsOf(ctx, p.Name), func(v sbomcat.PackageVersion) {
			row.Versions++
			if v.UpdatedAt.After(row.LastChange) {
				row.LastChange = v.UpdatedAt
			}
		})
		rows[i] = row
		return goneIsEmpty(err) // deleted meanwhile: no versions
	})
	h.reply(w, r, struct {
		Packages []packageRow `json:"packages"`
		paging
	}{rows, win.paging()}, err)
}

func (h *Handler) versionsOf(ctx context.Context, pkg string) func(sbomcat.PageRequest) (sbomcat.Page[sbomcat.PackageVersion], error) {
	return func(p sbomcat.PageRequest) (sbomcat.Page[sbomcat.PackageVersion], error) {
		return h.c.Catalog.ListVersions(ctx, pkg, "", p)
	}
}

// pkg answers the package view: ?name= the package, ?page= a page of its versions, each with
// its counts of succeeded and failed files.
func (h *Handler) pkg(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	page, ok := pageParam(w, r)
	if !ok {
		return
	}
	p, err := h.c.Catalog.GetPackage(ctx, r.URL.Query().Get("name"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	win := newWindow[sbomcat.PackageVersion](page)
	if err = each(h.versionsOf(ctx, p.Name), win.add); err != nil {
		h.fail(w, r, err)
		return
	}
	rows := make([]versionRow, len(win.items))
	err = parallel(len(rows), func(i int) error {
		v := &win.items[i]
		rows[i] = rowOf(v)
		// IN_PROGRESS versions have no results yet; the others are counted file by file.
		if v.SBOMStatus != sbomcat.StatusSucceeded && v.SBOMStatus != sbomcat.StatusFailed {
			return nil
		}
		// deleted meanwhile: no results
		return goneIsEmpty(each(h.resultsOf(ctx, p.Name, v.VersionName), func(f sbomcat.FileResult) { rows[i].count(f) }))
	})
	h.reply(w, r, struct {
		Package  packageRow   `json:"package"`
		Versions []versionRow `json:"versions"`
		paging
	}{packageRow{Name: p.Name, Description: p.Description, DefaultVersion: p.DefaultVersion, Versions: win.n, LastChange: p.UpdatedAt}, rows, win.paging()}, err)
}

func (h *Handler) resultsOf(ctx context.Context, pkg, version string) func(sbomcat.PageRequest) (sbomcat.Page[sbomcat.FileResult], error) {
	return func(p sbomcat.PageRequest) (sbomcat.Page[sbomcat.FileResult], error) {
		return h.c.Catalog.ListValidationResults(ctx, pkg, version, "", p)
	}
}

func rowOf(v *sbomcat.PackageVersion) versionRow {
	row := versionRow{Name: v.VersionName, Status: v.Status, Description: v.Description, ValidationStatus: v.SBOMStatus, UpdatedAt: v.UpdatedAt}
	if v.SBOM != nil {
		row.SBOM = &location{Bucket: v.SBOM.Bucket, Key: v.SBOM.Key, Version: v.SBOM.Version}
	}
	return row
}

func (row *versionRow) count(f sbomcat.FileResult) {
	if f.Succeeded() {
		row.Succeeded++
	} else {
		row.Failed++
	}
}

// version answers the version view: ?package= and ?version= name it, ?result= keeps the files
// with that result (SUCCEEDED or FAILED), ?page= picks a page of 100 files. The counts are of
// all files, whatever the filter.
func (h *Handler) version(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	page, ok := pageParam(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	result := sbomcat.ValidationResult(q.Get("result"))
	if result != "" && result != sbomcat.ResultSucceeded && result != sbomcat.ResultFailed {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("result %q: use SUCCEEDED or FAILED, or leave it out for every file.", result))
		return
	}
	v, err := h.c.Catalog.GetVersion(ctx, q.Get("package"), q.Get("version"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	row := rowOf(v)
	win := newWindow[sbomcat.FileResult](page)
	err = each(h.resultsOf(ctx, v.PackageName, v.VersionName), func(f sbomcat.FileResult) {
		row.count(f)
		if result == "" || f.Result == result {
			win.add(f)
		}
	})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, struct {
		Package string       `json:"package"`
		Version versionRow   `json:"version"`
		Results []fileResult `json:"results"`
		paging
	}{v.PackageName, row, resultsJSON(win.items), win.paging()})
}

// pageParam reads ?page=, 1 when absent; it answers 400 itself when the value is no page number.
func pageParam(w http.ResponseWriter, r *http.Request) (int, bool) {
	s := r.URL.Query().Get("page")
	if s == "" {
		return 1, true
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 1<<20 {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("page %q: use a whole number from 1.", s))
		return 0, false
	}
	return n, true
}

// fail answers with err: the catalog's own message and status for what the caller asked
// wrongly, a generic 500 (and a log line) for anything else.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	switch sbomcat.ErrCode(err) {
	case sbomcat.ENOTFOUND:
		writeError(w, http.StatusNotFound, sbomcat.ErrMessage(err))
	case sbomcat.EINVALID:
		writeError(w, http.StatusBadRequest, sbomcat.ErrMessage(err))
	default:
		if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
			return // the browser went away; nobody reads an answer
		}
		h.log.Error("console request failed", "path", r.URL.Path, "error", err.Error())
		writeError(w, http.StatusInternalServerError, "The console could not read the catalog; sbomd's log says why.")
	}
}

// goneIsEmpty reads a listing of a package or version deleted while the view was being built
// as empty: the view shows what is left rather than failing.
func goneIsEmpty(err error) error {
	if sbomcat.ErrCode(err) == sbomcat.ENOTFOUND {
		return nil
	}
	return err
}

// reply answers with v, or with err's status and message when err is set.
func (h *Handler) reply(w http.ResponseWriter, r *http.Request, v any, err error) {
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, v)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(struct {
		Message string `json:"message"`
	}{msg})
}
