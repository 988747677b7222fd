// Package singleserver builds the chapter's first architecture: one EC2 host in
// a public subnet with an Elastic IP, reachable on 80/443 only; operators get in
// through SSM Session Manager, never SSH.
package singleserver

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/components/shared"
)

// Args configure a Server.
type Args struct {
	VpcID        pulumi.StringInput
	SubnetID     pulumi.StringInput // a public subnet
	InstanceType string
	UserData     string // plain text; see components/boot
	ProfileName  pulumi.StringInput
	// RootVolumeGiB holds the OS and, in phase 1, the database's data.
	RootVolumeGiB int
	Tags          map[string]string
}

// Server is the component.
type Server struct {
	pulumi.ResourceState

	SecurityGroup *ec2.SecurityGroup
	Instance      *ec2.Instance
	EIP           *ec2.Eip

	PublicIP        pulumi.StringOutput
	SecurityGroupID pulumi.StringOutput
}

// New creates the server.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Server, error) {
	switch {
	case args == nil || args.VpcID == nil || args.SubnetID == nil || args.ProfileName == nil:
		return nil, &shared.ArgError{Component: "singleserver", Arg: "VpcID/SubnetID/ProfileName", Value: "nil", Allowed: "all set"}
	case args.InstanceType == "":
		return nil, &shared.ArgError{Component: "singleserver", Arg: "InstanceType", Value: `""`, Allowed: "an EC2 instance type"}
	case args.UserData == "":
		return nil, &shared.ArgError{Component: "singleserver", Arg: "UserData", Value: `""`, Allowed: "the host's boot script"}
	}
	if args.RootVolumeGiB == 0 {
		args.RootVolumeGiB = 30
	}
	if args.RootVolumeGiB < 8 {
		return nil, &shared.ArgError{Component: "singleserver", Arg: "RootVolumeGiB", Value: args.RootVolumeGiB, Allowed: "at least 8"}
	}
	s := &Server{}
	if err := ctx.RegisterComponentResource(shared.Project+":singleserver:Server", name, s, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(s)
	var err error
	if s.SecurityGroup, err = shared.SecurityGroup(ctx, name, name+": HTTP and HTTPS from the internet", args.VpcID, args.Tags, child); err != nil {
		return nil, err
	}
	for _, port := range []int{80, 443} {
		if err := shared.AllowFromAnywhere(ctx, fmt.Sprintf("%s-%d", name, port), s.SecurityGroup, port, "public web", child); err != nil {
			return nil, err
		}
	}
	ami, err := shared.AL2023(ctx, s)
	if err != nil {
		return nil, fmt.Errorf("%s: look up AMI: %w", name, err)
	}
	s.Instance, err = ec2.NewInstance(ctx, name, &ec2.InstanceArgs{
		Ami:                      pulumi.String(ami),
		InstanceType:             pulumi.String(args.InstanceType),
		SubnetId:                 args.SubnetID,
		VpcSecurityGroupIds:      pulumi.StringArray{s.SecurityGroup.ID()},
		IamInstanceProfile:       args.ProfileName,
		AssociatePublicIpAddress: pulumi.Bool(false), // the Elastic IP is its address
		UserData:                 pulumi.String(args.UserData),
		MetadataOptions: ec2.InstanceMetadataOptionsArgs{
			HttpEndpoint:            pulumi.String("enabled"),
			HttpTokens:              pulumi.String("required"),
			HttpPutResponseHopLimit: pulumi.Int(2),
		},
		RootBlockDevice: ec2.InstanceRootBlockDeviceArgs{
			VolumeSize: pulumi.Int(args.RootVolumeGiB),
			VolumeType: pulumi.String("gp3"),
			Encrypted:  pulumi.Bool(true),
		},
		Monitoring: pulumi.Bool(true),
		Tags:       shared.Tags(args.Tags, name),
	}, child,
		// A newer AMI must not replace the one host (and, in phase 1, its data).
		pulumi.IgnoreChanges([]string{"ami"}))
	if err != nil {
		return nil, err
	}
	s.EIP, err = ec2.NewEip(ctx, name, &ec2.EipArgs{
		Domain:   pulumi.String("vpc"),
		Instance: s.Instance.ID(),
		Tags:     shared.Tags(args.Tags, name),
	}, child)
	if err != nil {
		return nil, err
	}
	s.PublicIP = s.EIP.PublicIp
	s.SecurityGroupID = s.SecurityGroup.ID().ToStringOutput()
	return s, ctx.RegisterResourceOutputs(s, pulumi.Map{
		"publicIp":        s.PublicIP,
		"securityGroupId": s.SecurityGroupID,
	})
}
