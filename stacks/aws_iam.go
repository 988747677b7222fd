package stacks

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/scalezero/scalezero/components/appconfig"
	"github.com/scalezero/scalezero/components/observability"
	"github.com/scalezero/scalezero/components/role"
	"github.com/scalezero/scalezero/components/shared"
)

// The aws target: the hosts' roles, their statements, and what admits them.

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

// admit lets a client's security group into the region's data tier (its
// databases and cache), and a second region's hosts into the primary
// region's databases, through the peering, by their subnets' blocks. Those
// blocks are the region's app subnets, where its web hosts and workers both
// run: the web hosts' rules admit the workers too (the same rule twice AWS
// refuses as a duplicate).
func (b *builder) admit(r *region, client string, sg pulumi.StringInput) error {
	clients := shared.Clients{client: sg}
	for _, d := range r.databases {
		if err := d.Admit(b.ctx, clients); err != nil {
			return err
		}
	}
	if r.role != "primary" && client == "web" {
		for _, d := range b.primary().databases {
			if err := d.AdmitRemote(b.ctx, r.named(client), r.net.AppCIDRs); err != nil {
				return err
			}
		}
	}
	if r.role == "primary" && client == "web" && b.writesAcross() {
		// The first region back after a failover writes to the second's.
		for _, d := range b.regions[1].databases {
			if err := d.AdmitRemote(b.ctx, r.named(client), r.net.AppCIDRs); err != nil {
				return err
			}
		}
	}
	if r.cache != nil {
		return r.cache.Admit(b.ctx, clients)
	}
	return nil
}
