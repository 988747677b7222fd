// Package logs builds a region's access-log bucket: private, encrypted with
// S3-managed keys (the only kind Elastic Load Balancing delivers to),
// objects expired after RetentionDays, and a policy that lets the region's
// load balancers and CloudWatch's log delivery (CloudFront's standard logs,
// v2, which need no bucket ACLs) write under their own prefixes.
package logs

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/elb"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/components/shared"
)

// Prefixes under which each service writes.
const (
	LoadBalancerPrefix = "alb"
	CDNPrefix          = "cloudfront"
)

// BucketArgs configure a Bucket.
type BucketArgs struct {
	RetentionDays int // 1 to 3653
	// ForceDestroy lets the bucket be deleted with its logs (lowering the
	// phase, destroy); off, S3 refuses to delete a bucket that holds objects.
	ForceDestroy bool
	// AccountID is the AWS account the delivered logs belong to; empty:
	// looked up with the component's provider.
	AccountID string
	Tags      map[string]string
}

// Bucket is the component.
type Bucket struct {
	pulumi.ResourceState

	Bucket *s3.BucketV2
	Policy *s3.BucketPolicy

	// Name waits for the policy: a load balancer whose logs go here fails to
	// enable them before the bucket admits its writes (AccessDenied).
	Name pulumi.StringOutput
	ARN  pulumi.StringOutput
}

// NewBucket creates the bucket and its policy.
func NewBucket(ctx *pulumi.Context, name string, args *BucketArgs, opts ...pulumi.ResourceOption) (*Bucket, error) {
	bad := shared.Invalid("logs")
	switch {
	case args == nil:
		return nil, bad("args", nil, "non-nil BucketArgs")
	case args.RetentionDays < 1 || args.RetentionDays > 3653:
		return nil, bad("RetentionDays", args.RetentionDays, "1 to 3653")
	}
	b := &Bucket{}
	if err := ctx.RegisterComponentResource(shared.Project+":logs:Bucket", name, b, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(b)
	var err error
	if b.Bucket, err = s3.NewBucketV2(ctx, name, &s3.BucketV2Args{
		ForceDestroy: pulumi.Bool(args.ForceDestroy),
		Tags:         shared.Tags(args.Tags, name),
	}, child); err != nil {
		return nil, err
	}
	if err := shared.PrivateBucket(ctx, name, b.Bucket, shared.Lifecycle{ExpireDays: args.RetentionDays, NoncurrentDays: 1}, child); err != nil {
		return nil, err
	}
	// The account that delivers a region's load balancer logs: regions
	// opened before August 2022 name an ELB account, later ones the
	// log-delivery service principal; the policy admits both.
	elbAccount, err := elb.GetServiceAccount(ctx, &elb.GetServiceAccountArgs{}, pulumi.Parent(b))
	if err != nil {
		return nil, fmt.Errorf("%s: look up the region's load balancer log account: %w", name, err)
	}
	account, err := shared.AccountID(ctx, b, args.AccountID)
	if err != nil {
		return nil, fmt.Errorf("%s: look up the account: %w", name, err)
	}
	if b.Policy, err = s3.NewBucketPolicy(ctx, name, &s3.BucketPolicyArgs{
		Bucket: b.Bucket.ID(),
		Policy: policy(b.Bucket.Arn, elbAccount.Arn, account),
	}, child); err != nil {
		return nil, err
	}
	b.Name = pulumi.All(b.Bucket.Bucket, b.Policy.ID()).ApplyT(func(v []any) string { return v[0].(string) }).(pulumi.StringOutput)
	b.ARN = b.Bucket.Arn
	return b, ctx.RegisterResourceOutputs(b, pulumi.Map{"name": b.Name, "arn": b.ARN})
}

func policy(bucketARN pulumi.StringOutput, elbAccountARN, accountID string) pulumi.StringOutput {
	objects := func(prefix string) pulumi.StringOutput {
		return pulumi.Sprintf("%s/%s/AWSLogs/%s/*", bucketARN, prefix, accountID)
	}
	return pulumi.JSONMarshal(pulumi.Map{
		"Version": pulumi.String("2012-10-17"),
		"Statement": pulumi.Array{
			pulumi.Map{
				"Sid":    pulumi.String("LoadBalancerLogs"),
				"Effect": pulumi.String("Allow"),
				"Principal": pulumi.Map{
					"AWS":     pulumi.String(elbAccountARN),
					"Service": pulumi.String("logdelivery.elasticloadbalancing.amazonaws.com"),
				},
				"Action":   pulumi.String("s3:PutObject"),
				"Resource": objects(LoadBalancerPrefix),
			},
			pulumi.Map{
				"Sid":       pulumi.String("CloudFrontLogs"),
				"Effect":    pulumi.String("Allow"),
				"Principal": pulumi.Map{"Service": pulumi.String("delivery.logs.amazonaws.com")},
				"Action":    pulumi.String("s3:PutObject"),
				"Resource":  pulumi.Sprintf("%s/%s/*", bucketARN, CDNPrefix),
				"Condition": pulumi.Map{
					"StringEquals": pulumi.Map{
						"s3:x-amz-acl":      pulumi.String("bucket-owner-full-control"),
						"aws:SourceAccount": pulumi.String(accountID),
					},
				},
			},
			shared.DenyInsecureTransport(bucketARN),
		},
	})
}
