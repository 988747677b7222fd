package cache_test

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/components/cache"
	"github.com/scalezero/scalezero/components/shared"
	"github.com/scalezero/scalezero/graph"
	"github.com/scalezero/scalezero/graph/record"
)

func args() *cache.Args {
	return &cache.Args{
		VpcID: pulumi.String("vpc-1"), SubnetIDs: pulumi.StringArray{pulumi.String("a"), pulumi.String("b")},
		Clients:  shared.Clients{"web": pulumi.String("sg-web"), "worker": pulumi.String("sg-worker")},
		NodeType: "cache.t4g.small", Replicas: 1,
	}
}

func group(t *testing.T, a *cache.Args) graph.Resource {
	t.Helper()
	g := record.Known(t, func(ctx *pulumi.Context) error {
		_, err := cache.New(ctx, "cache", a)
		return err
	})
	rg, ok := g.Named("aws:elasticache/replicationGroup:ReplicationGroup", "cache")
	if !ok {
		t.Fatal("no replication group")
	}
	return rg
}

// Redis with TLS, at-rest encryption, an AUTH token and automatic failover
// to a replica in another zone.
func TestTLSAuthFailover(t *testing.T) {
	rg := group(t, args())
	for _, p := range []string{"transitEncryptionEnabled", "atRestEncryptionEnabled", "automaticFailoverEnabled", "multiAzEnabled"} {
		if rg.Get(p) != true {
			t.Errorf("%s = %v", p, rg.Get(p))
		}
	}
	if rg.Get("numCacheClusters") != 2.0 {
		t.Errorf("numCacheClusters %v, want a primary and 1 replica", rg.Get("numCacheClusters"))
	}
	if rg.Get("authToken") != graph.Secret {
		t.Errorf("authToken %v, want a secret", rg.Get("authToken"))
	}
	// A generated token is the cache's own: a later run must not rotate it.
	if o := rg.Options; o == nil || len(o.IgnoreChanges) != 1 || o.IgnoreChanges[0] != "authToken" {
		t.Errorf("a generated token is not kept: %+v", o)
	}
	a := args()
	a.AuthToken = pulumi.String("given")
	if o := group(t, a).Options; o != nil && len(o.IgnoreChanges) != 0 {
		t.Errorf("a given token is ignored when it changes: %+v", o)
	}
}

// A primary and one replica, admitting the web and worker groups.
func ExampleNew() {
	record.PrintCensus(func(ctx *pulumi.Context) error {
		_, err := cache.New(ctx, "cache", args())
		return err
	})
	// Output:
	// aws:ec2/securityGroup:SecurityGroup 1
	// aws:elasticache/parameterGroup:ParameterGroup 1
	// aws:elasticache/replicationGroup:ReplicationGroup 1
	// aws:elasticache/subnetGroup:SubnetGroup 1
	// aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule 1
	// aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule 2
}
