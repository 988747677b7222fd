package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/scalezero/scalezero/app"
	"github.com/scalezero/scalezero/app/cloud"
	"github.com/scalezero/scalezero/app/internal/loop"
	"github.com/scalezero/scalezero/app/metrics"
)

// Handler runs one kind of job on its input and returns the output.
type Handler func(ctx context.Context, input []byte, contentType string) (output []byte, outputType string, err error)

// Worker takes jobs off the queue and runs them, Concurrency at a time.
type Worker struct {
	Store    app.JobStore
	Bucket   *cloud.Bucket
	Queue    *cloud.Queue
	Handlers map[string]Handler
	Metrics  *metrics.Metrics
	Logger   *slog.Logger

	Concurrency int
	// JobTimeout bounds one attempt; it must stay under the queue's
	// visibility timeout, or a second worker would get the message meanwhile.
	JobTimeout time.Duration
	// Wait is the long-polling wait of one receive (SQS allows up to 20s).
	Wait time.Duration
	// MaxReceives is the queue's maxReceiveCount: the attempt that reaches it
	// is the last before SQS moves the message to the dead-letter queue, so
	// its failure ends the job. 0: no limit known.
	MaxReceives int
	// Backoff says how long a failed attempt waits before the next one.
	Backoff func(attempt int) time.Duration
	// SweepEvery is how often the worker looks for jobs whose last attempt
	// died (a worker killed during it): SQS moves such a message to the
	// dead-letter queue without a word to us, and the job would stay
	// running forever. A job is taken as dead once its last attempt has
	// been silent for JobTimeout plus StuckGrace. Defaults 30s and 10s.
	SweepEvery time.Duration
	StuckGrace time.Duration
	// Retention is how long a job's row is kept: the sweep deletes older
	// ones, as the jobs bucket's lifecycle expires their objects. 0 keeps
	// them.
	Retention time.Duration

	healthy atomic.Bool
}

// DefaultBackoff doubles from 2s up to 5 minutes.
func DefaultBackoff(attempt int) time.Duration {
	d := 2 * time.Second << min(max(attempt-1, 0), 8)
	return min(d, 5*time.Minute)
}

// Healthy reports whether the last receive from the queue succeeded.
func (w *Worker) Healthy() bool { return w.healthy.Load() }

// Run receives and handles messages until ctx ends, then finishes the
// receive under way (at most Wait) and lets the jobs in flight finish (each
// within JobTimeout) before it returns. A queue that cannot be reached is
// retried with a pause; nothing is lost meanwhile, as the messages stay in
// the queue.
func (w *Worker) Run(ctx context.Context) error {
	if w.Concurrency < 1 || w.JobTimeout <= 0 || w.Backoff == nil {
		return fmt.Errorf("jobs worker: Concurrency %d, JobTimeout %s: both must be positive, and Backoff set", w.Concurrency, w.JobTimeout)
	}
	if w.Logger == nil {
		w.Logger = slog.Default()
	}
	slots := make(chan struct{}, w.Concurrency)
	var inflight sync.WaitGroup
	defer inflight.Wait()
	if w.MaxReceives > 0 || w.Retention > 0 {
		inflight.Add(1)
		go func() { defer inflight.Done(); w.sweepLoop(ctx) }()
	}
	pause := time.Second
	for ctx.Err() == nil {
		// Take one free slot before receiving, and as many more as are free:
		// never hold a message no goroutine can start on. Messages that
		// arrive as shutdown begins are still handled.
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return nil
		}
		free := 1 + takeFree(slots, min(w.Concurrency, 10)-1) // SQS hands out at most 10 at once
		// The long poll is not cut short by shutdown: a receive cancelled
		// on our side may already have been answered on the queue's, and
		// its messages would stay hidden for the whole visibility timeout.
		// Shutdown waits for it (at most Wait) and handles what it brought.
		msgs, err := w.Queue.Receive(context.WithoutCancel(ctx), free, w.Wait)
		for range free - len(msgs) {
			<-slots
		}
		if err != nil {
			w.healthy.Store(false)
			w.Logger.Error("receiving from the job queue failed; retrying", "error", err, "pause", pause.String())
			select {
			case <-time.After(pause):
			case <-ctx.Done():
				return nil
			}
			pause = min(2*pause, 30*time.Second)
			continue
		}
		w.healthy.Store(true)
		pause = time.Second
		for _, m := range msgs {
			inflight.Add(1)
			go func() {
				defer func() { <-slots; inflight.Done() }()
				// Shutdown stops receiving, not the jobs already taken.
				jctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.JobTimeout)
				defer cancel()
				w.handle(jctx, m)
			}()
		}
	}
	return nil
}

// handle runs one delivery of a message.
func (w *Worker) handle(ctx context.Context, m cloud.Message) {
	log := w.Logger.With("message_id", m.ID, "attempt", m.ReceiveCount)
	var msg message
	if err := json.Unmarshal([]byte(m.Body), &msg); err != nil || msg.JobID == "" {
		// Not ours to drop: it stays until redrive moves it to the
		// dead-letter queue, where someone can look at it.
		w.Metrics.Job("unknown", "poison")
		log.Error("a message that is not a job; left for the dead-letter queue", "body", truncate(m.Body, 200))
		return
	}
	log = log.With("job_id", msg.JobID)
	j, err := w.Store.JobByID(ctx, msg.JobID)
	switch {
	case errors.Is(err, app.ErrNotFound):
		w.Metrics.Job("unknown", "poison")
		log.Error("a message for a job that does not exist; left for the dead-letter queue")
		return
	case err != nil:
		w.retry(ctx, log, m, msg.JobID, "unknown", fmt.Errorf("reading the job: %w", err))
		return
	case j.State == app.JobDone || j.State == app.JobFailed:
		w.Metrics.Job(j.Kind, "duplicate")
		w.ack(ctx, log, m)
		return
	}
	log = log.With("kind", j.Kind)
	if err := w.Store.StartJob(ctx, j.ID, m.ReceiveCount); errors.Is(err, app.ErrConflict) {
		w.Metrics.Job(j.Kind, "duplicate")
		w.ack(ctx, log, m)
		return
	} else if err != nil {
		w.retry(ctx, log, m, j.ID, j.Kind, fmt.Errorf("starting the job: %w", err))
		return
	}
	start := time.Now()
	outKey, err := w.run(ctx, j)
	w.Metrics.JobAttempt(j.Kind, time.Since(start).Seconds())
	if err == nil {
		err = w.Store.FinishJob(ctx, j.ID, outKey)
	}
	switch {
	case err == nil:
		w.Metrics.Job(j.Kind, "done")
		log.Info("job done", "seconds", time.Since(start).Seconds())
		w.ack(ctx, log, m)
	case errors.Is(err, app.ErrPermanent):
		w.fail(ctx, log, j, err.Error())
		w.ack(ctx, log, m) // no retry can help
	case w.MaxReceives > 0 && m.ReceiveCount >= w.MaxReceives:
		// The message stays: SQS moves it to the dead-letter queue when it
		// next turns visible.
		w.fail(ctx, log, j, fmt.Sprintf("gave up after %d attempts, the message goes to the dead-letter queue: %v", m.ReceiveCount, err))
	default:
		w.retry(ctx, log, m, j.ID, j.Kind, err)
	}
}

// run fetches the input, runs the kind's handler and stores the output.
func (w *Worker) run(ctx context.Context, j app.Job) (string, error) {
	h, ok := w.Handlers[j.Kind]
	if !ok {
		return "", fmt.Errorf("%w: no handler for jobs of kind %q", app.ErrPermanent, j.Kind)
	}
	input, contentType, err := w.Bucket.Get(ctx, j.InputKey)
	if errors.Is(err, app.ErrNotFound) {
		return "", fmt.Errorf("%w: the input is gone: %w", app.ErrPermanent, err)
	}
	if err != nil {
		return "", err
	}
	out, outType, err := h(ctx, input, contentType)
	if err != nil {
		return "", err
	}
	if err := w.Bucket.Put(ctx, OutputKey(j.ID), outType, out); err != nil {
		return "", err
	}
	return OutputKey(j.ID), nil
}

// retry records the error on job jobID and lets the message come back
// after a back-off.
func (w *Worker) retry(ctx context.Context, log *slog.Logger, m cloud.Message, jobID, kind string, cause error) {
	w.Metrics.Job(kind, "retry")
	if err := w.Store.FailJob(ctx, jobID, cause.Error(), false); err != nil && !errors.Is(err, app.ErrConflict) {
		log.Warn("could not record the failed attempt", "error", err)
	}
	wait := w.Backoff(m.ReceiveCount)
	log.Warn("job attempt failed; it will be retried", "error", cause, "retry_in", wait.String())
	if err := w.Queue.RetryAfter(ctx, m, wait); err != nil {
		// The queue's own visibility timeout brings it back instead.
		log.Warn("could not shorten the message's visibility", "error", err)
	}
}

func (w *Worker) fail(ctx context.Context, log *slog.Logger, j app.Job, reason string) {
	w.Metrics.Job(j.Kind, "failed")
	log.Error("job failed", "reason", reason)
	if err := w.Store.FailJob(ctx, j.ID, reason, true); err != nil && !errors.Is(err, app.ErrConflict) {
		log.Warn("could not record the failure", "error", err)
	}
}

// ack deletes a handled message. If that fails it comes back later and is
// seen as a duplicate then.
func (w *Worker) ack(ctx context.Context, log *slog.Logger, m cloud.Message) {
	if err := w.Queue.Delete(ctx, m); err != nil {
		log.Warn("could not delete the handled message; it will be seen again as a duplicate", "error", err)
	}
}

// sweepLoop fails the jobs whose last attempt died, and deletes those older
// than Retention, every SweepEvery until ctx ends. Every worker sweeps;
// both statements are idempotent.
func (w *Worker) sweepLoop(ctx context.Context) {
	every, grace := w.SweepEvery, w.StuckGrace
	if every <= 0 {
		every = 30 * time.Second
	}
	if grace <= 0 {
		grace = 10 * time.Second
	}
	reason := fmt.Sprintf("the last attempt (%d of %d) stopped without a result (its worker died); the message went to the dead-letter queue", w.MaxReceives, w.MaxReceives)
	loop.Every(ctx, every, func() {
		w.expire(ctx)
		if w.MaxReceives <= 0 {
			return
		}
		n, err := w.Store.FailStuckJobs(ctx, w.MaxReceives, w.JobTimeout+grace, reason)
		if err != nil && ctx.Err() == nil {
			w.Logger.Warn("sweeping jobs whose last attempt died", "error", err)
		}
		for range n {
			w.Metrics.Job("unknown", "failed")
		}
		if n > 0 {
			w.Logger.Error("jobs failed: their last attempt died", "jobs", n)
		}
	})
}

// expireBatch bounds one delete, so a sweep after a long pause holds no
// lock for long; the next sweep goes on.
const expireBatch = 1000

// expire deletes the rows of jobs older than Retention.
func (w *Worker) expire(ctx context.Context) {
	if w.Retention <= 0 {
		return
	}
	n, err := w.Store.DeleteJobsBefore(ctx, time.Now().Add(-w.Retention), expireBatch)
	if err != nil && ctx.Err() == nil {
		w.Logger.Warn("deleting expired jobs", "error", err)
	}
	if n > 0 {
		w.Logger.Info("expired jobs deleted", "jobs", n, "retention", w.Retention.String())
	}
}

// takeFree takes up to n slots that are free now, without waiting.
func takeFree(slots chan struct{}, n int) int {
	for got := 0; got < n; got++ {
		select {
		case slots <- struct{}{}:
		default:
			return got
		}
	}
	return n
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
