package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const devStack = "../../Pulumi.dev.yaml"

// phases runs the command and returns what it prints and the skipped list.
func phases(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	why := filepath.Join(t.TempDir(), "skipped.md")
	var out strings.Builder
	err := run(append([]string{"-stack", devStack, "-set", "domain=shop.scalezero-demo.net", "-why", why}, args...), &out)
	raw, _ := os.ReadFile(why)
	return out.String(), string(raw), err
}

// Every phase pushes the app's image to ECR, which the Free tier lacks: it
// runs nothing, and each phase says what it lacks (phase 2 adds RDS).
func TestFreeRunsNoPhaseAndSaysWhy(t *testing.T) {
	out, why, err := phases(t, "-tier", "free")
	if err != nil {
		t.Fatal(err)
	}
	if out != "\n" {
		t.Errorf("free runs %q, want no phase", out)
	}
	for _, want := range []string{
		"- phase 1: skipped, the free tier does not emulate ecr\n",
		"- phase 2: skipped, the free tier does not emulate ecr, rds\n",
		"- phase 9: skipped",
	} {
		if !strings.Contains(why, want) {
			t.Errorf("the skipped list lacks %q:\n%s", want, why)
		}
	}
}

// The paid tiers emulate every service the program calls: all nine phases
// run and nothing is skipped.
func TestBaseRunsEveryPhase(t *testing.T) {
	out, why, err := phases(t, "-tier", "base")
	if err != nil || out != "1 2 3 4 5 6 7 8 9\n" || why != "" {
		t.Errorf("base: %q, skipped %q, %v; want every phase and nothing skipped", out, why, err)
	}
}

func TestBadInput(t *testing.T) {
	if _, _, err := phases(t, "-tier", "pro"); err == nil || !strings.Contains(err.Error(), `-tier "pro": allowed free, base, ultimate, student`) {
		t.Errorf("-tier pro: %v", err)
	}
	// Phase 7 routes by geolocation in a zone: without a domain it cannot be
	// planned, and the error names the phase.
	var out strings.Builder
	err := run([]string{"-stack", devStack, "-tier", "base"}, &out)
	if err == nil || !strings.Contains(err.Error(), "plan phase 7") {
		t.Errorf("no domain: %v, want the error of phase 7", err)
	}
}
