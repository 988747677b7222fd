package knownvalues

import (
	"reflect"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/acm"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/autoscaling"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudfront"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/dynamodb"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecr"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/elasticache"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/elb"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lb"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/rds"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sns"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sqs"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ssm"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	"github.com/pulumi/pulumi-docker/sdk/v4/go/docker"
)

// The tables below map each type token the program may declare, and each
// invoke it may make, to the SDK struct that declares its outputs. A type the
// program declares that is missing here stops the known-value graph and the
// test provider with an error naming it: add one line, the token as the SDK's
// New<Type> registers it and the struct. TestTableMatchesTheSDK checks that the
// struct's package and name agree with the token.

func typeOf[T any]() reflect.Type { return reflect.TypeFor[T]() }

var resources = map[string]reflect.Type{
	"aws:acm/certificate:Certificate":                     typeOf[acm.Certificate](),
	"aws:acm/certificateValidation:CertificateValidation": typeOf[acm.CertificateValidation](),

	"aws:autoscaling/group:Group":   typeOf[autoscaling.Group](),
	"aws:autoscaling/policy:Policy": typeOf[autoscaling.Policy](),

	"aws:cloudfront/cachePolicy:CachePolicy":                     typeOf[cloudfront.CachePolicy](),
	"aws:cloudfront/distribution:Distribution":                   typeOf[cloudfront.Distribution](),
	"aws:cloudfront/originAccessControl:OriginAccessControl":     typeOf[cloudfront.OriginAccessControl](),
	"aws:cloudfront/originRequestPolicy:OriginRequestPolicy":     typeOf[cloudfront.OriginRequestPolicy](),
	"aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy": typeOf[cloudfront.ResponseHeadersPolicy](),

	"aws:cloudwatch/dashboard:Dashboard":                           typeOf[cloudwatch.Dashboard](),
	"aws:cloudwatch/logDelivery:LogDelivery":                       typeOf[cloudwatch.LogDelivery](),
	"aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination": typeOf[cloudwatch.LogDeliveryDestination](),
	"aws:cloudwatch/logDeliverySource:LogDeliverySource":           typeOf[cloudwatch.LogDeliverySource](),
	"aws:cloudwatch/logGroup:LogGroup":                             typeOf[cloudwatch.LogGroup](),
	"aws:cloudwatch/metricAlarm:MetricAlarm":                       typeOf[cloudwatch.MetricAlarm](),

	"aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": typeOf[ec2.DefaultSecurityGroup](),
	"aws:ec2/eip:Eip":                                                   typeOf[ec2.Eip](),
	"aws:ec2/flowLog:FlowLog":                                           typeOf[ec2.FlowLog](),
	"aws:ec2/vpcPeeringConnection:VpcPeeringConnection":                 typeOf[ec2.VpcPeeringConnection](),
	"aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter": typeOf[ec2.VpcPeeringConnectionAccepter](),
	"aws:ec2/instance:Instance":                                         typeOf[ec2.Instance](),
	"aws:ec2/internetGateway:InternetGateway":                           typeOf[ec2.InternetGateway](),
	"aws:ec2/launchTemplate:LaunchTemplate":                             typeOf[ec2.LaunchTemplate](),
	"aws:ec2/natGateway:NatGateway":                                     typeOf[ec2.NatGateway](),
	"aws:ec2/route:Route":                                               typeOf[ec2.Route](),
	"aws:ec2/routeTable:RouteTable":                                     typeOf[ec2.RouteTable](),
	"aws:ec2/routeTableAssociation:RouteTableAssociation":               typeOf[ec2.RouteTableAssociation](),
	"aws:ec2/securityGroup:SecurityGroup":                               typeOf[ec2.SecurityGroup](),
	"aws:ec2/subnet:Subnet":                                             typeOf[ec2.Subnet](),
	"aws:ec2/vpc:Vpc":                                                   typeOf[ec2.Vpc](),

	"aws:dynamodb/table:Table": typeOf[dynamodb.Table](),

	"aws:ecr/lifecyclePolicy:LifecyclePolicy": typeOf[ecr.LifecyclePolicy](),
	"aws:ecr/repository:Repository":           typeOf[ecr.Repository](),

	"aws:elasticache/parameterGroup:ParameterGroup":     typeOf[elasticache.ParameterGroup](),
	"aws:elasticache/replicationGroup:ReplicationGroup": typeOf[elasticache.ReplicationGroup](),
	"aws:elasticache/subnetGroup:SubnetGroup":           typeOf[elasticache.SubnetGroup](),

	"aws:iam/instanceProfile:InstanceProfile":           typeOf[iam.InstanceProfile](),
	"aws:iam/policy:Policy":                             typeOf[iam.Policy](),
	"aws:iam/role:Role":                                 typeOf[iam.Role](),
	"aws:iam/rolePolicy:RolePolicy":                     typeOf[iam.RolePolicy](),
	"aws:iam/rolePolicyAttachment:RolePolicyAttachment": typeOf[iam.RolePolicyAttachment](),

	"aws:kms/alias:Alias": typeOf[kms.Alias](),
	"aws:kms/key:Key":     typeOf[kms.Key](),

	"aws:lb/listener:Listener":         typeOf[lb.Listener](),
	"aws:lb/listenerRule:ListenerRule": typeOf[lb.ListenerRule](),
	"aws:lb/loadBalancer:LoadBalancer": typeOf[lb.LoadBalancer](),
	"aws:lb/targetGroup:TargetGroup":   typeOf[lb.TargetGroup](),

	"aws:rds/instance:Instance":             typeOf[rds.Instance](),
	"aws:rds/parameterGroup:ParameterGroup": typeOf[rds.ParameterGroup](),
	"aws:rds/subnetGroup:SubnetGroup":       typeOf[rds.SubnetGroup](),

	"aws:route53/healthCheck:HealthCheck": typeOf[route53.HealthCheck](),
	"aws:route53/record:Record":           typeOf[route53.Record](),
	"aws:route53/zone:Zone":               typeOf[route53.Zone](),

	"aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2":                       typeOf[s3.BucketLifecycleConfigurationV2](),
	"aws:s3/bucketLoggingV2:BucketLoggingV2":                                                     typeOf[s3.BucketLoggingV2](),
	"aws:s3/bucketObjectv2:BucketObjectv2":                                                       typeOf[s3.BucketObjectv2](),
	"aws:s3/bucketOwnershipControls:BucketOwnershipControls":                                     typeOf[s3.BucketOwnershipControls](),
	"aws:s3/bucketPolicy:BucketPolicy":                                                           typeOf[s3.BucketPolicy](),
	"aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock":                                     typeOf[s3.BucketPublicAccessBlock](),
	"aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2": typeOf[s3.BucketServerSideEncryptionConfigurationV2](),
	"aws:s3/bucketV2:BucketV2":                                                                   typeOf[s3.BucketV2](),
	"aws:s3/bucketVersioningV2:BucketVersioningV2":                                               typeOf[s3.BucketVersioningV2](),

	"aws:secretsmanager/secret:Secret":               typeOf[secretsmanager.Secret](),
	"aws:secretsmanager/secretVersion:SecretVersion": typeOf[secretsmanager.SecretVersion](),

	"aws:sns/topic:Topic": typeOf[sns.Topic](),

	"aws:sqs/queue:Queue":                           typeOf[sqs.Queue](),
	"aws:sqs/redriveAllowPolicy:RedriveAllowPolicy": typeOf[sqs.RedriveAllowPolicy](),

	"aws:ssm/parameter:Parameter": typeOf[ssm.Parameter](),

	"aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule":   typeOf[vpc.SecurityGroupEgressRule](),
	"aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": typeOf[vpc.SecurityGroupIngressRule](),

	"docker:index/container:Container":     typeOf[docker.Container](),
	"docker:index/image:Image":             typeOf[docker.Image](),
	"docker:index/network:Network":         typeOf[docker.Network](),
	"docker:index/remoteImage:RemoteImage": typeOf[docker.RemoteImage](),
	"docker:index/volume:Volume":           typeOf[docker.Volume](),
}

var invokes = map[string]reflect.Type{
	"aws:index/getAvailabilityZones:getAvailabilityZones":    typeOf[aws.GetAvailabilityZonesResult](),
	"aws:index/getCallerIdentity:getCallerIdentity":          typeOf[aws.GetCallerIdentityResult](),
	"aws:index/getPartition:getPartition":                    typeOf[aws.GetPartitionResult](),
	"aws:index/getRegion:getRegion":                          typeOf[aws.GetRegionResult](),
	"aws:ec2/getAmi:getAmi":                                  typeOf[ec2.LookupAmiResult](),
	"aws:ecr/getAuthorizationToken:getAuthorizationToken":    typeOf[ecr.GetAuthorizationTokenResult](),
	"aws:elb/getServiceAccount:getServiceAccount":            typeOf[elb.GetServiceAccountResult](),
	"docker:index/getRegistryImage:getRegistryImage":         typeOf[docker.LookupRegistryImageResult](),
	"docker:index/getRemoteImage:getRemoteImage":             typeOf[docker.LookupRemoteImageResult](),
	"aws:secretsmanager/getRandomPassword:getRandomPassword": typeOf[secretsmanager.GetRandomPasswordResult](),
}
