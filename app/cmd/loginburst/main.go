// Command loginburst measures a burst of wrong-password logins against one
// instance (the real HTTP stack over loopback, Argon2id at its real cost,
// PostgreSQL on this machine): the logins' latency by status, the process's
// peak memory (VmHWM, reset before the burst), and /readyz meanwhile, as a
// load balancer's health check with a one-second timeout would see it.
//
//	go run ./app/cmd/loginburst [-burst 1000] [-conns 1000] [-throttles=false]
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/scalezero/scalezero/app/config"
	"github.com/scalezero/scalezero/app/internal/testenv"
	"github.com/scalezero/scalezero/app/password"
	"github.com/scalezero/scalezero/app/service"
)

var (
	primary   = flag.String("primary", "postgres://postgres@127.0.0.1:5432", "PostgreSQL primary (server URL, no database)")
	burst     = flag.Int("burst", 1000, "logins in the burst")
	conns     = flag.Int("conns", 1000, "at most this many at once (each its own connection)")
	throttles = flag.Bool("throttles", true, "keep the per-account and per-address limits (false: only the hashing bound)")
)

func main() {
	flag.Parse()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "loginburst:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx := context.Background()
	name, drop, err := testenv.TempDatabase(ctx, *primary, "sz_burst")
	if err != nil {
		return err
	}
	defer drop()
	cfg := config.Config{
		DatabaseURL: *primary + "/" + name + "?sslmode=disable", MaxConns: 20, HealthInterval: time.Second,
		ReadYourWrites: 5 * time.Second, SessionTTL: time.Hour, CookieSecure: "auto", MaxBodyBytes: 65536, ShutdownTimeout: time.Second,
	}
	tune(&cfg, *throttles)
	svc, err := service.Build(ctx, cfg, service.Logger("error"), password.Default, 0)
	if err != nil {
		return err
	}
	defer svc.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	go svc.Serve(sctx, ln)
	base := "http://" + ln.Addr().String()
	post := func(c *http.Client, path, body string) (int, error) {
		req, _ := http.NewRequest("POST", base+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		res, err := c.Do(req)
		if err != nil {
			return 0, err
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode, nil
	}
	if code, err := post(http.DefaultClient, "/api/signup", `{"email":"ada@example.com","password":"correct horse 1","display_name":"Ada"}`); code != 201 {
		return fmt.Errorf("signup: %d %v", code, err)
	}

	// Readiness as a health check sees it, every 200 ms during the burst.
	var ready struct {
		sync.Mutex
		checks, failed int
		worst          time.Duration
	}
	probeDone := make(chan struct{})
	probeStop := make(chan struct{})
	go func() {
		defer close(probeDone)
		hc := &http.Client{Timeout: time.Second}
		for {
			select {
			case <-probeStop:
				return
			case <-time.After(200 * time.Millisecond):
			}
			t0 := time.Now()
			res, err := hc.Get(base + "/readyz")
			d := time.Since(t0)
			ready.Lock()
			ready.checks++
			ready.worst = max(ready.worst, d)
			if err != nil || res.StatusCode != 200 {
				ready.failed++
			}
			ready.Unlock()
			if err == nil {
				res.Body.Close()
			}
		}
	}()

	os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) // resets VmHWM: the peak is the burst's
	client := &http.Client{Transport: &http.Transport{MaxConnsPerHost: *conns, MaxIdleConnsPerHost: *conns}}
	type outcome struct {
		status int
		d      time.Duration
	}
	out := make([]outcome, *burst)
	gate := make(chan struct{}, *conns)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range *burst {
		wg.Add(1)
		gate <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-gate }()
			t0 := time.Now()
			// One account attacked, as in a guessing burst.
			code, _ := post(client, "/api/login", `{"email":"ada@example.com","password":"wrong password!"}`)
			out[i] = outcome{code, time.Since(t0)}
		}()
	}
	wg.Wait()
	total := time.Since(start)
	close(probeStop)
	<-probeDone

	byStatus := map[int]int{}
	lat := make([]time.Duration, 0, len(out))
	for _, o := range out {
		byStatus[o.status]++
		lat = append(lat, o.d)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	var codes []string
	for c, n := range byStatus {
		codes = append(codes, fmt.Sprintf("%d×%d", c, n))
	}
	sort.Strings(codes)
	fmt.Printf("burst %d logins, at most %d at once, throttles %v: %s in %s\n", *burst, *conns, *throttles, strings.Join(codes, " "), total.Round(time.Millisecond))
	fmt.Printf("login latency p50 %s, p99 %s, max %s\n", lat[len(lat)/2].Round(time.Millisecond), lat[len(lat)*99/100].Round(time.Millisecond), lat[len(lat)-1].Round(time.Millisecond))
	fmt.Printf("peak memory (VmHWM) %s\n", vmHWM())
	fmt.Printf("readyz: %d of %d checks failed or took over 1s; slowest %s\n", ready.failed, ready.checks, ready.worst.Round(time.Millisecond))
	return nil
}

// vmHWM is the process's peak resident memory.
func vmHWM() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for _, line := range bytes.Split(b, []byte("\n")) {
		if f := strings.Fields(string(line)); len(f) == 3 && f[0] == "VmHWM:" {
			var kb int
			fmt.Sscan(f[1], &kb)
			return fmt.Sprintf("%.0f MiB", float64(kb)/1024)
		}
	}
	return "unknown"
}
