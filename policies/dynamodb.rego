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

# Preflight rules: DynamoDB.

# METADATA
# title: A table with replicas streams new and old images
# description: A global table (version 2019.11.21) replicates through the table's stream, which must carry both the new and the old images of each item; DynamoDB refuses a replica otherwise.
# custom:
#   kind: preflight
#   types: [aws:dynamodb/table:Table]
#   doc: 'Amazon DynamoDB API Reference, "CreateGlobalTable" (the conditions for adding a replica: "The table must have DynamoDB Streams enabled, with the stream containing both the new and the old images of the item") (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CreateGlobalTable.html); AWS CloudFormation, "AWS::DynamoDB::GlobalTable StreamSpecification" (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-dynamodb-globaltable-streamspecification.html)'
#   message: Set streamEnabled to true and streamViewType to NEW_AND_OLD_IMAGES on a table with replicas.
deny_dynamodb_replica_without_stream contains msg if {
	input.__type == "aws:dynamodb/table:Table"
	replicas := object.get(input, "replicas", [])
	is_array(replicas)
	count(replicas) > 0
	not stream_of_images(input)
	msg := sprintf("DynamoDB table '%s' has replicas but no stream of new and old images; DynamoDB refuses the replica (set streamEnabled: true, streamViewType: NEW_AND_OLD_IMAGES)", [input.__name])
}

# stream_of_images holds when the stream is on with both images, or when a
# preview does not know yet.
stream_of_images(t) if {
	flag(t, "streamEnabled", false)
	object.get(t, "streamViewType", "") == "NEW_AND_OLD_IMAGES"
}

stream_of_images(t) if unknown(object.get(t, "streamEnabled", false))

stream_of_images(t) if unknown(object.get(t, "streamViewType", ""))
