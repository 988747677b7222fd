package main

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scalezero/scalezero/cost"
	"github.com/scalezero/scalezero/graph"
)

// The testdata graphs are `make plan` output (dev stack, domain
// shop.scalezero-demo.net, phases 1-9) at two commits of this repository:
// 242cfe6 and b009e54 (between them: host roles reading only their own
// region's settings, the CDN's and the app's security headers, the jobs
// bucket's expiry).
const (
	baseCommit = "testdata/base-242cfe6"
	headCommit = "testdata/head-b009e54"
	runURL     = "https://github.com/scalezero/scalezero/actions/runs/42"
	// grownBase is an older commit (3de76d6, before the single server's
	// alarms): from it, phase 1's cost grows, which the budget test needs.
	grownBase = "testdata/base-3de76d6"
)

// unpack writes a testdata directory's phase-N.json.gz as phase-N.json.
func unpack(t *testing.T, dir string) string {
	t.Helper()
	out := t.TempDir()
	files, _ := filepath.Glob(filepath.Join(dir, "phase-*.json.gz"))
	if len(files) == 0 {
		t.Fatalf("no graphs in %s", dir)
	}
	for _, f := range files {
		in, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(in)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := io.ReadAll(zr)
		in.Close()
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(out, strings.TrimSuffix(filepath.Base(f), ".gz")), raw, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// review runs the command as the workflow does and returns the comment, the
// full review and the command's error.
func review(t *testing.T, base, head string, extra ...string) (string, string, error) {
	t.Helper()
	dir := t.TempDir()
	out, full := filepath.Join(dir, "comment.md"), filepath.Join(dir, "full.md")
	args := append([]string{"-base", base, "-head", head, "-range", "242cfe6..b009e54", "-summary-url", runURL, "-out", out, "-full", full}, extra...)
	err := run(args, io.Discard)
	c, rerr := os.ReadFile(out)
	if rerr != nil {
		t.Fatalf("no comment written: %v (run: %v)", rerr, err)
	}
	f, rerr := os.ReadFile(full)
	if rerr != nil {
		t.Fatal(rerr)
	}
	return string(c), string(f), err
}

func readJSON(t *testing.T, path string) *graph.Graph {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var g graph.Graph
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatal(err)
	}
	return &g
}

func estimate(t *testing.T, path string) *cost.Estimate {
	t.Helper()
	g, err := cost.ReadGraph(path)
	if err != nil {
		t.Fatal(err)
	}
	table, _ := cost.DefaultTable()
	use, _ := cost.DefaultUsage()
	e, err := cost.Compute(g, table, use)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// The comment for the real range: the marker first, a summary row per
// phase with the counts graph.Diff finds and the cost change cost.Compute
// finds, the smoke section, then a details section for each changed phase
// only, in that order; nothing trimmed.
func TestReviewOfARealRange(t *testing.T) {
	base, head := unpack(t, baseCommit), unpack(t, headCommit)
	body, full, err := review(t, base, head)
	if err != nil {
		t.Fatalf("nothing in this range is over budget or denied: %v", err)
	}
	if body != full {
		t.Errorf("a %d-byte review was trimmed", len(full))
	}
	if !strings.HasPrefix(body, Marker+"\n") {
		t.Errorf("the comment does not start with the sticky marker %s", Marker)
	}
	if strings.Contains(body, TrimmedMarker) {
		t.Error("a review under the limit says it was trimmed")
	}
	last := 0
	changed := 0
	for p := 1; p <= 9; p++ {
		bf, hf := filepath.Join(base, fmt.Sprintf("phase-%d.json", p)), filepath.Join(head, fmt.Sprintf("phase-%d.json", p))
		n := map[string]int{}
		for _, c := range graph.Diff(readJSON(t, bf), readJSON(t, hf)) {
			n[c.Kind]++
		}
		be, he := estimate(t, bf), estimate(t, hf)
		row := fmt.Sprintf("| %d | +%d −%d ~%d | $%.2f | $%.2f |", p, n[graph.Added], n[graph.Removed], n[graph.Changed], be.Total, he.Total)
		i := strings.Index(body, row)
		if i < 0 {
			t.Errorf("no summary row starting %q", row)
			continue
		}
		if i < last {
			t.Errorf("phase %d's row is out of order", p)
		}
		last = i
		if d := he.Total - be.Total; d > 0.005 && !strings.Contains(body[i:], fmt.Sprintf("| +$%.2f | %s |", d, cost.TierChanges(be, he))) {
			t.Errorf("phase %d's row lacks its cost change +$%.2f", p, d)
		}
		section := fmt.Sprintf("\n### Phase %d\n", p)
		has := strings.Contains(body, section)
		isChanged := n[graph.Added]+n[graph.Removed]+n[graph.Changed] > 0
		if has != isChanged {
			t.Errorf("phase %d: details section present %v, phase changed %v", p, has, isChanged)
		}
		if isChanged {
			changed++
			if strings.Index(body, section) < strings.Index(body, SmokeMarker) {
				t.Errorf("phase %d's details come before the smoke section", p)
			}
		}
	}
	if changed == 0 {
		t.Fatal("the range changes no phase: the test data is not the range described")
	}
	if !strings.Contains(body, SmokeMarker+"\nNot run") {
		t.Error("without -smoke the smoke section does not say it was not run")
	}
}

// Every phase new (the base predates the program, so `make review` has no
// base graph): the full review is far over GitHub's limit; the comment
// keeps the summary, cuts at a section boundary, says so with the marker
// line and links the job summary, and fits.
func TestOverTheLimitIsTrimmedAtASection(t *testing.T) {
	head := unpack(t, headCommit)
	body, full, err := review(t, t.TempDir(), head)
	if err != nil {
		t.Fatal(err)
	}
	if len(full) <= Limit {
		t.Fatalf("the full review is %d bytes; the test needs one over %d", len(full), Limit)
	}
	if len(body) > Limit {
		t.Errorf("the comment is %d bytes, over %d", len(body), Limit)
	}
	cut := strings.Index(body, "\n"+TrimmedMarker+"\n")
	if cut < 0 {
		t.Fatalf("no trim marker line in the comment's last %q", body[len(body)-300:])
	}
	kept, trailer := body[:cut], body[cut:]
	if !strings.HasPrefix(full, kept) || !strings.HasPrefix(full[len(kept):], "\n### ") {
		t.Errorf("the cut is not at a section boundary: the full review goes on with %q", full[len(kept):min(len(full), len(kept)+40)])
	}
	if !strings.Contains(trailer, "]("+runURL+")") {
		t.Errorf("the trim line does not link the run's summary: %q", trailer)
	}
	for p := 1; p <= 9; p++ {
		if !strings.Contains(kept, fmt.Sprintf("| %d | new phase: +", p)) {
			t.Errorf("the summary lost phase %d's row", p)
		}
	}
	// What was cut is named: the first section left out is the one the
	// full review goes on with.
	next := full[len(kept)+len("\n### "):]
	next = next[:strings.Index(next, "\n")]
	if !strings.Contains(trailer, "phase "+strings.TrimPrefix(next, "Phase ")+"'s details") {
		t.Errorf("the trim line %q does not name the first section cut (%s)", trailer, next)
	}
	// 65,536 exactly: room for sections that fit is used.
	if Limit-len(body) > len(full)-len(kept) {
		t.Error("the comment left out sections that fit")
	}
}

// A ceiling under a phase's head figure blocks the change: the command
// fails naming the phase, the comment lists it before the details, and the
// tiers named are the ones the range grew.
func TestBudgetOverInTheComment(t *testing.T) {
	base, head := unpack(t, grownBase), unpack(t, headCommit)
	he := estimate(t, filepath.Join(head, "phase-1.json"))
	be := estimate(t, filepath.Join(base, "phase-1.json"))
	file := filepath.Join(t.TempDir(), "budget.yaml")
	ceiling := be.Total // the base fits; the head's growth breaks it
	if err := os.WriteFile(file, []byte(fmt.Sprintf("phases:\n  1: %.2f\n", ceiling)), 0o644); err != nil {
		t.Fatal(err)
	}
	body, _, err := review(t, base, head, "-budget", file)
	want := fmt.Sprintf("phase 1: $%.2f a month is over its budget of $%.2f by $%.2f; the change adds %s", he.Total, ceiling, he.Total-ceiling, cost.TierChanges(be, he))
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("got %v, want the error %q", err, want)
	}
	i, j := strings.Index(body, want), strings.Index(body, "\n### Phase 1\n")
	if i < 0 || j < 0 || i > j {
		t.Errorf("the budget message is not in the comment before the details (at %d, details at %d)", i, j)
	}
	if !strings.Contains(body, "| 1 | +") || !strings.Contains(body, ":no_entry: over") {
		t.Error("phase 1's summary row does not say it is over budget")
	}
}

// The throwaway environment's job hands its result in with -smoke.
func TestSmokeResultFillsItsSection(t *testing.T) {
	base, head := unpack(t, baseCommit), unpack(t, headCommit)
	smoke := filepath.Join(t.TempDir(), "smoke.md")
	os.WriteFile(smoke, []byte("docker phase 8: sign up, log in, profile, avatar: passed\n"), 0o644)
	body, _, err := review(t, base, head, "-smoke", smoke)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(body, SmokeMarker+"\ndocker phase 8: sign up, log in, profile, avatar: passed\n") {
		t.Error("the smoke result is not under its marker")
	}
}

// A mandatory finding the base did not have blocks the change: the command
// fails naming the phase, and the comment lists the finding, marked new,
// under "What blocks this change" before any phase's details.
func TestMandatoryFindingBlocks(t *testing.T) {
	base, head := unpack(t, baseCommit), unpack(t, headCommit)
	path := filepath.Join(head, "phase-1.json")
	g := readJSON(t, path)
	name := ""
	for i := range g.Resources {
		if g.Resources[i].Type == "aws:cloudwatch/logGroup:LogGroup" {
			delete(g.Resources[i].Inputs, "retentionInDays") // kept forever: the pack denies it
			name = g.Resources[i].Name
			break
		}
	}
	if name == "" {
		t.Fatal("phase 1 has no log group")
	}
	raw, err := json.Marshal(g)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	body, _, err := review(t, base, head)
	if err == nil || !strings.Contains(err.Error(), "phase 1: 1 mandatory policy findings") {
		t.Fatalf("got %v, want phase 1's mandatory finding to fail the command", err)
	}
	blocks := strings.Index(body, "### What blocks this change")
	finding := strings.Index(body, "on `"+name+"` (new): log group '"+name+"' keeps its logs forever")
	details := strings.Index(body, "\n### Phase 1\n")
	if blocks < 0 || finding < blocks || details < finding {
		t.Errorf("the finding is not listed, new, under what blocks the change before the details (%d, %d, %d)", blocks, finding, details)
	}
	if !strings.Contains(body, "| :no_entry: 1 mandatory |") {
		t.Error("phase 1's summary row does not count the mandatory finding")
	}
}
