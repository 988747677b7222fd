package http_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/scalezero/scalezero/app"
	"github.com/scalezero/scalezero/app/config"
)

// benchProfileReads measures GET /api/users/{id} through the real HTTP stack
// (httptest server on loopback, router, pgx to the primary and replica, and
// go-redis when the cache is on), with memory per request.
func benchProfileReads(b *testing.B, cache bool) {
	s := newSiteB(b, cache)
	ids := make([]int64, 100)
	for i := range ids {
		u, err := s.svc.DB.CreateUser(context.Background(), app.User{Email: fmt.Sprintf("b%d@example.com", i), DisplayName: "B", PasswordHash: "-"})
		if err != nil {
			b.Fatal(err)
		}
		ids[i] = u.ID
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	get := func(id int64) {
		res, err := client.Get(fmt.Sprintf("%s/api/users/%d", s.srv.URL, id))
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			b.Fatalf("status %d", res.StatusCode)
		}
	}
	for _, id := range ids { // warm connections and, with the cache, every entry
		get(id)
	}
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		get(ids[i%len(ids)])
		i++
	}
}

func BenchmarkProfileReadNoCache(b *testing.B) { benchProfileReads(b, false) }
func BenchmarkProfileReadCache(b *testing.B)   { benchProfileReads(b, true) }

// newSiteB is newSite for benchmarks: replicas on, the cache as asked.
func newSiteB(b *testing.B, cache bool) *site {
	return newSiteTB(b, func(c *config.Config) {
		if !cache {
			c.CacheAddr = ""
		}
		c.HealthInterval = time.Second
	})
}
