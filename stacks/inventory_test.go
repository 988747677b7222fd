package stacks_test

import (
	"strings"
	"testing"

	"github.com/scalezero/scalezero/graph"
	"github.com/scalezero/scalezero/graph/stackgraph"
)

const (
	tInstance     = "aws:ec2/instance:Instance"
	tRDS          = "aws:rds/instance:Instance"
	tALB          = "aws:lb/loadBalancer:LoadBalancer"
	tASG          = "aws:autoscaling/group:Group"
	tReplGroup    = "aws:elasticache/replicationGroup:ReplicationGroup"
	tDistribution = "aws:cloudfront/distribution:Distribution"
	tOAC          = "aws:cloudfront/originAccessControl:OriginAccessControl"
	tPolicy       = "aws:autoscaling/policy:Policy"
	tProvider     = "pulumi:providers:aws"
	tRecord       = "aws:route53/record:Record"
	tHealthCheck  = "aws:route53/healthCheck:HealthCheck"
	tQueue        = "aws:sqs/queue:Queue"
	tLT           = "aws:ec2/launchTemplate:LaunchTemplate"
	tSG           = "aws:ec2/securityGroup:SecurityGroup"
	tIngress      = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
	tSubnet       = "aws:ec2/subnet:Subnet"
	tTargetGroup  = "aws:lb/targetGroup:TargetGroup"
)

// TestInventory pins how many of each tier's key resources every phase has.
func TestInventory(t *testing.T) {
	type inv struct{ instances, rds, albs, asgs, caches, cdns, policies, providers, queues int }
	want := map[int]inv{
		1: {instances: 1, providers: 1},
		2: {instances: 1, rds: 1, providers: 1},
		3: {rds: 1, albs: 1, asgs: 1, providers: 1},
		4: {rds: 2, albs: 1, asgs: 1, providers: 1},
		5: {rds: 2, albs: 1, asgs: 1, caches: 1, cdns: 1, providers: 1},
		6: {rds: 2, albs: 1, asgs: 1, caches: 1, cdns: 1, policies: 1, providers: 1},
		7: {rds: 3, albs: 2, asgs: 2, caches: 2, cdns: 1, policies: 2, providers: 2},
		// From phase 8 each region has a queue, its DLQ and a worker fleet.
		8: {rds: 3, albs: 2, asgs: 4, caches: 2, cdns: 1, policies: 4, providers: 2, queues: 4},
		// phase 9: the main database and its replica, two shards with one
		// replica each, and the second region's copies of the main database
		// and of each shard.
		9: {rds: 9, albs: 2, asgs: 4, caches: 2, cdns: 1, policies: 4, providers: 2, queues: 4},
	}
	forPhases(t, 1, 9, func(t *testing.T, g *graph.Graph) {
		got := inv{
			instances: count(g, tInstance), rds: count(g, tRDS), albs: count(g, tALB), asgs: count(g, tASG),
			caches: count(g, tReplGroup), cdns: count(g, tDistribution), policies: count(g, tPolicy),
			providers: count(g, tProvider), queues: count(g, tQueue),
		}
		if got != want[g.Phase] {
			t.Fatalf("inventory %+v, want %+v", got, want[g.Phase])
		}
		if g.Phase >= 5 && count(g, tOAC) != 1 {
			t.Fatalf("want one origin access control, got %d", count(g, tOAC))
		}
	})
}

func TestNoDuplicateURN(t *testing.T) {
	forPhases(t, 1, 9, func(t *testing.T, g *graph.Graph) {
		seen := map[string]bool{}
		for _, u := range g.URNs() {
			if seen[u] {
				t.Fatalf("duplicate URN %s", u)
			}
			seen[u] = true
		}
	})
}

// Every custom resource sits under a component of ours; only providers and
// components are declared at the stack's root.
func TestEveryResourceHasAComponentParent(t *testing.T) {
	forPhases(t, 1, 9, func(t *testing.T, g *graph.Graph) {
		for _, r := range g.Resources {
			parent, ok := g.ByURN(r.Parent)
			switch {
			case !ok && !strings.Contains(r.Parent, "::pulumi:pulumi:Stack::"):
				t.Errorf("%s %s: parent %q is neither a component nor the stack", r.Type, r.Name, r.Parent)
			case !ok && r.Custom && r.Type != tProvider:
				t.Errorf("%s %s is declared at the root, outside any component", r.Type, r.Name)
			case ok && parent.Custom:
				t.Errorf("%s %s: parent %s is not a component", r.Type, r.Name, parent.Type)
			}
		}
	})
}

// Raising the phase must not rename what exists: no logical name and no tag
// may carry the phase.
func TestNamesAndTagsNeverCarryThePhase(t *testing.T) {
	forPhases(t, 1, 9, func(t *testing.T, g *graph.Graph) {
		for _, r := range g.Resources {
			if containsFold(r.Name, "phase") {
				t.Errorf("%s is named after the phase", r.URN)
			}
			if tags, ok := r.Inputs["tags"].(map[string]any); ok {
				for k, v := range tags {
					if s, _ := v.(string); containsFold(k, "phase") || containsFold(s, "phase") {
						t.Errorf("%s tag %s=%v carries the phase", r.URN, k, v)
					}
				}
			}
		}
	})
}

// BenchmarkPlanPhase9 runs the whole program for the largest phase under the
// recorder: what `make plan PHASE=9` and every test pay per graph.
func BenchmarkPlanPhase9(b *testing.B) {
	for b.Loop() {
		if _, err := stackgraph.Run(baseConfig(9), "cacheAuthToken"); err != nil {
			b.Fatal(err)
		}
	}
}
