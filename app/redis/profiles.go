package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"golang.org/x/sync/singleflight"

	"github.com/scalezero/scalezero/app"
	"github.com/scalezero/scalezero/app/metrics"
)

// UserSource is where profiles come from on a miss.
type UserSource interface {
	UserByID(ctx context.Context, id int64) (app.User, error)
}

// Profiles is a read-through cache of public profiles. Each entry carries its
// version (the row's updated_at); an entry is only ever replaced by a newer
// version, so a slow loader holding a replica's older row cannot overwrite
// what a write put there.
type Profiles struct {
	client  *goredis.Client
	source  UserSource
	ttl     time.Duration
	jitter  float64
	group   singleflight.Group
	breaker breaker
	metrics *metrics.Metrics
	log     *slog.Logger
}

// ProfileOptions configure NewProfiles.
type ProfileOptions struct {
	TTL     time.Duration
	Jitter  float64 // each entry lives TTL ± Jitter*TTL, so entries made together do not expire together
	Metrics *metrics.Metrics
	Logger  *slog.Logger
}

// NewProfiles returns the cache.
func NewProfiles(client *goredis.Client, source UserSource, o ProfileOptions) *Profiles {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return &Profiles{
		client: client, source: source, ttl: o.TTL, jitter: o.Jitter,
		breaker: breaker{cooldown: time.Second}, metrics: o.Metrics, log: o.Logger,
	}
}

func profileKey(id int64) string { return "profile:" + strconv.FormatInt(id, 10) }

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
		if p, ok := c.get(ctx, id); ok {
			return p, nil
		}
	}
	v, err, _ := c.group.Do(profileKey(id)+fmt.Sprint(app.ReadsOwnWrites(ctx)), func() (any, error) {
		// The load serves every waiter: it must not die with the first caller.
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		u, err := c.source.UserByID(lctx, id)
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

func (c *Profiles) get(ctx context.Context, id int64) (app.Profile, bool) {
	if c.breaker.open() {
		c.metrics.CacheResult("profile", "skip")
		return app.Profile{}, false
	}
	raw, err := c.client.HGet(ctx, profileKey(id), "d").Bytes()
	switch {
	case errors.Is(err, goredis.Nil):
		c.metrics.CacheResult("profile", "miss")
		return app.Profile{}, false
	case err != nil:
		c.fail("get", err)
		return app.Profile{}, false
	}
	var p app.Profile
	if err := json.Unmarshal(raw, &p); err != nil {
		c.metrics.CacheResult("profile", "miss")
		return app.Profile{}, false
	}
	c.metrics.CacheResult("profile", "hit")
	return p, true
}

func (c *Profiles) put(ctx context.Context, p app.Profile) {
	if c.breaker.open() {
		return
	}
	data, err := json.Marshal(p)
	if err != nil {
		return
	}
	if err := setIfNewer.Run(ctx, c.client, []string{profileKey(p.ID)}, p.Version(), data, c.entryTTL().Milliseconds()).Err(); err != nil {
		c.fail("set", err)
	}
}

// Updated writes the new version through, before the write is answered, so
// the next read anywhere sees it.
func (c *Profiles) Updated(ctx context.Context, p app.Profile) { c.put(ctx, p) }

func (c *Profiles) fail(op string, err error) {
	c.metrics.CacheResult("profile", "error")
	if !c.breaker.open() {
		c.log.Warn("cache unavailable; reading from the database", "op", op, "error", err)
	}
	c.breaker.trip()
}
