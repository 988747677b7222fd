// Package jobs is the job tier of phase 8: the web tier submits work (the
// input goes to the jobs bucket, a row to the main database, the job's id to
// the queue) and the worker fleet takes it off the queue, runs it and records
// the outcome. Delivery is at least once, so handling a job twice is
// harmless: a job that is already finished is acknowledged and skipped.
package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/scalezero/scalezero/app"
	"github.com/scalezero/scalezero/app/cloud"
	"github.com/scalezero/scalezero/app/metrics"
)

// message is a queue message's body: only the id; the row has the rest.
type message struct {
	JobID string `json:"job_id"`
}

// InputKey and OutputKey name a job's objects; the hosts' IAM roles may
// touch only jobs/* in the bucket.
func InputKey(id string) string  { return "jobs/" + id + "/input" }
func OutputKey(id string) string { return "jobs/" + id + "/output" }

// Submitter hands jobs to the worker fleet.
type Submitter struct {
	Store   app.JobStore
	Bucket  *cloud.Bucket
	Queue   *cloud.Queue
	Metrics *metrics.Metrics
	// Here is Bucket's location, recorded with every job submitted, and
	// Outputs reads any job's output from the location it records; nil,
	// outputs are read from Bucket.
	Here    Location
	Outputs *Buckets
}

// Output reads a job's output from the bucket it was submitted to.
func (s *Submitter) Output(ctx context.Context, j app.Job) ([]byte, string, error) {
	if s.Outputs == nil {
		return s.Bucket.Get(ctx, j.OutputKey)
	}
	return s.Outputs.Output(ctx, j)
}

// Submit stores the input, records the job and queues it. When the queue
// does not take it, the job is recorded as failed with the reason (nothing
// is left half-done and silent); the error wraps app.ErrUnavailable when the
// queue or the bucket could not be reached.
func (s *Submitter) Submit(ctx context.Context, userID int64, kind, contentType string, input []byte) (app.Job, error) {
	id := uuid.NewString()
	if err := s.Bucket.Put(ctx, InputKey(id), contentType, input); err != nil {
		s.Metrics.Job(kind, "not_queued")
		return app.Job{}, err
	}
	j, err := s.Store.CreateJob(ctx, app.Job{ID: id, UserID: userID, Kind: kind, InputKey: InputKey(id), Bucket: s.Here.Bucket, BucketRegion: s.Here.Region})
	if err != nil {
		s.Metrics.Job(kind, "not_queued")
		return app.Job{}, err
	}
	body, _ := json.Marshal(message{JobID: id})
	if err := s.Queue.Send(ctx, string(body)); err != nil {
		s.Metrics.Job(kind, "not_queued")
		reason := "not queued: the job queue did not take it; submit again"
		if ferr := s.Store.FailJob(context.WithoutCancel(ctx), id, reason, true); ferr != nil {
			err = errors.Join(err, fmt.Errorf("recording the job as failed: %w", ferr))
		}
		return app.Job{}, err
	}
	s.Metrics.Job(kind, "queued")
	return j, nil
}
