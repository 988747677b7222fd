package http

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"regexp"
	"time"

	"github.com/scalezero/scalezero/app/metrics"
)

type requestIDKey struct{}

func requestID(ctx context.Context) string { id, _ := ctx.Value(requestIDKey{}).(string); return id }

// A caller's X-Request-Id is kept when it looks like one (the ALB sets
// X-Amzn-Trace-Id; proxies often set X-Request-Id).
var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:=-]{8,128}$`)

func newRequestID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

type recorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += n
	return n, err
}

// observe gives each request an id, marks reads of one's own writes, recovers panics, and records a JSON log
// line and the metrics, labelled by route pattern (never by raw path).
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if !requestIDPattern.MatchString(id) {
			id = newRequestID()
		}
		w.Header().Set("X-Request-Id", id)
		r = s.withOwnWrites(r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id)))
		rec := &recorder{ResponseWriter: w}
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
			s.o.Logger.Info("request", "request_id", id, "method", metrics.Method(r.Method), "path", r.URL.Path,
				"route", route, "status", rec.status, "bytes", rec.bytes, "duration_ms", float64(elapsed.Microseconds())/1000)
		}()
		next.ServeHTTP(rec, r)
	})
}
