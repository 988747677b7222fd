package main

import (
	"fmt"

	"github.com/scalezero/scalezero/stacks/plan"
)

// change is one `pulumi up` of the run: the stack goes from phase from
// (0: a new stack) to phase to.
type change struct{ from, to int }

// plannedSteps is the run's order of ups: climb 1 -> top and back down to 1
// as the README's flow does, or with only (-phase) that phase alone, in one
// up on the new stack. toSet says -to was given, which -phase leaves no use.
func plannedSteps(only, top int, toSet bool) ([]change, error) {
	switch {
	case only != 0 && toSet:
		return nil, fmt.Errorf("-phase %d and -to %d: allowed one of them (-phase deploys one phase, -to climbs to one)", only, top)
	case only != 0 && (only < 1 || only > plan.MaxPhase):
		return nil, fmt.Errorf("-phase %d: allowed 1 to %d", only, plan.MaxPhase)
	case only != 0:
		return []change{{0, only}}, nil
	case top < 1 || top > plan.MaxPhase:
		return nil, fmt.Errorf("-to %d: allowed 1 to %d", top, plan.MaxPhase)
	}
	var out []change
	for n := 1; n <= top; n++ {
		out = append(out, change{n - 1, n})
	}
	for n := top - 1; n >= 1; n-- {
		out = append(out, change{n + 1, n})
	}
	return out, nil
}

// title names the run in its Markdown result.
func title(only, top int) string {
	if only != 0 {
		return fmt.Sprintf("docker target, phase %d", only)
	}
	return fmt.Sprintf("docker target, 1 -> %d -> 1", top)
}
