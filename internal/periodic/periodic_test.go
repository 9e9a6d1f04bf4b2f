package periodic_test

import (
	"context"
	"testing"
	"time"

	"github.com/sbomcat/sbomcat/internal/periodic"
)

// TestEvery: f runs again and again while the context lasts, never after Every returned, and
// Every returns once the context is done.
func TestEvery(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	calls := make(chan struct{})
	returned := make(chan struct{})
	go func() {
		defer close(returned)
		periodic.Every(ctx, time.Millisecond, func() { calls <- struct{}{} })
	}()
	for range 3 {
		<-calls
	}
	cancel()
	for {
		select {
		case <-calls: // a tick that raced the cancel
			continue
		case <-returned:
		}
		break
	}
	select {
	case <-calls:
		t.Fatal("f was called after Every returned")
	default:
	}
}
