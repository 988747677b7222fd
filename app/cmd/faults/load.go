package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// A virtual user owns one account: it writes its own profile (bio "seq:N",
// N rising), reads other users' profiles anonymously, and logs in now and
// then. Each acknowledged write is recorded with its time, so every read can
// be checked: a read that starts after a write was acknowledged and returns
// an older version is stale, by the time since that acknowledgement.

type op string

const (
	opRead  op = "read"
	opWrite op = "write"
	opLogin op = "login"
	opJob   op = "job"
)

// result is one request's outcome.
type result struct {
	op      op
	status  int // 0: no answer (the connection failed)
	latency time.Duration
	retry   bool // a 503 carried Retry-After
}

// ledger holds the acknowledged writes of every user.
type ledger struct {
	mu    sync.Mutex
	acked map[int64][]ack // by user id, in rising seq
}

type ack struct {
	seq int
	at  time.Time
}

func (l *ledger) record(id int64, seq int, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.acked[id] = append(l.acked[id], ack{seq, at})
}

// staleness is how long before start the first write newer than seq was
// acknowledged (0: the read was not stale).
func (l *ledger) staleness(id int64, seq int, start time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, a := range l.acked[id] {
		if a.seq > seq {
			if a.at.Before(start) {
				return start.Sub(a.at)
			}
			return 0
		}
	}
	return 0
}

func (l *ledger) lastAcked(id int64) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	if a := l.acked[id]; len(a) > 0 {
		return a[len(a)-1].seq
	}
	return 0
}

type vuser struct {
	id     int64
	email  string
	cookie string
	seq    int
}

// load drives the site through HAProxy.
type load struct {
	base   string
	users  []*vuser
	ledger *ledger
	client *http.Client
	bound  time.Duration // the stated staleness bound

	mu       sync.Mutex
	results  []result
	stale    int
	maxStale time.Duration
}

const loadPassword = "correct horse battery"

func newLoad(base string, bound time.Duration) *load {
	return &load{base: base, bound: bound, ledger: &ledger{acked: map[int64][]ack{}},
		client: &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
}

func (l *load) do(method, path, body, cookie string) (int, http.Header, []byte, error) {
	req, _ := http.NewRequest(method, l.base+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	res, err := l.client.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, raw, nil
}

func sessionOf(h http.Header) string {
	for _, line := range h.Values("Set-Cookie") {
		if strings.HasPrefix(line, "sz_session=") {
			return strings.SplitN(line, ";", 2)[0]
		}
	}
	return ""
}

// signUp makes n accounts.
func (l *load) signUp(n int) error {
	for i := range n {
		u := &vuser{email: fmt.Sprintf("load%d@example.com", i)}
		code, h, raw, err := l.do("POST", "/api/signup", fmt.Sprintf(`{"email":%q,"password":%q,"display_name":"Load %d"}`, u.email, loadPassword, i), "")
		if err != nil || code != 201 {
			return fmt.Errorf("signup %s: %d %v %s", u.email, code, err, raw)
		}
		var body struct{ ID int64 }
		json.Unmarshal(raw, &body)
		u.id, u.cookie = body.ID, sessionOf(h)
		l.users = append(l.users, u)
	}
	return nil
}

func (l *load) add(r result) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.results = append(l.results, r)
}

// run drives each user from its own goroutine for d (or until max requests
// in all), a request every pace, and returns what happened.
func (l *load) run(d time.Duration, max int, pace time.Duration) []result {
	l.mu.Lock()
	l.results, l.stale, l.maxStale = nil, 0, 0
	l.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var wg sync.WaitGroup
	var sent sync.Mutex
	count := 0
	for i, u := range l.users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(i), uint64(time.Now().UnixNano())))
			for ctx.Err() == nil {
				sent.Lock()
				count++
				over := count > max
				sent.Unlock()
				if over {
					return
				}
				switch p := rng.IntN(100); {
				case p < 60:
					l.read(l.users[rng.IntN(len(l.users))].id)
				case p < 97:
					l.write(u)
				default:
					l.login(u)
				}
				time.Sleep(pace)
			}
		}()
	}
	wg.Wait()
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.results
}

func (l *load) read(id int64) {
	start := time.Now()
	code, h, raw, _ := l.do("GET", "/api/users/"+strconv.FormatInt(id, 10), "", "")
	l.add(result{op: opRead, status: code, latency: time.Since(start), retry: h.Get("Retry-After") != ""})
	if code != 200 {
		return
	}
	var p struct{ Bio string }
	json.Unmarshal(raw, &p)
	seq, _ := strconv.Atoi(strings.TrimPrefix(p.Bio, "seq:"))
	if st := l.ledger.staleness(id, seq, start); st > 0 {
		l.mu.Lock()
		if st > l.bound {
			l.stale++
		}
		l.maxStale = max(l.maxStale, st)
		l.mu.Unlock()
	}
}

func (l *load) write(u *vuser) {
	u.seq++
	start := time.Now()
	code, h, _, _ := l.do("PUT", "/api/me", fmt.Sprintf(`{"bio":"seq:%d"}`, u.seq), u.cookie)
	l.add(result{op: opWrite, status: code, latency: time.Since(start), retry: h.Get("Retry-After") != ""})
	switch code {
	case 200:
		l.ledger.record(u.id, u.seq, time.Now())
	case 401: // the session was lost with a cache node: log in again
		l.login(u)
	}
}

func (l *load) login(u *vuser) {
	start := time.Now()
	code, h, _, _ := l.do("POST", "/api/login", fmt.Sprintf(`{"email":%q,"password":%q}`, u.email, loadPassword), "")
	l.add(result{op: opLogin, status: code, latency: time.Since(start), retry: h.Get("Retry-After") != ""})
	if c := sessionOf(h); code == 200 && c != "" {
		u.cookie = c
	}
}

// staleReads reports the reads stale beyond the bound, and the worst staleness, of the last run.
func (l *load) staleReads() (int, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.stale, l.maxStale
}

func percentile(rs []result, p float64) time.Duration {
	if len(rs) == 0 {
		return 0
	}
	ls := make([]time.Duration, len(rs))
	for i, r := range rs {
		ls[i] = r.latency
	}
	sort.Slice(ls, func(i, j int) bool { return ls[i] < ls[j] })
	return ls[min(len(ls)-1, int(float64(len(ls))*p))]
}
