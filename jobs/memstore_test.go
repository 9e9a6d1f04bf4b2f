package jobs_test

import (
	"context"
	"encoding/base64"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/jobs"
	"github.com/sbomcat/sbomcat/jobs/jobstest"
)

// memStore is a jobs.Store in memory, for these tests only: the durable stores live in
// sqlite/ and dynamodb/ and run the same conformance suite.
type memStore struct {
	mu   sync.Mutex
	jobs map[string][]byte
}

func newMemStore() *memStore { return &memStore{jobs: map[string][]byte{}} }

// Jobs are kept in their stored form (jobs.EncodeJob), as the durable stores keep them, so
// that a caller's later changes to a job never reach the stored copy and every service test
// exercises the encoding round trip.
func (s *memStore) CreateJob(_ context.Context, j *jobs.Job) error {
	b, err := jobs.EncodeJob(j)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.jobs[j.ID]; ok {
		return jobs.AlreadyExists(j.ID)
	}
	s.jobs[j.ID] = b
	return nil
}

func (s *memStore) GetJob(_ context.Context, id string) (*jobs.Job, error) {
	s.mu.Lock()
	b, ok := s.jobs[id]
	s.mu.Unlock()
	if !ok {
		return nil, jobs.NotFound(id)
	}
	return jobs.DecodeJob(b)
}

const memTokenPrefix = "mem:"

func (s *memStore) ListJobs(ctx context.Context, limit int, nextToken string) (sbomcat.Page[jobs.Summary], error) {
	after := ""
	if nextToken != "" {
		raw, err := base64.RawURLEncoding.DecodeString(nextToken)
		if err != nil || !strings.HasPrefix(string(raw), memTokenPrefix) {
			return sbomcat.Page[jobs.Summary]{}, sbomcat.Errorf(sbomcat.EINVALID, "The nextToken is not valid for ListJobs.")
		}
		after = strings.TrimPrefix(string(raw), memTokenPrefix)
	}
	s.mu.Lock()
	var ids []string
	for id := range s.jobs {
		if id > after {
			ids = append(ids, id)
		}
	}
	s.mu.Unlock()
	slices.Sort(ids)
	var p sbomcat.Page[jobs.Summary]
	for _, id := range ids {
		if len(p.Items) == limit {
			p.NextToken = base64.RawURLEncoding.EncodeToString([]byte(memTokenPrefix + p.Items[len(p.Items)-1].ID))
			break
		}
		j, err := s.GetJob(ctx, id)
		if sbomcat.ErrCode(err) == sbomcat.ENOTFOUND {
			continue // deleted meanwhile
		} else if err != nil {
			return sbomcat.Page[jobs.Summary]{}, err
		}
		p.Items = append(p.Items, j.Summary())
	}
	return p, nil
}

func (s *memStore) DeleteJob(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.jobs[id]; !ok {
		return jobs.NotFound(id)
	}
	delete(s.jobs, id)
	return nil
}

func TestMemStoreConformance(t *testing.T) {
	jobstest.Run(t, func(t *testing.T) jobs.Store { return newMemStore() })
}
