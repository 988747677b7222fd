package containers_test

// These tests run the docker target's stand-ins' own code for real: the
// replica's start script against the machine's PostgreSQL, the cache's
// config in redis-server, the job tier's init file in the SQS/S3 emulator
// (scripts/test-services.sh installs them; make test runs it first), and the
// load balancer's configuration in Debian's nginx (apt-get install -y
// nginx-light).

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/jackc/pgx/v5"

	"github.com/scalezero/scalezero/app/cloud"
	"github.com/scalezero/scalezero/components/containers"
	"github.com/scalezero/scalezero/internal/testnet"
)

const hint = "start the test servers with `scripts/test-services.sh` (make test does)"

func pgBin(t *testing.T) string {
	t.Helper()
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	if len(dirs) == 0 {
		t.Fatalf("no PostgreSQL binaries under /usr/lib/postgresql; %s", hint)
	}
	sort.Slice(dirs, func(i, j int) bool {
		vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[i])))
		vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[j])))
		return vi < vj
	})
	return dirs[len(dirs)-1]
}

func connect(t *testing.T, port int) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port))
	if err != nil {
		t.Fatalf("connect to port %d: %v", port, err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

// startReplica runs replica.sh as the postgres user, as the container does,
// with the machine's primary as PRIMARY_HOST.
func startReplica(t *testing.T, script, pgdata string, port int) (stop func() string) {
	t.Helper()
	var logs bytes.Buffer
	cmd := exec.Command("runuser", "-u", "postgres", "--", "env",
		"PATH="+pgBin(t)+":/usr/bin:/bin", "PRIMARY_HOST=127.0.0.1", "PRIMARY_PORT=5432",
		"PGDATA="+pgdata, fmt.Sprintf("PGPORT=%d", port), "bash", script)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	stop = func() string {
		// The script execs postgres, so the signal reaches the server: a
		// fast shutdown, as `docker stop` asks for.
		exec.Command("runuser", "-u", "postgres", "--", pgBin(t)+"/pg_ctl", "-D", pgdata, "-m", "fast", "-w", "stop").Run()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
		}
		return logs.String()
	}
	for i := 0; ; i++ {
		if exec.Command(pgBin(t)+"/pg_isready", "-q", "-h", "127.0.0.1", "-p", strconv.Itoa(port)).Run() == nil {
			return stop
		}
		if i == 120 {
			t.Fatalf("the replica did not start:\n%s", stop())
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func TestTheReplicaScriptCopiesThePrimaryAndStreamsFromIt(t *testing.T) {
	primary := connect(t, 5432)
	ctx := context.Background()
	// Not t.TempDir: its parent is private to this user, and the script
	// runs as postgres.
	dir, err := os.MkdirTemp("", "sz-replica-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	script := filepath.Join(dir, "replica.sh")
	if err := os.WriteFile(script, []byte(containers.ReplicaScript), 0o755); err != nil {
		t.Fatal(err)
	}
	pgdata := filepath.Join(dir, "data", "pgdata")
	if err := os.MkdirAll(filepath.Dir(pgdata), 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("chown", "-R", "postgres", dir).CombinedOutput(); err != nil {
		t.Fatalf("chown: %v %s", err, out)
	}
	table := fmt.Sprintf("replica_script_%d", time.Now().UnixNano())
	if _, err := primary.Exec(ctx, "CREATE TABLE "+table+" (v int)"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { primary.Exec(context.Background(), "DROP TABLE IF EXISTS "+table) })

	port := testnet.FreePort(t)
	stop := startReplica(t, script, pgdata, port)
	replica := connect(t, port)
	var recovering bool
	if err := replica.QueryRow(ctx, "select pg_is_in_recovery()").Scan(&recovering); err != nil || !recovering {
		t.Fatalf("the replica is not a standby: %v %v\n%s", recovering, err, stop())
	}
	waitRow := func(want int) {
		t.Helper()
		if _, err := primary.Exec(ctx, "INSERT INTO "+table+" VALUES ($1)", want); err != nil {
			t.Fatal(err)
		}
		for i := 0; ; i++ {
			var n int
			err := replica.QueryRow(ctx, "SELECT count(*) FROM "+table+" WHERE v = $1", want).Scan(&n)
			if err == nil && n == 1 {
				return
			}
			if i == 100 {
				t.Fatalf("row %d never reached the replica (%v)", want, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	waitRow(1)
	stop()
	replica.Close(ctx)

	// A second start keeps the copy and resumes streaming.
	stop = startReplica(t, script, pgdata, port)
	defer stop()
	replica = connect(t, port)
	waitRow(2)
}

func TestTheJobTierInitMakesTheQueuesAndBucketInTheEmulator(t *testing.T) {
	bin, _ := filepath.Abs("../../scripts/aws-emulator/node_modules/.bin/fauxqs")
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("the SQS/S3 emulator is not installed (%v); %s", err, hint)
	}
	init := filepath.Join(t.TempDir(), "init.json")
	if err := os.WriteFile(init, []byte(containers.JobTierInit("eu-west-1", 300, 5)), 0o644); err != nil {
		t.Fatal(err)
	}
	port := testnet.FreePort(t)
	cmd := exec.Command(bin)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	cmd.Env = append(os.Environ(), fmt.Sprintf("FAUXQS_PORT=%d", port), "FAUXQS_HOST=jobs", "FAUXQS_DEFAULT_REGION=eu-west-1",
		"FAUXQS_INIT="+init, "FAUXQS_LOGGER=false")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	endpoint := fmt.Sprintf("http://127.0.0.1:%d", port)
	for i := 0; ; i++ {
		if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			c.Close()
			break
		}
		if i == 80 {
			t.Fatalf("the emulator did not start:\n%s", logs.String())
		}
		time.Sleep(250 * time.Millisecond)
	}
	ctx := context.Background()
	// The app's own client set-up, with the credentials the stack gives it.
	t.Setenv("AWS_ACCESS_KEY_ID", "local")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "local")
	cfg, err := cloud.Config(ctx, cloud.Options{Region: "eu-west-1", Endpoint: endpoint})
	if err != nil {
		t.Fatal(err)
	}
	q := sqs.NewFromConfig(cfg)
	url, err := q.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("jobs")})
	if err != nil {
		t.Fatalf("queue jobs: %v\n%s", err, logs.String())
	}
	attrs, err := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: url.QueueUrl, AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameAll}})
	if err != nil {
		t.Fatal(err)
	}
	a := attrs.Attributes
	if a["VisibilityTimeout"] != "300" || !strings.Contains(a["RedrivePolicy"], "arn:aws:sqs:eu-west-1:000000000000:jobs-dlq") ||
		!strings.Contains(strings.ReplaceAll(a["RedrivePolicy"], `"`, ""), "maxReceiveCount:5") {
		t.Errorf("queue attributes %v", a)
	}
	// The URL the stack hands the app is the one the emulator makes.
	if want := fmt.Sprintf("http://sqs.eu-west-1.jobs:%d/000000000000/jobs", port); *url.QueueUrl != want {
		t.Errorf("queue URL %s, want %s", *url.QueueUrl, want)
	}
	if _, err := q.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("jobs-dlq")}); err != nil {
		t.Errorf("dead-letter queue: %v", err)
	}
	if _, err := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }).HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("jobs")}); err != nil {
		t.Errorf("bucket jobs: %v", err)
	}
}

// The cache's redis.conf, with and without a password, runs in a real
// redis-server with the policy and the AUTH it sets.
func TestTheRedisConfigRunsInRedis(t *testing.T) {
	for _, password := range []string{"", "tests-cache-token-0123456789"} {
		conf := filepath.Join(t.TempDir(), "redis.conf")
		if err := os.WriteFile(conf, []byte(containers.RedisConfig("allkeys-lfu", password)), 0o644); err != nil {
			t.Fatal(err)
		}
		port := testnet.FreePort(t)
		// The command line's port wins over the file's (the machine's own
		// Redis has 6379).
		srv := exec.Command("redis-server", conf, "--port", strconv.Itoa(port), "--save", "")
		var logs bytes.Buffer
		srv.Stdout, srv.Stderr = &logs, &logs
		if err := srv.Start(); err != nil {
			t.Fatalf("redis-server: %v; %s", err, hint)
		}
		cli := func(args ...string) (string, error) {
			base := []string{"-p", strconv.Itoa(port)}
			if password != "" {
				base = append(base, "--no-auth-warning", "-a", password)
			}
			out, err := exec.Command("redis-cli", append(base, args...)...).CombinedOutput()
			return strings.TrimSpace(string(out)), err
		}
		var got string
		for i := 0; i < 40; i++ {
			if got, _ = cli("CONFIG", "GET", "maxmemory-policy"); strings.HasSuffix(got, "allkeys-lfu") {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if !strings.HasSuffix(got, "allkeys-lfu") {
			t.Errorf("password %q: CONFIG GET says %q\n%s", password, got, logs.String())
		}
		if password != "" {
			out, _ := exec.Command("redis-cli", "-p", strconv.Itoa(port), "PING").CombinedOutput()
			if !strings.Contains(string(out), "NOAUTH") {
				t.Errorf("without AUTH: %s", out)
			}
		}
		// The container's health check, on this server's file and port,
		// passes while it serves and fails once it is gone.
		if containers.RedisHealth[0] != "CMD-SHELL" {
			t.Fatalf("the cache's health check is %v, not a shell command", containers.RedisHealth)
		}
		check := strings.NewReplacer("/usr/local/etc/redis/redis.conf", conf,
			fmt.Sprintf("-p %d", containers.RedisPort), fmt.Sprintf("-p %d", port)).Replace(containers.RedisHealth[1])
		if out, err := exec.Command("sh", "-c", check).CombinedOutput(); err != nil {
			t.Errorf("password %q: the health check fails on a serving cache: %v %s", password, err, out)
		}
		srv.Process.Kill()
		srv.Wait()
		if err := exec.Command("sh", "-c", check).Run(); err == nil {
			t.Errorf("password %q: the health check passes with the cache stopped", password)
		}
	}
}

// backend is a stand-in web instance that says which it is.
type backend struct {
	name   string
	addr   string
	srv    *http.Server
	served atomic.Int64
}

func startBackend(t *testing.T, name string) *backend {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &backend{name: name, addr: ln.Addr().String()}
	b.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.served.Add(1)
		time.Sleep(2 * time.Millisecond) // a request in flight when it dies
		fmt.Fprintln(w, name)
	})}
	go b.srv.Serve(ln)
	t.Cleanup(func() { b.srv.Close() })
	return b
}

// runNginx runs Debian's nginx with the load balancer's configuration for
// the backends, listening on a free port. Debian's nginx (1.22) has no
// `resolve` for upstream servers (1.27.3 added it; the image pins 1.28), so
// the servers are given as addresses and that one word is left out.
func runNginx(t *testing.T, conf string, backends map[string]string) string {
	t.Helper()
	bin, err := exec.LookPath("nginx")
	if err != nil {
		t.Fatalf("no nginx: `apt-get install -y nginx-light` (Debian's); %v", err)
	}
	for name, addr := range backends {
		from := fmt.Sprintf("server %s:%d resolve ", name, containers.AppPort)
		if !strings.Contains(conf, from) {
			t.Fatalf("the config has no %q:\n%s", from, conf)
		}
		conf = strings.ReplaceAll(conf, from, "server "+addr+" ")
	}
	port := testnet.FreePort(t)
	conf = strings.Replace(conf, "listen 80;", fmt.Sprintf("listen 127.0.0.1:%d;", port), 1)
	dir := t.TempDir()
	main := fmt.Sprintf(`daemon off;
user root;
worker_processes 1;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log warn;
events { worker_connections 256; }
http {
    access_log off;
    client_body_temp_path %[1]s/body;
    proxy_temp_path %[1]s/proxy;
    include %[1]s/site.conf;
}
`, dir)
	if err := os.WriteFile(filepath.Join(dir, "site.conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(main), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-p", dir, "-e", filepath.Join(dir, "error.log"), "-c", filepath.Join(dir, "nginx.conf"))
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGQUIT)
		cmd.Wait()
	})
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	for i := 0; ; i++ {
		resp, err := http.Get(url + "/nginx-health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return url
			}
		}
		if i == 50 {
			errLog, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Fatalf("nginx does not answer its health check: %v\n%s\n%s", err, logs.String(), errLog)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// nginx with the load balancer's configuration, in front of two web
// instances, loses no request of a steady load when the one serving dies
// mid-load (its connections reset, its port refusing): every request is
// passed to the other. With and without stickiness.
func TestTheLoadBalancerLosesNoRequestWhenABackendDies(t *testing.T) {
	for _, sticky := range []bool{true, false} {
		t.Run(fmt.Sprintf("sticky=%v", sticky), func(t *testing.T) {
			bs := map[string]*backend{"web-0": startBackend(t, "web-0"), "web-1": startBackend(t, "web-1")}
			url := runNginx(t, containers.LoadBalancerConfig([]string{"web-0", "web-1"}, sticky),
				map[string]string{"web-0": bs["web-0"].addr, "web-1": bs["web-1"].addr})
			client := &http.Client{Timeout: 5 * time.Second}
			get := func() (string, error) {
				resp, err := client.Get(url + "/")
				if err != nil {
					return "", err
				}
				defer resp.Body.Close()
				body, err := io.ReadAll(resp.Body)
				if resp.StatusCode != http.StatusOK {
					return "", fmt.Errorf("%s", resp.Status)
				}
				return strings.TrimSpace(string(body)), err
			}
			// The one to kill serves: with ip_hash every request of this
			// one client goes to it.
			victim, err := get()
			if err != nil {
				t.Fatal(err)
			}
			var ok, failed atomic.Int64
			var firstErr atomic.Value
			stop := make(chan struct{})
			var wg sync.WaitGroup
			for range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						select {
						case <-stop:
							return
						default:
						}
						if _, err := get(); err != nil {
							failed.Add(1)
							firstErr.CompareAndSwap(nil, err.Error())
						} else {
							ok.Add(1)
						}
					}
				}()
			}
			time.Sleep(700 * time.Millisecond)
			servedBefore := bs[victim].served.Load()
			bs[victim].srv.Close() // as a killed container: no drain
			killedAt := ok.Load()
			time.Sleep(1500 * time.Millisecond)
			close(stop)
			wg.Wait()
			if failed.Load() > 0 {
				t.Errorf("%d of %d requests failed (first: %v)", failed.Load(), ok.Load()+failed.Load(), firstErr.Load())
			}
			if servedBefore < 20 || ok.Load()-killedAt < 20 {
				t.Errorf("too little load to tell: %s served %d before it died, %d requests passed after", victim, servedBefore, ok.Load()-killedAt)
			}
			if !sticky && (bs["web-0"].served.Load() == 0 || bs["web-1"].served.Load() == 0) {
				t.Errorf("without stickiness both serve: web-0 %d, web-1 %d", bs["web-0"].served.Load(), bs["web-1"].served.Load())
			}
			t.Logf("%d requests, %s killed after serving %d, 0 failed", ok.Load(), victim, servedBefore)
		})
	}
}

// blackhole is an address that takes no connection: a listener whose one
// queue place is taken, so the kernel drops every further SYN, as a web
// container's old address does once it is gone from a bridge network.
func blackhole(t *testing.T) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", sa.(*syscall.SockaddrInet4).Port)
	c, err := net.Dial("tcp", addr) // takes the queue's place
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if c2, err := net.DialTimeout("tcp", addr, 300*time.Millisecond); err == nil {
		c2.Close()
		t.Fatalf("%s still takes connections", addr)
	}
	return addr
}

// nginx passes over an address that no longer answers (nginx still has it
// until it resolves the name again) within its connect timeout, so no
// request waits on it until the client gives up.
func TestTheLoadBalancerPassesOverAGoneAddress(t *testing.T) {
	for _, sticky := range []bool{true, false} {
		t.Run(fmt.Sprintf("sticky=%v", sticky), func(t *testing.T) {
			live := startBackend(t, "web-1")
			url := runNginx(t, containers.LoadBalancerConfig([]string{"web-0", "web-1"}, sticky),
				map[string]string{"web-0": blackhole(t), "web-1": live.addr})
			answeredBy(t, url, 3*time.Second, "web-1")
		})
	}
}

// A rollout replaces the web containers together, so until nginx resolves
// their names again it can hold the gone address of each, and a request may
// try them all before a live one: it must still be answered well within the
// end-to-end run's prober timeout (2s), the bound a user's client could
// have. Two names each resolving to a gone and a new address stand as four
// servers here, the gone ones first.
func TestTheLoadBalancerPassesOverARolloutsGoneAddressesInTime(t *testing.T) {
	for _, sticky := range []bool{true, false} {
		t.Run(fmt.Sprintf("sticky=%v", sticky), func(t *testing.T) {
			live0, live1 := startBackend(t, "web-0"), startBackend(t, "web-1")
			names := []string{"old-web-0", "old-web-1", "web-0", "web-1"}
			url := runNginx(t, containers.LoadBalancerConfig(names, sticky), map[string]string{
				"old-web-0": blackhole(t), "old-web-1": blackhole(t), "web-0": live0.addr, "web-1": live1.addr,
			})
			answeredBy(t, url, 2*time.Second, "web-0", "web-1")
		})
	}
}

// answeredBy sends eight requests through url, each given timeout, and
// fails unless every one is answered 200 by one of backends.
func answeredBy(t *testing.T, url string, timeout time.Duration, backends ...string) {
	t.Helper()
	client := &http.Client{Timeout: timeout}
	for i := range 8 {
		resp, err := client.Get(url + "/")
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if got := strings.TrimSpace(string(body)); resp.StatusCode != http.StatusOK || !slices.Contains(backends, got) {
			t.Fatalf("request %d: %s %s, want 200 from one of %v", i, resp.Status, body, backends)
		}
	}
}
