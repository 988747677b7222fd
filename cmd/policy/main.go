// Command policy runs the policy pack offline on every phase's graph and
// prints a table: phase, rule, resource, level, message. It exits 1 when a
// mandatory rule fires, as `pulumi preview --policy-pack policies` would fail.
//
//	go run ./cmd/policy [-stack Pulumi.dev.yaml] [-phases 1-9] [-config policy-config.json] [-set domain=shop.your-domain.com ...]
//
// A phase the stack cannot plan for want of a setting (phase 7 on aws needs
// a domain, which the dev stack does not ship with) is listed as not
// checked, with the setting to give; it is not counted as passing.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/scalezero/scalezero/graph"
	"github.com/scalezero/scalezero/policies"
	"github.com/scalezero/scalezero/stacks/plan"
)

func main() {
	stack := flag.String("stack", "Pulumi.dev.yaml", "the stack config file")
	phases := flag.String("phases", "1-9", "phases to check: N, or N-M")
	configFile := flag.String("config", "", "a Pulumi policy config JSON file (enforcement-level overrides)")
	var set []string
	flag.Func("set", "key=value: a config setting over the stack file's (repeatable), e.g. domain=shop.your-domain.com", func(kv string) error {
		set = append(set, kv)
		return nil
	})
	flag.Parse()
	if err := run(*stack, *phases, *configFile, set); err != nil {
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

func run(stack, phases, configFile string, set []string) error {
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
	var unchecked []string
	for p := from; p <= to; p++ {
		g, err := graph.RunStack(stack, strconv.Itoa(p), set...)
		var missing *plan.ConfigError
		if errors.As(err, &missing) && missing.Value == "" {
			fmt.Fprintf(w, "%d	-	-	-	not checked: %v\n", p, err)
			unchecked = append(unchecked, fmt.Sprintf("%d (-set %s=...)", p, missing.Key))
			continue
		}
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
	if len(unchecked) > 0 {
		fmt.Printf("not checked, for want of a setting: phases %s\n", strings.Join(unchecked, ", "))
	}
	if mandatory > 0 {
		return fmt.Errorf("%d mandatory violations", mandatory)
	}
	return nil
}
