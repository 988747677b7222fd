package stacks_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/components/role"
	"github.com/scalezero/scalezero/graph"
	"github.com/scalezero/scalezero/graph/record"
	"github.com/scalezero/scalezero/graph/stackgraph"
	"github.com/scalezero/scalezero/internal/golden"
	"github.com/scalezero/scalezero/internal/ladder"
	"github.com/scalezero/scalezero/stacks/plan"
)

var update = flag.Bool("update", false, "rewrite the transition golden files")

// transition lists, for phase n -> m, each URN added (+), removed (-), kept
// with changed inputs (~) or kept unchanged (=). The engine run
// (engine/ladder_test.go) prints each step of its ladder the same way
// (ladder.Golden), from the operations the engine reports, and compares it
// with the same files.
func transition(from, to *graph.Graph) (text string, added, removed, changed []string) {
	ops := map[string]string{}
	for _, c := range graph.Diff(from, to) {
		ops[c.URN] = c.Kind
		switch c.Kind {
		case graph.Added:
			added = append(added, c.URN)
		case graph.Removed:
			removed = append(removed, c.URN)
		case graph.Changed:
			changed = append(changed, c.URN)
		}
	}
	return ladder.Golden(from.Phase, to.Phase, ops), added, removed, changed
}

var flowGraphs graphCache

// flowGraph is the known-value graph of a target at phase with the config a
// user following the README has there, having been as high as reached.
func flowGraph(t *testing.T, target string, phase, reached int) *graph.Graph {
	t.Helper()
	return flowGraphs.get(fmt.Sprintf("%s/%d/%d", target, phase, reached), func() *graph.Graph {
		cfg, secret := flowConfig(t, target, phase, reached)
		g, err := stackgraph.RunView(graph.Known, cfg, secret...)
		if err != nil {
			t.Fatalf("%s phase %d (the README's flow, having reached phase %d): %v", target, phase, reached, err)
		}
		return g
	})
}

// TestTransitionsMatchGoldenFiles fails when a URN is added, removed or changed
// without the reviewed golden file changing with it (go test ./stacks -run
// Transitions -update). Each step compares known-value graphs, so a value
// computed from another resource (an ARN in a policy, an endpoint in a
// setting) shows its change. Up: n -> n+1 with the settings the README names
// by then; down: n+1 -> n keeping everything set on the way up.
func TestTransitionsMatchGoldenFiles(t *testing.T) {
	for _, target := range []string{"aws", "docker"} {
		for n := 1; n < plan.MaxPhase; n++ {
			steps := []struct{ from, to, reachedFrom, reachedTo int }{
				{n, n + 1, n, n + 1},
				{n + 1, n, plan.MaxPhase, plan.MaxPhase},
			}
			for _, st := range steps {
				t.Run(fmt.Sprintf("%s/%d-%d", target, st.from, st.to), func(t *testing.T) {
					got, _, _, _ := transition(flowGraph(t, target, st.from, st.reachedFrom), flowGraph(t, target, st.to, st.reachedTo))
					path := filepath.Join("..", ladder.GoldenFile(target, st.from, st.to))
					want, err := golden.Read(t, path, got, *update)
					if err != nil {
						t.Fatalf("%v (run go test ./stacks -run Transitions -update to create it)", err)
					}
					if got != want {
						t.Fatalf("%s transition %d -> %d differs from %s; review the diff and rerun with -update:\n%s", target, st.from, st.to, path, ladder.LineDiff(want, got, "want: ", "got:  "))
					}
				})
			}
		}
	}
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
		"aws:ssm/parameter:Parameter insecureValue: memory -> dynamodb",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("diff lacks %q:\n%s", want, got)
		}
	}
	md := graph.Markdown("phase 5 -> 6", changes)
	if !strings.Contains(md, "4 added, 0 removed, 2 changed") || !strings.Contains(md, "`stickiness.enabled`: true → false") || strings.Contains(md, "`=`") {
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
	g, err := stackgraph.RunStack("../Pulumi.dev.yaml", "5")
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

// A change that only touches a policy built from ARNs is invisible in the
// preview view (the ARN is unknown on both sides) and shows, value by value,
// in the known view that `make diff` compares. Two versions of a program
// stand for two commits: the role's statement moves from one prefix of the
// bucket to another.
func TestKnownDiffShowsAPolicyBuiltFromARNs(t *testing.T) {
	program := func(prefix string) pulumi.RunFunc {
		return func(ctx *pulumi.Context) error {
			prov, err := aws.NewProvider(ctx, "primary", &aws.ProviderArgs{Region: pulumi.String("us-east-1")})
			if err != nil {
				return err
			}
			b, err := s3.NewBucketV2(ctx, "jobs", &s3.BucketV2Args{}, pulumi.Provider(prov))
			if err != nil {
				return err
			}
			_, err = role.New(ctx, "web-role", &role.Args{Statements: []role.Statement{{
				Sid: "JobData", Actions: []string{"s3:PutObject"},
				Resources: pulumi.StringArray{pulumi.Sprintf("%s/%s/*", b.Arn, prefix)},
			}}}, pulumi.Provider(prov))
			return err
		}
	}
	diff := func(view graph.View) string {
		before, err := record.RunProgramView(view, program("jobs"), nil)
		if err != nil {
			t.Fatal(err)
		}
		after, err := record.RunProgramView(view, program("uploads"), nil)
		if err != nil {
			t.Fatal(err)
		}
		return graph.Markdown("phase 1", graph.Diff(before, after))
	}
	if md := diff(graph.Preview); !strings.Contains(md, "0 changed") {
		t.Errorf("the preview view was expected to miss the change (both sides unknown):\n%s", md)
	}
	md := diff(graph.Known)
	if !strings.Contains(md, "1 changed") || !strings.Contains(md, "rolePolicy:RolePolicy::web-role") ||
		!regexp.MustCompile(`arn:aws:s3:::jobs-[0-9a-f]{7}/jobs/\*`).MatchString(md) {
		t.Errorf("the known view must show the policy's change with its ARNs:\n%s", md)
	}
}

// A known-value graph holds no unknown value, in any phase of either target.
func TestKnownGraphsHaveNoUnknowns(t *testing.T) {
	for _, target := range []string{"aws", "docker"} {
		for n := 1; n <= plan.MaxPhase; n++ {
			g := flowGraph(t, target, n, n)
			raw, err := g.JSON()
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(raw), graph.Unknown) {
				t.Errorf("%s phase %d: the known-value graph holds unknown values", target, n)
			}
		}
	}
}
