package workflows

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// throwaway are the jobs that deploy an environment of their own on the
// runner (a file backend under runner.temp, gone with the runner) instead of
// the repository's stack.
var throwaway = map[string]bool{
	"pull-request.yml/preview-env": true,
	"pull-request.yml/localstack":  true,
}

// currentMajors are the versions the pull-request workflow's environment
// and review jobs pin, each the action's current major.
var currentMajors = map[string]string{
	"actions/checkout":                       "v6",
	"actions/setup-go":                       "v6",
	"actions/upload-artifact":                "v7",
	"actions/download-artifact":              "v8",
	"pulumi/actions":                         "v7",
	"marocchino/sticky-pull-request-comment": "v3",
}

const (
	throwawayBackend = "file://${{ runner.temp }}/pulumi-state"
	tokenEnv         = "${{ secrets.LOCALSTACK_AUTH_TOKEN }}"
	hasToken         = "env.LOCALSTACK_AUTH_TOKEN != ''"
	noToken          = "env.LOCALSTACK_AUTH_TOKEN == ''"
)

// runsEnvironment: a step that deploys or destroys through Pulumi, by the
// CLI, the e2e command or the LocalStack climb (the action without a
// command only installs the CLI).
func runsEnvironment(s step) bool {
	if strings.HasPrefix(s.Uses, "pulumi/actions@") {
		return s.With["command"] != ""
	}
	return runsPulumi(s) || strings.Contains(s.Run, "./cmd/e2e-docker") || strings.Contains(s.Run, "scripts/localstack-climb.sh")
}

func pullRequest(t *testing.T) workflow {
	t.Helper()
	for _, w := range workflows(t) {
		if w.file == "pull-request.yml" {
			return w
		}
	}
	t.Fatal("no pull-request.yml")
	return workflow{}
}

func needs(j job) []string {
	if j.Needs.Value != "" {
		return []string{j.Needs.Value}
	}
	var out []string
	_ = j.Needs.Decode(&out)
	return out
}

// stepIndex is the first step matching, or -1.
func stepIndex(j job, match func(step) bool) int {
	return slices.IndexFunc(j.Steps, match)
}

// An always() step, or (gated jobs) always() && the gate.
func always(s step) bool { return strings.HasPrefix(s.If, "always()") }

// The written path after a -smoke-out flag or a redirect to a fragment.
var smokeOut = regexp.MustCompile(`-smoke-out "?\$RUNNER_TEMP/smoke/([a-z]+\.md)"?`)

// The throwaway environments' contract: one run per pull request at a time;
// each environment job has a timeout, deploys with a file backend on the
// runner and a passphrase, installs the Pulumi CLI and the provider plugin
// go.mod names first, destroys in an always() step after the deploy, and
// uploads its result whatever happened; the LocalStack job is gated by its
// secret through the environment (secrets cannot be read in `if:`) and says
// it skipped without it; the review job waits for both, unless cancelled,
// and hands their results to `make review -smoke`, so the one sticky
// comment shows them; and every action pinned is at its current major.
func TestThrowawayEnvironments(t *testing.T) {
	w := pullRequest(t)
	if !strings.Contains(w.Concurrency.Group, "github.event.pull_request.number") || !w.Concurrency.CancelInProgress {
		t.Errorf("concurrency %+v: want a group per pull request that cancels the run under way", w.Concurrency)
	}
	uploads := map[string]string{} // artifact name -> file
	for key := range throwaway {
		name := strings.TrimPrefix(key, w.file+"/")
		j, ok := w.Jobs[name]
		if !ok {
			t.Errorf("%s: no job %s", w.file, name)
			continue
		}
		if j.RunsOn != "ubuntu-latest" || j.TimeoutMinutes <= 0 {
			t.Errorf("%s: runs-on %q, timeout %d; want ubuntu-latest (Docker) and a timeout", name, j.RunsOn, j.TimeoutMinutes)
		}
		deploy, destroy := -1, -1
		for i, s := range j.Steps {
			if !runsEnvironment(s) {
				continue
			}
			e := env(w, j, s)
			if e["PULUMI_BACKEND_URL"] != throwawayBackend || e["PULUMI_CONFIG_PASSPHRASE"] == "" {
				t.Errorf("%s, step %q: backend %q, passphrase %q; want %s and a passphrase", name, s, e["PULUMI_BACKEND_URL"], e["PULUMI_CONFIG_PASSPHRASE"], throwawayBackend)
			}
			switch {
			case strings.Contains(s.Run, "pulumi destroy"):
				destroy = i
				if !always(s) {
					t.Errorf("%s: the destroy step runs if %q, want always()", name, s.If)
				}
			case deploy < 0:
				deploy = i
				if s.TimeoutMinutes <= 0 || s.TimeoutMinutes >= j.TimeoutMinutes {
					t.Errorf("%s: the deploy step's timeout %d leaves the destroy no time in the job's %d minutes", name, s.TimeoutMinutes, j.TimeoutMinutes)
				}
			}
		}
		if deploy < 0 || destroy < deploy {
			t.Errorf("%s: deploy at step %d, destroy at step %d; want a destroy after the deploy", name, deploy, destroy)
		}
		cli := stepIndex(j, func(s step) bool { return strings.HasPrefix(s.Uses, "pulumi/actions@") })
		plugins := stepIndex(j, func(s step) bool {
			return strings.Contains(s.Run, "pulumi plugin install resource docker") && strings.Contains(s.Run, "go list -m") && strings.Contains(s.Run, "pulumi-docker/sdk/v4")
		})
		if cli < 0 || plugins < cli || deploy < plugins {
			t.Errorf("%s: Pulumi CLI at step %d, plugins from go.mod at %d, deploy at %d; want them in that order", name, cli, plugins, deploy)
		}
		up := stepIndex(j, func(s step) bool { return strings.HasPrefix(s.Uses, "actions/upload-artifact@") })
		if up < destroy || !always(j.Steps[max(up, 0)]) {
			t.Errorf("%s: want an always() upload of the result after the destroy", name)
		} else {
			uploads[j.Steps[up].With["name"]] = j.Steps[up].With["path"]
		}
	}

	// The docker environment deploys one phase in one up and writes the
	// result cmd/review -smoke reads.
	pe := w.Jobs["preview-env"]
	e2e := stepIndex(pe, func(s step) bool { return strings.Contains(s.Run, "go run ./cmd/e2e-docker -phase ") })
	if e2e < 0 {
		t.Error("preview-env: no step runs go run ./cmd/e2e-docker -phase N")
	} else if m := smokeOut.FindStringSubmatch(pe.Steps[e2e].Run); m == nil || uploads["smoke-docker"] != "${{ runner.temp }}/smoke/"+m[1] {
		t.Errorf("preview-env: the e2e step writes %v, the upload takes %q", m, uploads["smoke-docker"])
	}
	if !regexp.MustCompile(`^\$\{\{ vars\.PREVIEW_PHASE \|\| '[1-9]' \}\}$`).MatchString(pe.Env["PREVIEW_PHASE"]) {
		t.Errorf("preview-env: PREVIEW_PHASE = %q, want the repository variable with a default phase", pe.Env["PREVIEW_PHASE"])
	}

	// LocalStack: the token reaches the steps as an environment variable;
	// every step but the skip note and the upload needs it; the skip note
	// writes the file the upload takes and names the secret.
	ls := w.Jobs["localstack"]
	if ls.Env["LOCALSTACK_AUTH_TOKEN"] != tokenEnv || strings.Contains(ls.If, "secrets.") {
		t.Errorf("localstack: env LOCALSTACK_AUTH_TOKEN = %q, if %q; want %s and no secret in if:", ls.Env["LOCALSTACK_AUTH_TOKEN"], ls.If, tokenEnv)
	}
	skips := 0
	for _, s := range ls.Steps {
		switch {
		case strings.HasPrefix(s.Uses, "actions/upload-artifact@"):
		case s.If == noToken:
			skips++
			if !strings.Contains(s.Run, "LOCALSTACK_AUTH_TOKEN secret") || !strings.Contains(s.Run, "$RUNNER_TEMP/smoke/localstack.md") ||
				uploads["smoke-localstack"] != "${{ runner.temp }}/smoke/localstack.md" {
				t.Errorf("localstack: the skip note %q does not name the secret in the uploaded result (%q)", s, uploads["smoke-localstack"])
			}
		case !strings.Contains(s.If, hasToken):
			t.Errorf("localstack, step %q runs if %q, want it gated by %s", s, s.If, hasToken)
		}
	}
	if skips != 1 {
		t.Errorf("localstack: %d steps say LocalStack was skipped without the token, want 1", skips)
	}
	// The phase list comes from the project's command, which reads
	// stacks/localstack.go; the script must not keep a list of its own.
	script, err := os.ReadFile("../../scripts/localstack-climb.sh")
	if err != nil || !strings.Contains(string(script), "go run ./cmd/localstack-phases -tier") {
		t.Errorf("scripts/localstack-climb.sh does not take its phases from cmd/localstack-phases: %v", err)
	}
	if regexp.MustCompile(`for p in [0-9]`).Match(script) {
		t.Error("scripts/localstack-climb.sh lists phases itself")
	}

	// The review waits for both environments (even when one failed, not
	// when the run is cancelled), fetches their results and hands them to
	// make review; it is the only job posting the sticky comment.
	rv := w.Jobs["review"]
	if n := needs(rv); !slices.Contains(n, "preview-env") || !slices.Contains(n, "localstack") || rv.If != "${{ !cancelled() }}" {
		t.Errorf("review: needs %v, if %q; want both environments and ${{ !cancelled() }}", n, rv.If)
	}
	get := stepIndex(rv, func(s step) bool {
		return strings.HasPrefix(s.Uses, "actions/download-artifact@") && s.With["pattern"] == "smoke-*" && s.With["path"] == "bin/smoke"
	})
	for name := range uploads {
		if !strings.HasPrefix(name, "smoke-") {
			t.Errorf("the artifact %s escapes the review's pattern smoke-*", name)
		}
	}
	join := stepIndex(rv, func(s step) bool {
		return strings.Contains(s.Run, "bin/smoke/docker.md") && strings.Contains(s.Run, "bin/smoke/localstack.md") && strings.Contains(s.Run, "> bin/smoke.md")
	})
	review := stepIndex(rv, func(s step) bool {
		return makeReview.MatchString(s.Run) && strings.Contains(s.Run, `REVIEW_FLAGS="-smoke bin/smoke.md"`)
	})
	post := stepIndex(rv, func(s step) bool { return strings.HasPrefix(s.Uses, "marocchino/sticky-pull-request-comment@") })
	if get < 0 || join < get || review < join || post < review {
		t.Errorf("review: download %d, join %d, make review -smoke %d, post %d; want them in that order", get, join, review, post)
	}
	posters := 0
	for _, wf := range workflows(t) {
		for _, j := range wf.Jobs {
			if stepIndex(j, func(s step) bool { return strings.HasPrefix(s.Uses, "marocchino/sticky-pull-request-comment@") }) >= 0 {
				posters++
			}
		}
	}
	if posters != 1 {
		t.Errorf("%d jobs post the sticky comment, want 1 (one comment, one writer)", posters)
	}

	for _, name := range []string{"preview-env", "localstack", "review"} {
		for _, s := range w.Jobs[name].Steps {
			if s.Uses == "" {
				continue
			}
			action, version, _ := strings.Cut(s.Uses, "@")
			if want, ok := currentMajors[action]; !ok || version != want {
				t.Errorf("%s uses %s, want %s@%s (its current major)", name, s.Uses, action, fmt.Sprint(want))
			}
		}
	}
}
