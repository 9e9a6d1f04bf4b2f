package jobs

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/sbomcat/sbomcat"
)

// Store keeps jobs durably. sqlite.Store and dynamodb.Store are to implement it next to
// sbomcat.Store; jobstest.Run checks that they behave alike.
//
// A Store persists every field of Job, Resolved included, and returns it unchanged: times at
// millisecond precision at least (Service stamps them truncated to the millisecond).
type Store interface {
	// CreateJob stores a new job. AlreadyExists(j.ID) (ECONFLICT) if a job with that id
	// exists; the check and the insert are one atomic step.
	CreateJob(ctx context.Context, j *Job) error
	// GetJob returns the job. NotFound(id) (ENOTFOUND) if it does not exist.
	GetJob(ctx context.Context, id string) (*Job, error)
	// ListJobs returns the stored forms (EncodeJob's) of the jobs whose ids sort after after
	// ("" for the first page), in id order: limit of them, or limit+1 (the last one only says
	// that more follow), or fewer at the end. more reports that jobs follow those returned.
	ListJobs(ctx context.Context, after string, limit int) (bodies [][]byte, more bool, err error)
	// DeleteJob deletes the job. NotFound(id) (ENOTFOUND) if it does not exist.
	DeleteJob(ctx context.Context, id string) error
}

// listJobs names ListJobs' tokens, so that a token of another list is refused. A token
// carries the last job id of its page.
var listJobs = sbomcat.ListID("jobs")

// summaryPage is a ListJobs page from the stored bodies a Store's ListJobs returned: the
// summaries of the first limit, with a NextToken when more jobs follow them.
func summaryPage(bodies [][]byte, limit int, more bool) (sbomcat.Page[Summary], error) {
	var out sbomcat.Page[Summary]
	if len(bodies) > limit {
		bodies, more = bodies[:limit], true
	}
	for _, b := range bodies {
		j, err := DecodeJob(b)
		if err != nil {
			return out, err
		}
		out.Items = append(out.Items, j.Summary())
	}
	if more && len(out.Items) > 0 {
		var err error
		if out.NextToken, err = sbomcat.EncodePageToken(listJobs, out.Items[len(out.Items)-1].ID); err != nil {
			return out, err
		}
	}
	return out, nil
}

// Presigner signs S3 GET URLs for artifacts. s3presign.Presigner implements it with the AWS
// SDK; the S3 client it is built with decides the endpoint and the signing credentials.
type Presigner interface {
	// PresignGetObject returns a URL that GETs the object at loc (its Version when not "")
	// and is valid for expires.
	PresignGetObject(ctx context.Context, loc sbomcat.S3Location, expires time.Duration) (string, error)
}

// Service implements the job operations over a catalog and a job store.
type Service struct {
	Catalog   Catalog
	Store     Store
	Presigner Presigner
	// Scope is the partition, region and account destination ARNs must name.
	Scope sbomcat.Scope
	// Now returns the current time; time.Now when nil.
	Now func() time.Time
}

func (s *Service) now() time.Time {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	return now().UTC().Truncate(time.Millisecond)
}

// msgNoPresigner refuses artifact placeholders on a server that was given no S3 endpoint.
const msgNoPresigner = "This server is not configured with an S3 endpoint to presign artifact URLs, so the job document cannot use artifact presigned-URL placeholders."

// Create is CreateJob: it validates the request, resolves the document and the destinations
// against the catalog, and stores the job IN_PROGRESS / SNAPSHOT. Refusals are EINVALID
// (docs/behaviour.md, "Jobs"); AlreadyExists (ECONFLICT) for a duplicate id.
func (s *Service) Create(ctx context.Context, req CreateRequest) (*Job, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	res, err := newResolver(s.Catalog, s.Scope).resolve(ctx, &req)
	if err != nil {
		return nil, err
	}
	// Refused now rather than failing every GetJobDocument later: without a presigner the
	// document could never be served.
	if len(res.Artifacts) > 0 && s.Presigner == nil {
		return nil, sbomcat.Errorf(sbomcat.EINVALID, msgNoPresigner)
	}
	now := s.now()
	j := &Job{
		ID:                         req.JobID,
		Description:                req.Description,
		Document:                   req.Document,
		DestinationPackageVersions: req.DestinationPackageVersions,
		Targets:                    req.Targets,
		Status:                     StatusInProgress,
		TargetSelection:            TargetSelectionSnapshot,
		CreatedAt:                  now,
		LastUpdatedAt:              now,
		Resolved:                   res,
	}
	if c := req.PresignedURLConfig; c != nil {
		exp := int64(DefaultExpiresInSec)
		if c.ExpiresInSec != nil {
			exp = *c.ExpiresInSec
		}
		j.PresignedURLConfig = &PresignedURLConfig{RoleARN: c.RoleARN, ExpiresInSec: &exp}
	}
	if err := s.Store.CreateJob(ctx, j); err != nil {
		return nil, fmt.Errorf("create job %s: %w", j.ID, err)
	}
	return j, nil
}

// Describe is DescribeJob: the stored job, whose DestinationsView gives either view.
// NotFound (ENOTFOUND) for an unknown job.
func (s *Service) Describe(ctx context.Context, id string) (*Job, error) {
	if err := checkJobID(id); err != nil {
		return nil, err
	}
	j, err := s.Store.GetJob(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("get job %s: %w", id, err)
	}
	return j, nil
}

// Document is GetJobDocument: the document as submitted when beforeSubstitution is true;
// otherwise the resolved document with a freshly presigned URL for each artifact placeholder,
// valid for the job's presignedUrlConfig.expiresInSec. NotFound (ENOTFOUND) for an unknown job.
func (s *Service) Document(ctx context.Context, id string, beforeSubstitution bool) (string, error) {
	j, err := s.Describe(ctx, id)
	if err != nil {
		return "", err
	}
	if beforeSubstitution {
		return j.Document, nil
	}
	return j.Resolved.Render(ctx, s.Presigner, j.PresignedURLConfig.Expires())
}

// Render returns the resolved document with each artifact placeholder replaced by a URL from
// p valid for expires.
func (r Resolution) Render(ctx context.Context, p Presigner, expires time.Duration) (string, error) {
	if len(r.Artifacts) == 0 {
		return r.Document, nil
	}
	if p == nil {
		return "", fmt.Errorf("render job document: %d artifact placeholders and no presigner", len(r.Artifacts))
	}
	var b strings.Builder
	last := 0
	for _, a := range r.Artifacts {
		if a.Start < last || a.End > len(r.Document) || a.Start > a.End {
			return "", fmt.Errorf("render job document: artifact placeholder at %d:%d out of order or range", a.Start, a.End)
		}
		url, err := p.PresignGetObject(ctx, a.Location, expires)
		if err != nil {
			return "", fmt.Errorf("presign artifact of package %s version %s: %w", a.PackageName, a.VersionName, err)
		}
		b.WriteString(r.Document[last:a.Start])
		// The placeholder sat inside a JSON string, so the URL is escaped as string content.
		b.WriteString(jsonStringContent(url))
		last = a.End
	}
	b.WriteString(r.Document[last:])
	return b.String(), nil
}

// ListRequest is ListJobs' request. Zero values mean "not given".
type ListRequest struct {
	MaxResults      int
	NextToken       string
	Status          Status
	TargetSelection TargetSelection
}

// List is ListJobs, ordered by job id. Every job of this server is IN_PROGRESS and SNAPSHOT,
// so a filter on another status or target selection gives an empty list.
func (s *Service) List(ctx context.Context, req ListRequest) (sbomcat.Page[Summary], error) {
	if req.MaxResults < 0 || req.MaxResults > MaxListMaxResults {
		return sbomcat.Page[Summary]{}, sbomcat.Errorf(sbomcat.EINVALID, "maxResults is %d; a page holds 1 to %d jobs.", req.MaxResults, MaxListMaxResults)
	}
	if (req.Status != "" && req.Status != StatusInProgress) || (req.TargetSelection != "" && req.TargetSelection != TargetSelectionSnapshot) {
		return sbomcat.Page[Summary]{}, nil
	}
	limit := req.MaxResults
	if limit == 0 {
		limit = DefaultListMaxResults
	}
	var after string // the last job id of the page before
	if req.NextToken != "" {
		if err := sbomcat.DecodePageToken(req.NextToken, listJobs, &after); err != nil {
			return sbomcat.Page[Summary]{}, err
		}
	}
	bodies, more, err := s.Store.ListJobs(ctx, after, limit)
	if err != nil {
		return sbomcat.Page[Summary]{}, fmt.Errorf("list jobs: %w", err)
	}
	p, err := summaryPage(bodies, limit, more)
	if err != nil {
		return sbomcat.Page[Summary]{}, fmt.Errorf("list jobs: %w", err)
	}
	return p, nil
}

// Delete is DeleteJob. As on AWS, a job that is IN_PROGRESS (every job of this server) is
// deleted only with force; without it the refusal is EINVALIDSTATE. NotFound (ENOTFOUND) for
// an unknown job.
func (s *Service) Delete(ctx context.Context, id string, force bool) error {
	j, err := s.Describe(ctx, id)
	if err != nil {
		return err
	}
	if j.Status == StatusInProgress && !force {
		return sbomcat.Errorf(EINVALIDSTATE, "Job %s is %s; set force to true to delete a job that is not in a terminal state.", id, j.Status)
	}
	if err := s.Store.DeleteJob(ctx, id); err != nil {
		return fmt.Errorf("delete job %s: %w", id, err)
	}
	return nil
}
