package app

import (
	"context"
	"time"
)

// Throttle counts attempts per key in fixed windows: logins per account and
// per client address. Shared through Redis once sessions are (phase 6), so
// every instance of the fleet sees the same counts; per instance before.
type Throttle interface {
	// Add counts n more attempts for key (0 only reads the count, a negative
	// n takes attempts back) and returns the count in the current window and
	// the time the window has left.
	Add(ctx context.Context, key string, n int, window time.Duration) (count int, left time.Duration, err error)
}
