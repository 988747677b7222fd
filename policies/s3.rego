package scalezero

import rego.v1

# Amazon S3: buckets and their policies, encryption, versioning, lifecycle, objects.

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
	input.__type == bucket
	n := physical_name(input, "bucket")
	some problem in bucket_name_problems(auto_lower(input, "bucket", n))
	msg := sprintf("bucket '%s' gets the name '%s' (%s): %s", [input.__name, n, name_origin(input, "bucket"), problem])
}

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
	input.__type == lifecycle
	rules := object.get(input, "rules", [])
	is_array(rules)
	count(rules) > 1000
	msg := sprintf("lifecycle configuration '%s' has %d rules; S3 allows 1000", [input.__name, count(rules)])
}

deny_s3_lifecycle_rules contains msg if {
	input.__type == lifecycle
	some rule in object.get(input, "rules", [])
	id := str(rule, "id")
	count(id) > 255
	msg := sprintf("lifecycle configuration '%s' has a %d-character rule id; S3 allows 255", [input.__name, count(id)])
}

deny_s3_lifecycle_rules contains msg if {
	input.__type == lifecycle
	some rule in object.get(input, "rules", [])
	some key, field in {"expiration": "days", "noncurrentVersionExpiration": "noncurrentDays"}
	days := num(object.get(rule, key, {}), field)
	days < 1
	msg := sprintf("lifecycle configuration '%s' expires after %v days (%s); S3 needs at least 1", [input.__name, days, key])
}

deny_s3_lifecycle_rules contains msg if {
	input.__type == lifecycle
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
# title: Buckets are private and encrypted
# description: Every bucket has a full public access block and default encryption.
# custom:
#   message: Use the shared.PrivateBucket helper, or add both resources for the bucket.
stack_deny_bucket_unprotected contains msg if {
	some b in resources_of(bucket)
	some kind in ["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"]
	not guarded_by(b, kind)
	msg := sprintf("bucket '%s' has no %s", [b.__name, kind])
}

guarded_by(b, kind) if {
	some g in resources_of(kind)
	depends_on(g, "bucket", b.__urn)
}
