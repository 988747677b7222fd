package stacks_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scalezero/scalezero/graph"
)

var update = flag.Bool("update", false, "rewrite the transition golden files")

// transition lists, for phase n -> n+1, each URN added (+), removed (-), kept
// with changed inputs (~) or kept unchanged (=).
func transition(from, to *graph.Graph) (text string, added, removed, changed []string) {
	var lines []string
	for _, c := range graph.Diff(from, to) {
		lines = append(lines, c.Kind+" "+c.URN)
		switch c.Kind {
		case graph.Added:
			added = append(added, c.URN)
		case graph.Removed:
			removed = append(removed, c.URN)
		case graph.Changed:
			changed = append(changed, c.URN)
		}
	}
	head := fmt.Sprintf("# phase %d -> %d: %d added, %d removed, %d changed, %d unchanged\n",
		from.Phase, to.Phase, len(added), len(removed), len(changed), len(to.Resources)-len(added)-len(changed))
	return head + strings.Join(lines, "\n") + "\n", added, removed, changed
}

// TestTransitionsMatchGoldenFiles fails when a URN is added, removed or changed
// without the reviewed golden file changing with it (go test ./stacks -update).
func TestTransitionsMatchGoldenFiles(t *testing.T) {
	dirs := map[string]string{"aws": "transitions", "docker": "transitions-docker"}
	for target, dir := range dirs {
		for n := 1; n < 9; n++ {
			t.Run(fmt.Sprintf("%s/%d-%d", target, n, n+1), func(t *testing.T) {
				got, _, _, _ := transition(targetGraph(t, target, n), targetGraph(t, target, n+1))
				path := filepath.Join("testdata", dir, fmt.Sprintf("%d-%d.txt", n, n+1))
				if *update {
					if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run go test ./stacks -update to create it)", err)
				}
				if got != string(want) {
					t.Fatalf("%s transition %d -> %d differs from %s; review the diff and rerun with -update:\n%s", target, n, n+1, path, lineDiff(string(want), got))
				}
			})
		}
	}
}

func lineDiff(want, got string) string {
	w := map[string]bool{}
	for _, l := range strings.Split(want, "\n") {
		w[l] = true
	}
	g := map[string]bool{}
	var out []string
	for _, l := range strings.Split(got, "\n") {
		g[l] = true
		if !w[l] {
			out = append(out, "got:  "+l)
		}
	}
	for _, l := range strings.Split(want, "\n") {
		if !g[l] {
			out = append(out, "want: "+l)
		}
	}
	return strings.Join(out, "\n")
}

// Raising the phase only adds, except where the chapter replaces something:
// phase 2 takes the database and cache off the host, phase 3 replaces the
// single server by the fleet. On every target.
func TestRaisingThePhaseRemovesOnlyWhatTheChapterReplaces(t *testing.T) {
	allowed := map[string]map[int][]string{
		"aws": {
			1: {"app-config-scalezero-database-user", "app-config-scalezero-cache-addr", "app-config-scalezero-local-data"},
			2: {"::server", "server-role", "db-from-server"},
		},
		"docker": {
			1: {"::server-db", "::server-cache"},
			2: {"::server"},
		},
	}
	for target, allow := range allowed {
		for n := 1; n < 9; n++ {
			_, _, removed, _ := transition(targetGraph(t, target, n), targetGraph(t, target, n+1))
		next:
			for _, urn := range removed {
				for _, a := range allow[n] {
					if strings.Contains(urn, a) {
						continue next
					}
				}
				t.Errorf("%s: phase %d -> %d removes %s", target, n, n+1, urn)
			}
			if n == 2 && len(removed) == 0 {
				t.Errorf("%s: phase 3 must remove the single server", target)
			}
		}
	}
}

// The review diff names each changed input with its old and new value.
func TestDiffShowsChangedInputs(t *testing.T) {
	changes := graph.Diff(phaseGraph(t, 5), phaseGraph(t, 6))
	var props []string
	for _, c := range changes {
		for _, p := range c.Props {
			props = append(props, fmt.Sprintf("%s %s: %v -> %v", c.Type, p.Path, p.Old, p.New))
		}
	}
	got := strings.Join(props, "\n")
	for _, want := range []string{
		"aws:lb/targetGroup:TargetGroup stickiness.enabled: true -> false",
		"aws:ssm/parameter:Parameter insecureValue: false -> true",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("diff lacks %q:\n%s", want, got)
		}
	}
	md := graph.Markdown("phase 5 -> 6", changes)
	if !strings.Contains(md, "1 added, 0 removed, 2 changed") || !strings.Contains(md, "`stickiness.enabled`: true → false") || strings.Contains(md, "`=`") {
		t.Errorf("markdown:\n%s", md)
	}
}

func TestDiagram(t *testing.T) {
	d := phaseGraph(t, 3).Mermaid()
	for _, want := range []string{
		"flowchart LR", `subgraph primary["primary"]`, `web_webtier["web<br/>(webtier)"]`,
		"web_webtier --> net_network", "db_database --> web_webtier", "dns_dns --> web_webtier",
	} {
		if !strings.Contains(d, want) {
			t.Errorf("phase 3 diagram lacks %q:\n%s", want, d)
		}
	}
	if strings.Contains(d, "server") || strings.Contains(d, "secondary") {
		t.Errorf("phase 3 diagram shows the single server or a second region:\n%s", d)
	}
	if d7 := phaseGraph(t, 7).Mermaid(); !strings.Contains(d7, `subgraph secondary["secondary"]`) || !strings.Contains(d7, "db_secondary_database --> db_database") {
		t.Errorf("phase 7 diagram:\n%s", d7)
	}
	if dd := targetGraph(t, "docker", 3).Mermaid(); !strings.Contains(dd, `subgraph docker["docker"]`) || !strings.Contains(dd, `lb_loadbalancer["lb<br/>(loadbalancer)"]`) {
		t.Errorf("docker phase 3 diagram:\n%s", dd)
	}
}

// The README's picture of phase 5 is the one the program draws.
func TestReadmeDiagramIsCurrent(t *testing.T) {
	g, err := graph.RunStack("../Pulumi.dev.yaml", "5")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "```mermaid\n"+g.Mermaid()+"```") {
		t.Fatal("README's phase 5 diagram differs from `make diagram PHASE=5`; paste the new one")
	}
}
