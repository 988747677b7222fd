// Command plan prints one phase's offline graph: as JSON (the contract tests,
// policies and reviews read) or as a Mermaid flowchart of its components. By
// default the graph holds known values, as after `pulumi up` (every id, ARN
// and endpoint made up deterministically, so `make diff` compares value with
// value); -view preview prints what a first preview of a new stack shows
// instead, with those values unknown.
//
//	go run ./cmd/plan -phase 3 [-stack Pulumi.dev.yaml] [-format json|mermaid] [-view known|preview] [-set target=localstack ...]
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/scalezero/scalezero/graph"
	"github.com/scalezero/scalezero/graph/stackgraph"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if err != flag.ErrHelp {
			fmt.Fprintln(os.Stderr, "plan:", err)
		}
		os.Exit(1)
	}
}

// run parses its own flags: the Pulumi SDK registers glog's on the global set.
func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("plan", flag.ContinueOnError)
	fs.SetOutput(stderr)
	phase := fs.String("phase", "", "the phase to plan, 1 to 9 (default: the stack file's)")
	stack := fs.String("stack", "Pulumi.dev.yaml", "the stack config file")
	format := fs.String("format", "json", "json (the graph) or mermaid (a diagram of its components)")
	viewName := fs.String("view", "known", "known (values as after pulumi up, made up per URN) or preview (ids, ARNs, endpoints unknown, as a first preview shows)")
	var set []string
	fs.Func("set", "key=value: a config setting over the stack file's (repeatable), e.g. target=localstack", func(kv string) error {
		set = append(set, kv)
		return nil
	})
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *format != "json" && *format != "mermaid" {
		return fmt.Errorf("-format %q: allowed json or mermaid", *format)
	}
	view, err := graph.ParseView(*viewName)
	if err != nil {
		return fmt.Errorf("-%w", err)
	}
	g, err := stackgraph.RunStackView(view, *stack, *phase, set...)
	if err != nil {
		return err
	}
	if *format == "mermaid" {
		_, err = fmt.Fprint(stdout, g.Mermaid())
		return err
	}
	out, err := g.JSON()
	if err != nil {
		return err
	}
	_, err = stdout.Write(append(out, '\n'))
	return err
}
