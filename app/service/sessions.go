package service

import (
	"context"
	"fmt"
	"log/slog"

	goredis "github.com/redis/go-redis/v9"

	"github.com/scalezero/scalezero/app"
	"github.com/scalezero/scalezero/app/config"
	"github.com/scalezero/scalezero/app/dynamodb"
	"github.com/scalezero/scalezero/app/memory"
	"github.com/scalezero/scalezero/app/redis"
)

// sessionStore builds the store sessions.store names, with the login
// throttle that shares it (counting on the instance while it is down).
// Neither ever lives in the profile cache: its allkeys-lru evicts whatever
// was used least recently, so a flood of profile reads would log users out
// and reset the throttle. The returned client, if any, is the store's
// Redis, for Close.
func sessionStore(ctx context.Context, cfg config.Config, log *slog.Logger) (app.SessionStore, app.Throttle, *goredis.Client, error) {
	local := memory.NewThrottle()
	switch cfg.SessionStore {
	case "dynamodb":
		client, err := dynamodb.Connect(ctx, cfg.Region, cfg.SessionEndpoint)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("sessions.store dynamodb: %w", err)
		}
		return dynamodb.NewSessions(client, cfg.SessionTable, cfg.SessionTTL), dynamodb.NewThrottle(client, cfg.SessionTable, local, log), nil, nil
	case "redis":
		client := redis.NewClient(redis.Options{Addr: cfg.SessionRedisAddr, Password: cfg.SessionRedisPassword})
		if err := redis.CheckNoEviction(ctx, client); err != nil {
			client.Close()
			return nil, nil, nil, fmt.Errorf("sessions.redis_addr %s: %w", cfg.SessionRedisAddr, err)
		}
		return redis.NewSessions(client, cfg.SessionTTL), redis.NewThrottle(client, local, log), client, nil
	default: // memory: one instance, or a fleet pinned by stickiness (phases 1-5)
		return memory.NewSessions(cfg.SessionTTL), local, nil, nil
	}
}
