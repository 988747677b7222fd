package scalezero

import rego.v1

# AWS Systems Manager Parameter Store: parameters.

ssm_parameter := "aws:ssm/parameter:Parameter"

# The value a parameter stores, when known.
parameter_value(p) := v if v := str(p, "insecureValue")

parameter_value(p) := v if {
	not has_key(p, "insecureValue")
	v := str(p, "value")
}

tier_limit := {"Standard": 4096, "Advanced": 8192, "Intelligent-Tiering": 8192}

# METADATA
# title: SSM parameter values within their tier's size
# description: A Standard parameter holds at most 4 KB, an Advanced one 8 KB.
# custom:
#   kind: preflight
#   types: [aws:ssm/parameter:Parameter]
#   doc: 'AWS Systems Manager User Guide, "Managing parameter tiers" (https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html)'
#   message: Keep the value under 4 KB, or set tier to Advanced (up to 8 KB, charged).
deny_ssm_parameter_size contains msg if {
	input.__type == ssm_parameter
	tier := object.get(input, "tier", "Standard")
	known(tier)
	v := parameter_value(input)
	bytes(v) > tier_limit[tier]
	msg := sprintf("SSM parameter '%s' holds %d bytes; the %s tier allows %d", [input.__name, bytes(v), tier, tier_limit[tier]])
}

# METADATA
# title: SSM parameter names fit Parameter Store's rules
# description: A parameter name has letters, digits and _ . - (with / between levels), at most 15 levels, and does not begin with aws or ssm.
# custom:
#   kind: preflight
#   types: [aws:ssm/parameter:Parameter]
#   doc: 'AWS Systems Manager User Guide, "Creating Parameter Store parameters in Systems Manager" (requirements and constraints for parameter names) (https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-paramstore-su-create.html)'
#   message: Name the parameter /path/KEY with letters, digits and _ . - only, and not under /aws or /ssm.
deny_ssm_parameter_name contains msg if {
	input.__type == ssm_parameter
	n := str(props(input), "name")
	not regex.match(`^[a-zA-Z0-9_./-]+$`, n)
	msg := sprintf("SSM parameter '%s' is named '%s'; only letters, digits, _ . - and / are allowed", [input.__name, n])
}

deny_ssm_parameter_name contains msg if {
	input.__type == ssm_parameter
	n := str(props(input), "name")
	regex.match(`^/?(?i:aws|ssm)`, n)
	msg := sprintf("SSM parameter '%s' is named '%s'; names may not begin with aws or ssm", [input.__name, n])
}

deny_ssm_parameter_name contains msg if {
	input.__type == ssm_parameter
	n := str(props(input), "name")
	levels := count(split(trim(n, "/"), "/"))
	levels > 15
	msg := sprintf("SSM parameter '%s' is named '%s' (%d levels); Parameter Store allows 15", [input.__name, n, levels])
}

# METADATA
# title: One parameter per name and region
# description: A parameter name is unique within a region; creating a second one fails (ParameterAlreadyExists) unless it overwrites the first.
# custom:
#   kind: preflight
#   types: [aws:ssm/parameter:Parameter]
#   doc: 'AWS Systems Manager API Reference, "PutParameter" (Overwrite; ParameterAlreadyExists) (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html)'
#   message: Give each parameter of a region its own name.
stack_deny_ssm_parameter_duplicate contains msg if {
	params := resources_of(ssm_parameter)
	some n in {x | some p in params; x := str(props(p), "name")}
	same := [p | some p in params; str(props(p), "name") == n]
	count(same) > 1
	some i, a in same
	some j, b in same
	i < j
	region_of(a) == region_of(b)
	msg := sprintf("SSM parameters '%s' and '%s' both create %s in %s", [a.__name, b.__name, n, region_of(a)])
}
