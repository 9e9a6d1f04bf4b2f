package api

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/jobs"
)

// Shared request checks.

// pageRequest reads maxResults (1–100) and nextToken.
func pageRequest(r *request) (sbomcat.PageRequest, error) {
	var p sbomcat.PageRequest
	var v sbomcat.Violations
	if r.query.Has("maxResults") {
		s := r.query.Get("maxResults")
		n, err := strconv.Atoi(s)
		switch {
		case err != nil:
			v.Add("maxResults", &s, "Member must be an integer")
		case n < 1:
			v.Add("maxResults", &s, "Member must have value greater than or equal to 1")
		case n > sbomcat.DefaultMaxResults:
			v.Add("maxResults", &s, fmt.Sprintf("Member must have value less than or equal to %d", sbomcat.DefaultMaxResults))
		}
		p.MaxResults = n
	}
	if r.query.Has("nextToken") {
		p.NextToken = r.query.Get("nextToken")
		if p.NextToken == "" {
			v.Add("nextToken", &p.NextToken, "Member must not be empty")
		}
	}
	return p, v.Err()
}

// names checks the path labels an operation has.
func names(r *request, v *sbomcat.Violations) (pkg, ver string) {
	pkg, ver = r.params["packageName"], r.params["versionName"]
	v.PackageName("packageName", pkg)
	if _, ok := r.params["versionName"]; ok {
		v.VersionName("versionName", ver)
	}
	return pkg, ver
}

func clientToken(r *request, v *sbomcat.Violations) string {
	t := r.query.Get("clientToken")
	if r.query.Has("clientToken") && t == "" {
		v.Add("clientToken", &t, fmt.Sprintf("Member must have length greater than or equal to %d", sbomcat.MinClientTokenLen))
	}
	v.ClientToken("clientToken", t)
	return t
}

// idempotent runs do once per clientToken (decisions item 13): a retry with the same token and
// the same parameters gets the first response, the same token with other parameters is a
// ConflictException. params is everything that identifies the request besides the token.
func (h *Handler) idempotent(r *request, token string, params any, do func() (any, error)) (any, error) {
	if token == "" {
		return do()
	}
	material, err := json.Marshal(struct {
		Path   map[string]string
		Params any
	}{r.params, params})
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(material)
	fp := hex.EncodeToString(sum[:])
	store := h.cfg.Store

	replay := func() (any, bool, error) {
		rec, err := store.GetIdempotency(r.ctx, r.op.name, token)
		if sbomcat.ErrCode(err) == sbomcat.ENOTFOUND {
			return nil, false, nil
		} else if err != nil {
			return nil, false, err
		}
		if h.cfg.Now().Sub(rec.CreatedAt) > h.cfg.IdempotencyTTL {
			return nil, false, nil
		}
		if rec.Fingerprint != fp {
			return nil, false, sbomcat.Errorf(sbomcat.ECONFLICT, "The clientToken %s was already used for a %s request with different parameters.", token, r.op.name)
		}
		if len(rec.Response) == 0 {
			return nil, true, nil
		}
		return json.RawMessage(rec.Response), true, nil
	}
	if out, ok, err := replay(); ok || err != nil {
		return out, err
	}
	out, err := do()
	if sbomcat.ErrCode(err) == sbomcat.ECONFLICT {
		// A concurrent retry with the same token may have won the race: answer as it did.
		if prev, ok, rerr := replay(); ok && rerr == nil {
			return prev, nil
		}
	}
	if err != nil {
		return nil, err
	}
	var resp []byte
	if out != nil {
		if resp, err = json.Marshal(out); err != nil {
			return nil, err
		}
	}
	rec := sbomcat.IdempotencyRecord{Operation: r.op.name, Token: token, Fingerprint: fp, Response: resp, CreatedAt: h.cfg.Now()}
	if err := store.PutIdempotency(r.ctx, rec); err != nil {
		// The change is made; failing the request now would invite a retry that cannot be
		// recognised anyway.
		h.log.Warn("idempotency record not stored", "op", r.op.name, "error", err.Error())
	}
	return out, nil
}

// Packages.

func (h *Handler) createPackage(r *request) (any, error) {
	var in createPackageInput
	if err := decode(r.body, &in); err != nil {
		return nil, err
	}
	var v sbomcat.Violations
	token := clientToken(r, &v)
	if err := v.Err(); err != nil {
		return nil, err
	}
	p := &sbomcat.Package{Name: r.params["packageName"], Description: deref(in.Description), Tags: in.Tags}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return h.idempotent(r, token, in, func() (any, error) {
		if err := h.cfg.Store.CreatePackage(r.ctx, p, h.cfg.MaxPackages); err != nil {
			return nil, err
		}
		return createPackageOutput{PackageName: p.Name, PackageArn: h.cfg.Scope.PackageARN(p.Name), Description: p.Description}, nil
	})
}

func (h *Handler) getPackage(r *request) (any, error) {
	var v sbomcat.Violations
	name, _ := names(r, &v)
	if err := v.Err(); err != nil {
		return nil, err
	}
	p, err := h.cfg.Store.GetPackage(r.ctx, name)
	if err != nil {
		return nil, err
	}
	return getPackageOutput{
		PackageName: p.Name, PackageArn: h.cfg.Scope.PackageARN(p.Name), Description: p.Description,
		DefaultVersionName: p.DefaultVersion, CreationDate: epoch(p.CreatedAt), LastModifiedDate: epoch(p.UpdatedAt),
	}, nil
}

func (h *Handler) updatePackage(r *request) (any, error) {
	var in updatePackageInput
	if err := decode(r.body, &in); err != nil {
		return nil, err
	}
	var v sbomcat.Violations
	name, _ := names(r, &v)
	token := clientToken(r, &v)
	if err := v.Err(); err != nil {
		return nil, err
	}
	u := sbomcat.PackageUpdate{Description: in.Description, DefaultVersion: in.DefaultVersionName, UnsetDefaultVersion: deref(in.UnsetDefaultVersion)}
	if err := u.Validate(); err != nil {
		return nil, err
	}
	return h.idempotent(r, token, in, func() (any, error) {
		_, err := h.cfg.Store.UpdatePackage(r.ctx, name, u)
		return nil, err
	})
}

func (h *Handler) deletePackage(r *request) (any, error) {
	var v sbomcat.Violations
	name, _ := names(r, &v)
	token := clientToken(r, &v)
	if err := v.Err(); err != nil {
		return nil, err
	}
	return h.idempotent(r, token, nil, func() (any, error) {
		return nil, h.cfg.Store.DeletePackage(r.ctx, name)
	})
}

func (h *Handler) listPackages(r *request) (any, error) {
	page, err := pageRequest(r)
	if err != nil {
		return nil, err
	}
	res, err := h.cfg.Store.ListPackages(r.ctx, page)
	if err != nil {
		return nil, err
	}
	out := listPackagesOutput{PackageSummaries: []packageSummary{}, NextToken: res.NextToken}
	for _, p := range res.Items {
		out.PackageSummaries = append(out.PackageSummaries, packageSummary{
			PackageName: p.Name, DefaultVersionName: p.DefaultVersion,
			CreationDate: epoch(p.CreatedAt), LastModifiedDate: epoch(p.UpdatedAt),
		})
	}
	return out, nil
}

// Package versions.

// artifactOf returns the artifact location of a request, refusing an artifact without one.
func artifactOf(w *locationWrapper, v *sbomcat.Violations) *sbomcat.S3Location {
	if w == nil {
		return nil
	}
	if w.S3Location == nil {
		v.Required("artifact.s3Location")
		return nil
	}
	return toLocation(w)
}

func (h *Handler) createVersion(r *request) (any, error) {
	var in createVersionInput
	if err := decode(r.body, &in); err != nil {
		return nil, err
	}
	var v sbomcat.Violations
	token := clientToken(r, &v)
	artifact := artifactOf(in.Artifact, &v)
	if err := v.Err(); err != nil {
		return nil, err
	}
	pv := &sbomcat.PackageVersion{
		PackageName: r.params["packageName"], VersionName: r.params["versionName"],
		Description: deref(in.Description), Attributes: in.Attributes, Artifact: artifact,
		Recipe: deref(in.Recipe), Tags: in.Tags,
	}
	if err := pv.Validate(); err != nil {
		return nil, err
	}
	return h.idempotent(r, token, in, func() (any, error) {
		if err := h.cfg.Store.CreateVersion(r.ctx, pv, h.cfg.MaxVersions); err != nil {
			return nil, err
		}
		return createVersionOutput{
			PackageVersionArn: h.cfg.Scope.VersionARN(pv.PackageName, pv.VersionName),
			PackageName:       pv.PackageName, VersionName: pv.VersionName, Description: pv.Description,
			Attributes: pv.Attributes, Status: string(pv.Status), ErrorReason: pv.ErrorReason,
		}, nil
	})
}

func (h *Handler) getVersion(r *request) (any, error) {
	var v sbomcat.Violations
	pkg, ver := names(r, &v)
	if err := v.Err(); err != nil {
		return nil, err
	}
	pv, err := h.cfg.Store.GetVersion(r.ctx, pkg, ver)
	if err != nil {
		return nil, err
	}
	return getVersionOutput{
		PackageVersionArn: h.cfg.Scope.VersionARN(pv.PackageName, pv.VersionName),
		PackageName:       pv.PackageName, VersionName: pv.VersionName, Description: pv.Description,
		Attributes: pv.Attributes, Artifact: fromLocation(pv.Artifact), Status: string(pv.Status),
		ErrorReason: pv.ErrorReason, CreationDate: epoch(pv.CreatedAt), LastModifiedDate: epoch(pv.UpdatedAt),
		Sbom: fromLocation(pv.SBOM), SbomValidationStatus: string(pv.SBOMStatus), Recipe: pv.Recipe,
	}, nil
}

func (h *Handler) updateVersion(r *request) (any, error) {
	var in updateVersionInput
	if err := decode(r.body, &in); err != nil {
		return nil, err
	}
	var v sbomcat.Violations
	pkg, ver := names(r, &v)
	token := clientToken(r, &v)
	artifact := artifactOf(in.Artifact, &v)
	if in.Action != nil {
		v.Enum("action", *in.Action, string(sbomcat.ActionPublish), string(sbomcat.ActionDeprecate))
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	u := sbomcat.VersionUpdate{Description: in.Description, Attributes: in.Attributes, Artifact: artifact,
		Action: sbomcat.VersionAction(deref(in.Action)), Recipe: in.Recipe}
	if err := u.Validate(); err != nil {
		return nil, err
	}
	return h.idempotent(r, token, in, func() (any, error) {
		_, err := h.cfg.Store.UpdateVersion(r.ctx, pkg, ver, u)
		return nil, err
	})
}

func (h *Handler) deleteVersion(r *request) (any, error) {
	var v sbomcat.Violations
	pkg, ver := names(r, &v)
	token := clientToken(r, &v)
	if err := v.Err(); err != nil {
		return nil, err
	}
	return h.idempotent(r, token, nil, func() (any, error) {
		return nil, h.cfg.Store.DeleteVersion(r.ctx, pkg, ver)
	})
}

func statuses() []string {
	out := make([]string, len(sbomcat.VersionStatuses))
	for i, s := range sbomcat.VersionStatuses {
		out[i] = string(s)
	}
	return out
}

func (h *Handler) listVersions(r *request) (any, error) {
	var v sbomcat.Violations
	pkg, _ := names(r, &v)
	status := r.query.Get("status")
	if r.query.Has("status") {
		v.Enum("status", status, statuses()...)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	page, err := pageRequest(r)
	if err != nil {
		return nil, err
	}
	res, err := h.cfg.Store.ListVersions(r.ctx, pkg, sbomcat.VersionStatus(status), page)
	if err != nil {
		return nil, err
	}
	out := listVersionsOutput{PackageVersionSummaries: []versionSummary{}, NextToken: res.NextToken}
	for _, pv := range res.Items {
		out.PackageVersionSummaries = append(out.PackageVersionSummaries, versionSummary{
			PackageName: pv.PackageName, VersionName: pv.VersionName, Status: string(pv.Status),
			CreationDate: epoch(pv.CreatedAt), LastModifiedDate: epoch(pv.UpdatedAt),
		})
	}
	return out, nil
}

// SBOM association and results.

func (h *Handler) associate(r *request) (any, error) {
	var in associateInput
	if err := decode(r.body, &in); err != nil {
		return nil, err
	}
	var v sbomcat.Violations
	pkg, ver := names(r, &v)
	token := clientToken(r, &v)
	if err := v.Err(); err != nil {
		return nil, err
	}
	sbom := toLocation(in.Sbom)
	if err := sbomcat.ValidateSBOM(sbom); err != nil {
		return nil, err
	}
	return h.idempotent(r, token, in, func() (any, error) {
		// Decisions item 11: shape, then existence, then the in-flight limit (one store call).
		a := sbomcat.Association{ID: sbomcat.NewID(), PackageName: pkg, VersionName: ver, SBOM: *sbom, CreatedAt: h.cfg.Now()}
		pv, err := h.cfg.Store.Associate(r.ctx, a, h.cfg.MaxInFlightValidations)
		if err != nil {
			return nil, err
		}
		if h.cfg.Queue != nil {
			if err := h.cfg.Queue.Enqueue(r.ctx, a); err != nil {
				h.abandon(r, a, err)
				return nil, fmt.Errorf("enqueue association %s: %w", a.ID, err)
			}
		}
		return associateOutput{PackageName: pkg, VersionName: ver, Sbom: fromLocation(pv.SBOM), SbomValidationStatus: string(pv.SBOMStatus)}, nil
	})
}

// abandon ends an association that could not be queued as FAILED, so that no association
// stays IN_PROGRESS forever (decisions item 9).
func (h *Handler) abandon(r *request, a sbomcat.Association, cause error) {
	res := sbomcat.FileResult{FileName: path.Base(a.SBOM.Key), Result: sbomcat.ResultFailed,
		ErrorMessage: "Validation could not be started: the validation queue refused the request. Associate the SBOM again to retry."}
	err := h.cfg.Store.RecordValidation(r.ctx, sbomcat.Validation{AssociationID: a.ID, PackageName: a.PackageName, VersionName: a.VersionName, Results: []sbomcat.FileResult{res}})
	h.log.Error("association not queued", "association_id", a.ID, "error", cause.Error(), "recorded_failure", err == nil)
}

func (h *Handler) disassociate(r *request) (any, error) {
	var v sbomcat.Violations
	pkg, ver := names(r, &v)
	token := clientToken(r, &v)
	if err := v.Err(); err != nil {
		return nil, err
	}
	return h.idempotent(r, token, nil, func() (any, error) {
		return nil, h.cfg.Store.Disassociate(r.ctx, pkg, ver)
	})
}

func (h *Handler) listResults(r *request) (any, error) {
	var v sbomcat.Violations
	pkg, ver := names(r, &v)
	result := r.query.Get("validationResult")
	if r.query.Has("validationResult") {
		v.Enum("validationResult", result, string(sbomcat.ResultFailed), string(sbomcat.ResultSucceeded))
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	page, err := pageRequest(r)
	if err != nil {
		return nil, err
	}
	res, err := h.cfg.Store.ListValidationResults(r.ctx, pkg, ver, sbomcat.ValidationResult(result), page)
	if err != nil {
		return nil, err
	}
	out := listResultsOutput{ValidationResultSummaries: []resultSummary{}, NextToken: res.NextToken}
	for _, fr := range res.Items {
		out.ValidationResultSummaries = append(out.ValidationResultSummaries, resultSummary{
			FileName: fr.FileName, ValidationResult: string(fr.Result), ErrorCode: string(fr.ErrorCode), ErrorMessage: fr.ErrorMessage,
		})
	}
	return out, nil
}

// Package configuration.

func (h *Handler) getConfiguration(r *request) (any, error) {
	c, err := h.cfg.Store.GetPackageConfiguration(r.ctx)
	if err != nil {
		return nil, err
	}
	out := packageConfigurationJSON{VersionUpdateByJobsConfig: &jobsConfig{Enabled: &c.VersionUpdateByJobsEnabled}}
	if c.VersionUpdateByJobsRoleARN != "" {
		out.VersionUpdateByJobsConfig.RoleArn = &c.VersionUpdateByJobsRoleARN
	}
	return out, nil
}

func (h *Handler) updateConfiguration(r *request) (any, error) {
	var in packageConfigurationJSON
	if err := decode(r.body, &in); err != nil {
		return nil, err
	}
	var v sbomcat.Violations
	token := clientToken(r, &v)
	if err := v.Err(); err != nil {
		return nil, err
	}
	if in.VersionUpdateByJobsConfig != nil && in.VersionUpdateByJobsConfig.RoleArn != nil {
		if err := (sbomcat.PackageConfiguration{VersionUpdateByJobsRoleARN: *in.VersionUpdateByJobsConfig.RoleArn}).Validate(); err != nil {
			return nil, err
		}
	}
	return h.idempotent(r, token, in, func() (any, error) {
		c, err := h.cfg.Store.GetPackageConfiguration(r.ctx)
		if err != nil {
			return nil, err
		}
		// Members that are given replace the stored ones; absent members are left as they are.
		if jc := in.VersionUpdateByJobsConfig; jc != nil {
			if jc.Enabled != nil {
				c.VersionUpdateByJobsEnabled = *jc.Enabled
			}
			if jc.RoleArn != nil {
				c.VersionUpdateByJobsRoleARN = *jc.RoleArn
			}
		}
		return nil, h.cfg.Store.PutPackageConfiguration(r.ctx, c)
	})
}

// Tags.

func (h *Handler) resource(arn *string) (sbomcat.ResourceID, error) {
	if arn == nil || *arn == "" {
		var v sbomcat.Violations
		v.Required("resourceArn")
		return sbomcat.ResourceID{}, v.Err()
	}
	return h.cfg.Scope.ParseARN(*arn)
}

func (h *Handler) tagResource(r *request) (any, error) {
	var in tagResourceInput
	if err := decode(r.body, &in); err != nil {
		return nil, err
	}
	id, err := h.resource(in.ResourceArn)
	if err != nil {
		return nil, err
	}
	var v sbomcat.Violations
	if in.Tags == nil {
		v.Required("tags")
	}
	tags := map[string]string{}
	for i, t := range in.Tags {
		if t.Key == nil {
			v.Required(fmt.Sprintf("tags.%d.member.Key", i+1))
			continue
		}
		tags[*t.Key] = deref(t.Value)
	}
	v.Tags("tags", tags)
	if err := v.Err(); err != nil {
		return nil, err
	}
	return nil, h.cfg.Store.TagResource(r.ctx, id, tags)
}

func (h *Handler) untagResource(r *request) (any, error) {
	var in untagResourceInput
	if err := decode(r.body, &in); err != nil {
		return nil, err
	}
	id, err := h.resource(in.ResourceArn)
	if err != nil {
		return nil, err
	}
	var v sbomcat.Violations
	if in.TagKeys == nil {
		v.Required("tagKeys")
	}
	for i, k := range in.TagKeys {
		v.Length(fmt.Sprintf("tagKeys.%d.member", i+1), k, 1, sbomcat.MaxTagKeyLen, false)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return nil, h.cfg.Store.UntagResource(r.ctx, id, in.TagKeys)
}

func (h *Handler) listTags(r *request) (any, error) {
	arn := r.query.Get("resourceArn")
	id, err := h.resource(&arn)
	if err != nil {
		return nil, err
	}
	// A resource has at most 50 tags, so one page holds them all and no token is ever issued.
	if r.query.Get("nextToken") != "" {
		return nil, sbomcat.Errorf(sbomcat.EINVALID, "The nextToken is not valid for this request.")
	}
	tags, err := h.cfg.Store.ListTags(r.ctx, id)
	if err != nil {
		return nil, err
	}
	return listTagsOutput{Tags: tagList(maps.Clone(tags))}, nil
}

// Jobs.

// boolQuery reads a boolean query parameter (beforeSubstitution, force); absent is false.
func boolQuery(r *request, name string, v *sbomcat.Violations) bool {
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
func unsupportedQuery(r *request, v *sbomcat.Violations, reasons map[string]string) {
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
func unsupportedCreateJobMembers(in *createJobInput, v *sbomcat.Violations) {
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

func (h *Handler) createJob(r *request) (any, error) {
	var in createJobInput
	if err := decode(r.body, &in); err != nil {
		return nil, err
	}
	var v sbomcat.Violations
	unsupportedCreateJobMembers(&in, &v)
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

func (h *Handler) describeJob(r *request) (any, error) {
	var v sbomcat.Violations
	before := boolQuery(r, "beforeSubstitution", &v)
	if err := v.Err(); err != nil {
		return nil, err
	}
	j, err := h.jobs.Describe(r.ctx, r.params["jobId"])
	if err != nil {
		return nil, err
	}
	out := jobJSON{
		JobArn: jobs.ARN(h.cfg.Scope, j.ID), JobID: j.ID, TargetSelection: string(j.TargetSelection), Status: string(j.Status),
		Targets: j.Targets, Description: j.Description, CreatedAt: epoch(j.CreatedAt), LastUpdatedAt: epoch(j.LastUpdatedAt),
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
	var v sbomcat.Violations
	before := boolQuery(r, "beforeSubstitution", &v)
	if err := v.Err(); err != nil {
		return nil, err
	}
	doc, err := h.jobs.Document(r.ctx, r.params["jobId"], before)
	if err != nil {
		return nil, err
	}
	return getJobDocumentOutput{Document: doc}, nil
}

func (h *Handler) listJobs(r *request) (any, error) {
	var v sbomcat.Violations
	unsupportedQuery(r, &v, map[string]string{
		"namespaceId": noNamespaces, "thingGroupId": "it has no thing groups", "thingGroupName": "it has no thing groups",
	})
	req := jobs.ListRequest{Status: jobs.Status(r.query.Get("status")), TargetSelection: jobs.TargetSelection(r.query.Get("targetSelection"))}
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
	out := listJobsOutput{Jobs: []jobSummary{}, NextToken: page.NextToken}
	for _, s := range page.Items {
		out.Jobs = append(out.Jobs, jobSummary{
			JobArn: jobs.ARN(h.cfg.Scope, s.ID), JobID: s.ID, Status: string(s.Status), TargetSelection: string(s.TargetSelection),
			CreatedAt: epoch(s.CreatedAt), LastUpdatedAt: epoch(s.LastUpdatedAt),
		})
	}
	return out, nil
}

func (h *Handler) deleteJob(r *request) (any, error) {
	var v sbomcat.Violations
	unsupportedQuery(r, &v, map[string]string{"namespaceId": noNamespaces})
	force := boolQuery(r, "force", &v)
	if err := v.Err(); err != nil {
		return nil, err
	}
	return nil, h.jobs.Delete(r.ctx, r.params["jobId"], force)
}
