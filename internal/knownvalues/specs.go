package knownvalues

import (
	"fmt"
	"strings"
)

// spec is what a type's provider returns beyond the generic rules: its id,
// its ARN, and outputs whose shape depends on the type (more overrides the
// generated ones; a nil value removes one). Types without an entry get an id
// equal to their name and an ARN of the form
// arn:aws:<service>:<region>:<account>:<resource>/<id>.
type spec struct {
	id   func(g *gen) string
	arn  func(g *gen) string
	more func(g *gen) map[string]any
}

// prefixed returns an id maker: AWS's prefix and 17 hex characters.
func prefixed(prefix string) func(g *gen) string {
	return func(g *gen) string { return prefix + g.hexOf("id", 17) }
}

// arnOf makes "arn:aws:<service>:<region>:<account>:<resource>" with the
// resource part from the resource's values.
func arnOf(service string, regional, account bool, resource func(g *gen) string) func(g *gen) string {
	return func(g *gen) string {
		r, a := "", ""
		if regional {
			r = g.region()
		}
		if account {
			a = Account
		}
		return fmt.Sprintf("arn:aws:%s:%s:%s:%s", service, r, a, resource(g))
	}
}

func byID(format string) func(g *gen) string {
	return func(g *gen) string { return fmt.Sprintf(format, g.id()) }
}

func byName(format string) func(g *gen) string {
	return func(g *gen) string { return fmt.Sprintf(format, g.name()) }
}

func self(g *gen) string { return g.arn() }

// regionCode is the short region in ElastiCache endpoints (use1, euw1).
func regionCode(region string) string {
	parts := strings.Split(region, "-")
	if len(parts) != 3 {
		return region
	}
	return parts[0][:2] + string(parts[1][0]) + parts[2]
}

// albZones are the canonical hosted zones of load balancers by region
// (AWS "Elastic Load Balancing endpoints and quotas").
var albZones = map[string]string{"us-east-1": "Z35SXDOTRQ7X7K", "us-west-2": "Z1H1FL5HABSF5", "eu-west-1": "Z32O12XQLNTSW2", "eu-central-1": "Z215JYRZR1TBD5"}

func lbSuffix(g *gen, kind string) string {
	return fmt.Sprintf("%s/%s/%s", kind, g.name(), g.hexOf("lb", 16))
}

// specs is filled in init: its makers call id and arn, which read it.
var specs map[string]spec

func init() {
	specs = map[string]spec{
		"aws:ec2/vpc:Vpc": {id: prefixed("vpc-"), arn: arnOf("ec2", true, true, byID("vpc/%s")),
			more: func(g *gen) map[string]any { return map[string]any{"ipv6AssociationId": "", "ipv6CidrBlock": ""} }},
		"aws:ec2/subnet:Subnet":                             {id: prefixed("subnet-"), arn: arnOf("ec2", true, true, byID("subnet/%s"))},
		"aws:ec2/securityGroup:SecurityGroup":               {id: prefixed("sg-"), arn: arnOf("ec2", true, true, byID("security-group/%s"))},
		"aws:ec2/internetGateway:InternetGateway":           {id: prefixed("igw-"), arn: arnOf("ec2", true, true, byID("internet-gateway/%s"))},
		"aws:ec2/natGateway:NatGateway":                     {id: prefixed("nat-")},
		"aws:ec2/flowLog:FlowLog":                           {id: prefixed("fl-"), arn: arnOf("ec2", true, true, byID("vpc-flow-log/%s"))},
		"aws:ec2/vpcPeeringConnection:VpcPeeringConnection": {id: prefixed("pcx-"), more: func(g *gen) map[string]any { return map[string]any{"acceptStatus": "pending-acceptance"} }},
		"aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter": {id: func(g *gen) string {
			// The connection's own id, as AWS gives it.
			if id := g.in("vpcPeeringConnectionId"); id != "" {
				return id
			}
			return prefixed("pcx-")(g)
		},
			more: func(g *gen) map[string]any { return map[string]any{"acceptStatus": "active"} }},
		"aws:ec2/routeTable:RouteTable":                       {id: prefixed("rtb-"), arn: arnOf("ec2", true, true, byID("route-table/%s"))},
		"aws:ec2/routeTableAssociation:RouteTableAssociation": {id: prefixed("rtbassoc-")},
		"aws:ec2/route:Route":                                 {id: func(g *gen) string { return "r-" + g.in("routeTableId") + g.hexOf("id", 8) }},
		"aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": {id: prefixed("sg-"), arn: arnOf("ec2", true, true, byID("security-group/%s")),
			more: func(g *gen) map[string]any {
				return map[string]any{"name": "default", "description": "default VPC security group"}
			}},
		"aws:ec2/eip:Eip": {id: prefixed("eipalloc-"), arn: arnOf("ec2", true, true, byID("elastic-ip/%s")),
			more: func(g *gen) map[string]any {
				ip := g.ip("publicIp", true)
				return map[string]any{"allocationId": g.id(), "publicIp": ip, "domain": "vpc",
					"publicDns": "ec2-" + strings.ReplaceAll(ip, ".", "-") + ".compute-1.amazonaws.com"}
			}},
		"aws:ec2/instance:Instance": {id: prefixed("i-"), arn: arnOf("ec2", true, true, byID("instance/%s")),
			more: func(g *gen) map[string]any {
				ip, pub := g.ip("privateIp", false), g.ip("publicIp", true)
				return map[string]any{"privateIp": ip, "publicIp": pub, "instanceState": "running",
					"privateDns": "ip-" + strings.ReplaceAll(ip, ".", "-") + ".ec2.internal",
					"publicDns":  "ec2-" + strings.ReplaceAll(pub, ".", "-") + ".compute-1.amazonaws.com"}
			}},
		"aws:ec2/launchTemplate:LaunchTemplate": {id: prefixed("lt-"), arn: arnOf("ec2", true, true, byID("launch-template/%s")),
			more: func(g *gen) map[string]any { return map[string]any{"latestVersion": 1.0, "defaultVersion": 1.0} }},
		"aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": {id: prefixed("sgr-"), arn: arnOf("ec2", true, true, byID("security-group-rule/%s")),
			more: func(g *gen) map[string]any { return map[string]any{"securityGroupRuleId": g.id()} }},
		"aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": {id: prefixed("sgr-"), arn: arnOf("ec2", true, true, byID("security-group-rule/%s")),
			more: func(g *gen) map[string]any { return map[string]any{"securityGroupRuleId": g.id()} }},

		"aws:autoscaling/group:Group": {arn: arnOf("autoscaling", true, true, func(g *gen) string {
			return fmt.Sprintf("autoScalingGroup:%s:autoScalingGroupName/%s", g.uuid("asg"), g.name())
		})},
		"aws:autoscaling/policy:Policy": {arn: arnOf("autoscaling", true, true, func(g *gen) string {
			return fmt.Sprintf("scalingPolicy:%s:autoScalingGroupName/%s:policyName/%s", g.uuid("policy"), g.in("autoscalingGroupName"), g.name())
		})},

		"aws:cloudfront/distribution:Distribution": {
			id:  func(g *gen) string { return "E" + g.alnum("id", 13, upperAlnum) },
			arn: arnOf("cloudfront", false, true, byID("distribution/%s")),
			more: func(g *gen) map[string]any {
				return map[string]any{"domainName": "d" + g.alnum("domain", 13, lowerAlnum) + ".cloudfront.net",
					"hostedZoneId": "Z2FDTNDATAQYW2", "status": "Deployed", "etag": "E" + g.alnum("etag", 13, upperAlnum)}
			}},
		"aws:cloudfront/cachePolicy:CachePolicy":                     {id: func(g *gen) string { return g.uuid("id") }},
		"aws:cloudfront/originRequestPolicy:OriginRequestPolicy":     {id: func(g *gen) string { return g.uuid("id") }},
		"aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy": {id: func(g *gen) string { return g.uuid("id") }},
		"aws:cloudfront/originAccessControl:OriginAccessControl":     {id: func(g *gen) string { return "E" + g.alnum("id", 13, upperAlnum) }},

		"aws:cloudwatch/logDeliverySource:LogDeliverySource":           {arn: arnOf("logs", true, true, byName("delivery-source:%s"))},
		"aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination": {arn: arnOf("logs", true, true, byName("delivery-destination:%s"))},
		"aws:cloudwatch/logDelivery:LogDelivery": {id: func(g *gen) string { return g.alnum("id", 16, upperAlnum+lowerAlnum[:26]) },
			arn: arnOf("logs", true, true, byID("delivery:%s"))},
		"aws:cloudwatch/logGroup:LogGroup":       {arn: arnOf("logs", true, true, byName("log-group:%s"))},
		"aws:cloudwatch/metricAlarm:MetricAlarm": {arn: arnOf("cloudwatch", true, true, byName("alarm:%s"))},
		"aws:cloudwatch/dashboard:Dashboard": {id: func(g *gen) string { return g.inOr("dashboardName") },
			more: func(g *gen) map[string]any {
				return map[string]any{"dashboardArn": fmt.Sprintf("arn:aws:cloudwatch::%s:dashboard/%s", Account, g.inOr("dashboardName"))}
			}},

		"aws:ecr/repository:Repository": {arn: arnOf("ecr", true, true, byName("repository/%s")),
			more: func(g *gen) map[string]any {
				return map[string]any{"repositoryUrl": fmt.Sprintf("%s.dkr.ecr.%s.amazonaws.com/%s", Account, g.region(), g.name())}
			}},
		"aws:ecr/lifecyclePolicy:LifecyclePolicy": {id: func(g *gen) string { return g.inOr("repository") }},

		"aws:elasticache/replicationGroup:ReplicationGroup": {arn: arnOf("elasticache", true, true, byName("replicationgroup:%s")),
			more: func(g *gen) map[string]any {
				host := fmt.Sprintf("%s.%s.%s.cache.amazonaws.com", g.name(), g.alnum("host", 6, lowerAlnum), regionCode(g.region()))
				members := []any{}
				if !g.r.EmptyLists {
					members = []any{g.name() + "-001", g.name() + "-002"}
				}
				return map[string]any{"primaryEndpointAddress": "master." + host, "readerEndpointAddress": "replica." + host,
					"configurationEndpointAddress": "", "memberClusters": members}
			}},
		"aws:elasticache/parameterGroup:ParameterGroup": {arn: arnOf("elasticache", true, true, byName("parametergroup:%s"))},
		"aws:elasticache/subnetGroup:SubnetGroup":       {arn: arnOf("elasticache", true, true, byName("subnetgroup:%s"))},

		"aws:iam/role:Role": {arn: arnOf("iam", false, true, byName("role/%s")),
			more: func(g *gen) map[string]any {
				return map[string]any{"uniqueId": "AROA" + g.alnum("unique", 17, upperAlnum)}
			}},
		"aws:iam/instanceProfile:InstanceProfile": {arn: arnOf("iam", false, true, byName("instance-profile/%s")),
			more: func(g *gen) map[string]any {
				return map[string]any{"uniqueId": "AIPA" + g.alnum("unique", 17, upperAlnum)}
			}},
		"aws:iam/policy:Policy": {id: self, arn: arnOf("iam", false, true, byName("policy/%s")),
			more: func(g *gen) map[string]any {
				return map[string]any{"policyId": "ANPA" + g.alnum("unique", 17, upperAlnum)}
			}},
		"aws:iam/rolePolicy:RolePolicy": {id: func(g *gen) string { return g.in("role") + ":" + g.name() }},
		"aws:iam/rolePolicyAttachment:RolePolicyAttachment": {
			id: func(g *gen) string { return g.in("role") + "-" + g.hexOf("id", 26) }},

		// A table's id is its name; its stream's ARN is the table's with a
		// creation stamp.
		"aws:dynamodb/table:Table": {arn: arnOf("dynamodb", true, true, byName("table/%s")),
			more: func(g *gen) map[string]any {
				label := "2026-01-01T00:00:00." + g.alnum("stream", 3, digits)
				return map[string]any{"streamLabel": label, "streamArn": g.arn() + "/stream/" + label}
			}},

		"aws:kms/key:Key": {id: func(g *gen) string { return g.uuid("key") }, arn: arnOf("kms", true, true, byID("key/%s")),
			more: func(g *gen) map[string]any { return map[string]any{"keyId": g.id()} }},
		"aws:kms/alias:Alias": {arn: arnOf("kms", true, true, byName("%s"))},

		"aws:lb/loadBalancer:LoadBalancer": {id: self,
			arn: arnOf("elasticloadbalancing", true, true, func(g *gen) string { return "loadbalancer/" + lbSuffix(g, "app") }),
			more: func(g *gen) map[string]any {
				zone := albZones[g.region()]
				if zone == "" {
					zone = "Z" + g.alnum("zone", 13, upperAlnum)
				}
				return map[string]any{"arnSuffix": lbSuffix(g, "app"), "zoneId": zone,
					"dnsName": fmt.Sprintf("%s-%s.%s.elb.amazonaws.com", g.name(), g.alnum("dns", 10, digits), g.region())}
			}},
		"aws:lb/targetGroup:TargetGroup": {id: self,
			arn:  arnOf("elasticloadbalancing", true, true, func(g *gen) string { return lbSuffix(g, "targetgroup") }),
			more: func(g *gen) map[string]any { return map[string]any{"arnSuffix": lbSuffix(g, "targetgroup")} }},
		"aws:lb/listener:Listener": {id: self, arn: func(g *gen) string {
			return strings.Replace(g.inOr("loadBalancerArn"), ":loadbalancer/", ":listener/", 1) + "/" + g.hexOf("listener", 16)
		}},
		"aws:lb/listenerRule:ListenerRule": {id: self, arn: func(g *gen) string {
			return strings.Replace(g.inOr("listenerArn"), ":listener/", ":listener-rule/", 1) + "/" + g.hexOf("rule", 16)
		}},

		"aws:rds/instance:Instance": {id: func(g *gen) string { return "db-" + g.alnum("id", 26, upperAlnum) },
			arn: arnOf("rds", true, true, byName("db:%s")),
			more: func(g *gen) map[string]any {
				addr := fmt.Sprintf("%s.%s.%s.rds.amazonaws.com", g.name(), g.alnum("host", 12, lowerAlnum), g.region())
				secrets := []any{}
				if managed, _ := g.inputs["manageMasterUserPassword"].(bool); managed && !g.r.EmptyLists {
					secrets = []any{map[string]any{"kmsKeyId": g.kmsKeyARN("secret"), "secretStatus": "active",
						"secretArn": fmt.Sprintf("arn:aws:secretsmanager:%s:%s:secret:rds!%s-%s", g.region(), Account, g.id(), g.alnum("secret", 6, lowerAlnum))}}
				}
				replicas := []any{}
				return map[string]any{"address": addr, "endpoint": addr + ":5432", "hostedZoneId": "Z2R2ITUGPM61AM",
					"resourceId": g.id(), "masterUserSecrets": secrets, "replicas": replicas, "listenerEndpoints": []any{},
					"status": "available", "engineVersionActual": g.in("engineVersion")}
			}},
		"aws:rds/parameterGroup:ParameterGroup": {arn: arnOf("rds", true, true, byName("pg:%s"))},
		"aws:rds/subnetGroup:SubnetGroup":       {arn: arnOf("rds", true, true, byName("subgrp:%s"))},

		"aws:route53/zone:Zone": {id: func(g *gen) string { return "Z" + g.alnum("zone", 20, upperAlnum) },
			arn: arnOf("route53", false, false, byID("hostedzone/%s")),
			more: func(g *gen) map[string]any {
				ns := []any{}
				if !g.r.EmptyLists {
					for i, tld := range []string{"com", "net", "org", "co.uk"} {
						ns = append(ns, fmt.Sprintf("ns-%s.awsdns-%s.%s", g.alnum(fmt.Sprint("ns", i), 3, digits), g.alnum(fmt.Sprint("ns", i, "b"), 2, digits), tld))
					}
				}
				primary := ""
				if len(ns) > 0 {
					primary = ns[0].(string)
				}
				return map[string]any{"zoneId": g.id(), "nameServers": ns, "primaryNameServer": primary}
			}},
		"aws:route53/record:Record": {id: func(g *gen) string {
			if g.in("zoneId") == "" {
				return g.name()
			}
			id := g.in("zoneId") + "_" + g.in("name") + "_" + g.in("type")
			if s := g.in("setIdentifier"); s != "" {
				id += "_" + s
			}
			return id
		}, more: func(g *gen) map[string]any { return map[string]any{"fqdn": g.in("name")} }},
		"aws:route53/healthCheck:HealthCheck": {id: func(g *gen) string { return g.uuid("id") },
			arn: arnOf("route53", false, false, byID("healthcheck/%s"))},

		"aws:s3/bucketV2:BucketV2": {arn: arnOf("s3", false, false, byName("%s")),
			more: func(g *gen) map[string]any {
				return map[string]any{"bucketDomainName": g.name() + ".s3.amazonaws.com", "region": g.region(),
					"bucketRegionalDomainName": g.name() + ".s3." + g.region() + ".amazonaws.com", "hostedZoneId": "Z3AQBSTGFYJSTF",
					"websiteDomain": "", "websiteEndpoint": ""}
			}},
		"aws:s3/bucketObjectv2:BucketObjectv2": {id: func(g *gen) string { return g.inOr("key") },
			arn: func(g *gen) string { return fmt.Sprintf("arn:aws:s3:::%s/%s", g.in("bucket"), g.in("key")) }},
		"aws:s3/bucketPolicy:BucketPolicy":                                                           {id: bucketID},
		"aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock":                                     {id: bucketID},
		"aws:s3/bucketOwnershipControls:BucketOwnershipControls":                                     {id: bucketID},
		"aws:s3/bucketVersioningV2:BucketVersioningV2":                                               {id: bucketID},
		"aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2": {id: bucketID},
		"aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2":                       {id: bucketID},
		"aws:s3/bucketLoggingV2:BucketLoggingV2":                                                     {id: bucketID},

		"aws:secretsmanager/secret:Secret": {id: self, arn: arnOf("secretsmanager", true, true, func(g *gen) string {
			return "secret:" + g.name() + "-" + g.alnum("suffix", 6, lowerAlnum)
		})},
		"aws:secretsmanager/secretVersion:SecretVersion": {
			id:   func(g *gen) string { return g.in("secretId") + "|" + g.uuid("version") },
			arn:  func(g *gen) string { return g.inOr("secretId") },
			more: func(g *gen) map[string]any { return map[string]any{"versionId": g.uuid("version")} }},

		"aws:acm/certificate:Certificate": {id: self, arn: arnOf("acm", true, true, func(g *gen) string { return "certificate/" + g.uuid("cert") }),
			more: func(g *gen) map[string]any {
				dvos := []any{}
				if !g.r.EmptyLists {
					names := []string{g.in("domainName")}
					if sans, ok := g.inputs["subjectAlternativeNames"].([]any); ok {
						for _, s := range sans {
							if s, ok := s.(string); ok {
								names = append(names, s)
							}
						}
					}
					for _, n := range names {
						dvos = append(dvos, map[string]any{"domainName": n, "resourceRecordType": "CNAME",
							"resourceRecordName":  "_" + g.hexOf("dvo|"+n, 32) + "." + n + ".",
							"resourceRecordValue": "_" + g.hexOf("dvo-value|"+n, 32) + "." + g.alnum("dvo|"+n, 10, lowerAlnum) + ".acm-validations.aws."})
					}
				}
				return map[string]any{"domainValidationOptions": dvos, "status": "ISSUED", "validationEmails": []any{}}
			}},
		"aws:acm/certificateValidation:CertificateValidation": {id: func(g *gen) string { return g.inOr("certificateArn") }},

		"aws:sns/topic:Topic": {id: self, arn: arnOf("sns", true, true, byName("%s"))},

		"aws:sqs/queue:Queue": {id: func(g *gen) string { return queueURL(g) }, arn: arnOf("sqs", true, true, byName("%s")),
			more: func(g *gen) map[string]any { return map[string]any{"url": queueURL(g)} }},
		"aws:sqs/redriveAllowPolicy:RedriveAllowPolicy": {id: func(g *gen) string { return g.inOr("queueUrl") }},

		"aws:ssm/parameter:Parameter": {arn: arnOf("ssm", true, true, func(g *gen) string {
			return "parameter/" + strings.TrimPrefix(g.name(), "/")
		}), more: func(g *gen) map[string]any { return map[string]any{"tier": "Standard", "version": 1.0} }},

		"docker:index/container:Container": {id: func(g *gen) string { return g.hexOf("id", 64) }},
		"docker:index/network:Network":     {id: func(g *gen) string { return g.hexOf("id", 64) }},
		"docker:index/volume:Volume": {more: func(g *gen) map[string]any {
			return map[string]any{"mountpoint": "/var/lib/docker/volumes/" + g.name() + "/_data", "driver": "local"}
		}},
		"docker:index/image:Image": {id: func(g *gen) string { return "sha256:" + g.hexOf("id", 64) },
			more: func(g *gen) map[string]any {
				repo, _, _ := strings.Cut(g.in("imageName"), ":")
				return map[string]any{"repoDigest": repo + "@sha256:" + g.hexOf("digest", 64), "baseImageName": g.in("imageName")}
			}},
		"docker:index/remoteImage:RemoteImage": {id: func(g *gen) string { return "sha256:" + g.hexOf("id", 64) + g.in("name") },
			more: func(g *gen) map[string]any {
				repo, _, _ := strings.Cut(g.in("name"), ":")
				return map[string]any{"imageId": "sha256:" + g.hexOf("id", 64), "repoDigest": repo + "@sha256:" + g.hexOf("digest", 64)}
			}},
	}
}

func bucketID(g *gen) string { return g.inOr("bucket") }

func queueURL(g *gen) string {
	return fmt.Sprintf("https://sqs.%s.amazonaws.com/%s/%s", g.region(), Account, g.name())
}
