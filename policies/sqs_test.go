package policies_test

import (
	"testing"

	"github.com/scalezero/scalezero/graph"
)

// The breaking cases of sqs.rego's rules: each breaks one resource so that
// exactly that rule fires; a preflight rule's case then makes the value
// the rule decides on unknown, and nothing fires.
var _ = casesOf("sqs.rego", map[string]breaker{
	"deny_sqs_queue_name":           setting(8, tQueue, "jobs", "name", "jobs queue", "gets the name 'jobs queue'"),
	"deny_sqs_queue_attributes":     setting(8, tQueue, "jobs", "receiveWaitTimeSeconds", 30, "sets receiveWaitTimeSeconds to 30"),
	"deny_sqs_redrive_policy":       setting(8, tQueue, "jobs", "redrivePolicy", `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:jobs-dlq","maxReceiveCount":0}`, "redrives after 0 receives"),
	"deny_sqs_redrive_allow_policy": setting(8, tRedrive, "jobs-dlq", "redriveAllowPolicy", `{"redrivePermission":"byQueue","sourceQueueArns":[]}`, "allows byQueue with 0 source queues"),
	"stack_deny_dead_letter_queue_kind": {phase: 8, want: "queue 'jobs' (fifo false) redrives to 'jobs-dlq' (fifo true)", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			dlq := find(t, g, tQueue, "jobs-dlq")
			dlq.Inputs["fifoQueue"] = true
			if n, ok := dlq.Inputs["name"].(string); ok {
				dlq.Inputs["name"] = n + ".fifo"
			}
		},
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tQueue, "jobs-dlq", "fifoQueue") }},
	"stack_deny_visibility_below_job_timeout": setting(8, tQueue, "jobs", "visibilityTimeoutSeconds", 60, "hides a message 60 s but its workers may run a job 120 s"),
	"stack_deny_dead_letter_retention":        setting(8, tQueue, "jobs-dlq", "messageRetentionSeconds", 3600, "keeps messages 3600 s, less than its source 'jobs'"),
	"deny_sqs_unencrypted": {phase: 8, want: "is not encrypted", apply: func(t *testing.T, g *graph.Graph) {
		find(t, g, tQueue, "jobs-dlq").Inputs["sqsManagedSseEnabled"] = false
	}},
	"stack_deny_queue_without_dlq": {phase: 8, want: "has no dead-letter queue", apply: func(t *testing.T, g *graph.Graph) {
		r := find(t, g, tQueue, "jobs")
		delete(r.Inputs, "redrivePolicy")
		delete(r.PropertyDependencies, "redrivePolicy")
	}},
})
