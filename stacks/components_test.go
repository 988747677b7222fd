package stacks_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/components/cache"
	"github.com/scalezero/scalezero/components/cdn"
	"github.com/scalezero/scalezero/components/containers"
	"github.com/scalezero/scalezero/components/database"
	"github.com/scalezero/scalezero/components/fleet"
	"github.com/scalezero/scalezero/components/network"
	"github.com/scalezero/scalezero/components/peering"
	"github.com/scalezero/scalezero/components/queue"
	"github.com/scalezero/scalezero/components/shared"
	"github.com/scalezero/scalezero/components/webtier"
	"github.com/scalezero/scalezero/graph"
	"github.com/scalezero/scalezero/graph/record"
	"github.com/scalezero/scalezero/stacks/plan"
)

// Each component refuses bad arguments with an error naming the argument,
// before it declares anything.
func TestComponentsRejectBadArgsByName(t *testing.T) {
	vpc := pulumi.String("vpc-1")
	subnets := pulumi.StringArray{pulumi.String("a"), pulumi.String("b")}
	nets := []containers.Network{{Name: pulumi.String("net")}}
	cases := []struct {
		component, arg string
		build          func(ctx *pulumi.Context) error
	}{
		{"network.New", "Zones", func(ctx *pulumi.Context) error {
			_, err := network.New(ctx, "n", &network.Args{CIDR: "10.0.0.0/16"})
			return err
		}},
		{"network.New", "NAT", func(ctx *pulumi.Context) error {
			_, err := network.New(ctx, "n", &network.Args{CIDR: "10.0.0.0/16", Zones: []string{"a"}, NAT: "both"})
			return err
		}},
		{"network.New", "CIDR", func(ctx *pulumi.Context) error {
			_, err := network.New(ctx, "n", &network.Args{CIDR: "10.0.0.0/8", Zones: []string{"a"}})
			return err
		}},
		{"fleet.New", "Min", func(ctx *pulumi.Context) error {
			_, err := fleet.New(ctx, "f", &fleet.Args{VpcID: vpc, SubnetIDs: subnets, ProfileName: pulumi.String("p"), InstanceType: "t3.small", UserDataBase64: "eA==", Min: 5, Desired: 5, Max: 2})
			return err
		}},
		{"webtier.New", "Zones", func(ctx *pulumi.Context) error {
			_, err := webtier.New(ctx, "w", &webtier.Args{VpcID: vpc, PublicSubnetIDs: subnets, Zones: []string{"a"}})
			return err
		}},
		{"webtier.New", "Scaling.Metric", func(ctx *pulumi.Context) error {
			_, err := webtier.New(ctx, "w", &webtier.Args{VpcID: vpc, PublicSubnetIDs: subnets, Zones: []string{"a", "b"}, Scaling: &webtier.Scaling{Metric: "memory", Target: 1}})
			return err
		}},
		{"database.New", "Replicas", func(ctx *pulumi.Context) error {
			_, err := database.New(ctx, "d", &database.Args{VpcID: vpc, SubnetIDs: subnets, Zones: []string{"a"}, InstanceClass: "db.t4g.small", AllocatedStorage: 20, MaxAllocatedStorage: 100, BackupRetentionDays: 7, EngineVersion: "16", Replicas: -1})
			return err
		}},
		{"database.New", "EngineVersion", func(ctx *pulumi.Context) error {
			_, err := database.New(ctx, "d", &database.Args{VpcID: vpc, SubnetIDs: subnets, Zones: []string{"a"}, InstanceClass: "db.t4g.small", AllocatedStorage: 20, MaxAllocatedStorage: 100, BackupRetentionDays: 7, EngineVersion: "latest"})
			return err
		}},
		{"cache.New", "MaxmemoryPolicy", func(ctx *pulumi.Context) error {
			_, err := cache.New(ctx, "c", &cache.Args{VpcID: vpc, SubnetIDs: subnets, AuthToken: pulumi.String("x"), NodeType: "cache.t4g.small", Replicas: 1, MaxmemoryPolicy: "lru"})
			return err
		}},
		{"cache.New", "Engine", func(ctx *pulumi.Context) error {
			_, err := cache.New(ctx, "c", &cache.Args{VpcID: vpc, SubnetIDs: subnets, AuthToken: pulumi.String("x"), NodeType: "cache.t4g.small", Replicas: 1, Engine: "memcached"})
			return err
		}},
		// Valkey has no 7.1: its versions are 7.2 and 8.x.
		{"cache.New", "EngineVersion", func(ctx *pulumi.Context) error {
			_, err := cache.New(ctx, "c", &cache.Args{VpcID: vpc, SubnetIDs: subnets, AuthToken: pulumi.String("x"), NodeType: "cache.t4g.small", Replicas: 1, Engine: "valkey", EngineVersion: "7.1"})
			return err
		}},
		{"cache.New", "Replicas", func(ctx *pulumi.Context) error {
			_, err := cache.New(ctx, "c", &cache.Args{VpcID: vpc, SubnetIDs: subnets, AuthToken: pulumi.String("x"), NodeType: "cache.t4g.small", Replicas: 0})
			return err
		}},
		{"peering.New", "Remote.CIDR", func(ctx *pulumi.Context) error {
			_, err := peering.New(ctx, "p", &peering.Args{Primary: &network.Network{CIDR: "10.0.0.0/16"}, Remote: &network.Network{CIDR: "10.0.128.0/17"}})
			return err
		}},
		{"peering.New", "RemoteProvider/RemoteRegion", func(ctx *pulumi.Context) error {
			_, err := peering.New(ctx, "p", &peering.Args{Primary: &network.Network{CIDR: "10.0.0.0/16"}, Remote: &network.Network{CIDR: "10.1.0.0/16"}})
			return err
		}},
		{"cdn.New", "PriceClass", func(ctx *pulumi.Context) error {
			_, err := cdn.New(ctx, "c", &cdn.Args{OriginDomain: pulumi.String("x"), PriceClass: "cheap"})
			return err
		}},
		{"queue.New", "VisibilityTimeoutSeconds", func(ctx *pulumi.Context) error {
			_, err := queue.New(ctx, "q", &queue.Args{VisibilityTimeoutSeconds: 30, JobTimeoutSeconds: 60, MaxReceiveCount: 5})
			return err
		}},
		// The docker target's stand-ins.
		{"containers.NewAppFleet", "Role", func(ctx *pulumi.Context) error {
			_, err := containers.NewAppFleet(ctx, "a", &containers.AppFleetArgs{Role: "api", Count: 1, Image: pulumi.String("i"), Networks: nets})
			return err
		}},
		{"containers.NewAppFleet", "HostPort", func(ctx *pulumi.Context) error {
			_, err := containers.NewAppFleet(ctx, "a", &containers.AppFleetArgs{Role: "web", Count: 2, Image: pulumi.String("i"), Networks: nets, HostPort: 8080})
			return err
		}},
		{"containers.NewAppFleet", "Networks", func(ctx *pulumi.Context) error {
			_, err := containers.NewAppFleet(ctx, "a", &containers.AppFleetArgs{Role: "web", Count: 1, Image: pulumi.String("i")})
			return err
		}},
		{"containers.NewPostgres", "Replicas", func(ctx *pulumi.Context) error {
			_, err := containers.NewPostgres(ctx, "p", &containers.PostgresArgs{Networks: nets, Replicas: 16})
			return err
		}},
		{"containers.NewReplica", "Primary", func(ctx *pulumi.Context) error {
			_, err := containers.NewReplica(ctx, "r", &containers.ReplicaArgs{Networks: nets})
			return err
		}},
		{"containers.NewRedis", "MaxmemoryPolicy", func(ctx *pulumi.Context) error {
			_, err := containers.NewRedis(ctx, "r", &containers.RedisArgs{Networks: nets})
			return err
		}},
		{"containers.NewLoadBalancer", "Backends", func(ctx *pulumi.Context) error {
			_, err := containers.NewLoadBalancer(ctx, "l", &containers.LoadBalancerArgs{HostPort: 8080, Networks: nets})
			return err
		}},
		{"containers.NewCDN", "HostPort", func(ctx *pulumi.Context) error {
			_, err := containers.NewCDN(ctx, "c", &containers.CDNArgs{Files: map[string][]byte{"a": nil}, HostPort: 70000, Networks: nets})
			return err
		}},
		{"containers.NewLoadBalancer", "HostIP", func(ctx *pulumi.Context) error {
			_, err := containers.NewLoadBalancer(ctx, "l", &containers.LoadBalancerArgs{Backends: []string{"web-0"}, HostPort: 8080, HostIP: "localhost", Networks: nets})
			return err
		}},
		{"containers.NewAppFleet", "TakesOver", func(ctx *pulumi.Context) error {
			_, err := containers.NewAppFleet(ctx, "a", &containers.AppFleetArgs{Role: "web", Count: 1, Image: pulumi.String("i"), Networks: nets, TakesOver: "urn:x"})
			return err
		}},
		{"containers.NewJobTier", "MaxReceiveCount", func(ctx *pulumi.Context) error {
			_, err := containers.NewJobTier(ctx, "j", &containers.JobTierArgs{Region: "us-east-1", MaxReceiveCount: 0, Networks: nets})
			return err
		}},
	}
	for _, c := range cases {
		t.Run(c.component+"/"+c.arg, func(t *testing.T) {
			g, err := record.RunProgram(func(ctx *pulumi.Context) error { return c.build(ctx) }, nil)
			var ae *shared.ArgError
			if !errors.As(err, &ae) || ae.Arg != c.arg || !strings.Contains(err.Error(), "allowed") {
				t.Errorf("want an ArgError naming %s, got %v", c.arg, err)
			}
			if len(g.Resources) != 0 {
				t.Errorf("%d resources declared before the error", len(g.Resources))
			}
		})
	}
}

// Components register as <project>:<package>:<Type> and parent every child.
func TestComponentContract(t *testing.T) {
	for target, least := range map[string]int{"aws": 15, "docker": 10} {
		componentContract(t, targetGraph(t, target, 9), least)
	}
}

func componentContract(t *testing.T, g *graph.Graph, least int) {
	components := 0
	for _, r := range g.Resources {
		if r.Custom {
			continue
		}
		components++
		parts := strings.Split(r.Type, ":")
		if len(parts) != 3 || parts[0] != "scalezero" {
			t.Errorf("component type %s is not scalezero:<package>:<Type>", r.Type)
		}
		children := 0
		for _, c := range g.Resources {
			if c.Parent == r.URN {
				children++
			}
		}
		if children == 0 {
			t.Errorf("component %s %s has no children", r.Type, r.Name)
		}
	}
	if components < least {
		t.Fatalf("only %d components in phase 9", components)
	}
}

func TestCacheAndPlanAgreeOnEvictionPolicies(t *testing.T) {
	if strings.Join(cache.Policies, ",") != strings.Join(plan.MaxmemoryPolicies, ",") {
		t.Fatalf("cache %v, plan %v", cache.Policies, plan.MaxmemoryPolicies)
	}
}
