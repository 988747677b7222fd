// Command review writes the body of the one sticky pull-request comment: for
// each phase whose offline graph changed between a base and a head, the
// resource diff, the monthly cost change per tier, the budget gate and the
// policy pack's findings on the head; most important first (a summary table,
// then what blocks the change, then each phase's details), cut at a section
// boundary to fit GitHub's comment limit, with a link to the full review in
// the job summary.
//
//	go run ./cmd/review -base bin/review/base -head bin/review/head [-range origin/main..HEAD]
//	    [-summary-url URL] [-budget budget.yaml] [-smoke smoke.md] [-out comment.md] [-full full.md]
//
// Each directory holds phase-N.json files (`make plan` output, N = 1-9); a
// phase missing in the base is new. The command exits 1 when a phase is
// over its budget or the pack has a mandatory finding, after writing both
// files, so the workflow can post the comment and then fail the check.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/scalezero/scalezero/cost"
	"github.com/scalezero/scalezero/graph"
	"github.com/scalezero/scalezero/policies"
)

// Marker identifies the sticky comment, so the workflow edits it in place.
const Marker = "<!-- scalezero-review -->"

// Limit is GitHub's maximum comment body (65,536 characters); bytes are
// counted, which is never fewer than characters.
const Limit = 65536

// SmokeMarker is where the throwaway environment's smoke result goes when
// the workflow has one (-smoke); the section says "not run" otherwise.
const SmokeMarker = "<!-- scalezero-smoke -->"

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "review:", err)
		os.Exit(1)
	}
}

type options struct {
	base, head, rng, summaryURL, budget, smoke, prices, usage string
	limit                                                     int
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("review", flag.ContinueOnError)
	var o options
	fs.StringVar(&o.base, "base", "", "directory of the base's phase-N.json graphs")
	fs.StringVar(&o.head, "head", "", "directory of the head's phase-N.json graphs")
	fs.StringVar(&o.rng, "range", "", "what is compared, for the title, e.g. origin/main..HEAD")
	fs.StringVar(&o.summaryURL, "summary-url", defaultSummaryURL(), "where the full review is (default: this GitHub Actions run, from GITHUB_SERVER_URL, GITHUB_REPOSITORY and GITHUB_RUN_ID)")
	fs.StringVar(&o.budget, "budget", "", "the per-phase monthly ceilings (budget.yaml)")
	fs.StringVar(&o.smoke, "smoke", "", "a Markdown file with the throwaway environment's smoke result")
	fs.StringVar(&o.prices, "prices", "", "the price table (default: cost/prices.yaml)")
	fs.StringVar(&o.usage, "usage", "", "the usage file (default: cost/usage.yaml)")
	fs.IntVar(&o.limit, "limit", Limit, "the comment's maximum size in bytes")
	out := fs.String("out", "", "write the (trimmed) comment here instead of stdout")
	full := fs.String("full", "", "also write the untrimmed review here (for the job summary)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.base == "" || o.head == "" {
		return errors.New("usage: review -base DIR -head DIR [-range A..B] [-summary-url URL] [-budget FILE] [-smoke FILE] [-out FILE] [-full FILE]")
	}
	r, err := build(o)
	if err != nil {
		return err
	}
	if *full != "" {
		if err := os.WriteFile(*full, []byte(r.Render(0, "")), 0o644); err != nil {
			return err
		}
	}
	body := r.Render(o.limit, o.summaryURL)
	if *out != "" {
		err = os.WriteFile(*out, []byte(body), 0o644)
	} else {
		_, err = io.WriteString(stdout, body)
	}
	if err != nil {
		return err
	}
	return r.Blocked()
}

func defaultSummaryURL() string {
	server, repo, id := os.Getenv("GITHUB_SERVER_URL"), os.Getenv("GITHUB_REPOSITORY"), os.Getenv("GITHUB_RUN_ID")
	if server == "" || repo == "" || id == "" {
		return ""
	}
	return fmt.Sprintf("%s/%s/actions/runs/%s", server, repo, id)
}

// phase is one phase compared.
type phase struct {
	n              int
	base, head     *graph.Graph // base nil: a new phase
	changes        []graph.Change
	baseEst        *cost.Estimate
	headEst        *cost.Estimate
	costErr        error
	over           error // the budget gate's message
	denials, notes []finding
}

type finding struct {
	policies.Violation
	isNew bool // not found on the base
}

func (p *phase) counts() (added, removed, changed int) {
	for _, c := range p.changes {
		switch c.Kind {
		case graph.Added:
			added++
		case graph.Removed:
			removed++
		case graph.Changed:
			changed++
		}
	}
	return
}

func (p *phase) changed() bool {
	a, r, c := p.counts()
	return a+r+c > 0 || p.costDelta() != 0 || p.costErr != nil
}

func (p *phase) costDelta() float64 {
	if p.headEst == nil {
		return 0
	}
	var before float64
	if p.baseEst != nil {
		before = p.baseEst.Total
	}
	d := p.headEst.Total - before
	if d > -0.005 && d < 0.005 {
		return 0
	}
	return d
}

// Review is everything the comment says.
type Review struct {
	title, date string
	phases      []*phase
	smoke       string
}

func build(o options) (*Review, error) {
	table, err := cost.LoadTable(o.prices)
	if err != nil {
		return nil, err
	}
	use, err := cost.LoadUsage(o.usage)
	if err != nil {
		return nil, err
	}
	var budget *cost.Budget
	if o.budget != "" {
		if budget, err = cost.LoadBudget(o.budget); err != nil {
			return nil, err
		}
	}
	pack, err := policies.Load()
	if err != nil {
		return nil, err
	}
	r := &Review{title: o.rng, date: table.Date}
	if o.smoke != "" {
		raw, err := os.ReadFile(o.smoke)
		if err != nil {
			return nil, err
		}
		r.smoke = strings.TrimSpace(string(raw))
	}
	for n := 1; n <= 9; n++ {
		head, err := readGraph(o.head, n)
		if err != nil {
			return nil, err
		}
		if head == nil {
			continue // the head does not plan this phase: nothing to review
		}
		base, err := readGraph(o.base, n)
		if err != nil {
			return nil, err
		}
		p := &phase{n: n, base: base, head: head}
		empty := &graph.Graph{Phase: n}
		if base != nil {
			empty = base
		}
		p.changes = graph.Diff(empty, head)
		if p.headEst, err = price(head, table, use); err != nil {
			p.costErr = err
		} else if base != nil {
			if p.baseEst, err = price(base, table, use); err != nil {
				p.costErr = fmt.Errorf("the base: %w", err)
			}
		}
		if p.costErr == nil {
			p.over = budget.Check(p.baseEst, p.headEst, "the change")
		}
		if err := p.evaluate(pack); err != nil {
			return nil, fmt.Errorf("phase %d: %w", n, err)
		}
		r.phases = append(r.phases, p)
	}
	if len(r.phases) == 0 {
		return nil, fmt.Errorf("no phase-N.json in %s", o.head)
	}
	return r, nil
}

// evaluate runs the pack on the head, marking what the base did not have.
func (p *phase) evaluate(pack *policies.Pack) error {
	ctx := context.Background()
	head, err := pack.Evaluate(ctx, p.head, policies.Config{})
	if err != nil {
		return err
	}
	before := map[string]bool{}
	if p.base != nil {
		vs, err := pack.Evaluate(ctx, p.base, policies.Config{})
		if err != nil {
			return err
		}
		for _, v := range vs {
			before[v.Rule+"|"+v.Resource+"|"+v.Message] = true
		}
	}
	for _, v := range head {
		f := finding{Violation: v, isNew: !before[v.Rule+"|"+v.Resource+"|"+v.Message]}
		if v.Level == policies.Mandatory {
			p.denials = append(p.denials, f)
		} else {
			p.notes = append(p.notes, f)
		}
	}
	return nil
}

func readGraph(dir string, n int) (*graph.Graph, error) {
	raw, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("phase-%d.json", n)))
	if errors.Is(err, os.ErrNotExist) || (err == nil && len(strings.TrimSpace(string(raw))) == 0) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var g graph.Graph
	if err := json.Unmarshal(raw, &g); err != nil {
		return nil, fmt.Errorf("%s phase %d: %w", dir, n, err)
	}
	return &g, nil
}

// price reads the graph the way cmd/cost does.
func price(g *graph.Graph, table *cost.Table, use *cost.Usage) (*cost.Estimate, error) {
	return cost.Compute(g, table, use)
}

// Blocked is why the check fails: the phases over budget and the mandatory
// findings; nil when neither.
func (r *Review) Blocked() error {
	var errs []error
	for _, p := range r.phases {
		if p.over != nil {
			errs = append(errs, p.over)
		}
		if len(p.denials) > 0 {
			errs = append(errs, fmt.Errorf("phase %d: %d mandatory policy findings", p.n, len(p.denials)))
		}
	}
	return errors.Join(errs...)
}
