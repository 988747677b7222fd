// Package network builds a VPC with three tiers of subnets across availability
// zones: public (load balancers, NAT, the phase-1 server), private app (the web
// and worker fleets) and isolated data (databases, caches; no route out).
package network

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/components/shared"
)

// Args configure a Network.
type Args struct {
	CIDR  string   // the VPC block, /16 to /20
	Zones []string // one subnet of each tier per zone
	// NAT gives the private app subnets a way out (package installs, ECR,
	// SSM): none (the zero value), one gateway in the first zone, or one in
	// each zone (a zone's outage then leaves the others their way out).
	NAT NATStrategy
	// FlowLogGroup, when set, records the VPC's traffic (accepted and
	// rejected) in this CloudWatch Logs group, kept FlowLogRetentionDays:
	// the trail of who talked to what, for an incident.
	FlowLogGroup         string
	FlowLogRetentionDays int
	Tags                 map[string]string
}

// NATStrategy is how many NAT gateways the app subnets go out through.
type NATStrategy string

const (
	NATNone   NATStrategy = ""       // no way out: no host lives in the app subnets
	NATSingle NATStrategy = "single" // one gateway, in the first zone
	NATPerAZ  NATStrategy = "perAz"  // one gateway per zone
)

// Network is the component.
type Network struct {
	pulumi.ResourceState

	VPC             *ec2.Vpc
	InternetGateway *ec2.InternetGateway
	PublicSubnets   []*ec2.Subnet
	AppSubnets      []*ec2.Subnet
	DataSubnets     []*ec2.Subnet
	NATGateways     []*ec2.NatGateway
	AppRouteTables  []*ec2.RouteTable // one per zone
	// OutRoutes are the app subnets' default routes through NAT: hosts
	// there reach packages, registries and AWS APIs once they exist.
	OutRoutes      []*ec2.Route
	DataRouteTable *ec2.RouteTable
	FlowLog        *ec2.FlowLog // nil without FlowLogGroup
	Zones          []string
	// CIDR is the VPC's block; AppCIDRs the app subnets' (where the hosts are).
	CIDR     string
	AppCIDRs []string

	VpcID           pulumi.StringOutput
	PublicSubnetIDs pulumi.StringArrayOutput
	AppSubnetIDs    pulumi.StringArrayOutput
	DataSubnetIDs   pulumi.StringArrayOutput
}

// PublicSubnetID is the public subnet of zone i (Zones[i]).
func (n *Network) PublicSubnetID(i int) pulumi.IDOutput { return n.PublicSubnets[i].ID() }

// tier offsets: each tier's subnets are carved 5 bits below the VPC block,
// 8 slots apart, so up to 8 zones fit without renumbering.
const (
	subnetBits = 5
	publicSlot = 0
	appSlot    = 8
	dataSlot   = 16
	maxZones   = 6
	component  = "network"
)

func validate(a *Args) error {
	bad := shared.Invalid(component)
	if a == nil {
		return bad("args", nil, "non-nil Args")
	}
	p, err := netip.ParsePrefix(a.CIDR)
	switch n := len(a.Zones); {
	case n < 1 || n > maxZones:
		return bad("Zones", a.Zones, fmt.Sprintf("1 to %d zones", maxZones))
	case err != nil || !p.Addr().Is4() || p.Bits() < 16 || p.Bits() > 20:
		return bad("CIDR", a.CIDR, "an IPv4 block from /16 to /20")
	case a.NAT != NATNone && a.NAT != NATSingle && a.NAT != NATPerAZ:
		return bad("NAT", a.NAT, `"" (none), "single" or "perAz"`)
	case a.FlowLogGroup != "" && a.FlowLogRetentionDays < 1:
		return bad("FlowLogRetentionDays", a.FlowLogRetentionDays, "a CloudWatch Logs retention period (days)")
	}
	return nil
}

// New creates the network, step by step: the VPC and its gateway, the
// three tiers' subnets, then each tier's routes, and the flow log.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Network, error) {
	if err := validate(args); err != nil {
		return nil, err
	}
	n := &Network{Zones: args.Zones, CIDR: args.CIDR}
	if err := ctx.RegisterComponentResource(shared.Project+":network:Network", name, n, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(n)
	for _, step := range []func(*pulumi.Context, string, *Args, pulumi.ResourceOption) error{
		n.vpc, n.tiers, n.publicRoutes, n.natGateways, n.appRoutes, n.dataRoutes, n.flowLogs,
	} {
		if err := step(ctx, name, args, child); err != nil {
			return nil, err
		}
	}
	n.VpcID = n.VPC.ID().ToStringOutput()
	n.PublicSubnetIDs = shared.IDs(n.PublicSubnets).ToStringArrayOutput()
	n.AppSubnetIDs = shared.IDs(n.AppSubnets).ToStringArrayOutput()
	n.DataSubnetIDs = shared.IDs(n.DataSubnets).ToStringArrayOutput()
	return n, ctx.RegisterResourceOutputs(n, pulumi.Map{
		"vpcId":           n.VpcID,
		"publicSubnetIds": n.PublicSubnetIDs,
		"appSubnetIds":    n.AppSubnetIDs,
		"dataSubnetIds":   n.DataSubnetIDs,
	})
}

// vpc creates the VPC, locks its default security group and attaches an
// internet gateway.
func (n *Network) vpc(ctx *pulumi.Context, name string, args *Args, child pulumi.ResourceOption) error {
	var err error
	n.VPC, err = ec2.NewVpc(ctx, name, &ec2.VpcArgs{
		CidrBlock:          pulumi.String(args.CIDR),
		EnableDnsHostnames: pulumi.Bool(true),
		EnableDnsSupport:   pulumi.Bool(true),
		Tags:               shared.Tags(args.Tags, name),
	}, child)
	if err != nil {
		return err
	}
	// The default security group of a VPC admits all traffic between its members;
	// adopting it with no rules keeps anything from relying on it by accident.
	if _, err = ec2.NewDefaultSecurityGroup(ctx, name+"-default", &ec2.DefaultSecurityGroupArgs{
		VpcId: n.VPC.ID(),
		Tags:  shared.Tags(args.Tags, name+"-default-locked"),
	}, child); err != nil {
		return err
	}
	n.InternetGateway, err = ec2.NewInternetGateway(ctx, name, &ec2.InternetGatewayArgs{
		VpcId: n.VPC.ID(),
		Tags:  shared.Tags(args.Tags, name),
	}, child)
	return err
}

// tiers creates one subnet per zone for each tier: public, app and data.
func (n *Network) tiers(ctx *pulumi.Context, name string, args *Args, child pulumi.ResourceOption) error {
	var err error
	// Whatever lives in a public subnet reaches the internet through the
	// gateway, and AWS refuses some of it until the gateway is attached (an
	// internet-facing load balancer: InvalidSubnet): the subnets wait for it,
	// and so everything placed in them.
	if n.PublicSubnets, err = n.subnets(ctx, name+"-public", args, publicSlot, child, pulumi.DependsOn([]pulumi.Resource{n.InternetGateway})); err != nil {
		return err
	}
	if n.AppSubnets, err = n.subnets(ctx, name+"-app", args, appSlot, child); err != nil {
		return err
	}
	n.DataSubnets, err = n.subnets(ctx, name+"-data", args, dataSlot, child)
	return err
}

// publicRoutes send the public subnets out through the internet gateway.
func (n *Network) publicRoutes(ctx *pulumi.Context, name string, args *Args, child pulumi.ResourceOption) error {
	public, err := ec2.NewRouteTable(ctx, name+"-public", &ec2.RouteTableArgs{
		VpcId: n.VPC.ID(),
		Routes: ec2.RouteTableRouteArray{ec2.RouteTableRouteArgs{
			CidrBlock: pulumi.String("0.0.0.0/0"),
			GatewayId: n.InternetGateway.ID(),
		}},
		Tags: shared.Tags(args.Tags, name+"-public"),
	}, child)
	if err != nil {
		return err
	}
	return associate(ctx, name+"-public", args.Zones, n.PublicSubnets, func(int) *ec2.RouteTable { return public }, child)
}

// appRoutes give the app tier one route table per zone, so that moving from
// one NAT to one per zone changes routes, not tables. Their routes are
// resources of their own (not the table's inline list), so another
// component (the peering of phase 7) can add one without the table taking
// it back.
func (n *Network) appRoutes(ctx *pulumi.Context, name string, args *Args, child pulumi.ResourceOption) error {
	n.AppRouteTables = make([]*ec2.RouteTable, len(n.AppSubnets))
	for i, az := range args.Zones {
		rtName := fmt.Sprintf("%s-app-%s", name, az)
		var err error
		if n.AppRouteTables[i], err = ec2.NewRouteTable(ctx, rtName, &ec2.RouteTableArgs{VpcId: n.VPC.ID(), Tags: shared.Tags(args.Tags, rtName)}, child); err != nil {
			return err
		}
		if len(n.NATGateways) > 0 {
			nat := n.NATGateways[min(i, len(n.NATGateways)-1)]
			out, err := ec2.NewRoute(ctx, rtName+"-out", &ec2.RouteArgs{
				RouteTableId:         n.AppRouteTables[i].ID(),
				DestinationCidrBlock: pulumi.String("0.0.0.0/0"),
				NatGatewayId:         nat.ID(),
			}, child)
			if err != nil {
				return err
			}
			n.OutRoutes = append(n.OutRoutes, out)
		}
	}
	return associate(ctx, name+"-app", args.Zones, n.AppSubnets, func(i int) *ec2.RouteTable { return n.AppRouteTables[i] }, child)
}

// dataRoutes give the data tier a table with no route out at all.
func (n *Network) dataRoutes(ctx *pulumi.Context, name string, args *Args, child pulumi.ResourceOption) error {
	var err error
	if n.DataRouteTable, err = ec2.NewRouteTable(ctx, name+"-data", &ec2.RouteTableArgs{
		VpcId: n.VPC.ID(),
		Tags:  shared.Tags(args.Tags, name+"-data"),
	}, child); err != nil {
		return err
	}
	return associate(ctx, name+"-data", args.Zones, n.DataSubnets, func(int) *ec2.RouteTable { return n.DataRouteTable }, child)
}

func (n *Network) subnets(ctx *pulumi.Context, prefix string, args *Args, slot int, opts ...pulumi.ResourceOption) ([]*ec2.Subnet, error) {
	out := make([]*ec2.Subnet, len(args.Zones))
	for i, az := range args.Zones {
		cidr, err := shared.Subnet(args.CIDR, subnetBits, slot+i)
		if err != nil {
			return nil, err
		}
		if slot == appSlot {
			n.AppCIDRs = append(n.AppCIDRs, cidr)
		}
		name := fmt.Sprintf("%s-%s", prefix, az)
		out[i], err = ec2.NewSubnet(ctx, name, &ec2.SubnetArgs{
			VpcId:            n.VPC.ID(),
			CidrBlock:        pulumi.String(cidr),
			AvailabilityZone: pulumi.String(az),
			// Nothing gets a public address by accident; the one server that
			// needs one gets an Elastic IP.
			MapPublicIpOnLaunch: pulumi.Bool(false),
			Tags:                shared.Tags(args.Tags, name),
		}, opts...)
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// natGateways give the app tier its way out (NAT): none, one, or one per
// zone.
func (n *Network) natGateways(ctx *pulumi.Context, name string, args *Args, opt pulumi.ResourceOption) error {
	if args.NAT == NATNone {
		return nil
	}
	count := 1
	if args.NAT == NATPerAZ {
		count = len(args.Zones)
	}
	for i := range count {
		natName := fmt.Sprintf("%s-nat-%s", name, args.Zones[i])
		// The provider's documentation: an EIP (and so a NAT gateway) may
		// need the VPC's internet gateway to exist first; nothing in their
		// inputs says so, hence the explicit dependency.
		afterGateway := pulumi.DependsOn([]pulumi.Resource{n.InternetGateway})
		eip, err := ec2.NewEip(ctx, natName, &ec2.EipArgs{
			Domain: pulumi.String("vpc"),
			Tags:   shared.Tags(args.Tags, natName),
		}, opt, afterGateway)
		if err != nil {
			return err
		}
		nat, err := ec2.NewNatGateway(ctx, natName, &ec2.NatGatewayArgs{
			AllocationId: eip.ID(),
			SubnetId:     n.PublicSubnets[i].ID(),
			Tags:         shared.Tags(args.Tags, natName),
		}, opt, afterGateway)
		if err != nil {
			return err
		}
		n.NATGateways = append(n.NATGateways, nat)
	}
	return nil
}

func associate(ctx *pulumi.Context, prefix string, zones []string, subnets []*ec2.Subnet, table func(int) *ec2.RouteTable, opt pulumi.ResourceOption) error {
	for i, s := range subnets {
		if _, err := ec2.NewRouteTableAssociation(ctx, fmt.Sprintf("%s-%s", prefix, zones[i]), &ec2.RouteTableAssociationArgs{
			SubnetId:     s.ID(),
			RouteTableId: table(i).ID(),
		}, opt); err != nil {
			return err
		}
	}
	return nil
}

// flowLogs records the VPC's traffic in a log group, through a role only
// the flow-log service may assume, which may write only there.
func (n *Network) flowLogs(ctx *pulumi.Context, name string, args *Args, opt pulumi.ResourceOption) error {
	if args.FlowLogGroup == "" {
		return nil
	}
	group, err := cloudwatch.NewLogGroup(ctx, name+"-flow", &cloudwatch.LogGroupArgs{
		Name:            pulumi.String(args.FlowLogGroup),
		RetentionInDays: pulumi.Int(args.FlowLogRetentionDays),
		Tags:            shared.Tags(args.Tags, name+"-flow"),
	}, opt)
	if err != nil {
		return err
	}
	role, err := iam.NewRole(ctx, name+"-flow", &iam.RoleArgs{
		AssumeRolePolicy: pulumi.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"vpc-flow-logs.amazonaws.com"},"Action":"sts:AssumeRole"}]}`),
		Tags:             shared.Tags(args.Tags, name+"-flow"),
	}, opt)
	if err != nil {
		return err
	}
	policy, err := iam.NewRolePolicy(ctx, name+"-flow", &iam.RolePolicyArgs{
		Role: role.Name,
		Policy: pulumi.JSONMarshal(pulumi.Map{
			"Version": pulumi.String("2012-10-17"),
			"Statement": pulumi.Array{pulumi.Map{
				"Sid":      pulumi.String("WriteFlowLogs"),
				"Effect":   pulumi.String("Allow"),
				"Action":   pulumi.ToStringArray([]string{"logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"}),
				"Resource": pulumi.StringArray{pulumi.Sprintf("%s:*", group.Arn)},
			}, pulumi.Map{
				// The service looks its group up first; the action is
				// authorised on the account's groups, not on one.
				"Sid":      pulumi.String("FindTheGroup"),
				"Effect":   pulumi.String("Allow"),
				"Action":   pulumi.String("logs:DescribeLogGroups"),
				"Resource": group.Arn.ApplyT(allLogGroups).(pulumi.StringOutput),
			}},
		}),
	}, opt)
	if err != nil {
		return err
	}
	n.FlowLog, err = ec2.NewFlowLog(ctx, name, &ec2.FlowLogArgs{
		VpcId:                  n.VPC.ID(),
		TrafficType:            pulumi.String("ALL"),
		LogDestinationType:     pulumi.String("cloud-watch-logs"),
		LogDestination:         group.Arn,
		IamRoleArn:             role.Arn,
		MaxAggregationInterval: pulumi.Int(600),
		Tags:                   shared.Tags(args.Tags, name),
		// The role must be able to write before the flow log starts.
	}, opt, pulumi.DependsOn([]pulumi.Resource{policy}))
	return err
}

// allLogGroups turns a log group's ARN into the pattern of every group of its
// account and region (arn:aws:logs:region:account:log-group:*). The VPC User
// Guide ("IAM role for publishing flow logs to CloudWatch Logs") lists
// DescribeLogGroups among the role's actions; the Service Authorization
// Reference for CloudWatch Logs authorises it on log-group resources, so one
// group's ARN would not cover it.
func allLogGroups(groupARN string) string {
	if i := strings.Index(groupARN, ":log-group:"); i >= 0 {
		return groupARN[:i] + ":log-group:*"
	}
	return groupARN
}
