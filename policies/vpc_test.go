package policies_test

import (
	"testing"

	"github.com/scalezero/scalezero/graph"
	"github.com/scalezero/scalezero/policies"
)

// The breaking cases of vpc.rego's rules: each breaks one resource so that
// exactly that rule fires; a preflight rule's case then makes the value
// the rule decides on unknown, and nothing fires.
var _ = casesOf("vpc.rego", map[string]breaker{
	"stack_deny_nat_before_internet_gateway": {phase: 3, want: "public NAT gateway 'net-nat-extra' does not depend on internet gateway 'net'", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			nat := clone(t, g, tNAT, "net-nat-us-east-1a", "net-nat-extra")
			nat.Dependencies = append([]string{}, nat.PropertyDependencies["subnetId"]...)
			noWaitForGateway(t, g, "net")
			dependOn(find(t, g, tLB, "web"), "", find(t, g, tIGW, "net").URN) // only the NAT is broken
		},
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tNAT, "net-nat-extra", "connectivityType") }},
	"stack_deny_eip_before_internet_gateway": {phase: 1, want: "Elastic IP 'server-again' is associated in a VPC", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			eip := clone(t, g, tEIP, "server", "server-again")
			eip.Dependencies = append([]string{}, eip.PropertyDependencies["instance"]...)
			noWaitForGateway(t, g, "net")
		},
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tEIP, "server-again", "domain") }},
	"stack_deny_lb_before_internet_gateway": {phase: 3, want: "load balancer 'web' does not depend on internet gateway 'net'", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			noWaitForGateway(t, g, "net", find(t, g, tLB, "web"))
		},
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tLB, "web", "internal") }},
	"stack_deny_second_internet_gateway": {phase: 1, want: "VPC 'net' gets 2 internet gateways", fix: fixAll,
		disable:    []string{"stack_deny_eip_before_internet_gateway"}, // the server's address does not wait for the second gateway
		apply:      func(t *testing.T, g *graph.Graph) { clone(t, g, tIGW, "net", "net-again") },
		structural: "counts gateways by their dependency on the VPC, which a preview knows"},
	"deny_cidr_block_size":   setting(1, tSubnet, "net-data-us-east-1b", "cidrBlock", "10.0.255.240/29", "asks for 10.0.255.240/29"),
	"deny_flow_log_interval": setting(1, tFlowLog, "net", "maxAggregationInterval", 300, "aggregates over 300 s"),
	"stack_deny_peering_overlap": {phase: 7, set: []string{withDomain}, want: "which overlap", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			find(t, g, tVPC, "net-secondary").Inputs["cidrBlock"] = "10.0.128.0/17"
		},
		// A VPC's block is its own, always known; the breakage also moves
		// the secondary's subnets out of their VPC.
		disable: []string{"stack_deny_subnet_cidr"},
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tVPC, "net-secondary", "cidrBlock") }},
	"stack_deny_peering_acceptance": setting(7, tPeering, "peering", "autoAccept", true, "asks to accept itself across regions").withSet(withDomain).withUnknown(tPeering, "peering", "peerRegion"),
	"stack_deny_route_table_mixed": {phase: 3, want: "lists routes inline and is also the table of net-app-us-east-1a-out", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			find(t, g, tRT, "net-app-us-east-1a").Inputs["routes"] = []any{map[string]any{"cidrBlock": "10.9.0.0/16", "gatewayId": "igw-1"}}
		},
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tRT, "net-app-us-east-1a", "routes") }},
	"stack_deny_route_duplicate_destination": setting(7, tRoute, "peering-remote-app-0", "destinationCidrBlock", "0.0.0.0/0", "both send 0.0.0.0/0 in route table 'net-secondary-app-eu-west-1a'").withSet(withDomain),
	"deny_route_targets": {phase: 3, want: "has 2 targets", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			find(t, g, tRoute, "net-app-us-east-1a-out").Inputs["gatewayId"] = "igw-1"
		},
		structural: "counts which targets are set, which a preview knows"},
	"deny_flow_log_without_role": {phase: 1, want: "no role to write there", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			r := find(t, g, tFlowLog, "net")
			delete(r.Inputs, "iamRoleArn")
			dropDeps(r, "iamRoleArn")
		},
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tFlowLog, "net", "logDestinationType") }},
	"stack_deny_subnet_cidr": setting(1, tSubnet, "net-data-us-east-1b", "cidrBlock", "10.9.0.0/21", "lies outside its VPC 'net'"),
	"stack_deny_subnet_zone_region": {phase: 1, want: "asks for zone eu-west-1b through a provider of us-east-1", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			find(t, g, tSubnet, "net-data-us-east-1b").Inputs["availabilityZone"] = "eu-west-1b"
		},
		unknown: func(t *testing.T, g *graph.Graph) {
			unknownAt(t, g, tSubnet, "net-data-us-east-1b", "availabilityZone")
		}},
	"stack_deny_subnet_two_route_tables": {phase: 1, want: "is associated with 2 route tables", fix: fixAll,
		apply:      func(t *testing.T, g *graph.Graph) { clone(t, g, tRTA, "net-data-us-east-1a", "net-data-again") },
		structural: "counts associations by their dependency on the subnet, which a preview knows"},
	"deny_route_table_duplicate_destination": {phase: 3, want: "has two routes to 0.0.0.0/0", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			rt := find(t, g, tRT, "net-public")
			rt.Inputs["routes"] = append(rt.Inputs["routes"].([]any), map[string]any{"cidrBlock": "0.0.0.0/0", "gatewayId": graph.Unknown})
		},
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tRT, "net-public", "routes.1.cidrBlock") }},
})

// The analyzer hands stack rules a table's outputs, whose routes list the
// table's standalone routes too: those alone are no mix.
func TestRouteTableOutputsAreNoMix(t *testing.T) {
	g := graphOf(t, "aws", 3)
	find(t, g, tRT, "net-app-us-east-1a").Inputs["routes"] = []any{map[string]any{"cidrBlock": "0.0.0.0/0", "natGatewayId": "nat-1"}}
	for _, v := range evaluate(t, g, policies.Config{}) {
		if v.Rule == "stack_deny_route_table_mixed" {
			t.Errorf("fired on a table listing only its standalone routes: %s", v.Message)
		}
	}
}
