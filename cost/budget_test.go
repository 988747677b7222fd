package cost

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// Phase 9 of the dev stack over a ceiling below its figure fails with a
// message naming the phase, the excess and the tiers the step from phase 8
// adds (the shards and their alarms), computed from the real graphs.
func TestBudgetOverCeilingNamesPhaseTiersAndDelta(t *testing.T) {
	table, use := defaults(t)
	est := func(p int) *Estimate {
		e, err := Compute(stackGraph(t, p, domain), table, use)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	p8, p9 := est(8), est(9)
	b, err := ParseBudget([]byte("phases:\n  8: 1000\n  9: 900\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Check(est(7), p8, "the step"); err != nil {
		t.Errorf("phase 8 ($%.2f) is under its 1000: %v", p8.Total, err)
	}
	err = b.Check(p8, p9, "the step from phase 8")
	var over *OverBudget
	if !errors.As(err, &over) || over.Phase != 9 {
		t.Fatalf("phase 9 at $%.2f over a 900 ceiling: got %v", p9.Total, err)
	}
	shards := tierOf(p9, "shards") - tierOf(p8, "shards")
	obs := tierOf(p9, "observability") - tierOf(p8, "observability")
	want := fmt.Sprintf("phase 9: $%.2f a month is over its budget of $900.00 by $%.2f; the step from phase 8 adds shards +$%.2f, observability +$%.2f",
		p9.Total, p9.Total-900, shards, obs)
	if err.Error() != want {
		t.Errorf("message:\n got %s\nwant %s", err, want)
	}
	if shards < 100 {
		t.Errorf("phase 9 adds shards for $%.2f a month; expected the shard databases' hundreds", shards)
	}
	// A phase without a ceiling, or no budget file, never fails.
	if err := (&Budget{Phases: map[int]float64{1: 1}}).Check(p8, p9, "x"); err != nil {
		t.Errorf("phase 9 has no ceiling here: %v", err)
	}
	var none *Budget
	if err := none.Check(p8, p9, "x"); err != nil {
		t.Errorf("no budget: %v", err)
	}
}

func tierOf(e *Estimate, tier string) float64 {
	for _, t := range e.TierTotals() {
		if t.Tier == tier {
			return t.Monthly
		}
	}
	return 0
}

func TestBudgetFileIsStrict(t *testing.T) {
	for _, c := range []struct{ file, want string }{
		{"phases:\n  10: 5\n", "phase 10: allowed phases are 1-9"},
		{"phases:\n  3: 0\n", "phase 3: the ceiling must be a positive"},
		{"phase:\n  3: 10\n", "field phase not found"},
		{"phases: {}\n", "phases is missing or empty"},
	} {
		_, err := ParseBudget([]byte(c.file))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want an error containing %q", c.file, err, c.want)
		}
	}
}
