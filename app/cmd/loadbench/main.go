// Command loadbench measures profile reads through the real HTTP stack
// (loopback TCP, the app's router, pgx, go-redis) against the machine's real
// PostgreSQL primary and streaming replica and a private Redis, with the
// cache off and on. It prints requests per second, p50 and p99 latency, and
// how many queries reach each pool per 1,000 reads. Then it sets the cached
// read beside its floor, a handler doing one Redis GET of the same bytes
// (app/internal/floor), in interleaved rounds, and prints the ratios app / bare.
//
//	go run ./app/cmd/loadbench [-users 500] [-reads 20000] [-concurrency 16] [-rounds 3] [-compare]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
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
	rounds      = flag.Int("rounds", 3, "interleaved rounds of the cached app and the bare handler")
	onlyCompare = flag.Bool("compare", false, "measure only the cached app against the bare handler")
	cpuProfile  = flag.String("cpuprofile", "", "write a CPU profile of the comparison's rounds to this file (go tool pprof)")
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
	fmt.Printf("profile reads: %d per run, %d users, %d concurrent clients, GOMAXPROCS=%s\n\n",
		*reads, *users, *concurrency, strconv.Itoa(runtimeProcs()))
	if !*onlyCompare {
		if err := modes(ctx, writer, reader, redisAddr, ids); err != nil {
			return err
		}
	}
	return compare(ctx, writer, reader, redisAddr, ids)
}

// modes measures the phases' read paths: the primary alone (2-3), replicas
// (4), replicas behind the cache (5 on).
func modes(ctx context.Context, writer, reader, redisAddr string, ids []int64) error {
	var results []result
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
	fmt.Printf("%-20s %10s %10s %10s %16s %16s %14s\n", "mode", "req/s", "p50", "p99", "primary q/1000", "replica q/1000", "cache hit/1000")
	for _, r := range results {
		fmt.Printf("%-20s %10.0f %10s %10s %16.1f %16.1f %14.1f\n", r.name, r.rps, r.p50.Round(time.Microsecond), r.p99.Round(time.Microsecond),
			r.primaryPer1000, r.replicaPer1000, r.cacheHitsPer1000)
	}
	fmt.Println()
	return nil
}

// compare measures the cached read against the bare handler (floor) in
// interleaved rounds, from one client, over the same ids in the same order:
// each round starts with the next server in turn, so a drift in what else
// the machine does weighs on all alike. A second bare handler sends the
// app's headers too (security headers, Cache-Control, the request id): what
// it costs beyond the first is what those headers cost, apart from the
// app's code. It prints each round and the ratios app / bare over all
// rounds pooled.
func compare(ctx context.Context, writer, reader, redisAddr string, ids []int64) error {
	_, appBase, stop, err := serve(ctx, writer, []string{reader}, redisAddr)
	if err != nil {
		return err
	}
	defer stop()
	client := newClient()
	labelled("load", "app", func() { err = warm(client, appBase, ids) })
	if err != nil {
		return err
	}
	header, err := appHeaders(client, appBase, ids[0])
	if err != nil {
		return err
	}
	servers := []struct {
		name, base string
		rounds     []stats
	}{{name: "app", base: appBase}, {name: "bare"}, {name: "bare+hdrs"}}
	for i, h := range []http.Header{nil, header} {
		base, stopBare, err := serveBare(ctx, client, appBase, redisAddr, ids, h, servers[1+i].name)
		if err != nil {
			return err
		}
		defer stopBare()
		labelled("load", servers[1+i].name, func() { err = warm(client, base, ids) })
		if err != nil {
			return err
		}
		servers[1+i].base = base
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	fmt.Printf("cached read against one bare Redis GET, %d interleaved rounds\n", *rounds)
	fmt.Printf("%-6s %-10s %10s %10s %10s\n", "round", "server", "req/s", "p50", "p99")
	for i := 0; i < *rounds; i++ {
		for j := range servers {
			s := &servers[(i+j)%len(servers)]
			runtime.GC() // none starts with another's garbage
			st, err := load(client, s.base, ids, i, s.name)
			if err != nil {
				return fmt.Errorf("round %d, %s: %w", i+1, s.name, err)
			}
			fmt.Printf("%-6d %-10s %10.0f %10s %10s\n", i+1, s.name, st.rps(), st.quantile(0.50).Round(time.Microsecond), st.quantile(0.99).Round(time.Microsecond))
			s.rounds = append(s.rounds, st)
		}
	}
	a := merge(servers[0].rounds)
	fmt.Println()
	for _, s := range servers[1:] {
		b := merge(s.rounds)
		fmt.Printf("app / %-9s over the %d rounds: throughput %.2fx, p50 %.2fx, p99 %.2fx\n", s.name, *rounds,
			a.rps()/b.rps(), ratio(a.quantile(0.50), b.quantile(0.50)), ratio(a.quantile(0.99), b.quantile(0.99)))
	}
	return nil
}

func ratio(a, b time.Duration) float64 { return float64(a) / float64(b) }

// labelled runs fn with the profiler label key=value, which the goroutines
// it starts inherit (a server's connections, a client's), so a profile of
// the rounds tells each server's CPU from the others' and from its load's:
// go tool pprof -tags FILE.
func labelled(key, value string, fn func()) {
	pprof.Do(context.Background(), pprof.Labels(key, value), func(context.Context) { fn() })
}

// build builds the app as `scalezero web` does, at the defaults of every
// setting but the servers' addresses and the pool's size (one connection
// per client), so what the defaults cost (the request log at log_level
// info, say) is measured. Its log lines go to io.Discard: formatted, not
// printed.
func build(ctx context.Context, writer string, readers []string, cache string) (*service.Service, error) {
	cfg, err := config.FromEnv(map[string]string{
		"SCALEZERO_DATABASE_URL": writer, "SCALEZERO_DATABASE_READER_URLS": strings.Join(readers, ","),
		"SCALEZERO_CACHE_ADDR": cache, "SCALEZERO_DATABASE_MAX_CONNS": strconv.Itoa(*concurrency),
		"SCALEZERO_METRICS_LISTEN": "", "SCALEZERO_DRAIN_DELAY": "0s", "SCALEZERO_SHUTDOWN_TIMEOUT": "1s",
	})
	if err != nil {
		return nil, err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		return nil, err
	}
	log := slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: level}))
	return service.Build(ctx, cfg, log, password.Params{Memory: 1024, Time: 1, Threads: 1}, 0)
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
	svc, base, stop, err := serve(ctx, writer, readers, cache)
	if err != nil {
		return result{}, err
	}
	defer stop()
	client := newClient()
	if err := warm(client, base, ids); err != nil {
		return result{}, err
	}
	q := func(pool string) float64 { return testutil.ToFloat64(svc.Metrics.Queries.WithLabelValues(pool)) }
	hits := func() float64 { return testutil.ToFloat64(svc.Metrics.Cache.WithLabelValues("profile", "hit")) }
	p0, r0, h0 := q("primary"), q("replica"), hits()
	st, err := load(client, base, ids, 0, name)
	if err != nil {
		return result{}, err
	}
	per1000 := func(v float64) float64 { return v * 1000 / float64(len(st.latencies)) }
	return result{
		name: name, rps: st.rps(), p50: st.quantile(0.50), p99: st.quantile(0.99),
		primaryPer1000:   per1000(q("primary") - p0),
		replicaPer1000:   per1000(q("replica") - r0),
		cacheHitsPer1000: per1000(hits() - h0),
	}, nil
}

// serve builds the app and serves it on a loopback port until stop.
func serve(ctx context.Context, writer string, readers []string, cache string) (*service.Service, string, func(), error) {
	svc, err := build(ctx, writer, readers, cache)
	if err != nil {
		return nil, "", nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		svc.Close()
		return nil, "", nil, err
	}
	sctx, cancel := context.WithCancel(ctx)
	served := make(chan error, 1)
	go labelled("server", "app", func() { served <- svc.Serve(sctx, ln) })
	return svc, "http://" + ln.Addr().String(), func() { cancel(); <-served; svc.Close() }, nil
}

func newClient() *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *concurrency}}
}

// warm opens the connections and (with the cache) reads every profile once.
func warm(client *http.Client, base string, ids []int64) error {
	for _, id := range ids {
		if err := get(client, base, id, nil); err != nil {
			return err
		}
	}
	return nil
}

// stats are one load's latencies (sorted) and how long it took.
type stats struct {
	latencies []time.Duration
	elapsed   time.Duration
}

func (s stats) rps() float64 { return float64(len(s.latencies)) / s.elapsed.Seconds() }

func (s stats) quantile(q float64) time.Duration {
	return s.latencies[int(float64(len(s.latencies))*q)]
}

// merge pools rounds: throughput over their summed time, quantiles over all
// their latencies.
func merge(rounds []stats) stats {
	var m stats
	for _, r := range rounds {
		m.latencies = append(m.latencies, r.latencies...)
		m.elapsed += r.elapsed
	}
	slices.Sort(m.latencies)
	return m
}

// load sends *reads GETs from *concurrency clients, each reading random
// profiles from a sequence fixed by its seed: the same ids in the same order
// for every server measured with the same round.
func load(client *http.Client, base string, ids []int64, round int, name string) (stats, error) {
	latencies := make([]time.Duration, *reads)
	var wg sync.WaitGroup
	var firstErr error
	var errOnce sync.Once
	per := *reads / *concurrency
	start := time.Now()
	for w := 0; w < *concurrency; w++ {
		wg.Add(1)
		go labelled("load", name, func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 42+uint64(round)))
			for i := w * per; i < (w+1)*per; i++ {
				t0 := time.Now()
				if err := get(client, base, ids[rng.IntN(len(ids))], nil); err != nil {
					errOnce.Do(func() { firstErr = err })
					return
				}
				latencies[i] = time.Since(t0)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if firstErr != nil {
		return stats{}, firstErr
	}
	latencies = latencies[:per**concurrency]
	slices.Sort(latencies)
	return stats{latencies: latencies, elapsed: elapsed}, nil
}

// get reads one profile; body, when not nil, receives it.
func get(c *http.Client, base string, id int64, body *[]byte) error {
	res, err := c.Get(base + "/api/users/" + strconv.FormatInt(id, 10))
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if body != nil {
		*body, err = io.ReadAll(res.Body)
	} else {
		_, err = io.Copy(io.Discard, res.Body)
	}
	if err != nil {
		return err
	}
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
