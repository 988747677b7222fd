package fleet_test

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/components/fleet"
	"github.com/scalezero/scalezero/graph/record"
)

func args() *fleet.Args {
	return &fleet.Args{
		VpcID: pulumi.String("vpc-1"), SubnetIDs: pulumi.StringArray{pulumi.String("subnet-a"), pulumi.String("subnet-b")},
		ProfileName: pulumi.String("web-profile"), InstanceType: "t3.small", UserDataBase64: "eA==",
		Min: 2, Desired: 2, Max: 6, TargetGroupARNs: pulumi.StringArray{pulumi.String("arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/web/1")},
	}
}

func program(ctx *pulumi.Context) error {
	_, err := fleet.New(ctx, "web", args())
	return err
}

// Hosts answer metadata with IMDSv2 only, get no public address, and boot
// from an encrypted volume.
func TestLaunchTemplate(t *testing.T) {
	lt, ok := record.Known(t, program).Named("aws:ec2/launchTemplate:LaunchTemplate", "web")
	if !ok {
		t.Fatal("no launch template")
	}
	for path, want := range map[string]any{
		"metadataOptions.httpTokens":                   "required",
		"networkInterfaces.0.associatePublicIpAddress": "false",
		"blockDeviceMappings.0.ebs.encrypted":          "true",
		"iamInstanceProfile.name":                      "web-profile",
		"instanceType":                                 "t3.small",
	} {
		if got := lt.Get(path); got != want {
			t.Errorf("%s = %v, want %v", path, got, want)
		}
	}
}

// Behind a load balancer, a host is replaced when the balancer finds it
// unhealthy; the scaling policy owns the desired count after creation.
func TestGroup(t *testing.T) {
	g := record.Known(t, program)
	asg, _ := g.Named("aws:autoscaling/group:Group", "web")
	if asg.Str("healthCheckType") != "ELB" || asg.Get("minSize") != 2.0 || asg.Get("maxSize") != 6.0 {
		t.Errorf("group %v", asg.Inputs)
	}
	lt, _ := g.Named("aws:ec2/launchTemplate:LaunchTemplate", "web")
	if !asg.DependsOn("launchTemplate", lt.URN) {
		t.Error("the group does not launch from the template")
	}
	if asg.Options == nil || len(asg.Options.IgnoreChanges) != 1 || asg.Options.IgnoreChanges[0] != "desiredCapacity" {
		t.Errorf("options %+v: a deploy would reset what the scaling policy set", asg.Options)
	}
}

// An auto-scaling group of two to six hosts behind a target group.
func ExampleNew() {
	record.PrintCensus(program)
	// Output:
	// aws:autoscaling/group:Group 1
	// aws:ec2/launchTemplate:LaunchTemplate 1
	// aws:ec2/securityGroup:SecurityGroup 1
	// aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule 1
}
