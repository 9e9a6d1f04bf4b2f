package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/sbomcat/sbomcat/jobs"
)

// The store keeps jobs next to the catalog, so one file serves both and sbomd needs nothing
// more to serve the job operations.
var _ jobs.Store = (*Store)(nil)

// CreateJob implements jobs.Store. ON CONFLICT DO NOTHING makes the existence check and the
// insert one statement, so of two concurrent creates of one id exactly one inserts, without
// matching the driver's constraint-violation error.
func (s *Store) CreateJob(ctx context.Context, j *jobs.Job) error {
	body, err := jobs.EncodeJob(j)
	if err != nil {
		return fmt.Errorf("sqlite: create job: %w", err)
	}
	res, err := s.exec(ctx, `INSERT INTO jobs (id, body) VALUES (?, ?) ON CONFLICT (id) DO NOTHING`, j.ID, string(body))
	if err != nil {
		return fmt.Errorf("sqlite: create job %s: %w", j.ID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlite: create job %s: %w", j.ID, err)
	}
	if n == 0 {
		return jobs.AlreadyExists(j.ID)
	}
	return nil
}

// GetJob implements jobs.Store.
func (s *Store) GetJob(ctx context.Context, id string) (*jobs.Job, error) {
	var body string
	err := s.q().QueryRowContext(ctx, `SELECT body FROM jobs WHERE id = ?`, id).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, jobs.NotFound(id)
	} else if err != nil {
		return nil, fmt.Errorf("sqlite: get job %s: %w", id, err)
	}
	j, err := jobs.DecodeJob([]byte(body))
	if err != nil {
		return nil, fmt.Errorf("sqlite: get job %s: %w", id, err)
	}
	return j, nil
}

// ListJobs implements jobs.Store: pages by id, reading one body more than limit when there
// are more.
func (s *Store) ListJobs(ctx context.Context, after string, limit int) (bodies [][]byte, more bool, err error) {
	rows, err := s.q().QueryContext(ctx, `SELECT body FROM jobs WHERE id > ? ORDER BY id LIMIT ?`, after, limit+1)
	if err != nil {
		return nil, false, fmt.Errorf("sqlite: list jobs: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var body []byte
		if err := rows.Scan(&body); err != nil {
			return nil, false, fmt.Errorf("sqlite: list jobs: %w", err)
		}
		bodies = append(bodies, body)
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("sqlite: list jobs: %w", err)
	}
	return bodies, false, nil
}

// DeleteJob implements jobs.Store.
func (s *Store) DeleteJob(ctx context.Context, id string) error {
	res, err := s.exec(ctx, `DELETE FROM jobs WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("sqlite: delete job %s: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlite: delete job %s: %w", id, err)
	}
	if n == 0 {
		return jobs.NotFound(id)
	}
	return nil
}
