package scalezero

import rego.v1

# AWS IAM: roles, instance profiles, policies.

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
