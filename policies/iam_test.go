package policies_test

import (
	"testing"

	"github.com/scalezero/scalezero/graph"
)

// The breaking cases of iam.rego's rules: each breaks one resource so that
// exactly that rule fires; a preflight rule's case then makes the value
// the rule decides on unknown, and nothing fires.
var _ = casesOf("iam.rego", map[string]breaker{
	"deny_iam_names":                     setting(1, tRole, "server-role", "name", repeat("r", 70), "(explicit, 70 characters); IAM allows 64"),
	"stack_deny_role_inline_policy_size": setting(1, tRolePol, "server-role", "policy", `{"Version":"2012-10-17","Statement":[{"Sid":"`+repeat("S", 11000)+`","Effect":"Allow","Action":"ssm:GetParameter","Resource":"arn:aws:ssm:*:*:parameter/x"}]}`, "characters of inline policy; IAM allows 10240"),
	"stack_deny_role_managed_policies": {phase: 1, want: "managed policies; IAM allows at most 20", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			for i := 0; i < 19; i++ {
				clone(t, g, tAttach, "server-role-ssm", "server-role-extra-"+repeat("x", i+1))
			}
		},
		structural: "counts attachments by their dependency on the role, which a preview knows"},
	"deny_iam_star": {phase: 1, want: "allows * on *", apply: func(t *testing.T, g *graph.Graph) {
		find(t, g, tRolePol, "server-role").Inputs["policy"] =
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":["*"]}]}`
	}},
})
