package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/scalezero/scalezero/app"
)

// Jobs keep their state on the primary only: a worker and the job's owner
// must both see the latest state, which a lagging replica may not have yet.

const jobColumns = `id, user_id, kind, state, attempts, input_key, output_key, error, created_at, updated_at, bucket, bucket_region`

func scanJob(row pgx.Row) (app.Job, error) {
	var j app.Job
	err := row.Scan(&j.ID, &j.UserID, &j.Kind, &j.State, &j.Attempts, &j.InputKey, &j.OutputKey, &j.Error, &j.CreatedAt, &j.UpdatedAt, &j.Bucket, &j.BucketRegion)
	if errors.Is(err, pgx.ErrNoRows) {
		return j, app.ErrNotFound
	}
	return j, err
}

// CreateJob inserts a queued job.
func (db *DB) CreateJob(ctx context.Context, j app.Job) (app.Job, error) {
	var out app.Job
	err := db.write(func(q querier) (err error) {
		out, err = scanJob(q.QueryRow(ctx, `
			INSERT INTO jobs (id, user_id, kind, state, input_key, bucket, bucket_region) VALUES ($1, $2, $3, 'queued', $4, $5, $6)
			RETURNING `+jobColumns, j.ID, j.UserID, j.Kind, j.InputKey, j.Bucket, j.BucketRegion))
		return err
	})
	return out, err
}

// jobByID compares the column itself, so the primary key's index serves it
// (a cast such as id::text = $1 reads the whole table).
const jobByID = `SELECT ` + jobColumns + ` FROM jobs WHERE id = $1`

// JobByID reads a job; an id that is not a UUID is simply not found, and
// never reaches the database.
func (db *DB) JobByID(ctx context.Context, id string) (app.Job, error) {
	u, err := uuid.Parse(id)
	if err != nil {
		return app.Job{}, app.ErrNotFound
	}
	var out app.Job
	err = db.write(func(q querier) (err error) {
		out, err = scanJob(q.QueryRow(ctx, jobByID, u.String()))
		return err
	})
	return out, err
}

// StartJob marks the job running. A job already done or failed for good
// stays as it is (a duplicate delivery): ErrConflict tells the worker so.
func (db *DB) StartJob(ctx context.Context, id string, attempt int) error {
	return db.updateJob(ctx, `
		UPDATE jobs SET state = 'running', attempts = $2, updated_at = now()
		WHERE id = $1 AND state IN ('queued', 'running')`, id, attempt)
}

// FinishJob records the output and ends the job.
func (db *DB) FinishJob(ctx context.Context, id, outputKey string) error {
	return db.updateJob(ctx, `
		UPDATE jobs SET state = 'done', output_key = $2, error = '', updated_at = now()
		WHERE id = $1`, id, outputKey)
}

// FailJob records an attempt's error: the job is queued again for a retry,
// or failed for good when final.
func (db *DB) FailJob(ctx context.Context, id, reason string, final bool) error {
	state := app.JobQueued
	if final {
		state = app.JobFailed
	}
	return db.updateJob(ctx, `
		UPDATE jobs SET state = $2, error = $3, updated_at = now()
		WHERE id = $1 AND state <> 'done'`, id, string(state), reason)
}

// FailStuckJobs fails the running jobs whose last attempt (attempts or
// more) has not been heard of for idle.
func (db *DB) FailStuckJobs(ctx context.Context, attempts int, idle time.Duration, reason string) (int, error) {
	tag, err := db.execTag(ctx, `
		UPDATE jobs SET state = 'failed', error = $3, updated_at = now()
		WHERE state = 'running' AND attempts >= $1 AND updated_at < now() - make_interval(secs => $2)`,
		attempts, idle.Seconds(), reason)
	return int(tag.RowsAffected()), err
}

// PendingJobs counts the user's queued and running jobs (jobs_user_id
// serves it).
func (db *DB) PendingJobs(ctx context.Context, userID int64) (int, error) {
	var n int
	err := db.write(func(q querier) error {
		return q.QueryRow(ctx, `SELECT count(*) FROM jobs WHERE user_id = $1 AND state IN ('queued', 'running')`, userID).Scan(&n)
	})
	return n, err
}

// DeleteJobsBefore deletes up to limit jobs created before cutoff, oldest
// first (jobs_created_at serves it), in one short statement.
func (db *DB) DeleteJobsBefore(ctx context.Context, cutoff time.Time, limit int) (int, error) {
	tag, err := db.execTag(ctx, `
		DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE created_at < $1 ORDER BY created_at LIMIT $2)`, cutoff, limit)
	return int(tag.RowsAffected()), err
}

func (db *DB) updateJob(ctx context.Context, sql string, args ...any) error {
	tag, err := db.execTag(ctx, sql, args...)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return app.ErrConflict
	}
	return nil
}
