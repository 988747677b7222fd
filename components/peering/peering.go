// Package peering connects the primary region's VPC to the second region's
// (phase 7), so the second region's hosts reach what lives only in the
// primary region: the database writer (every write goes there) and the
// shards. An inter-region VPC peering connection, accepted on the other
// side, and routes both ways: the other region's app subnets to the primary
// VPC, and the primary's data subnets back to them. Nothing else routes
// across: the primary's hosts and the other region's data tier do not,
// except after a failover (Reverse), when the other region holds the
// writers and the primary region's hosts write there.
//
// No DNS option is needed: the databases are not publicly accessible, so
// their endpoints resolve to private addresses wherever they are looked up
// (RDS API Reference, CreateDBInstance, PubliclyAccessible).
package peering

import (
	"fmt"
	"net/netip"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/components/network"
	"github.com/scalezero/scalezero/components/shared"
)

// Args configure a Peering. The component's own provider is the primary
// region's; Remote's resources use RemoteProvider.
type Args struct {
	Primary        *network.Network
	Remote         *network.Network
	RemoteRegion   string
	RemoteProvider pulumi.ProviderResource
	// Reverse routes the primary's app subnets to the remote VPC too, and
	// the remote data subnets back to them: after a failover, the primary
	// region's hosts write to the databases the remote region holds.
	Reverse bool
	Tags    map[string]string
}

// Peering is the component.
type Peering struct {
	pulumi.ResourceState

	Connection *ec2.VpcPeeringConnection
	Accepter   *ec2.VpcPeeringConnectionAccepter
	Routes     []*ec2.Route

	ConnectionID pulumi.StringOutput
}

func validate(a *Args) error {
	bad := shared.Invalid("peering")
	switch {
	case a == nil:
		return bad("args", nil, "non-nil Args")
	case a.Primary == nil || a.Remote == nil:
		return bad("Primary/Remote", "missing", "both networks")
	}
	primary, err := netip.ParsePrefix(a.Primary.CIDR)
	if err != nil {
		return bad("Primary.CIDR", a.Primary.CIDR, "an IPv4 block")
	}
	remote, err := netip.ParsePrefix(a.Remote.CIDR)
	switch {
	case err != nil:
		return bad("Remote.CIDR", a.Remote.CIDR, "an IPv4 block")
	case primary.Overlaps(remote):
		return bad("Remote.CIDR", a.Remote.CIDR, fmt.Sprintf("a block apart from the primary's %s (peered VPCs cannot overlap)", a.Primary.CIDR))
	case a.RemoteProvider == nil || a.RemoteRegion == "":
		return bad("RemoteProvider/RemoteRegion", "missing", "the remote region and its provider")
	}
	return nil
}

// New requests, accepts and routes the peering.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Peering, error) {
	if err := validate(args); err != nil {
		return nil, err
	}
	p := &Peering{}
	if err := ctx.RegisterComponentResource(shared.Project+":peering:Peering", name, p, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(p)
	remote := pulumi.Provider(args.RemoteProvider)
	var err error
	if p.Connection, err = ec2.NewVpcPeeringConnection(ctx, name, &ec2.VpcPeeringConnectionArgs{
		VpcId:      args.Primary.VPC.ID(),
		PeerVpcId:  args.Remote.VPC.ID(),
		PeerRegion: pulumi.String(args.RemoteRegion),
		// Across regions the other side accepts (below); auto-accept is
		// refused on the requester's side.
		AutoAccept: pulumi.Bool(false),
		Tags:       shared.Tags(args.Tags, name),
	}, child); err != nil {
		return nil, err
	}
	if p.Accepter, err = ec2.NewVpcPeeringConnectionAccepter(ctx, name+"-accepter", &ec2.VpcPeeringConnectionAccepterArgs{
		VpcPeeringConnectionId: p.Connection.ID(),
		AutoAccept:             pulumi.Bool(true),
		Tags:                   shared.Tags(args.Tags, name),
	}, child, remote); err != nil {
		return nil, err
	}
	// Routes once the connection is active (accepted); its id comes from
	// the accepter for that reason.
	active := p.Accepter.VpcPeeringConnectionId
	for i, rt := range args.Remote.AppRouteTables {
		if err := p.route(ctx, fmt.Sprintf("%s-remote-app-%d", name, i), rt, args.Primary.CIDR, active, child, remote); err != nil {
			return nil, err
		}
	}
	for i, cidr := range args.Remote.AppCIDRs {
		if err := p.route(ctx, fmt.Sprintf("%s-primary-data-%d", name, i), args.Primary.DataRouteTable, cidr, active, child); err != nil {
			return nil, err
		}
	}
	if args.Reverse {
		for i, rt := range args.Primary.AppRouteTables {
			if err := p.route(ctx, fmt.Sprintf("%s-primary-app-%d", name, i), rt, args.Remote.CIDR, active, child); err != nil {
				return nil, err
			}
		}
		for i, cidr := range args.Primary.AppCIDRs {
			if err := p.route(ctx, fmt.Sprintf("%s-remote-data-%d", name, i), args.Remote.DataRouteTable, cidr, active, child, remote); err != nil {
				return nil, err
			}
		}
	}
	p.ConnectionID = active
	return p, ctx.RegisterResourceOutputs(p, pulumi.Map{"connectionId": p.ConnectionID})
}

func (p *Peering) route(ctx *pulumi.Context, name string, table *ec2.RouteTable, cidr string, connection pulumi.StringInput, opts ...pulumi.ResourceOption) error {
	r, err := ec2.NewRoute(ctx, name, &ec2.RouteArgs{
		RouteTableId:           table.ID(),
		DestinationCidrBlock:   pulumi.String(cidr),
		VpcPeeringConnectionId: connection,
	}, opts...)
	if err == nil {
		p.Routes = append(p.Routes, r)
	}
	return err
}
