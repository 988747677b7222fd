package stacks_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/scalezero/scalezero/graph"
	"github.com/scalezero/scalezero/graph/stackgraph"
	"github.com/scalezero/scalezero/internal/golden"
	"github.com/scalezero/scalezero/internal/knownvalues"
	"github.com/scalezero/scalezero/internal/ladder"
)

// failoverConfig is a stack at phase after its operator failed the writes
// over to the second region while the first one's APIs fail.
func failoverConfig(phase int) map[string]string {
	cfg := baseConfig(phase)
	for _, s := range ladder.Failover {
		cfg[s.Key] = s.Value
	}
	return cfg
}

// flowFailoverGraph is the README flow's stack at phase after the failover
// step: the graph the engine's failover step (engine/failover_test.go) must
// reproduce.
func flowFailoverGraph(t *testing.T, phase int) *graph.Graph {
	t.Helper()
	cfg, secret := flowConfig(t, "aws", phase, phase)
	for _, s := range ladder.Failover {
		cfg[s.Key] = s.Value
	}
	g, err := stackgraph.RunView(graph.Known, cfg, secret...)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// flowConfig is a target's config at phase, as the README has a user set
// it having been as high as reached, and its secret keys.
func flowConfig(t *testing.T, target string, phase, reached int) (map[string]string, []string) {
	t.Helper()
	flows, err := ladder.Load("..")
	if err != nil {
		t.Fatal(err)
	}
	cfg, secret, err := flows[target].Config("..", phase, reached)
	if err != nil {
		t.Fatal(err)
	}
	return cfg, secret
}

// changesOnlyIn reports each change from before to after outside region
// (the primary provider's own change aside, which a lost region's skip
// flags make) and returns how many resources changed in all.
func changesOnlyIn(t *testing.T, before, after *graph.Graph, region string) int {
	t.Helper()
	changed := 0
	for _, c := range graph.Diff(before, after) {
		if c.Kind == graph.Unchanged {
			continue
		}
		changed++
		if c.URN == "urn:pulumi:dev::scalezero::pulumi:providers:aws::primary" {
			continue
		}
		r, ok := after.ByURN(c.URN)
		if !ok {
			r, _ = before.ByURN(c.URN)
		}
		if got := regionOf(t, after, r); got != region {
			t.Errorf("%s %s in %s, the lost region", c.Kind, c.URN, got)
		}
	}
	return changed
}

func knownConfigGraph(t *testing.T, cfg map[string]string) *graph.Graph {
	t.Helper()
	g, err := stackgraph.RunView(graph.Known, cfg, "cacheAuthToken")
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// The failover step of phases 7 and 9 changes only the second region: the
// first region is asked nothing (no lookup goes to its provider) and sent
// nothing (every resource there keeps its state's inputs, so the engine has
// no create, update or delete for it); only its provider changes, to skip
// the calls a provider makes when it is configured. The reviewed golden
// files hold each step.
func TestFailoverTouchesOnlyTheSecondRegion(t *testing.T) {
	for _, phase := range []int{7, 9} {
		t.Run(fmt.Sprintf("phase%d", phase), func(t *testing.T) {
			before, after := flowGraph(t, "aws", phase, phase), flowFailoverGraph(t, phase)
			for i, token := range after.Invokes {
				if after.InvokeRegions[i] == "us-east-1" && !knownvalues.AnsweredLocally(token) {
					t.Errorf("the failover asks the lost region: %s", token)
				}
			}
			if changed := changesOnlyIn(t, before, after, "eu-west-1"); changed < 3 {
				t.Fatalf("the failover changes %d resources: the promotion and the settings are missing", changed)
			}
			provider, _ := after.Named("pulumi:providers:aws", "primary")
			for _, skip := range []string{"skipCredentialsValidation", "skipRequestingAccountId"} {
				if provider.Get(skip) != "true" && provider.Get(skip) != true {
					t.Errorf("the lost region's provider still makes the calls %s skips", skip)
				}
			}
			frozen := 0
			for _, r := range after.Resources {
				if !r.Custom || r.Provider == "" || strings.HasPrefix(r.Type, "pulumi:providers:") || regionOf(t, after, r) != "us-east-1" {
					continue
				}
				frozen++
				var ignored []string
				if r.Options != nil {
					ignored = r.Options.IgnoreChanges
				}
				for key := range r.Inputs {
					if !slices.Contains(ignored, key) {
						t.Errorf("%s in the lost region would send %s", r.Name, key)
					}
				}
			}
			if frozen < 50 {
				t.Fatalf("%d resources kept in the lost region", frozen)
			}

			text, _, _, _ := transition(before, after)
			text = ladder.FailoverTitle(phase, text)
			path := filepath.Join("..", ladder.FailoverGoldenFile(phase))
			want, err := golden.Read(t, path, text, *update)
			if err != nil {
				t.Fatalf("%v (go test ./stacks -run Failover -update creates it)", err)
			}
			if text != want {
				t.Fatalf("the failover at phase %d differs from %s; review and rerun with -update:\n%s", phase, path, ladder.LineDiff(want, text, "want: ", "got:  "))
			}
		})
	}
}

// After the failover the second region's copies stand alone and its hosts
// write to them, the main database's and each shard's; its hosts keep
// reading their own region.
func TestFailoverPromotesTheCopiesAndPointsTheWritersAtThem(t *testing.T) {
	g := knownConfigGraph(t, failoverConfig(9))
	copies := 0
	for _, db := range g.OfType("aws:rds/instance:Instance") {
		if regionOf(t, g, db) != "eu-west-1" {
			continue
		}
		copies++
		if src := db.Get("replicateSourceDb"); src != nil {
			t.Errorf("%s still replicates %v", db.Name, src)
		}
		if n, _ := db.Get("backupRetentionPeriod").(float64); n < 1 {
			t.Errorf("%s keeps no backups, so it can have no replicas", db.Name)
		}
	}
	if copies != 3 {
		t.Fatalf("%d copies in the second region, want the main database's and two shards'", copies)
	}
	settings := hostSettings(t, g)["eu-west-1"]
	for _, key := range []string{"SCALEZERO_DATABASE_HOST", "SCALEZERO_DATABASE_SHARDS"} {
		s, ok := settings[key]
		if !ok {
			t.Fatalf("the second region's hosts get no %s", key)
		}
		if home := homeOf(t, g, s, key); home != "eu-west-1" {
			t.Errorf("%s comes from %s, not the second region's promoted copies", key, home)
		}
	}
	// The frozen region's hosts are told nothing new (they are unreachable).
	before := hostSettings(t, knownConfigGraph(t, baseConfig(9)))["us-east-1"]
	for key, s := range hostSettings(t, g)["us-east-1"] {
		if before[key].value != s.value {
			t.Errorf("the lost region's %s changes", key)
		}
	}
}
