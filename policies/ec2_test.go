package policies_test

import (
	"testing"

	"github.com/scalezero/scalezero/graph"
)

// The breaking cases of ec2.rego's rules: each breaks one resource so that
// exactly that rule fires; a preflight rule's case then makes the value
// the rule decides on unknown, and nothing fires.
var _ = casesOf("ec2.rego", map[string]breaker{
	"deny_security_group_name": setting(1, tSG, "server", "description", "serveur public – web", "has a description EC2 refuses"),
	"deny_sg_rule_peer": {phase: 1, want: "names 2 peers", fix: fixAll,
		apply:      func(t *testing.T, g *graph.Graph) { find(t, g, tIngr, "server-80").Inputs["cidrIpv6"] = "::/0" },
		structural: "reads which peer properties are set, which a preview knows even when their values are not"},
	"deny_sg_rule_ports": {phase: 2, want: "opens tcp ports 5433-5432", fix: fixAll,
		apply:   func(t *testing.T, g *graph.Graph) { find(t, g, tIngr, "db-from-server").Inputs["fromPort"] = 5433 },
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tIngr, "db-from-server", "toPort") }},
	"deny_sg_rule_description": setting(1, tIngr, "server-80", "description", "public web <b>", "has a rule description EC2 refuses: 'public web <b>'"),
	"stack_deny_duplicate_sg_rule": {phase: 1, want: "are the same rule", fix: fixAll,
		apply:   func(t *testing.T, g *graph.Graph) { clone(t, g, tIngr, "server-80", "server-80-again") },
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tIngr, "server-80-again", "fromPort") }},
	"deny_user_data_size": setting(1, tInst, "server", "userData", repeat("#", 17000), "has 17000 bytes of user data"),
	"stack_deny_host_before_parameters": {phase: 3, want: "'web-fleet-again' reads /scalezero/dev/ in us-east-1 at boot", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			lt := clone(t, g, tLT, "web-fleet", "web-fleet-again")
			lt.Dependencies = []string{}
		},
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tLT, "web-fleet-again", "userData") }},
	"deny_launch_template_settings": setting(3, tLT, "web-fleet", "metadataOptions.httpPutResponseHopLimit", 0, "sets a metadata hop limit of 0"),
	"deny_launch_template_name":     setting(3, tLT, "web-fleet", "name", "lt", "gets the name 'lt'"),
	"deny_ssh_from_anywhere": {phase: 1, want: "admits SSH from the internet", apply: func(t *testing.T, g *graph.Graph) {
		r := find(t, g, tIngr, "server-80")
		r.Inputs["fromPort"], r.Inputs["toPort"] = 22, 22
	}},
	"deny_world_ingress": {phase: 3, want: "opens ports 8080-8080 to the internet", apply: func(t *testing.T, g *graph.Graph) {
		r := find(t, g, tIngr, "web-lb-80")
		r.Inputs["fromPort"], r.Inputs["toPort"] = 8080, 8080
	}},
	"deny_imdsv1": {phase: 3, want: "allows IMDSv1", apply: func(t *testing.T, g *graph.Graph) {
		find(t, g, tLT, "web-fleet").Inputs["metadataOptions"].(map[string]any)["httpTokens"] = "optional"
	}},
	"deny_launch_template_public_ip": {phase: 3, want: "public IP", apply: func(t *testing.T, g *graph.Graph) {
		find(t, g, tLT, "web-fleet").Inputs["networkInterfaces"].([]any)[0].(map[string]any)["associatePublicIpAddress"] = "true"
	}},
	"deny_ebs_unencrypted": {phase: 3, want: "maps /dev/xvda unencrypted", apply: func(t *testing.T, g *graph.Graph) {
		find(t, g, tLT, "web-fleet").Inputs["blockDeviceMappings"].([]any)[0].(map[string]any)["ebs"].(map[string]any)["encrypted"] = "false"
	}},
})
