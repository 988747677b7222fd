package scalezero

import rego.v1

# Amazon SQS: queues, dead-letter queues, redrive.

queue := "aws:sqs/queue:Queue"

fifo_queue(q) := flag(q, "fifoQueue", false)

# METADATA
# title: Queue names fit SQS's rules
# description: A queue name has up to 80 letters, digits, hyphens and underscores, and a FIFO queue's name ends in .fifo (counted in the 80); Pulumi's auto-name adds 8 characters (and .fifo for FIFO queues).
# custom:
#   kind: preflight
#   types: [aws:sqs/queue:Queue]
#   doc: 'Amazon SQS API Reference, "CreateQueue" (QueueName) (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html)'
#   message: Shorten the logical name to 72 characters or fewer (67 for FIFO), or set a name that fits.
deny_sqs_queue_name contains msg if {
	input.__type == "aws:sqs/queue:Queue"
	fifo := fifo_queue(input)
	n := fifo_name(input, fifo)
	not valid_queue_name(n, fifo)
	msg := sprintf("queue '%s' gets the name '%s' (%s, %d characters); SQS allows 80 letters, digits, - and _, with .fifo for FIFO queues", [input.__name, n, name_origin(input, "name"), count(n)])
}

valid_queue_name(n, false) if regex.match(`^[A-Za-z0-9_-]{1,80}$`, n)

valid_queue_name(n, true) if regex.match(`^[A-Za-z0-9_-]{1,75}\.fifo$`, n)

queue_ranges := {
	"visibilityTimeoutSeconds": [0, 43200],
	"messageRetentionSeconds": [60, 1209600],
	"receiveWaitTimeSeconds": [0, 20],
	"delaySeconds": [0, 900],
}

# METADATA
# title: Queue attributes within SQS's ranges
# description: A queue's visibility timeout is 0-43,200 s, message retention 60-1,209,600 s, long-poll wait 0-20 s and delivery delay 0-900 s.
# custom:
#   kind: preflight
#   types: [aws:sqs/queue:Queue]
#   doc: 'Amazon SQS API Reference, "CreateQueue" (Attributes) (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html)'
#   message: Bring the attribute within its range.
deny_sqs_queue_attributes contains msg if {
	input.__type == "aws:sqs/queue:Queue"
	some key, r in queue_ranges
	v := num(input, key)
	not between(v, r[0], r[1])
	msg := sprintf("queue '%s' sets %s to %v; SQS allows %v-%v", [input.__name, key, v, r[0], r[1]])
}

# METADATA
# title: Redrive policies SQS accepts
# description: A redrive policy names the dead-letter queue's ARN and a maxReceiveCount of 1 to 1,000.
# custom:
#   kind: preflight
#   types: [aws:sqs/queue:Queue]
#   doc: 'Amazon SQS Developer Guide, "Using dead-letter queues in Amazon SQS" (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html); API Reference, "SetQueueAttributes" (RedrivePolicy)'
#   message: Set deadLetterTargetArn and maxReceiveCount 1-1000.
deny_sqs_redrive_policy contains msg if {
	input.__type == "aws:sqs/queue:Queue"
	p := json.unmarshal(str(input, "redrivePolicy"))
	n := to_number(object.get(p, "maxReceiveCount", 0))
	not between(n, 1, 1000)
	msg := sprintf("queue '%s' redrives after %v receives; SQS allows 1-1000", [input.__name, n])
}

deny_sqs_redrive_policy contains msg if {
	input.__type == "aws:sqs/queue:Queue"
	p := json.unmarshal(str(input, "redrivePolicy"))
	not has_key(p, "deadLetterTargetArn")
	msg := sprintf("queue '%s' has a redrive policy without deadLetterTargetArn", [input.__name])
}

# METADATA
# title: Redrive allow policies SQS accepts
# description: A redrive allow policy lists source queues (1 to 10 ARNs) only with redrivePermission byQueue, and byQueue needs that list.
# custom:
#   kind: preflight
#   types: [aws:sqs/redriveAllowPolicy:RedriveAllowPolicy]
#   doc: 'Amazon SQS API Reference, "SetQueueAttributes" (RedriveAllowPolicy: redrivePermission, sourceQueueArns) (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html)'
#   message: Use byQueue with 1-10 sourceQueueArns, or allowAll/denyAll without them.
deny_sqs_redrive_allow_policy contains msg if {
	input.__type == "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy"
	p := json.unmarshal(str(input, "redriveAllowPolicy"))
	p.redrivePermission == "byQueue"
	n := count(object.get(p, "sourceQueueArns", []))
	not between(n, 1, 10)
	msg := sprintf("redrive allow policy '%s' allows byQueue with %d source queues; SQS takes 1-10", [input.__name, n])
}

deny_sqs_redrive_allow_policy contains msg if {
	input.__type == "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy"
	p := json.unmarshal(str(input, "redriveAllowPolicy"))
	p.redrivePermission in {"allowAll", "denyAll"}
	has_key(p, "sourceQueueArns")
	msg := sprintf("redrive allow policy '%s' lists source queues with %s; only byQueue takes them", [input.__name, p.redrivePermission])
}

# The dead-letter queue a queue redrives to (by dependency).
dead_letter_queue(q) := d if {
	some u in deps(q, "redrivePolicy")
	d := by_urn(u)
	is_type(d, queue)
}

# METADATA
# title: A dead-letter queue is of its source's kind
# description: The dead-letter queue of a FIFO queue is a FIFO queue, and that of a standard queue a standard queue.
# custom:
#   kind: preflight
#   types: [aws:sqs/queue:Queue]
#   doc: 'Amazon SQS Developer Guide, "Using dead-letter queues in Amazon SQS" (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html)'
#   message: Make the dead-letter queue FIFO exactly when its source is.
stack_deny_dead_letter_queue_kind contains msg if {
	some q in resources_of(queue)
	d := dead_letter_queue(q)
	a := fifo_queue(q)
	b := fifo_queue(d)
	a != b
	msg := sprintf("queue '%s' (fifo %v) redrives to '%s' (fifo %v); a dead-letter queue is of its source's kind", [q.__name, a, d.__name, b])
}
