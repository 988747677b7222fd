package cost

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// usd formats a monthly figure.
func usd(v float64) string { return fmt.Sprintf("$%.2f", v) }

// signed formats a change, with its sign.
func signed(v float64) string {
	if v < 0 {
		return fmt.Sprintf("-$%.2f", -v)
	}
	return fmt.Sprintf("+$%.2f", v)
}

// Markdown is a phase's cost per resource and per tier.
func (e *Estimate) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "### Phase %d: %s a month (on-demand, price table of %s)\n\n", e.Phase, usd(e.Total), e.Date)
	b.WriteString("| tier | monthly |\n|---|---:|\n")
	for _, t := range e.TierTotals() {
		fmt.Fprintf(&b, "| %s | %s |\n", t.Tier, usd(t.Monthly))
	}
	fmt.Fprintf(&b, "| **total** | **%s** |\n\n", usd(e.Total))
	b.WriteString("| tier | region | resource | counted | monthly |\n|---|---|---|---|---:|\n")
	free := map[string][]string{} // reason -> types
	for _, l := range e.Lines {
		if l.Free != "" {
			if !contains(free[l.Free], l.Type) {
				free[l.Free] = append(free[l.Free], l.Type)
			}
			continue
		}
		fmt.Fprintf(&b, "| %s | %s | %s `%s` | %s | %s |\n", l.Tier, l.Region, shortType(l.Type), l.Name, l.Detail, usd(l.Monthly))
	}
	if len(free) > 0 {
		b.WriteString("\nNo charge:\n\n")
		for _, why := range sortedKeys(free) {
			types := free[why]
			sort.Strings(types)
			fmt.Fprintf(&b, "- %s: %s\n", why, strings.Join(types, ", "))
		}
	}
	return b.String()
}

// Phase is one phase's estimate, or why it could not be priced.
type Phase struct {
	Number int
	Est    *Estimate
	Err    error
}

// Summary is the table of phases, each with what its step adds a month. A
// phase that cannot be priced shows so, and so does the step after it.
func Summary(phases []Phase) string {
	var b strings.Builder
	b.WriteString("| phase | monthly | step | what the step adds or removes |\n|---|---:|---:|---|\n")
	var prev *Estimate
	for i, p := range phases {
		switch {
		case p.Est == nil:
			fmt.Fprintf(&b, "| %d | not priced | | %s |\n", p.Number, whyUnpriced(p.Err))
		case i == 0:
			fmt.Fprintf(&b, "| %d | %s | | first phase |\n", p.Number, usd(p.Est.Total))
		case prev == nil:
			fmt.Fprintf(&b, "| %d | %s | | (previous phase not priced) |\n", p.Number, usd(p.Est.Total))
		default:
			fmt.Fprintf(&b, "| %d | %s | %s | %s |\n", p.Number, usd(p.Est.Total), signed(p.Est.Total-prev.Total), tierChanges(prev, p.Est))
		}
		prev = p.Est
	}
	return b.String()
}

// whyUnpriced names the figures the price table lacks for a phase.
func whyUnpriced(err error) string {
	var u *Unpriced
	if errors.As(err, &u) {
		if missing := u.Missing(); len(missing) > 0 {
			return "the price table lacks " + strings.Join(missing, ", ") + " (see below)"
		}
	}
	return "see below"
}

// tierChanges lists the tiers whose monthly cost changed from a to b.
func tierChanges(a, b *Estimate) string {
	before := map[string]float64{}
	for _, t := range a.TierTotals() {
		before[t.Tier] = t.Monthly
	}
	after := map[string]float64{}
	for _, t := range b.TierTotals() {
		after[t.Tier] = t.Monthly
	}
	names := sortedKeys(before)
	for n := range after {
		if _, ok := before[n]; !ok {
			names = append(names, n)
		}
	}
	sort.SliceStable(names, func(i, j int) bool { return tierRank(names[i]) < tierRank(names[j]) })
	var parts []string
	for _, n := range names {
		if d := after[n] - before[n]; d > 0.005 || d < -0.005 {
			parts = append(parts, fmt.Sprintf("%s %s", n, signed(d)))
		}
	}
	if len(parts) == 0 {
		return "no change"
	}
	return strings.Join(parts, ", ")
}

// Diff is what a change does to a phase's monthly cost: the totals, the
// tiers and the resources whose figure changed.
func Diff(title string, base, head *Estimate) string {
	var b strings.Builder
	d := head.Total - base.Total
	fmt.Fprintf(&b, "#### Cost, %s: %s → %s a month (%s)\n\n", title, usd(base.Total), usd(head.Total), signed(d))
	type pair struct{ base, head *Line }
	lines := map[string]*pair{}
	key := func(l *Line) string { return l.Type + " " + l.Name }
	for i := range base.Lines {
		if base.Lines[i].Free == "" {
			lines[key(&base.Lines[i])] = &pair{base: &base.Lines[i]}
		}
	}
	for i := range head.Lines {
		l := &head.Lines[i]
		if l.Free != "" {
			continue
		}
		if p, ok := lines[key(l)]; ok {
			p.head = l
		} else {
			lines[key(l)] = &pair{head: l}
		}
	}
	var rows []string
	for _, k := range sortedKeys(lines) {
		p := lines[k]
		var was, now float64
		wasDetail, nowDetail := "—", "—"
		if p.base != nil {
			was, wasDetail = p.base.Monthly, p.base.Detail
		}
		if p.head != nil {
			now, nowDetail = p.head.Monthly, p.head.Detail
		}
		if p.base != nil && p.head != nil && was == now && wasDetail == nowDetail {
			continue
		}
		l := p.head
		if l == nil {
			l = p.base
		}
		rows = append(rows, fmt.Sprintf("| %s `%s` | %s | %s | %s |", shortType(l.Type), l.Name, wasDetail, nowDetail, signed(now-was)))
	}
	if len(rows) == 0 {
		b.WriteString("No priced resource changes.\n")
		return b.String()
	}
	b.WriteString("| resource | before | after | monthly |\n|---|---|---|---:|\n")
	b.WriteString(strings.Join(rows, "\n") + "\n")
	return b.String()
}

// shortType drops the provider prefix and module: aws:rds/instance:Instance -> rds/instance.
func shortType(t string) string {
	parts := strings.Split(t, ":")
	if len(parts) == 3 {
		return parts[1]
	}
	return t
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// TierChanges lists the tiers whose monthly cost changed from a to b, in
// the chapter's order: "shards +$113.82, observability +$0.40".
func TierChanges(a, b *Estimate) string { return tierChanges(a, b) }
