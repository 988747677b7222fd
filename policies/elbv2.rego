package scalezero

import rego.v1

# Elastic Load Balancing (Application Load Balancers): load balancers, target groups, listeners, access logs.

lb := "aws:lb/loadBalancer:LoadBalancer"

target_group := "aws:lb/targetGroup:TargetGroup"

listener := "aws:lb/listener:Listener"

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
	input.__type == lb
	n := physical_name(input, "name")
	not valid_lb_name(n)
	msg := sprintf("load balancer '%s' gets the name '%s' (%s, %d characters); ELB allows 32 letters, digits and hyphens", [input.__name, n, name_origin(input, "name"), count(n)])
}

deny_lb_name contains msg if {
	input.__type == lb
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
	input.__type == lb
	t := num(input, "idleTimeout")
	not between(t, 1, 4000)
	msg := sprintf("load balancer '%s' has an idle timeout of %v s; ELB allows 1-4000", [input.__name, t])
}

deny_lb_attributes contains msg if {
	input.__type == lb
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
	input.__type == target_group
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
	input.__type == target_group
	check := object.get(input, "healthCheck", {})
	some key, r in health_ranges
	v := num(check, key)
	not between(v, r[0], r[1])
	msg := sprintf("target group '%s' sets health check %s %v; ELB allows %v-%v", [input.__name, key, v, r[0], r[1]])
}

deny_target_group_health_check contains msg if {
	input.__type == target_group
	check := object.get(input, "healthCheck", {})
	t := num(check, "timeout")
	i := num(check, "interval")
	t >= i
	msg := sprintf("target group '%s' times its health check out after %v s, not less than its %v s interval", [input.__name, t, i])
}

deny_target_group_health_check contains msg if {
	input.__type == target_group
	path := str(object.get(input, "healthCheck", {}), "path")
	not valid_check_path(path)
	msg := sprintf("target group '%s' checks path '%s'; ELB takes a path starting with / of at most 1024 characters", [input.__name, path])
}

deny_target_group_health_check contains msg if {
	input.__type == target_group
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
	input.__type == target_group
	d := num(input, "deregistrationDelay")
	not between(d, 0, 3600)
	msg := sprintf("target group '%s' delays deregistration %v s; ELB allows 0-3600", [input.__name, d])
}

deny_target_group_attributes contains msg if {
	input.__type == target_group
	d := num(object.get(input, "stickiness", {}), "cookieDuration")
	not between(d, 1, 604800)
	msg := sprintf("target group '%s' sticks for %v s; ELB allows 1-604800", [input.__name, d])
}

deny_target_group_attributes contains msg if {
	input.__type == target_group
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
	input.__type == listener
	str(input, "protocol") in {"HTTPS", "TLS"}
	not has_key(input, "certificateArn")
	msg := sprintf("%s listener '%s' has no certificateArn", [input.protocol, input.__name])
}

deny_listener_tls_settings contains msg if {
	input.__type == listener
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
# title: Load balancers drop invalid headers
# description: An ALB that drops malformed HTTP headers closes a request-smuggling path to the fleet.
# custom:
#   message: Set dropInvalidHeaderFields to true.
warn_lb_invalid_headers contains msg if {
	input.__type == lb
	object.get(input, "loadBalancerType", "application") == "application"
	not_true(input, "dropInvalidHeaderFields")
	msg := sprintf("load balancer '%s' passes invalid header fields on; set dropInvalidHeaderFields: true", [input.__name])
}

sessions_shared if {
	some p in resources_of(ssm_parameter)
	endswith(object.get(p, "name", ""), "/SCALEZERO_SESSIONS_STORE")
	object.get(p, "insecureValue", "") in {"dynamodb", "redis"}
}

# METADATA
# title: No stickiness once sessions are shared
# description: With sessions in the shared store any instance serves any user; stickiness only unbalances the fleet.
# custom:
#   message: Set the target group's stickiness.enabled to false.
stack_deny_sticky_shared_sessions contains msg if {
	sessions_shared
	some tg in resources_of(target_group)
	object.get(object.get(tg, "stickiness", {}), "enabled", false) == true
	msg := sprintf("target group '%s' is sticky although sessions are shared; set stickiness.enabled: false", [tg.__name])
}
