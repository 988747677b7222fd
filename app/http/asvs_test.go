package http_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/scalezero/scalezero/app/config"
)

// Error bodies speak of the API, not of the server's code: Go's JSON
// errors named the server's types ("Go struct field signupRequest.email of
// type string"). ASVS 7.4.1.
func TestErrorBodiesNameNoServerInternals(t *testing.T) {
	s := newSite(t, nil)
	c := s.client()
	c.signup("ada@example.com")
	for _, tc := range []struct{ method, path, body, says string }{
		{"POST", "/api/signup", `{"email":5,"password":"correct horse 1","display_name":"X"}`, "email: expected a string, got number"},
		{"POST", "/api/login", `{"email":"a@example.com","password":true}`, "password: expected a string, got bool"},
		{"PUT", "/api/me", `{"bio":["a"]}`, "bio: expected a string, got array"},
		{"PUT", "/api/me", `[1,2]`, "expected a JSON object, got array"},
		{"PUT", "/api/me", `{"bio":"x",}`, "malformed JSON at byte"},
		{"PUT", "/api/me", `{"bio":"x"`, "malformed JSON"},
		{"PUT", "/api/me", `{"role":"admin"}`, `unknown field "role"`},
	} {
		code, body := c.do(tc.method, tc.path, tc.body)
		msg := fmt.Sprint(body["error"])
		if code != http.StatusBadRequest || !strings.Contains(msg, tc.says) {
			t.Errorf("%s %s %s: %d %q, want 400 saying %q", tc.method, tc.path, tc.body, code, msg, tc.says)
		}
		for _, leak := range []string{"Go ", "struct", "Request", "json:", "main.", "http."} {
			if strings.Contains(msg, leak) {
				t.Errorf("%s %s %s: the error %q names the server's code (%q)", tc.method, tc.path, tc.body, msg, leak)
			}
		}
	}
}

// A login tells no one which emails have accounts: an unknown email and a
// wrong password answer alike, and neither sets a cookie. ASVS 2.2.1 / 3.2.
func TestLoginDoesNotTellWhichEmailsHaveAccounts(t *testing.T) {
	s := newSite(t, nil)
	s.client().signup("ada@example.com")
	answer := func(email string) string {
		code, body, hdr := s.client().send("POST", "/api/login", "application/json", `{"email":"`+email+`","password":"wrong password!"}`)
		return fmt.Sprint(code, body["error"], hdr.Values("Set-Cookie"), hdr.Get("Retry-After"))
	}
	known, unknown := answer("ada@example.com"), answer("nobody@example.com")
	if known != unknown || !strings.HasPrefix(known, "401") {
		t.Errorf("a wrong password answers %q, an unknown email %q: they must not differ", known, unknown)
	}
}

// Logging out ends the session on the server: the token, replayed, is
// refused; and a session ends when its lifetime does. ASVS 3.3.1, 3.3.2.
func TestLogoutAndExpiryEndTheSessionOnTheServer(t *testing.T) {
	s := newSite(t, func(c *config.Config) { c.SessionTTL = time.Second })
	c := s.client()
	c.signup("ada@example.com")
	token := c.cookie("sz_session")
	replay := func() int {
		code, _, _ := s.client().sendCookie("GET", "/api/me", "sz_session="+token)
		return code
	}
	if code := replay(); code != http.StatusOK {
		t.Fatalf("the session before logout: %d", code)
	}
	if code, _ := c.do("POST", "/api/logout", ""); code != http.StatusNoContent {
		t.Fatalf("logout: %d", code)
	}
	if code := replay(); code != http.StatusUnauthorized {
		t.Errorf("the token after logout: %d, want 401", code)
	}
	c.do("POST", "/api/login", `{"email":"ada@example.com","password":"correct horse 1"}`)
	token = c.cookie("sz_session")
	time.Sleep(1500 * time.Millisecond)
	if code := replay(); code != http.StatusUnauthorized {
		t.Errorf("the token after its lifetime: %d, want 401", code)
	}
}

// Reads of ids no user has are answered from the cache for a few seconds
// (each reached the database before: a scan of ids was a scan of the
// database), and a user who signs up after their id was read is seen at
// once by others.
func TestUnknownProfileIdsAreCachedBriefly(t *testing.T) {
	s := newSite(t, nil)
	first := s.client()
	id := int(first.signup("ada@example.com"))
	// Reads go to the replica (the primary also serves the cache's sweep,
	// every second, so it is not counted).
	queries := func() float64 { return testutil.ToFloat64(s.svc.Metrics.Queries.WithLabelValues("replica")) }
	anon := s.client()
	next := fmt.Sprintf("/api/users/%d", id+1)
	before := queries()
	for range 20 {
		if code, _ := anon.do("GET", next, ""); code != http.StatusNotFound {
			t.Fatalf("an unknown id: %d", code)
		}
	}
	if n := queries() - before; n > 1 {
		t.Errorf("20 reads of one unknown id made %v replica queries, want 1 (the first miss)", n)
	}
	if got := int(s.client().signup("bob@example.com")); got != id+1 {
		t.Fatalf("the next user has id %d, want %d", got, id+1)
	}
	if code, p := anon.do("GET", next, ""); code != http.StatusOK || p["display_name"] != "Ada" {
		t.Errorf("the new user, read by another right after signup: %d %v, want 200", code, p)
	}
}

// No API answer may be kept by a browser or a shared cache: a session's
// own data, or a 404 for an id that may exist a moment later. ASVS 8.2.1.
func TestAPIAnswersAreNotStored(t *testing.T) {
	s := newSite(t, nil)
	c := s.client()
	id := int(c.signup("ada@example.com"))
	for _, path := range []string{"/api/me", fmt.Sprintf("/api/users/%d", id), "/api/users/99999999", "/api/users/abc", "/no/such/route", "/readyz", "/"} {
		_, _, hdr := c.send("GET", path, "", "")
		if got := hdr.Get("Cache-Control"); got != "no-store" {
			t.Errorf("GET %s: Cache-Control %q, want no-store", path, got)
		}
	}
}

// Hostile input on every route answers 4xx, never 5xx (a 5xx is a bug).
func TestHostileInputNeverAnswers5xx(t *testing.T) {
	s := jobSite(t, nil)
	c := s.client()
	id := int(c.signup("ada@example.com"))
	long := strings.Repeat("a", 3000)
	cases := []struct{ method, path, ctype, body string }{
		{"GET", "/api/users/9223372036854775807", "", ""},
		{"GET", "/api/users/9223372036854775808", "", ""},
		{"GET", "/api/users/0", "", ""},
		{"GET", "/api/users/1%2F2", "", ""},
		{"GET", "/api/users/%00", "", ""},
		{"PUT", fmt.Sprintf("/api/users/%d", id), "application/json", `{"bio":"` + strings.Repeat("\u00e9", 500) + `"}`},
		{"PUT", "/api/users/9223372036854775807", "application/json", `{"bio":"x"}`},
		{"PUT", "/api/me", "application/json", `{"display_name":"` + strings.Repeat("\U0001F600", 64) + `"}`},
		{"PUT", "/api/me", "application/json", `{"display_name":"\ud800"}`},
		{"PUT", "/api/me", "application/json", `{"display_name":null,"bio":null}`},
		{"PUT", "/api/me", "application/json", `null`},
		{"PUT", "/api/me", "application/json", `"x"`},
		{"POST", "/api/signup", "application/json", `{"email":"` + long + `@example.com","password":"correct horse 1","display_name":"X"}`},
		{"POST", "/api/signup", "application/json", `{"email":"ａｄａ@example.com","password":"` + strings.Repeat("p", 128) + `","display_name":"X"}`},
		{"POST", "/api/signup", "application/json", `{"email":"ADA@EXAMPLE.COM","password":"correct horse 1","display_name":"X"}`},
		{"POST", "/api/login", "application/json", `{"email":"` + long + `","password":"` + long + `"}`},
		{"POST", "/api/login", "application/json", `{"email":"","password":""}`},
		{"POST", "/api/me/avatar", "image/png", "\x89PNG\r\n\x1a\n"},
		{"POST", "/api/me/avatar", "image/gif", "GIF89a\xff\xff\xff\xff"},
		{"POST", "/api/me/avatar", "image/jpeg", "\xff\xd8\xff\xc0\x00\x11\x08\xff\xff\xff\xff\x03"},
		{"GET", "/api/jobs/" + long, "", ""},
		{"GET", "/api/jobs/{00000000-0000-0000-0000-000000000000}", "", ""},
		{"GET", "/static/" + long, "", ""},
		{"GET", "/static/%00", "", ""},
		{"PROPFIND", "/api/me", "", ""},
	}
	for _, tc := range cases {
		code, body, _ := c.send(tc.method, tc.path, tc.ctype, tc.body)
		if code >= 500 || code < 400 && code != http.StatusOK && code != http.StatusCreated {
			t.Errorf("%s %.60s %.40q: %d %v, want 4xx", tc.method, tc.path, tc.body, code, body)
		}
	}
}
