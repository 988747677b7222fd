// Command plan prints one phase's offline graph as JSON:
//
//	go run ./cmd/plan -phase 3 [-stack Pulumi.dev.yaml]
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
	flag.Parse()
	g, err := graph.RunStack(*stack, *phase)
	if err != nil {
		fmt.Fprintln(os.Stderr, "plan:", err)
		os.Exit(1)
	}
	out, err := g.JSON()
	if err != nil {
		fmt.Fprintln(os.Stderr, "plan:", err)
		os.Exit(1)
	}
	os.Stdout.Write(append(out, '\n'))
}
