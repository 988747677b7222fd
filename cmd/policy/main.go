// Command policy runs the policy pack offline on every phase's graph, for the
// aws and docker targets, and prints the preflight rules (what AWS or Docker
// would refuse) apart from the best-practice rules: target, phase, rule,
// resource, level, message. It exits 1 when a mandatory rule fires, as
// `pulumi preview --policy-pack policies` would fail.
//
//	go run ./cmd/policy [-stack Pulumi.dev.yaml] [-phases 1-9] [-targets aws,docker] [-config policy-config.json] [-set domain=shop.your-domain.com ...]
//
// A -set target=X checks that target only. A phase the stack cannot plan for
// want of a setting (phase 7 on aws needs a domain, which the dev stack does
// not ship with) is listed as not checked, with the setting to give; it is
// not counted as passing.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/scalezero/scalezero/graph/stackgraph"
	"github.com/scalezero/scalezero/policies"
	"github.com/scalezero/scalezero/stacks/plan"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
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
	if err1 != nil || err2 != nil || a < 1 || b > plan.MaxPhase || a > b {
		return 0, 0, fmt.Errorf("-phases %q: allowed N or N-M within 1-%d", s, plan.MaxPhase)
	}
	return a, b, nil
}

func parseTargets(s string) ([]string, error) {
	var out []string
	for _, t := range strings.Split(s, ",") {
		switch t = strings.TrimSpace(t); t {
		case "aws", "docker":
			out = append(out, t)
		default:
			return nil, fmt.Errorf("-targets %q: allowed aws, docker or both (aws,docker)", s)
		}
	}
	return out, nil
}

type options struct {
	stack, phases, targets, config string
	set                            []string
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("policy", flag.ContinueOnError)
	var o options
	fs.StringVar(&o.stack, "stack", "Pulumi.dev.yaml", "the stack config file")
	fs.StringVar(&o.phases, "phases", fmt.Sprintf("1-%d", plan.MaxPhase), "phases to check: N, or N-M")
	fs.StringVar(&o.targets, "targets", "aws,docker", "targets to check: aws, docker or aws,docker")
	fs.StringVar(&o.config, "config", "", "a Pulumi policy config JSON file (enforcement-level overrides)")
	fs.Func("set", "key=value: a config setting over the stack file's (repeatable), e.g. domain=shop.your-domain.com; target=X checks that target only", func(kv string) error {
		o.set = append(o.set, kv)
		return nil
	})
	if err := fs.Parse(args); err != nil {
		return err
	}
	from, to, err := parsePhases(o.phases)
	if err != nil {
		return err
	}
	targets, err := parseTargets(o.targets)
	if err != nil {
		return err
	}
	var set []string
	for _, kv := range o.set {
		if t, ok := strings.CutPrefix(kv, "target="); ok {
			if targets, err = parseTargets(t); err != nil {
				return err
			}
			continue
		}
		set = append(set, kv)
	}
	cfg := policies.Config{}
	if o.config != "" {
		raw, err := os.ReadFile(o.config)
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
	var found []finding
	unchecked := map[string][]string{} // the missing setting's error -> the phases it stops
	for _, target := range targets {
		for p := from; p <= to; p++ {
			g, err := stackgraph.RunStack(o.stack, strconv.Itoa(p), append([]string{"target=" + target}, set...)...)
			var missing *plan.ConfigError
			if errors.As(err, &missing) && missing.Value == "" {
				why := fmt.Sprintf("-set %s=... (%v)", missing.Key, err)
				unchecked[why] = append(unchecked[why], fmt.Sprintf("%s %d", target, p))
				continue
			}
			if err != nil {
				return fmt.Errorf("%s phase %d: %w", target, p, err)
			}
			vs, err := pack.Evaluate(context.Background(), g, cfg)
			if err != nil {
				return fmt.Errorf("%s phase %d: %w", target, p, err)
			}
			for _, v := range vs {
				found = append(found, finding{target, v})
			}
		}
	}
	mandatory := 0
	for _, kind := range []string{policies.Preflight, policies.BestPractice} {
		mandatory += section(out, pack, kind, found)
	}
	fmt.Fprintf(out, "phases %d-%d, targets %s: %d mandatory, %d advisory\n", from, to, strings.Join(targets, ","), mandatory, len(found)-mandatory)
	for why, where := range unchecked {
		fmt.Fprintf(out, "not checked, for want of a setting: %s; give %s\n", strings.Join(where, ", "), why)
	}
	if mandatory > 0 {
		return fmt.Errorf("%d mandatory violations", mandatory)
	}
	return nil
}

type finding struct {
	target string
	policies.Violation
}

// section prints one kind's rules and what they found; it returns how many
// of those findings are mandatory.
func section(out io.Writer, pack *policies.Pack, kind string, found []finding) int {
	rules := 0
	for _, r := range pack.Rules {
		if r.Kind == kind {
			rules++
		}
	}
	title := map[string]string{
		policies.Preflight:    "PREFLIGHT: what AWS, Docker or the provider would refuse",
		policies.BestPractice: "BEST PRACTICE: the chapter's principles and the security baseline",
	}[kind]
	fmt.Fprintf(out, "%s (%d rules)\n", title, rules)
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "TARGET\tPHASE\tRULE\tRESOURCE\tLEVEL\tMESSAGE")
	n, mandatory := 0, 0
	for _, f := range found {
		if f.Kind != kind {
			continue
		}
		fmt.Fprintf(w, "%s\t%d\t%s\t%s\t%s\t%s\n", f.target, f.Phase, f.Rule, f.Resource, f.Level, f.Message)
		n++
		if f.Level == policies.Mandatory {
			mandatory++
		}
	}
	if n == 0 {
		fmt.Fprintln(w, "-\t-\t-\t-\t-\tno violations")
	}
	w.Flush()
	fmt.Fprintln(out)
	return mandatory
}
