package policies_test

import (
	"testing"

	"github.com/scalezero/scalezero/graph"
)

// The breaking cases of elasticache.rego's rules: each breaks one resource so that
// exactly that rule fires; a preflight rule's case then makes the value
// the rule decides on unknown, and nothing fires.
var _ = casesOf("elasticache.rego", map[string]breaker{
	"deny_elasticache_failover_nodes": setting(5, tRG, "cache", "numCacheClusters", 1, "with 1 cache cluster(s)"),
	// Transit encryption off breaks the best-practice deny_elasticache_unencrypted too.
	"deny_elasticache_auth_without_tls":       setting(5, tRG, "cache", "transitEncryptionEnabled", false, "sets an AUTH token without in-transit encryption").disabling("deny_elasticache_unencrypted"),
	"deny_elasticache_auth_token_format":      setting(5, tRG, "cache", "authToken", "token with space", "has an AUTH token ElastiCache refuses (16 characters").secret(),
	"deny_elasticache_group_id":               setting(5, tRG, "cache", "replicationGroupId", "cache--x", "gets the id 'cache--x'"),
	"deny_elasticache_group_names":            setting(5, tCachePG, "cache", "name", "9cache", "gets the name '9cache'"),
	"deny_elasticache_maxmemory_policy":       setting(5, tCachePG, "cache", "parameters.0.value", "lru", "sets maxmemory-policy 'lru'"),
	"stack_deny_cache_parameter_group_family": setting(5, tCachePG, "cache", "family", "redis6.x", "is of family redis6.x").withUnknown(tRG, "cache", "engineVersion"),
	"deny_elasticache_unencrypted": {phase: 5, want: "atRestEncryptionEnabled off", apply: func(t *testing.T, g *graph.Graph) {
		find(t, g, tRG, "cache").Inputs["atRestEncryptionEnabled"] = false
	}},
	"deny_elasticache_no_failover": {phase: 5, want: "no automatic failover", apply: func(t *testing.T, g *graph.Graph) {
		// Multi-AZ goes too: ElastiCache refuses it without failover (a preflight rule).
		rg := find(t, g, tRG, "cache")
		rg.Inputs["automaticFailoverEnabled"], rg.Inputs["multiAzEnabled"] = false, false
	}},
	"deny_elasticache_no_auth": {phase: 5, want: "lets any client in", apply: func(t *testing.T, g *graph.Graph) {
		delete(find(t, g, tRG, "cache").Inputs, "authToken")
	}},
})
