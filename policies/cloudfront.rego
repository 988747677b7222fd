package scalezero

import rego.v1

# Amazon CloudFront: distributions, cache policies, origin access control, standard logs.

distribution := "aws:cloudfront/distribution:Distribution"

viewer_certificate(d) := object.get(d, "viewerCertificate", {})

# METADATA
# title: CloudFront's certificate is in us-east-1 and issued
# description: CloudFront uses ACM certificates requested or imported in US East (N. Virginia), us-east-1, and only once issued.
# custom:
#   kind: preflight
#   types: [aws:cloudfront/distribution:Distribution, aws:acm/certificate:Certificate, aws:acm/certificateValidation:CertificateValidation]
#   doc: 'Amazon CloudFront Developer Guide, "Requirements for using SSL/TLS certificates with CloudFront" (certificate Region) (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cnames-and-https-requirements.html)'
#   message: Create the certificate with a us-east-1 provider and take its ARN from the CertificateValidation.
stack_deny_cloudfront_certificate contains msg if {
	some d in resources_of(distribution)
	c := cert_of(d, "viewerCertificate")
	region_of(c) != "us-east-1"
	msg := sprintf("distribution '%s' uses certificate '%s' of %s; CloudFront takes certificates of us-east-1", [d.__name, c.__name, region_of(c)])
}

stack_deny_cloudfront_certificate contains msg if {
	some d in resources_of(distribution)
	c := cert_of(d, "viewerCertificate")
	not waits_for_validation(d, c)
	msg := sprintf("distribution '%s' uses certificate '%s' without waiting for its validation", [d.__name, c.__name])
}

stack_deny_cloudfront_certificate contains msg if {
	some d in resources_of(distribution)
	not cert_of(d, "viewerCertificate")
	arn := str(viewer_certificate(d), "acmCertificateArn")
	arn_region(arn) != "us-east-1"
	msg := sprintf("distribution '%s' uses a certificate of %s (%s); CloudFront takes certificates of us-east-1", [d.__name, arn_region(arn), arn])
}

# METADATA
# title: The viewer certificate settings CloudFront honours
# description: With CloudFront's default certificate (*.cloudfront.net) the security policy is always TLSv1, so a minimumProtocolVersion is not applied (and shows as a change on every update); alternate domain names need a certificate of your own; an ACM or IAM certificate needs an SSL support method.
# custom:
#   kind: preflight
#   types: [aws:cloudfront/distribution:Distribution]
#   doc: 'Amazon CloudFront API Reference, "ViewerCertificate" (MinimumProtocolVersion, SSLSupportMethod) (https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_ViewerCertificate.html); Developer Guide, "Use custom URLs by adding alternate domain names (CNAMEs)"; Pulumi AWS provider, "aws.cloudfront.Distribution" (viewerCertificate.minimumProtocolVersion: can only be set if cloudfrontDefaultCertificate is false) (https://www.pulumi.com/registry/packages/aws/api-docs/cloudfront/distribution/)'
#   message: Set minimumProtocolVersion and aliases only with acmCertificateArn and sslSupportMethod sni-only.
deny_cloudfront_viewer_certificate contains msg if {
	input.__type == distribution
	v := viewer_certificate(input)
	flag(v, "cloudfrontDefaultCertificate", false)
	p := str(v, "minimumProtocolVersion")
	p != "TLSv1"
	msg := sprintf("distribution '%s' asks for %s with the default certificate, which CloudFront always serves as TLSv1", [input.__name, p])
}

deny_cloudfront_viewer_certificate contains msg if {
	input.__type == distribution
	flag(viewer_certificate(input), "cloudfrontDefaultCertificate", false)
	aliases := object.get(input, "aliases", [])
	is_array(aliases)
	count(aliases) > 0
	msg := sprintf("distribution '%s' has alternate domain names %v but only the default certificate; CloudFront refuses them", [input.__name, aliases])
}

deny_cloudfront_viewer_certificate contains msg if {
	input.__type == distribution
	v := viewer_certificate(input)
	some key in ["acmCertificateArn", "iamCertificateId"]
	has_key(v, key)
	not has_key(v, "sslSupportMethod")
	msg := sprintf("distribution '%s' sets %s without sslSupportMethod", [input.__name, key])
}

allowed_method_sets := [{"GET", "HEAD"}, {"GET", "HEAD", "OPTIONS"}, {"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"}]

cached_method_sets := [{"GET", "HEAD"}, {"GET", "HEAD", "OPTIONS"}]

behaviors(d) := array.concat([object.get(d, "defaultCacheBehavior", {})], object.get(d, "orderedCacheBehaviors", []))

behavior_name(b) := object.get(b, "pathPattern", "the default behavior")

# METADATA
# title: Cache behaviors CloudFront accepts
# description: Each cache behavior targets an origin or origin group of the distribution by id, allows one of the three method sets (GET, HEAD; plus OPTIONS; plus PUT, PATCH, POST, DELETE), and caches GET, HEAD (and OPTIONS) among the allowed methods; origin ids are unique.
# custom:
#   kind: preflight
#   types: [aws:cloudfront/distribution:Distribution]
#   doc: 'Amazon CloudFront API Reference, "CacheBehavior" (TargetOriginId) and "AllowedMethods" (https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_AllowedMethods.html); Developer Guide, "Cache behavior settings"'
#   message: Point every behavior at an existing originId and use one of the method sets.
deny_cloudfront_behaviors contains msg if {
	input.__type == distribution
	ids := {o.originId | some o in object.get(input, "origins", [])} | {g.originId | some g in object.get(input, "originGroups", [])}
	some b in behaviors(input)
	target := str(b, "targetOriginId")
	not target in ids
	msg := sprintf("distribution '%s': %s targets origin '%s', which it does not have", [input.__name, behavior_name(b), target])
}

deny_cloudfront_behaviors contains msg if {
	input.__type == distribution
	some b in behaviors(input)
	is_array(b.allowedMethods)
	methods := {m | some m in b.allowedMethods}
	every m in methods { known(m) }
	not methods in allowed_method_sets
	msg := sprintf("distribution '%s': %s allows %v, not one of CloudFront's method sets", [input.__name, behavior_name(b), sort(methods)])
}

deny_cloudfront_behaviors contains msg if {
	input.__type == distribution
	some b in behaviors(input)
	is_array(b.cachedMethods)
	is_array(b.allowedMethods)
	cached := {m | some m in b.cachedMethods}
	every m in cached { known(m) }
	allowed := {m | some m in b.allowedMethods}
	every m in allowed { known(m) }
	not cached_ok(cached, allowed)
	msg := sprintf("distribution '%s': %s caches %v, which is not GET, HEAD (and OPTIONS) among its allowed %v", [input.__name, behavior_name(b), sort(cached), sort(allowed)])
}

cached_ok(cached, allowed) if {
	cached in cached_method_sets
	count(cached - allowed) == 0
}

deny_cloudfront_behaviors contains msg if {
	input.__type == distribution
	ids := [id | some o in object.get(input, "origins", []); id := str(o, "originId")]
	some id in {x | some x in ids}
	count([x | some x in ids; x == id]) > 1
	msg := sprintf("distribution '%s' has two origins with id '%s'", [input.__name, id])
}

# METADATA
# title: CloudFront comments within 128 characters
# description: A distribution's, a cache policy's and a response headers policy's comment are at most 128 characters.
# custom:
#   kind: preflight
#   types: [aws:cloudfront/distribution:Distribution, aws:cloudfront/cachePolicy:CachePolicy, aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy]
#   doc: 'Amazon CloudFront API Reference, "DistributionConfig" (Comment) (https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_DistributionConfig.html), "CachePolicyConfig" (Comment) (https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CachePolicyConfig.html) and "ResponseHeadersPolicyConfig" (Comment) (https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_ResponseHeadersPolicyConfig.html)'
#   message: Shorten the comment to 128 characters.
deny_cloudfront_comment contains msg if {
	input.__type in {distribution, "aws:cloudfront/cachePolicy:CachePolicy", "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy"}
	c := str(input, "comment")
	count(c) > 128
	msg := sprintf("'%s' has a %d-character comment; CloudFront allows 128", [input.__name, count(c)])
}

# METADATA
# title: Cache policy TTLs in order
# description: A cache policy's minimum TTL is at most its default TTL, which is at most its maximum TTL; CloudFront refuses another order (InvalidTTLOrder).
# custom:
#   kind: preflight
#   types: [aws:cloudfront/cachePolicy:CachePolicy]
#   doc: 'Amazon CloudFront Developer Guide, "Manage how long content stays in the cache (expiration)" (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/Expiration.html); API Reference, "CachePolicyConfig" (MinTTL, DefaultTTL, MaxTTL)'
#   message: Order the TTLs minTtl <= defaultTtl <= maxTtl.
deny_cloudfront_cache_policy_ttl contains msg if {
	input.__type == "aws:cloudfront/cachePolicy:CachePolicy"
	lo := num(input, "minTtl")
	mid := num(input, "defaultTtl")
	hi := num(input, "maxTtl")
	not ttl_order(lo, mid, hi)
	msg := sprintf("cache policy '%s' has minTtl %v, defaultTtl %v, maxTtl %v; CloudFront needs min <= default <= max", [input.__name, lo, mid, hi])
}

ttl_order(lo, mid, hi) if {
	0 <= lo
	lo <= mid
	mid <= hi
}

# METADATA
# title: Origin access controls CloudFront accepts
# description: An origin access control's name is at most 64 characters; it signs always, never or no-override, with sigv4, for an s3, mediastore, mediapackagev2 or lambda origin. Pulumi's auto-name adds 8 characters.
# custom:
#   kind: preflight
#   types: [aws:cloudfront/originAccessControl:OriginAccessControl]
#   doc: 'Amazon CloudFront API Reference, "OriginAccessControlConfig" (https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_OriginAccessControlConfig.html)'
#   message: Shorten the name and use the documented values.
deny_cloudfront_origin_access_control contains msg if {
	input.__type == "aws:cloudfront/originAccessControl:OriginAccessControl"
	n := physical_name(input, "name")
	count(n) > 64
	msg := sprintf("origin access control '%s' gets the name '%s' (%s, %d characters); CloudFront allows 64", [input.__name, n, name_origin(input, "name"), count(n)])
}

deny_cloudfront_origin_access_control contains msg if {
	input.__type == "aws:cloudfront/originAccessControl:OriginAccessControl"
	some key, allowed in oac_values
	v := str(input, key)
	not v in allowed
	msg := sprintf("origin access control '%s' sets %s '%s'; CloudFront takes %v", [input.__name, key, v, sort(allowed)])
}

oac_values := {
	"signingBehavior": {"always", "never", "no-override"},
	"signingProtocol": {"sigv4"},
	"originAccessControlOriginType": {"s3", "mediastore", "mediapackagev2", "lambda"},
}

# METADATA
# title: Origin groups of two origins failing over on documented codes
# description: An origin group has exactly two members, a primary and a secondary, and fails over on status codes among 400, 403, 404, 416, 500, 502, 503 and 504.
# custom:
#   kind: preflight
#   types: [aws:cloudfront/distribution:Distribution]
#   doc: 'Amazon CloudFront Developer Guide, "Optimize high availability with CloudFront origin failover" (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/high_availability_origin_failover.html); API Reference, "OriginGroupFailoverCriteria"'
#   message: Give each origin group two members and failover status codes from the documented list.
deny_cloudfront_origin_groups contains msg if {
	input.__type == distribution
	some g in object.get(input, "originGroups", [])
	members := object.get(g, "members", [])
	is_array(members)
	count(members) != 2
	msg := sprintf("distribution '%s': origin group '%s' has %d members; CloudFront takes two", [input.__name, object.get(g, "originId", "?"), count(members)])
}

deny_cloudfront_origin_groups contains msg if {
	input.__type == distribution
	some g in object.get(input, "originGroups", [])
	some code in object.get(object.get(g, "failoverCriteria", {}), "statusCodes", [])
	known(code)
	not code in {400, 403, 404, 416, 500, 502, 503, 504}
	msg := sprintf("distribution '%s': origin group '%s' fails over on %v, not a code CloudFront allows", [input.__name, object.get(g, "originId", "?"), code])
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

# METADATA
# title: CloudFront redirects to HTTPS
# description: No cache behavior serves plain HTTP.
# custom:
#   message: Set viewerProtocolPolicy to redirect-to-https or https-only.
deny_cloudfront_http contains msg if {
	input.__type == distribution
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
	input.__type == distribution
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
	input.__type == distribution
	s3 := {o.originId | some o in object.get(input, "origins", []); not has_key(o, "customOriginConfig"); not has_key(o, "vpcOriginConfig")}
	behaviors := array.concat([object.get(input, "defaultCacheBehavior", {})], object.get(input, "orderedCacheBehaviors", []))
	some b in behaviors
	target := object.get(b, "targetOriginId", "")
	not unknown(target)
	target in s3
	object.get(b, "responseHeadersPolicyId", "") == ""
	msg := sprintf("distribution '%s' serves %s from S3 without a response headers policy; set responseHeadersPolicyId", [input.__name, object.get(b, "pathPattern", "the default behavior")])
}
