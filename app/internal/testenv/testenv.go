// Package testenv gives the app's tests real servers: a fresh database on the
// machine's PostgreSQL primary (replicated to the streaming replica that
// scripts/test-services.sh runs) and private redis-server processes. There
// are no in-process stand-ins; a missing server fails the test with the
// command that starts it.
package testenv

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/scalezero/scalezero/internal/testnet"
)

// Servers, overridable for other machines.
var (
	PrimaryURL = env("SCALEZERO_TEST_PRIMARY", "postgres://postgres@127.0.0.1:5432")
	ReplicaURL = env("SCALEZERO_TEST_REPLICA", "postgres://postgres@127.0.0.1:5433")
)

func env(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// Root is the repository root (for scripts/).
func Root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", "..", ".."))
}

const startHint = "start the test servers with `scripts/test-services.sh` (make test does)"

// Database creates an empty database on the primary, waits until the replica
// has it, and drops it when the test ends. It returns the writer's and the
// replica's URLs for it.
func Database(t testing.TB) (writer, replica string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, PrimaryURL+"/postgres?sslmode=disable")
	if err != nil {
		t.Fatalf("PostgreSQL primary: %v; %s", err, startHint)
	}
	defer admin.Close(ctx)
	name := fmt.Sprintf("sz_test_%d_%d", time.Now().UnixNano()%1e12, os.Getpid())
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if c, err := pgx.Connect(ctx, PrimaryURL+"/postgres?sslmode=disable"); err == nil {
			c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			c.Close(ctx)
		}
	})
	writer = PrimaryURL + "/" + name + "?sslmode=disable"
	replica = ReplicaURL + "/" + name + "?sslmode=disable"
	WaitReplica(t, replica)
	return writer, replica
}

// WaitReplica waits until the replica accepts connections to the database.
func WaitReplica(t testing.TB, replica string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		c, err := pgx.Connect(ctx, replica)
		if err == nil {
			var standby bool
			err = c.QueryRow(ctx, "select pg_is_in_recovery()").Scan(&standby)
			c.Close(ctx)
			cancel()
			if err == nil && !standby {
				t.Fatalf("%s is not a standby; %s", replica, startHint)
			}
			if err == nil {
				return
			}
		} else {
			cancel()
		}
		if time.Now().After(deadline) {
			t.Fatalf("replica: %v; %s", err, startHint)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Replica runs scripts/test-services.sh stop-replica or start-replica.
// The replica it starts outlives the test, so it must not inherit the
// test's descriptors: one is the lock (flock /tmp/sz-app.lock) the tests
// run under, and a replica holding it would keep every later run waiting.
func Replica(t testing.TB, action string) {
	t.Helper()
	closeOnExec()
	out, err := exec.Command(filepath.Join(Root(), "scripts", "test-services.sh"), action+"-replica").CombinedOutput()
	if err != nil {
		t.Fatalf("%s replica: %v\n%s", action, err, out)
	}
}

// Redis is a private redis-server process.
type Redis struct {
	Addr string
	args []string // more redis-server options, such as --maxmemory
	t    testing.TB
	cmd  *exec.Cmd
}

// FreePort returns a loopback port that was free a moment ago.
func FreePort(t testing.TB) int { return testnet.FreePort(t) }

// StartRedis starts redis-server on a free port, with more options when
// given (such as "--maxmemory", "4mb"); it is stopped when the test ends.
func StartRedis(t testing.TB, args ...string) *Redis {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Fatalf("redis-server not installed; %s", startHint)
	}
	r := &Redis{Addr: fmt.Sprintf("127.0.0.1:%d", FreePort(t)), args: args, t: t}
	r.Start()
	t.Cleanup(r.Stop)
	return r
}

// Start (re)starts the server on its address.
func (r *Redis) Start() {
	r.t.Helper()
	_, port, _ := net.SplitHostPort(r.Addr)
	r.cmd = exec.Command("redis-server", append([]string{"--bind", "127.0.0.1", "--port", port, "--save", "", "--appendonly", "no"}, r.args...)...)
	if err := r.cmd.Start(); err != nil {
		r.t.Fatalf("start redis-server: %v", err)
	}
	for i := 0; i < 100; i++ {
		if c, err := net.DialTimeout("tcp", r.Addr, 100*time.Millisecond); err == nil {
			c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	r.t.Fatalf("redis-server on %s did not start", r.Addr)
}

// Stop kills the server (a crash, as far as clients can tell).
func (r *Redis) Stop() {
	if r.cmd != nil && r.cmd.Process != nil {
		r.cmd.Process.Kill()
		r.cmd.Wait()
		r.cmd = nil
	}
}

// Pause stops the server (SIGSTOP) until Resume: connections stay open and
// nothing answers, as in a stall.
func (r *Redis) Pause() { r.cmd.Process.Signal(syscall.SIGSTOP) }

// Resume lets a paused server go on (SIGCONT).
func (r *Redis) Resume() { r.cmd.Process.Signal(syscall.SIGCONT) }

// Contains reports whether s has every part.
func Contains(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

// Conn connects to url for the rest of the test.
func Conn(t testing.TB, url string) *pgx.Conn {
	t.Helper()
	c, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatalf("connect %s: %v; %s", url, err, startHint)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

// WaitReplayed waits until the replica holds user id as of updated (or later).
func WaitReplayed(t testing.TB, replica string, id int64, updated time.Time) {
	t.Helper()
	ctx := context.Background()
	c := Conn(t, replica)
	for i := 0; i < 400; i++ {
		var at time.Time
		if err := c.QueryRow(ctx, "select updated_at from users where id=$1", id).Scan(&at); err == nil && !at.Before(updated) {
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatalf("the replica never replayed user %d as of %s", id, updated)
}

// PauseReplay stops the replica applying WAL until the test ends: from then on
// the primary has writes the replica has not, so where a read went shows in
// what it returns.
func PauseReplay(t testing.TB, replica string) {
	t.Helper()
	ctx := context.Background()
	c := Conn(t, replica) // closed after the resume below: cleanups run last-in first-out
	if _, err := c.Exec(ctx, "select pg_wal_replay_pause()"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Exec(ctx, "select pg_wal_replay_resume()") })
}

// TempDatabase creates an empty database named prefix_<pid> on the server
// at serverURL (a URL without a database) and returns its name and what
// drops it: for the benchmark commands, which have no testing.TB.
func TempDatabase(ctx context.Context, serverURL, prefix string) (name string, drop func(), err error) {
	admin, err := pgx.Connect(ctx, serverURL+"/postgres?sslmode=disable")
	if err != nil {
		return "", nil, fmt.Errorf("primary: %w (%s)", err, startHint)
	}
	name = fmt.Sprintf("%s_%d", prefix, os.Getpid())
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close(ctx)
		return "", nil, err
	}
	return name, func() {
		admin.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		admin.Close(context.Background())
	}, nil
}

// closeOnExec marks every descriptor above stderr close-on-exec: Go opens
// its own so, but those inherited from the parent (flock's lock) are not.
func closeOnExec() {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return
	}
	for _, e := range entries {
		if fd, err := strconv.Atoi(e.Name()); err == nil && fd > 2 {
			syscall.CloseOnExec(fd)
		}
	}
}
