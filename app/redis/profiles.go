package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"golang.org/x/sync/singleflight"

	"github.com/scalezero/scalezero/app"
	"github.com/scalezero/scalezero/app/internal/loop"
	"github.com/scalezero/scalezero/app/metrics"
)

// UserSource is where profiles come from: on a miss, and for the sweep.
type UserSource interface {
	UserByID(ctx context.Context, id int64) (app.User, error)
	// ProfilesChangedSince returns up to limit profiles updated at or after
	// since, oldest first, as the primary has them.
	ProfilesChangedSince(ctx context.Context, since time.Time, limit int) ([]app.Profile, error)
}

// Profiles is a read-through cache of public profiles. Each entry carries its
// version (the row's updated_at); an entry is only ever replaced by a newer
// version, so a slow loader holding a replica's older row cannot overwrite
// what a write put there.
//
// A write refreshes its entry before it is acknowledged, but Redis may stall
// or fail just then, and the old entry would be served for its whole TTL.
// So every instance also sweeps (Run): each SweepEvery it writes through the
// profiles changed since its last good sweep (less a margin for slow
// commits), and after any Redis failure it reads nothing from the cache
// until such a sweep has succeeded. An acknowledged write is therefore
// served everywhere within one sweep (SweepEvery plus the sweep's own time)
// of the later of its acknowledgement and Redis answering again.
type Profiles struct {
	client  *goredis.Client
	source  UserSource
	ttl     time.Duration
	jitter  float64
	group   singleflight.Group
	breaker breaker
	metrics *metrics.Metrics
	log     *slog.Logger

	sweepEvery time.Duration
	// synced is false from a Redis failure until a sweep has repaired what
	// writes may have failed to refresh meanwhile: reads skip the cache.
	synced   atomic.Bool
	failures atomic.Int64 // a sweep that began before a failure cannot vouch for the cache
	// since is where the next sweep starts (the newest change seen, as the
	// database's clock has it); swept holds the versions the last sweep saw,
	// so a change is written through once, not on every sweep of the margin.
	since time.Time
	swept map[int64]int64
}

// ProfileOptions configure NewProfiles.
type ProfileOptions struct {
	TTL        time.Duration
	Jitter     float64       // each entry lives TTL ± Jitter*TTL, so entries made together do not expire together
	SweepEvery time.Duration // default 1s
	Metrics    *metrics.Metrics
	Logger     *slog.Logger
}

// Sweep bounds: how far behind the newest change seen a sweep starts (a row
// stamped earlier may commit later), and how many rows one query takes.
const (
	sweepMargin = 5 * time.Second
	sweepPage   = 500
)

// NewProfiles returns the cache.
func NewProfiles(client *goredis.Client, source UserSource, o ProfileOptions) *Profiles {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.SweepEvery <= 0 {
		o.SweepEvery = time.Second
	}
	c := &Profiles{
		client: client, source: source, ttl: o.TTL, jitter: o.Jitter,
		breaker: breaker{cooldown: time.Second}, metrics: o.Metrics, log: o.Logger,
		sweepEvery: o.SweepEvery,
		// The first sweep covers every change an entry alive now may predate.
		since: time.Now().Add(-time.Duration(float64(o.TTL)*(1+o.Jitter)) - sweepMargin),
	}
	c.synced.Store(true)
	return c
}

// Run sweeps every SweepEvery until ctx ends.
func (c *Profiles) Run(ctx context.Context) {
	loop.Every(ctx, c.sweepEvery, func() {
		if err := c.Sweep(ctx); err != nil && ctx.Err() == nil {
			c.log.Debug("profile cache sweep", "error", err)
		}
	})
}

// Sweep writes through every profile changed since the last good sweep
// (less the margin) whose version this instance has not written yet. Runs
// one at a time (Run's loop, or a test).
func (c *Profiles) Sweep(ctx context.Context) error {
	failures := c.failures.Load()
	since := c.since.Add(-sweepMargin)
	newest := c.since
	swept := map[int64]int64{}
	for {
		ps, err := c.source.ProfilesChangedSince(ctx, since, sweepPage)
		if err != nil {
			return fmt.Errorf("profiles changed since %s: %w", since.Format(time.RFC3339Nano), err)
		}
		for _, p := range ps {
			v := p.Version()
			if c.swept[p.ID] != v {
				if err := c.store(ctx, p); err != nil {
					c.fail("sweep", err)
					return err
				}
			}
			swept[p.ID] = v
			if p.UpdatedAt.After(newest) {
				newest = p.UpdatedAt
			}
		}
		if len(ps) < sweepPage || !ps[len(ps)-1].UpdatedAt.After(since) {
			break
		}
		since = ps[len(ps)-1].UpdatedAt
	}
	c.since, c.swept = newest, swept
	if c.failures.Load() == failures && !c.synced.Swap(true) {
		c.log.Info("profile cache repaired after a Redis failure; reading from it again")
	}
	return nil
}

// profileKey is built in one allocation: it is made on every read.
func profileKey(id int64) string {
	var b [32]byte
	return string(strconv.AppendInt(append(b[:0], "profile:"...), id, 10))
}

// setIfNewer stores version and data unless the entry holds a newer version.
var setIfNewer = goredis.NewScript(`
local cur = redis.call('HGET', KEYS[1], 'v')
if cur and tonumber(cur) >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'd', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`)

func (c *Profiles) entryTTL() time.Duration {
	if c.jitter == 0 {
		return c.ttl
	}
	spread := (rand.Float64()*2 - 1) * c.jitter
	return time.Duration(float64(c.ttl) * (1 + spread))
}

// Profile returns the profile from the cache, or loads it once (however many
// callers miss at the same moment) and caches it. A caller reading its own
// writes (app.WithOwnWrites) skips the cache.
func (c *Profiles) Profile(ctx context.Context, id int64) (app.Profile, error) {
	if !app.ReadsOwnWrites(ctx) {
		var p app.Profile
		if _, ok, err := c.get(ctx, id, func(raw []byte) bool { return json.Unmarshal(raw, &p) == nil }); ok {
			return p, err
		}
	}
	return c.load(ctx, id)
}

// ProfileJSON is Profile encoded as json.Marshal encodes it. A hit returns
// the entry's bytes (which store wrote with json.Marshal) as they are: the
// cached read decodes and encodes nothing.
func (c *Profiles) ProfileJSON(ctx context.Context, id int64) ([]byte, error) {
	if !app.ReadsOwnWrites(ctx) {
		if raw, ok, err := c.get(ctx, id, json.Valid); ok {
			return raw, err
		}
	}
	p, err := c.load(ctx, id)
	if err != nil {
		return nil, err
	}
	return json.Marshal(p)
}

// load reads the profile from the source, once however many callers miss
// at the same moment, and caches it.
func (c *Profiles) load(ctx context.Context, id int64) (app.Profile, error) {
	own := app.ReadsOwnWrites(ctx)
	group := profileKey(id)
	if own {
		group += " own"
	}
	v, err, _ := c.group.Do(group, func() (any, error) {
		// The load serves every waiter: it must not die with the first caller.
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		u, err := c.source.UserByID(lctx, id)
		if errors.Is(err, app.ErrNotFound) {
			c.putMissing(lctx, id)
		}
		if err != nil {
			return app.Profile{}, err
		}
		p := u.Profile()
		c.put(lctx, p)
		return p, nil
	})
	if err != nil {
		return app.Profile{}, err
	}
	return v.(app.Profile), nil
}

// get reads the entry: a profile's bytes (when ok says they are one), a
// marker that there is no such user (app.ErrNotFound), or nothing (false).
// An entry ok refuses counts as a miss, and the caller loads the profile.
func (c *Profiles) get(ctx context.Context, id int64, ok func([]byte) bool) ([]byte, bool, error) {
	if c.breaker.open() || !c.synced.Load() {
		c.metrics.CacheResult("profile", "skip")
		return nil, false, nil
	}
	raw, err := c.client.HGet(ctx, profileKey(id), "d").Bytes()
	switch {
	case errors.Is(err, goredis.Nil):
		c.metrics.CacheResult("profile", "miss")
		return nil, false, nil
	case err != nil:
		c.fail("get", err)
		return nil, false, nil
	case string(raw) == missing:
		c.metrics.CacheResult("profile", "hit")
		return nil, true, app.ErrNotFound
	case !ok(raw):
		c.metrics.CacheResult("profile", "miss")
		return nil, false, nil
	}
	c.metrics.CacheResult("profile", "hit")
	return raw, true, nil
}

func (c *Profiles) put(ctx context.Context, p app.Profile) {
	if c.breaker.open() {
		c.failures.Add(1) // this version may be missing: the sweep brings it
		c.synced.Store(false)
		return
	}
	if err := c.store(ctx, p); err != nil {
		c.fail("set", err)
	}
}

// store writes p unless the entry holds a newer version.
func (c *Profiles) store(ctx context.Context, p app.Profile) error {
	data, err := json.Marshal(p)
	if err != nil {
		return err
	}
	return setIfNewer.Run(ctx, c.client, []string{profileKey(p.ID)}, p.Version(), data, c.entryTTL().Milliseconds()).Err()
}

// missing is the entry of an id no user has, kept for missingTTL: without
// it every read of an unknown id (a scan of ids, say) reaches the
// database. Its version is 0, so any real profile replaces it at once (a
// signup writes through, and the sweep brings new users too).
const (
	missing    = "-"
	missingTTL = 10 * time.Second
)

func (c *Profiles) putMissing(ctx context.Context, id int64) {
	if c.breaker.open() {
		return
	}
	ttl := min(missingTTL, c.ttl)
	if err := setIfNewer.Run(ctx, c.client, []string{profileKey(id)}, 0, missing, ttl.Milliseconds()).Err(); err != nil {
		c.fail("set", err)
	}
}

// Updated writes the new version through, before the write is answered, so
// the next read anywhere sees it.
func (c *Profiles) Updated(ctx context.Context, p app.Profile) { c.put(ctx, p) }

func (c *Profiles) fail(op string, err error) {
	c.failures.Add(1)
	c.synced.Store(false)
	c.metrics.CacheResult("profile", "error")
	if !c.breaker.open() {
		c.log.Warn("cache unavailable; reading from the database", "op", op, "error", err)
	}
	c.breaker.trip()
}
