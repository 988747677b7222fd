package shared

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// AMI is ami when given, else AL2023's answer.
func AMI(ctx *pulumi.Context, parent pulumi.Resource, ami string) (string, error) {
	if ami != "" {
		return ami, nil
	}
	return AL2023(ctx, parent)
}

// AL2023 looks up the newest Amazon Linux 2023 x86_64 AMI in the parent's
// region (the invoke inherits the parent's provider), so no AMI id is hard-coded.
func AL2023(ctx *pulumi.Context, parent pulumi.Resource) (string, error) {
	ami, err := ec2.LookupAmi(ctx, &ec2.LookupAmiArgs{
		MostRecent: pulumi.BoolRef(true),
		Owners:     []string{"amazon"},
		Filters: []ec2.GetAmiFilter{
			{Name: "name", Values: []string{"al2023-ami-2023.*-x86_64"}},
			{Name: "architecture", Values: []string{"x86_64"}},
			{Name: "virtualization-type", Values: []string{"hvm"}},
		},
	}, pulumi.Parent(parent))
	if err != nil {
		return "", err
	}
	return ami.Id, nil
}
