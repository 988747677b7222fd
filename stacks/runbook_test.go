package stacks_test

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/scalezero/scalezero/graph"
	"github.com/scalezero/scalezero/graph/stackgraph"
	"github.com/scalezero/scalezero/internal/golden"
	"github.com/scalezero/scalezero/internal/ladder"
)

var runbookGraphs graphCache

// runbookGraph is the README flow's stack at phase after the runbook's steps
// up to and including step (ladder.Runbook): the graph the engine's
// runbook (engine/failover_test.go) must reproduce step by step.
func runbookGraph(t *testing.T, phase, step int) *graph.Graph {
	t.Helper()
	return runbookGraphs.get(fmt.Sprintf("%d/%d", phase, step), func() *graph.Graph {
		cfg, secret := flowConfig(t, "aws", phase, phase)
		for _, st := range ladder.Runbook[:step+1] {
			for _, s := range st.Settings {
				cfg[s.Key] = s.Value
			}
		}
		g, err := stackgraph.RunView(graph.Known, cfg, secret...)
		if err != nil {
			t.Fatalf("phase %d, runbook step %s: %v", phase, ladder.Runbook[step].Name, err)
		}
		return g
	})
}

// stateAfter is what the engine's state holds after a step run while a
// region was lost: the step's graph, but an input a resource's
// ignoreChanges names keeps the value it had before the step (every input
// of the lost region's resources, which were frozen: the engine sent them
// nothing). A resource whose declared inputs changed meanwhile (the app
// image's registry login, skipped while the region is lost) is then
// unchanged by the step after, as the engine finds it.
func stateAfter(g, prior *graph.Graph) *graph.Graph {
	out := *g
	out.Resources = make([]graph.Resource, len(g.Resources))
	for i, r := range g.Resources {
		if p, ok := prior.ByURN(r.URN); ok && r.Options != nil && len(r.Options.IgnoreChanges) > 0 {
			inputs := maps.Clone(r.Inputs)
			for _, key := range r.Options.IgnoreChanges {
				if v, ok := p.Inputs[key]; ok {
					inputs[key] = v
				} else {
					delete(inputs, key)
				}
			}
			r.Inputs = inputs
		}
		out.Resources[i] = r
	}
	return &out
}

// instances are a graph's RDS instances by name.
func instances(g *graph.Graph) map[string]graph.Resource {
	out := map[string]graph.Resource{}
	for _, r := range g.OfType("aws:rds/instance:Instance") {
		out[r.Name] = r
	}
	return out
}

// writerInstances are the names of the instances each region writes to at
// phase: the main database and the shards (phase 9), with a suffix.
func writerInstances(phase int, suffix string) []string {
	out := []string{"db" + suffix}
	if phase == 9 {
		out = append(out, "shard-0"+suffix, "shard-1"+suffix)
	}
	return out
}

// ops is a step's operations by URN, from the offline diff.
func runbookOps(before, after *graph.Graph) map[string]string {
	out := map[string]string{}
	for _, c := range graph.Diff(before, after) {
		out[c.URN] = c.Kind
	}
	return out
}

func instanceURN(g *graph.Graph, name string) string {
	for _, r := range g.OfType("aws:rds/instance:Instance") {
		if r.Name == name {
			return r.URN
		}
	}
	return ""
}

// The runbook after the failover, step by step at phases 7 and 9: each
// step's operations are the reviewed golden file's, and each does what the
// runbook says of it.
func TestFailoverRunbookSteps(t *testing.T) {
	for _, phase := range []int{7, 9} {
		for i, step := range ladder.Runbook[1:] {
			i++
			t.Run(fmt.Sprintf("phase%d/%s", phase, step.Name), func(t *testing.T) {
				before, after := runbookGraph(t, phase, i-1), runbookGraph(t, phase, i)
				if ladder.Runbook[i-1].LostRegion != "" {
					prior := flowGraph(t, "aws", phase, phase)
					if i > 1 {
						prior = runbookGraph(t, phase, i-2)
					}
					before = stateAfter(before, prior)
				}
				ops := runbookOps(before, after)
				checkRunbookStep(t, phase, step.Name, before, after, ops)

				text, _, _, _ := transition(before, after)
				text = ladder.RunbookTitle(phase, step, text)
				path := filepath.Join("..", ladder.RunbookGoldenFile(phase, step))
				want, err := golden.Read(t, path, text, *update)
				if err != nil {
					t.Fatalf("%v (go test ./stacks -run Failover -update creates it)", err)
				}
				if text != want {
					t.Fatalf("%s at phase %d differs from %s; review and rerun with -update:\n%s", step.Name, phase, path, ladder.LineDiff(want, text, "want: ", "got:  "))
				}
			})
		}
	}
}

func checkRunbookStep(t *testing.T, phase int, name string, before, after *graph.Graph, ops map[string]string) {
	t.Helper()
	firsts, seconds := writerInstances(phase, ""), writerInstances(phase, "-secondary")
	dbs := instances(after)
	settings := hostSettings(t, after)
	home := func(region, key string) string {
		s, ok := settings[region][key]
		if !ok {
			t.Fatalf("%s's hosts get no %s", region, key)
		}
		return homeOf(t, after, s, region+" "+key)
	}
	writesTo := func(region, want string) {
		t.Helper()
		if got := home(region, "SCALEZERO_DATABASE_HOST"); got != want {
			t.Errorf("%s's hosts write to %s, want %s", region, got, want)
		}
	}
	readsFrom := func(region, want string) {
		t.Helper()
		if got := home(region, "SCALEZERO_DATABASE_READER_HOSTS"); got != want {
			t.Errorf("%s's hosts read from %s, want %s", region, got, want)
		}
	}
	for _, n := range append(slices.Clone(firsts), seconds...) {
		if _, ok := dbs[n]; !ok {
			t.Fatalf("no instance %s after %s", n, name)
		}
	}
	switch name {
	case "retire":
		// The old primaries answer again but are stale: unprotected, with
		// a named final snapshot, sending nothing else; their hosts use
		// the second region's databases; their replicas go.
		for _, n := range firsts {
			db := dbs[n]
			if db.Get("deletionProtection") != false || db.Get("skipFinalSnapshot") != false || db.Str("finalSnapshotIdentifier") == "" {
				t.Errorf("%s is not ready to be replaced: deletionProtection %v, skipFinalSnapshot %v, finalSnapshotIdentifier %q", n, db.Get("deletionProtection"), db.Get("skipFinalSnapshot"), db.Str("finalSnapshotIdentifier"))
			}
			if op := ops[db.URN]; op != graph.Changed {
				t.Errorf("%s: %s, want changed in place", n, op)
			}
			for key := range db.Inputs {
				sends := key == "deletionProtection" || key == "skipFinalSnapshot" || key == "finalSnapshotIdentifier"
				if !sends && (db.Options == nil || !slices.Contains(db.Options.IgnoreChanges, key)) {
					t.Errorf("the retiring %s sends %s", n, key)
				}
			}
		}
		for n, db := range instances(before) {
			if strings.Contains(n, "-replica-") && ops[db.URN] != graph.Removed {
				t.Errorf("the stale primaries' replica %s stays (%s)", n, ops[db.URN])
			}
		}
		writesTo("us-east-1", "eu-west-1")
		readsFrom("us-east-1", "eu-west-1")
		routes := 0
		for _, r := range after.OfType("aws:ec2/route:Route") {
			if strings.HasPrefix(r.Name, "peering-primary-app-") || strings.HasPrefix(r.Name, "peering-remote-data-") {
				routes++
			}
		}
		if routes != 4 {
			t.Errorf("%d routes from the first region's hosts to the second's data tier and back, want 4", routes)
		}
	case "failback":
		// Each old primary is replaced by a copy of the promoted
		// instance, with a key of its own region; the secret stays.
		for i, n := range firsts {
			db := dbs[n]
			if op := ops[db.URN]; op != graph.Replaced {
				t.Errorf("%s: %s, want replaced (RDS cannot make a standalone instance a replica)", n, op)
			}
			if !db.DependsOn("replicateSourceDb", instanceURN(after, seconds[i])) {
				t.Errorf("%s does not replicate %s", n, seconds[i])
			}
			if !strings.HasPrefix(db.Str("replicateSourceDb"), "arn:aws:rds:eu-west-1:") {
				t.Errorf("%s replicates %q, want the promoted instance's ARN", n, db.Str("replicateSourceDb"))
			}
			if db.Options == nil || db.Options.DeleteBeforeReplace == nil || !*db.Options.DeleteBeforeReplace {
				t.Errorf("%s is not replaced delete-first (its identifier is its own)", n)
			}
		}
		for _, typ := range []string{"aws:secretsmanager/secret:Secret", "aws:secretsmanager/secretVersion:SecretVersion"} {
			for _, r := range after.OfType(typ) {
				if op := ops[r.URN]; op != graph.Unchanged {
					t.Errorf("the failback %s the secret %s", op, r.Name)
				}
			}
		}
		keys := 0
		for _, r := range after.OfType("aws:kms/key:Key") {
			if ops[r.URN] == graph.Added && regionOf(t, after, r) == "us-east-1" {
				keys++
			}
		}
		if keys != len(firsts) {
			t.Errorf("%d new keys in the first region, want one per copy (%d)", keys, len(firsts))
		}
		writesTo("us-east-1", "eu-west-1")
		readsFrom("us-east-1", "us-east-1")
	case "pause":
		for _, region := range []string{"us-east-1", "eu-west-1"} {
			if s := settings[region]["SCALEZERO_WRITES_PAUSED"]; s.value != "true" {
				t.Errorf("%s's hosts are not told to pause writes (%q)", region, s.value)
			}
		}
		for _, n := range seconds {
			if db := dbs[n]; db.Get("deletionProtection") != false || db.Get("skipFinalSnapshot") != false {
				t.Errorf("%s, to be replaced by the switchover, keeps its deletion protection or no final snapshot", n)
			}
		}
	case "switchover":
		for i, n := range firsts {
			if db := dbs[n]; db.Get("replicateSourceDb") != nil || ops[db.URN] != graph.Changed {
				t.Errorf("%s is not promoted in place: %s, source %v", n, ops[db.URN], db.Get("replicateSourceDb"))
			}
			s := dbs[seconds[i]]
			if ops[s.URN] != graph.Replaced || !s.DependsOn("replicateSourceDb", dbs[n].URN) {
				t.Errorf("%s is not replaced by a copy of %s: %s", seconds[i], n, ops[s.URN])
			}
		}
		writesTo("us-east-1", "us-east-1")
		writesTo("eu-west-1", "us-east-1")
		readsFrom("eu-west-1", "eu-west-1")
		if s := settings["us-east-1"]["SCALEZERO_WRITES_PAUSED"]; s.value != "true" {
			t.Errorf("writes resume before the switchover is done")
		}
	case "resume":
		for _, region := range []string{"us-east-1", "eu-west-1"} {
			if _, ok := settings[region]["SCALEZERO_WRITES_PAUSED"]; ok {
				t.Errorf("%s's hosts still pause writes", region)
			}
		}
		// Back where phase started, but for the copies' form: the same
		// resources, bar the first region's keys.
		start := flowGraph(t, "aws", phase, phase)
		for _, c := range graph.Diff(start, after) {
			if c.Kind == graph.Added && c.Type == "aws:kms/key:Key" {
				continue
			}
			if c.Kind == graph.Added || c.Kind == graph.Removed {
				t.Errorf("after the runbook, %s %s (against the phase before the failover)", c.Kind, c.URN)
			}
		}
	default:
		t.Fatalf("no checks for step %s", name)
	}
}

// A second failover, after the whole runbook: the first region's databases
// are copies now (promoted), and the failover still changes only the second
// region, sending nothing to the lost one.
func TestFailoverASecondTime(t *testing.T) {
	for _, phase := range []int{7, 9} {
		t.Run(fmt.Sprintf("phase%d", phase), func(t *testing.T) {
			before := runbookGraph(t, phase, len(ladder.Runbook)-1)
			cfg, secret := flowConfig(t, "aws", phase, phase)
			cfg["primaryDatabases"] = "copies"
			for _, s := range ladder.Failover {
				cfg[s.Key] = s.Value
			}
			after, err := stackgraph.RunView(graph.Known, cfg, secret...)
			if err != nil {
				t.Fatal(err)
			}
			if changed := changesOnlyIn(t, before, after, "eu-west-1"); changed < 3 {
				t.Fatalf("the second failover changes %d resources: the promotion and the settings are missing", changed)
			}
		})
	}
}
