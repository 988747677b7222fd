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
// load balancer needs no stickiness (phase 6 on).
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
