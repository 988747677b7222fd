package main

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestPlannedSteps(t *testing.T) {
	for _, tc := range []struct {
		name      string
		only, top int
		toSet     bool
		want      string // the ups, or the error's text
	}{
		{"the climb", 0, 3, false, "[{0 1} {1 2} {2 3} {3 2} {2 1}]"},
		{"phase 1 climbs nowhere", 0, 1, false, "[{0 1}]"},
		{"one phase in one up", 8, 9, false, "[{0 8}]"},
		{"-phase out of range", 10, 9, false, "-phase 10: allowed 1 to 9"},
		{"-phase below 1", -1, 9, false, "-phase -1: allowed 1 to 9"},
		{"-to out of range", 0, 0, false, "-to 0: allowed 1 to 9"},
		{"-phase with -to", 6, 9, true, "-phase 6 and -to 9: allowed one of them"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			steps, err := plannedSteps(tc.only, tc.top, tc.toSet)
			got := fmt.Sprint(steps)
			if err != nil {
				got = err.Error()
			}
			if !strings.HasPrefix(got, tc.want) {
				t.Errorf("plannedSteps(%d, %d, %v) = %s, want %s", tc.only, tc.top, tc.toSet, got, tc.want)
			}
		})
	}
}

// The Markdown result leads with the verdict, has a row per up, and shows
// the smoke test's own lines; a failed run says why, and a run that never
// reached an up says so instead of showing an empty table.
func TestMarkdown(t *testing.T) {
	passed := []row{{from: 0, to: 8, took: 190 * time.Second, probe: counts{Requests: 40}, smoke: "ok",
		smokeLog: "ok page 3ms\nok upload becomes an avatar 900ms\n"}}
	md := markdown(title(8, 9), "Docker Engine 28.3.0", passed, "nothing left", nil)
	for _, want := range []string{
		"**docker target, phase 8: passed** (on Docker Engine 28.3.0)\n",
		"| 0 → 8 | 3m10s | ok | 0 / 0 of 40 | 0 changes | ok |\n",
		"ok upload becomes an avatar 900ms\n```",
		"Destroy: nothing left.",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the passed run's Markdown lacks %q:\n%s", want, md)
		}
	}

	failed := []row{{from: 0, to: 8, probe: counts{Requests: 40}, smoke: "FAIL: upload becomes an avatar: the job | failed"}}
	md = markdown(title(8, 9), "", failed, "nothing left", errors.New("0 -> 8: smoke: FAIL: upload"))
	for _, want := range []string{
		"**docker target, phase 8: failed: 0 -> 8: smoke: FAIL: upload**\n",
		`the job \| failed`,
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the failed run's Markdown lacks %q:\n%s", want, md)
		}
	}

	md = markdown(title(0, 9), "", nil, "not reached", errors.New("build the smoke command: exit status 1"))
	if !strings.Contains(md, "docker target, 1 -> 9 -> 1: failed: build the smoke command") || !strings.Contains(md, "No `pulumi up` ran.") || strings.Contains(md, "| step |") {
		t.Errorf("a run that never reached an up:\n%s", md)
	}
}
