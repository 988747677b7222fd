// Command policy runs the policy pack offline on every phase's graph and
// prints a table: phase, rule, resource, level, message. It exits 1 when a
// mandatory rule fires, as `pulumi preview --policy-pack policies` would fail.
//
//	go run ./cmd/policy [-stack Pulumi.dev.yaml] [-phases 1-9] [-config policy-config.json]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/scalezero/scalezero/graph"
	"github.com/scalezero/scalezero/policies"
)

func main() {
	stack := flag.String("stack", "Pulumi.dev.yaml", "the stack config file")
	phases := flag.String("phases", "1-9", "phases to check: N, or N-M")
	configFile := flag.String("config", "", "a Pulumi policy config JSON file (enforcement-level overrides)")
	flag.Parse()
	if err := run(*stack, *phases, *configFile); err != nil {
		fmt.Fprintln(os.Stderr, "policy:", err)
		os.Exit(1)
	}
}

func parsePhases(s string) (int, int, error) {
	lo, hi, found := strings.Cut(s, "-")
	if !found {
		hi = lo
	}
	a, err1 := strconv.Atoi(lo)
	b, err2 := strconv.Atoi(hi)
	if err1 != nil || err2 != nil || a < 1 || b > 9 || a > b {
		return 0, 0, fmt.Errorf("-phases %q: allowed N or N-M within 1-9", s)
	}
	return a, b, nil
}

func run(stack, phases, configFile string) error {
	from, to, err := parsePhases(phases)
	if err != nil {
		return err
	}
	cfg := policies.Config{}
	if configFile != "" {
		raw, err := os.ReadFile(configFile)
		if err != nil {
			return err
		}
		if cfg, err = policies.ParseConfig(raw); err != nil {
			return err
		}
	}
	pack, err := policies.Load()
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "PHASE\tRULE\tRESOURCE\tLEVEL\tMESSAGE")
	mandatory, total := 0, 0
	for p := from; p <= to; p++ {
		g, err := graph.RunStack(stack, strconv.Itoa(p))
		if err != nil {
			return fmt.Errorf("phase %d: %w", p, err)
		}
		vs, err := pack.Evaluate(context.Background(), g, cfg)
		if err != nil {
			return fmt.Errorf("phase %d: %w", p, err)
		}
		for _, v := range vs {
			fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\n", v.Phase, v.Rule, v.Resource, v.Level, v.Message)
		}
		if len(vs) == 0 {
			fmt.Fprintf(w, "%d\t-\t-\t-\tno violations (%d rules, %d resources)\n", p, len(pack.Rules), len(g.Resources))
		}
		mandatory += policies.CountMandatory(vs)
		total += len(vs)
	}
	w.Flush()
	fmt.Printf("\n%d rules; phases %d-%d: %d mandatory, %d advisory\n", len(pack.Rules), from, to, mandatory, total-mandatory)
	if mandatory > 0 {
		return fmt.Errorf("%d mandatory violations", mandatory)
	}
	return nil
}
