package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// Pair is a PostgreSQL primary and its streaming replica of the test's own,
// in temporary directories on free ports, for tests that kill the primary
// and promote the replica (which the shared servers must never see).
type Pair struct {
	t                        testing.TB
	bin                      string
	PrimaryDir, ReplicaDir   string
	PrimaryPort, ReplicaPort int
}

// pgBin is the newest PostgreSQL's programs on this machine.
func pgBin(t testing.TB) string {
	t.Helper()
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	if len(dirs) == 0 {
		t.Fatalf("no PostgreSQL programs under /usr/lib/postgresql; %s", startHint)
	}
	sort.Strings(dirs)
	return dirs[len(dirs)-1]
}

// asPostgres runs a PostgreSQL program as the postgres user (initdb and the
// server refuse root).
func (p *Pair) asPostgres(prog string, args ...string) {
	p.t.Helper()
	cmd := exec.Command("runuser", append([]string{"-u", "postgres", "--", filepath.Join(p.bin, prog)}, args...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		p.t.Fatalf("%s %s: %v\n%s", prog, strings.Join(args, " "), err, out)
	}
}

// StartPair makes a new primary (trust authentication on loopback) and a
// replica streaming from it asynchronously, as RDS's are; both are stopped
// and removed when the test ends.
func StartPair(t testing.TB) *Pair {
	t.Helper()
	base, err := os.MkdirTemp("", "sz-pair-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	exec.Command("chown", "postgres", base).Run()
	p := &Pair{t: t, bin: pgBin(t), PrimaryDir: filepath.Join(base, "primary"), ReplicaDir: filepath.Join(base, "replica"),
		PrimaryPort: FreePort(t), ReplicaPort: FreePort(t)}
	t.Cleanup(func() {
		for _, d := range []string{p.ReplicaDir, p.PrimaryDir} {
			exec.Command("runuser", "-u", "postgres", "--", filepath.Join(p.bin, "pg_ctl"), "-D", d, "-m", "immediate", "stop").Run()
		}
		os.RemoveAll(base)
	})
	p.asPostgres("initdb", "-D", p.PrimaryDir, "-A", "trust", "-U", "postgres")
	conf := fmt.Sprintf("port = %d\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '/tmp'\nwal_level = replica\nmax_wal_senders = 5\nfsync = on\n", p.PrimaryPort)
	p.appendConf(p.PrimaryDir, conf)
	p.appendFile(filepath.Join(p.PrimaryDir, "pg_hba.conf"), "host replication all 127.0.0.1/32 trust\nhost all all 127.0.0.1/32 trust\n")
	p.asPostgres("pg_ctl", "-D", p.PrimaryDir, "-l", filepath.Join(base, "primary.log"), "-w", "start")
	p.asPostgres("pg_basebackup", "-h", "127.0.0.1", "-p", fmt.Sprint(p.PrimaryPort), "-U", "postgres", "-D", p.ReplicaDir, "-R", "-X", "stream", "-c", "fast")
	p.appendConf(p.ReplicaDir, fmt.Sprintf("port = %d\nhot_standby = on\n", p.ReplicaPort))
	p.asPostgres("pg_ctl", "-D", p.ReplicaDir, "-l", filepath.Join(base, "replica.log"), "-w", "start")
	return p
}

func (p *Pair) appendConf(dir, lines string) {
	p.appendFile(filepath.Join(dir, "postgresql.conf"), lines)
}

func (p *Pair) appendFile(path, lines string) {
	p.t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		p.t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(lines); err != nil {
		p.t.Fatal(err)
	}
}

// URLs of the two servers' postgres database.
func (p *Pair) PrimaryURL() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", p.PrimaryPort)
}
func (p *Pair) ReplicaURL() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", p.ReplicaPort)
}

// KillPrimary stops the primary at once, as a lost region does: no
// shutdown checkpoint, nothing more sent to the replica.
func (p *Pair) KillPrimary() {
	p.t.Helper()
	p.asPostgres("pg_ctl", "-D", p.PrimaryDir, "-m", "immediate", "stop")
}

// Promote makes the replica a primary (what RDS's PromoteReadReplica does
// for a failover) and waits until it takes writes.
func (p *Pair) Promote() time.Duration {
	p.t.Helper()
	start := time.Now()
	p.asPostgres("pg_ctl", "-D", p.ReplicaDir, "-w", "promote")
	return time.Since(start)
}
