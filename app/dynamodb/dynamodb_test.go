package dynamodb_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/scalezero/scalezero/app"
	appdynamo "github.com/scalezero/scalezero/app/dynamodb"
	"github.com/scalezero/scalezero/app/internal/testenv"
	"github.com/scalezero/scalezero/app/memory"
)

func TestSessionsAreSharedAndEnd(t *testing.T) {
	cfg, table := testenv.SessionTable(t)
	ctx := context.Background()
	one := appdynamo.NewSessions(appdynamo.NewClient(cfg), table, time.Hour)
	two := appdynamo.NewSessions(appdynamo.NewClient(cfg), table, time.Hour)
	token, err := one.Create(ctx, 42)
	if err != nil {
		t.Fatal(err)
	}
	if id, err := two.Lookup(ctx, token); err != nil || id != 42 {
		t.Fatalf("another instance's lookup: %d %v", id, err)
	}
	if err := two.Delete(ctx, token); err != nil {
		t.Fatal(err)
	}
	if _, err := one.Lookup(ctx, token); !errors.Is(err, app.ErrUnauthorized) {
		t.Fatalf("deleted session: %v", err)
	}
	if _, err := one.Lookup(ctx, "forged"); !errors.Is(err, app.ErrUnauthorized) {
		t.Fatalf("unknown token: %v", err)
	}
}

// TTL deletes an expired item lazily (within days), so the store must treat
// an item past its expiry as absent while it is still there. The emulator
// deletes nothing, which is the worst case.
func TestAnExpiredSessionStillInTheTableIsRefused(t *testing.T) {
	cfg, table := testenv.SessionTable(t)
	ctx := context.Background()
	expired := appdynamo.NewSessions(appdynamo.NewClient(cfg), table, -time.Minute)
	token, err := expired.Create(ctx, 42)
	if err != nil {
		t.Fatal(err)
	}
	out, err := dynamodb.NewFromConfig(cfg).GetItem(ctx, &dynamodb.GetItemInput{TableName: &table, Key: map[string]types.AttributeValue{
		appdynamo.KeyAttribute: &types.AttributeValueMemberS{Value: "session#" + app.SessionKey(token)},
	}})
	if err != nil || out.Item == nil {
		t.Fatalf("the expired item is not in the table, so the test proves nothing: %v", err)
	}
	if _, err := expired.Lookup(ctx, token); !errors.Is(err, app.ErrUnauthorized) {
		t.Fatalf("an expired session was accepted: %v", err)
	}
	live := appdynamo.NewSessions(appdynamo.NewClient(cfg), table, time.Hour)
	if _, err := live.Lookup(ctx, token); !errors.Is(err, app.ErrUnauthorized) {
		t.Fatalf("an expired session was accepted by another instance: %v", err)
	}
}

// With the table unreachable every call fails as app.ErrUnavailable (the
// edge's 503), and the throttle counts on the instance instead.
func TestStoreDownIsUnavailableAndTheThrottleFallsBack(t *testing.T) {
	cfg := testenv.AWSConfig(t, fmt.Sprintf("http://127.0.0.1:%d", testenv.FreePort(t)))
	ctx := context.Background()
	s := appdynamo.NewSessions(appdynamo.NewClient(cfg), "sessions", time.Hour)
	if _, err := s.Create(ctx, 1); !errors.Is(err, app.ErrUnavailable) {
		t.Fatalf("create with the store down: %v", err)
	}
	if _, err := s.Lookup(ctx, "token"); !errors.Is(err, app.ErrUnavailable) {
		t.Fatalf("lookup with the store down: %v", err)
	}
	if err := s.Delete(ctx, "token"); !errors.Is(err, app.ErrUnavailable) {
		t.Fatalf("delete with the store down: %v", err)
	}
	th := appdynamo.NewThrottle(appdynamo.NewClient(cfg), "sessions", memory.NewThrottle(), nil)
	for want := 1; want <= 3; want++ {
		if n, _, err := th.Add(ctx, "k", 1, time.Minute); err != nil || n != want {
			t.Fatalf("fallback count: %d %v, want %d", n, err, want)
		}
	}
}

func TestThrottleSharesCountsAndStartsNewWindows(t *testing.T) {
	cfg, table := testenv.SessionTable(t)
	ctx := context.Background()
	fail := appdynamo.NewThrottle(appdynamo.NewClient(cfg), table, failing{t}, nil)
	other := appdynamo.NewThrottle(appdynamo.NewClient(cfg), table, failing{t}, nil)

	if n, left, err := fail.Add(ctx, "k", 0, time.Minute); err != nil || n != 0 || left != 0 {
		t.Fatalf("read of no window: %d %v %v", n, left, err)
	}
	if n, _, err := fail.Add(ctx, "k", -1, time.Minute); err != nil || n != 0 {
		t.Fatalf("take back from no window: %d %v", n, err)
	}
	if n, left, err := fail.Add(ctx, "k", 2, time.Minute); err != nil || n != 2 || left <= 59*time.Second || left > time.Minute {
		t.Fatalf("first attempts: %d %v %v", n, left, err)
	}
	if n, _, err := other.Add(ctx, "k", 1, time.Minute); err != nil || n != 3 {
		t.Fatalf("another instance's count: %d %v", n, err)
	}
	if n, _, err := other.Add(ctx, "k", -1, time.Minute); err != nil || n != 2 {
		t.Fatalf("take one back: %d %v", n, err)
	}
	if n, _, err := fail.Add(ctx, "k", 0, time.Minute); err != nil || n != 2 {
		t.Fatalf("read: %d %v", n, err)
	}

	// A window that has ended counts nothing and the next attempt starts a
	// new one, though TTL has not deleted the item.
	if n, _, err := fail.Add(ctx, "short", 5, 200*time.Millisecond); err != nil || n != 5 {
		t.Fatalf("short window: %d %v", n, err)
	}
	time.Sleep(300 * time.Millisecond)
	if n, _, err := other.Add(ctx, "short", 0, time.Minute); err != nil || n != 0 {
		t.Fatalf("an ended window still counts: %d %v", n, err)
	}
	if n, left, err := other.Add(ctx, "short", 1, time.Minute); err != nil || n != 1 || left <= 59*time.Second {
		t.Fatalf("the next window: %d %v %v", n, left, err)
	}
}

// Concurrent attempts from several instances all count, into one window,
// however they interleave with its start.
func TestConcurrentAttemptsAllCount(t *testing.T) {
	cfg, table := testenv.SessionTable(t)
	ctx := context.Background()
	const instances, each = 4, 10
	var wg sync.WaitGroup
	for i := 0; i < instances; i++ {
		th := appdynamo.NewThrottle(appdynamo.NewClient(cfg), table, failing{t}, nil)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < each; j++ {
				if _, _, err := th.Add(ctx, "burst", 1, time.Minute); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	out, err := dynamodb.NewFromConfig(cfg).GetItem(ctx, &dynamodb.GetItemInput{TableName: &table, ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{appdynamo.KeyAttribute: &types.AttributeValueMemberS{Value: "throttle#burst"}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := out.Item["count"].(*types.AttributeValueMemberN).Value; got != fmt.Sprint(instances*each) {
		t.Fatalf("count %s, want %d", got, instances*each)
	}
}

// failing is a fallback that must not be used: the table answers.
type failing struct{ t *testing.T }

func (f failing) Add(context.Context, string, int, time.Duration) (int, time.Duration, error) {
	f.t.Error("the throttle fell back to counting on the instance while the table answers")
	return 0, 0, errors.New("fallback")
}
