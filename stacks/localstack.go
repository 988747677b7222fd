package stacks

import (
	"fmt"
	"slices"
	"strings"

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

// localstackPaid are the services of LocalstackServices that LocalStack's
// Free tier does not emulate: Base, Ultimate and Student emulate all twenty.
// From LocalStack's "Licensing & Tiers" page (the tiers of 18 September
// 2025; since 23 March 2026 the single localstack/localstack image needs an
// auth token on every tier, Free included).
var localstackPaid = map[string]bool{
	"autoscaling": true, "cloudfront": true, "ecr": true, "elasticache": true, "elbv2": true, "rds": true,
}

// LocalstackTiers are the LocalStack for AWS tiers LocalstackUnserved knows.
var LocalstackTiers = []string{"free", "base", "ultimate", "student"}

// LocalstackService is the provider endpoint name of the AWS service a
// resource type or invoke token (aws:ec2/instance:Instance,
// aws:index/getAvailabilityZones:getAvailabilityZones) calls.
func LocalstackService(token string) string {
	parts := strings.SplitN(token, ":", 3)
	if len(parts) < 2 {
		return token
	}
	module, member, _ := strings.Cut(parts[1], "/")
	switch {
	case member == "getCallerIdentity":
		return "sts"
	case module == "vpc" || module == "index": // index: getAvailabilityZones
		return "ec2"
	case module == "lb":
		return "elbv2"
	case module == "cloudwatch" && strings.HasPrefix(member, "log"): // log groups and deliveries: the CloudWatch Logs API
		return "logs"
	}
	return module
}

// LocalstackUnserved lists, sorted, the services among those the tokens
// call (see LocalstackService) that a LocalStack tier does not emulate: a
// phase whose graph calls one of them cannot come up on that tier.
func LocalstackUnserved(tier string, tokens []string) ([]string, error) {
	if !slices.Contains(LocalstackTiers, tier) {
		return nil, fmt.Errorf("LocalStack tier %q: allowed %s", tier, strings.Join(LocalstackTiers, ", "))
	}
	var out []string
	for _, tok := range tokens {
		if !strings.HasPrefix(tok, "aws:") {
			continue
		}
		if svc := LocalstackService(tok); tier == "free" && localstackPaid[svc] && !slices.Contains(out, svc) {
			out = append(out, svc)
		}
	}
	slices.Sort(out)
	return out, nil
}
