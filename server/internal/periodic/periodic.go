// Package periodic runs background work now and then every interval, for the jobs every
// instance runs beside serving (pruning, announcing due requests, the retention schedule).
package periodic

import (
	"context"
	"time"
)

// Run calls f at once and then every interval until ctx ends. f logs its own outcome; Run
// returns when ctx ends, never while f runs.
func Run(ctx context.Context, interval time.Duration, f func(ctx context.Context)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if ctx.Err() != nil {
			return
		}
		f(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
