package main_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/scalezero/scalezero/app/internal/testenv"
)

// The metrics the infrastructure's dashboards and alarms name
// (components/observability/metrics.go, namespace ScaleZero/App, dimension
// set [Service]), with the unit each must carry: written out here, not read
// from the app, so the app cannot drift from them unnoticed.
var published = map[string]map[string]string{
	"web": {
		"Requests": "Count", "ServerErrors": "Count", "Latency": "Milliseconds", "CacheHits": "Count",
		"CacheMisses": "Count", "ReplicaFallbacks": "Count", "Signups": "Count", "Logins": "Count",
	},
	"worker": {"JobsSucceeded": "Count", "JobsFailed": "Count", "AvatarsMade": "Count"},
}

// emfLines checks every line the process wrote to stdout: valid EMF, the
// app's namespace and dimension set, the service's own metrics with their
// units, stamped within [from, to].
func emfLines(t *testing.T, p *proc, service string, from, to time.Time) []testenv.EMF {
	t.Helper()
	var docs []testenv.EMF
	for _, line := range strings.Split(strings.TrimSuffix(p.stdout.String(), "\n"), "\n") {
		if line == "" {
			continue
		}
		doc, err := testenv.ParseEMF([]byte(line))
		if err != nil {
			t.Fatalf("%s wrote a line that is not EMF: %v\n%s", service, err, line)
		}
		if len(doc.Directives) != 1 {
			t.Fatalf("want one metric directive:\n%s", line)
		}
		d := doc.Directives[0]
		if d.Namespace != "ScaleZero/App" || !slices.EqualFunc(d.Dimensions, [][]string{{"Service"}}, slices.Equal) || doc.Root["Service"] != service {
			t.Fatalf("want namespace ScaleZero/App, dimensions [[Service]], Service %q:\n%s", service, line)
		}
		for _, m := range d.Metrics {
			if unit, ok := published[service][m.Name]; !ok || unit != m.Unit {
				t.Fatalf("%s: metric %s in %s is not one the infrastructure expects of %s:\n%s", service, m.Name, m.Unit, service, line)
			}
		}
		if ts := time.UnixMilli(doc.Timestamp); ts.Before(from.Truncate(time.Millisecond)) || ts.After(to) {
			t.Fatalf("timestamp %s outside the run [%s, %s]", ts, from, to)
		}
		docs = append(docs, doc)
	}
	return docs
}

// sums adds up each metric over the lines (a Latency array counts its values
// one by one, as CloudWatch does).
func sums(docs []testenv.EMF) (map[string]float64, []float64) {
	out := map[string]float64{}
	var latencies []float64
	for _, doc := range docs {
		for _, m := range doc.Directives[0].Metrics {
			vals := doc.Values(m.Name)
			if m.Name == "Latency" {
				latencies = append(latencies, vals...)
				continue
			}
			for _, v := range vals {
				out[m.Name] += v
			}
		}
	}
	return out, latencies
}

// scrape sums the series of a Prometheus counter on /metrics whose labels
// contain every one of with (a probe: the EMF lines leave it out).
func scrape(t *testing.T, p *proc, name string, with ...string) float64 {
	t.Helper()
	_, text, _ := call(t, "GET", p.metrics+"/metrics", "", "")
	var sum float64
	for _, line := range strings.Split(text, "\n") {
		series, value, ok := strings.Cut(line, " ")
		if !ok || (series != name && !strings.HasPrefix(series, name+"{")) {
			continue
		}
		if slices.ContainsFunc(with, func(l string) bool { return !strings.Contains(series, l) }) {
			continue
		}
		v, err := strconv.ParseFloat(value, 64)
		if err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		sum += v
	}
	return sum
}

// The web tier's metrics, from the real binary: with the interval at an
// hour, every line comes from the flush at SIGTERM, so nothing the instance
// did before it exits is lost. The 128 requests' latencies fill two lines:
// the first carries every metric, the second the 28 latencies left. Its
// counts are what the test drove; health checks and scrapes are not traffic.
func TestWebMetricsAreEMFLinesWrittenAtShutdown(t *testing.T) {
	redis := testenv.StartRedis(t)
	down := testenv.FreePort(t) // nothing listens there
	env := append(appEnv(t, true, redis.Addr),
		// A replica that does not answer: reads fall back to the primary.
		fmt.Sprintf("SCALEZERO_DATABASE_READER_URLS=postgres://postgres@127.0.0.1:%d/none?sslmode=disable", down),
		// A job tier that does not answer: an upload gets a 503.
		fmt.Sprintf("SCALEZERO_AWS_ENDPOINT=http://127.0.0.1:%d", down),
		fmt.Sprintf("SCALEZERO_QUEUE_URL=http://127.0.0.1:%d/000000000000/jobs", down),
		"SCALEZERO_JOBS_BUCKET=jobs",
		"SCALEZERO_METRICS_EMF_INTERVAL=1h",
	)
	for k, v := range testenv.AWSCredentials {
		env = append(env, k+"="+v)
	}
	from := time.Now()
	web := start(t, env...)
	expect := func(want int, method, path, body, cookie string) string {
		t.Helper()
		code, text, cookies := call(t, method, web.url+path, body, cookie)
		if code != want {
			t.Fatalf("%s %s: %d %s, want %d", method, path, code, text, want)
		}
		if len(cookies) > 0 && path == "/api/login" {
			return sessionCookie(t, cookies)
		}
		return text
	}
	ada := `{"email":"ada@example.com","password":"correct horse 1","display_name":"Ada"}`
	var u struct{ ID int64 }
	json.Unmarshal([]byte(expect(201, "POST", "/api/signup", ada, "")), &u)
	expect(409, "POST", "/api/signup", ada, "")
	expect(401, "POST", "/api/login", `{"email":"ada@example.com","password":"wrong horse 1"}`, "")
	cookie := expect(200, "POST", "/api/login", `{"email":"ada@example.com","password":"correct horse 1"}`, "")
	expect(200, "GET", "/readyz", "", "")
	for range 120 {
		expect(200, "GET", fmt.Sprintf("/api/users/%d", u.ID), "", "")
	}
	for range 3 {
		expect(404, "GET", "/api/users/999999", "", "")
	}
	if code, body, _ := upload(t, web.url+"/api/me/avatar", "image/png", photo(t), cookie); code != 503 {
		t.Fatalf("upload with the job tier down: %d %s, want 503", code, body)
	}
	const requests, reads = 128, 123
	hits := scrape(t, web, "scalezero_cache_requests_total", `result="hit"`)
	misses := scrape(t, web, "scalezero_cache_requests_total") - hits
	fallbacks := scrape(t, web, "scalezero_db_replica_fallbacks_total")
	if web.stdout.String() != "" {
		t.Fatalf("lines before the interval ended:\n%s", web.stdout)
	}
	terminate(t, web)

	docs := emfLines(t, web, "web", from, time.Now())
	if len(docs) != 2 || len(docs[0].Directives[0].Metrics) != len(published["web"]) || len(docs[1].Directives[0].Metrics) != 1 ||
		len(docs[0].Values("Latency")) != 100 || len(docs[1].Values("Latency")) != requests-100 {
		t.Fatalf("want 2 lines: every metric with 100 latencies, then the %d left:\n%s", requests-100, web.stdout)
	}
	got, latencies := sums(docs)
	for name, want := range map[string]float64{"Requests": requests, "ServerErrors": 1, "Signups": 1, "Logins": 1, "CacheHits": hits, "CacheMisses": misses, "ReplicaFallbacks": fallbacks} {
		if got[name] != want {
			t.Errorf("%s = %v, want %v", name, got[name], want)
		}
	}
	// Every anonymous read asked the cache once; the unknown user was
	// looked up once, past the replica, then held as missing.
	if hits+misses != reads || misses < 1 || fallbacks < 1 {
		t.Errorf("cache hits %v + misses %v, want %d with at least 1 miss; fallbacks %v, want at least 1", hits, misses, reads, fallbacks)
	}
	for _, ms := range latencies {
		if ms <= 0 || ms > 30_000 {
			t.Errorf("latency %v ms", ms)
		}
	}
}

// The worker's metrics, and the web tier's alongside, every 200ms: the job
// counts appear while both still run, and after SIGTERM the lines add up
// to what happened, once each.
func TestWorkerMetricsAreEMFLinesEveryInterval(t *testing.T) {
	env := append(jobEnv(t), "SCALEZERO_METRICS_EMF_INTERVAL=200ms")
	from := time.Now()
	web := start(t, env...)
	worker := startCommand(t, "worker", env...)
	requests := 0
	get := func(path, cookie string) (int, string) {
		requests++
		code, body, _ := call(t, "GET", web.url+path, "", cookie)
		return code, body
	}
	cookie := signup(t, web.url, "ada@example.com")
	requests++
	good := photo(t)
	var jobs []string
	for _, pic := range [][]byte{good, good[:len(good)/2]} { // the second is cut short: its header passes, decoding fails
		code, body, hdr := upload(t, web.url+"/api/me/avatar", "image/png", pic, cookie)
		requests++
		if code != 202 {
			t.Fatalf("upload: %d %s", code, body)
		}
		jobs = append(jobs, hdr.Get("Location"))
	}
	for i, want := range []string{"done", "failed"} {
		var job struct{ State string }
		for deadline := time.Now().Add(30 * time.Second); job.State != want; time.Sleep(100 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("job %d still %q, want %s\nworker:\n%s", i, job.State, want, worker.logs)
			}
			code, body := get(jobs[i], cookie)
			if code != 200 {
				t.Fatalf("job status: %d %s", code, body)
			}
			json.Unmarshal([]byte(body), &job)
		}
	}
	// Written by a tick, not by the shutdown.
	want := map[string]float64{"JobsSucceeded": 1, "JobsFailed": 1, "AvatarsMade": 1}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		got, _ := sums(emfLines(t, worker, "worker", from, time.Now()))
		if got["JobsSucceeded"] == 1 && got["JobsFailed"] == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no interval's line counted the jobs while the worker ran: %v\n%s", got, worker.stdout)
		}
	}
	fallbacks := scrape(t, web, "scalezero_db_replica_fallbacks_total")
	terminate(t, worker)
	terminate(t, web)

	docs := emfLines(t, worker, "worker", from, time.Now())
	got, _ := sums(docs)
	if len(docs) < 2 || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("worker: %d lines adding up to %v, want at least 2 adding up to %v\n%s", len(docs), got, want, worker.stdout)
	}
	docs = emfLines(t, web, "web", from, time.Now())
	got, latencies := sums(docs)
	wantWeb := map[string]float64{"Requests": float64(requests), "ServerErrors": 0, "Signups": 1, "Logins": 0, "CacheHits": 0, "CacheMisses": 0, "ReplicaFallbacks": fallbacks}
	if len(docs) < 2 || fmt.Sprint(got) != fmt.Sprint(wantWeb) || len(latencies) != requests {
		t.Errorf("web: %d lines adding up to %v with %d latencies, want at least 2 adding up to %v with %d\n%s", len(docs), got, len(latencies), wantWeb, requests, web.stdout)
	}
}

// The real binary serves /metrics on metrics.listen only: the public
// listener, the one the load balancer forwards to, answers 404.
func TestWebMetricsAreOnTheirOwnListener(t *testing.T) {
	web := start(t, appEnv(t, false, "")...)
	if code, _, _ := call(t, "GET", web.url+"/metrics", "", ""); code != http.StatusNotFound {
		t.Errorf("/metrics on the public listener: %d, want 404", code)
	}
	if code, body, _ := call(t, "GET", web.metrics+"/metrics", "", ""); code != http.StatusOK || !strings.Contains(body, "scalezero_http_requests_total") {
		t.Errorf("/metrics on metrics.listen: %d %.200s", code, body)
	}
}
