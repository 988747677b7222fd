package queue_test

import (
	"encoding/json"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/components/queue"
	"github.com/scalezero/scalezero/graph/record"
)

const sqsQueue = "aws:sqs/queue:Queue"

func program(ctx *pulumi.Context) error {
	_, err := queue.New(ctx, "jobs", &queue.Args{VisibilityTimeoutSeconds: 120, JobTimeoutSeconds: 60, MaxReceiveCount: 5})
	return err
}

// A job that fails MaxReceiveCount times moves to the dead-letter queue,
// which takes messages from this queue only and keeps them longest.
func TestDeadLetterRedrive(t *testing.T) {
	g := record.Known(t, program)
	q, _ := g.Named(sqsQueue, "jobs")
	dlq, ok := g.Named(sqsQueue, "jobs-dlq")
	if !ok {
		t.Fatal("no dead-letter queue")
	}
	var redrive struct {
		Target string  `json:"deadLetterTargetArn"`
		Max    float64 `json:"maxReceiveCount"`
	}
	if err := json.Unmarshal([]byte(q.Str("redrivePolicy")), &redrive); err != nil {
		t.Fatal(err)
	}
	if redrive.Max != 5 || redrive.Target == "" || !q.DependsOn("redrivePolicy", dlq.URN) {
		t.Errorf("redrive %+v, want 5 receives to the dead-letter queue", redrive)
	}
	if q.Get("visibilityTimeoutSeconds") != 120.0 || dlq.Get("messageRetentionSeconds") != float64(14*24*3600) {
		t.Errorf("visibility %v, dead letters kept %vs", q.Get("visibilityTimeoutSeconds"), dlq.Get("messageRetentionSeconds"))
	}
	allow, _ := g.Named("aws:sqs/redriveAllowPolicy:RedriveAllowPolicy", "jobs-dlq")
	if !allow.DependsOn("redriveAllowPolicy", q.URN) || !allow.DependsOn("queueUrl", dlq.URN) {
		t.Error("the dead-letter queue does not admit this queue alone")
	}
	for _, r := range g.OfType(sqsQueue) {
		if r.Get("sqsManagedSseEnabled") != true {
			t.Errorf("%s is not encrypted", r.Name)
		}
	}
}

// A queue, its dead-letter queue and the jobs' bucket.
func ExampleNew() {
	record.PrintCensus(program)
	// Output:
	// aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2 1
	// aws:s3/bucketOwnershipControls:BucketOwnershipControls 1
	// aws:s3/bucketPolicy:BucketPolicy 1
	// aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock 1
	// aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2 1
	// aws:s3/bucketV2:BucketV2 1
	// aws:s3/bucketVersioningV2:BucketVersioningV2 1
	// aws:sqs/queue:Queue 2
	// aws:sqs/redriveAllowPolicy:RedriveAllowPolicy 1
}
