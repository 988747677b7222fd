// Command loadbench measures profile reads through the real HTTP stack
// (loopback TCP, the app's router, pgx, go-redis) against the machine's real
// PostgreSQL primary and streaming replica and a private Redis, with the
// cache off and on. It prints requests per second, p50 and p99 latency, and
// how many queries reach each pool per 1,000 reads.
//
//	go run ./app/cmd/loadbench [-users 500] [-reads 20000] [-concurrency 16]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/scalezero/scalezero/app"
	"github.com/scalezero/scalezero/app/config"
	"github.com/scalezero/scalezero/app/internal/testenv"
	"github.com/scalezero/scalezero/app/password"
	"github.com/scalezero/scalezero/app/service"
)

var (
	primary     = flag.String("primary", "postgres://postgres@127.0.0.1:5432", "PostgreSQL primary (server URL, no database)")
	replica     = flag.String("replica", "postgres://postgres@127.0.0.1:5433", "its streaming replica")
	users       = flag.Int("users", 500, "profiles to read from")
	reads       = flag.Int("reads", 20000, "reads per run")
	concurrency = flag.Int("concurrency", 16, "concurrent clients")
)

type result struct {
	name             string
	rps              float64
	p50, p99         time.Duration
	primaryPer1000   float64
	replicaPer1000   float64
	cacheHitsPer1000 float64
}

func main() {
	flag.Parse()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "loadbench:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx := context.Background()
	dbName, drop, err := testenv.TempDatabase(ctx, *primary, "sz_bench")
	if err != nil {
		return err
	}
	defer drop()
	redisAddr, stopRedis, err := startRedis()
	if err != nil {
		return err
	}
	defer stopRedis()

	writer := *primary + "/" + dbName + "?sslmode=disable"
	reader := *replica + "/" + dbName + "?sslmode=disable"
	ids, err := seed(ctx, writer, reader)
	if err != nil {
		return err
	}
	var results []result
	// The phases' read paths: the primary alone (2-3), replicas (4), replicas
	// behind the cache (5 on).
	for _, mode := range []struct {
		name    string
		readers []string
		cache   string
	}{{"primary only", nil, ""}, {"replicas, no cache", []string{reader}, ""}, {"replicas + cache", []string{reader}, redisAddr}} {
		r, err := measure(ctx, mode.name, writer, mode.readers, mode.cache, ids)
		if err != nil {
			return fmt.Errorf("%s: %w", mode.name, err)
		}
		results = append(results, r)
	}
	fmt.Printf("profile reads: %d per run, %d users, %d concurrent clients, GOMAXPROCS=%s\n\n",
		*reads, *users, *concurrency, strconv.Itoa(runtimeProcs()))
	fmt.Printf("%-20s %10s %10s %10s %16s %16s %14s\n", "mode", "req/s", "p50", "p99", "primary q/1000", "replica q/1000", "cache hit/1000")
	for _, r := range results {
		fmt.Printf("%-20s %10.0f %10s %10s %16.1f %16.1f %14.1f\n", r.name, r.rps, r.p50.Round(time.Microsecond), r.p99.Round(time.Microsecond),
			r.primaryPer1000, r.replicaPer1000, r.cacheHitsPer1000)
	}
	return nil
}

func build(ctx context.Context, writer string, readers []string, cache string) (*service.Service, error) {
	cfg := config.Config{
		DatabaseURL: writer, ReaderURLs: readers, MaxConns: int32(*concurrency), HealthInterval: 2 * time.Second,
		ReadYourWrites: 5 * time.Second, CacheAddr: cache, CacheTTL: 10 * time.Minute, CacheJitter: 0.1,
		SessionTTL: time.Hour, CookieSecure: "auto", MaxBodyBytes: 65536, ShutdownTimeout: time.Second,
	}
	return service.Build(ctx, cfg, service.Logger("error"), password.Params{Memory: 1024, Time: 1, Threads: 1}, 0)
}

// seed creates the users and waits until the replica has them all.
func seed(ctx context.Context, writer, reader string) ([]int64, error) {
	svc, err := build(ctx, writer, nil, "")
	if err != nil {
		return nil, err
	}
	defer svc.Close()
	ids := make([]int64, *users)
	for i := range ids {
		u, err := svc.DB.CreateUser(ctx, app.User{Email: fmt.Sprintf("user%d@example.com", i), DisplayName: fmt.Sprintf("User %d", i), Bio: "benchmark profile", PasswordHash: "-"})
		if err != nil {
			return nil, err
		}
		ids[i] = u.ID
	}
	c, err := pgx.Connect(ctx, reader)
	if err != nil {
		return nil, err
	}
	defer c.Close(ctx)
	for deadline := time.Now().Add(30 * time.Second); ; {
		var n int
		if err := c.QueryRow(ctx, "select count(*) from users").Scan(&n); err == nil && n == len(ids) {
			return ids, nil
		}
		if time.Now().After(deadline) {
			return nil, errors.New("the replica did not catch up with the seed")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func measure(ctx context.Context, name, writer string, readers []string, cache string, ids []int64) (result, error) {
	svc, err := build(ctx, writer, readers, cache)
	if err != nil {
		return result{}, err
	}
	defer svc.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return result{}, err
	}
	sctx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- svc.Serve(sctx, ln) }()
	defer func() { stop(); <-served }()
	base := "http://" + ln.Addr().String()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *concurrency}}

	// Warm up: connections, and (with the cache) every profile once.
	for _, id := range ids {
		if err := get(client, base, id); err != nil {
			return result{}, err
		}
	}
	q := func(pool string) float64 { return testutil.ToFloat64(svc.Metrics.Queries.WithLabelValues(pool)) }
	hits := func() float64 { return testutil.ToFloat64(svc.Metrics.Cache.WithLabelValues("profile", "hit")) }
	p0, r0, h0 := q("primary"), q("replica"), hits()

	latencies := make([]time.Duration, *reads)
	var wg sync.WaitGroup
	var firstErr error
	var errOnce sync.Once
	per := *reads / *concurrency
	start := time.Now()
	for w := 0; w < *concurrency; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 42))
			for i := w * per; i < (w+1)*per; i++ {
				t0 := time.Now()
				if err := get(client, base, ids[rng.IntN(len(ids))]); err != nil {
					errOnce.Do(func() { firstErr = err })
					return
				}
				latencies[i] = time.Since(t0)
			}
		}(w)
	}
	wg.Wait()
	elapsed := time.Since(start)
	if firstErr != nil {
		return result{}, firstErr
	}
	n := per * *concurrency
	latencies = latencies[:n]
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	per1000 := func(v float64) float64 { return v * 1000 / float64(n) }
	return result{
		name:             name,
		rps:              float64(n) / elapsed.Seconds(),
		p50:              latencies[n/2],
		p99:              latencies[n*99/100],
		primaryPer1000:   per1000(q("primary") - p0),
		replicaPer1000:   per1000(q("replica") - r0),
		cacheHitsPer1000: per1000(hits() - h0),
	}, nil
}

func get(c *http.Client, base string, id int64) error {
	res, err := c.Get(base + "/api/users/" + strconv.FormatInt(id, 10))
	if err != nil {
		return err
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != 200 {
		return fmt.Errorf("GET user %d: %s", id, res.Status)
	}
	return nil
}

// startRedis runs a private redis-server, so the benchmark owns its keys.
func startRedis() (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command("redis-server", "--bind", "127.0.0.1", "--port", strconv.Itoa(port), "--save", "", "--appendonly", "no")
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("redis-server: %w", err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	for i := 0; i < 100; i++ {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return addr, func() { cmd.Process.Kill(); cmd.Wait() }, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	cmd.Process.Kill()
	return "", nil, errors.New("redis-server did not start")
}

func runtimeProcs() int { return runtime.GOMAXPROCS(0) }
