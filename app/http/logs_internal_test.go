package http

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/scalezero/scalezero/app"
	"github.com/scalezero/scalezero/app/password"
)

// profiles answers user 1, knows no user 2, and fails for user 3 (a bug: 500).
type profiles struct{}

func (profiles) Profile(_ context.Context, id int64) (app.Profile, error) {
	switch id {
	case 1:
		return app.Profile{ID: 1, DisplayName: "One"}, nil
	case 2:
		return app.Profile{}, app.ErrNotFound
	}
	return app.Profile{}, errors.New("broken")
}

func (profiles) Updated(context.Context, app.Profile) {}

// requestLines serves each path once on a server built with rate and slow,
// and returns the "request" lines logged.
func requestLines(t *testing.T, rate float64, slow time.Duration, paths ...string) []map[string]any {
	t.Helper()
	var out bytes.Buffer
	s, err := New(Options{Profiles: profiles{}, Logger: slog.New(slog.NewJSONHandler(&out, nil)),
		PasswordParams: password.Params{Memory: 1024, Time: 1, Threads: 1}, LogSampleRate: rate, LogSlow: slow})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		s.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", p, nil))
	}
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var line map[string]any
		if json.Unmarshal([]byte(l), &line) == nil && line["msg"] == "request" {
			lines = append(lines, line)
		}
	}
	return lines
}

// byPath indexes lines by their path.
func byPath(lines []map[string]any) map[string]map[string]any {
	m := map[string]map[string]any{}
	for _, l := range lines {
		m[l["path"].(string)] = l
	}
	return m
}

// Every 5xx is logged (level error), whatever the sampling; a 2xx or 4xx
// sampled out is not; with every request sampled, each is (level info).
func TestRequestLogsKeepErrorsAndSampleTheRest(t *testing.T) {
	for _, c := range []struct {
		name   string
		rate   float64
		logged map[string]string // path -> level; absent: not logged
	}{
		{"none sampled", 0, map[string]string{"/api/users/3": "ERROR"}},
		{"all sampled", 1, map[string]string{"/api/users/1": "INFO", "/api/users/2": "INFO", "/api/users/3": "ERROR"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			lines := byPath(requestLines(t, c.rate, 0, "/api/users/1", "/api/users/2", "/api/users/3"))
			for _, p := range []string{"/api/users/1", "/api/users/2", "/api/users/3"} {
				line, logged := lines[p]
				want, should := c.logged[p]
				switch {
				case logged != should:
					t.Errorf("GET %s logged %v, want %v (lines %v)", p, logged, should, lines)
				case logged && line["level"] != want:
					t.Errorf("GET %s logged at %v, want %s", p, line["level"], want)
				}
			}
			if l, ok := lines["/api/users/3"]; ok && (l["status"] != float64(500) || l["route"] != "GET /api/users/{id}" || l["request_id"] == "") {
				t.Errorf("the 5xx's line lacks its status, route or id: %v", l)
			}
		})
	}
}

// A request at least LogSlow long is logged (level warn) though sampled out;
// with LogSlow 0 none counts as slow.
func TestSlowRequestsAreLogged(t *testing.T) {
	if lines := requestLines(t, 0, time.Nanosecond, "/api/users/1"); len(lines) != 1 || lines[0]["level"] != "WARN" {
		t.Errorf("a slow request's line: %v, want one at WARN", lines)
	}
	if lines := requestLines(t, 0, 0, "/api/users/1"); len(lines) != 0 {
		t.Errorf("LogSlow 0 logged %v", lines)
	}
}

// About rate of the ordinary requests are logged: a sample, not all, not none.
func TestRequestLogSampleRate(t *testing.T) {
	paths := make([]string, 2000)
	for i := range paths {
		paths[i] = "/api/users/1"
	}
	n := len(requestLines(t, 0.1, 0, paths...))
	// 2000 draws at 0.1: mean 200, standard deviation 13.4; 120-280 is six of them.
	if n < 120 || n > 280 {
		t.Errorf("%d of %d requests logged at rate 0.1", n, len(paths))
	}
}
