package cloud

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// Queue is one SQS queue.
type Queue struct {
	client *sqs.Client
	url    string
}

// NewQueue returns the queue at url.
func NewQueue(cfg aws.Config, url string) *Queue {
	return &Queue{client: sqs.NewFromConfig(cfg), url: url}
}

// URL is the queue's URL.
func (q *Queue) URL() string { return q.url }

// Message is one received message.
type Message struct {
	ID            string
	Body          string
	ReceiptHandle string
	// ReceiveCount counts deliveries, this one included: the attempt number.
	ReceiveCount int
}

// Send puts body on the queue.
func (q *Queue) Send(ctx context.Context, body string) error {
	_, err := q.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &q.url, MessageBody: &body})
	if err != nil {
		return unavailable("sqs send", err)
	}
	return nil
}

// Receive waits up to wait (long polling, at most 20s) for up to limit messages.
func (q *Queue) Receive(ctx context.Context, limit int, wait time.Duration) ([]Message, error) {
	out, err := q.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
		QueueUrl:                    &q.url,
		MaxNumberOfMessages:         int32(limit),
		WaitTimeSeconds:             int32(wait / time.Second),
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameApproximateReceiveCount},
	})
	if err != nil {
		return nil, unavailable("sqs receive", err)
	}
	msgs := make([]Message, 0, len(out.Messages))
	for _, m := range out.Messages {
		n, _ := strconv.Atoi(m.Attributes[string(types.MessageSystemAttributeNameApproximateReceiveCount)])
		msgs = append(msgs, Message{ID: aws.ToString(m.MessageId), Body: aws.ToString(m.Body), ReceiptHandle: aws.ToString(m.ReceiptHandle), ReceiveCount: max(n, 1)})
	}
	return msgs, nil
}

// Delete removes a handled message.
func (q *Queue) Delete(ctx context.Context, m Message) error {
	_, err := q.client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: &q.url, ReceiptHandle: &m.ReceiptHandle})
	if err != nil {
		return unavailable("sqs delete", err)
	}
	return nil
}

// RetryAfter makes the message visible again after d (a retry's back-off)
// instead of after the queue's whole visibility timeout.
func (q *Queue) RetryAfter(ctx context.Context, m Message, d time.Duration) error {
	_, err := q.client.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{
		QueueUrl: &q.url, ReceiptHandle: &m.ReceiptHandle, VisibilityTimeout: int32(d / time.Second),
	})
	if err != nil {
		return unavailable("sqs change visibility", err)
	}
	return nil
}

// MaxReceives reads maxReceiveCount from the queue's redrive policy: after
// that many deliveries SQS moves a message to the dead-letter queue. 0 when
// the queue has no redrive policy.
func (q *Queue) MaxReceives(ctx context.Context) (int, error) {
	out, err := q.client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl: &q.url, AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameRedrivePolicy},
	})
	if err != nil {
		return 0, unavailable("sqs queue attributes", err)
	}
	raw, ok := out.Attributes[string(types.QueueAttributeNameRedrivePolicy)]
	if !ok || raw == "" {
		return 0, nil
	}
	var p struct {
		MaxReceiveCount json.Number `json:"maxReceiveCount"` // a string or a number, depending on who set it
	}
	if err := json.Unmarshal([]byte(raw), &p); err != nil {
		return 0, fmt.Errorf("sqs redrive policy %q: %w", raw, err)
	}
	n, err := strconv.Atoi(p.MaxReceiveCount.String())
	if err != nil {
		return 0, fmt.Errorf("sqs redrive policy %q: maxReceiveCount: %w", raw, err)
	}
	return n, nil
}
