package stacks

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// LocalstackServices are the provider endpoint names of every AWS service the
// program calls (a test derives the list from the graph's resource types and
// invokes, so a new service cannot be forgotten here).
var LocalstackServices = []string{
	"acm", "autoscaling", "cloudfront", "cloudwatch", "dynamodb", "ec2", "ecr", "elasticache", "elbv2", "iam", "kms",
	"logs", "rds", "route53", "s3", "secretsmanager", "sns", "sqs", "ssm", "sts",
}

// providerArgs are a region's provider settings: AWS itself, or (target
// localstack) every service the program calls pointed at LocalStack, with
// LocalStack's fixed test credentials and no calls that only AWS answers.
func (b *builder) providerArgs(region string) *aws.ProviderArgs {
	args := &aws.ProviderArgs{Region: pulumi.String(region)}
	if b.lost(region) {
		lostProviderArgs(args)
	}
	if b.s.Target != "localstack" {
		return args
	}
	e := pulumi.String(b.s.LocalstackEndpoint)
	args.AccessKey = pulumi.String("test")
	args.SecretKey = pulumi.String("test")
	args.SkipCredentialsValidation = pulumi.Bool(true)
	args.SkipMetadataApiCheck = pulumi.Bool(true)
	args.SkipRequestingAccountId = pulumi.Bool(true)
	args.S3UsePathStyle = pulumi.Bool(true) // LocalStack serves buckets by path
	args.Endpoints = aws.ProviderEndpointArray{aws.ProviderEndpointArgs{
		Acm: e, Autoscaling: e, Cloudfront: e, Cloudwatch: e, Dynamodb: e, Ec2: e, Ecr: e, Elasticache: e, Elbv2: e,
		Iam: e, Kms: e, Logs: e, Rds: e, Route53: e, S3: e, Secretsmanager: e, Sns: e, Sqs: e, Ssm: e, Sts: e,
	}}
	return args
}
