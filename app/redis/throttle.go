package redis

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/scalezero/scalezero/app"
)

// Throttle counts attempts in Redis, so the whole fleet shares the counts:
// an attacker spreading guesses over instances meets the same limit. While
// Redis is down each instance counts on its own (Fallback), which still
// bounds the damage instead of opening the gate.
type Throttle struct {
	client   *goredis.Client
	fallback app.Throttle
	breaker  breaker
	log      *slog.Logger
}

// NewThrottle returns a shared throttle that falls back to fallback.
func NewThrottle(client *goredis.Client, fallback app.Throttle, log *slog.Logger) *Throttle {
	if log == nil {
		log = slog.Default()
	}
	return &Throttle{client: client, fallback: fallback, breaker: breaker{cooldown: time.Second}, log: log}
}

// add counts ARGV[1] attempts (a negative count takes some back); the first
// of a window starts its expiry.
var add = goredis.NewScript(`
local n
local add = tonumber(ARGV[1])
if add <= 0 and redis.call('EXISTS', KEYS[1]) == 0 then return {0, 0} end
if add == 0 then
  n = tonumber(redis.call('GET', KEYS[1]))
else
  n = redis.call('INCRBY', KEYS[1], add)
  if n == add then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
end
return {n, redis.call('PTTL', KEYS[1])}
`)

// Add implements app.Throttle.
func (t *Throttle) Add(ctx context.Context, key string, n int, window time.Duration) (int, time.Duration, error) {
	if !t.breaker.open() {
		res, err := add.Run(ctx, t.client, []string{"throttle:" + key}, n, window.Milliseconds()).Int64Slice()
		if err == nil && len(res) == 2 {
			return int(res[0]), time.Duration(max(res[1], 0)) * time.Millisecond, nil
		}
		t.log.Warn("shared throttle unavailable; counting on this instance", "error", fmt.Errorf("redis: %v", err))
		t.breaker.trip()
	}
	return t.fallback.Add(ctx, key, n, window)
}
