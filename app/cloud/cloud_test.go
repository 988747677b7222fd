package cloud_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/scalezero/scalezero/app"
	"github.com/scalezero/scalezero/app/cloud"
	"github.com/scalezero/scalezero/app/internal/testenv"
)

func TestBucketRoundTripAndMissingKeys(t *testing.T) {
	tier := testenv.AWS(t, 4, 30)
	b := cloud.NewBucket(tier.Config, tier.Bucket)
	ctx := context.Background()
	if err := b.Put(ctx, "jobs/x/input", "text/plain", []byte("hello")); err != nil {
		t.Fatal(err)
	}
	body, ct, err := b.Get(ctx, "jobs/x/input")
	if err != nil || string(body) != "hello" || ct != "text/plain" {
		t.Fatalf("get: %q %q %v", body, ct, err)
	}
	if _, _, err := b.Get(ctx, "jobs/y/input"); !errors.Is(err, app.ErrNotFound) {
		t.Errorf("missing key: %v, want ErrNotFound", err)
	}
	// The service refusing (a bucket that does not exist) is not "unavailable".
	if err := cloud.NewBucket(tier.Config, tier.Bucket+"-none").Put(ctx, "k", "text/plain", nil); err == nil || errors.Is(err, app.ErrUnavailable) {
		t.Errorf("put into a missing bucket: %v, want an API error that is not ErrUnavailable", err)
	}
	down := cloud.NewBucket(testenv.AWSConfig(t, "http://127.0.0.1:1"), tier.Bucket)
	if err := down.Put(ctx, "k", "text/plain", nil); !errors.Is(err, app.ErrUnavailable) {
		t.Errorf("put with S3 unreachable: %v, want ErrUnavailable", err)
	}
}

// A region in an outage answers with S3's own 503 (SlowDown,
// ServiceUnavailable) as often as not at all: that is "unavailable" too, so
// the caller answers 503 and not 500. The emulator cannot be made to say
// it; a listener that answers as S3 does then stands in.
func TestBucketInAnOutageIsUnavailable(t *testing.T) {
	outage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, `<Error><Code>ServiceUnavailable</Code><Message>Service is unable to handle request.</Message></Error>`)
	}))
	defer outage.Close()
	b := cloud.NewBucket(testenv.AWSConfig(t, outage.URL), "jobs")
	if _, _, err := b.Get(context.Background(), "jobs/x/output"); !errors.Is(err, app.ErrUnavailable) {
		t.Errorf("get while S3 answers 503: %v, want ErrUnavailable", err)
	}
}

func TestQueueReadsItsRedrivePolicyAndCountsDeliveries(t *testing.T) {
	tier := testenv.AWS(t, 4, 1)
	q := cloud.NewQueue(tier.Config, tier.QueueURL)
	ctx := context.Background()
	if n, err := q.MaxReceives(ctx); err != nil || n != 4 {
		t.Fatalf("max receives: %d %v, want 4", n, err)
	}
	if n, err := cloud.NewQueue(tier.Config, tier.DLQURL).MaxReceives(ctx); err != nil || n != 0 {
		t.Fatalf("a queue without redrive: %d %v, want 0", n, err)
	}
	if err := q.Send(ctx, "one"); err != nil {
		t.Fatal(err)
	}
	for want := 1; want <= 2; want++ {
		msgs, err := q.Receive(ctx, 10, 0)
		for len(msgs) == 0 && err == nil {
			msgs, err = q.Receive(ctx, 10, time.Second)
		}
		if err != nil || len(msgs) != 1 || msgs[0].Body != "one" || msgs[0].ReceiveCount != want {
			t.Fatalf("delivery %d: %+v %v", want, msgs, err)
		}
		if err := q.RetryAfter(ctx, msgs[0], 0); err != nil { // visible again at once
			t.Fatal(err)
		}
	}
}
