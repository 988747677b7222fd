package policies_test

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/scalezero/scalezero/policies"
)

var update = flag.Bool("update", false, "rewrite the rule table in PREFLIGHT.md")

const (
	tableBegin = "<!-- BEGIN RULES: generated from the rules' METADATA by `go test ./policies -run TestPreflightTable -update` -->\n"
	tableEnd   = "<!-- END RULES -->\n"
)

// preflightTable renders the preflight rules as a Markdown table.
func preflightTable(p *policies.Pack) string {
	var b strings.Builder
	b.WriteString("| rule | file | resource types | limit | documentation |\n|---|---|---|---|---|\n")
	cell := func(s string) string { return strings.ReplaceAll(s, "|", "\\|") }
	for _, r := range p.Rules {
		if r.Kind != policies.Preflight {
			continue
		}
		types := make([]string, len(r.Types))
		for i, typ := range r.Types {
			types[i] = "`" + typ + "`"
		}
		fmt.Fprintf(&b, "| `%s` | [%s](%s) | %s | %s | %s |\n", r.Name, r.File, r.File, strings.Join(types, ", "), cell(r.Description), cell(r.Doc))
	}
	return b.String()
}

// TestPreflightTable keeps the table of PREFLIGHT.md equal to the rules.
func TestPreflightTable(t *testing.T) {
	raw, err := os.ReadFile("PREFLIGHT.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	start, end := strings.Index(doc, tableBegin), strings.Index(doc, tableEnd)
	if start < 0 || end < start {
		t.Fatalf("PREFLIGHT.md lacks the markers %q and %q", tableBegin, tableEnd)
	}
	want := preflightTable(loadPack(t))
	got := doc[start+len(tableBegin) : end]
	if got == want {
		return
	}
	if *update {
		if err := os.WriteFile("PREFLIGHT.md", []byte(doc[:start+len(tableBegin)]+want+doc[end:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("PREFLIGHT.md's table differs from the rules; run go test ./policies -run TestPreflightTable -update")
}
