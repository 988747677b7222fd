package engine

import (
	"fmt"
	"os"
	"testing"

	"github.com/scalezero/scalezero/internal/testprovider"
)

// TestMain lets the test binary be the provider plugin too: the engine starts
// it under the plugin's name (pulumi-resource-aws, linked into a temporary
// PULUMI_HOME), and then it serves that package instead of running tests.
// With EnvChild set it runs one child ladder (see emptylists_test.go), apart
// from the test process, so that a panic in the program cannot take the
// suite down with it.
func TestMain(m *testing.M) {
	if pkg := testprovider.PluginPackage(os.Args[0]); pkg != "" {
		if err := testprovider.Serve(pkg); err != nil {
			fmt.Fprintln(os.Stderr, "testprovider:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	if os.Getenv(EnvChild) != "" {
		os.Exit(runChild())
	}
	os.Exit(m.Run())
}
