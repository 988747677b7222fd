// Command scalezero is the app: `scalezero web` serves the site and the API;
// `scalezero worker` runs the jobs the web tier queues (phase 8 on);
// `scalezero move-user --user-id N --to-shard S` moves one user between
// shards (phase 9, the README's resharding plan); `scalezero probe [URL]`
// exits 0 when URL (the local /readyz by default) answers 2xx: a container's
// health check, as the distroless image has no shell or curl.
// Settings come from flags, SCALEZERO_* variables or a config file (see
// app/config); the infrastructure writes the variables for each phase.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
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
	if cmd == "probe" {
		return probe(args)
	}
	if cmd != "web" && cmd != "worker" && cmd != "move-user" {
		return fmt.Errorf("unknown command %q: allowed web, worker, move-user or probe", cmd)
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

// probeURL is what a health check asks by default: the instance's own
// readiness, on the port the app listens on in its container.
const probeURL = "http://127.0.0.1:8080/readyz"

// probe asks one URL and fails unless it answers 2xx within two seconds.
func probe(args []string) error {
	url := probeURL
	switch len(args) {
	case 0:
	case 1:
		url = args[0]
	default:
		return fmt.Errorf("probe takes at most one URL, got %d arguments", len(args))
	}
	client := &http.Client{Timeout: 2 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		return fmt.Errorf("probe: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("probe %s: %s", url, resp.Status)
	}
	return nil
}
