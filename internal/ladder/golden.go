package ladder

import (
	"fmt"
	"sort"
	"strings"
)

// Operation marks, as a preview prints them: created, deleted, updated in
// place, kept as it was, and replaced (the engine's decision; the offline
// graph makes it only where a resource's replaceOnChanges names a changed
// input).
const (
	Create  = "+"
	Delete  = "-"
	Update  = "~"
	Same    = "="
	Replace = "±"
)

// Golden renders one step of the ladder, phase from -> to, as the reviewed
// files in stacks/testdata/transitions*/ hold it: a header counting each
// kind, then one line per URN: kept, added and changed ones in URN order,
// then the removed ones in URN order.
func Golden(from, to int, ops map[string]string) string {
	var kept, gone []string
	n := map[string]int{}
	for urn, op := range ops {
		n[op]++
		if op == Delete {
			gone = append(gone, urn)
		} else {
			kept = append(kept, urn)
		}
	}
	sort.Strings(kept)
	sort.Strings(gone)
	var b strings.Builder
	fmt.Fprintf(&b, "# phase %d -> %d: %d added, %d removed, %d changed, %d unchanged", from, to, n[Create], n[Delete], n[Update], n[Same])
	if n[Replace] > 0 {
		fmt.Fprintf(&b, ", %d replaced", n[Replace])
	}
	b.WriteString("\n")
	for _, urn := range append(kept, gone...) {
		b.WriteString(ops[urn] + " " + urn + "\n")
	}
	return b.String()
}

// GoldenFile is where a target's step lives, relative to the repository root.
func GoldenFile(target string, from, to int) string {
	dir := "transitions"
	if target != "aws" {
		dir += "-" + target
	}
	return fmt.Sprintf("stacks/testdata/%s/%d-%d.txt", dir, from, to)
}

// Failover is the failover step's setting: the writes go to the second
// region while the first one's APIs fail.
var Failover = []Setting{{Key: "writerRegion", Value: "eu-west-1"}, {Key: "lostRegion", Value: "us-east-1"}}

// A RunbookStep is one `pulumi up` of the failover runbook (docs/failover.md)
// at phase 7 or 9: the settings it changes on top of the steps before it,
// and the first region's state while it runs.
type RunbookStep struct {
	Name     string    // the golden file's name after the phase: 7-failover.txt
	Settings []Setting // an empty Value sets the key empty (its default)
	// LostRegion is the region whose APIs fail during the step ("": none).
	LostRegion string
}

// Runbook is the failover, the first region's return and the planned
// switchover back, in order; each step's golden file shows what it changes
// after the one before it (the first: after the phase itself).
var Runbook = []RunbookStep{
	{Name: "failover", Settings: Failover, LostRegion: "us-east-1"},
	// The first region answers again: its old primaries are retired.
	{Name: "retire", Settings: []Setting{{Key: "lostRegion", Value: ""}, {Key: "primaryDatabases", Value: "retiring"}}},
	// Failback: they are replaced by copies of the promoted instances.
	{Name: "failback", Settings: []Setting{{Key: "primaryDatabases", Value: "copies"}}},
	// The planned switchover back: writes paused, the copies promoted,
	// writes resumed.
	{Name: "pause", Settings: []Setting{{Key: "writesPaused", Value: "true"}}},
	{Name: "switchover", Settings: []Setting{{Key: "writerRegion", Value: ""}}},
	{Name: "resume", Settings: []Setting{{Key: "writesPaused", Value: "false"}}},
}

// RunbookGoldenFile holds a runbook step at a phase, relative to the
// repository root; its title is RunbookTitle's.
func RunbookGoldenFile(phase int, step RunbookStep) string {
	return fmt.Sprintf("stacks/testdata/transitions/%d-%s.txt", phase, step.Name)
}

// FailoverGoldenFile holds the failover step at a phase.
func FailoverGoldenFile(phase int) string { return RunbookGoldenFile(phase, Runbook[0]) }

// RunbookTitle is Golden's text for a runbook step at a phase, its "phase n
// -> m" title replaced by what the step is: its name and its settings.
func RunbookTitle(phase int, step RunbookStep, golden string) string {
	var set []string
	for _, s := range step.Settings {
		v := s.Value
		if v == "" {
			v = "empty"
		}
		set = append(set, s.Key+" "+v)
	}
	return fmt.Sprintf("# phase %d, %s (%s)%s", phase, step.Name, strings.Join(set, ", "), golden[strings.Index(golden, ":"):])
}

// FailoverTitle is RunbookTitle for the failover step.
func FailoverTitle(phase int, golden string) string { return RunbookTitle(phase, Runbook[0], golden) }

// LineDiff lists the lines only one side has, each marked with its side.
func LineDiff(want, got, wantSide, gotSide string) string {
	w, g := map[string]bool{}, map[string]bool{}
	for _, l := range strings.Split(want, "\n") {
		w[l] = true
	}
	var out []string
	for _, l := range strings.Split(got, "\n") {
		g[l] = true
		if !w[l] {
			out = append(out, gotSide+l)
		}
	}
	for _, l := range strings.Split(want, "\n") {
		if !g[l] {
			out = append(out, wantSide+l)
		}
	}
	return strings.Join(out, "\n")
}
