package testenv

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// AWSEndpoint is the SQS and S3 emulator that scripts/test-services.sh runs.
var AWSEndpoint = env("SCALEZERO_TEST_AWS_ENDPOINT", "http://127.0.0.1:4566")

// AWSCredentials are what the emulator accepts; the app reads them from the
// environment like any AWS credentials.
var AWSCredentials = map[string]string{"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_REGION": "us-east-1"}

// JobTier is a fresh queue with a dead-letter queue, and a bucket, on the emulator.
type JobTier struct {
	Config   aws.Config
	Endpoint string
	QueueURL string
	DLQURL   string
	Bucket   string
}

// AWS creates a job tier shaped like phase 8's (a redrive policy after
// maxReceives deliveries, visibility seconds per delivery).
func AWS(t testing.TB, maxReceives, visibility int) JobTier {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	name := fmt.Sprintf("sz-test-%d-%d", time.Now().UnixNano()%1e12, os.Getpid())
	tier, remove, err := CreateJobTier(ctx, AWSEndpoint, name, maxReceives, visibility)
	if err != nil {
		t.Fatalf("%v; %s", err, startHint)
	}
	t.Cleanup(remove)
	return tier
}

// CreateJobTier makes, on the emulator at endpoint, a queue named name with
// a dead-letter queue (redrive after maxReceives deliveries, visibility
// seconds per delivery) and a bucket; remove deletes the queues. The tests
// and make faults share it.
func CreateJobTier(ctx context.Context, endpoint, name string, maxReceives, visibility int) (tier JobTier, remove func(), err error) {
	u, _ := url.Parse(endpoint)
	if c, err := net.DialTimeout("tcp", u.Host, 2*time.Second); err != nil {
		return tier, nil, fmt.Errorf("SQS/S3 emulator at %s: %w", endpoint, err)
	} else {
		c.Close()
	}
	cfg, err := EmulatorConfig(endpoint)
	if err != nil {
		return tier, nil, err
	}
	q := sqs.NewFromConfig(cfg)
	dlq, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name + "-dlq")})
	if err != nil {
		return tier, nil, fmt.Errorf("create dead-letter queue: %w", err)
	}
	attrs, err := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: dlq.QueueUrl, AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameQueueArn}})
	if err != nil {
		return tier, nil, fmt.Errorf("dead-letter queue arn: %w", err)
	}
	main, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: map[string]string{
		"VisibilityTimeout": strconv.Itoa(visibility),
		"RedrivePolicy":     fmt.Sprintf(`{"deadLetterTargetArn":%q,"maxReceiveCount":"%d"}`, attrs.Attributes["QueueArn"], maxReceives),
	}})
	if err != nil {
		return tier, nil, fmt.Errorf("create queue: %w", err)
	}
	s := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := s.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		return tier, nil, fmt.Errorf("create bucket: %w", err)
	}
	remove = func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		q.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: main.QueueUrl})
		q.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: dlq.QueueUrl})
	}
	return JobTier{Config: cfg, Endpoint: endpoint, QueueURL: *main.QueueUrl, DLQURL: *dlq.QueueUrl, Bucket: name}, remove, nil
}

// AWSConfig is an SDK configuration for the emulator's credentials at
// endpoint. (A copy of a configuration with another BaseEndpoint would not
// do: the SDK also finds the first endpoint among the load options.)
func AWSConfig(t testing.TB, endpoint string) aws.Config {
	t.Helper()
	cfg, err := EmulatorConfig(endpoint)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// EmulatorConfig is AWSConfig for code that is not a test.
func EmulatorConfig(endpoint string) (aws.Config, error) {
	return awsconfig.LoadDefaultConfig(context.Background(), awsconfig.WithRegion(AWSCredentials["AWS_REGION"]),
		awsconfig.WithBaseEndpoint(endpoint), awsconfig.WithRetryMaxAttempts(1),
		awsconfig.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("test", "test", "")))
}

// QueueDepth counts the messages in a queue, visible or not.
func QueueDepth(t testing.TB, cfg aws.Config, queueURL string) int {
	t.Helper()
	out, err := sqs.NewFromConfig(cfg).GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{
		QueueUrl: &queueURL, AttributeNames: []types.QueueAttributeName{
			types.QueueAttributeNameApproximateNumberOfMessages, types.QueueAttributeNameApproximateNumberOfMessagesNotVisible},
	})
	if err != nil {
		t.Fatalf("queue depth: %v", err)
	}
	n := 0
	for _, k := range []types.QueueAttributeName{types.QueueAttributeNameApproximateNumberOfMessages, types.QueueAttributeNameApproximateNumberOfMessagesNotVisible} {
		v, _ := strconv.Atoi(out.Attributes[string(k)])
		n += v
	}
	return n
}
