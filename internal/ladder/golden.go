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

// FailoverGoldenFile holds the failover step at a phase, relative to the
// repository root; its title is FailoverTitle's.
func FailoverGoldenFile(phase int) string {
	return fmt.Sprintf("stacks/testdata/transitions/%d-failover.txt", phase)
}

// FailoverTitle is Golden's text for the failover step at a phase, its
// "phase n -> m" title replaced by what the step is.
func FailoverTitle(phase int, golden string) string {
	return fmt.Sprintf("# phase %d, failover (writerRegion eu-west-1, lostRegion us-east-1)%s", phase, golden[strings.Index(golden, ":"):])
}

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
