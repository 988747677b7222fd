package boot

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

var variants = []Options{
	{Role: "web", Region: "us-east-1", ParamPath: "/scalezero/dev/", ServePort80: true, Refresh: true},
	{Role: "web", Region: "eu-west-1", ParamPath: "/scalezero/dev/", LogGroup: "/scalezero/dev/web", PeeredCIDRs: []string{"10.0.0.0/16"}},
	{Role: "worker", Region: "us-east-1", ParamPath: "/scalezero/dev/"},
}

// Every variant of the user data and of the apply script passes shellcheck:
// they run on hosts nobody watches, so a typo would surface only as a dead
// instance.
func TestScriptsPassShellcheck(t *testing.T) {
	if _, err := exec.LookPath("shellcheck"); err != nil {
		t.Fatal("shellcheck is not installed (apt-get install shellcheck; scripts/test-services.sh does)")
	}
	dir := t.TempDir()
	for _, o := range variants {
		for kind, render := range map[string]func(Options) (string, error){"user-data": Script, "apply": ApplyScript} {
			s, err := render(o)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, kind+".sh")
			if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
				t.Fatal(err)
			}
			if out, err := exec.Command("shellcheck", "--shell=bash", path).CombinedOutput(); err != nil {
				t.Errorf("%s %+v:\n%s", kind, o, out)
			}
		}
	}
}

// Each role's script does what that role needs: the single server re-applies
// its settings on a timer and redirects port 80 to the app; a fleet host
// does neither (fleets roll instead); a host with a log group ships its
// container's logs. (That user data does not change from phase to phase is
// checked on the stack's graphs: stacks.TestUserDataIsTheSameInEveryPhase.)
func TestScriptsPerRole(t *testing.T) {
	s, err := Script(variants[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"scalezero-apply.timer", "OnUnitActiveSec=1min", "--dport 80", LocalDataKey + "=true"} {
		if !strings.Contains(s, want) {
			t.Errorf("single server's user data lacks %q", want)
		}
	}
	fleet, _ := Script(variants[2])
	if strings.Contains(fleet, "scalezero-apply.timer") || strings.Contains(fleet, "--dport 80") {
		t.Error("a fleet host re-applies settings itself or redirects port 80; fleets roll instead")
	}
	logged, _ := Script(variants[1])
	if !strings.Contains(logged, "--log-driver awslogs") || !strings.Contains(logged, "awslogs-group=/scalezero/dev/web") {
		t.Error("the awslogs driver is not set for a host with a log group")
	}
}

func TestOptionsAreValidated(t *testing.T) {
	for _, o := range []Options{
		{Role: "db", Region: "us-east-1", ParamPath: "/a/"},
		{Role: "web", ParamPath: "/a/"},
		{Role: "web", Region: "us-east-1", ParamPath: "a"},
		{Role: "web", Region: "us-east-1", ParamPath: "/a/", LogGroup: "bad group"},
		{Role: "web", Region: "us-east-1", ParamPath: "/a/", PeeredCIDRs: []string{"10.0.0.1/16"}},
		{Role: "web", Region: "us-east-1", ParamPath: "/a/", PeeredCIDRs: []string{"primary"}},
	} {
		if _, err := Script(o); err == nil || !strings.Contains(err.Error(), "allowed") {
			t.Errorf("%+v: %v", o, err)
		}
	}
}

// host runs the apply script with stand-ins for the commands a host has
// (aws, docker, dnf, ...) that answer from files and log every call.
type host struct {
	t      *testing.T
	dir    string // the stand-ins' state: params, calls, running
	etc    string
	script string
}

// standIn installs a command in dir/bin that logs each call to
// $STATE/calls ("name args") and then runs body.
func standIn(t *testing.T, dir, name, body string) {
	t.Helper()
	bin := filepath.Join(dir, "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	script := "#!/bin/bash\necho \"" + name + " $*\" >> \"$STATE/calls\"\n" + body + "\n"
	if err := os.WriteFile(filepath.Join(bin, name), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
}

// withStandIns runs a command with dir's stand-ins first on PATH and their
// state in dir (STATE), plus any more environment.
func withStandIns(dir string, name string, args []string, env ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Env = append(append(os.Environ(), "PATH="+filepath.Join(dir, "bin")+":"+os.Getenv("PATH"), "STATE="+dir), env...)
	return cmd
}

func newHost(t *testing.T) *host {
	t.Helper()
	h := &host{t: t, dir: t.TempDir()}
	h.etc = filepath.Join(h.dir, "etc")
	standIn(t, h.dir, "aws", `case "$1 $2" in
"ssm get-parameters-by-path") cat "$STATE/params" ;;
"ecr get-login-password") echo token ;;
esac`)
	// A pull takes PULL_SECONDS (none unless a test says).
	standIn(t, h.dir, "docker", `case "$1" in
login) cat >/dev/null ;;
pull) sleep "${PULL_SECONDS:-0}" ;;
ps) [ -f "$STATE/running" ] && echo abc123 ;;
run) touch "$STATE/running" ;;
stop) rm -f "$STATE/running" ;;
esac
exit 0`)
	for _, name := range []string{"dnf", "postgresql-setup", "systemctl", "sudo", "sed"} {
		standIn(t, h.dir, name, "")
	}
	s, err := ApplyScript(Options{Role: "web", Region: "us-east-1", ParamPath: "/scalezero/dev/"})
	if err != nil {
		t.Fatal(err)
	}
	h.script = filepath.Join(h.dir, "apply.sh")
	if err := os.WriteFile(h.script, []byte(s), 0o755); err != nil {
		t.Fatal(err)
	}
	return h
}

// params sets what SSM holds: name=value lines under the path.
func (h *host) params(kv ...string) {
	var b strings.Builder
	for _, p := range kv {
		name, value, _ := strings.Cut(p, "=")
		b.WriteString("/scalezero/dev/" + name + "\t" + value + "\n")
	}
	if err := os.WriteFile(filepath.Join(h.dir, "params"), []byte(b.String()), 0o644); err != nil {
		h.t.Fatal(err)
	}
}

// run applies and returns the docker commands it ran and whether it failed.
func (h *host) run() (docker []string, failed bool) {
	h.t.Helper()
	_ = os.Remove(filepath.Join(h.dir, "calls"))
	out, err := h.apply().CombinedOutput()
	calls, _ := os.ReadFile(filepath.Join(h.dir, "calls"))
	for _, c := range strings.Split(string(calls), "\n") {
		if verb, ok := strings.CutPrefix(c, "docker "); ok && verb != "ps -q --filter name=^app$ --filter status=running" {
			docker = append(docker, strings.Fields(verb)[0])
		}
	}
	if err != nil {
		h.t.Logf("apply: %v\n%s", err, out)
	}
	return docker, err != nil
}

// apply is a run of the apply script on this host.
func (h *host) apply(env ...string) *exec.Cmd {
	return withStandIns(h.dir, "bash", []string{h.script}, append([]string{"SCALEZERO_ETC=" + h.etc}, env...)...)
}

func (h *host) env() string {
	b, _ := os.ReadFile(filepath.Join(h.etc, "app.env"))
	return string(b)
}

// The apply script starts the app, leaves it alone while nothing changed,
// restarts it when a setting changes, and refuses to start without an image.
func TestApplyRestartsOnlyWhenSettingsChange(t *testing.T) {
	h := newHost(t)
	h.params("SCALEZERO_REGION=us-east-1")
	if docker, failed := h.run(); !failed || len(docker) > 0 {
		t.Fatalf("without an image: failed %v, docker %v; want a failure and no container", failed, docker)
	}
	image := "SCALEZERO_IMAGE=111111111111.dkr.ecr.us-east-1.amazonaws.com/app@sha256:aa"
	h.params(image, "SCALEZERO_DATABASE_HOST=db-1")
	if docker, failed := h.run(); failed || strings.Join(docker, " ") != "login pull stop rm run" {
		t.Fatalf("first apply: failed %v, docker %v", failed, docker)
	}
	if docker, failed := h.run(); failed || len(docker) != 0 {
		t.Fatalf("nothing changed: failed %v, docker %v; want nothing", failed, docker)
	}
	h.params(image, "SCALEZERO_DATABASE_HOST=db-2")
	if docker, failed := h.run(); failed || strings.Join(docker, " ") != "login pull stop rm run" {
		t.Fatalf("a setting changed: failed %v, docker %v; want a restart", failed, docker)
	}
	if !strings.Contains(h.env(), "SCALEZERO_DATABASE_HOST=db-2") {
		t.Fatalf("env file:\n%s", h.env())
	}
}

// Phase 1's local database is set up once and its password kept on the
// host; when the phase moves the database out, the host follows.
func TestApplyLocalDataFollowsTheParameter(t *testing.T) {
	h := newHost(t)
	image := "SCALEZERO_IMAGE=111111111111.dkr.ecr.us-east-1.amazonaws.com/app@sha256:aa"
	h.params(image, LocalDataKey+"=true", "SCALEZERO_DATABASE_HOST=127.0.0.1")
	if _, failed := h.run(); failed {
		t.Fatal("phase 1 apply failed")
	}
	if !strings.Contains(h.env(), "SCALEZERO_DATABASE_PASSWORD=") {
		t.Fatalf("phase 1 env has no local password:\n%s", h.env())
	}
	h.params(image, "SCALEZERO_DATABASE_HOST=db.abc.us-east-1.rds.amazonaws.com", "SCALEZERO_DATABASE_SECRET_ARN=arn:aws:secretsmanager:us-east-1:1:secret:db")
	if docker, failed := h.run(); failed || !strings.Contains(strings.Join(docker, " "), "run") {
		t.Fatalf("phase 2 apply: failed %v, docker %v", failed, docker)
	}
	if env := h.env(); strings.Contains(env, "SCALEZERO_DATABASE_PASSWORD=") || !strings.Contains(env, "rds.amazonaws.com") {
		t.Fatalf("phase 2 env:\n%s", env)
	}
}

// The user data retries what needs the network (packages, the first apply)
// instead of stopping at the first failure: a command that fails twice
// succeeds on the third attempt, one that always fails gives up after 30.
func TestUserDataRetriesWhatNeedsTheNetwork(t *testing.T) {
	script, err := Script(Options{Role: "web", Region: "us-east-1", ParamPath: "/scalezero/dev/"})
	if err != nil {
		t.Fatal(err)
	}
	start := strings.Index(script, "retry() {")
	end := strings.Index(script[start:], "\n}\n")
	if start < 0 || end < 0 {
		t.Fatal("no retry function in the user data")
	}
	for _, want := range []string{"retry dnf install -y docker", "retry /usr/local/bin/scalezero-apply"} {
		if !strings.Contains(script, want) {
			t.Errorf("user data does not %q", want)
		}
	}
	dir := t.TempDir()
	// sleep returns at once; flaky fails until its third call.
	standIn(t, dir, "sleep", "exit 0")
	standIn(t, dir, "flaky", `n=$(cat "$STATE/n" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "$STATE/n"; [ $n -ge 3 ]`)
	run := func(command string) (int, error) {
		_ = os.Remove(filepath.Join(dir, "n"))
		err := withStandIns(dir, "bash", []string{"-c", script[start:start+end+3] + command}).Run()
		raw, _ := os.ReadFile(filepath.Join(dir, "n"))
		n := 0
		fmt.Sscan(string(raw), &n)
		return n, err
	}
	if n, err := run("retry flaky"); err != nil || n != 3 {
		t.Errorf("retry flaky: %d attempts, %v; want success on the third", n, err)
	}
	if _, err := run("retry false"); err == nil {
		t.Error("retry false succeeded")
	}
}

// A host of the second region routes the primary region's block at 1500
// bytes through its default gateway; the script, run with a stand-in ip
// command, asks for exactly that.
func TestPeeredRoutesGetTheSmallerMTU(t *testing.T) {
	script, err := Script(Options{Role: "web", Region: "eu-west-1", ParamPath: "/scalezero/dev/", PeeredCIDRs: []string{"10.0.0.0/16"}})
	if err != nil {
		t.Fatal(err)
	}
	const open, end = "<<'MTU'\n", "\nMTU\n"
	i := strings.Index(script, open)
	j := strings.Index(script, end)
	if i < 0 || j < i || !strings.Contains(script, "systemctl enable --now scalezero-peer-mtu.service") {
		t.Fatal("no MTU script run at boot in the user data")
	}
	dir := t.TempDir()
	mtu := filepath.Join(dir, "peer-mtu")
	if err := os.WriteFile(mtu, []byte(script[i+len(open):j+1]), 0o755); err != nil {
		t.Fatal(err)
	}
	standIn(t, dir, "ip", `[ "$*" = "route show default" ] && echo 'default via 10.1.0.1 dev ens5 proto dhcp src 10.1.64.10 metric 512'
exit 0`)
	if out, err := withStandIns(dir, "bash", []string{mtu}).CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	calls, _ := os.ReadFile(filepath.Join(dir, "calls"))
	if want := "ip route replace 10.0.0.0/16 via 10.1.0.1 dev ens5 mtu 1500"; !strings.Contains(string(calls), want) {
		t.Errorf("calls %q, want %q", calls, want)
	}
	plain, _ := Script(Options{Role: "web", Region: "us-east-1", ParamPath: "/scalezero/dev/"})
	if strings.Contains(plain, "peer-mtu") {
		t.Error("a host with no peered block sets an MTU")
	}
}

// Two applies at once (the boot's run and the timer's) start the app once:
// the second waits for the first and then finds nothing to do.
func TestApplyRunsOneAtATime(t *testing.T) {
	h := newHost(t)
	h.params("SCALEZERO_IMAGE=111111111111.dkr.ecr.us-east-1.amazonaws.com/app@sha256:aa")
	var cmds []*exec.Cmd
	for range 2 {
		cmd := h.apply("PULL_SECONDS=0.5") // the first is still pulling when the second starts
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	for _, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatal(err)
		}
	}
	calls, _ := os.ReadFile(filepath.Join(h.dir, "calls"))
	if n := strings.Count(string(calls), "docker run "); n != 1 {
		t.Errorf("the app was started %d times:\n%s", n, calls)
	}
}
