package stacks

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/appsettings"
	"github.com/scalezero/scalezero/components/queue"
	"github.com/scalezero/scalezero/components/role"
	"github.com/scalezero/scalezero/components/worker"
)

// The job tier (phase 8) lives in every region: each has its own queue,
// dead-letter queue, jobs bucket and worker fleet, so either region accepts
// and processes jobs while the other is down. A job's output stays in the
// bucket of the region it was submitted to; every region's web hosts may
// read the other buckets' outputs (and nothing else there), so a user routed
// to the other region still downloads it.

func (b *builder) buildQueue() error {
	if !b.p.Queue {
		return nil
	}
	for _, r := range b.regions {
		var err error
		if r.queue, err = queue.New(b.ctx, r.named("jobs"), &queue.Args{
			VisibilityTimeoutSeconds: b.s.QueueVisibilitySeconds,
			JobTimeoutSeconds:        b.s.JobTimeoutSeconds,
			MaxReceiveCount:          b.s.QueueMaxReceiveCount,
			ForceDestroy:             b.s.BucketForceDestroy,
			Tags:                     b.tags,
		}, r.opts()); err != nil {
			return err
		}
	}
	q := b.primary().queue
	b.out.QueueURL = q.QueueURL
	b.out.DeadLetterQueueURL = q.DeadLetterQueueURL
	b.out.JobsBucket = q.BucketName
	return nil
}

// jobValues are the job tier's settings for region r's hosts: its own
// queue and bucket, with clients built for its own region, and every
// region's bucket, where the outputs of jobs submitted there are read.
func (b *builder) jobValues(r *region, v map[string]pulumi.StringInput) {
	if r.queue == nil {
		return
	}
	v[appsettings.Env(appsettings.QueueURL)] = r.queue.QueueURL
	v[appsettings.Env(appsettings.JobsBucket)] = r.queue.BucketName
	v[appsettings.Env(appsettings.JobsRegion)] = pulumi.String(r.name)
	v[appsettings.Env(appsettings.JobsBuckets)] = b.jobsBuckets()
	// The worker's attempt timeout is the one the queue's visibility was sized for.
	v[appsettings.Env(appsettings.WorkerJobTimeout)] = pulumi.String(fmt.Sprintf("%ds", b.s.JobTimeoutSeconds))
}

// jobsBuckets is "region=bucket,..." over the regions, the primary first:
// the app reads a job's output from the bucket the job records, and jobs
// recorded before the tier was per region, from the first.
func (b *builder) jobsBuckets() pulumi.StringOutput {
	names := make([]any, len(b.regions))
	for i, r := range b.regions {
		names[i] = r.queue.BucketName
	}
	return pulumi.All(names...).ApplyT(func(v []any) string {
		buckets := make([]appsettings.Bucket, len(v))
		for i, name := range v {
			buckets[i] = appsettings.Bucket{Region: b.regions[i].name, Name: name.(string)}
		}
		return appsettings.EncodeBuckets(buckets)
	}).(pulumi.StringOutput)
}

// jobStatements are the job tier's IAM statements of a host role in region
// r: a web host sends to its region's queue and puts and gets job data in
// its region's bucket, and may get only the outputs in the other regions'
// buckets; a worker consumes its region's queue and uses its bucket.
func (b *builder) jobStatements(r *region, kind string) []role.Statement {
	if r.queue == nil {
		return nil
	}
	jobs := pulumi.StringArray{pulumi.Sprintf("%s/jobs/*", r.queue.BucketARN)}
	switch kind {
	case "web":
		st := []role.Statement{
			{Sid: "SendJobs", Actions: []string{"sqs:SendMessage", "sqs:GetQueueUrl"}, Resources: pulumi.StringArray{r.queue.QueueARN}},
			{Sid: "JobData", Actions: []string{"s3:PutObject", "s3:GetObject"}, Resources: jobs},
		}
		var outputs pulumi.StringArray
		for _, other := range b.regions {
			if other != r {
				// jobs.OutputKey: jobs/<id>/output.
				outputs = append(outputs, pulumi.Sprintf("%s/jobs/*/output", other.queue.BucketARN))
			}
		}
		if len(outputs) > 0 {
			st = append(st, role.Statement{Sid: "ReadOtherRegionsOutputs", Actions: []string{"s3:GetObject"}, Resources: outputs})
		}
		return st
	case "worker":
		return []role.Statement{
			{Sid: "ConsumeJobs", Actions: []string{"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"}, Resources: pulumi.StringArray{r.queue.QueueARN}},
			{Sid: "JobData", Actions: []string{"s3:GetObject", "s3:PutObject"}, Resources: jobs},
		}
	}
	return nil
}

// buildWorkers makes region r's worker fleet, scaled on its own queue's
// backlog.
func (b *builder) buildWorkers(r *region) error {
	rl, err := b.newRole(r, "worker")
	if err != nil {
		return err
	}
	fa, err := b.fleetArgs(r, "worker", b.s.WorkerInstanceType, b.s.WorkerMin, b.s.WorkerMin, b.s.WorkerMax, rl.ProfileName)
	if err != nil {
		return err
	}
	fa.VpcID = r.net.VpcID
	fa.SubnetIDs = r.net.AppSubnetIDs
	fa.Tags = b.tags
	r.worker, err = worker.New(b.ctx, r.named("worker"), &worker.Args{
		Fleet:              fa,
		QueueName:          r.queue.QueueName,
		BacklogPerInstance: b.s.BacklogPerInstance,
	}, r.opts())
	if err != nil {
		return err
	}
	if err := b.keep(groupNameKey(r, "worker"), r.worker.GroupName); err != nil {
		return err
	}
	return b.admit(r, "worker", r.worker.SecurityGroupID)
}
