// Command scalezero is the app: `scalezero web` serves the site and the API;
// `scalezero worker` runs the jobs the web tier queues (phase 8 on).
// Settings come from flags, SCALEZERO_* variables or a config file (see
// app/config); the infrastructure writes the variables for each phase.
package main

import (
	"context"
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
	if cmd != "web" && cmd != "worker" {
		return fmt.Errorf("unknown command %q: allowed web or worker", cmd)
	}
	fs := pflag.NewFlagSet("scalezero "+cmd, pflag.ContinueOnError)
	config.Flags(fs)
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
	return svc.Serve(ctx, ln)
}

func listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen %s: %w", addr, err)
	}
	return ln, nil
}
