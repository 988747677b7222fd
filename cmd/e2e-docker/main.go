// Command e2e-docker deploys the docker target for real, phase by phase, and
// prints one table. On a machine with a Docker engine (DOCKER_HOST, or the
// local socket), the Pulumi CLI and the pulumi-docker provider plugin it
// creates a new stack on a file backend of its own, climbs 1 -> 9 as the
// README's flow does, lowers to 1 and destroys. During each `up` a prober
// asks the front door every 50 ms and counts 5xx answers and requests with no
// answer; after each step the smoke command (app/cmd/smoke) runs through the
// front door and a preview must change nothing.
//
//	make e2e-docker            # or: go run ./cmd/e2e-docker -to 9
//	go run ./cmd/e2e-docker -phase 8 -smoke-out smoke.md   # one phase, straight up
//
// With -phase N it deploys phase N on the new stack in one up (as a user
// who sets the phase before the first up), smoke-tests it and destroys it:
// the pull-request workflow's throwaway environment. -smoke-out writes the
// result as Markdown for the review comment (cmd/review -smoke).
//
// It fails when a step fails, when the smoke test fails, when a preview after
// an up would change something, or when from phase 3 on (nginx in front) a
// step answers a 5xx, or loses a request without replacing the front
// container itself (one host port, so the old one goes first).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"

	"github.com/scalezero/scalezero/components/containers"
	"github.com/scalezero/scalezero/internal/ladder"
	"github.com/scalezero/scalezero/stacks/plan"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e-docker:", err)
		os.Exit(1)
	}
}

// row is one step of the run.
type row struct {
	from, to      int
	took          time.Duration
	upErr         string
	probe         counts
	frontReplaced bool // the step replaced the container publishing the site's port
	smoke         string
	smokeLog      string // what the smoke command printed
	idle          int    // what a preview right after the up would change
}

// failure says what is wrong with the step, or "".
func (r row) failure() string {
	nginx := min(r.from, r.to) >= 3
	switch {
	case r.upErr != "":
		return "up: " + r.upErr
	case r.smoke != "ok":
		return "smoke: " + r.smoke
	case r.idle > 0:
		return fmt.Sprintf("a preview after the up would change %d resources", r.idle)
	case nginx && r.probe.ServerErrors > 0:
		return fmt.Sprintf("%d answers 5xx during the up (first: %s)", r.probe.ServerErrors, r.probe.First)
	case nginx && r.probe.Failed > 0 && !r.frontReplaced:
		return fmt.Sprintf("%d requests unanswered during the up (first: %s)", r.probe.Failed, r.probe.First)
	}
	return ""
}

func run() (err error) {
	stackName := flag.String("stack", fmt.Sprintf("e2e-%d", time.Now().Unix()), "the new stack's name")
	top := flag.Int("to", plan.MaxPhase, "the highest phase to climb to, 1 to 9")
	only := flag.Int("phase", 0, "deploy only this phase, 1 to 9, in one up on the new stack (instead of climbing to -to)")
	keep := flag.Bool("keep", false, "leave the stack at phase 1 (with -phase: at that phase) instead of destroying it")
	interval := flag.Duration("probe-interval", 50*time.Millisecond, "how often the prober asks the front door during an up")
	smokeOut := flag.String("smoke-out", "", "also write the result as Markdown here, for the review comment (cmd/review -smoke)")
	flag.Parse()
	toSet := false
	flag.Visit(func(f *flag.Flag) { toSet = toSet || f.Name == "to" })
	planned, err := plannedSteps(*only, *top, toSet)
	if err != nil {
		return err
	}
	var rows []row
	engine, destroyed := "", "not reached"
	if *smokeOut != "" {
		// Written however the run ends, so the comment says what happened.
		defer func() {
			md := markdown(title(*only, *top), engine, rows, destroyed, err)
			if werr := os.WriteFile(*smokeOut, []byte(md), 0o644); werr != nil && err == nil {
				err = werr
			}
		}()
	}
	ctx := context.Background()
	root, flows, err := ladder.Here()
	if err != nil {
		return err
	}
	flow := flows["docker"]
	dir, err := os.MkdirTemp("", "scalezero-e2e-")
	if err != nil {
		return err
	}
	logPath := filepath.Join(dir, "pulumi.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer logFile.Close()
	fmt.Printf("e2e-docker: stack %s; the CLI's output goes to %s\n", *stackName, logPath)

	smoke := filepath.Join(dir, "smoke")
	if out, err := exec.Command("go", "build", "-o", smoke, filepath.Join(root, "app", "cmd", "smoke")).CombinedOutput(); err != nil {
		return fmt.Errorf("build the smoke command: %v\n%s", err, out)
	}
	st, err := newStack(ctx, root, dir, *stackName)
	if err != nil {
		return err
	}
	engine = dockerEngine()
	fmt.Printf("engine: %s; provider: pulumi-docker %s; images: %s, %s, %s, %s and the app's from app/Dockerfile\n",
		engine, providerVersion(root), containers.PostgresImage, containers.RedisImage, containers.NginxImage, containers.EmulatorImage)

	reached := 0
	step := func(from, to int) error {
		for _, s := range flow.Due(to, reached) {
			if s.Key == "phase" {
				continue
			}
			if err := st.SetConfig(ctx, "scalezero:"+s.Key, auto.ConfigValue{Value: s.Value, Secret: s.Secret}); err != nil {
				return err
			}
		}
		if err := st.SetConfig(ctx, "scalezero:phase", auto.ConfigValue{Value: fmt.Sprint(to)}); err != nil {
			return err
		}
		reached = max(reached, to)
		r := up(ctx, st, from, to, *interval, logFile)
		if r.upErr == "" {
			r.smoke, r.smokeLog = runSmoke(ctx, st, smoke, to)
			r.idle = idlePreview(ctx, st, logFile)
		}
		rows = append(rows, r)
		fmt.Printf("  %d -> %d: %s\n", from, to, orOK(r.failure()))
		if r.upErr != "" {
			printTail(os.Stdout, logPath, 60) // a CI job's log is all its reader has
			return fmt.Errorf("%d -> %d: %s (see %s)", from, to, r.upErr, logPath)
		}
		return nil
	}
	var stepErr error
	for _, s := range planned {
		if stepErr = step(s.from, s.to); stepErr != nil {
			break
		}
	}
	destroyed = "kept (-keep)"
	if !*keep {
		destroyed = destroy(ctx, st, logFile)
	}
	printTable(os.Stdout, engine, rows, destroyed)
	if stepErr != nil {
		return stepErr
	}
	var bad []string
	for _, r := range rows {
		if f := r.failure(); f != "" {
			bad = append(bad, fmt.Sprintf("%d -> %d: %s", r.from, r.to, f))
		}
	}
	if destroyed != "nothing left" && !*keep {
		bad = append(bad, "destroy: "+destroyed)
	}
	if len(bad) > 0 {
		return fmt.Errorf("%s", strings.Join(bad, "; "))
	}
	return nil
}

func orOK(s string) string {
	if s == "" {
		return "ok"
	}
	return s
}

// newStack creates the stack on a file backend under dir (the passphrase
// protects nothing: the stack is destroyed at the end), unless
// PULUMI_BACKEND_URL names another. The project is the checkout's
// Pulumi.yaml, copied so that the checkout gets no stack file.
func newStack(ctx context.Context, root, dir, name string) (auto.Stack, error) {
	project := filepath.Join(dir, "project")
	if err := os.MkdirAll(project, 0o755); err != nil {
		return auto.Stack{}, err
	}
	raw, err := os.ReadFile(filepath.Join(root, "Pulumi.yaml"))
	if err != nil {
		return auto.Stack{}, err
	}
	// main: the program is the checkout (it builds app/Dockerfile from there).
	raw = append(raw, []byte("main: "+root+"\n")...)
	if err := os.WriteFile(filepath.Join(project, "Pulumi.yaml"), raw, 0o644); err != nil {
		return auto.Stack{}, err
	}
	env := map[string]string{"PULUMI_SKIP_UPDATE_CHECK": "true"}
	if os.Getenv("PULUMI_BACKEND_URL") == "" {
		backend := filepath.Join(dir, "backend")
		if err := os.MkdirAll(backend, 0o755); err != nil {
			return auto.Stack{}, err
		}
		env["PULUMI_BACKEND_URL"] = "file://" + backend
	}
	if os.Getenv("PULUMI_CONFIG_PASSPHRASE") == "" && os.Getenv("PULUMI_CONFIG_PASSPHRASE_FILE") == "" {
		env["PULUMI_CONFIG_PASSPHRASE"] = "scalezero-e2e"
	}
	ws, err := auto.NewLocalWorkspace(ctx, auto.WorkDir(project), auto.EnvVars(env), auto.SecretsProvider("passphrase"))
	if err != nil {
		return auto.Stack{}, err
	}
	return auto.NewStack(ctx, name, ws)
}

// up runs `pulumi up` with the prober on the front door, and notes whether
// the step replaced or removed the container publishing it.
func up(ctx context.Context, st auto.Stack, from, to int, interval time.Duration, log io.Writer) row {
	r := row{from: from, to: to}
	url := frontURL(ctx, st)
	p := newProber(url, interval)
	pctx, stop := context.WithCancel(ctx)
	probed := make(chan struct{})
	go func() { p.run(pctx, from == 0); close(probed) }()
	ch := make(chan events.EngineEvent)
	seen := make(chan struct{})
	go func() {
		for e := range ch {
			if e.ResourcePreEvent != nil && front(e.ResourcePreEvent.Metadata) {
				r.frontReplaced = true
			}
		}
		close(seen)
	}()
	start := time.Now()
	_, err := st.Up(ctx, optup.EventStreams(ch), optup.ProgressStreams(log), optup.ErrorProgressStreams(log))
	r.took = time.Since(start)
	stop()
	<-probed
	select {
	case <-seen:
	case <-time.After(5 * time.Second):
	}
	r.probe = p.result()
	if err != nil {
		r.upErr = lastLine(err.Error())
	}
	return r
}

var frontNames = regexp.MustCompile(`docker:index/container:Container::(lb|server-0)$`)

// front reports a step that replaces or deletes the site's front container.
func front(m apitype.StepEventMetadata) bool {
	switch m.Op {
	case apitype.OpReplace, apitype.OpCreateReplacement, apitype.OpDeleteReplaced, apitype.OpDelete:
		return frontNames.MatchString(m.URN)
	}
	return false
}

// frontURL is the site's address: the stack's url output, or before the
// first up the one localPort gives.
func frontURL(ctx context.Context, st auto.Stack) string {
	if outs, err := st.Outputs(ctx); err == nil {
		if u, ok := outs["url"].Value.(string); ok && u != "" {
			return u
		}
	}
	port, bind := "8080", "127.0.0.1"
	cfg, err := st.GetAllConfig(ctx)
	if err == nil {
		if v, ok := cfg["scalezero:localPort"]; ok {
			port = v.Value
		}
		if v, ok := cfg["scalezero:localBindAddress"]; ok && v.Value != "0.0.0.0" {
			bind = v.Value
		}
	}
	return "http://" + net.JoinHostPort(bind, port)
}

// runSmoke returns "ok" or "FAIL: " and the failure, and what the smoke
// command printed.
func runSmoke(ctx context.Context, st auto.Stack, bin string, phase int) (string, string) {
	out, err := exec.CommandContext(ctx, bin, "-url", frontURL(ctx, st), "-phase", fmt.Sprint(phase), "-timeout", "120s").CombinedOutput()
	if err != nil {
		return "FAIL: " + lastLine(string(out)), string(out)
	}
	return "ok", string(out)
}

// idlePreview counts what a preview right after an up would change.
func idlePreview(ctx context.Context, st auto.Stack, log io.Writer) int {
	res, err := st.Preview(ctx, optpreview.ProgressStreams(log), optpreview.ErrorProgressStreams(log))
	if err != nil {
		return -1
	}
	n := 0
	for op, count := range res.ChangeSummary {
		if op != apitype.OpSame {
			n += count
		}
	}
	return n
}

// destroy takes the stack down and says what the state still holds.
func destroy(ctx context.Context, st auto.Stack, log io.Writer) string {
	if _, err := st.Destroy(ctx, optdestroy.ProgressStreams(log), optdestroy.ErrorProgressStreams(log)); err != nil {
		return "failed: " + lastLine(err.Error())
	}
	state, err := st.Export(ctx)
	if err != nil {
		return "export: " + err.Error()
	}
	var d struct{ Resources []json.RawMessage }
	if err := json.Unmarshal(state.Deployment, &d); err != nil {
		return err.Error()
	}
	if len(d.Resources) > 0 {
		return fmt.Sprintf("%d resources left in the state", len(d.Resources))
	}
	if err := st.Workspace().RemoveStack(ctx, st.Name()); err != nil {
		return "stack rm: " + err.Error()
	}
	return "nothing left"
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if l := strings.TrimSpace(lines[i]); l != "" {
			return l
		}
	}
	return ""
}

// dockerEngine names the engine the provider talks to, from the Docker
// API's /version on DOCKER_HOST's socket (or the default one).
func dockerEngine() string {
	sock := "/var/run/docker.sock"
	if h := os.Getenv("DOCKER_HOST"); strings.HasPrefix(h, "unix://") {
		sock = strings.TrimPrefix(h, "unix://")
	} else if h != "" {
		return h
	}
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", sock)
		},
	}}
	resp, err := client.Get("http://docker/version")
	if err != nil {
		return "unknown (" + err.Error() + ")"
	}
	defer resp.Body.Close()
	var v struct {
		Version, APIVersion, Os, Arch string
		Components                    []struct{ Name, Version string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		return "unknown (" + err.Error() + ")"
	}
	name := "Docker Engine"
	if len(v.Components) > 0 {
		name = v.Components[0].Name
	}
	return fmt.Sprintf("%s %s (API %s, %s/%s) at %s", name, v.Version, v.APIVersion, v.Os, v.Arch, sock)
}

var dockerSDK = regexp.MustCompile(`(?m)^\s*github\.com/pulumi/pulumi-docker/sdk/v4 (v\S+)`)

// providerVersion is the pulumi-docker version the program asks for.
func providerVersion(root string) string {
	raw, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if m := dockerSDK.FindSubmatch(raw); err == nil && m != nil {
		return string(m[1])
	}
	return "unknown"
}

func printTable(w io.Writer, engine string, rows []row, destroyed string) {
	fmt.Fprintf(w, "\nThe docker target on %s:\n\n", engine)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "step\tup\tprobes\t5xx\tunanswered\tfront replaced\tsmoke\tpreview after\tverdict")
	for _, r := range rows {
		idle := fmt.Sprintf("%d changes", r.idle)
		if r.idle < 0 {
			idle = "failed"
		}
		fmt.Fprintf(tw, "%d -> %d\t%s\t%d\t%d\t%d\t%v\t%s\t%s\t%s\n", r.from, r.to, r.took.Round(time.Second), r.probe.Requests,
			r.probe.ServerErrors, r.probe.Failed, r.frontReplaced, r.smoke, idle, orOK(r.failure()))
	}
	tw.Flush()
	fmt.Fprintf(w, "destroy: %s\n", destroyed)
}
