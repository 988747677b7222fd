package policies_test

import (
	"testing"

	"github.com/scalezero/scalezero/graph"
)

// The breaking cases of stack.rego's rules: each breaks one resource so that
// exactly that rule fires; a preflight rule's case then makes the value
// the rule decides on unknown, and nothing fires.
var _ = casesOf("stack.rego", map[string]breaker{
	"stack_deny_public_entry": {phase: 2, want: "neither a load balancer's nor the public server's group", apply: func(t *testing.T, g *graph.Graph) {
		r := find(t, g, tIngr, "db-from-server")
		r.Inputs["cidrIpv4"], r.Inputs["fromPort"], r.Inputs["toPort"] = "0.0.0.0/0", 443, 443
		delete(r.Inputs, "referencedSecurityGroupId")
		delete(r.PropertyDependencies, "referencedSecurityGroupId")
	}},
	"stack_deny_fleet_bypass": {phase: 3, want: "other than from the load balancer's group", apply: func(t *testing.T, g *graph.Graph) {
		r := find(t, g, tIngr, "web-fleet-from-lb")
		r.PropertyDependencies["referencedSecurityGroupId"] = []string{find(t, g, tSG, "db").URN}
	}},
	"stack_deny_database_unreachable": {phase: 7, set: []string{withDomain}, want: "database 'db-secondary' does not admit the web hosts of its region (web-secondary-fleet)", apply: func(t *testing.T, g *graph.Graph) {
		drop(g, tIngr, "db-secondary-from-web")
	}},
})
