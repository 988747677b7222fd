package scalezero

import rego.v1

# AWS Secrets Manager: secrets and their versions.

secret := "aws:secretsmanager/secret:Secret"

# METADATA
# title: A secret's recovery window is 0 or 7 to 30 days
# description: Secrets Manager deletes a secret after a recovery window of 7 to 30 days; the provider's 0 deletes it at once.
# custom:
#   kind: preflight
#   types: [aws:secretsmanager/secret:Secret]
#   doc: 'AWS Secrets Manager API Reference, "DeleteSecret" (RecoveryWindowInDays, ForceDeleteWithoutRecovery) (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_DeleteSecret.html)'
#   message: Set recoveryWindowInDays to 0 or 7-30.
deny_secret_recovery_window contains msg if {
	input.__type == secret
	days := num(input, "recoveryWindowInDays")
	days != 0
	not between(days, 7, 30)
	msg := sprintf("secret '%s' has a recovery window of %v days; Secrets Manager allows 7-30 (0 deletes at once)", [input.__name, days])
}

# METADATA
# title: Secret names fit Secrets Manager's rules
# description: A secret name has up to 512 ASCII letters, digits and / _ + = . @ -; Pulumi's auto-name adds 8 characters.
# custom:
#   kind: preflight
#   types: [aws:secretsmanager/secret:Secret]
#   doc: 'AWS Secrets Manager API Reference, "CreateSecret" (Name) (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html)'
#   message: Name the secret with letters, digits and / _ + = . @ - only.
deny_secret_name contains msg if {
	input.__type == secret
	n := physical_name(input, "name")
	not regex.match(`^[A-Za-z0-9/_+=.@-]{1,512}$`, n)
	msg := sprintf("secret '%s' gets the name '%s' (%s); Secrets Manager allows up to 512 letters, digits and / _ + = . @ -", [input.__name, n, name_origin(input, "name")])
}

# METADATA
# title: A secret value within Secrets Manager's size
# description: A secret value is at most 65,536 bytes, given as either a string or binary.
# custom:
#   kind: preflight
#   types: [aws:secretsmanager/secretVersion:SecretVersion]
#   doc: 'AWS Secrets Manager User Guide, "AWS Secrets Manager quotas" (https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_limits.html); API Reference, "PutSecretValue" (SecretString, SecretBinary)'
#   message: Keep the value under 64 KiB and set only one of secretString and secretBinary.
deny_secret_version contains msg if {
	input.__type == "aws:secretsmanager/secretVersion:SecretVersion"
	value := str(input, "secretString")
	bytes(value) > 65536
	msg := sprintf("secret version '%s' holds %d bytes; Secrets Manager allows 65536", [input.__name, bytes(value)])
}

deny_secret_version contains msg if {
	input.__type == "aws:secretsmanager/secretVersion:SecretVersion"
	has_key(input, "secretString")
	has_key(input, "secretBinary")
	msg := sprintf("secret version '%s' sets both secretString and secretBinary; Secrets Manager takes one", [input.__name])
}

# METADATA
# title: Secret replicas in other regions
# description: A secret is replicated to regions other than its own; its own region is refused as a replica region.
# custom:
#   kind: preflight
#   types: [aws:secretsmanager/secret:Secret]
#   doc: 'AWS Secrets Manager API Reference, "ReplicateSecretToRegions" (AddReplicaRegions) (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_ReplicateSecretToRegions.html); User Guide, "Replicate AWS Secrets Manager secrets across Regions"'
#   message: List only regions other than the secret's own under replicas.
stack_deny_secret_replica_region contains msg if {
	some s in resources_of(secret)
	home := region_of(s)
	some replica in object.get(s, "replicas", [])
	str(replica, "region") == home
	msg := sprintf("secret '%s' lives in %s and lists %s as a replica region", [s.__name, home, home])
}
