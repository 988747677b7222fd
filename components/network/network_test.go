package network

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/components/shared"
	"github.com/scalezero/scalezero/graph"
	"github.com/scalezero/scalezero/graph/record"
)

var zones = []string{"us-east-1a", "us-east-1b", "us-east-1c"}

func build(t *testing.T, args *Args) *graph.Graph {
	t.Helper()
	return record.Known(t, func(ctx *pulumi.Context) error {
		_, err := New(ctx, "net", args)
		return err
	})
}

// One subnet of each tier per zone, at the blocks the stack's security
// groups and peering routes are written against.
func TestSubnetsPerZone(t *testing.T) {
	g := build(t, &Args{CIDR: "10.0.0.0/16", Zones: zones})
	want := map[string]string{
		"net-public-us-east-1a": "10.0.0.0/21", "net-public-us-east-1b": "10.0.8.0/21", "net-public-us-east-1c": "10.0.16.0/21",
		"net-app-us-east-1a": "10.0.64.0/21", "net-app-us-east-1b": "10.0.72.0/21", "net-app-us-east-1c": "10.0.80.0/21",
		"net-data-us-east-1a": "10.0.128.0/21", "net-data-us-east-1b": "10.0.136.0/21", "net-data-us-east-1c": "10.0.144.0/21",
	}
	subnets := g.OfType("aws:ec2/subnet:Subnet")
	if len(subnets) != len(want) {
		t.Fatalf("%d subnets, want %d", len(subnets), len(want))
	}
	for _, s := range subnets {
		if got := s.Str("cidrBlock"); got != want[s.Name] {
			t.Errorf("%s: %s, want %s", s.Name, got, want[s.Name])
		}
		if az := s.Str("availabilityZone"); az != s.Name[len(s.Name)-len(az):] {
			t.Errorf("%s is in %s", s.Name, az)
		}
		if s.Get("mapPublicIpOnLaunch") != false {
			t.Errorf("%s gives instances public addresses", s.Name)
		}
	}
}

// One NAT gateway serves every zone, or one per zone; without NAT the app
// tier has no route out.
func TestNATStrategy(t *testing.T) {
	for _, c := range []struct {
		name          string
		nat           NATStrategy
		gateways, out int
	}{
		{"none", NATNone, 0, 0},
		{"one", NATSingle, 1, 3},
		{"per zone", NATPerAZ, 3, 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := build(t, &Args{CIDR: "10.0.0.0/16", Zones: zones, NAT: c.nat})
			nats := g.OfType("aws:ec2/natGateway:NatGateway")
			routes := g.OfType("aws:ec2/route:Route")
			if len(nats) != c.gateways || len(routes) != c.out {
				t.Fatalf("%d NAT gateways and %d routes out, want %d and %d", len(nats), len(routes), c.gateways, c.out)
			}
			for i, r := range routes {
				nat := nats[min(i, len(nats)-1)]
				if !r.DependsOn("natGatewayId", nat.URN) || r.Str("destinationCidrBlock") != "0.0.0.0/0" {
					t.Errorf("route %s does not go out through %s", r.Name, nat.Name)
				}
			}
			for _, n := range nats {
				sub := n.PropertyDependencies["subnetId"]
				if len(sub) != 1 || !strings.Contains(sub[0], "net-public-") {
					t.Errorf("NAT gateway %s is not in a public subnet: %v", n.Name, sub)
				}
			}
		})
	}
}

// The tiers' subnets, for any block and zone count the network accepts, lie
// inside the block and never overlap; a valid input never errors.
func FuzzSubnets(f *testing.F) {
	for _, seed := range []struct {
		cidr  string
		zones int
	}{{"10.0.0.0/16", 3}, {"10.20.0.0/20", 6}, {"172.16.0.0/18", 1}, {"192.168.16.0/20", 2}, {"10.1.0.0/17", 6}} {
		f.Add(seed.cidr, seed.zones)
	}
	f.Fuzz(func(t *testing.T, cidr string, n int) {
		azs := make([]string, max(0, min(n, 10)))
		for i := range azs {
			azs[i] = fmt.Sprintf("zone-%d", i)
		}
		if validate(&Args{CIDR: cidr, Zones: azs}) != nil {
			return
		}
		block := netip.MustParsePrefix(cidr).Masked()
		var seen []netip.Prefix
		for _, slot := range []int{publicSlot, appSlot, dataSlot} {
			for i := range azs {
				s, err := shared.Subnet(cidr, subnetBits, slot+i)
				if err != nil {
					t.Fatalf("%s zone %d of slot %d: %v", cidr, i, slot, err)
				}
				p := netip.MustParsePrefix(s)
				if p.Bits() < block.Bits() || !block.Contains(p.Addr()) || p != p.Masked() {
					t.Fatalf("%s lies outside %s", s, cidr)
				}
				for _, o := range seen {
					if o.Overlaps(p) {
						t.Fatalf("%s overlaps %s in %s", s, o, cidr)
					}
				}
				seen = append(seen, p)
			}
		}
	})
}

// A three-zone VPC with one NAT gateway.
func ExampleNew() {
	record.PrintCensus(func(ctx *pulumi.Context) error {
		_, err := New(ctx, "net", &Args{CIDR: "10.0.0.0/16", Zones: zones, NAT: NATSingle})
		return err
	})
	// Output:
	// aws:ec2/defaultSecurityGroup:DefaultSecurityGroup 1
	// aws:ec2/eip:Eip 1
	// aws:ec2/internetGateway:InternetGateway 1
	// aws:ec2/natGateway:NatGateway 1
	// aws:ec2/route:Route 3
	// aws:ec2/routeTable:RouteTable 5
	// aws:ec2/routeTableAssociation:RouteTableAssociation 9
	// aws:ec2/subnet:Subnet 9
	// aws:ec2/vpc:Vpc 1
}
