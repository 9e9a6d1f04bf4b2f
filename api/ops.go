package api

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/sbomcat/sbomcat"
	c "github.com/sbomcat/sbomcat/api/constraint"
	"github.com/sbomcat/sbomcat/jobs"
)

// The operations: each checks its request (validate.go), calls one method of the catalog
// service or jobs.Service, and renders the result in the model's shapes (wire.go). The router
// decodes a JSON body (withBody) and reads a List operation's page request (withPage) first.

// Packages.

func (h *Handler) createPackage(r *request, in *createPackageInput) (any, error) {
	name, _, token := pathAndToken(r)
	p := sbomcat.Package{Name: name, Description: deref(in.Description), Tags: in.Tags}
	out, err := h.catalog.CreatePackage(r.ctx, p, token)
	if err != nil {
		return nil, err
	}
	return h.packageOutput(out), nil
}

func (h *Handler) packageOutput(p *sbomcat.Package) createPackageOutput {
	return createPackageOutput{PackageName: p.Name, PackageArn: h.cfg.Scope.PackageARN(p.Name), Description: p.Description}
}

func (h *Handler) getPackage(r *request) (any, error) {
	name, _ := names(r)
	p, err := h.catalog.GetPackage(r.ctx, name)
	if err != nil {
		return nil, err
	}
	return getPackageOutput{
		createPackageOutput: h.packageOutput(p),
		DefaultVersionName:  p.DefaultVersion, catalogDates: datesOf(p.CreatedAt, p.UpdatedAt),
	}, nil
}

func (h *Handler) updatePackage(r *request, in *updatePackageInput) (any, error) {
	name, _, token := pathAndToken(r)
	u := sbomcat.PackageUpdate{Description: in.Description, DefaultVersion: in.DefaultVersionName, UnsetDefaultVersion: deref(in.UnsetDefaultVersion)}
	if err := checkUpdatePackage(u); err != nil {
		return nil, err
	}
	_, err := h.catalog.UpdatePackage(r.ctx, name, u, token)
	return nil, err
}

func (h *Handler) deletePackage(r *request) (any, error) {
	name, _, token := pathAndToken(r)
	return nil, h.catalog.DeletePackage(r.ctx, name, token)
}

func (h *Handler) listPackages(r *request, page sbomcat.PageRequest) (any, error) {
	res, err := h.catalog.ListPackages(r.ctx, page)
	if err != nil {
		return nil, err
	}
	return listOf("packageSummaries", res, packageSummaryOf), nil
}

// Package versions.

func (h *Handler) createVersion(r *request, in *createVersionInput) (any, error) {
	pkg, ver, token := pathAndToken(r)
	artifact, err := artifactOf(in.Artifact)
	if err != nil {
		return nil, err
	}
	pv := sbomcat.PackageVersion{
		PackageName: pkg, VersionName: ver,
		Description: deref(in.Description), Attributes: in.Attributes, Artifact: artifact,
		Recipe: deref(in.Recipe), Tags: in.Tags,
	}
	out, err := h.catalog.CreateVersion(r.ctx, pv, token)
	if err != nil {
		return nil, err
	}
	return h.versionOutput(out), nil
}

func (h *Handler) versionOutput(pv *sbomcat.PackageVersion) createVersionOutput {
	return createVersionOutput{
		PackageVersionArn: h.cfg.Scope.VersionARN(pv.PackageName, pv.VersionName),
		PackageName:       pv.PackageName, VersionName: pv.VersionName, Description: pv.Description,
		Attributes: pv.Attributes, Status: string(pv.Status), ErrorReason: pv.ErrorReason,
	}
}

func (h *Handler) getVersion(r *request) (any, error) {
	pkg, ver := names(r)
	pv, err := h.catalog.GetVersion(r.ctx, pkg, ver)
	if err != nil {
		return nil, err
	}
	return getVersionOutput{
		createVersionOutput: h.versionOutput(pv),
		Artifact:            fromLocation(pv.Artifact), catalogDates: datesOf(pv.CreatedAt, pv.UpdatedAt),
		Sbom: fromLocation(pv.SBOM), SbomValidationStatus: string(pv.SBOMStatus), Recipe: pv.Recipe,
	}, nil
}

func (h *Handler) updateVersion(r *request, in *updateVersionInput) (any, error) {
	pkg, ver, token := pathAndToken(r)
	artifact, err := artifactOf(in.Artifact)
	if err != nil {
		return nil, err
	}
	u := sbomcat.VersionUpdate{Description: in.Description, Attributes: in.Attributes, Artifact: artifact,
		Action: sbomcat.VersionAction(deref(in.Action)), Recipe: in.Recipe}
	_, err = h.catalog.UpdateVersion(r.ctx, pkg, ver, u, token)
	return nil, err
}

func (h *Handler) deleteVersion(r *request) (any, error) {
	pkg, ver, token := pathAndToken(r)
	return nil, h.catalog.DeleteVersion(r.ctx, pkg, ver, token)
}

func (h *Handler) listVersions(r *request, page sbomcat.PageRequest) (any, error) {
	pkg, _ := names(r)
	res, err := h.catalog.ListVersions(r.ctx, pkg, sbomcat.VersionStatus(r.query.Get("status")), page)
	if err != nil {
		return nil, err
	}
	return listOf("packageVersionSummaries", res, versionSummaryOf), nil
}

// SBOM association and results.

func (h *Handler) associate(r *request, in *associateInput) (any, error) {
	pkg, ver, token := pathAndToken(r)
	// documentedChecks has refused a missing or incomplete SBOM before the model's checks;
	// then existence, then the in-flight limit (docs/behaviour.md, "SBOM association").
	pv, err := h.catalog.AssociateSBOM(r.ctx, pkg, ver, *toLocation(in.Sbom), token)
	if err != nil {
		return nil, err
	}
	return associateOutput{PackageName: pv.PackageName, VersionName: pv.VersionName, Sbom: fromLocation(pv.SBOM), SbomValidationStatus: string(pv.SBOMStatus)}, nil
}

func (h *Handler) disassociate(r *request) (any, error) {
	pkg, ver, token := pathAndToken(r)
	return nil, h.catalog.DisassociateSBOM(r.ctx, pkg, ver, token)
}

func (h *Handler) listResults(r *request, page sbomcat.PageRequest) (any, error) {
	pkg, ver := names(r)
	res, err := h.catalog.ListValidationResults(r.ctx, pkg, ver, sbomcat.ValidationResult(r.query.Get("validationResult")), page)
	if err != nil {
		return nil, err
	}
	return listOf("validationResultSummaries", res, resultSummaryOf), nil
}

// Package configuration.

func (h *Handler) getConfiguration(r *request) (any, error) {
	cfg, err := h.catalog.GetPackageConfiguration(r.ctx)
	if err != nil {
		return nil, err
	}
	out := packageConfigurationJSON{VersionUpdateByJobsConfig: &jobsConfig{Enabled: &cfg.VersionUpdateByJobsEnabled}}
	if cfg.VersionUpdateByJobsRoleARN != "" {
		out.VersionUpdateByJobsConfig.RoleArn = &cfg.VersionUpdateByJobsRoleARN
	}
	return out, nil
}

func (h *Handler) updateConfiguration(r *request, in *packageConfigurationJSON) (any, error) {
	// Members that are given replace the stored ones; absent members are left as they are.
	var u sbomcat.PackageConfigurationUpdate
	if jc := in.VersionUpdateByJobsConfig; jc != nil {
		u = sbomcat.PackageConfigurationUpdate{VersionUpdateByJobsEnabled: jc.Enabled, VersionUpdateByJobsRoleARN: jc.RoleArn}
	}
	_, err := h.catalog.UpdatePackageConfiguration(r.ctx, u, r.query.Get("clientToken"))
	return nil, err
}

// Tags.

func (h *Handler) tagResource(r *request, in *tagResourceInput) (any, error) {
	id, err := resourceOf(h.cfg.Scope, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	return nil, h.catalog.TagResource(r.ctx, id, tagsOf(in.Tags))
}

func (h *Handler) untagResource(r *request, in *untagResourceInput) (any, error) {
	id, err := resourceOf(h.cfg.Scope, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	return nil, h.catalog.UntagResource(r.ctx, id, in.TagKeys)
}

func (h *Handler) listTags(r *request) (any, error) {
	arn := r.query.Get("resourceArn")
	id, err := resourceOf(h.cfg.Scope, &arn)
	if err != nil {
		return nil, err
	}
	// A resource has at most 50 tags, so one page holds them all and no token is ever issued.
	if r.query.Get("nextToken") != "" {
		return nil, sbomcat.Errorf(sbomcat.EINVALID, "The nextToken is not valid for this request.")
	}
	tags, err := h.catalog.ListTags(r.ctx, id)
	if err != nil {
		return nil, err
	}
	return listOutput[tagJSON]{member: "tags", items: tagList(maps.Clone(tags))}, nil
}

// Jobs.

// boolQuery reads a boolean query parameter (beforeSubstitution, force); absent is false.
func boolQuery(r *request, name string, v *c.Violations) bool {
	if !r.query.Has(name) {
		return false
	}
	s := r.query.Get(name)
	switch strings.ToLower(s) {
	case "true":
		return true
	case "false":
		return false
	}
	v.Add(name, &s, "Member must be a boolean (true or false)")
	return false
}

// unsupportedQuery refuses query parameters of the model that this server does not implement,
// with the reason, rather than answering as if they had not been given.
func unsupportedQuery(r *request, v *c.Violations, reasons map[string]string) {
	for _, name := range slices.Sorted(maps.Keys(reasons)) {
		if r.query.Has(name) {
			v.Addf("%s is not supported by this server (%s)", name, reasons[name])
		}
	}
}

const (
	noExecutions = "it runs no job executions"
	noNamespaces = "it has no job namespaces"
)

// unsupportedCreateJobMembers refuses the CreateJob members this server does not implement.
// documentSource is refused by jobs.CreateRequest.Validate, next to the rules about document.
func unsupportedCreateJobMembers(in *createJobInput, v *c.Violations) {
	for _, m := range []struct {
		name, reason string
		raw          json.RawMessage
	}{
		{"abortConfig", noExecutions, in.AbortConfig},
		{"documentParameters", "it has no job templates", in.DocumentParameters},
		{"jobExecutionsRetryConfig", noExecutions, in.JobExecutionsRetryConfig},
		{"jobExecutionsRolloutConfig", noExecutions, in.JobExecutionsRolloutConfig},
		{"jobTemplateArn", "it has no job templates", in.JobTemplateArn},
		{"namespaceId", noNamespaces, in.NamespaceID},
		{"schedulingConfig", "its jobs start when they are created", in.SchedulingConfig},
		{"tags", "it does not tag jobs", in.Tags},
		{"timeoutConfig", noExecutions, in.TimeoutConfig},
	} {
		if len(m.raw) > 0 && string(m.raw) != "null" {
			v.Addf("%s is not supported by this server (%s)", m.name, m.reason)
		}
	}
}

func (h *Handler) createJob(r *request, in *createJobInput) (any, error) {
	var v c.Violations
	unsupportedCreateJobMembers(in, &v)
	if err := v.Err(); err != nil {
		return nil, err
	}
	req := jobs.CreateRequest{
		JobID: r.params["jobId"], Document: deref(in.Document), DocumentSource: deref(in.DocumentSource),
		DestinationPackageVersions: in.DestinationPackageVersions, Targets: in.Targets,
		Description: deref(in.Description), TargetSelection: jobs.TargetSelection(deref(in.TargetSelection)),
	}
	if c := in.PresignedURLConfig; c != nil {
		req.PresignedURLConfig = &jobs.PresignedURLConfig{RoleARN: deref(c.RoleArn), ExpiresInSec: c.ExpiresInSec}
	}
	j, err := h.jobs.Create(r.ctx, req)
	if err != nil {
		return nil, err
	}
	return createJobOutput{JobArn: jobs.ARN(h.cfg.Scope, j.ID), JobID: j.ID, Description: j.Description}, nil
}

// beforeSubstitution reads DescribeJob's and GetJobDocument's beforeSubstitution.
func beforeSubstitution(r *request) (bool, error) {
	var v c.Violations
	before := boolQuery(r, "beforeSubstitution", &v)
	return before, v.Err()
}

func (h *Handler) describeJob(r *request) (any, error) {
	before, err := beforeSubstitution(r)
	if err != nil {
		return nil, err
	}
	j, err := h.jobs.Describe(r.ctx, r.params["jobId"])
	if err != nil {
		return nil, err
	}
	out := jobJSON{
		JobArn: jobs.ARN(h.cfg.Scope, j.ID), JobID: j.ID, TargetSelection: string(j.TargetSelection), Status: string(j.Status),
		Targets: j.Targets, Description: j.Description, jobDates: jobDates{CreatedAt: epoch(j.CreatedAt), LastUpdatedAt: epoch(j.LastUpdatedAt)},
		JobProcessDetails:          jobProcessDetails{ProcessingTargets: []string{}},
		DestinationPackageVersions: j.DestinationsView(before),
	}
	if c := j.PresignedURLConfig; c != nil {
		out.PresignedURLConfig = &presignedURLConfigJSON{ExpiresInSec: c.ExpiresInSec}
		if c.RoleARN != "" {
			out.PresignedURLConfig.RoleArn = &c.RoleARN
		}
	}
	return describeJobOutput{Job: out}, nil
}

func (h *Handler) getJobDocument(r *request) (any, error) {
	before, err := beforeSubstitution(r)
	if err != nil {
		return nil, err
	}
	doc, err := h.jobs.Document(r.ctx, r.params["jobId"], before)
	if err != nil {
		return nil, err
	}
	return getJobDocumentOutput{Document: doc}, nil
}

// jobsPage reads ListJobs' maxResults and nextToken; their upper bound is jobs.Service's.
func jobsPage(r *request, v *c.Violations, req *jobs.ListRequest) {
	if r.query.Has("maxResults") {
		s := r.query.Get("maxResults")
		n, err := strconv.Atoi(s)
		switch {
		case err != nil:
			v.Add("maxResults", &s, "Member must be an integer")
		case n < 1:
			// The service reads 0 as "not given"; on the wire it was given.
			v.Add("maxResults", &s, "Member must have value greater than or equal to 1")
		default:
			req.MaxResults = n
		}
	}
	if r.query.Has("nextToken") {
		if req.NextToken = r.query.Get("nextToken"); req.NextToken == "" {
			v.Add("nextToken", &req.NextToken, "Member must not be empty")
		}
	}
}

func (h *Handler) listJobs(r *request) (any, error) {
	var v c.Violations
	unsupportedQuery(r, &v, map[string]string{
		"namespaceId": noNamespaces, "thingGroupId": "it has no thing groups", "thingGroupName": "it has no thing groups",
	})
	req := jobs.ListRequest{Status: jobs.Status(r.query.Get("status")), TargetSelection: jobs.TargetSelection(r.query.Get("targetSelection"))}
	jobsPage(r, &v, &req)
	// An empty filter is a filter on nothing, which the enum refuses.
	if r.query.Has("status") && req.Status == "" {
		v.Add("status", new(string), "Member must satisfy enum value set: [IN_PROGRESS, CANCELED, COMPLETED, DELETION_IN_PROGRESS, SCHEDULED]")
	}
	if r.query.Has("targetSelection") && req.TargetSelection == "" {
		v.Add("targetSelection", new(string), "Member must satisfy enum value set: [CONTINUOUS, SNAPSHOT]")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	page, err := h.jobs.List(r.ctx, req)
	if err != nil {
		return nil, err
	}
	return listOf("jobs", page, func(s jobs.Summary) jobSummary {
		return jobSummary{
			JobArn: jobs.ARN(h.cfg.Scope, s.ID), JobID: s.ID, Status: string(s.Status), TargetSelection: string(s.TargetSelection),
			jobDates: jobDates{CreatedAt: epoch(s.CreatedAt), LastUpdatedAt: epoch(s.LastUpdatedAt)},
		}
	}), nil
}

func (h *Handler) deleteJob(r *request) (any, error) {
	var v c.Violations
	unsupportedQuery(r, &v, map[string]string{"namespaceId": noNamespaces})
	force := boolQuery(r, "force", &v)
	if err := v.Err(); err != nil {
		return nil, err
	}
	return nil, h.jobs.Delete(r.ctx, r.params["jobId"], force)
}

// withBody adapts an operation whose input has a JSON body: handle gets it decoded, as a
// documented check decoded it already (request.decoded), or from the body that Handler.call
// parsed for the model's checks (request.parsed), else from the bytes.
func withBody[In any](handle func(*Handler, *request, *In) (any, error)) func(*Handler, *request) (any, error) {
	return func(h *Handler, r *request) (any, error) {
		if in, ok := r.decoded.(*In); ok {
			return handle(h, r, in)
		}
		var in In
		var err error
		if r.parsed != nil {
			err = decodeParsed(r.parsed, &in)
		} else {
			err = decode(r.body, &in)
		}
		if err != nil {
			return nil, err
		}
		return handle(h, r, &in)
	}
}

// withPage adapts a List operation of the catalog: handle gets the page asked for.
func withPage(handle func(*Handler, *request, sbomcat.PageRequest) (any, error)) func(*Handler, *request) (any, error) {
	return func(h *Handler, r *request) (any, error) {
		page, err := pageRequest(r)
		if err != nil {
			return nil, err
		}
		return handle(h, r, page)
	}
}
