package shared

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// SecurityGroup creates an empty group with one egress rule to anywhere; ingress
// is added rule by rule (AllowFromGroup, AllowFromAnywhere) so that each rule is
// its own resource and can be added or removed without touching the others.
func SecurityGroup(ctx *pulumi.Context, name, description string, vpcID pulumi.StringInput, tags map[string]string, opts ...pulumi.ResourceOption) (*ec2.SecurityGroup, error) {
	sg, err := ec2.NewSecurityGroup(ctx, name, &ec2.SecurityGroupArgs{
		VpcId:       vpcID,
		Description: pulumi.String(description),
		Tags:        Tags(tags, name),
	}, opts...)
	if err != nil {
		return nil, err
	}
	_, err = vpc.NewSecurityGroupEgressRule(ctx, name+"-egress", &vpc.SecurityGroupEgressRuleArgs{
		SecurityGroupId: sg.ID(),
		IpProtocol:      pulumi.String("-1"),
		CidrIpv4:        pulumi.String("0.0.0.0/0"),
		Description:     pulumi.String("all outbound"),
	}, opts...)
	return sg, err
}

// AllowFromGroup admits TCP port from the members of another security group.
func AllowFromGroup(ctx *pulumi.Context, name string, sg *ec2.SecurityGroup, from pulumi.StringInput, port int, description string, opts ...pulumi.ResourceOption) error {
	return allowTCP(ctx, name, sg, port, description, func(a *vpc.SecurityGroupIngressRuleArgs) { a.ReferencedSecurityGroupId = from }, opts)
}

// AllowFromCIDR admits TCP port from an IPv4 block: hosts in a peered VPC of
// another region, which a security group of this one cannot name.
func AllowFromCIDR(ctx *pulumi.Context, name string, sg *ec2.SecurityGroup, cidr string, port int, description string, opts ...pulumi.ResourceOption) error {
	return allowTCP(ctx, name, sg, port, description, func(a *vpc.SecurityGroupIngressRuleArgs) { a.CidrIpv4 = pulumi.String(cidr) }, opts)
}

// AllowFromAnywhere admits TCP port from the whole IPv4 internet; only public
// entry points (the load balancer, the phase-1 server) use it, on 80 and 443.
func AllowFromAnywhere(ctx *pulumi.Context, name string, sg *ec2.SecurityGroup, port int, description string, opts ...pulumi.ResourceOption) error {
	return allowTCP(ctx, name, sg, port, description, func(a *vpc.SecurityGroupIngressRuleArgs) { a.CidrIpv4 = pulumi.String("0.0.0.0/0") }, opts)
}

func allowTCP(ctx *pulumi.Context, name string, sg *ec2.SecurityGroup, port int, description string, source func(*vpc.SecurityGroupIngressRuleArgs), opts []pulumi.ResourceOption) error {
	args := &vpc.SecurityGroupIngressRuleArgs{
		SecurityGroupId: sg.ID(),
		IpProtocol:      pulumi.String("tcp"),
		FromPort:        pulumi.Int(port),
		ToPort:          pulumi.Int(port),
		Description:     pulumi.String(description),
	}
	source(args)
	_, err := vpc.NewSecurityGroupIngressRule(ctx, name, args, opts...)
	return err
}

// Clients maps a stable client name ("web", "worker", "server") to its security
// group id. Rules are named after the client, so adding a client adds a rule and
// renames nothing.
type Clients map[string]pulumi.StringInput

// RemoteClient is a client in a peered VPC of another region, named for
// its rules, admitted by the blocks of its subnets.
type RemoteClient struct {
	Name  string
	CIDRs []string
}

// AllowRemoteClients admits port from each remote client's blocks, one
// rule per block named after the client.
func AllowRemoteClients(ctx *pulumi.Context, name string, sg *ec2.SecurityGroup, clients []RemoteClient, port int, opts ...pulumi.ResourceOption) error {
	for _, c := range clients {
		for i, cidr := range c.CIDRs {
			if err := AllowFromCIDR(ctx, fmt.Sprintf("%s-from-%s-%d", name, c.Name, i), sg, cidr, port, "from "+c.Name+" (peered VPC)", opts...); err != nil {
				return err
			}
		}
	}
	return nil
}

// AllowClients admits port from each client group, in name order.
func AllowClients(ctx *pulumi.Context, name string, sg *ec2.SecurityGroup, clients Clients, port int, opts ...pulumi.ResourceOption) error {
	for _, client := range SortedKeys(clients) {
		if err := AllowFromGroup(ctx, name+"-from-"+client, sg, clients[client], port, "from "+client, opts...); err != nil {
			return err
		}
	}
	return nil
}
