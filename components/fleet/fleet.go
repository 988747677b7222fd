// Package fleet builds an autoscaling group of app hosts in private subnets:
// a security group with no ingress of its own, a launch template (IMDSv2
// required, no public address, encrypted root volume) and the group itself,
// which replaces its instances in a rolling refresh when the template changes.
package fleet

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/autoscaling"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/components/shared"
)

// Args configure a Fleet.
type Args struct {
	VpcID          pulumi.StringInput
	SubnetIDs      pulumi.StringArrayInput // private app subnets, one per zone
	InstanceType   string
	UserDataBase64 string
	ProfileName    pulumi.StringInput
	Min, Desired   int
	Max            int
	// TargetGroupARNs registers instances with a load balancer; the group then
	// uses the load balancer's health checks.
	TargetGroupARNs pulumi.StringArrayInput
	// ImageRef is the app image the hosts run; a new image is a new template
	// version, which starts an instance refresh.
	ImageRef pulumi.StringInput
	// AMI boots the hosts; empty: the newest Amazon Linux 2023 of the
	// region, looked up (a call the stack avoids in a region whose APIs fail).
	AMI string
	// Settings is a digest of the settings the hosts read at boot
	// (appconfig's Digest). It is an instance tag of the template, so a
	// change is a new template version and the group rolls its instances:
	// hosts never keep settings a `pulumi up` replaced.
	Settings pulumi.StringInput
	// After are resources the hosts need before they boot (the parameters
	// they read): the template waits for them.
	After []pulumi.Resource
	Tags  map[string]string
}

// Fleet is the component.
type Fleet struct {
	pulumi.ResourceState

	SecurityGroup  *ec2.SecurityGroup
	LaunchTemplate *ec2.LaunchTemplate
	Group          *autoscaling.Group

	SecurityGroupID pulumi.StringOutput
	GroupName       pulumi.StringOutput
}

func validate(a *Args) error {
	bad := shared.Invalid("fleet")
	switch {
	case a == nil:
		return bad("args", nil, "non-nil Args")
	case a.VpcID == nil || a.SubnetIDs == nil || a.ProfileName == nil:
		return bad("VpcID/SubnetIDs/ProfileName", "nil", "all three set")
	case a.InstanceType == "":
		return bad("InstanceType", `""`, "an EC2 instance type")
	case a.UserDataBase64 == "":
		return bad("UserDataBase64", `""`, "the hosts' boot script")
	case len(a.UserDataBase64)*3/4 > MaxUserData:
		return bad("UserDataBase64", fmt.Sprintf("%d bytes", len(a.UserDataBase64)*3/4), fmt.Sprintf("at most %d bytes of user data (EC2's limit)", MaxUserData))
	case a.Min < 0 || a.Min > a.Max:
		return bad("Min", a.Min, fmt.Sprintf("0 to Max (%d)", a.Max))
	case a.Desired < a.Min || a.Desired > a.Max:
		return bad("Desired", a.Desired, fmt.Sprintf("Min (%d) to Max (%d)", a.Min, a.Max))
	}
	return nil
}

// MaxUserData is EC2's limit on user data, before base64 encoding.
const MaxUserData = 16 * 1024

// New creates the fleet.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Fleet, error) {
	if err := validate(args); err != nil {
		return nil, err
	}
	f := &Fleet{}
	if err := ctx.RegisterComponentResource(shared.Project+":fleet:Fleet", name, f, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(f)
	var err error
	if f.SecurityGroup, err = shared.SecurityGroup(ctx, name, name+" hosts", args.VpcID, args.Tags, child); err != nil {
		return nil, err
	}
	ami, err := shared.AMI(ctx, f, args.AMI)
	if err != nil {
		return nil, fmt.Errorf("%s: look up AMI: %w", name, err)
	}
	instanceTags := shared.Tags(args.Tags, name)
	if args.ImageRef != nil {
		instanceTags["scalezero:image"] = args.ImageRef.ToStringOutput()
	}
	if args.Settings != nil {
		instanceTags["scalezero:settings"] = args.Settings.ToStringOutput()
	}
	f.LaunchTemplate, err = ec2.NewLaunchTemplate(ctx, name, &ec2.LaunchTemplateArgs{
		ImageId:      pulumi.String(ami),
		InstanceType: pulumi.String(args.InstanceType),
		UserData:     pulumi.String(args.UserDataBase64),
		IamInstanceProfile: ec2.LaunchTemplateIamInstanceProfileArgs{
			Name: args.ProfileName,
		},
		MetadataOptions: ec2.LaunchTemplateMetadataOptionsArgs{
			HttpEndpoint:            pulumi.String("enabled"),
			HttpTokens:              pulumi.String("required"),
			HttpPutResponseHopLimit: pulumi.Int(2), // the app runs in a container
		},
		NetworkInterfaces: ec2.LaunchTemplateNetworkInterfaceArray{ec2.LaunchTemplateNetworkInterfaceArgs{
			AssociatePublicIpAddress: pulumi.String("false"),
			DeleteOnTermination:      pulumi.String("true"),
			SecurityGroups:           pulumi.StringArray{f.SecurityGroup.ID()},
		}},
		BlockDeviceMappings: ec2.LaunchTemplateBlockDeviceMappingArray{ec2.LaunchTemplateBlockDeviceMappingArgs{
			DeviceName: pulumi.String("/dev/xvda"),
			Ebs: ec2.LaunchTemplateBlockDeviceMappingEbsArgs{
				VolumeSize:          pulumi.Int(20),
				VolumeType:          pulumi.String("gp3"),
				Encrypted:           pulumi.String("true"),
				DeleteOnTermination: pulumi.String("true"),
			},
		}},
		Monitoring: ec2.LaunchTemplateMonitoringArgs{Enabled: pulumi.Bool(true)},
		TagSpecifications: ec2.LaunchTemplateTagSpecificationArray{ec2.LaunchTemplateTagSpecificationArgs{
			ResourceType: pulumi.String("instance"),
			Tags:         instanceTags,
		}},
		UpdateDefaultVersion: pulumi.Bool(true),
		Tags:                 shared.Tags(args.Tags, name),
	}, child, pulumi.DependsOn(args.After))
	if err != nil {
		return nil, err
	}
	groupArgs := &autoscaling.GroupArgs{
		VpcZoneIdentifiers: args.SubnetIDs,
		MinSize:            pulumi.Int(args.Min),
		MaxSize:            pulumi.Int(args.Max),
		DesiredCapacity:    pulumi.Int(args.Desired),
		LaunchTemplate: autoscaling.GroupLaunchTemplateArgs{
			Id:      f.LaunchTemplate.ID(),
			Version: f.LaunchTemplate.LatestVersion.ApplyT(func(v int) string { return fmt.Sprint(v) }).(pulumi.StringOutput),
		},
		HealthCheckType:        pulumi.String("EC2"),
		HealthCheckGracePeriod: pulumi.Int(120),
		InstanceRefresh: autoscaling.GroupInstanceRefreshArgs{
			Strategy:    pulumi.String("Rolling"),
			Preferences: refreshPreferences(),
		},
		// Published every minute, at zero too: dashboards, and the worker
		// fleet's start from zero, read them.
		EnabledMetrics:     pulumi.ToStringArray([]string{"GroupInServiceInstances", "GroupDesiredCapacity"}),
		MetricsGranularity: pulumi.String("1Minute"),
		Tags: autoscaling.GroupTagArray{autoscaling.GroupTagArgs{
			Key: pulumi.String("Name"), Value: pulumi.String(name), PropagateAtLaunch: pulumi.Bool(true),
		}},
	}
	if args.TargetGroupARNs != nil {
		groupArgs.TargetGroupArns = args.TargetGroupARNs
		groupArgs.HealthCheckType = pulumi.String("ELB")
	}
	// The desired count belongs to the scaling policies once they exist; a
	// later `pulumi up` must not reset what they decided.
	f.Group, err = autoscaling.NewGroup(ctx, name, groupArgs, child, pulumi.IgnoreChanges([]string{"desiredCapacity"}))
	if err != nil {
		return nil, err
	}
	f.SecurityGroupID = f.SecurityGroup.ID().ToStringOutput()
	f.GroupName = f.Group.Name
	return f, ctx.RegisterResourceOutputs(f, pulumi.Map{
		"securityGroupId": f.SecurityGroupID,
		"groupName":       f.GroupName,
	})
}

// refreshPreferences: launch before terminating. A refresh replaces a host
// only once its replacement is in service (healthy at the load balancer, for
// a web fleet), so a release whose hosts never get healthy takes no healthy
// host away: the refresh stalls while the old hosts serve.
//
// No automatic rollback: the provider saves the new launch template version
// on the group before it starts the refresh, and AWS rolls back to the
// configuration last saved on the group, i.e. to that same version, over and
// over (terraform-provider-aws issue #34189; Amazon EC2 Auto Scaling User
// Guide, "Undo changes with a manual or auto rollback"). Rolling back is a
// `pulumi up` of the previous commit, which the alarms prompt.
func refreshPreferences() autoscaling.GroupInstanceRefreshPreferencesArgs {
	return autoscaling.GroupInstanceRefreshPreferencesArgs{
		MinHealthyPercentage: pulumi.Int(100),
		MaxHealthyPercentage: pulumi.Int(200),
	}
}
