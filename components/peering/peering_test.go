package peering_test

import (
	"slices"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/components/network"
	"github.com/scalezero/scalezero/components/peering"
	"github.com/scalezero/scalezero/graph/record"
)

func program(ctx *pulumi.Context) error {
	primary, err := network.New(ctx, "primary", &network.Args{CIDR: "10.0.0.0/16", Zones: []string{"us-east-1a", "us-east-1b"}})
	if err != nil {
		return err
	}
	west, err := aws.NewProvider(ctx, "eu-west-1", &aws.ProviderArgs{Region: pulumi.String("eu-west-1")})
	if err != nil {
		return err
	}
	remote, err := network.New(ctx, "remote", &network.Args{CIDR: "10.1.0.0/16", Zones: []string{"eu-west-1a", "eu-west-1b"}}, pulumi.Provider(west))
	if err != nil {
		return err
	}
	_, err = peering.New(ctx, "peering", &peering.Args{Primary: primary, Remote: remote, RemoteRegion: "eu-west-1", RemoteProvider: west})
	return err
}

// The remote region's hosts reach the primary's block, and the primary's
// data tier answers the remote app subnets only, once the peering is
// accepted on the remote side.
func TestRoutesBothWays(t *testing.T) {
	g := record.Known(t, program)
	conn, _ := g.Named("aws:ec2/vpcPeeringConnection:VpcPeeringConnection", "peering")
	accepter, ok := g.Named("aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter", "peering-accepter")
	if conn.Str("peerRegion") != "eu-west-1" || !ok || accepter.Get("autoAccept") != true || !accepter.DependsOn("vpcPeeringConnectionId", conn.URN) {
		t.Fatalf("connection %v, accepter %v", conn.Inputs, accepter.Inputs)
	}
	var toPrimary, toRemote []string
	for _, r := range g.OfType("aws:ec2/route:Route") {
		if r.Str("vpcPeeringConnectionId") == "" {
			continue
		}
		if !r.DependsOn("vpcPeeringConnectionId", accepter.URN) {
			t.Errorf("%s is made before the peering is accepted", r.Name)
		}
		if r.Provider != accepter.Provider && r.Str("destinationCidrBlock") == "10.0.0.0/16" {
			t.Errorf("%s routes the primary block from the primary region", r.Name)
		}
		if r.Str("destinationCidrBlock") == "10.0.0.0/16" {
			toPrimary = append(toPrimary, r.Name)
		} else {
			toRemote = append(toRemote, r.Str("destinationCidrBlock"))
		}
	}
	slices.Sort(toRemote)
	if len(toPrimary) != 2 || !slices.Equal(toRemote, []string{"10.1.64.0/21", "10.1.72.0/21"}) {
		t.Errorf("routes to the primary from %v, to the remote app subnets %v", toPrimary, toRemote)
	}
}

// Two regions' networks, peered.
func ExampleNew() {
	record.PrintCensus(program)
	// Output:
	// aws:ec2/defaultSecurityGroup:DefaultSecurityGroup 2
	// aws:ec2/internetGateway:InternetGateway 2
	// aws:ec2/route:Route 4
	// aws:ec2/routeTable:RouteTable 8
	// aws:ec2/routeTableAssociation:RouteTableAssociation 12
	// aws:ec2/subnet:Subnet 12
	// aws:ec2/vpc:Vpc 2
	// aws:ec2/vpcPeeringConnection:VpcPeeringConnection 1
	// aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter 1
	// pulumi:providers:aws 1
}
