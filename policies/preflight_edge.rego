package scalezero

import rego.v1

# Preflight rules (see preflight_data.rego): load balancers, certificates,
# CloudFront and Route 53.

lb := "aws:lb/loadBalancer:LoadBalancer"

target_group := "aws:lb/targetGroup:TargetGroup"

listener := "aws:lb/listener:Listener"

certificate := "aws:acm/certificate:Certificate"

certificate_validation := "aws:acm/certificateValidation:CertificateValidation"

distribution := "aws:cloudfront/distribution:Distribution"

record := "aws:route53/record:Record"

zone := "aws:route53/zone:Zone"

# Load balancer and target group names: 1-32 letters, digits and hyphens, no
# hyphen at either end.
valid_lb_name(n) if {
	regex.match(`^[a-zA-Z0-9-]{1,32}$`, n)
	not startswith(n, "-")
	not endswith(n, "-")
}

# METADATA
# title: Load balancer names fit ELB's rules
# description: A load balancer's name has at most 32 letters, digits and hyphens, does not begin or end with a hyphen nor begin with internal-; Pulumi's auto-name adds 8 characters, so a logical name of 24 or fewer fits.
# custom:
#   kind: preflight
#   types: [aws:lb/loadBalancer:LoadBalancer]
#   doc: 'Elastic Load Balancing API Reference, "CreateLoadBalancer" (Name) (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateLoadBalancer.html)'
#   message: Shorten the logical name to 24 characters or fewer, or set a name that fits.
deny_lb_name contains msg if {
	input.__type == "aws:lb/loadBalancer:LoadBalancer"
	n := physical_name(input, "name")
	not valid_lb_name(n)
	msg := sprintf("load balancer '%s' gets the name '%s' (%s, %d characters); ELB allows 32 letters, digits and hyphens", [input.__name, n, name_origin(input, "name"), count(n)])
}

deny_lb_name contains msg if {
	input.__type == "aws:lb/loadBalancer:LoadBalancer"
	n := physical_name(input, "name")
	startswith(lower(n), "internal-")
	msg := sprintf("load balancer '%s' gets the name '%s'; names may not begin with internal-", [input.__name, n])
}

# METADATA
# title: Load balancer attributes within ELB's ranges
# description: An Application Load Balancer's idle timeout is 1 to 4000 seconds, and it has at most 5 security groups.
# custom:
#   kind: preflight
#   types: [aws:lb/loadBalancer:LoadBalancer]
#   doc: 'Elastic Load Balancing User Guide, "Edit attributes for your Application Load Balancer" (idle_timeout.timeout_seconds) (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/edit-load-balancer-attributes.html); "Quotas for your Application Load Balancers" (security groups per load balancer) (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html)'
#   message: Keep idleTimeout within 1-4000 and at most 5 security groups.
deny_lb_attributes contains msg if {
	input.__type == "aws:lb/loadBalancer:LoadBalancer"
	t := num(input, "idleTimeout")
	not between(t, 1, 4000)
	msg := sprintf("load balancer '%s' has an idle timeout of %v s; ELB allows 1-4000", [input.__name, t])
}

deny_lb_attributes contains msg if {
	input.__type == "aws:lb/loadBalancer:LoadBalancer"
	groups := object.get(input, "securityGroups", [])
	is_array(groups)
	count(groups) > 5
	msg := sprintf("load balancer '%s' has %d security groups; ELB allows 5", [input.__name, count(groups)])
}

# METADATA
# title: Load balancers span two zones
# description: An Application Load Balancer needs subnets in at least two Availability Zones.
# custom:
#   kind: preflight
#   types: [aws:lb/loadBalancer:LoadBalancer]
#   doc: 'Elastic Load Balancing User Guide, "Availability Zones for your Application Load Balancer" (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-subnets.html)'
#   message: Give the load balancer public subnets in two or more zones.
stack_deny_lb_single_zone contains msg if {
	some l in resources_of(lb)
	object.get(l, "loadBalancerType", "application") == "application"
	zones_known(deps(l, "subnets"))
	count(zones(deps(l, "subnets"))) < 2
	msg := sprintf("load balancer '%s' spans %d zone(s); it needs two", [l.__name, count(zones(deps(l, "subnets")))])
}

# METADATA
# title: One load balancer subnet per zone
# description: A load balancer takes at most one subnet per Availability Zone.
# custom:
#   kind: preflight
#   types: [aws:lb/loadBalancer:LoadBalancer]
#   doc: 'Elastic Load Balancing User Guide, "Availability Zones for your Application Load Balancer" (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-subnets.html); API Reference, "CreateLoadBalancer" (Subnets)'
#   message: Pick one public subnet in each zone.
stack_deny_lb_two_subnets_one_zone contains msg if {
	some l in resources_of(lb)
	subnets := deps(l, "subnets")
	zones_known(subnets)
	some z in zones(subnets)
	n := count([u | some u in subnets; by_urn(u).availabilityZone == z])
	n > 1
	msg := sprintf("load balancer '%s' has %d subnets in %s; ELB takes one per zone", [l.__name, n, z])
}

# METADATA
# title: Target group names fit ELB's rules
# description: A target group's name has at most 32 letters, digits and hyphens and does not begin or end with a hyphen; Pulumi's auto-name adds 8 characters.
# custom:
#   kind: preflight
#   types: [aws:lb/targetGroup:TargetGroup]
#   doc: 'Elastic Load Balancing API Reference, "CreateTargetGroup" (Name) (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateTargetGroup.html)'
#   message: Shorten the logical name to 24 characters or fewer, or set a name that fits.
deny_target_group_name contains msg if {
	input.__type == "aws:lb/targetGroup:TargetGroup"
	n := physical_name(input, "name")
	not valid_lb_name(n)
	msg := sprintf("target group '%s' gets the name '%s' (%s, %d characters); ELB allows 32 letters, digits and hyphens", [input.__name, n, name_origin(input, "name"), count(n)])
}

health_ranges := {
	"interval": [5, 300],
	"timeout": [2, 120],
	"healthyThreshold": [2, 10],
	"unhealthyThreshold": [2, 10],
}

# METADATA
# title: Target group health checks within ELB's ranges
# description: An Application Load Balancer health check runs every 5-300 s with a timeout of 2-120 s shorter than the interval, 2-10 healthy and unhealthy thresholds, a path under 1024 characters starting with /, and success codes 200-499.
# custom:
#   kind: preflight
#   types: [aws:lb/targetGroup:TargetGroup]
#   doc: 'Elastic Load Balancing User Guide, "Health checks for Application Load Balancer target groups" (health check settings) (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html)'
#   message: Bring the health check settings within their ranges.
deny_target_group_health_check contains msg if {
	input.__type == "aws:lb/targetGroup:TargetGroup"
	check := object.get(input, "healthCheck", {})
	some key, r in health_ranges
	v := num(check, key)
	not between(v, r[0], r[1])
	msg := sprintf("target group '%s' sets health check %s %v; ELB allows %v-%v", [input.__name, key, v, r[0], r[1]])
}

deny_target_group_health_check contains msg if {
	input.__type == "aws:lb/targetGroup:TargetGroup"
	check := object.get(input, "healthCheck", {})
	t := num(check, "timeout")
	i := num(check, "interval")
	t >= i
	msg := sprintf("target group '%s' times its health check out after %v s, not less than its %v s interval", [input.__name, t, i])
}

deny_target_group_health_check contains msg if {
	input.__type == "aws:lb/targetGroup:TargetGroup"
	path := str(object.get(input, "healthCheck", {}), "path")
	not valid_check_path(path)
	msg := sprintf("target group '%s' checks path '%s'; ELB takes a path starting with / of at most 1024 characters", [input.__name, path])
}

deny_target_group_health_check contains msg if {
	input.__type == "aws:lb/targetGroup:TargetGroup"
	object.get(input, "protocol", "HTTP") in {"HTTP", "HTTPS"}
	matcher := str(object.get(input, "healthCheck", {}), "matcher")
	some code in regex.split(`[,-]`, matcher)
	not between(to_number(code), 200, 499)
	msg := sprintf("target group '%s' expects health check codes %s; ELB allows 200-499", [input.__name, matcher])
}

valid_check_path(path) if {
	startswith(path, "/")
	count(path) <= 1024
}

# METADATA
# title: Target group attributes within ELB's ranges
# description: The deregistration delay is 0-3600 s; load balancer cookie stickiness lasts 1 s to 7 days (604800 s); an Application Load Balancer's target group sticks by lb_cookie or app_cookie.
# custom:
#   kind: preflight
#   types: [aws:lb/targetGroup:TargetGroup]
#   doc: 'Elastic Load Balancing User Guide, "Edit target group attributes for your Application Load Balancer" (deregistration delay, sticky sessions) (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/edit-target-group-attributes.html)'
#   message: Keep deregistrationDelay within 0-3600, stickiness.cookieDuration within 1-604800, and the stickiness type lb_cookie or app_cookie.
deny_target_group_attributes contains msg if {
	input.__type == "aws:lb/targetGroup:TargetGroup"
	d := num(input, "deregistrationDelay")
	not between(d, 0, 3600)
	msg := sprintf("target group '%s' delays deregistration %v s; ELB allows 0-3600", [input.__name, d])
}

deny_target_group_attributes contains msg if {
	input.__type == "aws:lb/targetGroup:TargetGroup"
	d := num(object.get(input, "stickiness", {}), "cookieDuration")
	not between(d, 1, 604800)
	msg := sprintf("target group '%s' sticks for %v s; ELB allows 1-604800", [input.__name, d])
}

deny_target_group_attributes contains msg if {
	input.__type == "aws:lb/targetGroup:TargetGroup"
	object.get(input, "protocol", "HTTP") in {"HTTP", "HTTPS"}
	t := str(object.get(input, "stickiness", {}), "type")
	not t in {"lb_cookie", "app_cookie"}
	msg := sprintf("target group '%s' sticks by %s; an Application Load Balancer's target group takes lb_cookie or app_cookie", [input.__name, t])
}

# METADATA
# title: HTTPS listeners have a certificate and a policy; others have neither
# description: An HTTPS or TLS listener needs a server certificate; a certificate and an SSL policy are taken only by HTTPS and TLS listeners.
# custom:
#   kind: preflight
#   types: [aws:lb/listener:Listener]
#   doc: 'Elastic Load Balancing API Reference, "CreateListener" (Certificates, SslPolicy) (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateListener.html); User Guide, "Create an HTTPS listener for your Application Load Balancer"'
#   message: Give HTTPS listeners certificateArn (and sslPolicy); drop both from plain HTTP listeners.
deny_listener_tls_settings contains msg if {
	input.__type == "aws:lb/listener:Listener"
	str(input, "protocol") in {"HTTPS", "TLS"}
	not has_key(input, "certificateArn")
	msg := sprintf("%s listener '%s' has no certificateArn", [input.protocol, input.__name])
}

deny_listener_tls_settings contains msg if {
	input.__type == "aws:lb/listener:Listener"
	p := str(input, "protocol")
	not p in {"HTTPS", "TLS"}
	some key in ["certificateArn", "sslPolicy"]
	has_key(input, key)
	msg := sprintf("%s listener '%s' sets %s, which only HTTPS and TLS listeners take", [p, input.__name, key])
}

# METADATA
# title: One listener per load balancer port
# description: A load balancer has one listener per port; a second one fails (DuplicateListener).
# custom:
#   kind: preflight
#   types: [aws:lb/listener:Listener]
#   doc: 'Elastic Load Balancing API Reference, "CreateListener" (Errors: DuplicateListener) (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateListener.html)'
#   message: Give each listener of a load balancer its own port.
stack_deny_listener_port_taken contains msg if {
	some a in resources_of(listener)
	some b in resources_of(listener)
	a.__urn < b.__urn
	some l in deps(a, "loadBalancerArn")
	depends_on(b, "loadBalancerArn", l)
	port := num(a, "port")
	num(b, "port") == port
	msg := sprintf("listeners '%s' and '%s' both listen on port %v of '%s'", [a.__name, b.__name, port, by_urn(l).__name])
}

# The stack's certificate behind a certificate ARN property: directly, or
# through the validation that waits for it.
cert_of(r, prop) := c if {
	some u in deps(r, prop)
	c := by_urn(u)
	is_type(c, certificate)
}

cert_of(r, prop) := c if {
	some u in deps(r, prop)
	v := by_urn(u)
	is_type(v, certificate_validation)
	some cu in deps(v, "certificateArn")
	c := by_urn(cu)
	is_type(c, certificate)
}

# Whether r waits for a validation of certificate c.
waits_for_validation(r, c) if {
	some v in referrers(c, certificate_validation, "certificateArn")
	depends_transitively(r, v.__urn)
}

# METADATA
# title: A listener's certificate is issued, and in its region
# description: A load balancer uses an ACM certificate of its own region, and only once it is issued; a DNS-validated certificate of the stack is issued after its validation, so the listener waits for the CertificateValidation.
# custom:
#   kind: preflight
#   types: [aws:lb/listener:Listener, aws:acm/certificate:Certificate, aws:acm/certificateValidation:CertificateValidation]
#   doc: 'AWS Certificate Manager User Guide, "Services integrated with ACM" (Elastic Load Balancing: certificates are regional) (https://docs.aws.amazon.com/acm/latest/userguide/acm-services.html); Pulumi AWS provider, "aws.acm.CertificateValidation" (waits for validation to complete) (https://www.pulumi.com/registry/packages/aws/api-docs/acm/certificatevalidation/)'
#   message: Take the listener's certificateArn from the CertificateValidation of a certificate created with the load balancer's regional provider.
stack_deny_listener_certificate contains msg if {
	some l in resources_of(listener)
	str(l, "protocol") in {"HTTPS", "TLS"}
	c := cert_of(l, "certificateArn")
	not waits_for_validation(l, c)
	msg := sprintf("listener '%s' uses certificate '%s' without waiting for its validation; ELB refuses a certificate that is not issued", [l.__name, c.__name])
}

stack_deny_listener_certificate contains msg if {
	some l in resources_of(listener)
	c := cert_of(l, "certificateArn")
	region_of(c) != region_of(l)
	msg := sprintf("listener '%s' in %s uses certificate '%s' of %s; ACM certificates are regional", [l.__name, region_of(l), c.__name, region_of(c)])
}

stack_deny_listener_certificate contains msg if {
	some l in resources_of(listener)
	not cert_of(l, "certificateArn")
	arn := str(l, "certificateArn")
	arn_region(arn) != region_of(l)
	msg := sprintf("listener '%s' in %s uses a certificate of %s (%s); ACM certificates are regional", [l.__name, region_of(l), arn_region(arn), arn])
}

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
	input.__type == "aws:cloudfront/distribution:Distribution"
	v := viewer_certificate(input)
	flag(v, "cloudfrontDefaultCertificate", false)
	p := str(v, "minimumProtocolVersion")
	p != "TLSv1"
	msg := sprintf("distribution '%s' asks for %s with the default certificate, which CloudFront always serves as TLSv1", [input.__name, p])
}

deny_cloudfront_viewer_certificate contains msg if {
	input.__type == "aws:cloudfront/distribution:Distribution"
	flag(viewer_certificate(input), "cloudfrontDefaultCertificate", false)
	aliases := object.get(input, "aliases", [])
	is_array(aliases)
	count(aliases) > 0
	msg := sprintf("distribution '%s' has alternate domain names %v but only the default certificate; CloudFront refuses them", [input.__name, aliases])
}

deny_cloudfront_viewer_certificate contains msg if {
	input.__type == "aws:cloudfront/distribution:Distribution"
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
	input.__type == "aws:cloudfront/distribution:Distribution"
	ids := {o.originId | some o in object.get(input, "origins", [])} | {g.originId | some g in object.get(input, "originGroups", [])}
	some b in behaviors(input)
	target := str(b, "targetOriginId")
	not target in ids
	msg := sprintf("distribution '%s': %s targets origin '%s', which it does not have", [input.__name, behavior_name(b), target])
}

deny_cloudfront_behaviors contains msg if {
	input.__type == "aws:cloudfront/distribution:Distribution"
	some b in behaviors(input)
	is_array(b.allowedMethods)
	methods := {m | some m in b.allowedMethods}
	every m in methods { known(m) }
	not methods in allowed_method_sets
	msg := sprintf("distribution '%s': %s allows %v, not one of CloudFront's method sets", [input.__name, behavior_name(b), sort(methods)])
}

deny_cloudfront_behaviors contains msg if {
	input.__type == "aws:cloudfront/distribution:Distribution"
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
	input.__type == "aws:cloudfront/distribution:Distribution"
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
	input.__type == "aws:cloudfront/distribution:Distribution"
	some g in object.get(input, "originGroups", [])
	members := object.get(g, "members", [])
	is_array(members)
	count(members) != 2
	msg := sprintf("distribution '%s': origin group '%s' has %d members; CloudFront takes two", [input.__name, object.get(g, "originId", "?"), count(members)])
}

deny_cloudfront_origin_groups contains msg if {
	input.__type == "aws:cloudfront/distribution:Distribution"
	some g in object.get(input, "originGroups", [])
	some code in object.get(object.get(g, "failoverCriteria", {}), "statusCodes", [])
	known(code)
	not code in {400, 403, 404, 416, 500, 502, 503, 504}
	msg := sprintf("distribution '%s': origin group '%s' fails over on %v, not a code CloudFront allows", [input.__name, object.get(g, "originId", "?"), code])
}

# METADATA
# title: ACM certificate names ACM accepts
# description: A certificate's first domain name is at most 64 characters; a wildcard (*) stands only as the leftmost label; validation is DNS or EMAIL.
# custom:
#   kind: preflight
#   types: [aws:acm/certificate:Certificate]
#   doc: 'AWS Certificate Manager API Reference, "RequestCertificate" (DomainName, SubjectAlternativeNames, ValidationMethod) (https://docs.aws.amazon.com/acm/latest/APIReference/API_RequestCertificate.html)'
#   message: Use a first domain name of 64 characters or fewer, wildcards only as *.name, and validationMethod DNS.
deny_acm_certificate contains msg if {
	input.__type == "aws:acm/certificate:Certificate"
	d := str(input, "domainName")
	count(d) > 64
	msg := sprintf("certificate '%s' names %s (%d characters); ACM allows 64 for the first domain name", [input.__name, d, count(d)])
}

deny_acm_certificate contains msg if {
	input.__type == "aws:acm/certificate:Certificate"
	names := array.concat([d | d := str(input, "domainName")], [s | some s in object.get(input, "subjectAlternativeNames", []); known(s)])
	some n in names
	contains(n, "*")
	not regex.match(`^\*\.[^*]+$`, n)
	msg := sprintf("certificate '%s' names %s; a wildcard stands only as the leftmost label (*.example.org)", [input.__name, n])
}

deny_acm_certificate contains msg if {
	input.__type == "aws:acm/certificate:Certificate"
	m := str(input, "validationMethod")
	not m in {"DNS", "EMAIL"}
	msg := sprintf("certificate '%s' validates by %s; ACM takes DNS or EMAIL", [input.__name, m])
}

# METADATA
# title: DNS validation waits for its records
# description: A DNS-validated certificate is issued once ACM finds its CNAME validation records (the same record for every certificate of a domain name in the account); the CertificateValidation that waits for issuance must be created after a record for its domain (or it waits until its timeout).
# custom:
#   kind: preflight
#   types: [aws:acm/certificateValidation:CertificateValidation, aws:acm/certificate:Certificate, aws:route53/record:Record]
#   doc: 'AWS Certificate Manager User Guide, "AWS Certificate Manager DNS validation" (https://docs.aws.amazon.com/acm/latest/userguide/dns-validation.html); Pulumi AWS provider, "aws.acm.CertificateValidation" (validationRecordFqdns) (https://www.pulumi.com/registry/packages/aws/api-docs/acm/certificatevalidation/)'
#   message: Create the validation records from the certificate's domainValidationOptions and pass their fqdns as validationRecordFqdns.
stack_deny_validation_before_records contains msg if {
	some v in resources_of(certificate_validation)
	some u in deps(v, "certificateArn")
	c := by_urn(u)
	is_type(c, certificate)
	object.get(c, "validationMethod", "DNS") == "DNS"
	not waits_for_validation_records(v, c)
	msg := sprintf("certificate validation '%s' does not wait for any Route 53 validation record of certificate '%s'", [v.__name, c.__name])
}

# A validation record made from c, or from another certificate of the same
# domain name: ACM gives a domain name the same validation record for every
# certificate of the account, so one record serves them all.
waits_for_validation_records(v, c) if {
	some r in resources_of(record)
	some other in resources_of(certificate)
	same_domain(other, c)
	depends_transitively(r, other.__urn)
	depends_transitively(v, r.__urn)
}

same_domain(a, b) if a.__urn == b.__urn

same_domain(a, b) if {
	a.__urn != b.__urn
	str(a, "domainName") == str(b, "domainName")
}

# Names as Route 53 compares them: lower case, no trailing dot.
dns_name(n) := trim_suffix(lower(n), ".")

# METADATA
# title: No hosted zone for a top-level domain or example.com
# description: Route 53 creates no public hosted zone for a top-level domain (such as com), and refuses the reserved example.com and names under it (InvalidDomainName; RFC 2606).
# custom:
#   kind: preflight
#   types: [aws:route53/zone:Zone]
#   doc: 'Amazon Route 53 API Reference, "CreateHostedZone" (Name; Errors: InvalidDomainName) (https://docs.aws.amazon.com/Route53/latest/APIReference/API_CreateHostedZone.html); RFC 2606, "Reserved Top Level DNS Names", section 3'
#   message: Use a domain you own; leave the domain unset until you have one.
deny_route53_reserved_zone contains msg if {
	input.__type == "aws:route53/zone:Zone"
	count(object.get(input, "vpcs", [])) == 0
	n := dns_name(str(props(input), "name"))
	not contains(n, ".")
	msg := sprintf("hosted zone '%s' is for the top-level domain %s; Route 53 creates none", [input.__name, n])
}

deny_route53_reserved_zone contains msg if {
	input.__type == "aws:route53/zone:Zone"
	n := dns_name(str(props(input), "name"))
	reserved_example(n)
	msg := sprintf("hosted zone '%s' is for %s, under the reserved example.com; Route 53 refuses it (InvalidDomainName)", [input.__name, n])
}

reserved_example(n) if n == "example.com"

reserved_example(n) if endswith(n, ".example.com")

routing_keys := ["geolocationRoutingPolicies", "failoverRoutingPolicies", "weightedRoutingPolicies", "latencyRoutingPolicies", "geoproximityRoutingPolicy", "cidrRoutingPolicy", "multivalueAnswerRoutingPolicy"]

routed(r) if {
	some k in routing_keys
	v := r[k]
	known(v)
	not v in [[], false, null]
}

# Whether a preview knows which routing policy a record has.
routing_known(r) if {
	every k in routing_keys {
		known(object.get(r, k, null))
	}
}

# METADATA
# title: Record sets Route 53 accepts
# description: An alias record has no TTL and no values; a record with a routing policy other than simple has a set identifier (1-128 characters), and a simple record has none.
# custom:
#   kind: preflight
#   types: [aws:route53/record:Record]
#   doc: 'Amazon Route 53 API Reference, "ResourceRecordSet" (SetIdentifier, TTL, ResourceRecords, AliasTarget) (https://docs.aws.amazon.com/Route53/latest/APIReference/API_ResourceRecordSet.html)'
#   message: Drop ttl and records from alias records; give routed records a setIdentifier.
deny_route53_record_shape contains msg if {
	input.__type == "aws:route53/record:Record"
	count(object.get(input, "aliases", [])) > 0
	some k in ["ttl", "records"]
	has_key(input, k)
	msg := sprintf("alias record '%s' also sets %s; Route 53 takes an alias or values with a TTL", [input.__name, k])
}

deny_route53_record_shape contains msg if {
	input.__type == "aws:route53/record:Record"
	routed(input)
	not has_key(input, "setIdentifier")
	msg := sprintf("record '%s' has a routing policy but no setIdentifier", [input.__name])
}

deny_route53_record_shape contains msg if {
	input.__type == "aws:route53/record:Record"
	has_key(input, "setIdentifier")
	routing_known(input)
	not routed(input)
	msg := sprintf("record '%s' has a setIdentifier but simple routing", [input.__name])
}

deny_route53_record_shape contains msg if {
	input.__type == "aws:route53/record:Record"
	id := str(input, "setIdentifier")
	not between(count(id), 1, 128)
	msg := sprintf("record '%s' has a %d-character setIdentifier; Route 53 allows 1-128", [input.__name, count(id)])
}

# METADATA
# title: Geolocation records name one location Route 53 knows
# description: A geolocation record names a continent or a country (or * for the default), not both; continents are AF, AN, AS, EU, OC, NA and SA.
# custom:
#   kind: preflight
#   types: [aws:route53/record:Record]
#   doc: 'Amazon Route 53 API Reference, "GeoLocation" (ContinentCode, CountryCode) (https://docs.aws.amazon.com/Route53/latest/APIReference/API_GeoLocation.html)'
#   message: Set exactly one of continent and country per geolocation record.
deny_route53_geolocation contains msg if {
	input.__type == "aws:route53/record:Record"
	some loc in object.get(input, "geolocationRoutingPolicies", [])
	given := [k | some k in ["continent", "country"]; has_key(loc, k)]
	count(given) != 1
	msg := sprintf("geolocation record '%s' names %v; Route 53 takes a continent or a country", [input.__name, given])
}

deny_route53_geolocation contains msg if {
	input.__type == "aws:route53/record:Record"
	some loc in object.get(input, "geolocationRoutingPolicies", [])
	c := str(loc, "continent")
	not c in {"AF", "AN", "AS", "EU", "OC", "NA", "SA"}
	msg := sprintf("geolocation record '%s' names continent %s, which Route 53 does not know", [input.__name, c])
}

# The zone of a record: the stack's zone it depends on.
record_zone(r) := z if {
	some u in deps(r, "zoneId")
	z := by_urn(u)
	is_type(z, zone)
}

# METADATA
# title: An alias to a record of the zone waits for that record
# description: Route 53 refuses an alias whose target record does not exist yet (InvalidChangeBatch "... but that target was not found"); an alias to another record of the same hosted zone must be created after it.
# custom:
#   kind: preflight
#   types: [aws:route53/record:Record]
#   doc: 'Amazon Route 53 API Reference, "AliasTarget" (DNSName: another Route 53 record in your hosted zone) (https://docs.aws.amazon.com/Route53/latest/APIReference/API_AliasTarget.html); "ChangeResourceRecordSets" (Errors: InvalidChangeBatch)'
#   message: Make the alias depend on the records it targets (dependsOn, or take its name from their outputs).
stack_deny_alias_before_target contains msg if {
	some r in resources_of(record)
	some a in object.get(r, "aliases", [])
	target := dns_name(str(a, "name"))
	targets := [t |
		some t in resources_of(record)
		t.__urn != r.__urn
		dns_name(str(props(t), "name")) == target
	]
	count(targets) > 0
	some t in targets
	not depends_transitively(r, t.__urn)
	msg := sprintf("alias record '%s' targets %s but does not depend on record '%s'; Route 53 refuses the alias while its target does not exist", [r.__name, target, t.__name])
}

# A record's zone as a comparable key: the zone resource's URN, or its known id.
zone_key(r) := z.__urn if z := record_zone(r)

zone_key(r) := id if {
	not record_zone(r)
	id := str(r, "zoneId")
}

# METADATA
# title: Records of one name and type share their routing
# description: Under one name and type a zone holds either one simple record set or several routed ones, each with its own set identifier; Route 53 refuses a mix (InvalidChangeBatch "cannot be created as other RRSets exist with the same name and type") and a repeated identifier.
# custom:
#   kind: preflight
#   types: [aws:route53/record:Record]
#   doc: 'Amazon Route 53 Developer Guide, "Choosing a routing policy" (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/routing-policy.html); API Reference, "ChangeResourceRecordSets" (Errors: InvalidChangeBatch)'
#   message: Give every record of a name and type a routing policy and its own setIdentifier, or keep one simple record.
stack_deny_record_set_conflict contains msg if {
	some a in resources_of(record)
	some b in resources_of(record)
	a.__urn < b.__urn
	zone_key(a) == zone_key(b)
	dns_name(str(props(a), "name")) == dns_name(str(props(b), "name"))
	str(props(a), "type") == str(props(b), "type")
	some problem in set_conflict(a, b)
	msg := sprintf("records '%s' and '%s' (%s %s): %s", [a.__name, b.__name, props(a).type, dns_name(props(a).name), problem])
}

set_conflict(a, b) := {p |
	some x in [a, b]
	routing_known(x)
	not routed(x)
	p := "a simple record cannot share its name and type"
} | {p |
	id := str(a, "setIdentifier")
	str(b, "setIdentifier") == id
	p := sprintf("both use setIdentifier %s", [id])
}

# METADATA
# title: Records inside their zone; no CNAME at the apex
# description: A record's name is the hosted zone's name or a name under it, and a CNAME record cannot have the zone's own name.
# custom:
#   kind: preflight
#   types: [aws:route53/record:Record, aws:route53/zone:Zone]
#   doc: 'Amazon Route 53 Developer Guide, "Values that you specify when you create or edit Amazon Route 53 records" (Record name; CNAME records) (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resource-record-sets-values.html)'
#   message: Name records within the zone; use an alias A record at the apex.
stack_deny_record_outside_zone contains msg if {
	some r in resources_of(record)
	z := record_zone(r)
	zn := dns_name(str(props(z), "name"))
	n := dns_name(str(props(r), "name"))
	n != zn
	not endswith(n, concat("", [".", zn]))
	msg := sprintf("record '%s' (%s) is not within zone '%s' (%s)", [r.__name, n, z.__name, zn])
}

stack_deny_record_outside_zone contains msg if {
	some r in resources_of(record)
	z := record_zone(r)
	str(props(r), "type") == "CNAME"
	dns_name(str(props(r), "name")) == dns_name(str(props(z), "name"))
	msg := sprintf("record '%s' is a CNAME at the apex of zone '%s'; use an alias A record", [r.__name, z.__name])
}

# METADATA
# title: Health checks within Route 53's ranges
# description: A health check is requested every 10 or 30 seconds, fails after 1-10 failures, checks a resource path of at most 255 characters on port 1-65535, and an HTTP, HTTPS or TCP check names an FQDN or IP address.
# custom:
#   kind: preflight
#   types: [aws:route53/healthCheck:HealthCheck]
#   doc: 'Amazon Route 53 API Reference, "HealthCheckConfig" (RequestInterval, FailureThreshold, ResourcePath, Port) (https://docs.aws.amazon.com/Route53/latest/APIReference/API_HealthCheckConfig.html)'
#   message: Use a request interval of 10 or 30, a failure threshold within 1-10, a short path and a valid port.
deny_route53_health_check contains msg if {
	input.__type == "aws:route53/healthCheck:HealthCheck"
	i := num(input, "requestInterval")
	not i in {10, 30}
	msg := sprintf("health check '%s' runs every %v s; Route 53 takes 10 or 30", [input.__name, i])
}

deny_route53_health_check contains msg if {
	input.__type == "aws:route53/healthCheck:HealthCheck"
	n := num(input, "failureThreshold")
	not between(n, 1, 10)
	msg := sprintf("health check '%s' fails after %v failures; Route 53 allows 1-10", [input.__name, n])
}

deny_route53_health_check contains msg if {
	input.__type == "aws:route53/healthCheck:HealthCheck"
	p := str(input, "resourcePath")
	count(p) > 255
	msg := sprintf("health check '%s' checks a %d-character path; Route 53 allows 255", [input.__name, count(p)])
}

deny_route53_health_check contains msg if {
	input.__type == "aws:route53/healthCheck:HealthCheck"
	port := num(input, "port")
	not between(port, 1, 65535)
	msg := sprintf("health check '%s' checks port %v", [input.__name, port])
}

deny_route53_health_check contains msg if {
	input.__type == "aws:route53/healthCheck:HealthCheck"
	t := str(props(input), "type")
	t in {"HTTP", "HTTPS", "HTTP_STR_MATCH", "HTTPS_STR_MATCH", "TCP"}
	not has_key(input, "fqdn")
	not has_key(input, "ipAddress")
	msg := sprintf("%s health check '%s' names neither fqdn nor ipAddress", [t, input.__name])
}
