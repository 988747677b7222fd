package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// markdown is the run's result as the review comment's "Smoke test" section
// shows it (cmd/review -smoke): the verdict first, one row per up, what the
// last smoke test printed, and what the destroy left. err is the run's.
func markdown(title, engine string, rows []row, destroyed string, err error) string {
	var b strings.Builder
	verdict := "passed"
	if err != nil {
		verdict = "failed: " + oneLine(err.Error())
	}
	fmt.Fprintf(&b, "**%s: %s**", title, verdict)
	if engine != "" {
		fmt.Fprintf(&b, " (on %s)", engine)
	}
	b.WriteString("\n\n")
	if len(rows) == 0 {
		b.WriteString("No `pulumi up` ran.\n")
	} else {
		b.WriteString("| step | up | smoke test | 5xx / unanswered during the up | preview after | verdict |\n|---|---|---|---|---|---|\n")
		for _, r := range rows {
			idle := fmt.Sprintf("%d changes", r.idle)
			switch {
			case r.upErr != "":
				idle = "—"
			case r.idle < 0:
				idle = "failed"
			}
			smoke := r.smoke
			if smoke == "" {
				smoke = "not run"
			}
			fmt.Fprintf(&b, "| %d → %d | %s | %s | %d / %d of %d | %s | %s |\n", r.from, r.to, r.took.Round(time.Second),
				cell(smoke), r.probe.ServerErrors, r.probe.Failed, r.probe.Requests, idle, cell(orOK(r.failure())))
		}
		if last := rows[len(rows)-1]; last.smokeLog != "" {
			fmt.Fprintf(&b, "\n<details><summary>The smoke test at phase %d, through the front door</summary>\n\n```\n%s\n```\n</details>\n", last.to, strings.TrimSpace(last.smokeLog))
		}
	}
	fmt.Fprintf(&b, "\nDestroy: %s.\n", destroyed)
	return b.String()
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// cell keeps a table cell on one line and its pipes literal.
func cell(s string) string { return strings.ReplaceAll(oneLine(s), "|", `\|`) }

// printTail copies the last n lines of a file to w.
func printTail(w io.Writer, path string, n int) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return
	}
	lines := strings.Split(strings.TrimRight(string(raw), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	fmt.Fprintf(w, "--- the last %d lines of %s:\n%s\n---\n", len(lines), path, strings.Join(lines, "\n"))
}
