package ladder

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// Every target a user can type says what it does (`make help` prints the
// `##` comments), and `make help` lists each of them.
func TestEveryMakeTargetIsDocumented(t *testing.T) {
	raw, err := os.ReadFile("../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	phony := regexp.MustCompile(`(?m)^\.PHONY:(.*)$`).FindStringSubmatch(string(raw))
	if phony == nil {
		t.Fatal("no .PHONY line")
	}
	targets := strings.Fields(phony[1])
	if len(targets) < 10 {
		t.Fatalf(".PHONY lists %d targets", len(targets))
	}
	out, err := exec.Command("make", "-s", "-C", "../..", "help").Output()
	if err != nil {
		t.Fatalf("make help: %v", err)
	}
	listed := map[string]bool{}
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.Fields(line); len(f) > 1 {
			listed[f[0]] = true
		}
	}
	for _, target := range targets {
		if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(target) + `:.*## \S`).MatchString(string(raw)) {
			t.Errorf("target %s has no ## comment", target)
		}
		if !listed[target] {
			t.Errorf("make help does not list %s", target)
		}
	}
}
