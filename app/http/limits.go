package http

import (
	"net/http"
	"strconv"
	"time"
)

// Limit is N requests per window (Per), counted by the Throttle.
type Limit struct {
	N   int
	Per time.Duration
}

func (l *Limit) defaults(n int, per time.Duration) {
	if l.N <= 0 {
		l.N = n
	}
	if l.Per <= 0 {
		l.Per = per
	}
}

// JobLimits bound what one user may ask of the job tier: each lookup reads
// the primary, each upload stores objects and takes a worker's memory.
type JobLimits struct {
	// Lookups of one's jobs (state and output) per user; default 120 per
	// minute (the page polls twice a second).
	Lookups Limit
}

func (l *JobLimits) defaults() {
	l.Lookups.defaults(120, time.Minute)
}

// allowUser counts one request of kind against the user's limit and answers
// 429 with Retry-After past it. A throttle that cannot be reached lets the
// request through: the limit guards capacity, not secrets.
func (s *Server) allowUser(w http.ResponseWriter, r *http.Request, kind string, l Limit) bool {
	n, left, err := s.o.Throttle.Add(r.Context(), kind+":user:"+strconv.FormatInt(currentUser(r), 10), 1, l.Per)
	if err == nil && n > l.N {
		setRetryAfter(w, left)
		writeError(w, r, http.StatusTooManyRequests, "too many requests; try again later")
		return false
	}
	return true
}
