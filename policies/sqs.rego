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
	input.__type == queue
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
	input.__type == queue
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
	input.__type == queue
	p := json.unmarshal(str(input, "redrivePolicy"))
	n := to_number(object.get(p, "maxReceiveCount", 0))
	not between(n, 1, 1000)
	msg := sprintf("queue '%s' redrives after %v receives; SQS allows 1-1000", [input.__name, n])
}

deny_sqs_redrive_policy contains msg if {
	input.__type == queue
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

# METADATA
# title: SQS queues encrypted
# description: Every queue encrypts messages at rest (SQS-managed or KMS).
# custom:
#   message: Set sqsManagedSseEnabled to true or a kmsMasterKeyId.
deny_sqs_unencrypted contains msg if {
	input.__type == queue
	not_true(input, "sqsManagedSseEnabled")
	object.get(input, "kmsMasterKeyId", "") == ""
	msg := sprintf("queue '%s' is not encrypted; set sqsManagedSseEnabled: true", [input.__name])
}

# METADATA
# title: Every queue has a dead-letter queue
# description: A queue that is not itself a dead-letter queue redrives to one.
# custom:
#   message: Give the queue a redrivePolicy whose deadLetterTargetArn is a dead-letter queue.
stack_deny_queue_without_dlq contains msg if {
	some q in resources_of(queue)
	not has_redrive(q)
	not is_dead_letter_queue(q)
	msg := sprintf("queue '%s' has no dead-letter queue; add a redrivePolicy", [q.__name])
}

has_redrive(q) if object.get(q, "redrivePolicy", "") != ""

is_dead_letter_queue(q) if {
	some other in resources_of(queue)
	depends_on(other, "redrivePolicy", q.__urn)
}

# The job timeout the hosts read (SCALEZERO_WORKER_JOB_TIMEOUT, a Go duration
# such as "120s"), in seconds, with the queue its region's workers consume
# (SCALEZERO_QUEUE_URL of the same region).
job_timeouts := [[seconds, region] |
	some p in resources_of(ssm_parameter)
	endswith(object.get(p, "name", ""), "/SCALEZERO_WORKER_JOB_TIMEOUT")
	v := object.get(p, "insecureValue", "")
	not unknown(v)
	seconds := time.parse_duration_ns(v) / 1000000000
	region := region_of(p)
]

consumed_queues(region) := {u |
	some p in resources_of(ssm_parameter)
	endswith(object.get(p, "name", ""), "/SCALEZERO_QUEUE_URL")
	region_of(p) == region
	some u in deps(p, "insecureValue")
}

# METADATA
# title: A queue's visibility timeout covers the worker's job timeout
# description: While a worker runs a job the message must stay hidden; with a visibility timeout shorter than the job timeout SQS hands the message to another worker mid-job (Amazon SQS Developer Guide, "Amazon SQS visibility timeout").
# custom:
#   message: Raise the queue's visibilityTimeoutSeconds to at least the job timeout (or lower queueJobTimeout).
stack_deny_visibility_below_job_timeout contains msg if {
	some t in job_timeouts
	some u in consumed_queues(t[1])
	q := by_urn(u)
	visibility := object.get(q, "visibilityTimeoutSeconds", 30)
	not unknown(visibility)
	visibility < t[0]
	msg := sprintf("queue '%s' hides a message %v s but its workers may run a job %v s", [q.__name, visibility, t[0]])
}

# METADATA
# title: A dead-letter queue keeps messages as long as its source
# description: A message's retention counts from its first enqueue, also in the dead-letter queue; a dead-letter queue that keeps messages less long than its source drops them early (Amazon SQS Developer Guide, "Using dead-letter queues in Amazon SQS").
# custom:
#   message: Set the dead-letter queue's messageRetentionSeconds to at least its source's (14 days is the most).
stack_deny_dead_letter_retention contains msg if {
	some q in resources_of(queue)
	some u in deps(q, "redrivePolicy")
	d := by_urn(u)
	d.__type == queue
	source := object.get(q, "messageRetentionSeconds", 345600)
	kept := object.get(d, "messageRetentionSeconds", 345600)
	not unknown(source)
	not unknown(kept)
	kept < source
	msg := sprintf("dead-letter queue '%s' keeps messages %v s, less than its source '%s' (%v s)", [d.__name, kept, q.__name, source])
}
