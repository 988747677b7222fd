// Package dynamodb keeps sessions and the login throttle's counts in a
// DynamoDB table (phase 6 on; a global table with a replica in each region
// from phase 7). Unlike the profile cache, DynamoDB never evicts an item to
// make room, so a flood of cache fills logs no one out and resets no count,
// and a replicated table lets a session outlive the region that created it.
//
// One table holds both, keyed by a string partition key "pk" ("session#..."
// and "throttle#..."); "expires_at" (epoch seconds) is the table's TTL
// attribute. TTL deletes expired items lazily (typically within days), so
// every read treats an item past its expiry as absent.
package dynamodb

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/scalezero/scalezero/app"
)

// The table's attributes; the infrastructure declares the same key and TTL
// attribute (components/sessions).
const (
	KeyAttribute = "pk"
	TTLAttribute = "expires_at"
)

// API is the part of the DynamoDB client the stores use.
type API interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
}

// NewClient returns a client for the table's replica in cfg's region.
func NewClient(cfg aws.Config) *dynamodb.Client {
	return dynamodb.NewFromConfig(cfg)
}

// Connect returns a client for the table's replica in region, the host's
// own: each region's hosts call their own replica, so the loss of a region
// leaves the other's sessions readable and writable. Credentials come from
// the default chain (the instance profile on the hosts); endpoint, when
// set, points at an emulator instead of AWS.
func Connect(ctx context.Context, region, endpoint string) (*dynamodb.Client, error) {
	if region == "" {
		return nil, errors.New("dynamodb: no region")
	}
	opts := []func(*awsconfig.LoadOptions) error{awsconfig.WithRegion(region)}
	if endpoint != "" {
		opts = append(opts, awsconfig.WithBaseEndpoint(endpoint))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("dynamodb: aws config: %w", err)
	}
	return dynamodb.NewFromConfig(cfg), nil
}

// Timeout bounds one call (with the SDK's retries): a stalled store fails
// the request (503) instead of holding it.
const Timeout = 2 * time.Second

func key(k string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{KeyAttribute: &types.AttributeValueMemberS{Value: k}}
}

func num(n int64) *types.AttributeValueMemberN {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}

// number reads a numeric attribute; ok is false when it is missing or not a number.
func number(item map[string]types.AttributeValue, name string) (int64, bool) {
	v, ok := item[name].(*types.AttributeValueMemberN)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(v.Value, 10, 64)
	return n, err == nil
}

// expired reports whether an item's TTL has passed at now: TTL deletion
// lags, so such an item may still be read.
func expired(item map[string]types.AttributeValue, now time.Time) bool {
	exp, ok := number(item, TTLAttribute)
	return !ok || exp <= now.Unix()
}

// unavailable wraps a failed call as app.ErrUnavailable: whatever failed
// (the network, throttling, a missing table or permission), the request
// may not go on and the edge answers 503.
func unavailable(what string, err error) error {
	return fmt.Errorf("%s: %w: %w", what, app.ErrUnavailable, err)
}

func conditionFailed(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}
