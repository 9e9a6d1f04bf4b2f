package queue_test

import (
	"context"
	"sync"
	"testing"
)

// stopper returns stop for work running under a context that cancel cancels and that wait
// waits for: stop cancels, waits, and fails t with wait's error, named what. It does so once:
// when first called, or when the test ends.
func stopper(t *testing.T, what string, cancel context.CancelFunc, wait func() error) (stop func()) {
	stop = sync.OnceFunc(func() {
		cancel()
		if err := wait(); err != nil {
			t.Errorf("%s: %v", what, err)
		}
	})
	t.Cleanup(stop)
	return stop
}
