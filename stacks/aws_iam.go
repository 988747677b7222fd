package stacks

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/components/appconfig"
	"github.com/scalezero/scalezero/components/observability"
	"github.com/scalezero/scalezero/components/role"
	"github.com/scalezero/scalezero/components/shared"
)

// The aws target: the hosts' roles and their statements.

// statements are the inline IAM statements of a host role ("server", "web"
// or "worker") in region r.
func (b *builder) statements(r *region, kind string) []role.Statement {
	st := []role.Statement{{
		Sid:       "ReadAppConfig",
		Actions:   []string{"ssm:GetParametersByPath", "ssm:GetParameters", "ssm:GetParameter"},
		Resources: pulumi.ToStringArray([]string{appconfig.ReadResource(r.name, b.paramPath)}),
	}}
	st = append(st, role.Statement{
		Sid:       "WriteLogs",
		Actions:   []string{"logs:CreateLogStream", "logs:PutLogEvents"},
		Resources: pulumi.ToStringArray([]string{fmt.Sprintf("arn:aws:logs:%s:*:log-group:%s:*", r.name, observability.LogGroupName(b.paramPath, logService(kind)))}),
	})
	if arns := b.secretARNs(r); len(arns) > 0 {
		list := pulumi.StringArray{}
		for _, k := range shared.SortedKeys(arns) {
			list = append(list, arns[k])
		}
		st = append(st, role.Statement{Sid: "ReadDatabaseSecrets", Actions: []string{"secretsmanager:GetSecretValue"}, Resources: list})
	}
	st = append(st, b.sessionStatements(r, kind)...)
	return append(st, b.jobStatements(r, kind)...)
}

// logService is the app service a host kind runs: the single server is web.
func logService(kind string) string {
	if kind == "worker" {
		return "worker"
	}
	return "web"
}

func (b *builder) newRole(r *region, kind string) (*role.Role, error) {
	return role.New(b.ctx, r.named(kind+"-role"), &role.Args{Statements: b.statements(r, kind), Tags: b.tags}, r.opts())
}
