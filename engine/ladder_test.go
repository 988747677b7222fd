package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scalezero/scalezero/internal/ladder"
	"github.com/scalezero/scalezero/stacks/plan"
)

// TestLadder climbs each target's phases under the real engine from a new
// stack, with only what the README tells a user to set and when, then comes
// back down to phase 1 and destroys the stack. At every step:
//   - the engine's operation on each URN equals the reviewed golden file
//     (stacks/testdata/transitions*/), which the offline known-value graph
//     must equal too (stacks/transitions_test.go);
//   - a second preview at the same phase changes nothing;
//   - no secret is in plain text in the state or the stack outputs.
func TestLadder(t *testing.T) {
	root, flows := setup(t)
	for _, target := range []string{"aws", "docker"} {
		t.Run(target, func(t *testing.T) {
			c := newClimber(t, root, flows[target])
			c.climb(t)
		})
	}
}

func setup(t *testing.T) (string, map[string]ladder.Flow) {
	t.Helper()
	root, flows, err := ladder.Here()
	if err != nil {
		t.Fatal(err)
	}
	return root, flows
}

type climber struct {
	root    string
	flow    ladder.Flow
	w       *workspace
	ctx     context.Context
	applied map[int]bool // indexes of flow.Settings already set
	secrets []string     // secret values set in config
	broken  bool         // a step failed: the stack is not where the next step expects it
}

func newClimber(t *testing.T, root string, f ladder.Flow) *climber {
	t.Helper()
	dir := t.TempDir()
	log, err := os.Create(filepath.Join(dir, "cli.log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		log.Close()
		if t.Failed() {
			if raw, err := os.ReadFile(log.Name()); err == nil {
				t.Logf("the CLI's last output:\n%s", tail(string(raw), 60))
			}
		}
	})
	ctx := context.Background()
	w, err := newWorkspace(ctx, root, dir, f.Stack, modes{}, log)
	if err != nil {
		t.Fatal(err)
	}
	return &climber{root: root, flow: f, w: w, ctx: ctx, applied: map[int]bool{}}
}

func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func (c *climber) set(t *testing.T, s ladder.Setting) {
	t.Helper()
	if err := c.w.set(c.ctx, s); err != nil {
		c.broken = true
		t.Fatalf("pulumi config set %s: %v", s.Key, err)
	}
	if s.Secret {
		c.secrets = append(c.secrets, s.Value)
	}
}

// setDue sets the README's settings due before the up at phase.
func (c *climber) setDue(t *testing.T, phase int) {
	t.Helper()
	for i, s := range c.flow.Settings {
		if s.Before <= phase && !c.applied[i] {
			c.applied[i] = true
			c.set(t, s)
		}
	}
	c.set(t, ladder.Setting{Key: "phase", Value: fmt.Sprint(phase)})
}

func (c *climber) climb(t *testing.T) {
	target := c.flow.Target
	steps := []struct{ from, to int }{}
	for n := 1; n <= plan.MaxPhase; n++ {
		steps = append(steps, struct{ from, to int }{n - 1, n})
	}
	for n := plan.MaxPhase - 1; n >= 1; n-- {
		steps = append(steps, struct{ from, to int }{n + 1, n})
	}
	for _, st := range steps {
		ok := t.Run(fmt.Sprintf("%d-%d", st.from, st.to), func(t *testing.T) {
			if st.to > st.from {
				c.setDue(t, st.to)
			} else {
				c.set(t, ladder.Setting{Key: "phase", Value: fmt.Sprint(st.to)})
			}
			got := ops{}
			if err := c.w.up(c.ctx, got); err != nil {
				c.broken = true
				t.Fatalf("pulumi up at phase %d: %v", st.to, err)
			}
			state, err := c.w.stateURNs(c.ctx)
			if err != nil {
				t.Fatal(err)
			}
			got.dropRenamed(state)
			c.compare(t, st.from, st.to, got)
			c.waitedHealthy(t)
			c.appWrites(t, st.to)
			c.secondPreview(t, st.to)
			c.noPlainSecrets(t)
		})
		if !ok && c.broken {
			t.Fatalf("%s: the ladder stops at %d -> %d", target, st.from, st.to)
		}
	}
	t.Run("destroy", func(t *testing.T) {
		got := ops{}
		if err := c.w.destroy(c.ctx, got); err != nil {
			t.Fatalf("pulumi destroy: %v", err)
		}
		for urn, op := range got {
			if op != ladder.Delete {
				t.Errorf("destroy: %s %s", op, urn)
			}
		}
		if len(got) == 0 {
			t.Error("destroy deleted nothing")
		}
		state, err := c.w.stack.Export(c.ctx)
		if err != nil {
			t.Fatal(err)
		}
		var d struct{ Resources []json.RawMessage }
		if err := json.Unmarshal(state.Deployment, &d); err != nil {
			t.Fatal(err)
		}
		if len(d.Resources) != 0 {
			t.Errorf("after destroy the state holds %d resources", len(d.Resources))
		}
	})
}

// compare checks a step's operations with the golden file; the first step
// from a new stack creates everything.
func (c *climber) compare(t *testing.T, from, to int, got ops) {
	t.Helper()
	if from == 0 {
		for urn, op := range got {
			if op != ladder.Create {
				t.Errorf("the first up of a new stack: %s %s", op, urn)
			}
		}
		return
	}
	text := ladder.Golden(from, to, got)
	path := ladder.GoldenFile(c.flow.Target, from, to)
	want, err := os.ReadFile(filepath.Join(c.root, path))
	if err != nil {
		t.Fatal(err)
	}
	if text != string(want) {
		t.Errorf("%s %d -> %d: the engine's operations differ from %s (which the offline known-value graph also checks):\n%s", c.flow.Target, from, to, path, ladder.LineDiff(string(want), text, "golden:  ", "engine:  "))
	}
}

// waitedHealthy: every container the provider holds was created waiting
// for its health check, so `up` returned once it could serve.
func (c *climber) waitedHealthy(t *testing.T) {
	t.Helper()
	unwaited, err := c.w.cloud.Unwaited()
	if err != nil {
		t.Fatal(err)
	}
	if len(unwaited) > 0 {
		t.Errorf("created without waiting for a health check: %v", unwaited)
	}
}

// appWrites stands in for the app: from phase 8 an upload puts a job's input
// in the jobs bucket, so taking the bucket away meets what users left there.
// (On the docker target the bucket lives in the emulator's container.)
func (c *climber) appWrites(t *testing.T, phase int) {
	t.Helper()
	outs, err := c.w.stack.Outputs(c.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if b, ok := outs["jobsBucket"].Value.(string); ok && b != "" {
		if has, err := c.w.cloud.HasBucket(b); err != nil || !has {
			return
		}
		if err := c.w.cloud.PutObject(b, fmt.Sprintf("jobs/%d/input", phase)); err != nil {
			t.Fatal(err)
		}
	}
}

// secondPreview: right after an up, a preview must change nothing.
func (c *climber) secondPreview(t *testing.T, phase int) {
	t.Helper()
	got, err := c.w.preview(c.ctx)
	if err != nil {
		t.Fatalf("the second preview at phase %d: %v", phase, err)
	}
	if ch := got.changes(); len(ch) > 0 {
		t.Errorf("the second preview at phase %d would change:\n%s", phase, strings.Join(ch, "\n"))
	}
}

// noPlainSecrets searches the state (as the file backend keeps it) and the
// stack outputs for every secret value: those set in
// config and those the providers received as secrets (or got as
// credentials from an invoke).
func (c *climber) noPlainSecrets(t *testing.T) {
	t.Helper()
	received, err := c.w.cloud.Secrets()
	if err != nil {
		t.Fatal(err)
	}
	var secrets []string
	for _, s := range append(append([]string{}, c.secrets...), received...) {
		if len(s) >= 8 { // shorter values would match by chance
			secrets = append(secrets, s)
		}
	}
	if len(secrets) == 0 {
		return
	}
	// The state as the backend keeps it (`pulumi stack export` through the
	// Automation API shows secrets), with its history and backups.
	places := map[string]string{}
	stateFiles := 0
	err = filepath.Walk(filepath.Join(c.w.dir, "backend"), func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || !strings.Contains(path, ".json") {
			return err
		}
		raw, err := os.ReadFile(path)
		places[path] = string(raw)
		if strings.Contains(string(raw), `"urn:pulumi:`+c.flow.Stack+`::scalezero::`) {
			stateFiles++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if stateFiles == 0 {
		t.Fatal("found no state file of the stack under the file backend")
	}
	outs, err := c.w.stack.Outputs(c.ctx)
	if err != nil {
		t.Fatal(err)
	}
	for name, o := range outs {
		if !o.Secret {
			raw, _ := json.Marshal(o.Value)
			places["stack output "+name] = string(raw)
		}
	}
	for where, text := range places {
		for _, s := range secrets {
			if i := strings.Index(text, s); i >= 0 {
				around := text[max(0, i-300):min(len(text), i+len(s)+100)]
				t.Errorf("a secret (%s...) is in plain text in %s:\n%s", s[:4], where, strings.ReplaceAll(around, s, "<SECRET>"))
			}
		}
	}
}
