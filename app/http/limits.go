package http

import (
	"net/http"
	"strconv"
	"time"

	"github.com/scalezero/scalezero/app/jobs"
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
	// Uploads per user; default 20 per hour.
	Uploads Limit
	// MaxPending is how many of a user's jobs may wait or run at once; an
	// upload past it is refused until one ends. Default 3.
	MaxPending int
	// MaxDecoded bounds what one picture may take to decode
	// (jobs.DecodedBytes); default jobs.DefaultMaxDecodedBytes.
	MaxDecoded int64
}

func (l *JobLimits) defaults() {
	l.Lookups.defaults(120, time.Minute)
	l.Uploads.defaults(20, time.Hour)
	if l.MaxPending <= 0 {
		l.MaxPending = 3
	}
	if l.MaxDecoded <= 0 {
		l.MaxDecoded = jobs.DefaultMaxDecodedBytes
	}
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
