package engine

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scalezero/scalezero/internal/ladder"
	"github.com/scalezero/scalezero/internal/testprovider"
)

// TestFailoverWhileTheFirstRegionIsDown deploys the aws target at phases 7
// and 9, then loses the first region: from then on the test provider fails
// every call that would reach it (creates, updates, deletes, reads, the
// lookups AWS answers, the STS checks at configure). The program as it is
// cannot even preview there; with the failover settings (ladder.Failover,
// the README's runbook) `pulumi up` succeeds, and does what the reviewed
// golden file of the step says. The first region then answers again, and
// the rest of the runbook runs, each step's `pulumi up` doing what its
// golden file says (ladder.Runbook): its old primaries retired, replaced
// by copies of the promoted instances (the test provider refuses to delete
// a protected instance, and deletion protection is on from the start), then
// the planned switchover back: writes paused, the copies promoted and the
// second region's instances replaced by copies of them, writes resumed.
func TestFailoverWhileTheFirstRegionIsDown(t *testing.T) {
	root, flows := setup(t)
	for _, phase := range []int{7, 9} {
		t.Run(fmt.Sprintf("phase%d", phase), func(t *testing.T) {
			c := newClimber(t, root, flows["aws"])
			c.setDue(t, phase)
			c.set(t, ladder.Setting{Key: "dbDeletionProtection", Value: "true"})
			if err := c.w.up(c.ctx, ops{}); err != nil {
				t.Fatalf("pulumi up at phase %d: %v", phase, err)
			}
			ws := c.w.stack.Workspace()
			ws.SetEnvVar(testprovider.EnvLostRegion, "us-east-1")
			if _, err := c.w.preview(c.ctx); err == nil || !strings.Contains(err.Error(), "do not answer") {
				t.Fatalf("with us-east-1 lost and no failover settings, a preview still works (%v): the lost region is not refusing", err)
			}
			writers := 1 // the main database, and each shard at phase 9
			if phase == 9 {
				writers = 3
			}
			for _, step := range ladder.Runbook {
				if step.LostRegion == "" {
					ws.UnsetEnvVar(testprovider.EnvLostRegion)
				}
				for _, s := range step.Settings {
					c.set(t, s)
				}
				got := ops{}
				if err := c.w.up(c.ctx, got); err != nil {
					t.Fatalf("the %s step's pulumi up: %v", step.Name, err)
				}
				text := ladder.RunbookTitle(phase, step, ladder.Golden(phase, phase, got))
				path := ladder.RunbookGoldenFile(phase, step)
				want, err := os.ReadFile(filepath.Join(root, path))
				if err != nil {
					t.Fatal(err)
				}
				if text != string(want) {
					t.Errorf("the %s step at phase %d: the engine's operations differ from %s:\n%s", step.Name, phase, path, ladder.LineDiff(string(want), text, "golden:  ", "engine:  "))
				}
				c.secondPreview(t, phase)
				// The replaced primaries' final snapshots: the first
				// region's at the failback, the second's at the switchover.
				kept := map[string]int{"failback": writers, "switchover": 2 * writers}
				if n, ok := kept[step.Name]; ok {
					snaps, err := c.w.cloud.Snapshots()
					if err != nil {
						t.Fatal(err)
					}
					if len(snaps) != n {
						t.Errorf("after the %s step, %d final snapshots kept (%v), want %d", step.Name, len(snaps), snaps, n)
					}
				}
			}
			c.noPlainSecrets(t)
		})
	}
}
