package stacks_test

import (
	"testing"

	"github.com/scalezero/scalezero/graph/stackgraph"
)

// The cache engine setting reaches the replication group with the version
// and parameter group family ElastiCache pairs with it; the default stays
// Redis OSS 7.1 (redis7), so existing stacks see no change.
func TestCacheEngineSetsVersionAndFamily(t *testing.T) {
	for engine, want := range map[string][3]string{
		"":       {"redis", "7.1", "redis7"},
		"redis":  {"redis", "7.1", "redis7"},
		"valkey": {"valkey", "8.0", "valkey8"},
	} {
		cfg := baseConfig(5)
		if engine != "" {
			cfg["cacheEngine"] = engine
		}
		g, err := stackgraph.Run(cfg, "cacheAuthToken")
		if err != nil {
			t.Fatalf("cacheEngine %q: %v", engine, err)
		}
		rg := component(t, g, tReplGroup, "cache")
		params := component(t, g, "aws:elasticache/parameterGroup:ParameterGroup", "cache")
		got := [3]any{rg.Get("engine"), rg.Get("engineVersion"), params.Get("family")}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("cacheEngine %q: engine, version, family = %v, want %v", engine, got, want)
				break
			}
		}
		if !rg.DependsOn("parameterGroupName", params.URN) {
			t.Errorf("cacheEngine %q: the group does not use its parameter group", engine)
		}
	}
}
