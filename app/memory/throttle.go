package memory

import (
	"context"
	"sync"
	"time"
)

// Throttle is an in-process app.Throttle: right for one instance, and what a
// shared throttle falls back to while Redis is down.
type Throttle struct {
	now     func() time.Time
	mu      sync.Mutex
	windows map[string]window
	adds    int
}

type window struct {
	count int
	ends  time.Time
}

// NewThrottle returns an empty throttle.
func NewThrottle() *Throttle { return &Throttle{now: time.Now, windows: map[string]window{}} }

// Add counts n attempts for key in a window of the given length that starts
// with the key's first attempt.
func (t *Throttle) Add(_ context.Context, key string, n int, length time.Duration) (int, time.Duration, error) {
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.adds++; t.adds%1024 == 0 {
		for k, w := range t.windows { // so a flood of addresses does not grow the map forever
			if !now.Before(w.ends) {
				delete(t.windows, k)
			}
		}
	}
	w, ok := t.windows[key]
	if !ok || !now.Before(w.ends) {
		if n <= 0 {
			return 0, 0, nil
		}
		w = window{ends: now.Add(length)}
	}
	w.count += n
	t.windows[key] = w
	return w.count, w.ends.Sub(now), nil
}
