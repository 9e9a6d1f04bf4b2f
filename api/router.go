package api

import (
	"net/http"
	"net/url"
	"strings"
)

// operation is one AWS operation: its HTTP binding, error dialect and implementation.
type operation struct {
	name   string
	method string
	path   string // with {label} segments, as in the model
	errors dialect
	handle func(h *Handler, r *request) (any, error)
}

// operations lists every operation served, with the HTTP bindings of the AWS IoT model.
var operations = []*operation{
	{"ListPackages", http.MethodGet, "/packages", catalogErrors, withPage((*Handler).listPackages)},
	{"CreatePackage", http.MethodPut, "/packages/{packageName}", catalogErrors, withBody((*Handler).createPackage)},
	{"GetPackage", http.MethodGet, "/packages/{packageName}", catalogErrors, (*Handler).getPackage},
	{"UpdatePackage", http.MethodPatch, "/packages/{packageName}", catalogErrors, withBody((*Handler).updatePackage)},
	{"DeletePackage", http.MethodDelete, "/packages/{packageName}", catalogErrors, (*Handler).deletePackage},
	{"ListPackageVersions", http.MethodGet, "/packages/{packageName}/versions", catalogErrors, withPage((*Handler).listVersions)},
	{"CreatePackageVersion", http.MethodPut, "/packages/{packageName}/versions/{versionName}", catalogErrors, withBody((*Handler).createVersion)},
	{"GetPackageVersion", http.MethodGet, "/packages/{packageName}/versions/{versionName}", catalogErrors, (*Handler).getVersion},
	{"UpdatePackageVersion", http.MethodPatch, "/packages/{packageName}/versions/{versionName}", catalogErrors, withBody((*Handler).updateVersion)},
	{"DeletePackageVersion", http.MethodDelete, "/packages/{packageName}/versions/{versionName}", catalogErrors, (*Handler).deleteVersion},
	{"AssociateSbomWithPackageVersion", http.MethodPut, "/packages/{packageName}/versions/{versionName}/sbom", catalogErrors, withBody((*Handler).associate)},
	{"DisassociateSbomFromPackageVersion", http.MethodDelete, "/packages/{packageName}/versions/{versionName}/sbom", catalogErrors, (*Handler).disassociate},
	{"ListSbomValidationResults", http.MethodGet, "/packages/{packageName}/versions/{versionName}/sbom-validation-results", catalogErrors, withPage((*Handler).listResults)},
	{"GetPackageConfiguration", http.MethodGet, "/package-configuration", catalogErrors, (*Handler).getConfiguration},
	{"UpdatePackageConfiguration", http.MethodPatch, "/package-configuration", catalogErrors, withBody((*Handler).updateConfiguration)},
	{"TagResource", http.MethodPost, "/tags", taggingErrors, withBody((*Handler).tagResource)},
	{"UntagResource", http.MethodPost, "/untag", taggingErrors, withBody((*Handler).untagResource)},
	{"ListTagsForResource", http.MethodGet, "/tags", taggingErrors, (*Handler).listTags},
}

// jobOperations are the job operations of the subset that deploys package versions
// (docs/behaviour.md, "Jobs"), served when Config.Jobs is set. Their model lists the older
// error names, as the tagging operations' does.
var jobOperations = []*operation{
	{"CreateJob", http.MethodPut, "/jobs/{jobId}", jobErrors, withBody((*Handler).createJob)},
	{"DescribeJob", http.MethodGet, "/jobs/{jobId}", jobErrors, (*Handler).describeJob},
	{"DeleteJob", http.MethodDelete, "/jobs/{jobId}", jobErrors, (*Handler).deleteJob},
	{"GetJobDocument", http.MethodGet, "/jobs/{jobId}/job-document", jobErrors, (*Handler).getJobDocument},
	{"ListJobs", http.MethodGet, "/jobs", jobErrors, (*Handler).listJobs},
}

// route finds the operation of ops for r and its path labels. Matching works on the escaped path,
// segment by segment, so an escaped "/" inside a name never splits it; labels are unescaped.
// It has no side effects, so it may run before authentication to pick the error dialect.
func route(ops []*operation, r *http.Request) (*operation, map[string]string, error) {
	segs := strings.Split(strings.TrimPrefix(r.URL.EscapedPath(), "/"), "/")
	pathMatched := false
	for _, op := range ops {
		params, ok := match(op.path, segs)
		if !ok {
			continue
		}
		pathMatched = true
		if op.method == r.Method {
			return op, params, nil
		}
	}
	msg := "No operation matches " + r.Method + " " + r.URL.EscapedPath() + "."
	if pathMatched {
		msg = "The path " + r.URL.EscapedPath() + " does not support method " + r.Method + "."
	}
	return nil, nil, &wireError{awsError: awsError{Name: "UnknownOperationException", Status: http.StatusNotFound}, Message: msg}
}

func match(pattern string, segs []string) (map[string]string, bool) {
	pat := strings.Split(strings.TrimPrefix(pattern, "/"), "/")
	if len(pat) != len(segs) {
		return nil, false
	}
	params := map[string]string{}
	for i, p := range pat {
		if label, ok := strings.CutPrefix(p, "{"); ok {
			// An empty label still selects the operation, whose model check then refuses it
			// (docs/behaviour.md, "Errors").
			v, err := url.PathUnescape(segs[i])
			if err != nil {
				return nil, false
			}
			params[strings.TrimSuffix(label, "}")] = v
		} else if p != segs[i] {
			return nil, false
		}
	}
	return params, true
}
