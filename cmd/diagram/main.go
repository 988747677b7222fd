// Command diagram prints one phase's architecture as a Mermaid flowchart:
// components grouped by region, arrows from each to what it depends on.
//
//	go run ./cmd/diagram -phase 7 [-stack Pulumi.dev.yaml]
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/scalezero/scalezero/graph"
)

func main() {
	phase := flag.String("phase", "", "the phase to draw, 1 to 9 (default: the stack file's)")
	stack := flag.String("stack", "Pulumi.dev.yaml", "the stack config file")
	flag.Parse()
	g, err := graph.RunStack(*stack, *phase)
	if err != nil {
		fmt.Fprintln(os.Stderr, "diagram:", err)
		os.Exit(1)
	}
	fmt.Print(g.Mermaid())
}
