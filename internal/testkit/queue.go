package testkit

import (
	"context"
	"errors"
	"sync"

	"github.com/sbomcat/sbomcat"
)

// Queue records the associations enqueued on it, in order, for tests of what enqueues them
// (the catalog service, the API); SetFail makes Enqueue refuse, as an unavailable queue does.
type Queue struct {
	mu    sync.Mutex
	items []sbomcat.Association
	fail  bool
}

func (q *Queue) Enqueue(ctx context.Context, a sbomcat.Association) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.fail {
		return errors.New("queue unavailable")
	}
	q.items = append(q.items, a)
	return nil
}

// SetFail makes every later Enqueue fail (true) or succeed (false).
func (q *Queue) SetFail(fail bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.fail = fail
}

// All is what was enqueued so far.
func (q *Queue) All() []sbomcat.Association {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]sbomcat.Association(nil), q.items...)
}
