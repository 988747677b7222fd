// Package logs builds a region's access-log bucket: private, encrypted with
// S3-managed keys (the only kind Elastic Load Balancing delivers to),
// objects expired after LogRetentionDays, and a policy that lets the region's
// load balancers and CloudWatch's log delivery (CloudFront's standard logs,
// v2, which need no bucket ACLs) write under their own prefixes.
package logs

import (
	"fmt"
	"regexp"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/components/shared"
)

// Prefixes under which each service writes.
const (
	LoadBalancerPrefix = "alb"
	CDNPrefix          = "cloudfront"
)

// CDNRegion is where CloudFront's log delivery sources live.
const CDNRegion = "us-east-1"

// BucketArgs configure a Bucket.
type BucketArgs struct {
	// Region is the bucket's (its provider's): it decides who delivers the
	// load balancers' logs.
	Region           string
	LogRetentionDays int // 1 to 3653
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
	case !regionPattern.MatchString(args.Region):
		return nil, bad("Region", args.Region, "the bucket's AWS region, such as us-east-1")
	case args.LogRetentionDays < 1 || args.LogRetentionDays > 3653:
		return nil, bad("LogRetentionDays", args.LogRetentionDays, "1 to 3653")
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
	if err := shared.PrivateBucket(ctx, name, b.Bucket, shared.Lifecycle{ExpireDays: args.LogRetentionDays, NoncurrentDays: 1}, child); err != nil {
		return nil, err
	}
	account, err := shared.AccountID(ctx, b, args.AccountID)
	if err != nil {
		return nil, fmt.Errorf("%s: look up the account: %w", name, err)
	}
	if b.Policy, err = s3.NewBucketPolicy(ctx, name, &s3.BucketPolicyArgs{
		Bucket: b.Bucket.ID(),
		Policy: policy(b.Bucket.Arn, loadBalancerPrincipal(args.Region), account),
	}, child); err != nil {
		return nil, err
	}
	b.Name = pulumi.All(b.Bucket.Bucket, b.Policy.ID()).ApplyT(func(v []any) string { return v[0].(string) }).(pulumi.StringOutput)
	b.ARN = b.Bucket.Arn
	return b, ctx.RegisterResourceOutputs(b, pulumi.Map{"name": b.Name, "arn": b.ARN})
}

// ELBAccounts are the Elastic Load Balancing accounts that deliver the load
// balancers' access logs in the regions opened before August 2022 (AWS,
// "Enable access logs for your Application Load Balancer", step 2). The
// regions opened since have none: there, as the page says, the log-delivery
// service principal writes them. The provider's elb.GetServiceAccount knows
// only this table and fails elsewhere ("unsupported AWS Region"), so the
// stack keeps its own.
var ELBAccounts = map[string]string{
	"us-east-1": "127311923021", "us-east-2": "033677994240", "us-west-1": "027434742980", "us-west-2": "797873946194",
	"af-south-1": "098369216593", "ap-east-1": "754344448648", "ap-south-1": "718504428378",
	"ap-northeast-1": "582318560864", "ap-northeast-2": "600734575887", "ap-northeast-3": "383597477331",
	"ap-southeast-1": "114774131450", "ap-southeast-2": "783225319266", "ap-southeast-3": "589379963580",
	"ca-central-1": "985666609251", "eu-central-1": "054676820928", "eu-west-1": "156460612806",
	"eu-west-2": "652711504416", "eu-west-3": "009996457667", "eu-south-1": "635631232127",
	"eu-north-1": "897822967062", "me-south-1": "076674570225", "sa-east-1": "507241528517",
}

// LogDeliveryPrincipal writes load balancer logs in the regions opened
// since August 2022, and is accepted in the older ones too.
const LogDeliveryPrincipal = "logdelivery.elasticloadbalancing.amazonaws.com"

var regionPattern = regexp.MustCompile(`^[a-z]{2}-[a-z]+-[0-9]+$`)

// loadBalancerPrincipal admits the log-delivery service principal in every
// region, and the region's ELB account only where one exists.
func loadBalancerPrincipal(region string) pulumi.Map {
	p := pulumi.Map{"Service": pulumi.String(LogDeliveryPrincipal)}
	if account, ok := ELBAccounts[region]; ok {
		p["AWS"] = pulumi.String("arn:aws:iam::" + account + ":root")
	}
	return p
}

func policy(bucketARN pulumi.StringOutput, loadBalancers pulumi.Map, accountID string) pulumi.StringOutput {
	objects := func(prefix string) pulumi.StringOutput {
		return pulumi.Sprintf("%s/%s/AWSLogs/%s/*", bucketARN, prefix, accountID)
	}
	return pulumi.JSONMarshal(pulumi.Map{
		"Version": pulumi.String("2012-10-17"),
		"Statement": pulumi.Array{
			pulumi.Map{
				"Sid":       pulumi.String("LoadBalancerLogs"),
				"Effect":    pulumi.String("Allow"),
				"Principal": loadBalancers,
				"Action":    pulumi.String("s3:PutObject"),
				"Resource":  objects(LoadBalancerPrefix),
			},
			// CloudFront's standard logs (v2) arrive through CloudWatch's log
			// delivery, which, creating a delivery to a bucket whose policy
			// lacks this statement, appends it (CloudWatch Logs User Guide,
			// "Enable logging from AWS services", Amazon S3): the next refresh
			// would then find a policy the program does not write. So the
			// policy holds it as AWS writes it, for deliveries made in
			// CloudFront's region by this account's delivery sources.
			pulumi.Map{
				"Sid":       pulumi.String("AWSLogDeliveryWrite"),
				"Effect":    pulumi.String("Allow"),
				"Principal": pulumi.Map{"Service": pulumi.String("delivery.logs.amazonaws.com")},
				"Action":    pulumi.String("s3:PutObject"),
				"Resource":  objects(CDNPrefix),
				"Condition": pulumi.Map{
					"StringEquals": pulumi.Map{
						"s3:x-amz-acl":      pulumi.String("bucket-owner-full-control"),
						"aws:SourceAccount": pulumi.StringArray{pulumi.String(accountID)},
					},
					"ArnLike": pulumi.Map{
						"aws:SourceArn": pulumi.StringArray{pulumi.Sprintf("arn:aws:logs:%s:%s:delivery-source:*", CDNRegion, accountID)},
					},
				},
			},
			shared.DenyInsecureTransport(bucketARN),
		},
	})
}
