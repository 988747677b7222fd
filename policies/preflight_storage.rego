package scalezero

import rego.v1

# Preflight rules (see preflight_data.rego): S3, ECR, SQS, SNS and CloudWatch.

bucket := "aws:s3/bucketV2:BucketV2"

# The bucket resource a bucket-scoped resource names (by dependency).
bucket_of(r) := b if {
	some u in deps(r, "bucket")
	b := by_urn(u)
	is_type(b, bucket)
}

# The resources of a type attached to a bucket.
attached(b, t) := [r | some r in resources_of(t); depends_on(r, "bucket", b.__urn)]

# METADATA
# title: Bucket names fit S3's rules
# description: A general purpose bucket name has 3 to 63 lowercase letters, digits, dots and hyphens, begins and ends with a letter or digit, has no two adjacent dots, is not an IP address, does not begin with xn-- or sthree- nor end with -s3alias or --ol-s3. Pulumi's auto-name adds 8 characters.
# custom:
#   kind: preflight
#   types: [aws:s3/bucketV2:BucketV2]
#   doc: 'Amazon S3 User Guide, "General purpose bucket naming rules" (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html)'
#   message: Shorten the logical name to 55 characters or fewer (lowercase), or set a bucket name that fits.
deny_s3_bucket_name contains msg if {
	input.__type == "aws:s3/bucketV2:BucketV2"
	n := physical_name(input, "bucket")
	some problem in bucket_name_problems(auto_lower(input, "bucket", n))
	msg := sprintf("bucket '%s' gets the name '%s' (%s): %s", [input.__name, n, name_origin(input, "bucket"), problem])
}

# A name as checked where the provider lower-cases auto-names (S3 buckets,
# ECR repositories); an explicit name is taken as given.
auto_lower(r, prop, n) := n if has_key(props(r), prop)

auto_lower(r, prop, n) := lower(n) if not has_key(props(r), prop)

bucket_name_problems(n) := {p |
	not regex.match(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`, n)
	p := "3-63 lowercase letters, digits, dots and hyphens, a letter or digit at each end"
} | {p |
	contains(n, "..")
	p := "no two adjacent dots"
} | {p |
	regex.match(`^\d+\.\d+\.\d+\.\d+$`, n)
	p := "not an IP address"
} | {p |
	some prefix in ["xn--", "sthree-"]
	startswith(n, prefix)
	p := sprintf("no %s prefix", [prefix])
} | {p |
	some suffix in ["-s3alias", "--ol-s3"]
	endswith(n, suffix)
	p := sprintf("no %s suffix", [suffix])
}

versioned(b) if {
	some v in attached(b, "aws:s3/bucketVersioningV2:BucketVersioningV2")
	str(object.get(v, "versioningConfiguration", {}), "status") == "Enabled"
}

# METADATA
# title: A versioned bucket can be deleted
# description: S3 deletes a bucket only once all its objects, object versions and delete markers are gone (BucketNotEmpty); a versioned bucket keeps versions of everything written to it, so without forceDestroy pulumi destroy (or lowering the phase) fails.
# custom:
#   kind: preflight
#   types: [aws:s3/bucketV2:BucketV2, aws:s3/bucketVersioningV2:BucketVersioningV2]
#   doc: 'Amazon S3 API Reference, "DeleteBucket" (https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteBucket.html); User Guide, "Deleting a general purpose bucket" (https://docs.aws.amazon.com/AmazonS3/latest/userguide/delete-bucket.html); Pulumi AWS provider, "aws.s3.BucketV2" (forceDestroy)'
#   message: Set forceDestroy on the bucket (behind a protection setting for production data).
stack_deny_versioned_bucket_undeletable contains msg if {
	some b in resources_of(bucket)
	versioned(b)
	not flag(b, "forceDestroy", false)
	has_flag(b, "forceDestroy")
	msg := sprintf("bucket '%s' is versioned and has no forceDestroy; S3 refuses to delete it while versions remain", [b.__name])
}

# METADATA
# title: Object keys at most 1024 bytes
# description: An object key is a sequence of Unicode characters of at most 1,024 bytes in UTF-8.
# custom:
#   kind: preflight
#   types: [aws:s3/bucketObjectv2:BucketObjectv2]
#   doc: 'Amazon S3 User Guide, "Naming Amazon S3 objects" (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html)'
#   message: Shorten the key.
deny_s3_object_key contains msg if {
	input.__type == "aws:s3/bucketObjectv2:BucketObjectv2"
	k := str(input, "key")
	bytes(k) > 1024
	msg := sprintf("object '%s' has a %d-byte key; S3 allows 1024", [input.__name, bytes(k)])
}

# METADATA
# title: Bucket policies at most 20 KB
# description: A bucket policy is limited to 20 KB.
# custom:
#   kind: preflight
#   types: [aws:s3/bucketPolicy:BucketPolicy]
#   doc: 'Amazon S3 User Guide, "Bucket policies for Amazon S3" (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-policies.html)'
#   message: Shorten the policy (fewer statements, wildcards in resources).
deny_s3_bucket_policy_size contains msg if {
	input.__type == "aws:s3/bucketPolicy:BucketPolicy"
	p := str(input, "policy")
	bytes(p) > 20480
	msg := sprintf("bucket policy '%s' is %d bytes; S3 allows 20 KB", [input.__name, bytes(p)])
}

# A statement S3 counts as public: Allow to every principal, unconditioned.
public_statement(st) if {
	st.Effect == "Allow"
	every_principal(st.Principal)
	not has_key(st, "Condition")
}

every_principal("*")

every_principal(p) if "*" in as_array(object.get(p, "AWS", []))

# METADATA
# title: No public bucket policy where public policies are blocked
# description: With BlockPublicPolicy on, S3 rejects a bucket policy that allows public access (an Allow to every principal without a condition that fixes the caller).
# custom:
#   kind: preflight
#   types: [aws:s3/bucketPolicy:BucketPolicy, aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock]
#   doc: 'Amazon S3 User Guide, "Blocking public access to your Amazon S3 storage" (BlockPublicPolicy; the meaning of "public") (https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html)'
#   message: Grant the policy to named principals or condition it on the caller (aws:SourceArn, aws:SourceVpce).
stack_deny_public_policy_blocked contains msg if {
	some pol in resources_of("aws:s3/bucketPolicy:BucketPolicy")
	b := bucket_of(pol)
	some pab in attached(b, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
	flag(pab, "blockPublicPolicy", false)
	doc := json.unmarshal(str(pol, "policy"))
	some st in as_array(doc.Statement)
	public_statement(st)
	msg := sprintf("bucket policy '%s' allows public access to '%s', whose public access block '%s' refuses public policies", [pol.__name, b.__name, pab.__name])
}

owner_enforced(b) if {
	some c in attached(b, "aws:s3/bucketOwnershipControls:BucketOwnershipControls")
	str(object.get(c, "rule", {}), "objectOwnership") == "BucketOwnerEnforced"
}

# METADATA
# title: No object ACLs where the bucket owner owns everything
# description: With Object Ownership set to bucket owner enforced, ACLs are disabled and a request that sets an ACL other than bucket-owner-full-control fails (AccessControlListNotSupported).
# custom:
#   kind: preflight
#   types: [aws:s3/bucketObjectv2:BucketObjectv2, aws:s3/bucketOwnershipControls:BucketOwnershipControls]
#   doc: 'Amazon S3 User Guide, "Controlling ownership of objects and disabling ACLs for your bucket" (https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html)'
#   message: Drop the object's acl; grant access with the bucket policy.
stack_deny_acl_on_owner_enforced_bucket contains msg if {
	some o in resources_of("aws:s3/bucketObjectv2:BucketObjectv2")
	b := bucket_of(o)
	owner_enforced(b)
	acl := str(o, "acl")
	not acl in {"private", "bucket-owner-full-control"}
	msg := sprintf("object '%s' sets acl %s in bucket '%s', whose ACLs are disabled (BucketOwnerEnforced)", [o.__name, acl, b.__name])
}

# METADATA
# title: A KMS key only with KMS encryption
# description: A default encryption rule names a KMS key only when its algorithm is aws:kms or aws:kms:dsse.
# custom:
#   kind: preflight
#   types: [aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2]
#   doc: 'Amazon S3 API Reference, "ServerSideEncryptionByDefault" (KMSMasterKeyID) (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ServerSideEncryptionByDefault.html)'
#   message: Drop kmsMasterKeyId, or set sseAlgorithm to aws:kms.
deny_s3_encryption_key contains msg if {
	input.__type == "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"
	some rule in object.get(input, "rules", [])
	d := object.get(rule, "applyServerSideEncryptionByDefault", {})
	has_key(d, "kmsMasterKeyId")
	alg := str(d, "sseAlgorithm")
	not alg in {"aws:kms", "aws:kms:dsse"}
	msg := sprintf("bucket encryption '%s' names a KMS key with algorithm %s", [input.__name, alg])
}

lifecycle := "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2"

# METADATA
# title: Lifecycle rules S3 accepts
# description: A lifecycle configuration has at most 1,000 rules with ids of at most 255 characters; expirations count at least 1 day; objects move to STANDARD_IA or ONEZONE_IA after at least 30 days.
# custom:
#   kind: preflight
#   types: [aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2]
#   doc: 'Amazon S3 User Guide, "Lifecycle configuration elements" (https://docs.aws.amazon.com/AmazonS3/latest/userguide/intro-lifecycle-rules.html) and "Transitioning objects using Amazon S3 Lifecycle" (minimum days for STANDARD_IA and ONEZONE_IA) (https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-transition-general-considerations.html)'
#   message: Keep expirations at 1 day or more and IA transitions at 30 days or more.
deny_s3_lifecycle_rules contains msg if {
	input.__type == "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2"
	rules := object.get(input, "rules", [])
	is_array(rules)
	count(rules) > 1000
	msg := sprintf("lifecycle configuration '%s' has %d rules; S3 allows 1000", [input.__name, count(rules)])
}

deny_s3_lifecycle_rules contains msg if {
	input.__type == "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2"
	some rule in object.get(input, "rules", [])
	id := str(rule, "id")
	count(id) > 255
	msg := sprintf("lifecycle configuration '%s' has a %d-character rule id; S3 allows 255", [input.__name, count(id)])
}

deny_s3_lifecycle_rules contains msg if {
	input.__type == "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2"
	some rule in object.get(input, "rules", [])
	some key, field in {"expiration": "days", "noncurrentVersionExpiration": "noncurrentDays"}
	days := num(object.get(rule, key, {}), field)
	days < 1
	msg := sprintf("lifecycle configuration '%s' expires after %v days (%s); S3 needs at least 1", [input.__name, days, key])
}

deny_s3_lifecycle_rules contains msg if {
	input.__type == "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2"
	some rule in object.get(input, "rules", [])
	some key, field in {"transitions": "days", "noncurrentVersionTransitions": "noncurrentDays"}
	some t in object.get(rule, key, [])
	str(t, "storageClass") in {"STANDARD_IA", "ONEZONE_IA"}
	days := num(t, field)
	days < 30
	msg := sprintf("lifecycle configuration '%s' moves objects to %s after %v days; S3 needs at least 30", [input.__name, t.storageClass, days])
}

noncurrent_rules(lc) if {
	some rule in object.get(lc, "rules", [])
	some key in ["noncurrentVersionExpiration", "noncurrentVersionTransitions"]
	has_key(rule, key)
}

# METADATA
# title: Version rules after versioning
# description: Rules on noncurrent versions apply to a versioned bucket; the provider documents that a lifecycle configuration of a versioned bucket must depend on the bucket's versioning resource, as versioning must be enabled first.
# custom:
#   kind: preflight
#   types: [aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2, aws:s3/bucketVersioningV2:BucketVersioningV2]
#   doc: 'Pulumi AWS provider, "aws.s3.BucketLifecycleConfigurationV2" (example "Specifying a filter ... versioned bucket": must have bucket versioning enabled first) (https://www.pulumi.com/registry/packages/aws/api-docs/s3/bucketlifecycleconfigurationv2/); Amazon S3 User Guide, "Lifecycle configuration elements"'
#   message: Give the lifecycle configuration dependsOn the bucket's versioning resource.
stack_deny_lifecycle_before_versioning contains msg if {
	some lc in resources_of(lifecycle)
	noncurrent_rules(lc)
	b := bucket_of(lc)
	some v in attached(b, "aws:s3/bucketVersioningV2:BucketVersioningV2")
	not depends_transitively(lc, v.__urn)
	msg := sprintf("lifecycle configuration '%s' has noncurrent-version rules but does not depend on versioning '%s' of bucket '%s'", [lc.__name, v.__name, b.__name])
}

# The buckets an access-log setting names.
log_buckets(r, prop) := [b | some u in deps(r, prop); b := by_urn(u); is_type(b, bucket)]

# METADATA
# title: ALB access logs go to a bucket ELB can write
# description: Access logs of an Application Load Balancer go to a bucket of the load balancer's region encrypted with SSE-S3 (not SSE-KMS), whose bucket policy lets Elastic Load Balancing write; ELB checks the permission when logging is enabled, so the load balancer must be created after the policy.
# custom:
#   kind: preflight
#   types: [aws:lb/loadBalancer:LoadBalancer, aws:s3/bucketV2:BucketV2, aws:s3/bucketPolicy:BucketPolicy, aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2]
#   doc: 'Elastic Load Balancing User Guide, "Enable access logs for your Application Load Balancer" (bucket requirements and bucket policy) (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html)'
#   message: Log to an SSE-S3 bucket of the same region and make the load balancer depend on its bucket policy.
stack_deny_alb_log_bucket contains msg if {
	some l in resources_of(lb)
	logs := object.get(l, "accessLogs", {})
	flag(logs, "enabled", false)
	some b in log_buckets(l, "accessLogs")
	some e in attached(b, "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2")
	some rule in object.get(e, "rules", [])
	alg := str(object.get(rule, "applyServerSideEncryptionByDefault", {}), "sseAlgorithm")
	alg != "AES256"
	msg := sprintf("load balancer '%s' logs to bucket '%s', encrypted with %s; ELB writes access logs only with SSE-S3 (AES256)", [l.__name, b.__name, alg])
}

stack_deny_alb_log_bucket contains msg if {
	some l in resources_of(lb)
	flag(object.get(l, "accessLogs", {}), "enabled", false)
	some b in log_buckets(l, "accessLogs")
	region_of(b) != region_of(l)
	msg := sprintf("load balancer '%s' in %s logs to bucket '%s' of %s; ELB logs to a bucket of its own region", [l.__name, region_of(l), b.__name, region_of(b)])
}

stack_deny_alb_log_bucket contains msg if {
	some l in resources_of(lb)
	flag(object.get(l, "accessLogs", {}), "enabled", false)
	some b in log_buckets(l, "accessLogs")
	policies := attached(b, "aws:s3/bucketPolicy:BucketPolicy")
	not some_dependency(l, policies)
	msg := sprintf("load balancer '%s' logs to bucket '%s' without depending on a bucket policy that lets ELB write; enabling the logs fails with Access Denied", [l.__name, b.__name])
}

some_dependency(r, candidates) if {
	some c in candidates
	depends_transitively(r, c.__urn)
}

# METADATA
# title: CloudFront standard logs go to a bucket with ACLs
# description: CloudFront standard (legacy) logging writes with ACLs; a bucket whose Object Ownership is bucket owner enforced (ACLs disabled) cannot receive the logs and the distribution is refused.
# custom:
#   kind: preflight
#   types: [aws:cloudfront/distribution:Distribution, aws:s3/bucketOwnershipControls:BucketOwnershipControls]
#   doc: 'Amazon CloudFront Developer Guide, "Configure standard logging (legacy)" (permissions and ACLs of the log bucket) (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/standard-logging-legacy-s3.html)'
#   message: Give the log bucket ObjectWriter or BucketOwnerPreferred ownership, or use CloudFront's newer log delivery.
stack_deny_cloudfront_log_bucket_acls contains msg if {
	some d in resources_of(distribution)
	some b in log_buckets(d, "loggingConfig")
	owner_enforced(b)
	msg := sprintf("distribution '%s' logs to bucket '%s', whose ACLs are disabled (BucketOwnerEnforced); CloudFront's standard logs need ACLs", [d.__name, b.__name])
}

ecr_repository := "aws:ecr/repository:Repository"

# METADATA
# title: A repository holding images can be deleted
# description: ECR deletes a repository that holds images only with force (RepositoryNotEmptyException otherwise); a repository the stack pushes images to needs forceDelete, or pulumi destroy fails.
# custom:
#   kind: preflight
#   types: [aws:ecr/repository:Repository, docker:index/image:Image]
#   doc: 'Amazon ECR API Reference, "DeleteRepository" (force; RepositoryNotEmptyException) (https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_DeleteRepository.html)'
#   message: Set forceDelete on the repository (behind a protection setting for production).
stack_deny_repository_undeletable contains msg if {
	some repo in resources_of(ecr_repository)
	not flag(repo, "forceDelete", false)
	has_flag(repo, "forceDelete")
	some img in resources_of("docker:index/image:Image")
	depends_on(img, "imageName", repo.__urn)
	msg := sprintf("repository '%s' receives image '%s' and has no forceDelete; ECR refuses to delete it while it holds images", [repo.__name, img.__name])
}

# METADATA
# title: Repository names fit ECR's rules
# description: A repository name has 2 to 256 characters, lowercase letters and digits in components separated by . _ - or /; Pulumi's auto-name adds 8 characters.
# custom:
#   kind: preflight
#   types: [aws:ecr/repository:Repository]
#   doc: 'Amazon ECR API Reference, "CreateRepository" (repositoryName) (https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreateRepository.html)'
#   message: Use a lowercase name of 2-256 characters.
deny_ecr_repository_name contains msg if {
	input.__type == "aws:ecr/repository:Repository"
	n := physical_name(input, "name")
	m := auto_lower(input, "name", n)
	not valid_ecr_name(m)
	msg := sprintf("repository '%s' gets the name '%s' (%s); ECR allows 2-256 lowercase characters in components separated by . _ - /", [input.__name, n, name_origin(input, "name")])
}

valid_ecr_name(n) if {
	between(count(n), 2, 256)
	regex.match(`^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$`, n)
}

# METADATA
# title: ECR lifecycle rules ECR accepts
# description: Lifecycle rules have unique priorities; a tagged selection names tag prefixes or patterns; imageCountMoreThan takes no countUnit and sinceImagePushed takes countUnit days.
# custom:
#   kind: preflight
#   types: [aws:ecr/lifecyclePolicy:LifecyclePolicy]
#   doc: 'Amazon ECR User Guide, "Lifecycle policy properties in Amazon ECR" (https://docs.aws.amazon.com/AmazonECR/latest/userguide/lifecycle_policy_parameters.html)'
#   message: Fix the rule as the message says.
deny_ecr_lifecycle_policy contains msg if {
	input.__type == "aws:ecr/lifecyclePolicy:LifecyclePolicy"
	doc := json.unmarshal(str(input, "policy"))
	some problem in ecr_rule_problems(object.get(doc, "rules", []))
	msg := sprintf("lifecycle policy '%s': %s", [input.__name, problem])
}

ecr_rule_problems(rules) := {p |
	some i, a in rules
	some j, b in rules
	i < j
	a.rulePriority == b.rulePriority
	p := sprintf("two rules have priority %v", [a.rulePriority])
} | {p |
	some r in rules
	s := object.get(r, "selection", {})
	s.tagStatus == "tagged"
	count(object.get(s, "tagPrefixList", [])) + count(object.get(s, "tagPatternList", [])) == 0
	p := sprintf("rule %v selects tagged images without tagPrefixList or tagPatternList", [object.get(r, "rulePriority", "?")])
} | {p |
	some r in rules
	s := object.get(r, "selection", {})
	s.countType == "imageCountMoreThan"
	has_key(s, "countUnit")
	p := sprintf("rule %v counts images but sets countUnit", [object.get(r, "rulePriority", "?")])
} | {p |
	some r in rules
	s := object.get(r, "selection", {})
	s.countType == "sinceImagePushed"
	object.get(s, "countUnit", "") != "days"
	p := sprintf("rule %v counts days since push without countUnit days", [object.get(r, "rulePriority", "?")])
}

queue := "aws:sqs/queue:Queue"

fifo_queue(q) := flag(q, "fifoQueue", false)

# METADATA
# title: Queue names fit SQS's rules
# description: A queue name has up to 80 letters, digits, hyphens and underscores, and a FIFO queue's name ends in .fifo (counted in the 80); Pulumi's auto-name adds 8 characters (and .fifo for FIFO queues).
# custom:
#   kind: preflight
#   types: [aws:sqs/queue:Queue]
#   doc: 'Amazon SQS API Reference, "CreateQueue" (QueueName) (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html)'
#   message: Shorten the logical name to 72 characters or fewer (67 for FIFO), or set a name that fits.
deny_sqs_queue_name contains msg if {
	input.__type == "aws:sqs/queue:Queue"
	fifo := fifo_queue(input)
	n := fifo_name(input, fifo)
	not valid_queue_name(n, fifo)
	msg := sprintf("queue '%s' gets the name '%s' (%s, %d characters); SQS allows 80 letters, digits, - and _, with .fifo for FIFO queues", [input.__name, n, name_origin(input, "name"), count(n)])
}

# The name of a queue or topic: explicit, or auto-named with .fifo for FIFO.
fifo_name(r, _) := n if n := str(props(r), "name")

fifo_name(r, fifo) := n if {
	not has_key(props(r), "name")
	not has_key(props(r), "namePrefix")
	n := concat("", [r.__name, autoname_suffix, fifo_suffix(fifo)])
}

fifo_suffix(true) := ".fifo"

fifo_suffix(false) := ""

valid_queue_name(n, false) if regex.match(`^[A-Za-z0-9_-]{1,80}$`, n)

valid_queue_name(n, true) if regex.match(`^[A-Za-z0-9_-]{1,75}\.fifo$`, n)

queue_ranges := {
	"visibilityTimeoutSeconds": [0, 43200],
	"messageRetentionSeconds": [60, 1209600],
	"receiveWaitTimeSeconds": [0, 20],
	"delaySeconds": [0, 900],
}

# METADATA
# title: Queue attributes within SQS's ranges
# description: A queue's visibility timeout is 0-43,200 s, message retention 60-1,209,600 s, long-poll wait 0-20 s and delivery delay 0-900 s.
# custom:
#   kind: preflight
#   types: [aws:sqs/queue:Queue]
#   doc: 'Amazon SQS API Reference, "CreateQueue" (Attributes) (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html)'
#   message: Bring the attribute within its range.
deny_sqs_queue_attributes contains msg if {
	input.__type == "aws:sqs/queue:Queue"
	some key, r in queue_ranges
	v := num(input, key)
	not between(v, r[0], r[1])
	msg := sprintf("queue '%s' sets %s to %v; SQS allows %v-%v", [input.__name, key, v, r[0], r[1]])
}

# METADATA
# title: Redrive policies SQS accepts
# description: A redrive policy names the dead-letter queue's ARN and a maxReceiveCount of 1 to 1,000.
# custom:
#   kind: preflight
#   types: [aws:sqs/queue:Queue]
#   doc: 'Amazon SQS Developer Guide, "Using dead-letter queues in Amazon SQS" (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html); API Reference, "SetQueueAttributes" (RedrivePolicy)'
#   message: Set deadLetterTargetArn and maxReceiveCount 1-1000.
deny_sqs_redrive_policy contains msg if {
	input.__type == "aws:sqs/queue:Queue"
	p := json.unmarshal(str(input, "redrivePolicy"))
	n := to_number(object.get(p, "maxReceiveCount", 0))
	not between(n, 1, 1000)
	msg := sprintf("queue '%s' redrives after %v receives; SQS allows 1-1000", [input.__name, n])
}

deny_sqs_redrive_policy contains msg if {
	input.__type == "aws:sqs/queue:Queue"
	p := json.unmarshal(str(input, "redrivePolicy"))
	not has_key(p, "deadLetterTargetArn")
	msg := sprintf("queue '%s' has a redrive policy without deadLetterTargetArn", [input.__name])
}

# METADATA
# title: Redrive allow policies SQS accepts
# description: A redrive allow policy lists source queues (1 to 10 ARNs) only with redrivePermission byQueue, and byQueue needs that list.
# custom:
#   kind: preflight
#   types: [aws:sqs/redriveAllowPolicy:RedriveAllowPolicy]
#   doc: 'Amazon SQS API Reference, "SetQueueAttributes" (RedriveAllowPolicy: redrivePermission, sourceQueueArns) (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html)'
#   message: Use byQueue with 1-10 sourceQueueArns, or allowAll/denyAll without them.
deny_sqs_redrive_allow_policy contains msg if {
	input.__type == "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy"
	p := json.unmarshal(str(input, "redriveAllowPolicy"))
	p.redrivePermission == "byQueue"
	n := count(object.get(p, "sourceQueueArns", []))
	not between(n, 1, 10)
	msg := sprintf("redrive allow policy '%s' allows byQueue with %d source queues; SQS takes 1-10", [input.__name, n])
}

deny_sqs_redrive_allow_policy contains msg if {
	input.__type == "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy"
	p := json.unmarshal(str(input, "redriveAllowPolicy"))
	p.redrivePermission in {"allowAll", "denyAll"}
	has_key(p, "sourceQueueArns")
	msg := sprintf("redrive allow policy '%s' lists source queues with %s; only byQueue takes them", [input.__name, p.redrivePermission])
}

# The dead-letter queue a queue redrives to (by dependency).
dead_letter_queue(q) := d if {
	some u in deps(q, "redrivePolicy")
	d := by_urn(u)
	is_type(d, queue)
}

# METADATA
# title: A dead-letter queue is of its source's kind
# description: The dead-letter queue of a FIFO queue is a FIFO queue, and that of a standard queue a standard queue.
# custom:
#   kind: preflight
#   types: [aws:sqs/queue:Queue]
#   doc: 'Amazon SQS Developer Guide, "Using dead-letter queues in Amazon SQS" (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html)'
#   message: Make the dead-letter queue FIFO exactly when its source is.
stack_deny_dead_letter_queue_kind contains msg if {
	some q in resources_of(queue)
	d := dead_letter_queue(q)
	a := fifo_queue(q)
	b := fifo_queue(d)
	a != b
	msg := sprintf("queue '%s' (fifo %v) redrives to '%s' (fifo %v); a dead-letter queue is of its source's kind", [q.__name, a, d.__name, b])
}

alarm := "aws:cloudwatch/metricAlarm:MetricAlarm"

# METADATA
# title: Alarm periods CloudWatch accepts
# description: An alarm's period is 10, 20, 30 or a multiple of 60 seconds; period times evaluation periods is at most 7 days, and at most 1 day for periods under an hour; datapointsToAlarm is at most evaluationPeriods.
# custom:
#   kind: preflight
#   types: [aws:cloudwatch/metricAlarm:MetricAlarm]
#   doc: 'Amazon CloudWatch API Reference, "PutMetricAlarm" (Period, EvaluationPeriods, DatapointsToAlarm) (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html)'
#   message: Use a period of 10, 20, 30 or n*60 s and keep period x evaluationPeriods within a day.
deny_alarm_period contains msg if {
	input.__type == "aws:cloudwatch/metricAlarm:MetricAlarm"
	p := num(input, "period")
	not valid_period(p)
	msg := sprintf("alarm '%s' has a period of %v s; CloudWatch takes 10, 20, 30 or a multiple of 60", [input.__name, p])
}

deny_alarm_period contains msg if {
	input.__type == "aws:cloudwatch/metricAlarm:MetricAlarm"
	p := num(input, "period")
	n := num(input, "evaluationPeriods")
	p * n > evaluation_limit(p)
	msg := sprintf("alarm '%s' evaluates %v periods of %v s (%v s); CloudWatch allows %v s", [input.__name, n, p, p * n, evaluation_limit(p)])
}

deny_alarm_period contains msg if {
	input.__type == "aws:cloudwatch/metricAlarm:MetricAlarm"
	m := num(input, "datapointsToAlarm")
	n := num(input, "evaluationPeriods")
	m > n
	msg := sprintf("alarm '%s' needs %v breaching datapoints out of %v evaluation periods", [input.__name, m, n])
}

valid_period(p) if p in {10, 20, 30}

valid_period(p) if {
	p > 0
	p % 60 == 0
}

evaluation_limit(p) := 86400 if p < 3600

evaluation_limit(p) := 604800 if p >= 3600

# METADATA
# title: Alarms name their metric one way
# description: An alarm uses a statistic or an extended statistic, not both, and either a single metric (metricName) or metric queries (metrics), not both; each state has at most 5 actions.
# custom:
#   kind: preflight
#   types: [aws:cloudwatch/metricAlarm:MetricAlarm]
#   doc: 'Amazon CloudWatch API Reference, "PutMetricAlarm" (Statistic, ExtendedStatistic, Metrics, AlarmActions) (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html)'
#   message: Keep one way of naming the metric and at most 5 actions per state.
deny_alarm_metric contains msg if {
	input.__type == "aws:cloudwatch/metricAlarm:MetricAlarm"
	has_key(input, "statistic")
	has_key(input, "extendedStatistic")
	msg := sprintf("alarm '%s' sets both statistic and extendedStatistic", [input.__name])
}

deny_alarm_metric contains msg if {
	input.__type == "aws:cloudwatch/metricAlarm:MetricAlarm"
	has_key(input, "metricName")
	count(object.get(input, "metricQueries", [])) > 0
	msg := sprintf("alarm '%s' sets both metricName and metricQueries", [input.__name])
}

deny_alarm_metric contains msg if {
	input.__type == "aws:cloudwatch/metricAlarm:MetricAlarm"
	some key in ["alarmActions", "okActions", "insufficientDataActions"]
	actions := object.get(input, key, [])
	is_array(actions)
	count(actions) > 5
	msg := sprintf("alarm '%s' has %d %s; CloudWatch allows 5", [input.__name, count(actions), key])
}

# METADATA
# title: A log delivery waits for its source and destination
# description: CreateDelivery pairs exactly one existing delivery source with one existing delivery destination; a delivery that names a source or destination of the stack must be created after them.
# custom:
#   kind: preflight
#   types: [aws:cloudwatch/logDelivery:LogDelivery, aws:cloudwatch/logDeliverySource:LogDeliverySource, aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination]
#   doc: 'Amazon CloudWatch Logs API Reference, "CreateDelivery" and "PutDeliverySource" (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateDelivery.html)'
#   message: Take deliverySourceName and deliveryDestinationArn from the source's and destination's outputs.
stack_deny_log_delivery_order contains msg if {
	some d in resources_of("aws:cloudwatch/logDelivery:LogDelivery")
	name := str(props(d), "deliverySourceName")
	some src in resources_of("aws:cloudwatch/logDeliverySource:LogDeliverySource")
	physical_name(src, "name") == name
	not depends_transitively(d, src.__urn)
	msg := sprintf("log delivery '%s' names delivery source %s ('%s') without depending on it", [d.__name, name, src.__name])
}

stack_deny_log_delivery_order contains msg if {
	some d in resources_of("aws:cloudwatch/logDelivery:LogDelivery")
	arn := str(props(d), "deliveryDestinationArn")
	some dest in resources_of("aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination")
	endswith(arn, concat(":", ["", "delivery-destination", physical_name(dest, "name")]))
	not depends_transitively(d, dest.__urn)
	msg := sprintf("log delivery '%s' names delivery destination %s ('%s') without depending on it", [d.__name, arn, dest.__name])
}

# METADATA
# title: Dashboards CloudWatch accepts
# description: A dashboard's name has up to 255 letters, digits, - and _; its body is JSON whose widgets sit on the 24-column grid (x 0-23, width 1-24, height 1-1000).
# custom:
#   kind: preflight
#   types: [aws:cloudwatch/dashboard:Dashboard]
#   doc: 'Amazon CloudWatch API Reference, "PutDashboard" (DashboardName) (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutDashboard.html) and "Dashboard body structure and syntax" (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html)'
#   message: Name the dashboard with letters, digits, - and _, and keep widgets on the grid.
deny_dashboard contains msg if {
	input.__type == "aws:cloudwatch/dashboard:Dashboard"
	n := str(input, "dashboardName")
	not regex.match(`^[A-Za-z0-9_-]{1,255}$`, n)
	msg := sprintf("dashboard '%s' is named '%s'; CloudWatch allows 255 letters, digits, - and _", [input.__name, n])
}

deny_dashboard contains msg if {
	input.__type == "aws:cloudwatch/dashboard:Dashboard"
	body := str(input, "dashboardBody")
	not json.is_valid(body)
	msg := sprintf("dashboard '%s' has a body that is not JSON", [input.__name])
}

deny_dashboard contains msg if {
	input.__type == "aws:cloudwatch/dashboard:Dashboard"
	body := json.unmarshal(str(input, "dashboardBody"))
	some i, w in object.get(body, "widgets", [])
	some key, r in {"x": [0, 23], "width": [1, 24], "height": [1, 1000]}
	v := w[key]
	not between(v, r[0], r[1])
	msg := sprintf("dashboard '%s': widget %d has %s %v; CloudWatch allows %v-%v", [input.__name, i, key, v, r[0], r[1]])
}

# METADATA
# title: Log groups CloudWatch Logs accepts
# description: A log group's retention is one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653 days (0 keeps logs forever); its name has up to 512 of letters, digits and . - _ / #.
# custom:
#   kind: preflight
#   types: [aws:cloudwatch/logGroup:LogGroup]
#   doc: 'Amazon CloudWatch Logs API Reference, "PutRetentionPolicy" (retentionInDays) (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html) and "CreateLogGroup" (logGroupName) (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html)'
#   message: Pick a retention from the allowed list.
deny_log_group contains msg if {
	input.__type == "aws:cloudwatch/logGroup:LogGroup"
	days := num(input, "retentionInDays")
	days != 0
	not days in {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}
	msg := sprintf("log group '%s' keeps logs %v days, not a retention CloudWatch Logs offers", [input.__name, days])
}

deny_log_group contains msg if {
	input.__type == "aws:cloudwatch/logGroup:LogGroup"
	n := physical_name(input, "name")
	not regex.match(`^[.\-_/#A-Za-z0-9]{1,512}$`, n)
	msg := sprintf("log group '%s' gets the name '%s' (%s); CloudWatch Logs allows 512 of letters, digits and . - _ / #", [input.__name, n, name_origin(input, "name")])
}

# METADATA
# title: Topic names fit SNS's rules
# description: A topic name has 1 to 256 letters, digits, hyphens and underscores, and a FIFO topic's name ends in .fifo; Pulumi's auto-name adds 8 characters (and .fifo for FIFO topics).
# custom:
#   kind: preflight
#   types: [aws:sns/topic:Topic]
#   doc: 'Amazon SNS API Reference, "CreateTopic" (Name) (https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html)'
#   message: Use letters, digits, - and _, with .fifo for FIFO topics.
deny_sns_topic_name contains msg if {
	input.__type == "aws:sns/topic:Topic"
	fifo := fifo_topic(input)
	n := fifo_name(input, fifo)
	not valid_topic_name(n, fifo)
	msg := sprintf("topic '%s' gets the name '%s' (%s); SNS allows 256 letters, digits, - and _, with .fifo for FIFO topics", [input.__name, n, name_origin(input, "name")])
}

fifo_topic(t) := flag(t, "fifoTopic", false)

valid_topic_name(n, false) if regex.match(`^[A-Za-z0-9_-]{1,256}$`, n)

valid_topic_name(n, true) if regex.match(`^[A-Za-z0-9_-]{1,251}\.fifo$`, n)
