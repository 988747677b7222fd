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

// A rule that names a host group promised to it waits for it: kept, the
// rule is declared with the group's id and depends on the group; when the
// program stops before the hosts, the promises break and the program ends
// with its error instead of waiting for hosts that will never be built;
// and a promise no step keeps is an error, not a program that never ends.
func TestPromisedHostGroups(t *testing.T) {
	type ending int
	const (
		kept ending = iota
		stopped
		forgotten
	)
	stop := errors.New("a later step failed")
	program := func(end ending) pulumi.RunFunc {
		return func(ctx *pulumi.Context) error {
			b := &builder{ctx: ctx, p: plan.Plan{Queue: true}}
			r := &region{role: "primary"}
			clients := b.hostClients(r)
			if got := shared.SortedKeys(clients); strings.Join(got, ",") != "web,worker" {
				t.Errorf("host kinds of a phase with workers: %v, want web,worker", got)
			}
			sg, err := shared.SecurityGroup(ctx, "db", "db", pulumi.String("vpc-1"), nil)
			if err != nil {
				return err
			}
			if err := shared.AllowClients(ctx, "db", sg, clients, 5432); err != nil {
				return err
			}
			switch end {
			case stopped:
				return b.settle(stop)
			case forgotten:
				web, _ := shared.SecurityGroup(ctx, "web", "web", pulumi.String("vpc-1"), nil)
				if err := b.admit(r, "web", web.ID().ToStringOutput()); err != nil {
					return err
				}
				return b.settle(nil)
			}
			web, _ := shared.SecurityGroup(ctx, "web", "web", pulumi.String("vpc-1"), nil)
			worker, _ := shared.SecurityGroup(ctx, "worker", "worker", pulumi.String("vpc-1"), nil)
			if err := b.admit(r, "server", web.ID().ToStringOutput()); err == nil {
				t.Error("admitting a kind the region does not build was accepted")
			}
			if err := b.admit(r, "web", web.ID().ToStringOutput()); err != nil {
				return err
			}
			if err := b.admit(r, "worker", worker.ID().ToStringOutput()); err != nil {
				return err
			}
			return b.settle(nil)
		}
	}
	gr, err := record.KnownErr(program(kept))
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
	if _, err := record.KnownErr(program(stopped)); err == nil || !strings.Contains(err.Error(), stop.Error()) {
		t.Fatalf("a program stopped before its hosts: err = %v, want %q", err, stop)
	}
	if _, err := record.KnownErr(program(forgotten)); err == nil || !strings.Contains(err.Error(), "never made: worker hosts' security group") {
		t.Fatalf("a promise no step kept: err = %v, want it named", err)
	}
}
