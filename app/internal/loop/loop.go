// Package loop runs the app's periodic background work (replica probes, the
// cache's sweep, the workers' sweep for dead jobs) one way.
package loop

import (
	"context"
	"time"
)

// Every calls fn every d until ctx ends; the first call is d from now.
func Every(ctx context.Context, d time.Duration, fn func()) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			fn()
		}
	}
}
