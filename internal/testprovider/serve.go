package testprovider

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
)

// Environment variables a plugin process reads (the engine passes its own
// environment on to the plugins it starts).
const (
	EnvStateDir         = "SCALEZERO_TESTPROVIDER_STATE"
	EnvEmptyLists       = "SCALEZERO_TESTPROVIDER_EMPTY_LISTS"
	EnvEmptyInvokeLists = "SCALEZERO_TESTPROVIDER_EMPTY_INVOKE_LISTS"
	EnvVersions         = "SCALEZERO_TESTPROVIDER_VERSIONS" // pkg=version,...
	EnvLostRegion       = "SCALEZERO_TESTPROVIDER_LOST_REGION"
)

// PluginPackage returns the package a plugin executable serves, from its
// name as the engine runs it (pulumi-resource-aws), or "".
func PluginPackage(executable string) string {
	base := filepath.Base(executable)
	if !strings.HasPrefix(base, "pulumi-resource-") {
		return ""
	}
	return strings.TrimPrefix(base, "pulumi-resource-")
}

// Serve runs the plugin protocol for pkg: it listens on a loopback port,
// prints the port for the engine, and serves until the engine interrupts it.
func Serve(pkg string) error {
	opts := Options{
		Package:          pkg,
		StateDir:         os.Getenv(EnvStateDir),
		EmptyLists:       os.Getenv(EnvEmptyLists) != "",
		EmptyInvokeLists: os.Getenv(EnvEmptyInvokeLists) != "",
		LostRegion:       os.Getenv(EnvLostRegion),
	}
	for _, kv := range strings.Split(os.Getenv(EnvVersions), ",") {
		if k, v, ok := strings.Cut(kv, "="); ok && k == pkg {
			opts.Version = v
		}
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := grpc.NewServer(grpc.MaxRecvMsgSize(1 << 28))
	pulumirpc.RegisterResourceProviderServer(srv, New(opts))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		srv.GracefulStop()
	}()
	// The engine reads the port from the first line of stdout.
	fmt.Printf("%d\n", lis.Addr().(*net.TCPAddr).Port)
	return srv.Serve(lis)
}
