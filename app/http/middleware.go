package http

import (
	"encoding/binary"
	"encoding/hex"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/scalezero/scalezero/app/metrics"
)

// requestID is the id observe gave the request w answers: it is in the
// answer's X-Request-Id header from the start, so no context need carry it
// (a context value costs the request a copy of itself: WithContext).
func requestID(w http.ResponseWriter) string {
	if v := w.Header()["X-Request-Id"]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// A caller's X-Request-Id is kept when it looks like one (the ALB sets
// X-Amzn-Trace-Id; proxies often set X-Request-Id).
var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:=-]{8,128}$`)

// newRequestID makes 64 random bits in hex. An id ties a request's log line
// to its answer; it is no secret (the caller may choose it), so the
// runtime's fast generator serves.
func newRequestID() string {
	var raw [8]byte
	binary.LittleEndian.PutUint64(raw[:], rand.Uint64())
	var b [16]byte
	hex.Encode(b[:], raw[:])
	return string(b[:])
}

// exchange is what observe keeps for one request, in one allocation: the
// recorder the handlers write through and the X-Request-Id header's value.
type exchange struct {
	recorder
	idHeader [1]string
}

// recorder notes the status and size of the answer, and answers the
// mux's own errors (no route: 404, a route with other methods: 405 with
// Allow) in the API's JSON error shape instead of the mux's plain text.
// The mux sets the request's Pattern before it calls a route's handler, so
// a status written while Pattern is still empty is the mux's.
type recorder struct {
	http.ResponseWriter
	r        *http.Request
	status   int
	bytes    int
	muxError bool // the mux's answer is being replaced
	swallow  bool // it was: drop the mux's own body
}

func (rec *recorder) WriteHeader(code int) {
	if rec.status == 0 && rec.r.Pattern == "" && !rec.muxError {
		rec.muxError = true
		writeError(rec, rec.r, code, strings.ToLower(http.StatusText(code)))
		rec.swallow = true
		return
	}
	if rec.status == 0 {
		rec.status = code
	}
	rec.ResponseWriter.WriteHeader(code)
}

func (rec *recorder) Write(b []byte) (int, error) {
	if rec.swallow {
		return len(b), nil // the mux's plain-text body, after ours
	}
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	n, err := rec.ResponseWriter.Write(b)
	rec.bytes += n
	return n, err
}

// Request logs: every request is in the load balancer's access logs, so the
// app logs only what those cannot say or what someone must look at: answers
// 5xx (level error), requests slower than LogSlow (warn), and a random
// sample of the rest, LogSampleRate of them (info). Logging every request
// costs about a fifth of a cached read's throughput and, at scale, a
// CloudWatch Logs bill for lines the access logs already hold.

// logLevel says whether a request is logged, and at which level.
func (s *Server) logLevel(status int, elapsed time.Duration) (slog.Level, bool) {
	switch {
	case status >= 500:
		return slog.LevelError, true
	case s.o.LogSlow > 0 && elapsed >= s.o.LogSlow:
		return slog.LevelWarn, true
	case s.o.LogSampleRate > 0 && rand.Float64() < s.o.LogSampleRate:
		return slog.LevelInfo, true
	}
	return 0, false
}

// observe gives each request an id, marks reads of one's own writes,
// recovers panics, answers the mux's errors in JSON (recorder), and records
// the metrics, labelled by route pattern (never by raw path), and the
// request's log line when it is to be logged (see logLevel).
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if id == "" || !requestIDPattern.MatchString(id) {
			id = newRequestID()
		}
		r = s.withOwnWrites(r)
		e := &exchange{recorder: recorder{ResponseWriter: w, r: r}}
		e.idHeader[0] = id
		w.Header()["X-Request-Id"] = e.idHeader[:1:1] // canonical key; cap 1: an Add copies
		rec := &e.recorder
		defer func() {
			if p := recover(); p != nil {
				s.o.Logger.Error("panic", "panic", p, "request_id", id)
				if rec.status == 0 {
					writeError(rec, r, http.StatusInternalServerError, "internal error")
				}
			}
			route := r.Pattern
			if route == "" || route == "/" {
				route = "unmatched"
			}
			elapsed := time.Since(start)
			s.o.Metrics.Request(route, r.Method, rec.status, elapsed)
			if level, ok := s.logLevel(rec.status, elapsed); ok {
				s.o.Logger.Log(r.Context(), level, "request", "request_id", id, "method", metrics.Method(r.Method), "path", r.URL.Path,
					"route", route, "status", rec.status, "bytes", rec.bytes, "duration_ms", float64(elapsed.Microseconds())/1000)
			}
		}()
		next.ServeHTTP(rec, r)
	})
}
