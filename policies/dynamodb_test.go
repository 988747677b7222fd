package policies_test

import (
	"testing"

	"github.com/scalezero/scalezero/graph"
)

// The breaking cases of dynamodb.rego's rules: each breaks one resource so
// that exactly that rule fires; a preflight rule's case then makes the value
// the rule decides on unknown, and nothing fires.
const tTable = "aws:dynamodb/table:Table"

var _ = casesOf("dynamodb.rego", map[string]breaker{
	"deny_dynamodb_unencrypted": {phase: 6, want: "does not encrypt with a KMS key", apply: func(t *testing.T, g *graph.Graph) {
		find(t, g, tTable, "sessions").Inputs["serverSideEncryption"] = map[string]any{"enabled": false}
	}},
	"deny_dynamodb_no_pitr": {phase: 7, want: "a replica in eu-west-1 without point-in-time recovery", apply: func(t *testing.T, g *graph.Graph) {
		put(t, find(t, g, tTable, "sessions"), "replicas.0.pointInTimeRecovery", false)
	}},
	"deny_dynamodb_no_ttl": {phase: 6, want: "does not expire items", apply: func(t *testing.T, g *graph.Graph) {
		delete(find(t, g, tTable, "sessions").Inputs, "ttl")
	}},
	"deny_dynamodb_replica_without_stream": setting(7, tTable, "sessions", "streamViewType", "KEYS_ONLY", "has replicas but no stream of new and old images"),
})
