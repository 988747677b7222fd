// Command plandiff compares two offline graphs (the output of `make plan`)
// and prints what changes, as Markdown for a pull request: resources added,
// removed and changed, with each changed input's old and new value.
//
//	go run ./cmd/plandiff base.json head.json
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/scalezero/scalezero/graph"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: plandiff BASE.json HEAD.json")
		os.Exit(2)
	}
	base, err := read(os.Args[1])
	if err == nil {
		var head *graph.Graph
		if head, err = read(os.Args[2]); err == nil {
			title := fmt.Sprintf("phase %d", head.Phase)
			if base.Phase != head.Phase {
				title = fmt.Sprintf("phase %d -> %d", base.Phase, head.Phase)
			}
			fmt.Print(graph.Markdown(title, graph.Diff(base, head)))
			return
		}
	}
	fmt.Fprintln(os.Stderr, "plandiff:", err)
	os.Exit(1)
}

func read(path string) (*graph.Graph, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var g graph.Graph
	if err := json.Unmarshal(raw, &g); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &g, nil
}
