package http_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/scalezero/scalezero/app/config"
	"github.com/scalezero/scalezero/app/internal/testenv"
)

// jobSite is a site with phase 8's job tier on the SQS/S3 emulator.
func jobSite(t *testing.T, tune func(*config.Config)) *site {
	t.Helper()
	tier := testenv.AWS(t, 3, 30)
	for k, v := range testenv.AWSCredentials {
		t.Setenv(k, v)
	}
	return newSite(t, func(c *config.Config) {
		c.QueueURL, c.JobsBucket, c.AWSEndpoint = tier.QueueURL, tier.Bucket, tier.Endpoint
		c.MaxUploadBytes = 4 << 20
		if tune != nil {
			tune(c)
		}
	})
}

// Job ids that are not UUIDs are 404 without reaching the database: one
// with a NUL byte, which PostgreSQL refuses in text, was a 500.
func TestJobLookupsOfInvalidIdsAre404(t *testing.T) {
	s := jobSite(t, nil)
	c := s.client()
	c.signup("ada@example.com")
	for _, id := range []string{"not-a-uuid", "%00", "%C0%80", strings.Repeat("a", 4000), "00000000-0000-0000-0000-000000000000", "..%2f..%2fetc"} {
		for _, suffix := range []string{"", "/output"} {
			code, body := c.do("GET", "/api/jobs/"+id+suffix, "")
			if code != http.StatusNotFound || body["error"] != "no such job" {
				t.Errorf("GET /api/jobs/%.30s%s: %d %v, want 404 no such job", id, suffix, code, body)
			}
		}
	}
}

// Job lookups read the primary: each user has a budget of them, answered
// 429 with Retry-After past it, and another user's is untouched.
func TestJobLookupsAreLimitedPerUser(t *testing.T) {
	s := jobSite(t, func(c *config.Config) { c.JobLookups, c.JobLookupWindow = 5, time.Minute })
	greedy, other := s.client(), s.client()
	greedy.signup("greedy@example.com")
	other.signup("other@example.com")
	var codes []int
	for range 6 {
		code, _, hdr := greedy.send("GET", "/api/jobs/"+"5f2b0f8e-8a0e-4a4e-9a59-1b0c4e1f3a11", "", "")
		codes = append(codes, code)
		if code == http.StatusTooManyRequests && hdr.Get("Retry-After") == "" {
			t.Error("429 without Retry-After")
		}
	}
	if fmt.Sprint(codes) != "[404 404 404 404 404 429]" {
		t.Errorf("six lookups within a budget of five: %v, want five 404 then 429", codes)
	}
	if code, _ := other.do("GET", "/api/jobs/5f2b0f8e-8a0e-4a4e-9a59-1b0c4e1f3a11", ""); code != http.StatusNotFound {
		t.Errorf("another user's lookup: %d, want 404", code)
	}
}

// Made-up HTTP methods are one "other" label value: 500 of them, each 1 KB
// long, add no series to /metrics (they grew it by their length before).
func TestMadeUpMethodsDoNotGrowTheMetrics(t *testing.T) {
	s := newSite(t, nil)
	send := func(method, path string) {
		req, err := http.NewRequest(method, s.srv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	// One of each so that every series the flood could touch exists before.
	for _, path := range []string{"/api/users/1", "/no/such/route"} {
		send("BREW", path)
	}
	series := func() int { return strings.Count(s.metrics(), "\nscalezero_http_requests_total{") }
	before, size := series(), len(s.metrics())
	for i := range 500 {
		path := []string{"/api/users/1", "/no/such/route", fmt.Sprintf("/raw/path/%d", i)}[i%3]
		send(fmt.Sprintf("M%d%s", i, strings.Repeat("X", 1024)), path)
	}
	text := s.metrics()
	if after := series(); after != before {
		t.Errorf("request counter series: %d before, %d after 500 made-up methods", before, after)
	}
	if strings.Contains(text, "XXXX") || strings.Contains(text, "/raw/path/") {
		t.Error("/metrics holds a made-up method or a raw path")
	}
	if !strings.Contains(text, `method="other"`) {
		t.Error(`made-up methods are not counted as method="other"`)
	}
	if len(text) > size+2048 {
		t.Errorf("/metrics grew from %d to %d bytes", size, len(text))
	}
}

// /metrics is not on the public listener (the one the load balancer
// forwards to): it says what the site does to anyone who asks.
func TestMetricsAreNotOnThePublicListener(t *testing.T) {
	s := newSite(t, nil)
	for _, method := range []string{"GET", "HEAD"} {
		req, _ := http.NewRequest(method, s.srv.URL+"/metrics", nil)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("%s /metrics on the public listener: %d, want 404", method, res.StatusCode)
		}
	}
	if !strings.Contains(s.metrics(), "scalezero_http_requests_total") {
		t.Error("the metrics listener lacks the request counter")
	}
}

// deviceCookie is the known-device cookie a login's answer set.
func deviceCookie(t *testing.T, h http.Header) string {
	t.Helper()
	for _, c := range (&http.Response{Header: h}).Cookies() {
		if c.Name == "sz_device" {
			return c.Name + "=" + c.Value
		}
	}
	t.Fatal("no known-device cookie")
	return ""
}

// An attacker guessing from many addresses does not lock the owner out
// (ASVS 2.2.1): each address has its own few failures on the account, a
// browser the owner logged in from before is counted apart, and a fresh
// address of the owner's logs in while the account's unknown clients have
// failed less than their shared budget. Past that budget only unknown
// clients are refused; the owner's known device still logs in, and a
// known device of another account does not help the attacker.
func TestAnAttackerDoesNotLockTheOwnerOut(t *testing.T) {
	s := newSite(t, func(c *config.Config) {
		c.LoginAccountFailures, c.LoginAccountWindow = 3, time.Minute
		c.LoginUntrustedFailures, c.LoginUntrustedWindow = 12, time.Minute
		c.LoginAddressAttempts, c.LoginAddressWindow = 100, time.Minute
		c.ProxyHops = 1
	})
	s.client().signup("ada@example.com")
	s.client().signup("eve@example.com")
	base := s.srv.URL
	code, hdr := loginFrom(t, base, "192.0.2.1", "ada@example.com", "correct horse 1", "")
	if code != 200 {
		t.Fatalf("the owner's first login: %d", code)
	}
	known := deviceCookie(t, hdr)
	_, hdr = loginFrom(t, base, "192.0.2.66", "eve@example.com", "correct horse 1", "")
	eves := deviceCookie(t, hdr)
	guess := func(from string) int {
		code, _ := loginFrom(t, base, from, "ada@example.com", "wrong password!", eves)
		return code
	}
	// Four guesses from each of three addresses: the fourth of each is
	// refused (3 per address), 9 failures in all.
	for i := range 3 {
		from := fmt.Sprintf("198.51.100.%d", i)
		var codes []int
		for range 4 {
			codes = append(codes, guess(from))
		}
		if fmt.Sprint(codes) != "[401 401 401 429]" {
			t.Fatalf("guesses from %s: %v, want three 401 then 429", from, codes)
		}
	}
	for _, c := range []struct{ name, from, cookie string }{
		{"from the known device, at an address of the attacker's", "198.51.100.0", known},
		{"from a fresh address", "203.0.113.50", ""},
	} {
		if code, _ := loginFrom(t, base, c.from, "ada@example.com", "correct horse 1", c.cookie); code != 200 {
			t.Errorf("the owner %s after 9 failures: %d, want 200", c.name, code)
		}
	}
	// Three more addresses spend the unknown clients' budget (12).
	for i := 3; i < 6; i++ {
		for range 3 {
			guess(fmt.Sprintf("198.51.100.%d", i))
		}
	}
	if code := guess("198.51.100.200"); code != http.StatusTooManyRequests {
		t.Errorf("a guess past the unknown clients' budget: %d, want 429", code)
	}
	if code, _ := loginFrom(t, base, "203.0.113.51", "ada@example.com", "correct horse 1", ""); code != http.StatusTooManyRequests {
		t.Errorf("an unknown client past the budget: %d, want 429", code)
	}
	if code, _ := loginFrom(t, base, "198.51.100.3", "ada@example.com", "correct horse 1", known); code != 200 {
		t.Errorf("the owner's known device past the unknown clients' budget: %d, want 200", code)
	}
	// A tampered device cookie is an unknown client's.
	if code, _ := loginFrom(t, base, "203.0.113.52", "ada@example.com", "correct horse 1", known+"x"); code != http.StatusTooManyRequests {
		t.Errorf("a tampered device cookie: %d, want 429", code)
	}
}

func (c *client) upload(body []byte) (int, map[string]any, http.Header) {
	c.t.Helper()
	return c.send("POST", "/api/me/avatar", "image/png", string(body))
}

// The report's hostile upload (a 16-bit interlaced PNG of 311 KB just under
// the pixel cap, which took a worker 660 MB) is refused from its header.
func TestAnUploadThatWouldTakeTooMuchMemoryIsRefused(t *testing.T) {
	s := jobSite(t, nil)
	c := s.client()
	c.signup("ada@example.com")
	code, body, _ := c.upload(testenv.PNG(6320, 6320, 16, true))
	if msg, _ := body["error"].(string); code != http.StatusBadRequest || !strings.Contains(msg, "MiB to decode") {
		t.Fatalf("the hostile PNG: %d %v, want 400 naming what it takes to decode", code, body)
	}
	if code, body, _ := c.upload(testenv.PNG(64, 64, 16, true)); code != http.StatusAccepted {
		t.Fatalf("a small 16-bit interlaced PNG: %d %v, want 202", code, body)
	}
}

// Uploads are limited per user, by rate and by the number of jobs not yet
// ended (100 from one account in 5 s were all accepted, each leaving a row
// and objects); another user's are not touched.
func TestUploadsAreLimitedPerUser(t *testing.T) {
	t.Run("rate", func(t *testing.T) {
		s := jobSite(t, func(c *config.Config) { c.Uploads, c.UploadWindow, c.MaxPendingJobs = 3, time.Minute, 100 })
		c, other := s.client(), s.client()
		c.signup("ada@example.com")
		other.signup("bob@example.com")
		var codes []int
		for range 4 {
			code, _, hdr := c.upload(testenv.PNG(8, 8, 8, false))
			codes = append(codes, code)
			if code == http.StatusTooManyRequests && hdr.Get("Retry-After") == "" {
				t.Error("429 without Retry-After")
			}
		}
		if fmt.Sprint(codes) != "[202 202 202 429]" {
			t.Errorf("four uploads within a rate of three: %v", codes)
		}
		if code, body, _ := other.upload(testenv.PNG(8, 8, 8, false)); code != http.StatusAccepted {
			t.Errorf("another user's upload: %d %v", code, body)
		}
	})
	t.Run("pending", func(t *testing.T) {
		s := jobSite(t, func(c *config.Config) { c.MaxPendingJobs = 2 })
		c := s.client()
		c.signup("ada@example.com")
		var codes []int
		var last map[string]any
		for range 3 {
			code, body, _ := c.upload(testenv.PNG(8, 8, 8, false))
			codes, last = append(codes, code), body
		}
		if msg, _ := last["error"].(string); fmt.Sprint(codes) != "[202 202 429]" || !strings.Contains(msg, "at most 2 at once") {
			t.Errorf("three uploads with two jobs allowed to wait (no worker runs): %v %v", codes, last)
		}
	})
}

// A job whose output the bucket's lifecycle expired before the sweep
// deleted its row is 404, not a 500.
func TestAnExpiredOutputIs404(t *testing.T) {
	s := jobSite(t, nil)
	c := s.client()
	c.signup("ada@example.com")
	code, body, _ := c.upload(testenv.PNG(8, 8, 8, false))
	if code != http.StatusAccepted {
		t.Fatalf("upload: %d %v", code, body)
	}
	id := body["id"].(string)
	conn := testenv.Conn(t, s.svc.Config.DatabaseURL)
	if _, err := conn.Exec(t.Context(), `UPDATE jobs SET state = 'done', output_key = 'jobs/' || id || '/output' WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	if code, body := c.do("GET", "/api/jobs/"+id+"/output", ""); code != http.StatusNotFound || body["error"] != "the job's output has expired" {
		t.Errorf("an expired output: %d %v, want 404", code, body)
	}
}
