package main

import (
	"fmt"
	"strings"

	"github.com/scalezero/scalezero/cost"
	"github.com/scalezero/scalezero/graph"
)

// section is one part of the comment; they are kept in order until one does
// not fit, and the rest are cut.
type section struct {
	name string // what the trim line says was left out
	text string
}

// TrimmedMarker starts the line that says the comment was cut.
const TrimmedMarker = "<!-- scalezero-review: trimmed -->"

// Render is the comment: with limit > 0, cut at the last section boundary
// that fits with the trim line; limit 0 keeps everything.
func (r *Review) Render(limit int, summaryURL string) string {
	sections := r.sections()
	var b strings.Builder
	for i, s := range sections {
		if limit > 0 && i > 0 {
			// Room for the trim line too, unless this is the last section.
			trailer := trimLine(sections[i:], summaryURL)
			room := len(trailer)
			if i == len(sections)-1 {
				room = 0
			}
			if b.Len()+len(s.text)+room > limit {
				b.WriteString(trailer)
				return b.String()
			}
		}
		b.WriteString(s.text)
	}
	return b.String()
}

// trimLine says what was left out and where to read it. It is shorter for
// fewer sections, so once a section fits with it, a later cut fits too.
func trimLine(left []section, summaryURL string) string {
	names := make([]string, len(left))
	for i, s := range left {
		names[i] = s.name
	}
	where := "the job summary of this run"
	if summaryURL != "" {
		where = fmt.Sprintf("[the job summary](%s)", summaryURL)
	}
	return fmt.Sprintf("\n%s\n> **Trimmed** to GitHub's 65,536-character comment limit: %s left out. The full review is in %s.\n",
		TrimmedMarker, strings.Join(names, ", "), where)
}

func (r *Review) sections() []section {
	var out []section
	var head strings.Builder
	head.WriteString(Marker + "\n")
	title := "Infrastructure review"
	if r.title != "" {
		title += ": `" + r.title + "`"
	}
	fmt.Fprintf(&head, "## %s\n\n", title)
	fmt.Fprintf(&head, "Offline graphs of the dev stack (`make plan`), phases 1-9 on aws; monthly on-demand cost at the price table of %s; the policy pack on the head.\n\n", r.date)
	head.WriteString("| phase | resources | monthly before | after | change | tiers | budget | policy |\n|---:|---|---:|---:|---:|---|---|---|\n")
	for _, p := range r.phases {
		head.WriteString(p.row() + "\n")
	}
	out = append(out, section{"the summary", head.String()})

	var gate strings.Builder
	for _, p := range r.phases {
		if p.over != nil {
			fmt.Fprintf(&gate, "- :no_entry: %s\n", p.over)
		}
	}
	for _, p := range r.phases {
		for _, f := range p.denials {
			fmt.Fprintf(&gate, "- :no_entry: phase %d, `%s` on `%s`%s: %s\n", p.n, f.Rule, f.Resource, newMark(f), oneLine(f.Message))
		}
	}
	if gate.Len() > 0 {
		out = append(out, section{"the blocking findings", "\n### What blocks this change\n\n" + gate.String()})
	}

	smoke := r.smoke
	if smoke == "" {
		smoke = "Not run for this push (the throwaway environment's job fills this section)."
	}
	out = append(out, section{"the smoke test", fmt.Sprintf("\n### Smoke test\n\n%s\n%s\n", SmokeMarker, smoke)})

	for _, p := range r.phases {
		if p.changed() {
			out = append(out, section{fmt.Sprintf("phase %d's details", p.n), p.details()})
		}
	}
	var notes strings.Builder
	for _, p := range r.phases {
		for _, f := range p.notes {
			fmt.Fprintf(&notes, "- phase %d, `%s` on `%s`%s: %s\n", p.n, f.Rule, f.Resource, newMark(f), oneLine(f.Message))
		}
	}
	if notes.Len() > 0 {
		out = append(out, section{"the advisory findings", "\n### Advisory findings on the head\n\n" + notes.String()})
	}
	return out
}

func newMark(f finding) string {
	if f.isNew {
		return " (new)"
	}
	return ""
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func (p *phase) row() string {
	a, r, c := p.counts()
	res := "no change"
	if p.base == nil {
		res = fmt.Sprintf("new phase: +%d", a)
	} else if a+r+c > 0 {
		res = fmt.Sprintf("+%d −%d ~%d", a, r, c)
	}
	before, after, change, tiers := "—", "—", "", ""
	switch {
	case p.costErr != nil:
		after, change = "not priced", "see details"
	default:
		after = money(p.headEst.Total)
		if p.baseEst != nil {
			before = money(p.baseEst.Total)
			tiers = cost.TierChanges(p.baseEst, p.headEst)
		}
		if d := p.costDelta(); d != 0 {
			change = signed(d)
		}
	}
	if tiers == "no change" {
		tiers = ""
	}
	budget := "ok"
	if p.over != nil {
		budget = ":no_entry: over"
	}
	policy := "none"
	if n := len(p.denials); n > 0 {
		policy = fmt.Sprintf(":no_entry: %d mandatory", n)
	}
	if n := len(p.notes); n > 0 {
		policy = strings.TrimPrefix(policy+fmt.Sprintf(", %d advisory", n), "none, ")
	}
	return fmt.Sprintf("| %d | %s | %s | %s | %s | %s | %s | %s |", p.n, res, before, after, change, tiers, budget, policy)
}

func (p *phase) details() string {
	var b strings.Builder
	title := fmt.Sprintf("Phase %d", p.n)
	b.WriteString("\n" + graph.Markdown(title, p.changes))
	b.WriteString("\n")
	switch {
	case p.costErr != nil:
		fmt.Fprintf(&b, "#### Cost: not priced\n\n```\n%v\n```\n", p.costErr)
	case p.baseEst == nil:
		fmt.Fprintf(&b, "#### Cost, phase %d: %s a month (a new phase)\n", p.n, money(p.headEst.Total))
	default:
		b.WriteString(cost.Diff(fmt.Sprintf("phase %d", p.n), p.baseEst, p.headEst))
	}
	return b.String()
}

func money(v float64) string { return fmt.Sprintf("$%.2f", v) }

func signed(v float64) string {
	if v < 0 {
		return fmt.Sprintf("-$%.2f", -v)
	}
	return fmt.Sprintf("+$%.2f", v)
}
