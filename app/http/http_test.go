package http_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/scalezero/scalezero/app/config"
	"github.com/scalezero/scalezero/app/internal/testenv"
	"github.com/scalezero/scalezero/app/password"
	"github.com/scalezero/scalezero/app/service"
)

var fastHash = password.Params{Memory: 1024, Time: 1, Threads: 1}

type site struct {
	t          testing.TB
	svc        *service.Service
	srv        *httptest.Server
	metricsURL string
}

type client struct {
	t    testing.TB
	base string
	http *http.Client
}

func newSite(t *testing.T, tune func(*config.Config)) *site { return newSiteTB(t, tune) }

func newSiteTB(t testing.TB, tune func(*config.Config)) *site {
	t.Helper()
	writer, replica := testenv.Database(t)
	cfg := config.Config{
		DatabaseURL: writer, ReaderURLs: []string{replica}, MaxConns: 5, HealthInterval: 200 * time.Millisecond,
		ReadYourWrites: 5 * time.Second, CacheAddr: testenv.StartRedis(t).Addr, CacheTTL: time.Minute, CacheJitter: 0.1,
		SessionTTL: time.Hour, CookieSecure: "auto", MaxBodyBytes: 4096, ShutdownTimeout: time.Second,
	}
	if tune != nil {
		tune(&cfg)
	}
	svc, err := service.Build(context.Background(), cfg, service.Logger("error"), fastHash, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Close)
	srv := httptest.NewServer(svc.HTTP)
	t.Cleanup(srv.Close)
	return &site{t: t, svc: svc, srv: srv}
}

// metrics scrapes the site's /metrics, served on a listener of its own.
func (s *site) metrics() string {
	s.t.Helper()
	if s.metricsURL == "" {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			s.t.Fatal(err)
		}
		s.t.Cleanup(s.svc.ServeMetrics(ln))
		s.metricsURL = "http://" + ln.Addr().String()
	}
	res, err := http.Get(s.metricsURL + "/metrics")
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		s.t.Fatalf("/metrics: %d %s", res.StatusCode, raw)
	}
	return string(raw)
}

func (s *site) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: s.t, base: s.srv.URL, http: &http.Client{Jar: jar}}
}

// do sends a request (a body as JSON) and decodes a JSON answer into a map.
func (c *client) do(method, path, body string) (int, map[string]any) {
	c.t.Helper()
	code, out, _ := c.send(method, path, "application/json", body)
	return code, out
}

// send is do with a given Content-Type, returning the answer's headers too.
func (c *client) send(method, path, contentType, body string) (int, map[string]any, http.Header) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := map[string]any{}
	if len(raw) > 0 && strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(raw, &out); err != nil {
			c.t.Fatalf("%s %s: %v: %s", method, path, err, raw)
		}
	}
	return res.StatusCode, out, res.Header
}

func (c *client) cookie(name string) string {
	u, _ := url.Parse(c.base)
	for _, ck := range c.http.Jar.Cookies(u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

func (c *client) signup(email string) float64 {
	c.t.Helper()
	code, body := c.do("POST", "/api/signup", fmt.Sprintf(`{"email":%q,"password":"correct horse 1","display_name":"Ada"}`, email))
	if code != http.StatusCreated {
		c.t.Fatalf("signup %s: %d %v", email, code, body)
	}
	return body["id"].(float64)
}

func TestSignupLoginProfileLogout(t *testing.T) {
	s := newSite(t, nil)
	c := s.client()
	id := c.signup("ada@example.com")
	if code, me := c.do("GET", "/api/me", ""); code != 200 || me["email"] != "ada@example.com" || me["password_hash"] != nil {
		t.Fatalf("me: %d %v", code, me)
	}
	code, upd := c.do("PUT", "/api/me", `{"display_name":"  Ada L. ","bio":"Analyst"}`)
	if code != 200 || upd["display_name"] != "Ada L." || upd["bio"] != "Analyst" {
		t.Fatalf("update: %d %v", code, upd)
	}
	anon := s.client()
	if code, p := anon.do("GET", fmt.Sprintf("/api/users/%d", int(id)), ""); code != 200 || p["bio"] != "Analyst" || p["email"] != nil {
		t.Fatalf("public profile: %d %v", code, p)
	}
	if code, _ := c.do("POST", "/api/logout", ""); code != http.StatusNoContent {
		t.Fatalf("logout: %d", code)
	}
	if code, _ := c.do("GET", "/api/me", ""); code != http.StatusUnauthorized {
		t.Fatalf("me after logout: %d", code)
	}
	if code, _ := c.do("POST", "/api/login", `{"email":"ADA@example.com","password":"wrong password!"}`); code != http.StatusUnauthorized {
		t.Fatalf("wrong password: %d", code)
	}
	if code, _ := c.do("POST", "/api/login", `{"email":"ADA@example.com","password":"correct horse 1"}`); code != 200 {
		t.Fatalf("login: %d", code)
	}
	// Logging in again replaces the session: the old token stops working.
	first := c.cookie("sz_session")
	if code, _ := c.do("POST", "/api/login", `{"email":"ada@example.com","password":"correct horse 1"}`); code != 200 || c.cookie("sz_session") == first {
		t.Fatalf("second login: %d", code)
	}
	stale := s.client()
	stale.http.Jar.SetCookies(mustURL(t, s.srv.URL), []*http.Cookie{{Name: "sz_session", Value: first, Path: "/"}})
	if code, _ := stale.do("GET", "/api/me", ""); code != http.StatusUnauthorized {
		t.Fatalf("the replaced session still works: %d", code)
	}
	if code, me := c.do("GET", "/api/me", ""); code != 200 || me["bio"] != "Analyst" {
		t.Fatalf("me after login: %d %v", code, me)
	}
}

func TestBadRequestsGet4xxAndChangeNothing(t *testing.T) {
	s := newSite(t, nil)
	owner, other := s.client(), s.client()
	ownerID := owner.signup("ada@example.com")
	other.signup("bob@example.com")
	path := fmt.Sprintf("/api/users/%d", int(ownerID))
	cases := []struct {
		c      *client
		method string
		path   string
		body   string
		status int
	}{
		{owner, "POST", "/api/signup", `{"email":`, 400},
		{owner, "POST", "/api/signup", `{"email":"x@example.com","password":"correct horse 1","display_name":"X","admin":true}`, 400},
		{owner, "POST", "/api/signup", `{"email":"not an email","password":"correct horse 1","display_name":"X"}`, 400},
		{owner, "POST", "/api/signup", `{"email":"x@example.com","password":"short","display_name":"X"}`, 400},
		{owner, "POST", "/api/signup", `{"email":"ada@example.com","password":"correct horse 1","display_name":"X"}`, 409},
		{owner, "POST", "/api/signup", ``, 415}, // no body, so no Content-Type: not JSON
		{owner, "POST", "/api/signup", `{"email":"y@example.com","password":"correct horse 1","display_name":"Y"} {}`, 400},
		{owner, "PUT", "/api/me", `{"bio":"` + strings.Repeat("x", 5000) + `"}`, 413},
		{owner, "PUT", "/api/me", `{"bio":"` + strings.Repeat("x", 501) + `"}`, 400},
		{owner, "PUT", "/api/me", `{"display_name":""}`, 400},
		{owner, "PUT", "/api/me", `{}`, 400},
		{owner, "GET", "/api/users/abc", ``, 400},
		{owner, "GET", "/api/users/-4", ``, 400},
		{owner, "GET", "/api/users/99999999", ``, 404},
		{other, "PUT", path, `{"bio":"defaced"}`, 403},
		{s.client(), "PUT", "/api/me", `{"bio":"anonymous"}`, 401},
		{owner, "GET", "/no/such/route", ``, 404},
		{owner, "DELETE", "/api/me", ``, 405},
	}
	for _, tc := range cases {
		code, body := tc.c.do(tc.method, tc.path, tc.body)
		if code != tc.status {
			t.Errorf("%s %s %.40q: %d, want %d (%v)", tc.method, tc.path, tc.body, code, tc.status, body)
		}
		if body["error"] == nil || body["request_id"] == nil {
			t.Errorf("%s %s: error body %v lacks error and request_id", tc.method, tc.path, body)
		}
	}
	// Nothing changed.
	if code, p := s.client().do("GET", path, ""); code != 200 || p["bio"] != "" || p["display_name"] != "Ada" {
		t.Fatalf("the profile changed: %v", p)
	}
	if code, _ := owner.do("POST", "/api/login", `{"email":"y@example.com","password":"correct horse 1"}`); code != 401 {
		t.Fatalf("a rejected signup created an account: %d", code)
	}
}

func TestSessionCookieFlags(t *testing.T) {
	s := newSite(t, nil)
	for _, proto := range []string{"", "https"} {
		req, _ := http.NewRequest("POST", s.srv.URL+"/api/signup", strings.NewReader(`{"email":"`+proto+`c@example.com","password":"correct horse 1","display_name":"C"}`))
		req.Header.Set("Content-Type", "application/json")
		if proto != "" {
			req.Header.Set("X-Forwarded-Proto", proto)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		var session *http.Cookie
		for _, c := range res.Cookies() {
			if c.Name == "sz_session" {
				session = c
			}
		}
		if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Secure != (proto == "https") {
			t.Fatalf("behind %q: cookie %+v", proto, session)
		}
	}
}

func TestOwnReadsGoToThePrimaryAfterAWrite(t *testing.T) {
	s := newSite(t, func(c *config.Config) { c.ReadYourWrites = time.Hour })
	c := s.client()
	c.signup("ada@example.com")
	m := s.svc.Metrics
	before := testutil.ToFloat64(m.Queries.WithLabelValues("replica"))
	for i := 0; i < 5; i++ {
		if code, _ := c.do("GET", "/api/me", ""); code != 200 {
			t.Fatal(code)
		}
	}
	if after := testutil.ToFloat64(m.Queries.WithLabelValues("replica")); after != before {
		t.Fatalf("the writer's own reads went to a replica (%v -> %v)", before, after)
	}
	// Someone else's reads use the replica.
	other := s.client()
	other.signup("bob@example.com")
	other.http.Jar.SetCookies(mustURL(t, s.srv.URL), []*http.Cookie{{Name: "sz_ryw", Value: "0", Path: "/"}})
	if code, _ := other.do("GET", "/api/me", ""); code != 200 {
		t.Fatal(code)
	}
	if after := testutil.ToFloat64(m.Queries.WithLabelValues("replica")); after != before+1 {
		t.Fatalf("a read without a recent write did not use the replica (%v -> %v)", before, after)
	}
}

func TestHealthReadinessDrainAndMetrics(t *testing.T) {
	s := newSite(t, nil)
	c := s.client()
	if code, body := c.do("GET", "/healthz", ""); code != 200 || body["status"] != "alive" {
		t.Fatalf("healthz %d %v", code, body)
	}
	if code, body := c.do("GET", "/readyz", ""); code != 200 || body["ready"] != true {
		t.Fatalf("readyz %d %v", code, body)
	}
	c.do("GET", "/api/users/77777", "")
	text := s.metrics()
	for _, want := range []string{
		`scalezero_http_requests_total{method="GET",route="GET /api/users/{id}",status="404"} 1`,
		`scalezero_http_request_duration_seconds_bucket{route="GET /readyz"`,
		`scalezero_cache_requests_total{kind="profile",result="miss"}`,
		`scalezero_db_queries_total{pool=`,
		`scalezero_db_replica_fallbacks_total`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	s.svc.HTTP.Drain()
	if code, body := c.do("GET", "/readyz", ""); code != 503 || body["reason"] != "draining" {
		t.Fatalf("readyz while draining %d %v", code, body)
	}
	if code, _ := c.do("GET", "/healthz", ""); code != 200 {
		t.Fatalf("a draining instance is still alive: %d", code)
	}
}

func TestReadyzFailsWithoutTheDatabase(t *testing.T) {
	s := newSite(t, nil)
	s.svc.DB.Close()
	if code, body := s.client().do("GET", "/readyz", ""); code != 503 || body["reason"] != "database unreachable" {
		t.Fatalf("readyz %d %v", code, body)
	}
}

func TestPageAndHashedAssetsUseTheCDN(t *testing.T) {
	s := newSite(t, func(c *config.Config) { c.CDNBaseURL = "https://d111.cloudfront.net" })
	res, err := http.Get(s.srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	i := strings.Index(string(page), `href="https://d111.cloudfront.net/static/app.`)
	if i < 0 {
		t.Fatalf("the page does not link assets through the CDN:\n%s", page)
	}
	if !strings.Contains(string(page), `<form id="avatar">`) {
		t.Errorf("the page has no avatar upload:\n%s", page)
	}
	href := strings.SplitN(string(page[i+len(`href="https://d111.cloudfront.net`):]), `"`, 2)[0]
	asset, err := http.Get(s.srv.URL + href)
	if err != nil {
		t.Fatal(err)
	}
	asset.Body.Close()
	if asset.StatusCode != 200 || asset.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" || !strings.HasPrefix(asset.Header.Get("Content-Type"), "text/css") {
		t.Fatalf("asset %s: %d %v", href, asset.StatusCode, asset.Header)
	}
	if res, _ := http.Get(s.srv.URL + "/static/app.css"); res.StatusCode != 404 {
		t.Fatalf("an unhashed name is served: %d", res.StatusCode)
	}
}

func TestRequestIDsAreKeptOrMade(t *testing.T) {
	s := newSite(t, nil)
	req, _ := http.NewRequest("GET", s.srv.URL+"/healthz", nil)
	req.Header.Set("X-Request-Id", "trace-1234567890")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.Header.Get("X-Request-Id") != "trace-1234567890" {
		t.Fatalf("id not kept: %q", res.Header.Get("X-Request-Id"))
	}
	req.Header.Set("X-Request-Id", "bad id!")
	res, _ = http.DefaultClient.Do(req)
	res.Body.Close()
	if id := res.Header.Get("X-Request-Id"); len(id) != 16 {
		t.Fatalf("a malformed id was not replaced: %q", id)
	}
}

func mustURL(t *testing.T, raw string) *url.URL {
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// Phase 9: the same API over shards; each user lands on shard id % 2.
func TestShardedSite(t *testing.T) {
	var shards []config.Shard
	for i := 0; i < 2; i++ {
		writer, replica := testenv.Database(t)
		shards = append(shards, config.Shard{ID: i, WriterURL: writer, ReaderURLs: []string{replica}})
	}
	s := newSite(t, func(c *config.Config) { c.Shards = shards })
	seen := map[int]bool{}
	for i := 0; i < 4; i++ {
		c := s.client()
		id := c.signup(fmt.Sprintf("user%d@example.com", i))
		if code, p := c.do("PUT", "/api/me", `{"bio":"sharded"}`); code != 200 || p["bio"] != "sharded" {
			t.Fatalf("update: %d %v", code, p)
		}
		if code, p := s.client().do("GET", fmt.Sprintf("/api/users/%d", int(id)), ""); code != 200 || p["bio"] != "sharded" {
			t.Fatalf("profile: %d %v", code, p)
		}
		shard, err := s.svc.Sharded.ShardOf(context.Background(), int64(id))
		if err != nil || shard != int(id)%2 {
			t.Fatalf("user %v on shard %d (%v)", id, shard, err)
		}
		seen[shard] = true
		if code, _ := s.client().do("POST", "/api/login", fmt.Sprintf(`{"email":"USER%d@example.com","password":"correct horse 1"}`, i)); code != 200 {
			t.Fatalf("login: %d", code)
		}
	}
	if !seen[0] || !seen[1] {
		t.Fatalf("users on shards %v, want both", seen)
	}
}

// newServer serves svc on loopback until the test ends and returns its URL.
func newServer(t *testing.T, svc *service.Service) string {
	srv := httptest.NewServer(svc.HTTP)
	t.Cleanup(srv.Close)
	return srv.URL
}

// sendCookie sends a request with only the given Cookie header (not the
// jar's): a token replayed by someone else.
func (c *client) sendCookie(method, path, cookie string) (int, map[string]any, http.Header) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Cookie", cookie)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	out := map[string]any{}
	json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out, res.Header
}
