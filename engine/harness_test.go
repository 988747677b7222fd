package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"

	"github.com/scalezero/scalezero/internal/ladder"
	"github.com/scalezero/scalezero/internal/testprovider"
	"github.com/scalezero/scalezero/stacks"
)

// passphrase encrypts the test stacks' secrets; it is no secret.
const passphrase = "scalezero-engine-tests"

// modes are the test provider's modes for one workspace.
type modes struct{ emptyLists, emptyInvokeLists bool }

// workspace is one stack of the project under the real engine, in
// temporary directories: the project's Pulumi.yaml and stack file copied
// (the checkout stays clean), a file backend, a PULUMI_HOME holding the test
// provider as every plugin the program needs, and the provider's state.
type workspace struct {
	root  string // the repository
	dir   string // the temporary directory holding everything else
	stack auto.Stack
	cloud *testprovider.State
	log   io.Writer // the CLI's output
}

// cliPath builds the Pulumi CLI when it is not cached yet (a few minutes,
// once per machine) and returns its path.
func cliPath(root string) (string, error) {
	out, err := exec.Command(filepath.Join(root, "scripts", "pulumi-cli.sh")).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return "", fmt.Errorf("scripts/pulumi-cli.sh: %w\n%s", err, ee.Stderr)
		}
		return "", fmt.Errorf("scripts/pulumi-cli.sh: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

var sdkModule = regexp.MustCompile(`(?m)^\s*github\.com/pulumi/pulumi-([a-z0-9-]+)/sdk/v\d+ v(\S+)`)

// plugins lists the provider packages the program is built with and their
// versions, from go.mod: the SDK of each asks the engine for the plugin of
// the same version.
func plugins(root string) (map[string]string, error) {
	raw, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, m := range sdkModule.FindAllStringSubmatch(string(raw), -1) {
		out[m[1]] = m[2]
	}
	if out["aws"] == "" || out["docker"] == "" {
		return nil, fmt.Errorf("go.mod requires no aws or docker SDK: %v", out)
	}
	return out, nil
}

// installPlugins links the test binary into home as each provider plugin,
// under the exact directory the engine looks for (resource-aws-v6.83.4/
// pulumi-resource-aws).
func installPlugins(home string, versions map[string]string) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	for pkg, v := range versions {
		dir := filepath.Join(home, "plugins", fmt.Sprintf("resource-%s-v%s", pkg, v))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		if err := os.Symlink(self, filepath.Join(dir, "pulumi-resource-"+pkg)); err != nil {
			return err
		}
	}
	return nil
}

// newWorkspace creates the stack a user creates with `pulumi stack init`.
func newWorkspace(ctx context.Context, root, dir, stackName string, m modes, log io.Writer) (*workspace, error) {
	cli, err := cliPath(root)
	if err != nil {
		return nil, err
	}
	work, home, backend, state := filepath.Join(dir, "project"), filepath.Join(dir, "home"), filepath.Join(dir, "backend"), filepath.Join(dir, "cloud")
	for _, d := range []string{work, home, backend, state} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}
	for _, f := range []string{"Pulumi.yaml", "Pulumi." + stackName + ".yaml"} {
		raw, err := os.ReadFile(filepath.Join(root, f))
		if os.IsNotExist(err) && f != "Pulumi.yaml" {
			continue // a new stack without a file of its own
		}
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(work, f), raw, 0o644); err != nil {
			return nil, err
		}
	}
	versions, err := plugins(root)
	if err != nil {
		return nil, err
	}
	if err := installPlugins(home, versions); err != nil {
		return nil, err
	}
	var pins []string
	for pkg, v := range versions {
		pins = append(pins, pkg+"="+v)
	}
	sort.Strings(pins)
	vars := map[string]string{
		"PULUMI_BACKEND_URL":                          "file://" + backend,
		"PULUMI_CONFIG_PASSPHRASE":                    passphrase,
		"PULUMI_SKIP_UPDATE_CHECK":                    "true",
		"PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
		"PULUMI_IGNORE_AMBIENT_PLUGINS":               "true",
		testprovider.EnvStateDir:                      state,
		testprovider.EnvVersions:                      strings.Join(pins, ","),
	}
	if m.emptyLists {
		vars[testprovider.EnvEmptyLists] = "1"
	}
	if m.emptyInvokeLists {
		vars[testprovider.EnvEmptyInvokeLists] = "1"
	}
	// The Automation API checks that the CLI is at least the SDK's version.
	cmd, err := auto.NewPulumiCommand(&auto.PulumiCommandOptions{Root: filepath.Dir(filepath.Dir(cli))})
	if err != nil {
		return nil, fmt.Errorf("the Pulumi CLI at %s: %w", cli, err)
	}
	ws, err := auto.NewLocalWorkspace(ctx,
		auto.WorkDir(work),
		auto.Program(stacks.Program),
		auto.PulumiHome(home),
		auto.EnvVars(vars),
		auto.Pulumi(cmd),
		auto.SecretsProvider("passphrase"),
	)
	if err != nil {
		return nil, err
	}
	st, err := auto.NewStack(ctx, stackName, ws)
	if err != nil {
		return nil, fmt.Errorf("pulumi stack init %s: %w", stackName, err)
	}
	return &workspace{root: root, dir: dir, stack: st, cloud: &testprovider.State{Dir: state}, log: log}, nil
}

// set runs `pulumi config set [--secret] key value`.
func (w *workspace) set(ctx context.Context, s ladder.Setting) error {
	return w.stack.SetConfig(ctx, "scalezero:"+strings.TrimPrefix(s.Key, "scalezero:"), auto.ConfigValue{Value: s.Value, Secret: s.Secret})
}

// ops collects, from the engine's events, the operation on each URN, marked
// as the golden files mark them. The stack itself and default providers are
// left out: the offline graph records neither. URNs are given the offline
// graph's stack name, so stacks of any name compare with the same files.
type ops map[string]string

var marks = map[apitype.OpType]string{
	apitype.OpSame: ladder.Same, apitype.OpCreate: ladder.Create, apitype.OpUpdate: ladder.Update,
	apitype.OpDelete: ladder.Delete, apitype.OpReplace: ladder.Replace, apitype.OpCreateReplacement: ladder.Replace,
	apitype.OpDeleteReplaced: ladder.Replace,
}

var stackInURN = regexp.MustCompile(`^urn:pulumi:[^:]+::`)

func (o ops) add(m apitype.StepEventMetadata) {
	if m.Type == "pulumi:pulumi:Stack" || (strings.HasPrefix(m.Type, "pulumi:providers:") && strings.Contains(m.URN, "::default")) {
		return
	}
	mark, ok := marks[m.Op]
	if !ok {
		mark = string(m.Op)
	}
	urn := stackInURN.ReplaceAllString(m.URN, "urn:pulumi:dev::")
	// An operation that changes something wins over "same" from another
	// attempt of the same step.
	if prev, seen := o[urn]; !seen || prev == ladder.Same || mark == ladder.Replace {
		o[urn] = mark
	}
}

// collect reads events until the channel closes; completed steps count
// (outputs events), or, for a preview, planned ones.
func collect(ch <-chan events.EngineEvent, into ops, planned bool) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		for e := range ch {
			switch {
			case planned && e.ResourcePreEvent != nil:
				into.add(e.ResourcePreEvent.Metadata)
			case !planned && e.ResOutputsEvent != nil:
				into.add(e.ResOutputsEvent.Metadata)
			}
		}
	}()
	return done
}

// wait lets the collector finish. The Automation API closes the event
// channel when the CLI's event stream ends; a CLI that failed before opening
// one (a config error) never does, and then nothing is left to read.
func wait(done <-chan struct{}, err error) {
	if err == nil {
		<-done
		return
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
	}
}

// watch runs an operation with an event stream and adds what it reports to
// into: completed steps, or, for a preview, planned ones.
func watch(into ops, planned bool, op func(chan<- events.EngineEvent) error) error {
	ch := make(chan events.EngineEvent)
	done := collect(ch, into, planned)
	err := op(ch)
	wait(done, err)
	return err
}

// up runs `pulumi up` and adds what it did to into.
func (w *workspace) up(ctx context.Context, into ops) error {
	return watch(into, false, func(ch chan<- events.EngineEvent) error {
		_, err := w.stack.Up(ctx, optup.EventStreams(ch), optup.ProgressStreams(w.log), optup.ErrorProgressStreams(w.log))
		return err
	})
}

// preview runs `pulumi preview` and returns what it would do.
func (w *workspace) preview(ctx context.Context) (ops, error) {
	got := ops{}
	return got, watch(got, true, func(ch chan<- events.EngineEvent) error {
		_, err := w.stack.Preview(ctx, optpreview.EventStreams(ch), optpreview.ProgressStreams(w.log), optpreview.ErrorProgressStreams(w.log))
		return err
	})
}

// destroy runs `pulumi destroy`.
func (w *workspace) destroy(ctx context.Context, into ops) error {
	return watch(into, false, func(ch chan<- events.EngineEvent) error {
		_, err := w.stack.Destroy(ctx, optdestroy.EventStreams(ch), optdestroy.ProgressStreams(w.log), optdestroy.ErrorProgressStreams(w.log))
		return err
	})
}

// stateURNs lists the URNs the stack's state holds, with the offline
// graph's stack name (as ops has them).
func (w *workspace) stateURNs(ctx context.Context) (map[string]bool, error) {
	state, err := w.stack.Export(ctx)
	if err != nil {
		return nil, err
	}
	var d struct{ Resources []struct{ URN string } }
	if err := json.Unmarshal(state.Deployment, &d); err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, r := range d.Resources {
		out[stackInURN.ReplaceAllString(r.URN, "urn:pulumi:dev::")] = true
	}
	return out, nil
}

// dropRenamed leaves out of a step's operations the old half of a
// replacement that took a resource under an alias (the single server's
// container becoming the load balancer's): the engine reports deleting the
// replaced resource under its old URN, which the state no longer holds; the
// replacement is the new URN's.
func (o ops) dropRenamed(state map[string]bool) {
	for urn, op := range o {
		if op == ladder.Replace && !state[urn] {
			delete(o, urn)
		}
	}
}

// changes lists the URNs a preview would touch.
func (o ops) changes() []string {
	var out []string
	for urn, op := range o {
		if op != ladder.Same {
			out = append(out, op+" "+urn)
		}
	}
	sort.Strings(out)
	return out
}
