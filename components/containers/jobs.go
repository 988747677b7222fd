package containers

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/pulumi/pulumi-docker/sdk/v4/go/docker"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/components/shared"
)

// EmulatorPort is where the SQS/S3 emulator listens on the networks.
const EmulatorPort = 4566

// The emulator's account id in ARNs and queue URLs.
const emulatorAccount = "000000000000"

// JobTierArgs configure a JobTier.
type JobTierArgs struct {
	Region                   string // for ARNs and URLs, as on AWS
	VisibilityTimeoutSeconds int
	MaxReceiveCount          int
	Networks                 []Network
	Tags                     map[string]string
}

// JobTier is phase 8's queue, dead-letter queue and jobs bucket, in an
// emulator that speaks SQS's and S3's wire protocols.
type JobTier struct {
	pulumi.ResourceState
	Container *docker.Container
	Init      string // the emulator's init file: the queues and the bucket

	Endpoint   pulumi.StringOutput // for the app's aws.endpoint
	QueueURL   pulumi.StringOutput
	DLQURL     pulumi.StringOutput
	BucketName pulumi.StringOutput
}

// JobTierInit is the emulator's init file: the queue with its redrive policy
// (as the queue component sets it on AWS), the dead-letter queue and the bucket.
func JobTierInit(region string, visibility, maxReceives int) string {
	dlqARN := fmt.Sprintf("arn:aws:sqs:%s:%s:jobs-dlq", region, emulatorAccount)
	redrive, _ := json.Marshal(map[string]any{"deadLetterTargetArn": dlqARN, "maxReceiveCount": strconv.Itoa(maxReceives)})
	init := map[string]any{
		"queues": []map[string]any{
			{"name": "jobs-dlq", "attributes": map[string]string{"MessageRetentionPeriod": "1209600"}},
			{"name": "jobs", "attributes": map[string]string{
				"VisibilityTimeout":             strconv.Itoa(visibility),
				"ReceiveMessageWaitTimeSeconds": "20",
				"RedrivePolicy":                 string(redrive),
			}},
		},
		"buckets": []string{"jobs"},
	}
	out, _ := json.MarshalIndent(init, "", "  ")
	return string(out) + "\n"
}

// NewJobTier creates the emulator with the queues and the bucket.
func NewJobTier(ctx *pulumi.Context, name string, args *JobTierArgs, opts ...pulumi.ResourceOption) (*JobTier, error) {
	bad := shared.Invalid("containers.JobTier")
	switch {
	case args == nil:
		return nil, bad("args", nil, "non-nil JobTierArgs")
	case args.Region == "":
		return nil, bad("Region", "", "an AWS region name, for ARNs and URLs")
	case args.VisibilityTimeoutSeconds < 0 || args.VisibilityTimeoutSeconds > 43200:
		return nil, bad("VisibilityTimeoutSeconds", args.VisibilityTimeoutSeconds, "0 to 43200")
	case args.MaxReceiveCount < 1 || args.MaxReceiveCount > 1000:
		return nil, bad("MaxReceiveCount", args.MaxReceiveCount, "1 to 1000")
	}
	if err := needNetworks("containers.JobTier", args.Networks); err != nil {
		return nil, err
	}
	j := &JobTier{Init: JobTierInit(args.Region, args.VisibilityTimeoutSeconds, args.MaxReceiveCount)}
	if err := ctx.RegisterComponentResource(shared.Project+":containers:JobTier", name, j, opts...); err != nil {
		return nil, err
	}
	const initFile = "/etc/fauxqs/init.json"
	var err error
	// The emulator's image checks /health with busybox's wget (its own
	// HEALTHCHECK); said here so that the create waits for it.
	health := []string{"CMD", "wget", "-q", "-O", "/dev/null", fmt.Sprintf("http://127.0.0.1:%d/health", EmulatorPort)}
	if j.Container, err = (service{name: name, nets: args.Networks, tags: args.Tags, ref: EmulatorImage, health: health}).run(ctx, j, docker.ContainerArgs{
		Envs: pulumi.ToStringArray([]string{
			fmt.Sprintf("FAUXQS_PORT=%d", EmulatorPort), "FAUXQS_HOST=" + name,
			"FAUXQS_DEFAULT_REGION=" + args.Region, "FAUXQS_INIT=" + initFile, "FAUXQS_LOGGER=false",
		}),
		Uploads: docker.ContainerUploadArray{upload(initFile, j.Init, false)},
	}); err != nil {
		return nil, err
	}
	queueURL := func(q string) pulumi.StringOutput {
		return pulumi.Sprintf("http://sqs.%s.%s:%d/%s/%s", args.Region, name, EmulatorPort, emulatorAccount, q)
	}
	j.Endpoint = pulumi.Sprintf("http://%s:%d", name, EmulatorPort)
	j.QueueURL, j.DLQURL = queueURL("jobs"), queueURL("jobs-dlq")
	j.BucketName = pulumi.String("jobs").ToStringOutput()
	return j, ctx.RegisterResourceOutputs(j, pulumi.Map{
		"endpoint": j.Endpoint, "queueUrl": j.QueueURL, "deadLetterQueueUrl": j.DLQURL, "bucketName": j.BucketName,
	})
}
