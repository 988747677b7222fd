// Command localstack-phases decides which phases can come up on a
// LocalStack tier: it plans each phase with target=localstack (the offline
// graph, as `make plan` does), lists the AWS services its resources and
// invokes call, and keeps the phases whose services the tier emulates
// (stacks.LocalstackUnserved holds the rule). It prints the phases to run on
// one line, for a shell loop, and writes why each other one is skipped.
//
//	go run ./cmd/localstack-phases -tier base [-stack Pulumi.dev.yaml] [-set domain=shop.example.net] [-why skipped.md]
//
// The pull-request workflow's LocalStack job climbs the phases it prints.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/scalezero/scalezero/graph/stackgraph"
	"github.com/scalezero/scalezero/stacks"
	"github.com/scalezero/scalezero/stacks/plan"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "localstack-phases:", err)
		os.Exit(1)
	}
}

// phase is one phase's verdict: the services the tier lacks (none: it runs).
type phase struct {
	n       int
	lacking []string
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("localstack-phases", flag.ContinueOnError)
	tier := fs.String("tier", "free", "the LocalStack tier the auth token has: "+strings.Join(stacks.LocalstackTiers, ", "))
	stack := fs.String("stack", "Pulumi.dev.yaml", "the stack config file the phases are planned with")
	why := fs.String("why", "", "write a Markdown list of the skipped phases and the services each lacks here")
	set := []string{"target=localstack"}
	fs.Func("set", "key=value: a config setting over the stack file's (repeatable), e.g. domain=shop.example.net", func(kv string) error {
		set = append(set, kv)
		return nil
	})
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !slices.Contains(stacks.LocalstackTiers, *tier) {
		return fmt.Errorf("-tier %q: allowed %s", *tier, strings.Join(stacks.LocalstackTiers, ", "))
	}
	phases, err := decide(*tier, *stack, set)
	if err != nil {
		return err
	}
	var runs []string
	for _, p := range phases {
		if len(p.lacking) == 0 {
			runs = append(runs, fmt.Sprint(p.n))
		}
	}
	if *why != "" {
		if err := os.WriteFile(*why, []byte(skipped(*tier, phases)), 0o644); err != nil {
			return err
		}
	}
	_, err = fmt.Fprintln(stdout, strings.Join(runs, " "))
	return err
}

// decide plans every phase and names what the tier lacks for each.
func decide(tier, stack string, set []string) ([]phase, error) {
	var out []phase
	for n := 1; n <= plan.MaxPhase; n++ {
		g, err := stackgraph.RunStack(stack, fmt.Sprint(n), set...)
		if err != nil {
			return nil, fmt.Errorf("plan phase %d with target=localstack: %w", n, err)
		}
		tokens := slices.Clone(g.Invokes)
		for _, r := range g.Resources {
			tokens = append(tokens, r.Type)
		}
		lacking, err := stacks.LocalstackUnserved(tier, tokens)
		if err != nil {
			return nil, err
		}
		out = append(out, phase{n, lacking})
	}
	return out, nil
}

// skipped is the Markdown list of the phases left out and why; empty when
// the tier serves every phase.
func skipped(tier string, phases []phase) string {
	var b strings.Builder
	for _, p := range phases {
		if len(p.lacking) > 0 {
			fmt.Fprintf(&b, "- phase %d: skipped, the %s tier does not emulate %s\n", p.n, tier, strings.Join(p.lacking, ", "))
		}
	}
	return b.String()
}
