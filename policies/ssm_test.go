package policies_test

import (
	"testing"

	"github.com/scalezero/scalezero/graph"
)

// The breaking cases of ssm.rego's rules: each breaks one resource so that
// exactly that rule fires; a preflight rule's case then makes the value
// the rule decides on unknown, and nothing fires.
var _ = casesOf("ssm.rego", map[string]breaker{
	"deny_ssm_parameter_size": {phase: 1, want: "holds 5000 bytes; the Standard tier allows 4096", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			find(t, g, tParam, "app-config-scalezero-region").Inputs["insecureValue"] = repeat("x", 5000)
		},
		unknown: func(t *testing.T, g *graph.Graph) {
			unknownAt(t, g, tParam, "app-config-scalezero-region", "insecureValue")
		}},
	"deny_ssm_parameter_name": setting(1, tParam, "app-config-scalezero-region", "name", "/aws/region", "names may not begin with aws or ssm"),
	"stack_deny_ssm_parameter_duplicate": {phase: 1, want: "both create /scalezero/dev/SCALEZERO_REGION in us-east-1", fix: fixAll,
		disable: []string{"stack_deny_host_before_parameters"}, // the server does not depend on the added copy
		apply: func(t *testing.T, g *graph.Graph) {
			clone(t, g, tParam, "app-config-scalezero-region", "app-config-region-again")
		},
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tParam, "app-config-region-again", "name") }},
})
