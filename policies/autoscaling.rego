package scalezero

import rego.v1

# Amazon EC2 Auto Scaling: groups, instance refresh, scaling policies.

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
	input.__type == asg
	lo := num(input, "minSize")
	hi := num(input, "maxSize")
	lo > hi
	msg := sprintf("autoscaling group '%s' has minSize %v above maxSize %v", [input.__name, lo, hi])
}

deny_asg_capacity contains msg if {
	input.__type == asg
	want := num(input, "desiredCapacity")
	lo := num(input, "minSize")
	hi := num(input, "maxSize")
	not between(want, lo, hi)
	msg := sprintf("autoscaling group '%s' wants %v instances outside minSize %v to maxSize %v", [input.__name, want, lo, hi])
}

deny_asg_capacity contains msg if {
	input.__type == asg
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
	input.__type == asg
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
	input.__type == scaling_policy
	spec := object.get(object.get(input, "targetTrackingConfiguration", {}), "predefinedMetricSpecification", {})
	predefined(input) == "ALBRequestCountPerTarget"
	not has_key(spec, "resourceLabel")
	msg := sprintf("scaling policy '%s' tracks ALBRequestCountPerTarget without a resourceLabel", [input.__name])
}

deny_scaling_policy_parameters contains msg if {
	input.__type == scaling_policy
	spec := object.get(object.get(input, "targetTrackingConfiguration", {}), "predefinedMetricSpecification", {})
	has_key(spec, "resourceLabel")
	metric := predefined(input)
	known(metric)
	metric != "ALBRequestCountPerTarget"
	msg := sprintf("scaling policy '%s' gives %s a resourceLabel; only ALBRequestCountPerTarget takes one", [input.__name, metric])
}

deny_scaling_policy_parameters contains msg if {
	input.__type == scaling_policy
	policy_type(input) == "StepScaling"
	count(object.get(input, "stepAdjustments", [])) == 0
	msg := sprintf("step scaling policy '%s' has no stepAdjustments", [input.__name])
}

deny_scaling_policy_parameters contains msg if {
	input.__type == scaling_policy
	t := policy_type(input)
	some param, allowed in policy_params
	has_key(input, param)
	not t in allowed
	msg := sprintf("scaling policy '%s' of type %s sets %s, which only %v take", [input.__name, t, param, sort(allowed)])
}

deny_scaling_policy_parameters contains msg if {
	input.__type == scaling_policy
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
	input.__type == scaling_policy
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
# title: Web fleets are redundant
# description: A fleet behind a load balancer keeps at least two instances in at least two zones.
# custom:
#   message: Set minSize to 2 or more and spread vpcZoneIdentifiers over two zones.
stack_deny_fleet_redundancy contains msg if {
	some asg in resources_of("aws:autoscaling/group:Group")
	count(deps(asg, "targetGroupArns")) > 0
	sizing_known(asg)
	not redundant(asg)
	msg := sprintf("autoscaling group '%s' serves the load balancer with minSize %v over %d zone(s); keep 2+ instances in 2+ zones", [asg.__name, object.get(asg, "minSize", 0), count(zones(deps(asg, "vpcZoneIdentifiers")))])
}

sizing_known(asg) if {
	not unknown(object.get(asg, "minSize", 0))
	zones_known(deps(asg, "vpcZoneIdentifiers"))
}

redundant(asg) if {
	object.get(asg, "minSize", 0) >= 2
	count(zones(deps(asg, "vpcZoneIdentifiers"))) >= 2
}

# METADATA
# title: Other fleets span two zones and two instances
# description: Workers and other fleets should survive the loss of a zone or an instance.
# custom:
#   message: Set minSize to 2 and spread the subnets over two zones.
stack_warn_fleet_redundancy contains msg if {
	some asg in resources_of("aws:autoscaling/group:Group")
	count(deps(asg, "targetGroupArns")) == 0
	sizing_known(asg)
	not redundant(asg)
	msg := sprintf("autoscaling group '%s' has minSize %v over %d zone(s); a lost instance or zone stops it", [asg.__name, object.get(asg, "minSize", 0), count(zones(deps(asg, "vpcZoneIdentifiers")))])
}
