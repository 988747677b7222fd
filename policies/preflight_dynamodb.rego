package scalezero

import rego.v1

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
