package http

import (
	"net/http"
	"time"
)

// pausedRetryAfter is what a write refused while writes are paused asks a
// client to wait: a planned switchover waits for a copy to catch up and for
// a fleet to take new settings, minutes rather than the seconds of a
// primary's restart.
const pausedRetryAfter = 30 * time.Second

// writes guards a handler that writes to the database. While writes are
// paused (Options.WritesPaused) it answers 503 with Retry-After before the
// handler runs, so nothing is written that the switchover could lose and a
// client knows to try again; logins, logouts and reads carry on (a login
// reads the database and writes only to the session store and the login
// counts).
func (s *Server) writes(next http.HandlerFunc) http.HandlerFunc {
	if !s.o.WritesPaused {
		return next
	}
	return func(w http.ResponseWriter, r *http.Request) {
		setRetryAfter(w, pausedRetryAfter)
		writeError(w, r, http.StatusServiceUnavailable, "writes are paused for a planned switchover; try again")
	}
}
