package http_test

import (
	"net/http"
	"testing"

	"github.com/scalezero/scalezero/app/config"
)

// With writes paused (a planned switchover), every write answers 503 with
// Retry-After before it reaches the database; logins and health go on.
func TestPausedWritesAnswer503AndWriteNothing(t *testing.T) {
	s := newSite(t, func(c *config.Config) { c.WritesPaused = true })
	c := s.client()
	const signup = `{"email":"ada@example.com","password":"correct horse 1","display_name":"Ada"}`
	code, body, h := c.send("POST", "/api/signup", "application/json", signup)
	if code != http.StatusServiceUnavailable || h.Get("Retry-After") != "30" {
		t.Fatalf("signup while paused: %d %v, Retry-After %q; want 503 with Retry-After 30", code, body, h.Get("Retry-After"))
	}
	for _, w := range []struct{ method, path string }{{"PUT", "/api/me"}, {"PUT", "/api/users/1"}, {"POST", "/api/me/avatar"}} {
		if code, _, _ := c.send(w.method, w.path, "application/json", `{}`); code != http.StatusServiceUnavailable {
			t.Errorf("%s %s while paused: %d, want 503", w.method, w.path, code)
		}
	}
	// A login reads: no account was written, so it is refused as unknown.
	if code, _ := c.do("POST", "/api/login", `{"email":"ada@example.com","password":"correct horse 1"}`); code != http.StatusUnauthorized {
		t.Fatalf("login while paused: %d, want 401 (the paused signup wrote nothing)", code)
	}
	if code, _ := c.do("GET", "/healthz", ""); code != http.StatusOK {
		t.Fatalf("healthz while paused: %d", code)
	}
}
