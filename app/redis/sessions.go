package redis

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/scalezero/scalezero/app"
)

// Sessions keeps sessions in Redis, so any instance serves any user and the
// load balancer needs no stickiness (phase 6 on). The Redis must be one of
// their own that never evicts (CheckNoEviction), never the profile cache:
// under allkeys-lru a flood of profile reads evicts every session.
type Sessions struct {
	client *goredis.Client
	ttl    time.Duration
}

// NewSessions returns the store.
func NewSessions(client *goredis.Client, ttl time.Duration) *Sessions {
	return &Sessions{client: client, ttl: ttl}
}

func sessionKey(token string) string { return "session:" + app.SessionKey(token) }

// Create starts a session.
func (s *Sessions) Create(ctx context.Context, userID int64) (string, error) {
	token, err := app.NewSessionToken()
	if err != nil {
		return "", err
	}
	if err := s.client.Set(ctx, sessionKey(token), userID, s.ttl).Err(); err != nil {
		return "", fmt.Errorf("store session: %w", err)
	}
	return token, nil
}

// Lookup returns the session's user, or app.ErrUnauthorized.
func (s *Sessions) Lookup(ctx context.Context, token string) (int64, error) {
	raw, err := s.client.Get(ctx, sessionKey(token)).Result()
	if errors.Is(err, goredis.Nil) {
		return 0, app.ErrUnauthorized
	}
	if err != nil {
		return 0, fmt.Errorf("read session: %w", err)
	}
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		return 0, app.ErrUnauthorized
	}
	return id, nil
}

// Delete ends a session.
func (s *Sessions) Delete(ctx context.Context, token string) error {
	if err := s.client.Del(ctx, sessionKey(token)).Err(); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// CheckNoEviction refuses a Redis that says it evicts keys under memory
// pressure (maxmemory-policy other than noeviction). A Redis that does not
// answer CONFIG (ElastiCache renames it) or does not answer at all yet
// passes: the setting cannot be read, and an outage is met per request.
func CheckNoEviction(ctx context.Context, client *goredis.Client) error {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	res, err := client.ConfigGet(ctx, "maxmemory-policy").Result()
	if err != nil {
		return nil
	}
	if p, ok := res["maxmemory-policy"]; ok && p != "noeviction" {
		return fmt.Errorf("maxmemory-policy is %s: sessions and login counts need noeviction, or Redis may evict them", p)
	}
	return nil
}
