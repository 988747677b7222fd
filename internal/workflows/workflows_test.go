package workflows

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

const (
	workflowDir = "../../.github/workflows"
	oidcDir     = "../../docs/oidc"
	// pulumiActions is the current major version of pulumi/actions.
	pulumiActions = "pulumi/actions@v7"
)

// trustPolicies are the documented trust policies, by the repository
// variable that holds the role's ARN.
var trustPolicies = map[string]string{
	"AWS_DEPLOY_ROLE_ARN":  "deploy-trust-policy.json",
	"AWS_PREVIEW_ROLE_ARN": "preview-trust-policy.json",
}

// What a step that runs Pulumi needs: a self-managed backend's URL and the
// passphrase of its stacks' secrets, both from the repository's secrets.
var pulumiEnv = map[string]string{
	"PULUMI_BACKEND_URL":       "${{ secrets.PULUMI_BACKEND_URL }}",
	"PULUMI_CONFIG_PASSPHRASE": "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}",
}

type workflow struct {
	file        string
	On          map[string]yaml.Node `yaml:"on"`
	Concurrency struct {
		Group            string `yaml:"group"`
		CancelInProgress bool   `yaml:"cancel-in-progress"`
	} `yaml:"concurrency"`
	Env  map[string]string `yaml:"env"`
	Jobs map[string]job    `yaml:"jobs"`
}

type job struct {
	If             string            `yaml:"if"`
	Needs          yaml.Node         `yaml:"needs"` // a name, or a list
	RunsOn         string            `yaml:"runs-on"`
	TimeoutMinutes int               `yaml:"timeout-minutes"`
	Environment    yaml.Node         `yaml:"environment"` // a name, or {name, url}
	Permissions    map[string]string `yaml:"permissions"`
	Env            map[string]string `yaml:"env"`
	Steps          []step            `yaml:"steps"`
}

type step struct {
	Name           string            `yaml:"name"`
	ID             string            `yaml:"id"`
	If             string            `yaml:"if"`
	Uses           string            `yaml:"uses"`
	Run            string            `yaml:"run"`
	With           map[string]string `yaml:"with"`
	Env            map[string]string `yaml:"env"`
	TimeoutMinutes int               `yaml:"timeout-minutes"`
}

func (s step) String() string {
	if s.Name != "" {
		return s.Name
	}
	if s.Uses != "" {
		return s.Uses
	}
	return strings.SplitN(s.Run, "\n", 2)[0]
}

func workflows(t *testing.T) []workflow {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(workflowDir, "*.yml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no workflows in %s: %v", workflowDir, err)
	}
	var out []workflow
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		w := workflow{file: filepath.Base(f)}
		if err := yaml.Unmarshal(raw, &w); err != nil {
			t.Fatalf("%s: %v", w.file, err)
		}
		out = append(out, w)
	}
	return out
}

// runsPulumi: the Pulumi action, or a script that calls the CLI.
var pulumiCommand = regexp.MustCompile(`(^|[\s;&|(])pulumi\s+(up|preview|refresh|destroy|stack|login|config|import|cancel)\b`)

func runsPulumi(s step) bool {
	return strings.HasPrefix(s.Uses, "pulumi/actions@") || pulumiCommand.MatchString(s.Run)
}

// env is what a step sees: the workflow's, the job's and its own.
func env(w workflow, j job, s step) map[string]string {
	out := map[string]string{}
	for _, m := range []map[string]string{w.Env, j.Env, s.Env} {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// Every step that runs Pulumi, in every workflow, gets the backend URL and
// the passphrase from secrets (or the passphrase in a file), and uses the
// current major of pulumi/actions; each workflow that reaches the real
// stack has such a step (so the check cannot pass on none).
func TestPulumiStepsGetTheBackendAndPassphrase(t *testing.T) {
	steps := map[string]int{}
	for _, w := range workflows(t) {
		for name, j := range w.Jobs {
			for _, s := range j.Steps {
				if !runsPulumi(s) || throwaway[w.file+"/"+name] {
					continue // a throwaway environment's own backend: TestThrowawayEnvironments
				}
				steps[w.file]++
				where := fmt.Sprintf("%s, job %s, step %q", w.file, name, s)
				e := env(w, j, s)
				if got := e["PULUMI_BACKEND_URL"]; got != pulumiEnv["PULUMI_BACKEND_URL"] {
					t.Errorf("%s: PULUMI_BACKEND_URL = %q, want %s (a self-managed backend's URL)", where, got, pulumiEnv["PULUMI_BACKEND_URL"])
				}
				if got := e["PULUMI_CONFIG_PASSPHRASE"]; got != pulumiEnv["PULUMI_CONFIG_PASSPHRASE"] && e["PULUMI_CONFIG_PASSPHRASE_FILE"] == "" {
					t.Errorf("%s: PULUMI_CONFIG_PASSPHRASE = %q and no _FILE, want %s (else a passphrase stack stops at \"passphrase must be set\")", where, got, pulumiEnv["PULUMI_CONFIG_PASSPHRASE"])
				}
				if s.Uses != "" && s.Uses != pulumiActions {
					t.Errorf("%s uses %s, want %s", where, s.Uses, pulumiActions)
				}
			}
		}
	}
	for _, f := range []string{"deploy.yml", "drift.yml", "pull-request.yml"} {
		if steps[f] == 0 {
			t.Errorf("%s has no step that runs Pulumi", f)
		}
	}
}

// subjects are the OIDC subjects GitHub gives a job's token (GitHub Docs,
// "OpenID Connect reference"): its environment's, else one per event that
// starts it; scheduled and dispatched runs run on the default branch, main.
func subjects(t *testing.T, w workflow, j job) []string {
	t.Helper()
	if env := environment(j); env != "" {
		return []string{"repo:OWNER/REPO:environment:" + env}
	}
	var out []string
	for event := range w.On {
		switch event {
		case "pull_request":
			out = append(out, "repo:OWNER/REPO:pull_request")
		case "push", "schedule", "workflow_dispatch":
			out = append(out, "repo:OWNER/REPO:ref:refs/heads/main")
		default:
			t.Errorf("%s: no subject known for the event %s", w.file, event)
		}
	}
	return out
}

func environment(j job) string {
	switch j.Environment.Kind {
	case yaml.ScalarNode:
		return j.Environment.Value
	case yaml.MappingNode:
		var e struct{ Name string }
		if err := j.Environment.Decode(&e); err == nil {
			return e.Name
		}
	}
	return ""
}

// trust reads a documented trust policy: the subjects and audiences it
// admits, exactly (StringEquals); a StringLike (wildcard) subject is refused.
func trust(t *testing.T, file string) (subs, auds []string) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(oidcDir, file))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Statement []struct {
			Effect    string
			Principal struct{ Federated string }
			Action    string
			Condition map[string]map[string]any
		}
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	list := func(v any) []string {
		switch v := v.(type) {
		case string:
			return []string{v}
		case []any:
			var out []string
			for _, x := range v {
				out = append(out, fmt.Sprint(x))
			}
			return out
		}
		return nil
	}
	for _, s := range doc.Statement {
		if s.Effect != "Allow" || s.Action != "sts:AssumeRoleWithWebIdentity" ||
			!strings.HasSuffix(s.Principal.Federated, ":oidc-provider/token.actions.githubusercontent.com") {
			t.Errorf("%s: a statement that is not GitHub's web identity: %+v", file, s)
			continue
		}
		if _, ok := s.Condition["StringLike"]["token.actions.githubusercontent.com:sub"]; ok {
			t.Errorf("%s: a wildcard subject (StringLike); name each one exactly", file)
		}
		subs = append(subs, list(s.Condition["StringEquals"]["token.actions.githubusercontent.com:sub"])...)
		auds = append(auds, list(s.Condition["StringEquals"]["token.actions.githubusercontent.com:aud"])...)
	}
	sort.Strings(subs)
	return subs, auds
}

// Each job that assumes an AWS role asks GitHub for the token and presents
// a subject its role's documented trust policy names exactly, with the
// audience sts.amazonaws.com; and each policy trusts exactly the subjects
// of the jobs that use its role, no more.
func TestOIDCSubjectsMatchTheTrustPolicies(t *testing.T) {
	used := map[string][]string{} // role variable -> subjects
	for _, w := range workflows(t) {
		for name, j := range w.Jobs {
			for _, s := range j.Steps {
				if !strings.HasPrefix(s.Uses, "aws-actions/configure-aws-credentials@") {
					continue
				}
				where := fmt.Sprintf("%s, job %s", w.file, name)
				if j.Permissions["id-token"] != "write" {
					t.Errorf("%s assumes a role without permissions id-token: write", where)
				}
				m := regexp.MustCompile(`^\$\{\{ vars\.([A-Z_]+) \}\}$`).FindStringSubmatch(s.With["role-to-assume"])
				if m == nil || trustPolicies[m[1]] == "" {
					t.Errorf("%s: role-to-assume %q is not a variable with a documented trust policy %v", where, s.With["role-to-assume"], trustPolicies)
					continue
				}
				used[m[1]] = append(used[m[1]], subjects(t, w, j)...)
			}
		}
	}
	if len(used) != len(trustPolicies) {
		t.Errorf("roles assumed %v, want each of %v", used, trustPolicies)
	}
	for role, subs := range used {
		want := slices.Compact(slices.Sorted(slices.Values(subs)))
		got, auds := trust(t, trustPolicies[role])
		if !slices.Equal(got, want) {
			t.Errorf("%s trusts the subjects %v; its jobs present %v", trustPolicies[role], got, want)
		}
		if len(auds) == 0 || slices.ContainsFunc(auds, func(a string) bool { return a != "sts.amazonaws.com" }) {
			t.Errorf("%s: audiences %v, want sts.amazonaws.com", trustPolicies[role], auds)
		}
	}
}

// stickyComment is the current major of the action that posts the review
// and edits the same comment on each push.
const stickyComment = "marocchino/sticky-pull-request-comment@v3"

// makeReview is a script line that runs `make review`.
var makeReview = regexp.MustCompile(`(?m)^\s*make (--no-print-directory )?review\b`)

// The pull-request workflow builds the review with `make review` and posts
// bin/review/comment.md through the sticky-comment action under one header
// (so a push edits the comment instead of adding one), in a job allowed to
// write pull requests, and fails the check afterwards when the review did.
func TestReviewIsOneStickyComment(t *testing.T) {
	found := false
	for _, w := range workflows(t) {
		for name, j := range w.Jobs {
			review, post, fail := -1, -1, -1
			for i, s := range j.Steps {
				switch {
				case makeReview.MatchString(s.Run):
					review = i
				case strings.HasPrefix(s.Uses, "marocchino/sticky-pull-request-comment@"):
					post = i
					if s.Uses != stickyComment {
						t.Errorf("%s/%s uses %s, want %s", w.file, name, s.Uses, stickyComment)
					}
					if s.With["path"] != "bin/review/comment.md" || s.With["header"] == "" {
						t.Errorf("%s/%s posts %q under header %q; want bin/review/comment.md under a fixed header", w.file, name, s.With["path"], s.With["header"])
					}
				case review >= 0 && strings.Contains(s.Run, "exit 1"):
					fail = i
				}
			}
			if post < 0 {
				continue
			}
			found = true
			if j.Permissions["pull-requests"] != "write" {
				t.Errorf("%s/%s posts the comment without pull-requests: write", w.file, name)
			}
			if review < 0 || review > post {
				t.Errorf("%s/%s posts the comment before (or without) make review", w.file, name)
			}
			if fail < post {
				t.Errorf("%s/%s does not fail the check after posting a failed review", w.file, name)
			}
		}
	}
	if !found {
		t.Fatal("no workflow posts the review comment")
	}
}
