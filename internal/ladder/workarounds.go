package ladder

// Workaround is a step the ladder takes beyond the README's flow to get past
// a failure of today's program, so that the rest of the ladder still runs.
// Each waits for a fix under way. The engine run first checks that the
// failure is still there (and fails, saying to delete the entry, once it is
// not), then takes the step: a setting (Set), or, for a refused delete, what a
// user does by hand (empty the bucket or repository the error names).
type Workaround struct {
	Target string
	// Step is "up N" (the preview before the up at phase N fails without
	// Set), "down N" (the up from N to N-1 fails until the user empties what
	// the error names), "destroy" (likewise), or "empty lists" (the program
	// panics when a provider returns empty lists).
	Step  string
	Fails string // a substring of the failure the engine reports
	Why   string
	Set   *Setting
}

// AwaitingFix lists the failures of today's program. Delete an entry when its
// fix lands (the engine run says which); a Set entry also changes the
// ladder's config, so then regenerate the golden transitions
// (go test ./stacks -run Transitions -update) and review them.
var AwaitingFix = []Workaround{}

// Awaiting returns the entries for a target's step.
func Awaiting(target, step string) []Workaround {
	var out []Workaround
	for _, w := range AwaitingFix {
		if w.Target == target && w.Step == step {
			out = append(out, w)
		}
	}
	return out
}

// WithWorkarounds returns the flow with the settings of its AwaitingFix
// entries added, as the ladder runs it.
func (f Flow) WithWorkarounds() Flow {
	out := f
	out.Settings = append([]Setting{}, f.Settings...)
	for _, w := range AwaitingFix {
		if w.Target == f.Target && w.Set != nil {
			out.Settings = append(out.Settings, *w.Set)
		}
	}
	return out
}
