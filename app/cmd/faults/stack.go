package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// stack is everything make faults runs, on 127.0.0.1 only: its own
// PostgreSQL primary and streaming replica and its own Redis (the suite
// kills and restarts them, which the shared test servers must not suffer),
// queues and a bucket of its own on the shared SQS/S3 emulator (never
// stopped), two web instances and a worker, and HAProxy in front of the web
// instances, checking /readyz.
type stack struct {
	dir     string
	bin     string
	pgbin   string
	primary pg
	replica pg
	redis   *proc
	redisP  int
	web     [2]*proc
	webPort [2]int
	worker  *proc
	workerP int
	haproxy *proc
	lbPort  int
	env     []string
	log     func(format string, args ...any)
}

type pg struct {
	dir  string
	port int
}

// proc is a child process with its log file.
type proc struct {
	name string
	cmd  *exec.Cmd
	done chan struct{}
	logf string
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func (s *stack) start(name string, env []string, args ...string) (*proc, error) {
	logf := filepath.Join(s.dir, name+".log")
	f, err := os.OpenFile(logf, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // a signal to the suite is not a signal to them
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &proc{name: name, cmd: cmd, done: make(chan struct{}), logf: logf}
	go func() { cmd.Wait(); f.Close(); close(p.done) }()
	return p, nil
}

func (p *proc) signal(sig syscall.Signal) {
	if p != nil && p.cmd.Process != nil {
		p.cmd.Process.Signal(sig)
	}
}

// kill ends the process at once and waits for it.
func (p *proc) kill() {
	if p == nil {
		return
	}
	p.signal(syscall.SIGCONT) // a paused process cannot die
	p.signal(syscall.SIGKILL)
	<-p.done
}

func (p *proc) wait(d time.Duration) bool {
	select {
	case <-p.done:
		return true
	case <-time.After(d):
		return false
	}
}

// tail is the end of the process's log, for error messages.
func (p *proc) tail() string {
	b, _ := os.ReadFile(p.logf)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

// run runs a command to completion, as the postgres user when we are root
// (PostgreSQL refuses to run as root).
func (s *stack) run(asPostgres bool, args ...string) error {
	if asPostgres && os.Geteuid() == 0 {
		args = append([]string{"runuser", "-u", "postgres", "--"}, args...)
	}
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}

func newestPGBin() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool {
		vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[i])))
		vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[j])))
		return vi < vj
	})
	if len(dirs) == 0 {
		return "", errors.New("no PostgreSQL under /usr/lib/postgresql; run scripts/test-services.sh")
	}
	return dirs[len(dirs)-1], nil
}

// setUp starts the databases, Redis and HAProxy; the app comes after the
// job tier exists (see startApp).
func (s *stack) setUp(ctx context.Context) error {
	var err error
	if s.pgbin, err = newestPGBin(); err != nil {
		return err
	}
	if _, err := exec.LookPath("haproxy"); err != nil {
		return errors.New("haproxy not installed: run scripts/test-services.sh (it installs Debian's haproxy)")
	}
	if os.Geteuid() == 0 { // the databases' directories belong to postgres
		u, err := user.Lookup("postgres")
		if err != nil {
			return err
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(s.dir, uid, gid); err != nil {
			return err
		}
	}
	ports := make([]int, 8)
	for i := range ports {
		if ports[i], err = freePort(); err != nil {
			return err
		}
	}
	s.primary = pg{dir: filepath.Join(s.dir, "primary"), port: ports[0]}
	s.replica = pg{dir: filepath.Join(s.dir, "replica"), port: ports[1]}
	s.redisP, s.lbPort, s.webPort, s.workerP = ports[2], ports[3], [2]int{ports[4], ports[5]}, ports[6]

	s.log("PostgreSQL primary on %d, streaming replica on %d", s.primary.port, s.replica.port)
	if err := s.run(true, s.pgbin+"/initdb", "-D", s.primary.dir, "--auth=trust", "-U", "postgres", "--no-sync"); err != nil {
		return err
	}
	conf := fmt.Sprintf("port = %d\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '%s'\nmax_connections = 200\n", s.primary.port, s.dir)
	if err := appendFile(filepath.Join(s.primary.dir, "postgresql.conf"), conf); err != nil {
		return err
	}
	if err := s.pgStart(s.primary); err != nil {
		return err
	}
	if err := s.run(true, s.pgbin+"/pg_basebackup", "-h", "127.0.0.1", "-p", strconv.Itoa(s.primary.port), "-U", "postgres",
		"-D", s.replica.dir, "-R", "-X", "stream", "-c", "fast"); err != nil {
		return err
	}
	if err := appendFile(filepath.Join(s.replica.dir, "postgresql.conf"), fmt.Sprintf("port = %d\nhot_standby = on\n", s.replica.port)); err != nil {
		return err
	}
	if err := s.pgStart(s.replica); err != nil {
		return err
	}
	if err := s.startRedis(); err != nil {
		return err
	}
	return s.startHAProxy()
}

func appendFile(path, text string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = f.WriteString(text)
	return err
}

func (s *stack) pgStart(db pg) error {
	return s.run(true, s.pgbin+"/pg_ctl", "-D", db.dir, "-l", db.dir+".log", "-w", "-t", "60", "start")
}

func (s *stack) pgStop(db pg) error {
	return s.run(true, s.pgbin+"/pg_ctl", "-D", db.dir, "-m", "fast", "-w", "-t", "60", "stop")
}

// pgRestart stops a database (fast: sessions are cut), waits, starts it again.
func (s *stack) pgRestart(db pg, pause time.Duration) error {
	if err := s.pgStop(db); err != nil {
		return err
	}
	time.Sleep(pause)
	return s.pgStart(db)
}

func (s *stack) pgURL(db pg, name string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", db.port, name)
}

func (s *stack) startRedis() error {
	var err error
	// Append-only with a write a second, as a cache node with persistence:
	// a kill loses at most the last second of sessions.
	s.redis, err = s.start("redis", nil, "redis-server", "--bind", "127.0.0.1", "--port", strconv.Itoa(s.redisP),
		"--save", "", "--appendonly", "yes", "--appendfsync", "everysec", "--dir", s.dir)
	if err != nil {
		return err
	}
	return waitTCP(fmt.Sprintf("127.0.0.1:%d", s.redisP), 10*time.Second)
}

func waitTCP(addr string, d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not answer: %w", addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// haproxyConfig checks /readyz every 500 ms (down after 2 failures, up after
// 2 successes), retries a connection that fails on the other instance, and
// appends the client's address to X-Forwarded-For (proxy_hops 1).
func (s *stack) haproxyConfig() string {
	return fmt.Sprintf(`global
  maxconn 4000
defaults
  mode http
  timeout connect 1s
  timeout client 15s
  timeout server 15s
  retries 2
  option redispatch
frontend site
  bind 127.0.0.1:%d
  option forwardfor
  default_backend web
backend web
  balance roundrobin
  option httpchk GET /readyz
  http-check expect status 200
  default-server inter 500ms fall 2 rise 2
  server web0 127.0.0.1:%d check
  server web1 127.0.0.1:%d check
`, s.lbPort, s.webPort[0], s.webPort[1])
}

func (s *stack) startHAProxy() error {
	cfg := filepath.Join(s.dir, "haproxy.cfg")
	if err := os.WriteFile(cfg, []byte(s.haproxyConfig()), 0o644); err != nil {
		return err
	}
	var err error
	if s.haproxy, err = s.start("haproxy", nil, "haproxy", "-db", "-f", cfg); err != nil {
		return err
	}
	s.log("HAProxy on %d in front of web instances on %d and %d", s.lbPort, s.webPort[0], s.webPort[1])
	return waitTCP(fmt.Sprintf("127.0.0.1:%d", s.lbPort), 10*time.Second)
}

// startWeb starts web instance i and waits until it is ready.
func (s *stack) startWeb(i int) error {
	// Two instances on one host: each takes a port of its own for metrics.
	p, err := s.start(fmt.Sprintf("web%d", i), s.env, s.bin, "web", "--listen", fmt.Sprintf("127.0.0.1:%d", s.webPort[i]), "--metrics-listen", "127.0.0.1:0")
	if err != nil {
		return err
	}
	s.web[i] = p
	return waitReady(p, fmt.Sprintf("http://127.0.0.1:%d/readyz", s.webPort[i]), 60*time.Second)
}

func (s *stack) startWorker() error {
	p, err := s.start("worker", s.env, s.bin, "worker", "--listen", fmt.Sprintf("127.0.0.1:%d", s.workerP))
	if err != nil {
		return err
	}
	s.worker = p
	return waitReady(p, fmt.Sprintf("http://127.0.0.1:%d/healthz", s.workerP), 60*time.Second)
}

func waitReady(p *proc, url string, d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		if res, err := http.Get(url); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return nil
			}
		}
		select {
		case <-p.done:
			return fmt.Errorf("%s exited:\n%s", p.name, p.tail())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not ready at %s:\n%s", p.name, url, p.tail())
		}
	}
}

// allReady waits until both web instances, and HAProxy's view of them, are ready.
func (s *stack) allReady(d time.Duration) error {
	for i, p := range s.web {
		if err := waitReady(p, fmt.Sprintf("http://127.0.0.1:%d/readyz", s.webPort[i]), d); err != nil {
			return err
		}
	}
	time.Sleep(1200 * time.Millisecond) // HAProxy's rise: 2 checks 500 ms apart
	return nil
}

// tearDown stops everything the suite started.
func (s *stack) tearDown() {
	for _, p := range []*proc{s.haproxy, s.web[0], s.web[1], s.worker, s.redis} {
		p.kill()
	}
	for _, db := range []pg{s.replica, s.primary} {
		if db.dir != "" {
			if _, err := os.Stat(filepath.Join(db.dir, "postmaster.pid")); err == nil {
				s.run(true, s.pgbin+"/pg_ctl", "-D", db.dir, "-m", "immediate", "-w", "stop")
			}
		}
	}
}

// query runs one query on the suite's primary.
func (s *stack) query(ctx context.Context, sql string, scan func(pgx.Rows) error) error {
	c, err := pgx.Connect(ctx, s.pgURL(s.primary, "app"))
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	rows, err := c.Query(ctx, sql)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
