package cost

import (
	"fmt"
	"os"
	"sort"
	"strings"
)

// Budget is a monthly ceiling per phase, in USD, kept next to the stack
// (budget.yaml). A phase the file does not list has no ceiling.
type Budget struct {
	Phases map[int]float64 `yaml:"phases"`
}

// LoadBudget reads a budget file; a path that does not exist is no budget
// (nil), so a stack without one prices as before.
func LoadBudget(path string) (*Budget, error) {
	raw, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	b, err := ParseBudget(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return b, nil
}

// ParseBudget decodes a budget strictly: phases 1-9, each with a positive
// ceiling; any other key is an error.
func ParseBudget(raw []byte) (*Budget, error) {
	var b Budget
	if err := decodeStrict(raw, &b); err != nil {
		return nil, fmt.Errorf("budget: %w", err)
	}
	if len(b.Phases) == 0 {
		return nil, fmt.Errorf("budget: phases is missing or empty (allowed: phase number 1-9 -> monthly USD)")
	}
	for p, usdMax := range b.Phases {
		switch {
		case p < 1 || p > 9:
			return nil, fmt.Errorf("budget: phase %d: allowed phases are 1-9", p)
		case usdMax <= 0:
			return nil, fmt.Errorf("budget: phase %d: the ceiling must be a positive number of USD a month, not %g", p, usdMax)
		}
	}
	return &b, nil
}

// Check is nil when head is within its phase's ceiling. Over it, the error
// names the phase, the total, the ceiling, the excess, and the tiers that
// grew from base (the change's base, or the previous phase in `make cost`),
// described by what.
func (b *Budget) Check(base, head *Estimate, what string) error {
	if b == nil || head == nil {
		return nil
	}
	ceiling, ok := b.Phases[head.Phase]
	if !ok || head.Total <= ceiling+0.005 {
		return nil
	}
	msg := fmt.Sprintf("phase %d: %s a month is over its budget of %s by %s", head.Phase, usd(head.Total), usd(ceiling), usd(head.Total-ceiling))
	if grew := tierGrowth(base, head); len(grew) > 0 {
		msg += "; " + what + " adds " + strings.Join(grew, ", ")
	}
	return &OverBudget{Phase: head.Phase, Msg: msg}
}

// OverBudget is a phase over its ceiling.
type OverBudget struct {
	Phase int
	Msg   string
}

func (o *OverBudget) Error() string { return o.Msg }

// tierGrowth lists the tiers that cost more in b than in a, largest first;
// with no a, every tier of b.
func tierGrowth(a, b *Estimate) []string {
	before := map[string]float64{}
	if a != nil {
		for _, t := range a.TierTotals() {
			before[t.Tier] = t.Monthly
		}
	}
	type grow struct {
		tier string
		d    float64
	}
	var gs []grow
	for _, t := range b.TierTotals() {
		if d := t.Monthly - before[t.Tier]; d > 0.005 {
			gs = append(gs, grow{t.Tier, d})
		}
	}
	sort.SliceStable(gs, func(i, j int) bool { return gs[i].d > gs[j].d })
	out := make([]string, len(gs))
	for i, g := range gs {
		out[i] = g.tier + " " + signed(g.d)
	}
	return out
}
