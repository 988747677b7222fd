package appconfig

import (
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/graph/record"
)

// digest runs the component with these values and returns its digest.
func digest(t *testing.T, values map[string]string) string {
	t.Helper()
	var mu sync.Mutex
	var got string
	_, err := record.KnownErr(func(ctx *pulumi.Context) error {
		in := map[string]pulumi.StringInput{}
		for k, v := range values {
			in[k] = pulumi.String(v)
		}
		c, err := New(ctx, "app-config", &Args{Path: "/scalezero/dev/", Values: in,
			Secrets: map[string]pulumi.StringInput{"SCALEZERO_CACHE_PASSWORD": pulumi.String("s3cret")}})
		if err != nil {
			return err
		}
		c.Digest.ApplyT(func(d string) string {
			mu.Lock()
			defer mu.Unlock()
			got = d
			return d
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if got == "" {
		t.Fatal("no digest")
	}
	return got
}

// A changed value changes the digest (so the fleets that carry it roll); the
// same values give the same digest (so nothing rolls for nothing).
func TestDigestFollowsEveryValue(t *testing.T) {
	base := map[string]string{"SCALEZERO_SESSIONS_SHARED": "false", "SCALEZERO_REGION": "us-east-1"}
	d := digest(t, base)
	if again := digest(t, base); again != d {
		t.Fatalf("the same values give %s and %s", d, again)
	}
	changed := map[string]string{"SCALEZERO_SESSIONS_SHARED": "true", "SCALEZERO_REGION": "us-east-1"}
	if digest(t, changed) == d {
		t.Fatal("a changed value leaves the digest as it was: running hosts would keep the old setting")
	}
	added := map[string]string{"SCALEZERO_SESSIONS_SHARED": "false", "SCALEZERO_REGION": "us-east-1", "SCALEZERO_QUEUE_URL": "q"}
	if digest(t, added) == d {
		t.Fatal("a new setting leaves the digest as it was")
	}
}
