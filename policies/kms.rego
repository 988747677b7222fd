package scalezero

import rego.v1

# AWS KMS: keys.

# METADATA
# title: KMS key settings within KMS's ranges
# description: A key's deletion waiting period is 7 to 30 days; automatic rotation is for symmetric encryption keys only, every 90 to 2560 days.
# custom:
#   kind: preflight
#   types: [aws:kms/key:Key]
#   doc: 'AWS KMS API Reference, "ScheduleKeyDeletion" (PendingWindowInDays) (https://docs.aws.amazon.com/kms/latest/APIReference/API_ScheduleKeyDeletion.html); AWS KMS Developer Guide, "Rotate AWS KMS keys" (https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html)'
#   message: Keep deletionWindowInDays within 7-30, rotationPeriodInDays within 90-2560, and rotation on symmetric keys only.
deny_kms_key_settings contains msg if {
	input.__type == "aws:kms/key:Key"
	days := num(input, "deletionWindowInDays")
	not between(days, 7, 30)
	msg := sprintf("KMS key '%s' waits %v days before deletion; KMS allows 7-30", [input.__name, days])
}

deny_kms_key_settings contains msg if {
	input.__type == "aws:kms/key:Key"
	flag(input, "enableKeyRotation", false)
	spec := object.get(input, "customerMasterKeySpec", "SYMMETRIC_DEFAULT")
	known(spec)
	spec != "SYMMETRIC_DEFAULT"
	msg := sprintf("KMS key '%s' is %s and rotates; KMS rotates symmetric encryption keys only", [input.__name, spec])
}

deny_kms_key_settings contains msg if {
	input.__type == "aws:kms/key:Key"
	days := num(input, "rotationPeriodInDays")
	not between(days, 90, 2560)
	msg := sprintf("KMS key '%s' rotates every %v days; KMS allows 90-2560", [input.__name, days])
}
