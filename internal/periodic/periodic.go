// Package periodic runs work at an interval until a context ends: the store's purge of
// expired clientToken records, the SQS runner's visibility heartbeat, the reaper.
package periodic

import (
	"context"
	"time"
)

// Every calls f every d, the first time d from now, until ctx is done; it returns then. A call
// of f in progress is not interrupted (f takes ctx from its caller if it should stop early),
// and a tick that comes as ctx ends may still call f once.
func Every(ctx context.Context, d time.Duration, f func()) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			f()
		}
	}
}
