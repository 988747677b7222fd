package jobs

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/scalezero/scalezero/app"
	"github.com/scalezero/scalezero/app/cloud"
)

// Location is where a job's objects live: a jobs bucket and its region.
// From phase 8 each region has its own; a job records the one it was
// submitted to.
type Location struct {
	Region, Bucket string
}

// At is the location a job records, or legacy for a job recorded before
// jobs carried theirs.
func At(j app.Job, legacy Location) Location {
	if j.Bucket == "" {
		return legacy
	}
	return Location{Region: j.BucketRegion, Bucket: j.Bucket}
}

// OpenBucket builds a client for a bucket, for the bucket's region: S3
// answers a client of another region with a redirect the SDK does not follow.
type OpenBucket func(ctx context.Context, at Location) (*cloud.Bucket, error)

// Buckets reads job outputs from whichever region's bucket holds them, so a
// user routed to either region downloads what a job made in the other.
// Clients are built once per location and kept.
type Buckets struct {
	legacy  Location
	open    OpenBucket
	timeout time.Duration

	mu      sync.Mutex
	clients map[Location]*cloud.Bucket
}

// OutputTimeout bounds one read of an output: a region that does not
// answer (an outage) costs the request at most this, then a 503.
const OutputTimeout = 10 * time.Second

// NewBuckets starts from this region's bucket and its client; legacy is
// where jobs recorded without a location live (the primary region's
// bucket); open builds the clients for the others.
func NewBuckets(here Location, own *cloud.Bucket, legacy Location, open OpenBucket) *Buckets {
	return &Buckets{legacy: legacy, open: open, timeout: OutputTimeout, clients: map[Location]*cloud.Bucket{here: own}}
}

func (b *Buckets) client(ctx context.Context, at Location) (*cloud.Bucket, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if c, ok := b.clients[at]; ok {
		return c, nil
	}
	c, err := b.open(ctx, at)
	if err != nil {
		return nil, fmt.Errorf("jobs bucket %s in %s: %w", at.Bucket, at.Region, err)
	}
	b.clients[at] = c
	return c, nil
}

// Output reads a job's output from the bucket it records. A bucket that
// cannot be reached (its region down) is app.ErrUnavailable.
func (b *Buckets) Output(ctx context.Context, j app.Job) (body []byte, contentType string, err error) {
	c, err := b.client(ctx, At(j, b.legacy))
	if err != nil {
		return nil, "", err
	}
	ctx, cancel := context.WithTimeout(ctx, b.timeout)
	defer cancel()
	return c.Get(ctx, j.OutputKey)
}
