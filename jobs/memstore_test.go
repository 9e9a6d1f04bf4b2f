package jobs_test

import (
	"context"
	"slices"
	"sync"
	"testing"

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

func (s *memStore) ListJobs(_ context.Context, after string, limit int) (bodies [][]byte, more bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	for id := range s.jobs {
		if id > after {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	if len(ids) > limit {
		ids, more = ids[:limit], true
	}
	for _, id := range ids {
		bodies = append(bodies, s.jobs[id])
	}
	return bodies, more, nil
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
