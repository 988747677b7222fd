package metrics

import (
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// CloudWatch reads the app's metrics from its log stream: the hosts ship the
// containers' stdout to CloudWatch Logs, which extracts every line in the
// Embedded Metric Format (EMF) as metrics, with no agent and no API calls
// from the app. The dashboards and alarms of the infrastructure
// (components/observability) name these metrics.
const (
	// Namespace is where the metrics land, with the one dimension Service.
	Namespace = "ScaleZero/App"
	// MaxLatencies bounds the latencies a web instance keeps per interval:
	// beyond it a uniform sample of that many stands for them all (p99
	// from 10,000 values is within a tenth of a percentile), so a busy
	// instance writes at most MaxLatencies/100 lines per interval.
	MaxLatencies = 10_000

	// The EMF specification's limits: metric definitions in one directive,
	// values in one array.
	maxMetrics = 100
	maxValues  = 100
)

// Definition is one metric a service publishes.
type Definition struct{ Name, Unit string }

// Published lists, per service (the Service dimension), the metrics its
// lines carry, in their order.
var Published = map[string][]Definition{
	"web": {
		{"Requests", "Count"}, {"ServerErrors", "Count"}, {"Latency", "Milliseconds"},
		{"CacheHits", "Count"}, {"CacheMisses", "Count"}, {"ReplicaFallbacks", "Count"},
		{"Signups", "Count"}, {"Logins", "Count"},
	},
	"worker": {{"JobsSucceeded", "Count"}, {"JobsFailed", "Count"}, {"AvatarsMade", "Count"}},
}

// probes are the routes of health checks and scrapes. They are not traffic:
// the load balancer's checks would pad Requests and pull Latency down, and
// /readyz's 503 while an instance drains would count as a server error at
// every deploy. Prometheus still counts them.
var probes = map[string]bool{"GET /healthz": true, "GET /readyz": true, "GET /metrics": true}

// counter is how one count metric is read: the sum of a Prometheus
// counter's series whose labels match.
type counter struct {
	family string
	match  func(label map[string]string) bool
}

func all(map[string]string) bool { return true }

func traffic(l map[string]string) bool { return !probes[l["route"]] }

func status(l map[string]string) int { n, _ := strconv.Atoi(l["status"]); return n }

var counters = map[string]counter{
	"Requests":         {"scalezero_http_requests_total", traffic},
	"ServerErrors":     {"scalezero_http_requests_total", func(l map[string]string) bool { return traffic(l) && status(l) >= 500 }},
	"Signups":          {"scalezero_http_requests_total", func(l map[string]string) bool { return l["route"] == "POST /api/signup" && l["status"] == "201" }},
	"Logins":           {"scalezero_http_requests_total", func(l map[string]string) bool { return l["route"] == "POST /api/login" && l["status"] == "200" }},
	"CacheHits":        {"scalezero_cache_requests_total", func(l map[string]string) bool { return l["result"] == "hit" }},
	"CacheMisses":      {"scalezero_cache_requests_total", func(l map[string]string) bool { return l["result"] != "hit" }},
	"ReplicaFallbacks": {"scalezero_db_replica_fallbacks_total", all},
	"JobsSucceeded":    {"scalezero_jobs_total", func(l map[string]string) bool { return l["outcome"] == "done" }},
	"JobsFailed":       {"scalezero_jobs_total", func(l map[string]string) bool { return l["outcome"] == "failed" }},
	"AvatarsMade":      {"scalezero_jobs_total", func(l map[string]string) bool { return l["kind"] == "avatar" && l["outcome"] == "done" }},
}

// EMF writes one service's metrics as EMF lines: one per Flush, more when
// the latencies of the interval fill more than one array. Counts are the
// Prometheus counters' growth since the previous Flush.
type EMF struct {
	m       *Metrics
	service string
	defs    []Definition
	out     io.Writer

	mu      sync.Mutex
	last    map[string]float64 // the counters at the previous flush
	spare   []float64          // the latency buffer the next interval fills
	metrics []item             // this flush's values (reused, as are line and buf)
	line    []item
	buf     []byte
}

// EMF returns the writer of service's lines ("web" or "worker") to out, and
// from now on keeps every request's latency until the next Flush.
func (m *Metrics) EMF(service string, out io.Writer) (*EMF, error) {
	defs, ok := Published[service]
	if !ok {
		return nil, fmt.Errorf("metrics for service %q: allowed web or worker", service)
	}
	if service == "web" {
		m.latencies.on.Store(true)
	}
	return &EMF{m: m, service: service, defs: defs, out: out, last: map[string]float64{}}, nil
}

// item is one metric's value: a count, or values (up to maxValues of them
// in a line).
type item struct {
	Definition
	array   bool
	count   float64
	values  []float64
	written bool // nothing of it is left to write
}

// Flush writes the interval since the previous Flush. Every count is
// written, zeros too (an alarm on a missing datapoint cannot tell an idle
// instance from a dead one); Latency only when there were requests.
func (e *EMF) Flush() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	totals, err := e.read()
	if err != nil {
		return err
	}
	var latencies []float64
	if e.service == "web" {
		buf := e.m.latencies.swap(e.spare)
		defer func() { e.spare = buf[:0] }() // once written, it takes the next interval but one
		latencies = buf
	}
	metrics := e.metrics[:0]
	for _, d := range e.defs {
		m := item{Definition: d, array: d.Name == "Latency", values: latencies}
		if !m.array {
			m.count, m.values = max(totals[d.Name]-e.last[d.Name], 0), nil
		}
		metrics = append(metrics, m)
	}
	e.metrics, e.last = metrics, totals
	ts := time.Now().UnixMilli()
	for {
		line := e.next(metrics)
		if len(line) == 0 {
			return nil
		}
		e.buf = e.appendLine(e.buf[:0], ts, line)
		if _, err := e.out.Write(e.buf); err != nil {
			return fmt.Errorf("write metrics: %w", err)
		}
	}
}

// next takes the following line's share of what is left to write: from
// each metric in turn, up to maxMetrics of them (a JSON object holds a
// member once), a count whole or an array's next maxValues values. So the
// first line carries every count and the first latencies, the others
// latencies alone; an empty array is not written at all.
func (e *EMF) next(metrics []item) []item {
	line := e.line[:0]
	for i := range metrics {
		m := &metrics[i]
		switch {
		case len(line) == maxMetrics || m.written:
		case !m.array:
			line = append(line, *m)
			m.written = true
		case len(m.values) == 0:
			m.written = true
		default:
			n := min(len(m.values), maxValues)
			line = append(line, item{Definition: m.Definition, array: true, values: m.values[:n]})
			m.values = m.values[n:]
			m.written = len(m.values) == 0
		}
	}
	e.line = line
	return line
}

// read sums, for each count metric of the service, the counter series it
// stands for.
func (e *EMF) read() (map[string]float64, error) {
	families, err := e.m.counters.Gather()
	if err != nil {
		return nil, fmt.Errorf("read counters: %w", err)
	}
	totals := map[string]float64{}
	for _, f := range families {
		for _, s := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range s.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			for _, d := range e.defs {
				if c, ok := counters[d.Name]; ok && c.family == f.GetName() && c.match(labels) {
					totals[d.Name] += s.GetCounter().GetValue()
				}
			}
		}
	}
	return totals, nil
}

// appendLine writes one EMF document and a newline: the directive, the
// dimension, then each metric's value at the top level.
func (e *EMF) appendLine(b []byte, ts int64, items []item) []byte {
	b = append(b, `{"_aws":{"Timestamp":`...)
	b = strconv.AppendInt(b, ts, 10)
	b = append(b, `,"CloudWatchMetrics":[{"Namespace":"`+Namespace+`","Dimensions":[["Service"]],"Metrics":[`...)
	for i, it := range items {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"Name":"`...)
		b = append(b, it.Name...)
		b = append(b, `","Unit":"`...)
		b = append(b, it.Unit...)
		b = append(b, `"}`...)
	}
	b = append(b, `]}]},"Service":"`...)
	b = append(b, e.service...)
	b = append(b, '"')
	for _, it := range items {
		b = append(b, `,"`...)
		b = append(b, it.Name...)
		b = append(b, `":`...)
		if !it.array {
			b = strconv.AppendFloat(b, it.count, 'f', -1, 64)
			continue
		}
		b = append(b, '[')
		for i, v := range it.values {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendFloat(b, v, 'f', -1, 64)
		}
		b = append(b, ']')
	}
	return append(b, "}\n"...)
}

// sample keeps the latencies of one interval, in milliseconds: all of them
// up to MaxLatencies, then a uniform sample of that size (reservoir
// sampling), so memory and output stay bounded however busy the instance.
type sample struct {
	on   atomic.Bool // set once an EMF is attached
	mu   sync.Mutex
	vals []float64
	seen int
}

func (s *sample) add(ms float64) {
	if !s.on.Load() {
		return
	}
	s.mu.Lock()
	s.seen++
	if len(s.vals) < MaxLatencies {
		s.vals = append(s.vals, ms)
	} else if i := rand.IntN(s.seen); i < MaxLatencies {
		s.vals[i] = ms
	}
	s.mu.Unlock()
}

// swap returns the interval's latencies and starts the next interval in
// spare (emptied), so steady state allocates nothing.
func (s *sample) swap(spare []float64) []float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	vals := s.vals
	s.vals, s.seen = spare[:0], 0
	return vals
}
