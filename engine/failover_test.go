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
// golden file of the step says.
func TestFailoverWhileTheFirstRegionIsDown(t *testing.T) {
	root, flows := setup(t)
	for _, phase := range []int{7, 9} {
		t.Run(fmt.Sprintf("phase%d", phase), func(t *testing.T) {
			c := newClimber(t, root, flows["aws"])
			c.setDue(t, phase)
			if err := c.w.up(c.ctx, ops{}); err != nil {
				t.Fatalf("pulumi up at phase %d: %v", phase, err)
			}
			c.w.stack.Workspace().SetEnvVar(testprovider.EnvLostRegion, "us-east-1")
			if _, err := c.w.preview(c.ctx); err == nil || !strings.Contains(err.Error(), "do not answer") {
				t.Fatalf("with us-east-1 lost and no failover settings, a preview still works (%v): the lost region is not refusing", err)
			}
			for _, s := range ladder.Failover {
				c.set(t, s)
			}
			got := ops{}
			if err := c.w.up(c.ctx, got); err != nil {
				t.Fatalf("the failover's pulumi up with us-east-1 lost: %v", err)
			}
			text := ladder.FailoverTitle(phase, ladder.Golden(phase, phase, got))
			path := ladder.FailoverGoldenFile(phase)
			want, err := os.ReadFile(filepath.Join(root, path))
			if err != nil {
				t.Fatal(err)
			}
			if text != string(want) {
				t.Errorf("the failover at phase %d: the engine's operations differ from %s:\n%s", phase, path, ladder.LineDiff(string(want), text, "golden:  ", "engine:  "))
			}
			c.secondPreview(t, phase)
			c.noPlainSecrets(t)
		})
	}
}
