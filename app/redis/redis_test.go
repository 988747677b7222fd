package redis_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/scalezero/scalezero/app"
	"github.com/scalezero/scalezero/app/internal/testenv"
	"github.com/scalezero/scalezero/app/metrics"
	"github.com/scalezero/scalezero/app/postgres"
	"github.com/scalezero/scalezero/app/redis"
)

type fixture struct {
	db       *postgres.DB
	m        *metrics.Metrics
	redis    *testenv.Redis
	replica  string
	source   *countingSource
	profiles *redis.Profiles
}

// countingSource counts loads; hold, when set, runs after the row is read and
// before it is returned, to order a loader against a concurrent write.
type countingSource struct {
	db    *postgres.DB
	loads atomic.Int64
	delay time.Duration
	hold  func()
}

func (s *countingSource) UserByID(ctx context.Context, id int64) (app.User, error) {
	s.loads.Add(1)
	time.Sleep(s.delay)
	u, err := s.db.UserByID(ctx, id)
	if s.hold != nil {
		s.hold()
	}
	return u, err
}

func (s *countingSource) ProfilesChangedSince(ctx context.Context, since time.Time, limit int) ([]app.Profile, error) {
	return s.db.ProfilesChangedSince(ctx, since, limit)
}

func setup(t *testing.T, ttl time.Duration) *fixture {
	t.Helper()
	writer, replica := testenv.Database(t)
	f := &fixture{m: metrics.New(), redis: testenv.StartRedis(t), replica: replica}
	var err error
	f.db, err = postgres.Open(context.Background(), postgres.Options{WriterURL: writer, ReaderURLs: []string{replica}, HealthInterval: 200 * time.Millisecond, Metrics: f.m})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.db.Close)
	if err := f.db.Migrate(); err != nil {
		t.Fatal(err)
	}
	client := redis.NewClient(redis.Options{Addr: f.redis.Addr})
	t.Cleanup(func() { client.Close() })
	f.source = &countingSource{db: f.db}
	f.profiles = redis.NewProfiles(client, f.source, redis.ProfileOptions{TTL: ttl, Jitter: 0.2, Metrics: f.m})
	return f
}

func (f *fixture) user(t *testing.T, email string) app.User {
	t.Helper()
	u, err := f.db.CreateUser(context.Background(), app.User{Email: email, DisplayName: "Ada", PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func (f *fixture) cache(result string) float64 {
	return testutil.ToFloat64(f.m.Cache.WithLabelValues("profile", result))
}

func TestReadThroughLoadsOnceThenHits(t *testing.T) {
	f := setup(t, time.Minute)
	u := f.user(t, "ada@example.com")
	for i := 0; i < 5; i++ {
		p, err := f.profiles.Profile(context.Background(), u.ID)
		if err != nil || p.ID != u.ID || p.DisplayName != "Ada" {
			t.Fatalf("read %d: %+v %v", i, p, err)
		}
	}
	if f.source.loads.Load() != 1 || f.cache("hit") != 4 || f.cache("miss") != 1 {
		t.Fatalf("loads %d, hits %v, misses %v", f.source.loads.Load(), f.cache("hit"), f.cache("miss"))
	}
	if _, err := f.profiles.Profile(context.Background(), 999999); err != app.ErrNotFound {
		t.Fatalf("missing profile: %v", err)
	}
}

func TestStampedeLoadsOncePerKey(t *testing.T) {
	f := setup(t, time.Minute)
	u := f.user(t, "ada@example.com")
	f.source.delay = 200 * time.Millisecond // every caller arrives while the first load runs
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := f.profiles.Profile(context.Background(), u.ID); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := f.source.loads.Load(); n != 1 {
		t.Fatalf("%d loads for 50 concurrent misses of one key", n)
	}
}

// The race that makes caches serve stale data: a loader reads the old row
// (from a lagging replica), the write commits and refreshes the cache, then
// the loader stores what it read. The old version must lose.
func TestAnUpdateIsNeverServedStaleAfterTheWriteReturns(t *testing.T) {
	f := setup(t, time.Minute)
	ctx := context.Background()
	u := f.user(t, "ada@example.com")
	testenv.WaitReplayed(t, f.replica, u.ID, u.UpdatedAt)
	read, release := make(chan struct{}), make(chan struct{})
	f.source.hold = func() { close(read); <-release }
	done := make(chan app.Profile)
	go func() {
		p, err := f.profiles.Profile(ctx, u.ID)
		if err != nil {
			t.Error(err)
		}
		done <- p
	}()
	<-read // the loader holds version 1
	f.source.hold = nil
	bio := "version 2"
	updated, err := f.db.UpdateProfile(ctx, u.ID, app.ProfileUpdate{Bio: &bio})
	if err != nil {
		t.Fatal(err)
	}
	f.profiles.Updated(ctx, updated.Profile()) // what the handler does before answering
	close(release)
	if stale := <-done; stale.Bio != "" {
		t.Fatalf("the loader was expected to hold version 1, got %q", stale.Bio)
	}
	for i := 0; i < 3; i++ {
		p, err := f.profiles.Profile(ctx, u.ID)
		if err != nil || p.Bio != bio {
			t.Fatalf("read %d after the write returned: %+v, %v", i, p, err)
		}
	}
}

func TestRedisDownReadsComeFromTheDatabase(t *testing.T) {
	f := setup(t, time.Minute)
	ctx := context.Background()
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	go f.profiles.Run(runCtx) // its sweep puts the cache back in use after the outage
	u := f.user(t, "ada@example.com")
	if _, err := f.profiles.Profile(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	f.redis.Stop()
	for i := 0; i < 10; i++ {
		p, err := f.profiles.Profile(ctx, u.ID)
		if err != nil || p.ID != u.ID {
			t.Fatalf("read %d with Redis down: %+v %v", i, p, err)
		}
	}
	if f.cache("error") < 1 || f.cache("skip") < 1 {
		t.Fatalf("errors %v, skipped %v: the breaker did not open", f.cache("error"), f.cache("skip"))
	}
	// Writes still succeed, and the cache comes back into use.
	bio := "while redis was down"
	updated, err := f.db.UpdateProfile(ctx, u.ID, app.ProfileUpdate{Bio: &bio})
	if err != nil {
		t.Fatal(err)
	}
	f.profiles.Updated(ctx, updated.Profile())
	f.redis.Start()
	deadline := time.Now().Add(10 * time.Second)
	for hits := f.cache("hit"); f.cache("hit") == hits; {
		if time.Now().After(deadline) {
			t.Fatal("the cache was never used again")
		}
		p, err := f.profiles.Profile(app.WithOwnWrites(ctx), u.ID) // loads from the primary and caches
		if err != nil || p.Bio != bio {
			t.Fatalf("%+v %v", p, err)
		}
		if p, err = f.profiles.Profile(ctx, u.ID); err != nil || p.Bio != bio {
			t.Fatalf("%+v %v", p, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestEntriesLiveTTLWithJitter(t *testing.T) {
	f := setup(t, 100*time.Second)
	ctx := context.Background()
	client := redis.NewClient(redis.Options{Addr: f.redis.Addr})
	defer client.Close()
	ttls := map[time.Duration]bool{}
	for i := 0; i < 8; i++ {
		u := f.user(t, "user"+string(rune('a'+i))+"@example.com")
		if _, err := f.profiles.Profile(ctx, u.ID); err != nil {
			t.Fatal(err)
		}
		ttl := client.PTTL(ctx, "profile:"+strconv.FormatInt(u.ID, 10)).Val()
		if ttl < 79*time.Second || ttl > 120*time.Second {
			t.Fatalf("ttl %v outside 100s ± 20%%", ttl)
		}
		ttls[ttl.Round(time.Second)] = true
	}
	if len(ttls) < 2 {
		t.Fatalf("every entry got the same ttl %v: no jitter", ttls)
	}
}

func TestSharedSessions(t *testing.T) {
	r := testenv.StartRedis(t)
	ctx := context.Background()
	one := redis.NewSessions(redis.NewClient(redis.Options{Addr: r.Addr}), time.Hour)
	two := redis.NewSessions(redis.NewClient(redis.Options{Addr: r.Addr}), time.Hour)
	token, err := one.Create(ctx, 42)
	if err != nil {
		t.Fatal(err)
	}
	if id, err := two.Lookup(ctx, token); err != nil || id != 42 {
		t.Fatalf("another instance's lookup: %d %v", id, err)
	}
	if err := two.Delete(ctx, token); err != nil {
		t.Fatal(err)
	}
	if _, err := one.Lookup(ctx, token); err != app.ErrUnauthorized {
		t.Fatalf("deleted session: %v", err)
	}
	if _, err := one.Lookup(ctx, "forged"); err != app.ErrUnauthorized {
		t.Fatalf("unknown token: %v", err)
	}
	r.Stop()
	if _, err := one.Lookup(ctx, token); err == nil || err == app.ErrUnauthorized {
		t.Fatalf("with Redis down a lookup must fail as unavailable, got %v", err)
	}
}

// sweepBound is the staleness the README states for a write whose cache
// refresh failed: one sweep (1s) plus its own time, after Redis answers
// again. The test waits up to five times that before it calls the entry stale.
const sweepBound = 2 * time.Second

// A write whose cache refresh fails (Redis stalled just then) must not leave
// the old entry to be served for its TTL: another instance serves the new
// version within the bound once Redis answers again.
func TestAWriteDuringARedisStallIsServedEverywhereWithinTheBound(t *testing.T) {
	f := setup(t, time.Hour)
	ctx := context.Background()
	u := f.user(t, "ada@example.com")
	other := redis.NewProfiles(redis.NewClient(redis.Options{Addr: f.redis.Addr}), f.db, redis.ProfileOptions{TTL: time.Hour, Metrics: metrics.New()})
	for _, c := range []*redis.Profiles{f.profiles, other} {
		runCtx, stop := context.WithCancel(ctx)
		t.Cleanup(stop)
		go c.Run(runCtx)
	}
	if p, err := other.Profile(ctx, u.ID); err != nil || p.Bio != "" { // the entry is cached
		t.Fatalf("%+v %v", p, err)
	}
	f.redis.Pause()
	bio := "written while Redis stalled"
	updated, err := f.db.UpdateProfile(ctx, u.ID, app.ProfileUpdate{Bio: &bio})
	if err != nil {
		f.redis.Resume()
		t.Fatal(err)
	}
	f.profiles.Updated(ctx, updated.Profile()) // times out: the write is acknowledged all the same
	f.redis.Resume()
	if f.cache("error") == 0 {
		t.Fatal("the refresh did not fail; the stall was not around the write")
	}
	acked := time.Now()
	for {
		p, err := other.Profile(ctx, u.ID)
		if err == nil && p.Bio == bio {
			return
		}
		if time.Since(acked) > 5*sweepBound {
			t.Fatalf("%s after the write, another instance still serves %q (%v)", time.Since(acked).Round(time.Millisecond), p.Bio, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Sessions may live in a Redis of their own only if it never evicts: one
// that says it does is refused at start.
func TestSessionRedisMustNotEvict(t *testing.T) {
	ctx := context.Background()
	for policy, ok := range map[string]bool{"noeviction": true, "allkeys-lru": false, "volatile-lru": false} {
		t.Run(policy, func(t *testing.T) {
			r := testenv.StartRedis(t, "--maxmemory-policy", policy)
			client := redis.NewClient(redis.Options{Addr: r.Addr})
			defer client.Close()
			if err := redis.CheckNoEviction(ctx, client); (err == nil) != ok {
				t.Fatalf("%s: %v", policy, err)
			}
		})
	}
}

// A hit hands out the entry's bytes, which are json.Marshal's of the
// profile (what the API would encode); a miss, an unknown id and a damaged
// entry go to the source as Profile's would, and a damaged entry is never
// handed out.
func TestProfileJSONIsTheEntryAsStored(t *testing.T) {
	f := setup(t, time.Minute)
	u := f.user(t, "ada@example.com")
	want, err := json.Marshal(u.Profile())
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		got, err := f.profiles.ProfileJSON(context.Background(), u.ID)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("read %d: %s, %v; want %s", i, got, err, want)
		}
	}
	if f.source.loads.Load() != 1 || f.cache("hit") != 2 || f.cache("miss") != 1 {
		t.Fatalf("loads %d, hits %v, misses %v", f.source.loads.Load(), f.cache("hit"), f.cache("miss"))
	}
	for i := 0; i < 2; i++ { // the second from the cache's "no such user"
		if _, err := f.profiles.ProfileJSON(context.Background(), 999999); err != app.ErrNotFound {
			t.Fatalf("missing profile, read %d: %v", i, err)
		}
	}
	c := redis.NewClient(redis.Options{Addr: f.redis.Addr})
	defer c.Close()
	if err := c.HSet(context.Background(), "profile:"+strconv.FormatInt(u.ID, 10), "d", `{"id":`).Err(); err != nil {
		t.Fatal(err)
	}
	loads := f.source.loads.Load()
	got, err := f.profiles.ProfileJSON(context.Background(), u.ID)
	if err != nil || !bytes.Equal(got, want) || f.source.loads.Load() != loads+1 {
		t.Fatalf("a damaged entry: %s, %v, %d loads; want %s from the source", got, err, f.source.loads.Load()-loads, want)
	}
}
