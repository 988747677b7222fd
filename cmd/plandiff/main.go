// Command plandiff compares two offline graphs (the output of `make plan`)
// and prints what changes, as Markdown for a pull request: resources added,
// removed and changed, with each changed input's old and new value.
//
//	go run ./cmd/plandiff base.json head.json
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/scalezero/scalezero/graph"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "plandiff:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	if len(args) != 2 {
		return fmt.Errorf("usage: plandiff BASE.json HEAD.json")
	}
	base, err := read(args[0])
	if err != nil {
		return err
	}
	head, err := read(args[1])
	if err != nil {
		return err
	}
	title := fmt.Sprintf("phase %d", head.Phase)
	if base.Phase != head.Phase {
		title = fmt.Sprintf("phase %d -> %d", base.Phase, head.Phase)
	}
	_, err = fmt.Fprint(stdout, graph.Markdown(title, graph.Diff(base, head)))
	return err
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
