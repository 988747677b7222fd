// Command faults is `make faults`: the app under the faults an operator
// meets, on this machine. On 127.0.0.1 only it starts HAProxy (checking
// /readyz) in front of two `scalezero web` instances, its own PostgreSQL
// primary with a streaming replica and its own Redis (so killing them harms
// no other test), queues and a bucket on the shared SQS/S3 emulator, and a
// worker. It drives a bounded mixed load (profile reads, each user's writes
// through its session, logins) and injects one fault per scenario: kill -9
// a web instance, SIGTERM one, stop and restart the replica, restart the
// primary, kill Redis, pause Redis (SIGSTOP/SIGCONT), kill the worker
// mid-batch. It prints one table and exits non-zero when a scenario breaks
// its stated bound.
//
//	go run ./app/cmd/faults [-duration 10s] [-users 12]
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/scalezero/scalezero/app/internal/testenv"
)

// staleBound is the README's bound: an acknowledged profile write is served
// by every instance within this time (one cache sweep and replication).
const staleBound = 2 * time.Second

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "faults:", err)
		os.Exit(1)
	}
}

// scenario is one fault and its bound.
type scenario struct {
	name  string
	fault func(s *stack, l *load) error // starts 2 s into the load; returns once the fault is repaired
	// allowed says which failed requests the fault may cause; limit caps
	// how many (0: no cap), as for the requests in flight on a killed instance.
	allowed func(r result) bool
	limit   int
	bound   string
}

// row is one scenario's line of the table.
type row struct {
	name                 string
	requests, ok         int
	errors               map[string]int
	p50, p99             time.Duration
	acked, lost          int
	stale                int
	maxStale             time.Duration
	jobsLost, jobsStuck  int
	broken               []string
	bound                string
	jobsDone, jobsFailed int
}

func run(args []string) error {
	fs := flag.NewFlagSet("faults", flag.ContinueOnError)
	duration := fs.Duration("duration", 10*time.Second, "load per scenario (the fault starts 2s in)")
	users := fs.Int("users", 12, "virtual users, one goroutine each")
	keep := fs.Bool("keep", false, "keep the working directory (logs) after the run")
	if err := fs.Parse(args); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "scalezero-faults-")
	if err != nil {
		return err
	}
	if !*keep {
		defer os.RemoveAll(dir)
	}
	say := func(format string, a ...any) { fmt.Fprintf(os.Stderr, "faults: "+format+"\n", a...) }
	s := &stack{dir: dir, log: say}
	defer s.tearDown()
	// An interrupted run still stops what it started.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	go func() { <-sigs; s.tearDown(); os.Exit(2) }()

	ctx := context.Background()
	say("building scalezero")
	s.bin = filepath.Join(dir, "scalezero")
	if out, err := exec.Command("go", "build", "-o", s.bin, "./app/cmd/scalezero").CombinedOutput(); err != nil {
		return fmt.Errorf("build: %v\n%s", err, out)
	}
	if err := s.setUp(ctx); err != nil {
		return err
	}
	if err := s.run(false, s.pgbin+"/psql", s.pgURL(s.primary, "postgres"), "-qc", "CREATE DATABASE app"); err != nil {
		return err
	}
	name := fmt.Sprintf("sz-faults-%d", time.Now().UnixNano()%1e12)
	tier, removeTier, err := testenv.CreateJobTier(ctx, testenv.AWSEndpoint, name, 3, 6)
	if err != nil {
		return fmt.Errorf("%w (start it with scripts/test-services.sh)", err)
	}
	defer removeTier()
	removeTable, err := testenv.CreateSessionTable(ctx, testenv.DynamoDBEndpoint, name)
	if err != nil {
		return fmt.Errorf("%w (start it with scripts/test-services.sh)", err)
	}
	defer removeTable()
	s.env = []string{
		"SCALEZERO_DATABASE_URL=" + s.pgURL(s.primary, "app"),
		"SCALEZERO_DATABASE_READER_URLS=" + s.pgURL(s.replica, "app"),
		"SCALEZERO_DATABASE_HEALTH_INTERVAL=500ms",
		fmt.Sprintf("SCALEZERO_CACHE_ADDR=127.0.0.1:%d", s.redisP),
		// Sessions in DynamoDB (the emulator), as from phase 6: the cache's
		// allkeys-lru must not log anyone out.
		"SCALEZERO_SESSIONS_STORE=dynamodb",
		"SCALEZERO_SESSIONS_TABLE=" + name,
		"SCALEZERO_SESSIONS_ENDPOINT=" + testenv.DynamoDBEndpoint,
		"SCALEZERO_REGION=" + testenv.AWSCredentials["AWS_REGION"],
		"SCALEZERO_COOKIE_KEYS=" + strings.Repeat("5a", 32),
		"SCALEZERO_PROXY_HOPS=1",
		"SCALEZERO_LOGIN_ADDRESS_ATTEMPTS=1000000", // every virtual user comes from 127.0.0.1
		// One user submits every job of the run at once: the per-user
		// upload limits are not what this suite measures.
		"SCALEZERO_JOBS_UPLOADS=1000000",
		"SCALEZERO_JOBS_MAX_PENDING=10000",
		"SCALEZERO_DRAIN_DELAY=2s",
		"SCALEZERO_SHUTDOWN_TIMEOUT=10s",
		"SCALEZERO_QUEUE_URL=" + tier.QueueURL,
		"SCALEZERO_JOBS_BUCKET=" + tier.Bucket,
		"SCALEZERO_AWS_ENDPOINT=" + tier.Endpoint,
		"SCALEZERO_WORKER_CONCURRENCY=2",
		"SCALEZERO_WORKER_JOB_TIMEOUT=5s",
		"SCALEZERO_WORKER_WAIT=1s",
		"SCALEZERO_LOG_LEVEL=warn",
	}
	for k, v := range testenv.AWSCredentials {
		s.env = append(s.env, k+"="+v)
	}
	for i := range s.web {
		if err := s.startWeb(i); err != nil {
			return err
		}
	}
	if err := s.startWorker(); err != nil {
		return err
	}
	if err := s.allReady(30 * time.Second); err != nil {
		return err
	}
	l := newLoad(fmt.Sprintf("http://127.0.0.1:%d", s.lbPort), staleBound)
	if err := l.signUp(*users); err != nil {
		return err
	}
	jobs := &jobLog{}
	var rows []row
	for _, sc := range scenarios(*users, jobs) {
		say("scenario: %s", sc.name)
		rows = append(rows, s.play(ctx, sc, l, *duration))
	}
	// Jobs end done or failed; none may be lost or stuck.
	say("waiting for the jobs to finish")
	done, failed, lost, stuck, err := jobs.settle(ctx, s, 60*time.Second)
	if err != nil {
		return err
	}
	for i := range rows {
		if strings.HasPrefix(rows[i].name, workerKill) {
			rows[i].jobsDone, rows[i].jobsFailed, rows[i].jobsLost, rows[i].jobsStuck = done, failed, lost, stuck
			rows[i].name += fmt.Sprintf(" (%d running, %d of %d done at the kill)", jobs.runningAtKill, jobs.doneAt, len(jobs.ids))
			if lost+stuck > 0 {
				rows[i].broken = append(rows[i].broken, fmt.Sprintf("%d jobs lost, %d stuck", lost, stuck))
			}
		}
	}
	printTable(os.Stdout, rows)
	var broken []string
	for _, r := range rows {
		for _, b := range r.broken {
			broken = append(broken, r.name+": "+b)
		}
	}
	if len(broken) > 0 {
		if !*keep {
			say("logs: run with -keep to keep %s", dir)
		}
		return fmt.Errorf("bounds broken:\n  %s", strings.Join(broken, "\n  "))
	}
	return nil
}

const workerKill = "kill -9 the worker mid-batch"

// scenarios lists the faults in the order they run.
func scenarios(users int, jobs *jobLog) []scenario {
	none := func(result) bool { return false }
	authed := func(r result) bool { // needs the session store or the primary
		return (r.op == opWrite || r.op == opLogin) && (r.status == 503 && r.retry || r.status == 401)
	}
	return []scenario{
		{name: "none (baseline)", allowed: none, bound: "no errors"},
		{name: "kill -9 a web instance", limit: users, bound: "errors only for requests in flight on it (at most one per client)",
			allowed: func(r result) bool { return r.status == 0 || r.status == 502 || r.status == 503 || r.status == 504 },
			fault: func(s *stack, l *load) error {
				s.web[0].kill()
				time.Sleep(2 * time.Second)
				return s.startWeb(0)
			}},
		{name: "SIGTERM a web instance", allowed: none, bound: "no errors (it drains)",
			fault: func(s *stack, l *load) error {
				s.web[1].signal(syscall.SIGTERM)
				if !s.web[1].wait(30 * time.Second) {
					return errors.New("web1 did not exit after SIGTERM")
				}
				return s.startWeb(1)
			}},
		{name: "stop and restart the replica", allowed: none, bound: "no errors (reads move to the primary)",
			fault: func(s *stack, l *load) error { return s.pgRestart(s.replica, 3*time.Second) }},
		{name: "restart the primary", allowed: authed, bound: "reads and readiness hold; writes 503 + Retry-After",
			fault: func(s *stack, l *load) error { return s.pgRestart(s.primary, 3*time.Second) }},
		// Sessions and login counts are not in the cache: losing it costs
		// nothing but cache hits.
		{name: "kill Redis", allowed: none, bound: "no errors (sessions and login counts are not in the cache)",
			fault: func(s *stack, l *load) error {
				s.redis.kill()
				time.Sleep(3 * time.Second)
				return s.startRedis()
			}},
		{name: "pause Redis (SIGSTOP 3s)", allowed: none, bound: "no errors (sessions and login counts are not in the cache)",
			fault: func(s *stack, l *load) error {
				s.redis.signal(syscall.SIGSTOP)
				time.Sleep(3 * time.Second)
				s.redis.signal(syscall.SIGCONT)
				return nil
			}},
		{name: workerKill, allowed: none, bound: "no errors; no job lost or stuck",
			fault: func(s *stack, l *load) error {
				if err := jobs.submit(l, 24); err != nil {
					return err
				}
				if err := jobs.midBatch(s, 10*time.Second); err != nil {
					return err
				}
				s.worker.kill()
				return s.startWorker()
			}},
	}
}

// play runs the load for d with the scenario's fault 2 s in, waits until
// the site has recovered, and checks the bounds.
func (s *stack) play(ctx context.Context, sc scenario, l *load, d time.Duration) row {
	r := row{name: sc.name, bound: sc.bound, errors: map[string]int{}}
	faultErr := make(chan error, 1)
	go func() {
		time.Sleep(2 * time.Second)
		if sc.fault == nil {
			faultErr <- nil
			return
		}
		faultErr <- sc.fault(s, l)
	}()
	results := l.run(d, 50000, 20*time.Millisecond)
	if err := <-faultErr; err != nil {
		r.broken = append(r.broken, "the fault could not be staged: "+err.Error())
	}
	if err := s.allReady(60 * time.Second); err != nil {
		r.broken = append(r.broken, "did not recover: "+err.Error())
	}
	r.requests = len(results)
	allowedN := 0
	for _, res := range results {
		switch {
		case res.status >= 200 && res.status < 300:
			r.ok++
			continue
		case res.status == 0:
			r.errors["no answer"]++
		default:
			r.errors[strconv.Itoa(res.status)]++
		}
		switch {
		case res.status == 500:
			r.broken = append(r.broken, fmt.Sprintf("a %s answered 500", res.op))
		case res.status == 503 && !res.retry:
			r.broken = append(r.broken, fmt.Sprintf("a %s answered 503 without Retry-After", res.op))
		case sc.allowed(res):
			allowedN++
		default:
			r.broken = append(r.broken, fmt.Sprintf("a %s answered %d, which this fault must not cause", res.op, res.status))
		}
	}
	if sc.limit > 0 && allowedN > sc.limit {
		r.broken = append(r.broken, fmt.Sprintf("%d failed requests, more than the %d in flight", allowedN, sc.limit))
	}
	r.broken = dedupe(r.broken)
	r.p50, r.p99 = percentile(results, 0.50), percentile(results, 0.99)
	r.stale, r.maxStale = l.staleReads()
	if r.stale > 0 {
		r.broken = append(r.broken, fmt.Sprintf("%d reads stale beyond %s (worst %s)", r.stale, staleBound, r.maxStale.Round(time.Millisecond)))
	}
	// Acknowledged writes, against the primary.
	final := map[int64]int{}
	err := s.query(ctx, "SELECT id, bio FROM users", func(rows pgx.Rows) error {
		var id int64
		var bio string
		if err := rows.Scan(&id, &bio); err != nil {
			return err
		}
		final[id], _ = strconv.Atoi(strings.TrimPrefix(bio, "seq:"))
		return nil
	})
	if err != nil {
		r.broken = append(r.broken, "reading the primary: "+err.Error())
	}
	for _, u := range l.users {
		if last := l.ledger.lastAcked(u.id); final[u.id] < last {
			r.lost++
		}
	}
	for _, res := range results {
		if res.op == opWrite && res.status == 200 {
			r.acked++
		}
	}
	if r.lost > 0 {
		r.broken = append(r.broken, fmt.Sprintf("%d users lost acknowledged writes", r.lost))
	}
	return r
}

func dedupe(in []string) []string {
	seen := map[string]int{}
	var out []string
	for _, s := range in {
		if seen[s]++; seen[s] == 1 {
			out = append(out, s)
		}
	}
	for i, s := range out {
		if n := seen[s]; n > 1 {
			out[i] = fmt.Sprintf("%s (%d times)", s, n)
		}
	}
	return out
}

// jobLog keeps the jobs the site accepted (202), and how many were running
// and done when the worker was killed.
type jobLog struct {
	ids                   []string
	runningAtKill, doneAt int
}

// midBatch waits until the worker is running a job, with others not done yet.
func (j *jobLog) midBatch(s *stack, d time.Duration) error {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		err := s.query(context.Background(), "SELECT count(*) FILTER (WHERE state = 'running'), count(*) FILTER (WHERE state = 'done') FROM jobs",
			func(rows pgx.Rows) error { return rows.Scan(&j.runningAtKill, &j.doneAt) })
		if err != nil {
			return err
		}
		if j.runningAtKill > 0 && j.doneAt < len(j.ids) {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return errors.New("the worker never ran a job")
}

// submit uploads n pictures as the first user, through the load balancer.
func (j *jobLog) submit(l *load, n int) error {
	img := image.NewRGBA(image.Rect(0, 0, 1200, 900))
	for x := range 1200 {
		for y := range 900 {
			img.Set(x, y, color.RGBA{uint8(x * y), uint8(x + y), uint8(x ^ y), 255})
		}
	}
	var pic bytes.Buffer
	if err := png.Encode(&pic, img); err != nil {
		return err
	}
	u := l.users[0]
	for range n {
		req, _ := http.NewRequest("POST", l.base+"/api/me/avatar", bytes.NewReader(pic.Bytes()))
		req.Header.Set("Content-Type", "image/png")
		req.Header.Set("Cookie", u.cookie)
		start := time.Now()
		res, err := l.client.Do(req)
		if err != nil {
			l.add(result{op: opJob, latency: time.Since(start)})
			continue
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		l.add(result{op: opJob, status: res.StatusCode, latency: time.Since(start), retry: res.Header.Get("Retry-After") != ""})
		if loc := res.Header.Get("Location"); res.StatusCode == 202 && loc != "" {
			j.ids = append(j.ids, strings.TrimPrefix(loc, "/api/jobs/"))
		}
	}
	if len(j.ids) == 0 {
		return errors.New("no job was accepted")
	}
	return nil
}

// settle waits up to d for every accepted job to end, then counts them:
// lost (no row), stuck (still queued or running).
func (j *jobLog) settle(ctx context.Context, s *stack, d time.Duration) (done, failed, lost, stuck int, err error) {
	deadline := time.Now().Add(d)
	for {
		states := map[string]string{}
		err = s.query(ctx, "SELECT id::text, state FROM jobs", func(rows pgx.Rows) error {
			var id, state string
			if err := rows.Scan(&id, &state); err != nil {
				return err
			}
			states[id] = state
			return nil
		})
		if err != nil {
			return
		}
		done, failed, lost, stuck = 0, 0, 0, 0
		for _, id := range j.ids {
			switch states[id] {
			case "done":
				done++
			case "failed":
				failed++
			case "":
				lost++
			default:
				stuck++
			}
		}
		if stuck == 0 || time.Now().After(deadline) {
			return
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func printTable(w io.Writer, rows []row) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "scenario\trequests\t2xx\terrors by status\tp50\tp99\twrites acked\tacked writes lost\tstale > 2s (worst)\tjobs lost/stuck\tresult")
	for _, r := range rows {
		var errs []string
		for k, v := range r.errors {
			errs = append(errs, fmt.Sprintf("%s×%d", k, v))
		}
		if len(errs) == 0 {
			errs = []string{"none"}
		}
		sort.Strings(errs)
		jobs := "-"
		if strings.HasPrefix(r.name, workerKill) {
			jobs = fmt.Sprintf("%d/%d (%d done, %d failed)", r.jobsLost, r.jobsStuck, r.jobsDone, r.jobsFailed)
		}
		result := "ok"
		if len(r.broken) > 0 {
			result = "BROKEN: " + strings.Join(r.broken, "; ")
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\t%d\t%d\t%d (%s)\t%s\t%s\n", r.name, r.requests, r.ok, strings.Join(errs, " "),
			r.p50.Round(100*time.Microsecond), r.p99.Round(100*time.Microsecond), r.acked, r.lost, r.stale, r.maxStale.Round(time.Millisecond), jobs, result)
	}
	tw.Flush()
}
