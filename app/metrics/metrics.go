// Package metrics defines the app's Prometheus metrics in one registry per app
// instance (two instances in one test process must not collide), and writes
// the same counters for CloudWatch as Embedded Metric Format lines (emf.go).
package metrics

import (
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics are the app's collectors. A nil *Metrics records nothing.
type Metrics struct {
	Registry  *prometheus.Registry
	Requests  *prometheus.CounterVec   // route, method, status
	Latency   *prometheus.HistogramVec // route
	Cache     *prometheus.CounterVec   // kind (profile|session), result (hit|miss|error|skip)
	Queries   *prometheus.CounterVec   // pool (primary|replica)
	Fallbacks prometheus.Counter       // reads sent to the primary because no replica was healthy
	Jobs      *prometheus.CounterVec   // kind, outcome (queued|done|retry|failed|duplicate|poison|not_queued)
	JobTime   *prometheus.HistogramVec // kind: how long one attempt ran
	Logins    *prometheus.CounterVec   // outcome (failed|throttled_account|throttled_address|busy|client_gone)

	// counters holds the counters the EMF lines are read from, without the
	// Go and process collectors a flush has no use for.
	counters *prometheus.Registry
	// latencies of the requests since the last EMF flush, kept only once
	// an EMF is attached (a histogram's buckets cannot give CloudWatch its
	// percentiles).
	latencies sample

	// The series every request and cache lookup counts in, by their labels
	// (see memo).
	requests memo[requestLabels, requestSeries]
	caches   memo[[2]string, prometheus.Counter]
}

type requestLabels struct {
	route, method string
	status        int
}

type requestSeries struct {
	count   prometheus.Counter
	latency prometheus.Observer
}

// memo keeps a vector's series by their labels. WithLabelValues hashes
// every label, takes the vector's lock and allocates its arguments on each
// call, and the request counter's status needs formatting too: per request,
// that is work the same few series repeat. The map is replaced, never
// changed, so readers take no lock; a new series (a route's first answer
// with some status) copies it once. The labels are bounded where they
// come from (routes are patterns, methods a fixed set), so is the map. A
// series is never deleted from its vector (no Reset), so none kept goes stale.
type memo[K comparable, V any] struct {
	m  atomic.Pointer[map[K]V]
	mu sync.Mutex
}

func (c *memo[K, V]) get(k K, create func() V) V {
	if m := c.m.Load(); m != nil {
		if v, ok := (*m)[k]; ok {
			return v
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.m.Load()
	if old != nil {
		if v, ok := (*old)[k]; ok {
			return v
		}
	}
	next := create()
	m := map[K]V{k: next}
	if old != nil {
		for k, v := range *old {
			m[k] = v
		}
	}
	c.m.Store(&m)
	return next
}

// New creates and registers the collectors, with Go and process metrics.
func New() *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		Registry: reg,
		Requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "scalezero_http_requests_total", Help: "HTTP requests by route, method and status.",
		}, []string{"route", "method", "status"}),
		Latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "scalezero_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route"}),
		Cache: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "scalezero_cache_requests_total", Help: "Cache lookups by kind and result.",
		}, []string{"kind", "result"}),
		Queries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "scalezero_db_queries_total", Help: "Database queries by pool.",
		}, []string{"pool"}),
		Fallbacks: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "scalezero_db_replica_fallbacks_total", Help: "Reads sent to the primary because no replica was healthy.",
		}),
		Jobs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "scalezero_jobs_total", Help: "Jobs submitted and job attempts handled, by kind and outcome.",
		}, []string{"kind", "outcome"}),
		JobTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "scalezero_job_duration_seconds", Help: "Duration of one job attempt by kind.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"kind"}),
		Logins: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "scalezero_logins_total", Help: "Logins refused or cut short, by outcome.",
		}, []string{"outcome"}),
	}
	reg.MustRegister(m.Requests, m.Latency, m.Cache, m.Queries, m.Fallbacks, m.Jobs, m.JobTime, m.Logins,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.counters = prometheus.NewRegistry()
	m.counters.MustRegister(m.Requests, m.Cache, m.Fallbacks, m.Jobs)
	return m
}

// methods are the label values of the request counter's method: any
// other token a client sends is "other", so made-up methods add no series.
var methods = map[string]bool{"GET": true, "HEAD": true, "POST": true, "PUT": true, "PATCH": true,
	"DELETE": true, "OPTIONS": true, "CONNECT": true, "TRACE": true}

// Method is method if it is a standard one, else "other".
func Method(method string) string {
	if methods[method] {
		return method
	}
	return "other"
}

// Request records one HTTP request, by route pattern, method and status.
// The route must be a pattern of the mux (or "unmatched"), never a raw
// path; the method is folded into a fixed set (Method).
func (m *Metrics) Request(route, method string, status int, elapsed time.Duration) {
	if m == nil {
		return
	}
	method = Method(method)
	s := m.requests.get(requestLabels{route, method, status}, func() requestSeries {
		return requestSeries{m.Requests.WithLabelValues(route, method, strconv.Itoa(status)), m.Latency.WithLabelValues(route)}
	})
	s.count.Inc()
	s.latency.Observe(elapsed.Seconds())
	if !probes[route] {
		m.latencies.add(float64(elapsed.Microseconds()) / 1000)
	}
}

// Query counts one query on a pool.
func (m *Metrics) Query(pool string) {
	if m != nil {
		m.Queries.WithLabelValues(pool).Inc()
	}
}

// Fallback counts one read that wanted a replica and got the primary.
func (m *Metrics) Fallback() {
	if m != nil {
		m.Fallbacks.Inc()
	}
}

// CacheResult counts one cache lookup.
func (m *Metrics) CacheResult(kind, result string) {
	if m != nil {
		m.caches.get([2]string{kind, result}, func() prometheus.Counter { return m.Cache.WithLabelValues(kind, result) }).Inc()
	}
}

// Job counts one job event.
func (m *Metrics) Job(kind, outcome string) {
	if m != nil {
		m.Jobs.WithLabelValues(kind, outcome).Inc()
	}
}

// JobAttempt records how long one attempt ran.
func (m *Metrics) JobAttempt(kind string, seconds float64) {
	if m != nil {
		m.JobTime.WithLabelValues(kind).Observe(seconds)
	}
}

// Login counts one login outcome.
func (m *Metrics) Login(outcome string) {
	if m != nil {
		m.Logins.WithLabelValues(outcome).Inc()
	}
}
