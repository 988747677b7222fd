// Command scalezero is the app: `scalezero web` serves the site and the API;
// `scalezero worker` runs the jobs the web tier queues (phase 8 on);
// `scalezero move-user --user-id N --to-shard S` moves one user between
// shards (phase 9, the README's resharding plan).
// Settings come from flags, SCALEZERO_* variables or a config file (see
// app/config); the infrastructure writes the variables for each phase.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"github.com/scalezero/scalezero/app/config"
	"github.com/scalezero/scalezero/app/password"
	"github.com/scalezero/scalezero/app/service"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "scalezero:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	cmd := "web"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	if cmd != "web" && cmd != "worker" && cmd != "move-user" {
		return fmt.Errorf("unknown command %q: allowed web, worker or move-user", cmd)
	}
	fs := pflag.NewFlagSet("scalezero "+cmd, pflag.ContinueOnError)
	config.Flags(fs)
	userID := fs.Int64("user-id", 0, "move-user: the user to move")
	toShard := fs.Int("to-shard", -1, "move-user: the shard to move the user to, 0 to shards-1")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := config.Load(fs)
	if err != nil {
		return err
	}
	log := service.Logger(cfg.LogLevel)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	svc, err := service.Build(ctx, cfg, log, password.Default, 60*time.Second)
	if err != nil {
		return err
	}
	defer svc.Close()
	if cmd == "move-user" {
		return moveUser(ctx, svc, *userID, *toShard)
	}
	if cmd == "worker" {
		w, err := svc.Worker(ctx, 60*time.Second)
		if err != nil {
			return err
		}
		ln, err := listen(cfg.Listen)
		if err != nil {
			return err
		}
		return svc.RunWorker(ctx, w, ln)
	}
	ln, err := listen(cfg.Listen)
	if err != nil {
		return err
	}
	if cfg.MetricsListen != "" {
		mln, err := listen(cfg.MetricsListen)
		if err != nil {
			return err
		}
		defer svc.ServeMetrics(mln)()
	}
	return svc.Serve(ctx, ln)
}

func listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen %s: %w", addr, err)
	}
	return ln, nil
}

// moveUser moves one user and prints where from, as JSON.
func moveUser(ctx context.Context, svc *service.Service, id int64, to int) error {
	if svc.Sharded == nil {
		return errors.New("move-user needs shards: set database.shards (SCALEZERO_DATABASE_SHARDS)")
	}
	if id < 1 {
		return fmt.Errorf("--user-id %d: allowed a user id, 1 or more", id)
	}
	from, err := svc.Sharded.MoveUser(ctx, id, to)
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(map[string]any{"user_id": id, "from": from, "to": to})
}
