package scalezero

import rego.v1

# Amazon SNS: topics.

# METADATA
# title: Topic names fit SNS's rules
# description: A topic name has 1 to 256 letters, digits, hyphens and underscores, and a FIFO topic's name ends in .fifo; Pulumi's auto-name adds 8 characters (and .fifo for FIFO topics).
# custom:
#   kind: preflight
#   types: [aws:sns/topic:Topic]
#   doc: 'Amazon SNS API Reference, "CreateTopic" (Name) (https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html)'
#   message: Use letters, digits, - and _, with .fifo for FIFO topics.
deny_sns_topic_name contains msg if {
	input.__type == "aws:sns/topic:Topic"
	fifo := fifo_topic(input)
	n := fifo_name(input, fifo)
	not valid_topic_name(n, fifo)
	msg := sprintf("topic '%s' gets the name '%s' (%s); SNS allows 256 letters, digits, - and _, with .fifo for FIFO topics", [input.__name, n, name_origin(input, "name")])
}

fifo_topic(t) := flag(t, "fifoTopic", false)

valid_topic_name(n, false) if regex.match(`^[A-Za-z0-9_-]{1,256}$`, n)

valid_topic_name(n, true) if regex.match(`^[A-Za-z0-9_-]{1,251}\.fifo$`, n)
