package http_test

import (
	"bufio"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/scalezero/scalezero/app/config"
	"github.com/scalezero/scalezero/app/internal/testenv"
	"github.com/scalezero/scalezero/app/password"
	"github.com/scalezero/scalezero/app/service"
)

// behindProxy puts the site's primary behind a proxy the test can cut.
func behindProxy(t *testing.T, c *config.Config) *testenv.Proxy {
	u, err := url.Parse(c.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	p := testenv.StartProxy(t, u.Host)
	u.Host = p.Addr
	c.DatabaseURL = u.String()
	return p
}

// A primary restart must not take the site out: readiness holds (the
// replicas serve reads), reads answer, writes get 503 with Retry-After.
func TestAPrimaryOutageKeepsReadsAndReadiness(t *testing.T) {
	var proxy *testenv.Proxy
	s := newSite(t, func(c *config.Config) { proxy = behindProxy(t, c) })
	c := s.client()
	id := c.signup("ada@example.com")
	testenv.WaitReplica(t, s.svc.Config.ReaderURLs[0])
	for i := 0; i < 100; i++ { // the signup has reached the replica
		if code, _ := s.client().do("GET", fmt.Sprintf("/api/users/%d", int(id)), ""); code == 200 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	proxy.Cut()
	if code, body := c.do("GET", "/readyz", ""); code != 200 || body["ready"] != true {
		t.Errorf("readyz during a primary outage: %d %v, want 200: the replicas still serve", code, body)
	}
	anon := s.client()
	if code, body := anon.do("GET", fmt.Sprintf("/api/users/%d", int(id)), ""); code != 200 || body["display_name"] != "Ada" {
		t.Errorf("a profile read during a primary outage: %d %v", code, body)
	}
	// The writer's own reads (its cookie asks for the primary) fall back to a replica.
	if code, body := c.do("GET", "/api/me", ""); code != 200 || body["email"] != "ada@example.com" {
		t.Errorf("GET /api/me during a primary outage: %d %v", code, body)
	}
	for _, req := range []struct{ method, path, body string }{
		{"PUT", "/api/me", `{"bio":"during the outage"}`},
		{"POST", "/api/signup", `{"email":"bob@example.com","password":"correct horse 1","display_name":"Bob"}`},
	} {
		code, body, hdr := c.send(req.method, req.path, "application/json", req.body)
		if code != http.StatusServiceUnavailable || hdr.Get("Retry-After") == "" {
			t.Errorf("%s %s during a primary outage: %d (Retry-After %q) %v, want 503 with Retry-After", req.method, req.path, code, hdr.Get("Retry-After"), body)
		}
	}
	proxy.Restore()
	for i := 0; ; i++ {
		code, _ := c.do("PUT", "/api/me", `{"bio":"after the outage"}`)
		if code == 200 {
			break
		}
		if i == 100 {
			t.Fatalf("writes did not come back after the primary: %d", code)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Sessions live in a shared store from phase 6 (DynamoDB; a Redis of their
// own on the docker target): with it down a request that needs one is 503
// with Retry-After, not a bug's 500.
func TestSessionStoreDownIs503WithRetryAfter(t *testing.T) {
	t.Run("dynamodb", func(t *testing.T) {
		var store *testenv.Proxy
		s := newSite(t, func(c *config.Config) { store = sharedSessions(t, c, c.CacheAddr) })
		sessionStoreDown(t, s, store.Cut)
	})
	t.Run("redis", func(t *testing.T) {
		var r *testenv.Redis
		s := newSite(t, func(c *config.Config) {
			r = testenv.StartRedis(t, "--maxmemory-policy", "noeviction")
			c.SessionStore, c.SessionRedisAddr = "redis", r.Addr
		})
		sessionStoreDown(t, s, r.Stop)
	})
}

func sessionStoreDown(t *testing.T, s *site, stop func()) {
	c := s.client()
	c.signup("ada@example.com")
	stop()
	for _, req := range []struct{ method, path, body string }{
		{"GET", "/api/me", ""},
		{"PUT", "/api/me", `{"bio":"x"}`},
		{"POST", "/api/login", `{"email":"ada@example.com","password":"correct horse 1"}`},
	} {
		code, body, hdr := c.send(req.method, req.path, "application/json", req.body)
		if code != http.StatusServiceUnavailable || hdr.Get("Retry-After") == "" {
			t.Errorf("%s %s with the session store down: %d (Retry-After %q) %v", req.method, req.path, code, hdr.Get("Retry-After"), body)
		}
	}
}

// Bad input is the client's error: 4xx naming the field, never a 500.
func TestHostileInputIs4xxNamingTheField(t *testing.T) {
	s := newSite(t, nil)
	c := s.client()
	c.signup("ada@example.com")
	cases := []struct {
		method, path, ctype, body string
		status                    int
		says                      string
	}{
		{"PUT", "/api/me", "application/json", `{"bio":"a\u0000b"}`, 400, "bio"},
		{"PUT", "/api/me", "application/json", `{"display_name":"Ada\u0000"}`, 400, "display_name"},
		{"PUT", "/api/me", "application/json", `{"display_name":"Ada\u001b[31m"}`, 400, "display_name"},
		{"PUT", "/api/me", "application/json", `{"display_name":"Bob\u202enimda"}`, 400, "display_name"},
		{"PUT", "/api/me", "application/json", `{"display_name":"x\u2067y"}`, 400, "display_name"},
		{"POST", "/api/signup", "application/json", `{"email":"e\u0000@example.com","password":"correct horse 1","display_name":"E"}`, 400, "email"},
		{"POST", "/api/signup", "application/json", `{"email":"e@example.com","password":"correct horse 1","display_name":"\u202eE"}`, 400, "display_name"},
		{"POST", "/api/login", "application/json", `{"email":"ada\u0000@example.com","password":"correct horse 1"}`, 400, "email"},
		// A form post from another site is not JSON: refused, so it cannot log a browser in.
		{"POST", "/api/login", "text/plain", `{"email":"ada@example.com","password":"correct horse 1"}`, 415, "application/json"},
		{"POST", "/api/signup", "application/x-www-form-urlencoded", `email=x`, 415, "application/json"},
		{"PUT", "/api/me", "text/plain;charset=UTF-8", `{"bio":"csrf"}`, 415, "application/json"},
	}
	for _, tc := range cases {
		code, body, _ := c.send(tc.method, tc.path, tc.ctype, tc.body)
		if code != tc.status || !strings.Contains(fmt.Sprint(body["error"]), tc.says) {
			t.Errorf("%s %s %s %q: %d %v, want %d naming %s", tc.method, tc.path, tc.ctype, tc.body, code, body, tc.status, tc.says)
		}
	}
	// Multiline bios keep their line breaks; JSON with a charset is JSON.
	if code, body, _ := c.send("PUT", "/api/me", "application/json; charset=utf-8", `{"bio":"line 1\nline 2\ttab"}`); code != 200 {
		t.Errorf("a bio with line breaks: %d %v", code, body)
	}
}

// A body over the limit gets 413, whatever its size: the server reads what
// the client sends before closing, so the answer is not lost to a reset.
func TestOverLimitBodiesAlways413(t *testing.T) {
	s := newSite(t, nil)
	c := s.client()
	c.signup("ada@example.com")
	for _, size := range []int{5000, 1 << 20, 8 << 20} {
		for _, chunked := range []bool{false, true} {
			body := `{"bio":"` + strings.Repeat("x", size) + `"}`
			var rd interface{ Read([]byte) (int, error) } = strings.NewReader(body)
			if chunked {
				rd = struct{ *strings.Reader }{strings.NewReader(body)} // no length known: chunked
			}
			req, _ := http.NewRequest("PUT", s.srv.URL+"/api/me", rd)
			req.Header.Set("Content-Type", "application/json")
			res, err := c.http.Do(req)
			if err != nil {
				t.Errorf("%d bytes (chunked %v): %v, want a 413", size, chunked, err)
				continue
			}
			res.Body.Close()
			if res.StatusCode != http.StatusRequestEntityTooLarge {
				t.Errorf("%d bytes (chunked %v): %d, want 413", size, chunked, res.StatusCode)
			}
		}
	}
	// A client that sends the whole request before it reads (as simple
	// clients and many proxies do): a server that closes the connection
	// with the body unread resets it, and the answer is lost.
	for _, size := range []int{1 << 20, 8 << 20} {
		conn, err := net.Dial("tcp", strings.TrimPrefix(s.srv.URL, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		conn.SetDeadline(time.Now().Add(30 * time.Second))
		body := `{"bio":"` + strings.Repeat("x", size) + `"}`
		_, werr := fmt.Fprintf(conn, "PUT /api/me HTTP/1.1\r\nHost: test\r\nCookie: sz_session=%s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", c.cookie("sz_session"), len(body), body)
		res, rerr := http.ReadResponse(bufio.NewReader(conn), nil)
		conn.Close()
		if werr != nil || rerr != nil || res.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("%d bytes sent before reading: write %v, read %v, response %v; want a 413", size, werr, rerr, res)
		}
	}
}

// The read-your-writes cookie sends reads to the primary: only the app may
// issue one, for a bounded time, and a key rotation keeps the cookies
// already out working.
func TestReadYourWritesCookieIsSignedBoundedAndRotates(t *testing.T) {
	oldKey, newKey := []byte(strings.Repeat("o", 32)), []byte(strings.Repeat("n", 32))
	sign := func(key []byte, until time.Time) string {
		u := strconv.FormatInt(until.UnixMilli(), 10)
		h := hmac.New(sha256.New, key)
		h.Write([]byte("sz_ryw|" + u))
		return u + "." + base64.RawURLEncoding.EncodeToString(h.Sum(nil))
	}
	s := newSite(t, func(c *config.Config) {
		c.CookieKeys = [][]byte{newKey, oldKey}
		c.CacheAddr = "" // every read reaches a database, so where it went shows
	})
	c := s.client()
	c.signup("ada@example.com")
	replicaQueries := func() float64 { return testutil.ToFloat64(s.svc.Metrics.Queries.WithLabelValues("replica")) }
	cases := []struct {
		name    string
		value   string
		primary bool
	}{
		{"issued by the app", c.cookie("sz_ryw"), true},
		{"signed with the previous key", sign(oldKey, time.Now().Add(3*time.Second)), true},
		{"unsigned, far in the future", "99999999999999", false},
		{"signed by another key", sign([]byte(strings.Repeat("x", 32)), time.Now().Add(3*time.Second)), false},
		{"signed, but lasting a day", sign(newKey, time.Now().Add(24*time.Hour)), false},
		{"signed, expired", sign(newKey, time.Now().Add(-time.Second)), false},
		{"tampered deadline", strings.Replace(sign(newKey, time.Now().Add(3*time.Second)), "1", "2", 1), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			reader := s.client()
			reader.http.Jar.SetCookies(mustURL(t, s.srv.URL), []*http.Cookie{{Name: "sz_ryw", Value: tc.value, Path: "/"}})
			before := replicaQueries()
			if code, _ := reader.do("GET", "/api/users/1", ""); code != 200 && code != 404 {
				t.Fatalf("read: %d", code)
			}
			if onPrimary := replicaQueries() == before; onPrimary != tc.primary {
				t.Errorf("cookie %q: read on the primary %v, want %v", tc.value, onPrimary, tc.primary)
			}
		})
	}
}

// Logins are throttled per account and client address, and per client
// address, shared by every instance through Redis once sessions are
// (phase 6), with 429 and Retry-After; the attempts refused are never
// hashed, and the owner at another address still logs in.
func TestLoginThrottlesAreSharedByTheFleet(t *testing.T) {
	r := testenv.StartRedis(t)
	tune := func(c *config.Config) {
		sharedSessions(t, c, r.Addr)
		c.LoginAccountFailures, c.LoginAccountWindow = 3, time.Minute
		c.LoginAddressAttempts, c.LoginAddressWindow = 8, time.Minute
		c.ProxyHops = 1
	}
	one := newSite(t, tune)
	cfg := one.svc.Config
	two, err := service.Build(context.Background(), cfg, service.Logger("error"), fastHash, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(two.Close)
	srvTwo := newServer(t, two)
	one.client().signup("ada@example.com")
	login := func(base, from, email, pw string) (int, http.Header) {
		return loginFrom(t, base, from, email, pw, "")
	}
	// Three failures from one address through alternating instances.
	for i, base := range []string{one.srv.URL, srvTwo, one.srv.URL} {
		if code, _ := login(base, "198.51.100.1", "ada@example.com", "wrong password!"); code != 401 {
			t.Fatalf("failure %d: %d", i, code)
		}
	}
	code, hdr := login(srvTwo, "198.51.100.1", "ada@example.com", "correct horse 1")
	if code != http.StatusTooManyRequests || hdr.Get("Retry-After") == "" {
		t.Fatalf("the account from that address after 3 failures, on the other instance: %d Retry-After %q, want 429 with Retry-After", code, hdr.Get("Retry-After"))
	}
	if n := testutil.ToFloat64(two.Metrics.Logins.WithLabelValues("throttled_account")); n != 1 {
		t.Errorf("throttled_account on the second instance: %v", n)
	}
	if code, _ := login(one.srv.URL, "198.51.100.50", "ada@example.com", "correct horse 1"); code != 200 {
		t.Fatalf("the owner from another address: %d, want 200", code)
	}
	// One address may make 8 attempts in the window across the fleet, on
	// any accounts: the 9th is refused.
	var codes []int
	for i := 0; i < 9; i++ {
		base := []string{one.srv.URL, srvTwo}[i%2]
		code, hdr = login(base, "198.51.100.9", fmt.Sprintf("nobody%d@example.com", i), "wrong password!")
		codes = append(codes, code)
	}
	if fmt.Sprint(codes) != "[401 401 401 401 401 401 401 401 429]" || hdr.Get("Retry-After") == "" {
		t.Fatalf("9 attempts from one address: %v (Retry-After %q), want eight 401 then 429 with Retry-After", codes, hdr.Get("Retry-After"))
	}
	// Another address is not affected.
	if code, _ := login(one.srv.URL, "198.51.100.77", "nobody@example.com", "wrong password!"); code != 401 {
		t.Fatalf("another address: %d, want 401", code)
	}
}

// loginFrom logs in as a client at address from behind one proxy, with
// cookie (the known-device one, say) if not empty.
func loginFrom(t *testing.T, base, from, email, pw, cookie string) (int, http.Header) {
	t.Helper()
	req, _ := http.NewRequest("POST", base+"/api/login", strings.NewReader(`{"email":"`+email+`","password":"`+pw+`"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", "203.0.113.9, "+from) // what the client wrote, then what our proxy added
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode, res.Header
}

// Password checks run a bounded number at a time; a login that waits too
// long gets 503 with Retry-After, and one whose client left is dropped
// before it is hashed.
func TestLoginHashingIsBoundedAndDropsClientsThatLeft(t *testing.T) {
	s := newSite(t, func(c *config.Config) {
		c.LoginMaxHashing, c.LoginHashWait = 1, 200*time.Millisecond
		c.LoginAddressAttempts = 1000
	})
	s.client().signup("ada@example.com")
	// Rebuild with real Argon2id cost, so hashing is slow enough to queue.
	svc, err := service.Build(context.Background(), s.svc.Config, service.Logger("error"), password.Default, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Close)
	base := newServer(t, svc)
	var wg sync.WaitGroup
	codes := make(chan int, 40)
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			ctx, cancel := context.WithCancel(context.Background())
			if i%2 == 1 {
				time.AfterFunc(50*time.Millisecond, cancel) // this client gives up while queued
			} else {
				defer cancel()
			}
			req, _ := http.NewRequestWithContext(ctx, "POST", base+"/api/login", strings.NewReader(fmt.Sprintf(`{"email":"u%d@example.com","password":"wrong password!"}`, i)))
			req.Header.Set("Content-Type", "application/json")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				return
			}
			res.Body.Close()
			if res.StatusCode == http.StatusServiceUnavailable && res.Header.Get("Retry-After") == "" {
				t.Errorf("503 without Retry-After")
			}
			codes <- res.StatusCode
		}(i)
	}
	wg.Wait()
	close(codes)
	seen := map[int]int{}
	for c := range codes {
		seen[c]++
	}
	if seen[http.StatusServiceUnavailable] == 0 || seen[http.StatusUnauthorized] == 0 {
		t.Errorf("answers %v: want some 401 (hashed) and some 503 (no hashing slot in time)", seen)
	}
	// The server notices a client left when its connection closes: 499 in the metrics.
	gone := func() float64 {
		return testutil.ToFloat64(svc.Metrics.Requests.WithLabelValues("POST /api/login", "POST", "499"))
	}
	deadline := time.Now().Add(10 * time.Second)
	for gone() == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if gone() == 0 {
		t.Errorf("no login was dropped for a client that left")
	}
	if n := testutil.ToFloat64(svc.Metrics.Requests.WithLabelValues("POST /api/login", "POST", "500")); n > 0 {
		t.Errorf("%v logins answered 500", n)
	}
}
