package stacks

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/components/shared"
	"github.com/scalezero/scalezero/graph/record"
	"github.com/scalezero/scalezero/stacks/plan"
)

// A rule that names a host group waits for it: admitted, the rule is
// declared with the group's id; when the program stops before the hosts,
// the groups are rejected and the program ends with its error instead of
// waiting for hosts that will never be built.
func TestDeferredHostGroups(t *testing.T) {
	program := func(stop error) pulumi.RunFunc {
		return func(ctx *pulumi.Context) error {
			b := &builder{ctx: ctx, p: plan.Plan{Queue: true}}
			g := b.newHostGroups(&region{role: "primary"})
			if got := shared.SortedKeys(g.ids); strings.Join(got, ",") != "web,worker" {
				t.Errorf("host kinds of a phase with workers: %v, want web,worker", got)
			}
			sg, err := shared.SecurityGroup(ctx, "db", "db", pulumi.String("vpc-1"), nil)
			if err != nil {
				return err
			}
			if err := shared.AllowClients(ctx, "db", sg, g.ids, 5432); err != nil {
				return err
			}
			if stop != nil {
				g.fail(stop)
				return stop
			}
			web, _ := shared.SecurityGroup(ctx, "web", "web", pulumi.String("vpc-1"), nil)
			worker, _ := shared.SecurityGroup(ctx, "worker", "worker", pulumi.String("vpc-1"), nil)
			if err := g.admit("server", web.ID().ToStringOutput()); err == nil {
				t.Error("admitting a kind the region does not build was accepted")
			}
			if err := g.admit("web", web.ID().ToStringOutput()); err != nil {
				return err
			}
			return g.admit("worker", worker.ID().ToStringOutput())
		}
	}
	gr, err := record.KnownErr(program(nil))
	if err != nil {
		t.Fatal(err)
	}
	for _, client := range []string{"web", "worker"} {
		rule, ok := gr.Named("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "db-from-"+client)
		if !ok {
			t.Fatalf("no rule db-from-%s", client)
		}
		group, _ := gr.Named("aws:ec2/securityGroup:SecurityGroup", client)
		if deps := rule.PropertyDependencies["referencedSecurityGroupId"]; !slices.Equal(deps, []string{group.URN}) || rule.Str("referencedSecurityGroupId") == "" {
			t.Errorf("db-from-%s admits %q from %v, want the %s group's id from %s", client, rule.Str("referencedSecurityGroupId"), deps, client, group.URN)
		}
	}
	stop := errors.New("a later step failed")
	if _, err := record.KnownErr(program(stop)); err == nil || !strings.Contains(err.Error(), stop.Error()) {
		t.Fatalf("a program stopped before its hosts: err = %v, want %q", err, stop)
	}
}
