package scalezero

import rego.v1

# Best-practice rules for DynamoDB tables (the sessions table, phase 6 on).

dynamodb_table := "aws:dynamodb/table:Table"

# sub: a nested block of a resource, or {} when it is absent; undefined when
# the block itself is unknown, so no rule fires on it.
sub(r, key) := b if {
	b := object.get(r, key, {})
	not unknown(b)
}

# METADATA
# title: DynamoDB tables encrypt with a KMS key
# description: A table's server-side encryption uses a KMS key (the AWS managed aws/dynamodb key, or a customer key), whose every use CloudTrail records; the AWS owned key that serverSideEncryption.enabled false picks is outside the account's view.
# custom:
#   message: Set serverSideEncryption.enabled to true (the sessions component does).
deny_dynamodb_unencrypted contains msg if {
	input.__type == dynamodb_table
	not_true(sub(input, "serverSideEncryption"), "enabled")
	msg := sprintf("DynamoDB table '%s' does not encrypt with a KMS key; set serverSideEncryption.enabled: true", [input.__name])
}

# METADATA
# title: DynamoDB tables keep point-in-time recovery
# description: A table (and each replica) can be restored to any second of the last 35 days, so a bad deploy or a mistaken delete of items is undone.
# custom:
#   message: Set pointInTimeRecovery.enabled to true, and pointInTimeRecovery on every replica.
deny_dynamodb_no_pitr contains msg if {
	input.__type == dynamodb_table
	not_true(sub(input, "pointInTimeRecovery"), "enabled")
	msg := sprintf("DynamoDB table '%s' has no point-in-time recovery; set pointInTimeRecovery.enabled: true", [input.__name])
}

deny_dynamodb_no_pitr contains msg if {
	input.__type == dynamodb_table
	some replica in object.get(input, "replicas", [])
	is_object(replica)
	not_true(replica, "pointInTimeRecovery")
	msg := sprintf("DynamoDB table '%s' has a replica in %v without point-in-time recovery; set its pointInTimeRecovery: true", [input.__name, object.get(replica, "regionName", "?")])
}

# METADATA
# title: DynamoDB tables expire items
# description: The project's tables hold state that ends (sessions, login-throttle windows); TTL on an expiry attribute lets DynamoDB delete it, so the table does not grow forever.
# custom:
#   message: Set ttl.enabled to true with ttl.attributeName (the sessions component uses expires_at).
deny_dynamodb_no_ttl contains msg if {
	input.__type == dynamodb_table
	ttl := sub(input, "ttl")
	not_true(ttl, "enabled")
	msg := sprintf("DynamoDB table '%s' does not expire items; set ttl.enabled: true with an attributeName", [input.__name])
}

deny_dynamodb_no_ttl contains msg if {
	input.__type == dynamodb_table
	ttl := sub(input, "ttl")
	ttl.enabled == true
	name := object.get(ttl, "attributeName", "")
	not unknown(name)
	name == ""
	msg := sprintf("DynamoDB table '%s' enables TTL on no attribute; set ttl.attributeName", [input.__name])
}
