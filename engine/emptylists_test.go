package engine

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/scalezero/scalezero/internal/ladder"
	"github.com/scalezero/scalezero/stacks/plan"
)

// Environment of a child ladder.
const (
	EnvChild       = "SCALEZERO_ENGINE_CHILD"        // the target
	EnvChildInvoke = "SCALEZERO_ENGINE_CHILD_INVOKE" // set: empty invoke lists instead of resource lists
)

// TestEmptyLists runs the program under the engine with a provider that
// returns every list empty: first every list output of a resource (an RDS
// instance without master-user secrets, a zone without name servers, ...),
// climbing to phase 2 and then 9; then every list an invoke returns (no
// availability zones), in a preview. The program must answer with errors,
// never panic. Each runs in a child process: a panic in an apply would end
// the test binary.
func TestEmptyLists(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{"aws", "docker"} {
		for _, invoke := range []bool{false, true} {
			name := target + "/resources"
			if invoke {
				name = target + "/invokes"
			}
			t.Run(name, func(t *testing.T) {
				cmd := exec.Command(self)
				cmd.Env = append(os.Environ(), EnvChild+"="+target)
				if invoke {
					cmd.Env = append(cmd.Env, EnvChildInvoke+"=1")
				}
				var out bytes.Buffer
				cmd.Stdout, cmd.Stderr = &out, &out
				runErr := cmd.Run()
				text := out.String()
				panicked := regexp.MustCompile(`(?m)^panic: `).MatchString(text)
				switch {
				case panicked:
					t.Fatalf("the program panics on empty lists:\n%s", panicLines(text))
				case runErr != nil:
					t.Fatalf("the child ladder failed: %v\n%s", runErr, tail(text, 40))
				}
				steps := regexp.MustCompile(`(?m)^STEP .*$`).FindAllString(text, -1)
				if len(steps) == 0 {
					t.Fatalf("the child reported no step:\n%s", tail(text, 40))
				}
				for _, s := range steps {
					t.Log(s)
				}
				// Only the aws target asks for zones.
				if invoke && target == "aws" && !regexp.MustCompile(`STEP preview 1: error: .*azCount`).MatchString(text) {
					t.Errorf("with no availability zones the program must stop with an error:\n%s", strings.Join(steps, "\n"))
				}
			})
		}
	}
}

func panicLines(text string) string {
	rest := text[strings.Index(text, "panic: "):]
	return rest[:min(len(rest), 3000)]
}

// runChild is the child ladder: it prints one "STEP" line per step, with ok
// or the error, and exits 0 unless it could not run at all.
func runChild() int {
	target, invoke := os.Getenv(EnvChild), os.Getenv(EnvChildInvoke) != ""
	if err := child(target, invoke, os.Stdout); err != nil {
		fmt.Println("child:", err)
		return 1
	}
	return 0
}

func child(target string, invoke bool, out io.Writer) error {
	root, flows, err := ladder.Here()
	if err != nil {
		return err
	}
	f := flows[target]
	dir, err := os.MkdirTemp("", "scalezero-empty-lists-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	w, err := newWorkspace(ctx, root, dir, f.Stack, modes{emptyLists: !invoke, emptyInvokeLists: invoke}, io.Discard)
	if err != nil {
		return err
	}
	phases := []int{2, plan.MaxPhase}
	if invoke {
		phases = []int{1}
	}
	for _, phase := range phases {
		for _, s := range f.Due(phase, phase) {
			if err := w.set(ctx, s); err != nil {
				return err
			}
		}
		if err := w.set(ctx, ladder.Setting{Key: "phase", Value: fmt.Sprint(phase)}); err != nil {
			return err
		}
		step := fmt.Sprintf("up %d", phase)
		if invoke {
			step = fmt.Sprintf("preview %d", phase)
			_, err = w.preview(ctx)
		} else {
			err = w.up(ctx, ops{})
		}
		if err != nil {
			fmt.Fprintf(out, "STEP %s: error: %s\n", step, oneLine(err))
			continue
		}
		fmt.Fprintf(out, "STEP %s: ok\n", step)
	}
	return nil
}

// oneLine keeps the lines of an engine error that say what failed.
func oneLine(err error) string {
	var keep []string
	for _, l := range strings.Split(err.Error(), "\n") {
		l = strings.TrimSpace(l)
		if (strings.Contains(l, "error") || strings.Contains(l, "invalid")) && !slices.Contains(keep, l) {
			keep = append(keep, l)
		}
	}
	if len(keep) > 8 {
		keep = keep[:8]
	}
	return strings.Join(keep, " | ")
}
