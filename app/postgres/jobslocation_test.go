package postgres_test

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/scalezero/scalezero/app"
	"github.com/scalezero/scalezero/app/internal/testenv"
)

// A job keeps the bucket and region it was submitted to; a row written
// without them (by an app from before migration 0005, or there before it)
// reads as "", which the app takes as the primary region's bucket.
func TestJobsRecordTheirBucket(t *testing.T) {
	writer, _ := testenv.Database(t)
	db, _ := open(t, writer)
	ctx := context.Background()
	j, err := db.CreateJob(ctx, app.Job{ID: uuid.NewString(), UserID: 1, Kind: "avatar", InputKey: "jobs/x/input", Bucket: "jobs-eu", BucketRegion: "eu-west-1"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := db.JobByID(ctx, j.ID)
	if err != nil || got.Bucket != "jobs-eu" || got.BucketRegion != "eu-west-1" {
		t.Fatalf("job read back with bucket %q in %q, %v; want jobs-eu in eu-west-1", got.Bucket, got.BucketRegion, err)
	}
	old := uuid.NewString()
	if _, err := testenv.Conn(t, writer).Exec(ctx, `INSERT INTO jobs (id, user_id, kind, state, input_key) VALUES ($1, 1, 'avatar', 'queued', 'jobs/y/input')`, old); err != nil {
		t.Fatal(err)
	}
	if got, err := db.JobByID(ctx, old); err != nil || got.Bucket != "" || got.BucketRegion != "" {
		t.Fatalf("an earlier job reads with bucket %q in %q, %v; want both empty", got.Bucket, got.BucketRegion, err)
	}
}
