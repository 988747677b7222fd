package scalezero

import rego.v1

# METADATA
# title: RDS never publicly accessible
# description: Databases live in the isolated data subnets; no public endpoint.
# custom:
#   message: Set publiclyAccessible to false (the database component does).
deny_rds_public contains msg if {
	input.__type == "aws:rds/instance:Instance"
	input.publiclyAccessible == true
	msg := sprintf("RDS instance '%s' is publicly accessible; set publiclyAccessible: false", [input.__name])
}

# METADATA
# title: RDS storage encrypted
# description: Every RDS instance encrypts its storage at rest.
# custom:
#   message: Set storageEncrypted to true.
deny_rds_unencrypted contains msg if {
	input.__type == "aws:rds/instance:Instance"
	not_true(input, "storageEncrypted")
	msg := sprintf("RDS instance '%s' does not encrypt its storage; set storageEncrypted: true", [input.__name])
}

# METADATA
# title: RDS primaries keep backups
# description: A primary keeps automated backups (replicas and point-in-time recovery need them).
# custom:
#   message: Set backupRetentionPeriod to 1-35 days.
deny_rds_no_backups contains msg if {
	is_primary_db(input)
	days := object.get(input, "backupRetentionPeriod", 0)
	not unknown(days)
	days < 1
	msg := sprintf("RDS primary '%s' keeps no backups; set backupRetentionPeriod to at least 1", [input.__name])
}

# METADATA
# title: S3 public access fully blocked
# description: Every bucket's public access block sets all four flags.
# custom:
#   message: Set blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets to true.
deny_s3_public_access contains msg if {
	input.__type == "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
	some flag in ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"]
	not_true(input, flag)
	msg := sprintf("public access block '%s' leaves %s off; set all four flags to true", [input.__name, flag])
}

# METADATA
# title: S3 encryption on
# description: A bucket's default encryption names an algorithm.
# custom:
#   message: Set applyServerSideEncryptionByDefault.sseAlgorithm to AES256 or aws:kms.
deny_s3_unencrypted contains msg if {
	input.__type == "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"
	some rule in object.get(input, "rules", [{}])
	alg := object.get(object.get(rule, "applyServerSideEncryptionByDefault", {}), "sseAlgorithm", "")
	not unknown(alg)
	not alg in {"AES256", "aws:kms", "aws:kms:dsse"}
	msg := sprintf("bucket encryption '%s' has no default algorithm; set sseAlgorithm", [input.__name])
}

# METADATA
# title: CloudFront redirects to HTTPS
# description: No cache behavior serves plain HTTP.
# custom:
#   message: Set viewerProtocolPolicy to redirect-to-https or https-only.
deny_cloudfront_http contains msg if {
	input.__type == "aws:cloudfront/distribution:Distribution"
	behaviors := array.concat([object.get(input, "defaultCacheBehavior", {})], object.get(input, "orderedCacheBehaviors", []))
	some b in behaviors
	policy := object.get(b, "viewerProtocolPolicy", "allow-all")
	not unknown(policy)
	not policy in {"redirect-to-https", "https-only"}
	msg := sprintf("distribution '%s' serves %s over plain HTTP; set viewerProtocolPolicy: redirect-to-https", [input.__name, object.get(b, "pathPattern", "the default behavior")])
}

# METADATA
# title: CloudFront reads S3 through origin access control
# description: An S3 origin is read with OAC (no public bucket, no legacy identity).
# custom:
#   message: Give the S3 origin an originAccessControlId.
deny_cloudfront_s3_without_oac contains msg if {
	input.__type == "aws:cloudfront/distribution:Distribution"
	some o in object.get(input, "origins", [])
	not has_key(o, "customOriginConfig")
	not has_key(o, "vpcOriginConfig")
	object.get(o, "originAccessControlId", "") == ""
	msg := sprintf("distribution '%s' reads origin '%s' without origin access control; set originAccessControlId", [input.__name, o.originId])
}

# METADATA
# title: CloudFront adds security headers to S3 content
# description: A cache behavior that serves an S3 origin attaches a response headers policy; S3 sends no Content-Security-Policy, nosniff, frame or HSTS header of its own.
# custom:
#   message: Set the behavior's responseHeadersPolicyId (the cdn component's static policy).
deny_cloudfront_s3_without_headers contains msg if {
	input.__type == "aws:cloudfront/distribution:Distribution"
	s3 := {o.originId | some o in object.get(input, "origins", []); not has_key(o, "customOriginConfig"); not has_key(o, "vpcOriginConfig")}
	behaviors := array.concat([object.get(input, "defaultCacheBehavior", {})], object.get(input, "orderedCacheBehaviors", []))
	some b in behaviors
	target := object.get(b, "targetOriginId", "")
	not unknown(target)
	target in s3
	object.get(b, "responseHeadersPolicyId", "") == ""
	msg := sprintf("distribution '%s' serves %s from S3 without a response headers policy; set responseHeadersPolicyId", [input.__name, object.get(b, "pathPattern", "the default behavior")])
}

# METADATA
# title: No SSH from anywhere
# description: Nothing admits port 22 from the internet; use SSM Session Manager.
# custom:
#   message: Remove the rule; reach hosts with `aws ssm start-session`.
deny_ssh_from_anywhere contains msg if {
	some e in ingress(input)
	e.world
	covers(e, 22)
	msg := sprintf("'%s' admits SSH from the internet; remove it and use SSM Session Manager", [input.__name])
}

# METADATA
# title: Only 80 and 443 open to the internet
# description: A rule open to 0.0.0.0/0 or ::/0 covers nothing but port 80 or 443.
# custom:
#   message: Admit other ports from a security group, not from the internet.
deny_world_ingress contains msg if {
	some e in ingress(input)
	e.world
	not unknown(e.from)
	not unknown(e.to)
	not web_only(e)
	not covers(e, 22) # deny_ssh_from_anywhere reports those
	msg := sprintf("'%s' opens ports %v-%v to the internet; only 80 and 443 may be", [input.__name, e.from, e.to])
}

web_only(e) if {
	not e.all
	e.from == e.to
	e.from in {80, 443}
}

# METADATA
# title: Launch templates require IMDSv2
# description: Hosts answer only token-protected metadata requests.
# custom:
#   message: Set metadataOptions.httpTokens to required.
deny_imdsv1 contains msg if {
	input.__type in {"aws:ec2/launchTemplate:LaunchTemplate", "aws:ec2/instance:Instance"}
	tokens := object.get(object.get(input, "metadataOptions", {}), "httpTokens", "optional")
	not unknown(tokens)
	tokens != "required"
	msg := sprintf("'%s' allows IMDSv1; set metadataOptions.httpTokens: required", [input.__name])
}

# METADATA
# title: Launch templates give no public IP
# description: Fleet hosts live in private subnets, reachable only through the load balancer.
# custom:
#   message: Set networkInterfaces[].associatePublicIpAddress to false.
deny_launch_template_public_ip contains msg if {
	input.__type == "aws:ec2/launchTemplate:LaunchTemplate"
	some ni in object.get(input, "networkInterfaces", [])
	ni.associatePublicIpAddress in {true, "true"}
	msg := sprintf("launch template '%s' gives hosts a public IP; set associatePublicIpAddress: false", [input.__name])
}

# METADATA
# title: ElastiCache encrypted at rest and in transit
# description: The cache holds sessions; both encryptions are on.
# custom:
#   message: Set atRestEncryptionEnabled and transitEncryptionEnabled to true.
deny_elasticache_unencrypted contains msg if {
	input.__type == "aws:elasticache/replicationGroup:ReplicationGroup"
	some flag in ["atRestEncryptionEnabled", "transitEncryptionEnabled"]
	not_true(input, flag)
	msg := sprintf("replication group '%s' has %s off; turn it on", [input.__name, flag])
}

# METADATA
# title: ElastiCache fails over automatically
# description: A replica takes over when the primary node fails.
# custom:
#   message: Set automaticFailoverEnabled to true with at least one replica.
deny_elasticache_no_failover contains msg if {
	input.__type == "aws:elasticache/replicationGroup:ReplicationGroup"
	not_true(input, "automaticFailoverEnabled")
	msg := sprintf("replication group '%s' has no automatic failover; set automaticFailoverEnabled: true", [input.__name])
}

# METADATA
# title: SQS queues encrypted
# description: Every queue encrypts messages at rest (SQS-managed or KMS).
# custom:
#   message: Set sqsManagedSseEnabled to true or a kmsMasterKeyId.
deny_sqs_unencrypted contains msg if {
	input.__type == "aws:sqs/queue:Queue"
	not_true(input, "sqsManagedSseEnabled")
	object.get(input, "kmsMasterKeyId", "") == ""
	msg := sprintf("queue '%s' is not encrypted; set sqsManagedSseEnabled: true", [input.__name])
}

# METADATA
# title: No IAM statement allows everything
# description: No policy allows "*" actions on "*" resources.
# custom:
#   message: Name the actions and resources the role needs.
deny_iam_star contains msg if {
	input.__type in {"aws:iam/rolePolicy:RolePolicy", "aws:iam/policy:Policy", "aws:iam/userPolicy:UserPolicy", "aws:iam/groupPolicy:GroupPolicy"}
	is_string(input.policy)
	not unknown(input.policy)
	doc := json.unmarshal(input.policy)
	some st in as_array(doc.Statement)
	st.Effect == "Allow"
	"*" in as_array(st.Action)
	"*" in as_array(st.Resource)
	msg := sprintf("policy '%s' allows * on *; name the actions and resources", [input.__name])
}

as_array(x) := x if is_array(x)

as_array(x) := [x] if not is_array(x)

# METADATA
# title: Host volumes encrypted
# description: Root and data volumes of instances and launch templates are encrypted at rest.
# custom:
#   message: Set rootBlockDevice.encrypted, or blockDeviceMappings[].ebs.encrypted in a launch template, to true.
deny_ebs_unencrypted contains msg if {
	input.__type == "aws:ec2/instance:Instance"
	not_true(object.get(input, "rootBlockDevice", {}), "encrypted")
	msg := sprintf("instance '%s' has an unencrypted root volume; set rootBlockDevice.encrypted: true", [input.__name])
}

deny_ebs_unencrypted contains msg if {
	input.__type == "aws:ec2/launchTemplate:LaunchTemplate"
	some m in object.get(input, "blockDeviceMappings", [])
	not_true(object.get(m, "ebs", {}), "encrypted")
	msg := sprintf("launch template '%s' maps %s unencrypted; set ebs.encrypted: true", [input.__name, object.get(m, "deviceName", "a volume")])
}

# METADATA
# title: ElastiCache requires AUTH
# description: A cache with in-transit encryption also requires a token (or RBAC users) from clients.
# custom:
#   message: Set authToken (a secret) or userGroupIds.
deny_elasticache_no_auth contains msg if {
	input.__type == "aws:elasticache/replicationGroup:ReplicationGroup"
	object.get(input, "authToken", "") == ""
	count(object.get(input, "userGroupIds", [])) == 0
	msg := sprintf("replication group '%s' lets any client in; set authToken or userGroupIds", [input.__name])
}

# METADATA
# title: Load balancers drop invalid headers
# description: An ALB that drops malformed HTTP headers closes a request-smuggling path to the fleet.
# custom:
#   message: Set dropInvalidHeaderFields to true.
warn_lb_invalid_headers contains msg if {
	input.__type == "aws:lb/loadBalancer:LoadBalancer"
	object.get(input, "loadBalancerType", "application") == "application"
	not_true(input, "dropInvalidHeaderFields")
	msg := sprintf("load balancer '%s' passes invalid header fields on; set dropInvalidHeaderFields: true", [input.__name])
}
