package metrics

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/scalezero/scalezero/app/internal/testenv"
)

// More metrics than one directive may define spill to further lines, each
// metric written once; latencies keep filling lines of their own.
func TestEMFSplitsAtAHundredMetrics(t *testing.T) {
	m := New()
	var out bytes.Buffer
	emf, err := m.EMF("web", &out)
	if err != nil {
		t.Fatal(err)
	}
	emf.defs = nil
	for i := range 130 {
		emf.defs = append(emf.defs, Definition{fmt.Sprintf("M%03d", i), "Count"})
	}
	emf.defs = append(emf.defs, Definition{"Latency", "Milliseconds"})
	for range 250 {
		m.Request("GET /", "GET", 200, 1000)
	}
	if err := emf.Flush(); err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	var perLine []int
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		doc, err := testenv.ParseEMF([]byte(line))
		if err != nil {
			t.Fatal(err)
		}
		perLine = append(perLine, len(doc.Directives[0].Metrics))
		for _, d := range doc.Directives[0].Metrics {
			seen[d.Name] += len(doc.Values(d.Name))
		}
	}
	// 100 counts; 30 counts and 100 latencies; 100 latencies; 50 latencies.
	if fmt.Sprint(perLine) != "[100 31 1 1]" || len(seen) != 131 || seen["Latency"] != 250 || seen["M129"] != 1 {
		t.Fatalf("metrics per line %v, %d names, %d latencies", perLine, len(seen), seen["Latency"])
	}
}
