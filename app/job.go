package app

import (
	"context"
	"errors"
	"time"
)

// JobState is where a job is in its life.
type JobState string

// A job is queued until a worker takes it, running while one works on it, and
// ends done or failed. A failed attempt that will be retried goes back to
// queued with its error kept.
const (
	JobQueued  JobState = "queued"
	JobRunning JobState = "running"
	JobDone    JobState = "done"
	JobFailed  JobState = "failed"
)

// Job is work the web tier hands to the worker fleet (phase 8): its input and
// output live in the jobs bucket, the queue message carries only its id.
type Job struct {
	ID        string    `json:"id"`
	UserID    int64     `json:"user_id"`
	Kind      string    `json:"kind"`
	State     JobState  `json:"state"`
	Attempts  int       `json:"attempts"`
	InputKey  string    `json:"-"`
	OutputKey string    `json:"-"`
	Error     string    `json:"error,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`

	// Bucket and BucketRegion are where InputKey and OutputKey live: the
	// jobs bucket of the region the job was submitted to ("" for jobs
	// recorded before each region had its own: the primary's).
	Bucket       string `json:"-"`
	BucketRegion string `json:"-"`
}

// JobStore keeps the jobs' state; every call goes to the primary.
type JobStore interface {
	CreateJob(ctx context.Context, j Job) (Job, error)
	JobByID(ctx context.Context, id string) (Job, error)
	// StartJob records that attempt number attempt has begun.
	StartJob(ctx context.Context, id string, attempt int) error
	FinishJob(ctx context.Context, id, outputKey string) error
	// FailJob records an attempt's error; final ends the job as failed,
	// otherwise it is queued again for a retry.
	FailJob(ctx context.Context, id, reason string, final bool) error
	// FailStuckJobs ends as failed, with reason, the jobs still running
	// whose attempt number is at least attempts and that have not changed
	// for idle: their last attempt died and no delivery is left.
	FailStuckJobs(ctx context.Context, attempts int, idle time.Duration, reason string) (int, error)
	// PendingJobs counts the user's jobs that are queued or running.
	PendingJobs(ctx context.Context, userID int64) (int, error)
	// DeleteJobsBefore deletes up to limit jobs created before cutoff,
	// whatever their state, and returns how many it deleted: old jobs'
	// objects are expired by the bucket's lifecycle, their rows by this.
	DeleteJobsBefore(ctx context.Context, cutoff time.Time, limit int) (int, error)
}

// ErrPermanent marks a job error that no retry can fix (an input that is not
// an image, say): the job fails at once instead of waiting for redrive.
var ErrPermanent = errors.New("permanent job error")

// ErrUnavailable marks a dependency that is down (the database, the session
// store, the queue, the bucket): the request can be repeated later.
var ErrUnavailable = errors.New("unavailable")
