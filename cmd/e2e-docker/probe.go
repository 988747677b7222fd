package main

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// prober asks the site's front door for /healthz every interval while an
// operation runs, and counts what it gets.
type prober struct {
	url      string
	interval time.Duration
	client   *http.Client

	mu     sync.Mutex
	counts counts
}

// counts are a probe's results: answered 2xx-4xx, answered 5xx, and no
// answer at all (refused, reset, timed out).
type counts struct {
	Requests, ServerErrors, Failed int
	First                          string // the first 5xx or failure
	// answered: the site has answered once; before that (the first up of
	// a new stack) a failure means only that there is no site yet.
	answered bool
}

func newProber(url string, interval time.Duration) *prober {
	return &prober{url: url, interval: interval, client: &http.Client{Timeout: 2 * time.Second}}
}

// run probes until ctx ends; waitForSite leaves out failures until the
// site first answers.
func (p *prober) run(ctx context.Context, waitForSite bool) {
	p.mu.Lock()
	p.counts = counts{answered: !waitForSite}
	p.mu.Unlock()
	tick := time.NewTicker(p.interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		p.once(ctx)
	}
}

func (p *prober) once(ctx context.Context) {
	req, err := http.NewRequestWithContext(ctx, "GET", p.url+"/healthz", nil)
	if err != nil {
		return
	}
	resp, err := p.client.Do(req)
	if ctx.Err() != nil {
		return // the operation ended while this probe was out
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	c := &p.counts
	switch {
	case err != nil:
		if !c.answered {
			return
		}
		c.Requests++
		c.Failed++
		if c.First == "" {
			c.First = err.Error()
		}
	default:
		resp.Body.Close()
		c.answered = true
		c.Requests++
		if resp.StatusCode >= 500 {
			c.ServerErrors++
			if c.First == "" {
				c.First = resp.Status
			}
		}
	}
}

// result returns what the last run counted.
func (p *prober) result() counts {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.counts
}
