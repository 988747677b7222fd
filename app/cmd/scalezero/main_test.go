package main_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/scalezero/scalezero/app/internal/testenv"
)

var (
	buildOnce sync.Once
	binary    string
	buildErr  error
)

// build compiles the real binary once for the package's tests.
func build(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "scalezero-bin")
		if err != nil {
			buildErr = err
			return
		}
		binary = filepath.Join(dir, "scalezero")
		out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("%v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binary
}

type proc struct {
	cmd     *exec.Cmd
	url     string
	metrics string  // where /metrics is served: apart from url for web
	logs    *output // stdout and stderr
	stdout  *output // stdout alone: the EMF lines
	done    chan error
}

// output is a buffer the process's two pipes and the test may use at once.
type output struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.Write(p)
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// start runs `scalezero web` with settings given the way the infrastructure gives them.
func start(t *testing.T, env ...string) *proc {
	t.Helper()
	return startCommand(t, "web", env...)
}

// startCommand runs `scalezero <command>` and waits until it answers /healthz.
func startCommand(t *testing.T, command string, env ...string) *proc {
	t.Helper()
	port := testenv.FreePort(t)
	args := []string{command, "--listen", fmt.Sprintf("127.0.0.1:%d", port)}
	p := &proc{url: fmt.Sprintf("http://127.0.0.1:%d", port), logs: &output{}, stdout: &output{}, done: make(chan error, 1)}
	p.metrics = p.url
	if command == "web" {
		mport := testenv.FreePort(t)
		args = append(args, "--metrics-listen", fmt.Sprintf("127.0.0.1:%d", mport))
		p.metrics = fmt.Sprintf("http://127.0.0.1:%d", mport)
	}
	cmd := exec.Command(build(t), args...)
	cmd.Env = append(os.Environ(), env...)
	p.cmd = cmd
	cmd.Stdout, cmd.Stderr = io.MultiWriter(p.stdout, p.logs), p.logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-p.done
	})
	for i := 0; i < 200; i++ {
		if res, err := http.Get(p.url + "/healthz"); err == nil {
			res.Body.Close()
			return p
		}
		select {
		case err := <-p.done:
			t.Fatalf("the app exited: %v\n%s", err, p.logs)
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("the app did not start:\n%s", p.logs)
	return nil
}

func call(t *testing.T, method, url, body, cookie string) (int, string, []*http.Cookie) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, text := send(t, req, cookie)
	return res.StatusCode, text, res.Cookies()
}

// send makes the request with the session cookie, if any, and reads the answer.
func send(t *testing.T, req *http.Request, cookie string) (*http.Response, string) {
	t.Helper()
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return res, string(raw)
}

func sessionCookie(t *testing.T, cookies []*http.Cookie) string {
	for _, c := range cookies {
		if c.Name == "sz_session" {
			return c.Name + "=" + c.Value
		}
	}
	t.Fatal("no session cookie")
	return ""
}

// appEnv is the settings of an instance; shared puts sessions in a fresh
// DynamoDB table on the emulator (phase 6 on), else in the instance.
func appEnv(t *testing.T, shared bool, redisAddr string) []string {
	writer, replica := testenv.Database(t)
	env := []string{
		"SCALEZERO_DATABASE_URL=" + writer,
		"SCALEZERO_DATABASE_READER_URLS=" + replica,
		"SCALEZERO_CACHE_ADDR=" + redisAddr,
		"SCALEZERO_DRAIN_DELAY=300ms",
		"SCALEZERO_LOG_LEVEL=warn",
	}
	if shared {
		_, table := testenv.SessionTable(t)
		env = append(env, "SCALEZERO_SESSIONS_STORE=dynamodb", "SCALEZERO_SESSIONS_TABLE="+table,
			"SCALEZERO_SESSIONS_ENDPOINT="+testenv.DynamoDBEndpoint, "SCALEZERO_REGION="+testenv.AWSCredentials["AWS_REGION"])
		for k, v := range testenv.AWSCredentials {
			env = append(env, k+"="+v)
		}
	}
	return env
}

func TestTwoInstancesShareSessionsThroughDynamoDB(t *testing.T) {
	env := appEnv(t, true, testenv.StartRedis(t).Addr)
	one, two := start(t, env...), start(t, env...)
	code, body, _ := call(t, "POST", one.url+"/api/signup", `{"email":"ada@example.com","password":"correct horse 1","display_name":"Ada"}`, "")
	if code != 201 {
		t.Fatalf("signup: %d %s", code, body)
	}
	code, body, cookies := call(t, "POST", one.url+"/api/login", `{"email":"ada@example.com","password":"correct horse 1"}`, "")
	if code != 200 {
		t.Fatalf("login through the first: %d %s", code, body)
	}
	code, body, _ = call(t, "GET", two.url+"/api/me", "", sessionCookie(t, cookies))
	if code != 200 || !strings.Contains(body, `"email":"ada@example.com"`) {
		t.Fatalf("who am I through the second: %d %s", code, body)
	}
}

// Without shared sessions (phases 1-5) a session lives in one instance: the
// reason the load balancer keeps stickiness until phase 6.
func TestInMemorySessionsStayWithTheirInstance(t *testing.T) {
	env := appEnv(t, false, "")
	one, two := start(t, env...), start(t, env...)
	_, _, cookies := call(t, "POST", one.url+"/api/signup", `{"email":"ada@example.com","password":"correct horse 1","display_name":"Ada"}`, "")
	cookie := sessionCookie(t, cookies)
	if code, _, _ := call(t, "GET", one.url+"/api/me", "", cookie); code != 200 {
		t.Fatalf("same instance: %d", code)
	}
	if code, _, _ := call(t, "GET", two.url+"/api/me", "", cookie); code != 401 {
		t.Fatalf("other instance: %d, want 401", code)
	}
}

func TestSIGTERMDrainsThenExits(t *testing.T) {
	p := start(t, append(appEnv(t, false, ""), "SCALEZERO_DRAIN_DELAY=3s")...)
	if code, _, _ := call(t, "GET", p.url+"/readyz", "", ""); code != 200 {
		t.Fatalf("readyz before SIGTERM: %d", code)
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	// The signal arrives asynchronously; within the drain delay readyz turns
	// 503 while the server still answers.
	var code int
	var body string
	for i := 0; i < 100 && code != 503; i++ {
		time.Sleep(20 * time.Millisecond)
		code, body, _ = call(t, "GET", p.url+"/readyz", "", "")
	}
	if code != 503 || !strings.Contains(body, "draining") {
		t.Fatalf("readyz while draining: %d %s", code, body)
	}
	exited(t, p)
}

// terminate sends SIGTERM and waits for a clean exit.
func terminate(t *testing.T, p *proc) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	exited(t, p)
}

// exited waits for the process, signalled to stop, to exit cleanly.
func exited(t *testing.T, p *proc) {
	t.Helper()
	select {
	case err := <-p.done:
		p.done <- err // for the cleanup
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, p.logs)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("no exit after SIGTERM:\n%s", p.logs)
	}
}

// Headers are bounded: a request with 64 KiB of them is refused with 431
// (Go's default would take a megabyte).
func TestOversizedHeadersAre431(t *testing.T) {
	p := start(t, appEnv(t, false, "")...)
	req, _ := http.NewRequest("GET", p.url+"/healthz", nil)
	req.Header.Set("X-Padding", strings.Repeat("x", 64<<10))
	res, _ := send(t, req, "")
	if res.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("64 KiB of headers: %d, want 431", res.StatusCode)
	}
	req.Header.Set("X-Padding", strings.Repeat("x", 4<<10))
	if res, _ := send(t, req, ""); res.StatusCode != 200 {
		t.Fatalf("4 KiB of headers: %d, want 200", res.StatusCode)
	}
}

func TestBadConfigFailsAtStartNamingTheSetting(t *testing.T) {
	cmd := exec.Command(build(t), "web")
	cmd.Env = append(os.Environ(), "SCALEZERO_DATABASE_URL=postgres://x@127.0.0.1/x", "SCALEZERO_CACHE_TTL=soon")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "cache.ttl (env SCALEZERO_CACHE_TTL)") {
		t.Fatalf("want a failure naming cache.ttl, got %v: %s", err, out)
	}
}

// probe is the containers' health check: it passes on 2xx only, and fails
// on an error status or nothing listening.
func TestProbe(t *testing.T) {
	bin := build(t)
	var status atomic.Int32 // the handler reads it on the server's goroutines
	status.Store(http.StatusOK)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/readyz" {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(int(status.Load()))
	}))
	defer srv.Close()
	run := func(args ...string) error { return exec.Command(bin, append([]string{"probe"}, args...)...).Run() }
	if err := run(srv.URL + "/readyz"); err != nil {
		t.Errorf("probe of a ready instance: %v", err)
	}
	status.Store(http.StatusServiceUnavailable)
	if err := run(srv.URL + "/readyz"); err == nil {
		t.Error("probe of a draining instance (503) passed")
	}
	srv.Close()
	if err := run(srv.URL + "/readyz"); err == nil {
		t.Error("probe with nothing listening passed")
	}
	if err := run("a", "b"); err == nil {
		t.Error("probe with two URLs passed")
	}
}
