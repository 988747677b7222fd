package dynamodb

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/scalezero/scalezero/app"
)

// Throttle counts attempts in the table, so the whole fleet (and, with a
// global table, both regions) shares the counts. Each key is one item:
// its count and the end of its window (ends_ms). Conditional updates add to
// a live window, or start a new one when there is none or it has ended, so
// concurrent instances neither lose counts nor reset a window twice. While
// the table is unreachable each instance counts on its own (the fallback),
// which still bounds guesses instead of opening the gate.
type Throttle struct {
	api      API
	table    string
	fallback app.Throttle
	log      *slog.Logger
	now      func() time.Time
	// openUntil (unix nanos): after a failure calls skip the table for a
	// second instead of each waiting for a timeout.
	openUntil atomic.Int64
}

// NewThrottle returns a shared throttle that falls back to fallback.
func NewThrottle(api API, table string, fallback app.Throttle, log *slog.Logger) *Throttle {
	if log == nil {
		log = slog.Default()
	}
	return &Throttle{api: api, table: table, fallback: fallback, log: log, now: time.Now}
}

const breakerCooldown = time.Second

// Add implements app.Throttle.
func (t *Throttle) Add(ctx context.Context, k string, n int, window time.Duration) (int, time.Duration, error) {
	if time.Now().UnixNano() >= t.openUntil.Load() {
		count, left, err := t.add(ctx, "throttle#"+k, n, window)
		if err == nil {
			return count, left, nil
		}
		t.log.Warn("shared throttle unavailable; counting on this instance", "error", err)
		t.openUntil.Store(time.Now().Add(breakerCooldown).UnixNano())
	}
	return t.fallback.Add(ctx, k, n, window)
}

// Names in update expressions: "count" is a reserved word.
var throttleNames = map[string]string{"#c": "count", "#e": "ends_ms", "#x": TTLAttribute}

func (t *Throttle) add(ctx context.Context, pk string, n int, window time.Duration) (int, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	now := t.now()
	if n == 0 {
		out, err := t.api.GetItem(ctx, &dynamodb.GetItemInput{TableName: &t.table, Key: key(pk), ConsistentRead: aws.Bool(true)})
		if err != nil {
			return 0, 0, fmt.Errorf("read count: %w", err)
		}
		return windowOf(out.Item, now)
	}
	// Within a live window: add.
	live := &dynamodb.UpdateItemInput{
		TableName: &t.table, Key: key(pk),
		UpdateExpression:          aws.String("ADD #c :n"),
		ConditionExpression:       aws.String("attribute_exists(#c) AND #e > :now"),
		ExpressionAttributeNames:  map[string]string{"#c": "count", "#e": "ends_ms"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":n": num(int64(n)), ":now": num(now.UnixMilli())},
		ReturnValues:              types.ReturnValueAllNew,
	}
	if n < 0 { // taking attempts back from no window (or an ended one) is nothing to do
		out, err := t.api.UpdateItem(ctx, live)
		if conditionFailed(err) {
			return 0, 0, nil
		}
		if err != nil {
			return 0, 0, fmt.Errorf("take back %d: %w", -n, err)
		}
		return windowOf(out.Attributes, now)
	}
	ends := now.Add(window)
	start := &dynamodb.UpdateItemInput{
		TableName: &t.table, Key: key(pk),
		UpdateExpression:         aws.String("SET #c = :n, #e = :ends, #x = :exp"),
		ConditionExpression:      aws.String("attribute_not_exists(#c) OR #e <= :now"),
		ExpressionAttributeNames: throttleNames,
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":n": num(int64(n)), ":now": num(now.UnixMilli()), ":ends": num(ends.UnixMilli()),
			// TTL is in seconds; round up so the item outlives its window.
			":exp": num((ends.UnixMilli() + 999) / 1000),
		},
		ReturnValues: types.ReturnValueAllNew,
	}
	// The two conditions exclude each other, so one of them holds unless
	// another instance changed the item between the two calls; then again.
	for range 3 {
		for _, in := range []*dynamodb.UpdateItemInput{live, start} {
			out, err := t.api.UpdateItem(ctx, in)
			if err == nil {
				return windowOf(out.Attributes, now)
			}
			if !conditionFailed(err) {
				return 0, 0, fmt.Errorf("count %d: %w", n, err)
			}
		}
	}
	return 0, 0, errors.New("count: the window kept changing under concurrent updates")
}

// windowOf reads an item's count and what its window has left at now; an
// ended window (whose item TTL has not deleted yet) counts nothing.
func windowOf(item map[string]types.AttributeValue, now time.Time) (int, time.Duration, error) {
	ends, ok := number(item, "ends_ms")
	if !ok || ends <= now.UnixMilli() {
		return 0, 0, nil
	}
	count, _ := number(item, "count")
	return int(count), time.Duration(ends-now.UnixMilli()) * time.Millisecond, nil
}
