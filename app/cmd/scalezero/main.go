// Command scalezero is the app: `scalezero web` serves the site and the API.
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
	if cmd != "web" {
		return fmt.Errorf("unknown command %q: allowed web", cmd)
	}
	fs := pflag.NewFlagSet("scalezero web", pflag.ContinueOnError)
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
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen %s: %w", cfg.Listen, err)
	}
	return svc.Serve(ctx, ln)
}
