package scalezero

import rego.v1

# Preflight rules (see preflight_data.rego): hosts, launch templates, auto
# scaling and IAM.

instance := "aws:ec2/instance:Instance"

launch_template := "aws:ec2/launchTemplate:LaunchTemplate"

# A host's user data, decoded: an instance's plain userData (or
# userDataBase64), a launch template's base64 userData.
user_data(r) := s if {
	is_type(r, instance)
	s := str(r, "userData")
}

user_data(r) := s if {
	is_type(r, instance)
	not has_key(r, "userData")
	s := base64.decode(str(r, "userDataBase64"))
}

user_data(r) := s if {
	is_type(r, launch_template)
	s := base64.decode(str(r, "userData"))
}

# The size EC2 counts: the raw user data, before base64.
user_data_bytes(r) := bytes(str(r, "userData")) if is_type(r, instance)

user_data_bytes(r) := base64_bytes(str(r, "userDataBase64")) if {
	is_type(r, instance)
	not has_key(r, "userData")
}

user_data_bytes(r) := base64_bytes(str(r, "userData")) if is_type(r, launch_template)

# METADATA
# title: User data at most 16 KB
# description: EC2 limits user data to 16 KB in raw form, before it is base64-encoded, for instances and launch templates alike.
# custom:
#   kind: preflight
#   types: [aws:ec2/instance:Instance, aws:ec2/launchTemplate:LaunchTemplate]
#   doc: 'Amazon EC2 User Guide, "Run commands when you launch an EC2 instance with user data input" (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/user-data.html)'
#   message: Move bulk out of user data (fetch it at boot from S3 or SSM).
deny_user_data_size contains msg if {
	input.__type in {instance, launch_template}
	n := user_data_bytes(input)
	n > 16384
	msg := sprintf("'%s' has %d bytes of user data; EC2 allows 16384 (16 KB) before base64", [input.__name, n])
}

# The parameter path a host's boot script reads (components/boot renders
# PARAM_PATH=/<project>/<stack>/ and REGION=<region>).
boot_param_path(r) := path if {
	some line in split(user_data(r), "\n")
	startswith(line, "PARAM_PATH=")
	path := trim_space(substring(line, count("PARAM_PATH="), -1))
	path != ""
}

boot_region(r) := region if {
	some line in split(user_data(r), "\n")
	startswith(line, "REGION=")
	region := trim_space(substring(line, count("REGION="), -1))
}

boot_region(r) := region_of(r) if {
	not user_data_sets_region(r)
}

user_data_sets_region(r) if {
	some line in split(user_data(r), "\n")
	startswith(line, "REGION=")
}

# METADATA
# title: A host boots after the settings it reads
# description: EC2 runs user data once, on the instance's first boot; a host whose boot script reads SSM parameters must be created after them, or it boots without its settings and never reads them again.
# custom:
#   kind: preflight
#   types: [aws:ec2/instance:Instance, aws:ec2/launchTemplate:LaunchTemplate, aws:ssm/parameter:Parameter]
#   doc: 'Amazon EC2 User Guide, "Run commands when you launch an EC2 instance with user data input" (user data runs during the first boot cycle) (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/user-data.html); Pulumi, "Resource options: dependsOn" (https://www.pulumi.com/docs/iac/concepts/resources/options/dependson/)'
#   message: Give the host (instance or launch template) dependsOn the parameters under its path.
stack_deny_host_before_parameters contains msg if {
	some host in input.resources
	host.__type in {instance, launch_template}
	path := boot_param_path(host)
	region := boot_region(host)
	missing := [props(p).name |
		some p in resources_of(ssm_parameter)
		startswith(str(props(p), "name"), path)
		region_of(p) == region
		not depends_transitively(host, p.__urn)
	]
	count(missing) > 0
	msg := sprintf("'%s' reads %s in %s at boot but does not depend on %d of its parameters (e.g. %s); it can boot before they exist", [host.__name, path, region, count(missing), sort(missing)[0]])
}

# METADATA
# title: Launch template network settings EC2 accepts
# description: Security groups go either on the network interfaces or on the instance, not both; the metadata hop limit is 1 to 64.
# custom:
#   kind: preflight
#   types: [aws:ec2/launchTemplate:LaunchTemplate]
#   doc: 'Amazon EC2 API Reference, "RequestLaunchTemplateData" (NetworkInterfaces, SecurityGroupIds) and "LaunchTemplateInstanceMetadataOptionsRequest" (HttpPutResponseHopLimit) (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_RequestLaunchTemplateData.html)'
#   message: Put the security groups on the network interface only; keep the hop limit within 1-64.
deny_launch_template_settings contains msg if {
	input.__type == "aws:ec2/launchTemplate:LaunchTemplate"
	some k in ["vpcSecurityGroupIds", "securityGroupNames"]
	count(object.get(input, k, [])) > 0
	some ni in object.get(input, "networkInterfaces", [])
	count(object.get(ni, "securityGroups", [])) > 0
	msg := sprintf("launch template '%s' sets %s and network interface security groups; EC2 refuses the pair at launch", [input.__name, k])
}

deny_launch_template_settings contains msg if {
	input.__type == "aws:ec2/launchTemplate:LaunchTemplate"
	hops := num(object.get(input, "metadataOptions", {}), "httpPutResponseHopLimit")
	not between(hops, 1, 64)
	msg := sprintf("launch template '%s' sets a metadata hop limit of %v; EC2 allows 1-64", [input.__name, hops])
}

# METADATA
# title: Launch template names fit EC2's rules
# description: A launch template name has 3 to 128 characters from letters, digits and ( ) . - / _; Pulumi's auto-name adds 8 characters.
# custom:
#   kind: preflight
#   types: [aws:ec2/launchTemplate:LaunchTemplate]
#   doc: 'Amazon EC2 API Reference, "CreateLaunchTemplate" (LaunchTemplateName) (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateLaunchTemplate.html)'
#   message: Shorten the logical name or set a name that fits.
deny_launch_template_name contains msg if {
	input.__type == "aws:ec2/launchTemplate:LaunchTemplate"
	n := physical_name(input, "name")
	not regex.match(`^[a-zA-Z0-9().\-/_]{3,128}$`, n)
	msg := sprintf("launch template '%s' gets the name '%s' (%s); EC2 allows 3-128 of letters, digits and ( ) . - / _", [input.__name, n, name_origin(input, "name")])
}

asg := "aws:autoscaling/group:Group"

# METADATA
# title: Auto Scaling capacities in order
# description: A group's desired capacity is at least its minimum and at most its maximum; an instance refresh keeps 0-100% healthy at least and 100-200% at most, at most 100 points apart.
# custom:
#   kind: preflight
#   types: [aws:autoscaling/group:Group]
#   doc: 'Amazon EC2 Auto Scaling User Guide, "Set scaling limits for your Auto Scaling group" (https://docs.aws.amazon.com/autoscaling/ec2/userguide/asg-capacity-limits.html) and "Understand the default values for an instance refresh" (https://docs.aws.amazon.com/autoscaling/ec2/userguide/understand-instance-refresh-default-values.html)'
#   message: Keep minSize <= desiredCapacity <= maxSize, and the refresh percentages within their ranges.
deny_asg_capacity contains msg if {
	input.__type == "aws:autoscaling/group:Group"
	lo := num(input, "minSize")
	hi := num(input, "maxSize")
	lo > hi
	msg := sprintf("autoscaling group '%s' has minSize %v above maxSize %v", [input.__name, lo, hi])
}

deny_asg_capacity contains msg if {
	input.__type == "aws:autoscaling/group:Group"
	want := num(input, "desiredCapacity")
	lo := num(input, "minSize")
	hi := num(input, "maxSize")
	not between(want, lo, hi)
	msg := sprintf("autoscaling group '%s' wants %v instances outside minSize %v to maxSize %v", [input.__name, want, lo, hi])
}

deny_asg_capacity contains msg if {
	input.__type == "aws:autoscaling/group:Group"
	prefs := object.get(object.get(input, "instanceRefresh", {}), "preferences", {})
	lo := object.get(prefs, "minHealthyPercentage", 90)
	hi := object.get(prefs, "maxHealthyPercentage", 100)
	known(lo)
	known(hi)
	not refresh_range_valid(lo, hi)
	msg := sprintf("autoscaling group '%s' refreshes with %v-%v%% healthy; Auto Scaling allows 0-100 and 100-200, at most 100 apart", [input.__name, lo, hi])
}

refresh_range_valid(lo, hi) if {
	between(lo, 0, 100)
	between(hi, 100, 200)
	hi - lo <= 100
}

# METADATA
# title: An instance refresh does not count on automatic rollback
# description: The provider saves the new launch template version on the group before it starts the instance refresh, and Auto Scaling rolls back to the configuration last saved on the group, so an automatic rollback replaces the failing hosts with the same version again and again.
# custom:
#   kind: preflight
#   types: [aws:autoscaling/group:Group]
#   doc: 'Amazon EC2 Auto Scaling User Guide, "Undo changes with a manual or auto rollback" (https://docs.aws.amazon.com/autoscaling/ec2/userguide/instance-refresh-rollback.html); terraform-provider-aws issue #34189, "ASG Instance Refresh Rollback Impaired behavior" (https://github.com/hashicorp/terraform-provider-aws/issues/34189)'
#   message: Drop autoRollback; launch before terminating (minHealthyPercentage 100, maxHealthyPercentage 200) and roll back with a `pulumi up` of the previous version.
deny_refresh_auto_rollback contains msg if {
	input.__type == "aws:autoscaling/group:Group"
	prefs := object.get(object.get(input, "instanceRefresh", {}), "preferences", {})
	object.get(prefs, "autoRollback", false) == true
	msg := sprintf("autoscaling group '%s' asks its instance refresh to roll back automatically, which would roll back to the new launch template version", [input.__name])
}

scaling_policy := "aws:autoscaling/policy:Policy"

policy_type(p) := t if {
	t := object.get(p, "policyType", "SimpleScaling")
	known(t)
}

predefined(p) := object.get(object.get(object.get(p, "targetTrackingConfiguration", {}), "predefinedMetricSpecification", {}), "predefinedMetricType", "")

# METADATA
# title: Scaling policy parameters fit their policy type
# description: ALBRequestCountPerTarget needs a resource label and no other metric takes one; step scaling needs step adjustments; cooldown is for simple scaling only, estimated warm-up for step and target tracking only, a minimum adjustment magnitude for PercentChangeInCapacity only.
# custom:
#   kind: preflight
#   types: [aws:autoscaling/policy:Policy]
#   doc: 'Amazon EC2 Auto Scaling API Reference, "PutScalingPolicy" (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_PutScalingPolicy.html) and "PredefinedMetricSpecification" (ResourceLabel) (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_PredefinedMetricSpecification.html)'
#   message: Set only the parameters the policy type takes.
deny_scaling_policy_parameters contains msg if {
	input.__type == "aws:autoscaling/policy:Policy"
	spec := object.get(object.get(input, "targetTrackingConfiguration", {}), "predefinedMetricSpecification", {})
	predefined(input) == "ALBRequestCountPerTarget"
	not has_key(spec, "resourceLabel")
	msg := sprintf("scaling policy '%s' tracks ALBRequestCountPerTarget without a resourceLabel", [input.__name])
}

deny_scaling_policy_parameters contains msg if {
	input.__type == "aws:autoscaling/policy:Policy"
	spec := object.get(object.get(input, "targetTrackingConfiguration", {}), "predefinedMetricSpecification", {})
	has_key(spec, "resourceLabel")
	metric := predefined(input)
	known(metric)
	metric != "ALBRequestCountPerTarget"
	msg := sprintf("scaling policy '%s' gives %s a resourceLabel; only ALBRequestCountPerTarget takes one", [input.__name, metric])
}

deny_scaling_policy_parameters contains msg if {
	input.__type == "aws:autoscaling/policy:Policy"
	policy_type(input) == "StepScaling"
	count(object.get(input, "stepAdjustments", [])) == 0
	msg := sprintf("step scaling policy '%s' has no stepAdjustments", [input.__name])
}

deny_scaling_policy_parameters contains msg if {
	input.__type == "aws:autoscaling/policy:Policy"
	t := policy_type(input)
	some param, allowed in policy_params
	has_key(input, param)
	not t in allowed
	msg := sprintf("scaling policy '%s' of type %s sets %s, which only %v take", [input.__name, t, param, sort(allowed)])
}

deny_scaling_policy_parameters contains msg if {
	input.__type == "aws:autoscaling/policy:Policy"
	has_key(input, "minAdjustmentMagnitude")
	kind := str(input, "adjustmentType")
	kind != "PercentChangeInCapacity"
	msg := sprintf("scaling policy '%s' sets minAdjustmentMagnitude with adjustmentType %s; only PercentChangeInCapacity takes it", [input.__name, kind])
}

policy_params := {
	"cooldown": {"SimpleScaling"},
	"estimatedInstanceWarmup": {"StepScaling", "TargetTrackingScaling"},
	"metricAggregationType": {"StepScaling"},
	"scalingAdjustment": {"SimpleScaling"},
}

# A step's bounds as numbers, an open end as null.
step_bounds(s) := [bound(object.get(s, "metricIntervalLowerBound", null)), bound(object.get(s, "metricIntervalUpperBound", null))]

bound(v) := null if v == null

bound(v) := to_number(v) if {
	is_string(v)
	known(v)
}

bound(v) := v if is_number(v)

# METADATA
# title: Step adjustments neither overlap nor leave gaps
# description: The ranges of a step scaling policy's step adjustments can't overlap or have a gap; only one step has no lower bound and only one no upper bound; a negative lower bound needs a step without lower bound, a positive upper bound one without upper bound.
# custom:
#   kind: preflight
#   types: [aws:autoscaling/policy:Policy]
#   doc: 'Amazon EC2 Auto Scaling User Guide, "Step and simple scaling policies" (step adjustments) (https://docs.aws.amazon.com/autoscaling/ec2/userguide/as-scaling-simple-step.html)'
#   message: Make each step's lower bound the previous step's upper bound, with open ends at both extremes.
deny_step_adjustments contains msg if {
	input.__type == "aws:autoscaling/policy:Policy"
	given := object.get(input, "stepAdjustments", [])
	steps := [step_bounds(s) | some s in given]
	count(steps) == count(given)
	some problem in step_problems(sort(steps))
	msg := sprintf("step scaling policy '%s': %s", [input.__name, problem])
}

step_problems(steps) := {p |
	count([s | some s in steps; s[0] == null]) > 1
	p := "more than one step has no lower bound"
} | {p |
	count([s | some s in steps; s[1] == null]) > 1
	p := "more than one step has no upper bound"
} | {p |
	some s in steps
	s[0] != null
	s[0] < 0
	count([x | some x in steps; x[0] == null]) == 0
	p := sprintf("a step starts at %v below zero but no step is open below", [s[0]])
} | {p |
	some s in steps
	s[1] != null
	s[1] > 0
	count([x | some x in steps; x[1] == null]) == 0
	p := sprintf("a step ends at %v above zero but no step is open above", [s[1]])
} | {p |
	count(steps) > 1
	some i in numbers.range(1, count(steps) - 1)
	steps[i - 1][1] != steps[i][0]
	p := sprintf("the step ending at %v is followed by one starting at %v (a gap or an overlap)", [steps[i - 1][1], steps[i][0]])
}

# METADATA
# title: IAM names fit IAM's quotas
# description: A role name has up to 64 characters, an instance profile or inline policy name up to 128, all from letters, digits and + = , . @ _ -; Pulumi's auto-name adds 8 characters.
# custom:
#   kind: preflight
#   types: [aws:iam/role:Role, aws:iam/instanceProfile:InstanceProfile, aws:iam/rolePolicy:RolePolicy]
#   doc: 'AWS IAM User Guide, "IAM and AWS STS quotas" (name requirements and character limits) (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html)'
#   message: Shorten the logical name or set a name that fits.
deny_iam_names contains msg if {
	limit := iam_name_limit[input.__type]
	n := physical_name(input, "name")
	not regex.match(sprintf(`^[\w+=,.@-]{1,%d}$`, [limit]), n)
	msg := sprintf("'%s' gets the IAM name '%s' (%s, %d characters); IAM allows %d of letters, digits and + = , . @ _ -", [input.__name, n, name_origin(input, "name"), count(n), limit])
}

iam_name_limit := {
	"aws:iam/role:Role": 64,
	"aws:iam/instanceProfile:InstanceProfile": 128,
	"aws:iam/rolePolicy:RolePolicy": 128,
}

# Non-whitespace characters of a policy document, as IAM counts its size.
policy_size(doc) := count(regex.replace(doc, `\s`, ""))

# METADATA
# title: A role's inline policies within 10,240 characters
# description: The inline policies of a role together hold at most 10,240 characters (white space not counted).
# custom:
#   kind: preflight
#   types: [aws:iam/rolePolicy:RolePolicy, aws:iam/role:Role]
#   doc: 'AWS IAM User Guide, "IAM and AWS STS quotas" (role policy size) (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html)'
#   message: Move statements to a managed policy, or merge and trim them.
stack_deny_role_inline_policy_size contains msg if {
	some role in resources_of("aws:iam/role:Role")
	sizes := [policy_size(d) | some p in referrers(role, "aws:iam/rolePolicy:RolePolicy", "role"); d := str(p, "policy")]
	total := sum(sizes)
	total > 10240
	msg := sprintf("role '%s' has %d characters of inline policy; IAM allows 10240", [role.__name, total])
}

# METADATA
# title: At most 20 managed policies per role
# description: A role has at most 10 managed policies attached by default, and the quota can be raised to 20 and no further.
# custom:
#   kind: preflight
#   types: [aws:iam/rolePolicyAttachment:RolePolicyAttachment, aws:iam/role:Role]
#   doc: 'AWS IAM User Guide, "IAM and AWS STS quotas" (managed policies attached to an IAM role) (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html)'
#   message: Merge policies; beyond 10 the account's quota must be raised.
stack_deny_role_managed_policies contains msg if {
	some role in resources_of("aws:iam/role:Role")
	n := count(referrers(role, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "role"))
	n > 20
	msg := sprintf("role '%s' gets %d managed policies; IAM allows at most 20", [role.__name, n])
}
