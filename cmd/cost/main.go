// Command cost prices offline graphs (the JSON `make plan` prints) with the
// repo's dated price table and a usage file, as Markdown.
//
//	go run ./cmd/cost [-prices cost/prices.yaml] [-usage cost/usage.yaml] phase3.json   one phase, per resource and tier
//	go run ./cmd/cost p1.json p2.json ... p9.json                                     the phases and what each step adds
//	go run ./cmd/cost -diff base.json head.json                                       what a change does to a phase's cost
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/scalezero/scalezero/cost"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "cost:", err)
		os.Exit(1)
	}
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("cost", flag.ContinueOnError)
	prices := fs.String("prices", "", "the price table (default: the one built in, cost/prices.yaml)")
	usage := fs.String("usage", "", "the usage file (default: the one built in, cost/usage.yaml)")
	diff := fs.Bool("diff", false, "compare two graphs: base.json head.json")
	year := fs.Int("year", 1, "the year of the stack's life priced: a rotated KMS key bills a key-month more after each of its first two yearly rotations (1, 2, 3 or later)")
	budgetFile := fs.String("budget", "", "a per-phase monthly ceiling (budget.yaml); a phase over it fails the command")
	if err := fs.Parse(args); err != nil {
		return err
	}
	files := fs.Args()
	switch {
	case len(files) == 0:
		return errors.New("usage: cost [-prices FILE] [-usage FILE] [-diff] GRAPH.json...")
	case *diff && len(files) != 2:
		return errors.New("-diff takes two graphs: base.json head.json")
	}
	table, err := cost.LoadTable(*prices)
	if err != nil {
		return err
	}
	use, err := cost.LoadUsage(*usage)
	if err != nil {
		return err
	}
	if *year < 1 {
		return fmt.Errorf("-year %d: allowed 1 (the first year) or later", *year)
	}
	use.Year = *year
	var budget *cost.Budget
	if *budgetFile != "" {
		if budget, err = cost.LoadBudget(*budgetFile); err != nil {
			return err
		}
	}
	phases := make([]cost.Phase, len(files))
	var errs []error
	for i, f := range files {
		g, err := cost.ReadGraph(f)
		if err == nil {
			phases[i] = cost.Phase{Number: g.Phase}
			phases[i].Est, err = cost.Compute(g, table, use)
		}
		if err != nil {
			phases[i].Err = err
			errs = append(errs, err)
		}
	}
	failed := errors.Join(errs...)
	switch {
	case *diff && failed != nil:
		// The review shows why the cost is missing, and the command fails.
		fmt.Fprintf(out, "#### Cost: not priced\n\n```\n%v\n```\n", failed)
		return failed
	case *diff:
		base, head := phases[0].Est, phases[1].Est
		title := fmt.Sprintf("phase %d", head.Phase)
		if base.Phase != head.Phase {
			title = fmt.Sprintf("phase %d -> %d", base.Phase, head.Phase)
		}
		if _, err = fmt.Fprint(out, cost.Diff(title, base, head)); err != nil {
			return err
		}
		return overBudget(out, budget.Check(base, head, "the change"))
	case len(phases) == 1 && failed == nil:
		if _, err = fmt.Fprint(out, phases[0].Est.Markdown()); err != nil {
			return err
		}
		return overBudget(out, budget.Check(nil, phases[0].Est, "its tiers:"))
	case len(phases) > 1:
		fmt.Fprintf(out, "Monthly on-demand cost per phase (price table of %s), in year %d of the stack (a KMS key with yearly rotation bills %g key-month(s) a month then; -year N for another year):\n\n%s",
			table.Date, *year, cost.KeyMonths(365, *year), cost.Summary(phases))
		var over []error
		for i := range phases {
			var prev *cost.Estimate
			what := "its tiers:"
			if i > 0 && phases[i-1].Est != nil {
				prev, what = phases[i-1].Est, fmt.Sprintf("the step from phase %d", phases[i-1].Number)
			}
			if err := budget.Check(prev, phases[i].Est, what); err != nil {
				over = append(over, err)
			}
		}
		if err := overBudget(out, errors.Join(over...)); err != nil {
			return errors.Join(failed, err)
		}
	}
	return failed
}

// overBudget prints the phases over their ceiling under the figures, and
// returns them as the command's failure.
func overBudget(out io.Writer, err error) error {
	if err == nil {
		return nil
	}
	fmt.Fprintf(out, "\n**Over budget**:\n\n")
	for _, line := range strings.Split(err.Error(), "\n") {
		fmt.Fprintf(out, "- %s\n", line)
	}
	return err
}
