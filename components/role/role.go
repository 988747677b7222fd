// Package role builds the IAM role and instance profile of an EC2 host or
// fleet: Session Manager access instead of SSH, image pulls from ECR, and the
// caller's least-privilege statements, nothing more.
package role

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/components/shared"
)

// Statement is one Allow statement of the role's inline policy.
type Statement struct {
	Sid       string
	Actions   []string
	Resources pulumi.StringArrayInput
}

// Args configure a Role.
type Args struct {
	Statements []Statement
	Tags       map[string]string
}

// Role is the component.
type Role struct {
	pulumi.ResourceState

	Role    *iam.Role
	Profile *iam.InstanceProfile

	RoleName    pulumi.StringOutput
	ProfileName pulumi.StringOutput
}

// Managed policies every host gets: SSM Session Manager (no SSH), read-only
// ECR pulls, and the CloudWatch agent's metrics (host memory and disk).
var managed = map[string]string{
	"ssm":              "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
	"ecr":              "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
	"cloudwatch-agent": "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy",
}

const assumeEC2 = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

// New creates the role, its attachments, inline policy and instance profile.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Role, error) {
	if args == nil {
		args = &Args{}
	}
	for _, s := range args.Statements {
		if len(s.Actions) == 0 || s.Resources == nil {
			return nil, &shared.ArgError{Component: "role", Arg: "Statements[" + s.Sid + "]", Value: s.Actions, Allowed: "at least one action and a resource list"}
		}
		for _, a := range s.Actions {
			if a == "*" {
				return nil, &shared.ArgError{Component: "role", Arg: "Statements[" + s.Sid + "].Actions", Value: a, Allowed: "named actions, never *"}
			}
		}
	}
	r := &Role{}
	if err := ctx.RegisterComponentResource(shared.Project+":role:Role", name, r, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(r)
	var err error
	r.Role, err = iam.NewRole(ctx, name, &iam.RoleArgs{
		AssumeRolePolicy: pulumi.String(assumeEC2),
		Tags:             shared.Tags(args.Tags, name),
	}, child)
	if err != nil {
		return nil, err
	}
	for _, key := range shared.SortedKeys(managed) {
		if _, err := iam.NewRolePolicyAttachment(ctx, name+"-"+key, &iam.RolePolicyAttachmentArgs{
			Role:      r.Role.Name,
			PolicyArn: pulumi.String(managed[key]),
		}, child); err != nil {
			return nil, err
		}
	}
	if len(args.Statements) > 0 {
		statements := pulumi.Array{}
		for _, s := range args.Statements {
			statements = append(statements, pulumi.Map{
				"Sid":      pulumi.String(s.Sid),
				"Effect":   pulumi.String("Allow"),
				"Action":   pulumi.ToStringArray(s.Actions),
				"Resource": s.Resources,
			})
		}
		if _, err := iam.NewRolePolicy(ctx, name, &iam.RolePolicyArgs{
			Role: r.Role.Name,
			Policy: pulumi.JSONMarshal(pulumi.Map{
				"Version":   pulumi.String("2012-10-17"),
				"Statement": statements,
			}),
		}, child); err != nil {
			return nil, err
		}
	}
	r.Profile, err = iam.NewInstanceProfile(ctx, name, &iam.InstanceProfileArgs{
		Role: r.Role.Name,
		Tags: shared.Tags(args.Tags, name),
	}, child)
	if err != nil {
		return nil, err
	}
	r.RoleName = r.Role.Name
	r.ProfileName = r.Profile.Name
	return r, ctx.RegisterResourceOutputs(r, pulumi.Map{
		"roleName":    r.RoleName,
		"profileName": r.ProfileName,
	})
}
