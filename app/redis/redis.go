// Package redis uses Redis (ElastiCache from phase 5) for the read-through
// profile cache and, from phase 6, for sessions shared by the whole fleet.
// Timeouts are short and a breaker skips Redis for a moment after a failure,
// so a cache outage makes reads slower, never wrong and never stuck.
package redis

import (
	"crypto/tls"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// Options configure a client.
type Options struct {
	Addr     string
	Password string
	TLS      bool // ElastiCache has in-transit encryption on
}

// NewClient returns a client that fails fast.
func NewClient(o Options) *goredis.Client {
	opts := &goredis.Options{
		Addr:         o.Addr,
		Password:     o.Password,
		DialTimeout:  500 * time.Millisecond,
		ReadTimeout:  300 * time.Millisecond,
		WriteTimeout: 300 * time.Millisecond,
		PoolTimeout:  500 * time.Millisecond,
		MaxRetries:   0,
	}
	if o.TLS {
		opts.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	return goredis.NewClient(opts)
}

// breaker opens for cooldown after a failure: calls meanwhile skip Redis
// instead of each waiting for a timeout.
type breaker struct {
	cooldown  time.Duration
	openUntil atomic.Int64 // unix nanos
}

func (b *breaker) open() bool { return time.Now().UnixNano() < b.openUntil.Load() }
func (b *breaker) trip()      { b.openUntil.Store(time.Now().Add(b.cooldown).UnixNano()) }
