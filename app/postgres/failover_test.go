package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scalezero/scalezero/app"
	"github.com/scalezero/scalezero/app/internal/testenv"
	"github.com/scalezero/scalezero/app/postgres"
)

// writers sign users up against db until stop closes, from n clients, and
// return the emails whose signup was acknowledged.
func writers(db *postgres.DB, n int, prefix string, stop <-chan struct{}) func() []string {
	var mu sync.Mutex
	var acked []string
	var wg sync.WaitGroup
	var seq atomic.Int64
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				email := fmt.Sprintf("%s-%d@example.org", prefix, seq.Add(1))
				ctx, cancel := context.WithTimeout(context.Background(), time.Second)
				_, err := db.CreateUser(ctx, app.User{Email: email, PasswordHash: "x"})
				cancel()
				if err == nil {
					mu.Lock()
					acked = append(acked, email)
					mu.Unlock()
				}
			}
		}()
	}
	return func() []string { wg.Wait(); return acked }
}

// missing lists the emails db does not hold.
func missing(t *testing.T, db *postgres.DB, emails []string) []string {
	t.Helper()
	var out []string
	for _, e := range emails {
		if _, err := db.UserByEmail(context.Background(), e); err != nil {
			out = append(out, e)
		}
	}
	return out
}

// The failover's database side on real servers: the primary dies, the
// asynchronous replica is promoted, and the app, pointed at it, writes
// again. What is lost is exactly what the replica had not received when the
// primary died (the replica lag at the moment of loss: the RPO): here the
// link is cut first, so every signup acknowledged after the cut is lost and
// every one before it survives. Then, without a cut, under a load of
// signups, the primary is killed mid-stream: the figures (acknowledged,
// lost, time from promotion to the first write) are logged for the README.
func TestFailoverLosesExactlyWhatTheReplicaHadNotReceived(t *testing.T) {
	for _, cut := range []bool{true, false} {
		t.Run(map[bool]string{true: "link cut first", false: "killed mid-stream"}[cut], func(t *testing.T) {
			p := testenv.StartPair(t)
			db, _ := open(t, p.PrimaryURL())
			replica := testenv.Conn(t, p.ReplicaURL())
			stop := make(chan struct{})
			done := writers(db, 4, "before", stop)
			time.Sleep(300 * time.Millisecond)
			var before []string
			if cut {
				close(stop)
				before = done()
				// Everything so far reaches the replica, then its link goes.
				waitCaughtUp(t, p)
				for _, q := range []string{"ALTER SYSTEM SET primary_conninfo = ''", "SELECT pg_reload_conf()"} {
					if _, err := replica.Exec(context.Background(), q); err != nil {
						t.Fatal(err)
					}
				}
				waitNoReceiver(t, p)
				stop = make(chan struct{})
				done = writers(db, 4, "after", stop)
				time.Sleep(300 * time.Millisecond)
			}
			p.KillPrimary()
			close(stop)
			acked := done()
			promoted := p.Promote()

			start := time.Now()
			next, _ := open(t, p.ReplicaURL())
			if _, err := next.CreateUser(context.Background(), app.User{Email: "first-after@example.org", PasswordHash: "x"}); err != nil {
				t.Fatalf("the app cannot write to the promoted copy: %v", err)
			}
			firstWrite := time.Since(start)

			if cut {
				if lost := missing(t, next, before); len(lost) != 0 {
					t.Errorf("%d signups replicated before the cut are lost: %v", len(lost), lost[:min(3, len(lost))])
				}
				lost := missing(t, next, acked)
				if len(acked) == 0 || len(lost) != len(acked) {
					t.Errorf("after the cut %d signups were acknowledged and %d lost; every one was past what the replica received", len(acked), len(lost))
				}
				t.Logf("link cut: %d signups before it all kept; %d acknowledged after it, %d lost; promotion %s, first write %s", len(before), len(acked), len(lost), promoted.Round(time.Millisecond), firstWrite.Round(time.Millisecond))
				return
			}
			lost := missing(t, next, acked)
			t.Logf("killed mid-stream: %d signups acknowledged, %d lost (%.3f%%); promotion %s, first write on the promoted copy %s after",
				len(acked), len(lost), 100*float64(len(lost))/float64(max(len(acked), 1)), promoted.Round(time.Millisecond), firstWrite.Round(time.Millisecond))
		})
	}
}

func waitCaughtUp(t *testing.T, p *testenv.Pair) {
	t.Helper()
	primary := testenv.Conn(t, p.PrimaryURL())
	replica := testenv.Conn(t, p.ReplicaURL())
	var target string
	if err := primary.QueryRow(context.Background(), "SELECT pg_current_wal_flush_lsn()::text").Scan(&target); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		var behind bool
		if err := replica.QueryRow(context.Background(), "SELECT pg_last_wal_replay_lsn() < $1::pg_lsn", target).Scan(&behind); err != nil {
			t.Fatal(err)
		}
		if !behind {
			return
		}
	}
	t.Fatal("the replica did not catch up in 10s")
}

func waitNoReceiver(t *testing.T, p *testenv.Pair) {
	t.Helper()
	replica := testenv.Conn(t, p.ReplicaURL())
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		var n int
		if err := replica.QueryRow(context.Background(), "SELECT count(*) FROM pg_stat_wal_receiver").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
	t.Fatal("the replica's WAL receiver did not stop in 10s")
}
