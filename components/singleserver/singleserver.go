// Package singleserver builds the chapter's first architecture: one EC2 host in
// a public subnet with an Elastic IP, reachable on 80/443 only; operators get in
// through SSM Session Manager, never SSH. The host is never replaced for a
// settings change (in phase 1 its database lives on it): its boot script
// re-reads the settings every minute and restarts the app when they change
// (components/boot).
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
	// InternetGateway is the VPC's gateway: the Elastic IP waits for it.
	InternetGateway pulumi.Resource
	// Settings is a digest of the settings the host reads (a tag, so a
	// reviewer sees when they change); After the resources it reads them
	// from, so it does not boot before they exist.
	Settings pulumi.StringInput
	After    []pulumi.Resource
	// AMI boots the host; empty: the newest Amazon Linux 2023, looked up.
	AMI  string
	Tags map[string]string
}

// Server is the component.
type Server struct {
	pulumi.ResourceState

	SecurityGroup *ec2.SecurityGroup
	Instance      *ec2.Instance
	EIP           *ec2.Eip

	PublicIP        pulumi.StringOutput
	SecurityGroupID pulumi.StringOutput
	InstanceID      pulumi.StringOutput
}

func validate(a *Args) error {
	bad := shared.Invalid("singleserver")
	switch {
	case a.VpcID == nil || a.SubnetID == nil || a.ProfileName == nil:
		return bad("VpcID/SubnetID/ProfileName", "nil", "all set")
	case a.InstanceType == "":
		return bad("InstanceType", `""`, "an EC2 instance type")
	case a.UserData == "":
		return bad("UserData", `""`, "the host's boot script")
	case len(a.UserData) > 16*1024:
		return bad("UserData", fmt.Sprintf("%d bytes", len(a.UserData)), "at most 16384 bytes (EC2's limit)")
	case a.RootVolumeGiB < 8:
		return bad("RootVolumeGiB", a.RootVolumeGiB, "at least 8")
	case a.InternetGateway == nil:
		return bad("InternetGateway", nil, "the VPC's internet gateway (the Elastic IP needs it)")
	}
	return nil
}

// New creates the server.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Server, error) {
	if args == nil {
		return nil, shared.Invalid("singleserver")("args", nil, "non-nil Args")
	}
	a := *args // defaults on a copy
	if a.RootVolumeGiB == 0 {
		a.RootVolumeGiB = 30
	}
	if err := validate(&a); err != nil {
		return nil, err
	}
	args = &a
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
	ami, err := shared.AMI(ctx, s, args.AMI)
	if err != nil {
		return nil, fmt.Errorf("%s: look up AMI: %w", name, err)
	}
	tags := shared.Tags(args.Tags, name)
	if args.Settings != nil {
		tags["scalezero:settings"] = args.Settings.ToStringOutput()
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
		Tags:       tags,
	}, child, pulumi.DependsOn(args.After),
		// A newer AMI must not replace the one host (and, in phase 1, its data).
		pulumi.IgnoreChanges([]string{"ami"}))
	if err != nil {
		return nil, err
	}
	s.EIP, err = ec2.NewEip(ctx, name, &ec2.EipArgs{
		Domain:   pulumi.String("vpc"),
		Instance: s.Instance.ID(),
		Tags:     shared.Tags(args.Tags, name),
	}, child, pulumi.DependsOn([]pulumi.Resource{args.InternetGateway}))
	if err != nil {
		return nil, err
	}
	s.PublicIP = s.EIP.PublicIp
	s.SecurityGroupID = s.SecurityGroup.ID().ToStringOutput()
	s.InstanceID = s.Instance.ID().ToStringOutput()
	return s, ctx.RegisterResourceOutputs(s, pulumi.Map{
		"publicIp":        s.PublicIP,
		"securityGroupId": s.SecurityGroupID,
	})
}
