// Package queue builds the message tier of phase 8: an encrypted SQS queue with
// a dead-letter queue as its redrive target, and a private S3 bucket for job
// input and output (messages carry keys, not payloads).
package queue

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sqs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/components/shared"
)

// JobRetentionDays is how long a job's input and output stay in the jobs
// bucket, as long as the app keeps the job's row (jobs.retention, 168h).
const JobRetentionDays = 7

// Args configure a Queue.
type Args struct {
	// VisibilityTimeoutSeconds must cover JobTimeoutSeconds: a message must not
	// reappear while a worker still runs its job.
	VisibilityTimeoutSeconds int
	JobTimeoutSeconds        int
	// MaxReceiveCount: after this many failed receives a message moves to the DLQ.
	MaxReceiveCount int
	// ForceDestroy lets the jobs bucket be deleted with the users' uploads
	// and results in it; off, deleting it (lowering the phase, destroy)
	// fails while it holds any.
	ForceDestroy bool
	Tags         map[string]string
}

// Queue is the component.
type Queue struct {
	pulumi.ResourceState

	Queue           *sqs.Queue
	DeadLetterQueue *sqs.Queue
	Bucket          *s3.BucketV2

	QueueURL   pulumi.StringOutput
	QueueARN   pulumi.StringOutput
	QueueName  pulumi.StringOutput
	BucketName pulumi.StringOutput
	BucketARN  pulumi.StringOutput
	// The dead-letter queue, where a job lands after MaxReceiveCount tries.
	DeadLetterQueueURL  pulumi.StringOutput
	DeadLetterQueueName pulumi.StringOutput
}

func validate(a *Args) error {
	bad := shared.Invalid("queue")
	switch {
	case a == nil:
		return bad("args", nil, "non-nil Args")
	case a.JobTimeoutSeconds < 1:
		return bad("JobTimeoutSeconds", a.JobTimeoutSeconds, "at least 1")
	case a.VisibilityTimeoutSeconds < a.JobTimeoutSeconds || a.VisibilityTimeoutSeconds > 43200:
		return bad("VisibilityTimeoutSeconds", a.VisibilityTimeoutSeconds, fmt.Sprintf("from JobTimeoutSeconds (%d) to 43200", a.JobTimeoutSeconds))
	case a.MaxReceiveCount < 1 || a.MaxReceiveCount > 1000:
		return bad("MaxReceiveCount", a.MaxReceiveCount, "1 to 1000")
	}
	return nil
}

// New creates the queues and the bucket.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Queue, error) {
	if err := validate(args); err != nil {
		return nil, err
	}
	q := &Queue{}
	if err := ctx.RegisterComponentResource(shared.Project+":queue:Queue", name, q, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(q)
	var err error
	if q.DeadLetterQueue, err = sqs.NewQueue(ctx, name+"-dlq", &sqs.QueueArgs{
		SqsManagedSseEnabled:    pulumi.Bool(true),
		MessageRetentionSeconds: pulumi.Int(14 * 24 * 3600), // the longest SQS keeps anything
		Tags:                    shared.Tags(args.Tags, name+"-dlq"),
	}, child); err != nil {
		return nil, err
	}
	if q.Queue, err = sqs.NewQueue(ctx, name, &sqs.QueueArgs{
		SqsManagedSseEnabled:     pulumi.Bool(true),
		VisibilityTimeoutSeconds: pulumi.Int(args.VisibilityTimeoutSeconds),
		ReceiveWaitTimeSeconds:   pulumi.Int(20), // long polling: fewer empty receives
		MessageRetentionSeconds:  pulumi.Int(4 * 24 * 3600),
		RedrivePolicy: pulumi.JSONMarshal(pulumi.Map{
			"deadLetterTargetArn": q.DeadLetterQueue.Arn,
			"maxReceiveCount":     pulumi.Int(args.MaxReceiveCount),
		}),
		Tags: shared.Tags(args.Tags, name),
	}, child); err != nil {
		return nil, err
	}
	// Only the main queue may send to the DLQ.
	if _, err = sqs.NewRedriveAllowPolicy(ctx, name+"-dlq", &sqs.RedriveAllowPolicyArgs{
		QueueUrl: q.DeadLetterQueue.Url,
		RedriveAllowPolicy: pulumi.JSONMarshal(pulumi.Map{
			"redrivePermission": pulumi.String("byQueue"),
			"sourceQueueArns":   pulumi.StringArray{q.Queue.Arn},
		}),
	}, child); err != nil {
		return nil, err
	}
	if q.Bucket, err = s3.NewBucketV2(ctx, name+"-jobs", &s3.BucketV2Args{
		ForceDestroy: pulumi.Bool(args.ForceDestroy),
		Tags:         shared.Tags(args.Tags, name+"-jobs"),
	}, child); err != nil {
		return nil, err
	}
	// Job data lives as long as the jobs that refer to it: the app deletes
	// their rows after as long (jobs.retention), so uploads leave nothing
	// behind for ever; the version an expiry leaves goes a day later.
	if err := shared.PrivateBucket(ctx, name+"-jobs", q.Bucket, shared.Lifecycle{ExpireDays: JobRetentionDays, NoncurrentDays: 1}, child); err != nil {
		return nil, err
	}
	// Only over TLS: the hosts' SDKs always use it; nothing else should get in.
	if _, err := s3.NewBucketPolicy(ctx, name+"-jobs", &s3.BucketPolicyArgs{
		Bucket: q.Bucket.ID(),
		Policy: pulumi.JSONMarshal(pulumi.Map{
			"Version":   pulumi.String("2012-10-17"),
			"Statement": pulumi.Array{shared.DenyInsecureTransport(q.Bucket.Arn)},
		}),
	}, child); err != nil {
		return nil, err
	}
	q.QueueURL = q.Queue.Url
	q.QueueARN = q.Queue.Arn
	q.QueueName = q.Queue.Name
	q.BucketName = q.Bucket.Bucket
	q.BucketARN = q.Bucket.Arn
	q.DeadLetterQueueURL = q.DeadLetterQueue.Url
	q.DeadLetterQueueName = q.DeadLetterQueue.Name
	return q, ctx.RegisterResourceOutputs(q, pulumi.Map{
		"queueUrl":   q.QueueURL,
		"dlqUrl":     q.DeadLetterQueue.Url,
		"bucketName": q.BucketName,
	})
}
