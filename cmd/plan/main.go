// Command plan prints one phase's offline graph: as JSON (the contract tests,
// policies and reviews read) or as a Mermaid flowchart of its components.
//
//	go run ./cmd/plan -phase 3 [-stack Pulumi.dev.yaml] [-format json|mermaid] [-set target=localstack ...]
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/scalezero/scalezero/graph"
)

func main() {
	phase := flag.String("phase", "", "the phase to plan, 1 to 9 (default: the stack file's)")
	stack := flag.String("stack", "Pulumi.dev.yaml", "the stack config file")
	format := flag.String("format", "json", "json (the graph) or mermaid (a diagram of its components)")
	var set []string
	flag.Func("set", "key=value: a config setting over the stack file's (repeatable), e.g. target=localstack", func(kv string) error {
		set = append(set, kv)
		return nil
	})
	flag.Parse()
	if err := run(*stack, *phase, *format, set); err != nil {
		fmt.Fprintln(os.Stderr, "plan:", err)
		os.Exit(1)
	}
}

func run(stack, phase, format string, set []string) error {
	if format != "json" && format != "mermaid" {
		return fmt.Errorf("-format %q: allowed json or mermaid", format)
	}
	g, err := graph.RunStack(stack, phase, set...)
	if err != nil {
		return err
	}
	if format == "mermaid" {
		_, err = fmt.Print(g.Mermaid())
		return err
	}
	out, err := g.JSON()
	if err != nil {
		return err
	}
	_, err = os.Stdout.Write(append(out, '\n'))
	return err
}
