package metrics_test

import (
	"bytes"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/scalezero/scalezero/app/internal/testenv"
	"github.com/scalezero/scalezero/app/metrics"
)

// lines parses what an EMF wrote, failing on any line the specification
// refuses or whose namespace, dimension set or service is not the app's.
func lines(t *testing.T, out *bytes.Buffer, service string) []testenv.EMF {
	t.Helper()
	var docs []testenv.EMF
	for _, line := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
		doc, err := testenv.ParseEMF([]byte(line))
		if err != nil {
			t.Fatalf("%v\n%s", err, line)
		}
		if len(doc.Directives) != 1 || doc.Directives[0].Namespace != "ScaleZero/App" ||
			!slices.EqualFunc(doc.Directives[0].Dimensions, [][]string{{"Service"}}, slices.Equal) || doc.Root["Service"] != service {
			t.Fatalf("want one directive, namespace ScaleZero/App, dimensions [[Service]], Service %s:\n%s", service, line)
		}
		docs = append(docs, doc)
	}
	out.Reset()
	return docs
}

func names(doc testenv.EMF) []string {
	var out []string
	for _, m := range doc.Directives[0].Metrics {
		out = append(out, m.Name)
	}
	return out
}

var webMetrics = []string{"Requests", "ServerErrors", "Latency", "CacheHits", "CacheMisses", "ReplicaFallbacks", "Signups", "Logins"}

// More latencies than one array holds go to further lines that carry
// Latency alone, so each count is written once; an idle interval still
// writes its zeros.
func TestEMFSplitsLatenciesAtTheSpecificationsLimit(t *testing.T) {
	m := metrics.New()
	var out bytes.Buffer
	emf, err := m.EMF("web", &out)
	if err != nil {
		t.Fatal(err)
	}
	var want []float64
	for i := range 250 {
		status := 200
		if i%50 == 0 {
			status = 503
		}
		d := time.Duration(i+1) * 137 * time.Microsecond
		m.Request("GET /api/users/{id}", "GET", status, d)
		want = append(want, float64(d.Microseconds())/1000)
	}
	m.Request("GET /healthz", "GET", 200, time.Millisecond)
	m.Request("GET /readyz", "GET", 503, time.Millisecond)
	m.Request("POST /api/signup", "POST", 201, 20*time.Millisecond)
	m.Request("POST /api/signup", "POST", 409, 20*time.Millisecond)
	m.Request("POST /api/login", "POST", 200, 20*time.Millisecond)
	m.Request("POST /api/login", "POST", 401, 20*time.Millisecond)
	want = append(want, 20, 20, 20, 20)
	m.CacheResult("profile", "hit")
	m.CacheResult("profile", "miss")
	m.CacheResult("profile", "error")
	m.Fallback()
	if err := emf.Flush(); err != nil {
		t.Fatal(err)
	}
	docs := lines(t, &out, "web")
	if len(docs) != 3 || !slices.Equal(names(docs[0]), webMetrics) || !slices.Equal(names(docs[1]), []string{"Latency"}) || !slices.Equal(names(docs[2]), []string{"Latency"}) {
		t.Fatalf("want 3 lines, the first with every metric, then Latency alone; got %d: %v", len(docs), docs)
	}
	counts := map[string]float64{"Requests": 254, "ServerErrors": 5, "CacheHits": 1, "CacheMisses": 2, "ReplicaFallbacks": 1, "Signups": 1, "Logins": 1}
	for name, n := range counts {
		if got := docs[0].Values(name); !slices.Equal(got, []float64{n}) {
			t.Errorf("%s = %v, want %v", name, got, n)
		}
	}
	var got []float64
	for i, doc := range docs {
		vals := doc.Values("Latency")
		if want := []int{100, 100, 54}[i]; len(vals) != want {
			t.Errorf("line %d: %d latencies, want %d", i, len(vals), want)
		}
		got = append(got, vals...)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("latencies (ms) %v\nwant %v", got, want)
	}

	// Nothing since: one line of zeros, no Latency.
	if err := emf.Flush(); err != nil {
		t.Fatal(err)
	}
	docs = lines(t, &out, "web")
	if len(docs) != 1 || slices.Contains(names(docs[0]), "Latency") || docs[0].Values("Requests")[0] != 0 || docs[0].Values("CacheMisses")[0] != 0 {
		t.Fatalf("idle interval: %+v", docs)
	}
	// Counts are per interval, not since the start.
	m.Request("GET /api/me", "GET", 500, 3*time.Millisecond)
	emf.Flush()
	docs = lines(t, &out, "web")
	if len(docs) != 1 || docs[0].Values("Requests")[0] != 1 || docs[0].Values("ServerErrors")[0] != 1 || !slices.Equal(docs[0].Values("Latency"), []float64{3}) {
		t.Fatalf("third interval: %+v", docs[0].Root)
	}
}

// A busy interval keeps MaxLatencies of its latencies, a uniform sample,
// while Requests still counts every request.
func TestEMFSamplesLatenciesBeyondItsBound(t *testing.T) {
	m := metrics.New()
	var out bytes.Buffer
	emf, _ := m.EMF("web", &out)
	n := metrics.MaxLatencies + 5000
	for i := range n {
		m.Request("GET /api/users/{id}", "GET", 200, time.Duration(i%1000+1)*time.Microsecond)
	}
	emf.Flush()
	docs := lines(t, &out, "web")
	kept := 0
	for _, doc := range docs {
		kept += len(doc.Values("Latency"))
	}
	if len(docs) != metrics.MaxLatencies/100 || kept != metrics.MaxLatencies || docs[0].Values("Requests")[0] != float64(n) {
		t.Fatalf("%d lines, %d latencies, Requests %v; want %d, %d, %d", len(docs), kept, docs[0].Values("Requests"), metrics.MaxLatencies/100, metrics.MaxLatencies, n)
	}
}

func TestEMFWorkerCountsJobs(t *testing.T) {
	m := metrics.New()
	var out bytes.Buffer
	if _, err := m.EMF("cron", &out); err == nil || !strings.Contains(err.Error(), "allowed web or worker") {
		t.Fatalf("unknown service: %v", err)
	}
	emf, _ := m.EMF("worker", &out)
	for _, j := range [][2]string{{"avatar", "done"}, {"avatar", "done"}, {"echo", "done"}, {"avatar", "failed"}, {"unknown", "failed"}, {"avatar", "retry"}, {"unknown", "poison"}} {
		m.Job(j[0], j[1])
	}
	m.Request("GET /api/me", "GET", 200, time.Millisecond) // not the worker's
	emf.Flush()
	docs := lines(t, &out, "worker")
	if len(docs) != 1 || !slices.Equal(names(docs[0]), []string{"JobsSucceeded", "JobsFailed", "AvatarsMade"}) {
		t.Fatalf("%+v", docs)
	}
	for name, n := range map[string]float64{"JobsSucceeded": 3, "JobsFailed": 2, "AvatarsMade": 2} {
		if got := docs[0].Values(name); !slices.Equal(got, []float64{n}) {
			t.Errorf("%s = %v, want %v", name, got, n)
		}
	}
}

// The validator the app's tests rely on refuses what the specification
// refuses.
func TestParseEMFRefusesBrokenDocuments(t *testing.T) {
	const good = `{"_aws":{"Timestamp":1700000000000,"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[["Service"]],"Metrics":[{"Name":"A","Unit":"Count"},{"Name":"L","Unit":"Milliseconds"}]}]},"Service":"web","A":1,"L":[1.5,2]}`
	if _, err := testenv.ParseEMF([]byte(good)); err != nil {
		t.Fatalf("the good document: %v", err)
	}
	hundredOne := "[" + strings.Repeat("1,", 100) + "1]"
	for name, c := range map[string][2]string{
		"not JSON":                {`{"_aws":`, ""},
		"trailing data":           {"", ""},
		"no _aws":                 {`"_aws"`, `"aws"`},
		"no timestamp":            {`"Timestamp":1700000000000,`, ``},
		"timestamp not integral":  {`1700000000000`, `1700000000000.5`},
		"timestamp a string":      {`1700000000000`, `"1700000000000"`},
		"no directives":           {`"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[["Service"]],"Metrics":[{"Name":"A","Unit":"Count"},{"Name":"L","Unit":"Milliseconds"}]}]`, `"CloudWatchMetrics":[]`},
		"unknown _aws member":     {`"Timestamp"`, `"Extra":1,"Timestamp"`},
		"no namespace":            {`"Namespace":"N",`, ``},
		"empty namespace":         {`"Namespace":"N"`, `"Namespace":""`},
		"no dimensions":           {`"Dimensions":[["Service"]]`, `"Dimensions":[]`},
		"dimension not at root":   {`["Service"]`, `["Region"]`},
		"dimension not a string":  {`"Service":"web"`, `"Service":1`},
		"unknown unit":            {`"Unit":"Count"`, `"Unit":"Requests"`},
		"metric not at root":      {`"A":1,`, ``},
		"metric a string":         {`"A":1`, `"A":"1"`},
		"metric nested":           {`"A":1`, `"A":{"v":1}`},
		"array with a string":     {`[1.5,2]`, `[1.5,"2"]`},
		"empty array":             {`[1.5,2]`, `[]`},
		"array over 100 values":   {`[1.5,2]`, hundredOne},
		"metric defined twice":    {`{"Name":"L","Unit":"Milliseconds"}`, `{"Name":"A","Unit":"Count"}`},
		"definition without name": {`{"Name":"A","Unit":"Count"}`, `{"Unit":"Count"}`},
	} {
		t.Run(name, func(t *testing.T) {
			doc := strings.Replace(good, c[0], c[1], 1)
			switch name {
			case "not JSON":
				doc = c[0]
			case "trailing data":
				doc = good + ` {}`
			}
			if _, err := testenv.ParseEMF([]byte(doc)); err == nil {
				t.Fatalf("accepted %s", doc)
			}
		})
	}
	// 101 metric definitions in one directive.
	var defs, vals strings.Builder
	for i := range 101 {
		if i > 0 {
			defs.WriteString(",")
		}
		defs.WriteString(`{"Name":"M` + string(rune('a'+i%26)) + strings.Repeat("x", i/26) + `"}`)
		vals.WriteString(`,"M` + string(rune('a'+i%26)) + strings.Repeat("x", i/26) + `":1`)
	}
	doc := `{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[[]],"Metrics":[` + defs.String() + `]}]}` + vals.String() + `}`
	if _, err := testenv.ParseEMF([]byte(doc)); err == nil || !strings.Contains(err.Error(), "1 to 100") {
		t.Fatalf("101 metrics: %v", err)
	}
}

// BenchmarkRequest is what recording one request costs the web tier:
// Prometheus alone (EMF off, the default), and with the latency kept for
// the EMF lines, from one goroutine and from all cores at once.
func BenchmarkRequest(b *testing.B) {
	record := func(m *metrics.Metrics) {
		m.Request("GET /api/users/{id}", "GET", 200, 1234*time.Microsecond)
	}
	b.Run("emf-off", func(b *testing.B) {
		m := metrics.New()
		b.ReportAllocs()
		for b.Loop() {
			record(m)
		}
	})
	b.Run("emf-on", func(b *testing.B) {
		m := metrics.New()
		emf, _ := m.EMF("web", io.Discard)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			record(m)
			if i++; i%6000 == 0 {
				emf.Flush() // an interval's worth at 100 requests a second
			}
		}
	})
	b.Run("emf-on-parallel", func(b *testing.B) {
		m := metrics.New()
		emf, _ := m.EMF("web", io.Discard)
		stop := make(chan struct{})
		go func() { // flush as the service does, meanwhile
			for {
				select {
				case <-stop:
					return
				case <-time.After(10 * time.Millisecond):
					emf.Flush()
				}
			}
		}()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				record(m)
			}
		})
		close(stop)
	})
}

// BenchmarkFlush is one interval's flush of a web instance that served
// 6,000 requests (100 a second for the infrastructure's 60s): 60 lines.
func BenchmarkFlush(b *testing.B) {
	m := metrics.New()
	emf, _ := m.EMF("web", io.Discard)
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		for i := range 6000 {
			m.Request("GET /api/users/{id}", "GET", 200, time.Duration(i%5000+200)*time.Microsecond)
		}
		b.StartTimer()
		if err := emf.Flush(); err != nil {
			b.Fatal(err)
		}
	}
}
