package dynamodb

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/scalezero/scalezero/app"
)

// Sessions is an app.SessionStore in a DynamoDB table.
type Sessions struct {
	api   API
	table string
	ttl   time.Duration
	now   func() time.Time
}

// NewSessions returns the store; sessions last ttl.
func NewSessions(api API, table string, ttl time.Duration) *Sessions {
	return &Sessions{api: api, table: table, ttl: ttl, now: time.Now}
}

func sessionKey(token string) map[string]types.AttributeValue {
	return key("session#" + app.SessionKey(token))
}

// Create starts a session.
func (s *Sessions) Create(ctx context.Context, userID int64) (string, error) {
	token, err := app.NewSessionToken()
	if err != nil {
		return "", err
	}
	item := sessionKey(token)
	item["user_id"] = num(userID)
	item[TTLAttribute] = num(s.now().Add(s.ttl).Unix())
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	if _, err := s.api.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: item}); err != nil {
		return "", unavailable("store session", err)
	}
	return token, nil
}

// Lookup returns the session's user, or app.ErrUnauthorized. The read is
// strongly consistent: a browser that logs in through one instance and is
// sent to another at once must find its session there.
func (s *Sessions) Lookup(ctx context.Context, token string) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	out, err := s.api.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table, Key: sessionKey(token), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return 0, unavailable("read session", err)
	}
	if out.Item == nil || expired(out.Item, s.now()) {
		return 0, app.ErrUnauthorized
	}
	id, ok := number(out.Item, "user_id")
	if !ok {
		return 0, app.ErrUnauthorized
	}
	return id, nil
}

// Delete ends a session.
func (s *Sessions) Delete(ctx context.Context, token string) error {
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	if _, err := s.api.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &s.table, Key: sessionKey(token)}); err != nil {
		return unavailable("delete session", err)
	}
	return nil
}
