package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// The prober counts 5xx answers and requests with no answer apart; before
// the site first answers (a new stack's first up) it counts no failure.
func TestProberCounts(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1)%3 == 0 {
			w.WriteHeader(http.StatusBadGateway)
		}
	}))
	p := newProber(srv.URL, 5*time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	p.run(ctx, false)
	cancel()
	c := p.result()
	if c.Requests < 10 || c.ServerErrors == 0 || c.ServerErrors > c.Requests/2 || c.Failed != 0 || c.First != "502 Bad Gateway" {
		t.Errorf("against a site answering 502 every third time: %+v", c)
	}

	srv.Close() // nothing listens any more
	ctx, cancel = context.WithTimeout(context.Background(), 100*time.Millisecond)
	p.run(ctx, false)
	cancel()
	if c := p.result(); c.Failed == 0 || c.Failed != c.Requests {
		t.Errorf("against a closed port: %+v", c)
	}
	ctx, cancel = context.WithTimeout(context.Background(), 100*time.Millisecond)
	p.run(ctx, true)
	cancel()
	if c := p.result(); c.Failed != 0 || c.Requests != 0 {
		t.Errorf("waiting for a site that never answered: %+v", c)
	}
}

// From phase 3 on (nginx in front) an up may not answer 5xx, nor lose a
// request unless it replaces the front container itself (one host port:
// it goes before its replacement starts); below, the single server's port
// changing hands is allowed to.
func TestVerdict(t *testing.T) {
	cases := []struct {
		r    row
		fail bool
	}{
		{row{from: 4, to: 5, probe: counts{Requests: 100}, smoke: "ok"}, false},
		{row{from: 4, to: 5, probe: counts{Requests: 100, ServerErrors: 1}, smoke: "ok"}, true},
		{row{from: 5, to: 4, probe: counts{Requests: 100, Failed: 1}, smoke: "ok"}, true},
		{row{from: 5, to: 6, probe: counts{Requests: 100, Failed: 3}, smoke: "ok", frontReplaced: true}, false},
		{row{from: 5, to: 6, probe: counts{Requests: 100, ServerErrors: 1}, smoke: "ok", frontReplaced: true}, true},
		{row{from: 2, to: 3, probe: counts{Requests: 100, Failed: 9, ServerErrors: 2}, smoke: "ok"}, false},
		{row{from: 3, to: 4, probe: counts{Requests: 100, Failed: 1}, smoke: "ok"}, true},
		{row{from: 6, to: 7, probe: counts{Requests: 100}, smoke: "FAIL: sign up"}, true},
		{row{from: 6, to: 7, probe: counts{Requests: 100}, smoke: "ok", upErr: "exit status 1"}, true},
		{row{from: 6, to: 7, probe: counts{Requests: 100}, smoke: "ok", idle: 2}, true},
	}
	for _, c := range cases {
		if got := c.r.failure() != ""; got != c.fail {
			t.Errorf("%+v: failed %v, want %v (%s)", c.r, got, c.fail, c.r.failure())
		}
	}
}
