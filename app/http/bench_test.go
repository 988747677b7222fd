package http_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/scalezero/scalezero/app"
	"github.com/scalezero/scalezero/app/config"
	"github.com/scalezero/scalezero/app/internal/floor"
	"github.com/scalezero/scalezero/app/internal/testenv"
	"github.com/scalezero/scalezero/app/service"
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

// benchHandler serves one request again and again straight to h, with no
// network and no client: what the server side of a read costs, in time
// and memory.
func benchHandler(b *testing.B, h http.Handler, path string) {
	req := httptest.NewRequest("GET", path, nil)
	w := &discard{h: http.Header{}}
	h.ServeHTTP(w, req) // warm: the entry, the pool's connection
	if w.status != 0 && w.status != 200 {
		b.Fatalf("GET %s: %d", path, w.status)
	}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		w.status = 0
		h.ServeHTTP(w, req)
	}
	if w.status != 0 && w.status != 200 {
		b.Fatalf("GET %s: %d", path, w.status)
	}
}

// discard is a ResponseWriter that keeps the status only.
type discard struct {
	h      http.Header
	status int
}

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(code int)        { d.status = code }

// cachedProfile builds the app as deployed from phase 5 (replicas, the
// cache, the request log at its defaults: info, sampled), with one profile
// in the cache, and the floor handler's copy of its answer.
func cachedProfile(b *testing.B) (site, bare http.Handler, path string) {
	writer, replica := testenv.Database(b)
	cfg := config.Config{
		DatabaseURL: writer, ReaderURLs: []string{replica}, MaxConns: 5, HealthInterval: time.Second,
		ReadYourWrites: 5 * time.Second, CacheAddr: testenv.StartRedis(b).Addr, CacheTTL: time.Minute, CacheJitter: 0.1,
		SessionTTL: time.Hour, CookieSecure: "auto", MaxBodyBytes: 4096, ShutdownTimeout: time.Second,
		LogLevel: "info", LogSampleRate: config.DefaultLogSampleRate, LogSlow: 500 * time.Millisecond,
	}
	svc, err := service.Build(context.Background(), cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)), fastHash, 0)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(svc.Close)
	u, err := svc.DB.CreateUser(context.Background(), app.User{Email: "h@example.com", DisplayName: "H", Bio: "benchmark profile", PasswordHash: "-"})
	if err != nil {
		b.Fatal(err)
	}
	path = fmt.Sprintf("/api/users/%d", u.ID)
	rec := httptest.NewRecorder()
	svc.HTTP.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	if rec.Code != 200 {
		b.Fatalf("GET %s: %d", path, rec.Code)
	}
	if err := floor.Store(context.Background(), svc.Cache, u.ID, rec.Body.Bytes()); err != nil {
		b.Fatal(err)
	}
	return svc.HTTP, floor.Handler{Client: svc.Cache}, path
}

// BenchmarkCachedProfileHandler is a cached profile read in the app's
// handler, beside BenchmarkFloorHandler: one go-redis GET of the same
// bytes and nothing else. The difference is what the app adds.
func BenchmarkCachedProfileHandler(b *testing.B) {
	h, _, path := cachedProfile(b)
	benchHandler(b, h, path)
}

func BenchmarkFloorHandler(b *testing.B) {
	_, h, path := cachedProfile(b)
	benchHandler(b, h, path)
}
