package jobs_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/scalezero/scalezero/app"
	"github.com/scalezero/scalezero/app/cloud"
	"github.com/scalezero/scalezero/app/internal/testenv"
	"github.com/scalezero/scalezero/app/jobs"
	"github.com/scalezero/scalezero/app/metrics"
	"github.com/scalezero/scalezero/app/postgres"
)

// tier is one test's job tier: a fresh database, queue, dead-letter queue and
// bucket, on the real PostgreSQL and the SQS/S3 emulator.
type tier struct {
	testenv.JobTier
	writer  string
	db      *postgres.DB
	bucket  *cloud.Bucket
	queue   *cloud.Queue
	metrics *metrics.Metrics
}

func newTier(t testing.TB, maxReceives, visibility int) *tier {
	t.Helper()
	writer, _ := testenv.Database(t)
	m := metrics.New()
	db, err := postgres.Open(context.Background(), postgres.Options{WriterURL: writer, MaxConns: 4, HealthInterval: time.Second, Metrics: m})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	if err := db.Migrate(); err != nil {
		t.Fatal(err)
	}
	jt := testenv.AWS(t, maxReceives, visibility)
	return &tier{JobTier: jt, writer: writer, db: db, metrics: m,
		bucket: cloud.NewBucket(jt.Config, jt.Bucket), queue: cloud.NewQueue(jt.Config, jt.QueueURL)}
}

func (tr *tier) submitter() *jobs.Submitter {
	return &jobs.Submitter{Store: tr.db, Bucket: tr.bucket, Queue: tr.queue, Metrics: tr.metrics}
}

func (tr *tier) worker(t testing.TB, handlers map[string]jobs.Handler) *jobs.Worker {
	maxReceives, err := tr.queue.MaxReceives(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return &jobs.Worker{
		Store: tr.db, Bucket: tr.bucket, Queue: tr.queue, Handlers: handlers, Metrics: tr.metrics,
		Logger:      slog.New(slog.NewTextHandler(io.Discard, nil)),
		Concurrency: 2, JobTimeout: 10 * time.Second, Wait: time.Second, MaxReceives: maxReceives,
		Backoff: func(int) time.Duration { return 0 },
	}
}

// start runs the worker until the test ends; the returned function stops it
// and waits for Run to return.
func start(t testing.TB, w *jobs.Worker) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	stop = func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("worker: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("the worker did not stop")
		}
		done <- nil
	}
	t.Cleanup(func() {
		if ctx.Err() == nil {
			stop()
		}
	})
	return stop
}

// waitState polls the job until it is in state.
func (tr *tier) waitState(t *testing.T, id string, state app.JobState) app.Job {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		j, err := tr.db.JobByID(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if j.State == state {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s is %s (attempts %d, error %q), want %s", id, j.State, j.Attempts, j.Error, state)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (tr *tier) waitDepth(t *testing.T, url string, want int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		got := testenv.QueueDepth(t, tr.Config, url)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("queue %s holds %d messages, want %d", url, got, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func picture(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		for y := range h {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 200, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestAvatarJobRunsOnTheWorkerAndStoresItsOutput(t *testing.T) {
	tr := newTier(t, 3, 30)
	j, err := tr.submitter().Submit(context.Background(), 7, jobs.AvatarKind, "image/png", picture(t, 300, 200))
	if err != nil {
		t.Fatal(err)
	}
	if j.State != app.JobQueued || j.UserID != 7 {
		t.Fatalf("submitted job %+v, want queued for user 7", j)
	}
	start(t, tr.worker(t, map[string]jobs.Handler{jobs.AvatarKind: jobs.Avatar}))
	done := tr.waitState(t, j.ID, app.JobDone)
	if done.Attempts != 1 || done.OutputKey != jobs.OutputKey(j.ID) {
		t.Errorf("done job %+v: want 1 attempt and output %s", done, jobs.OutputKey(j.ID))
	}
	out, typ, err := tr.bucket.Get(context.Background(), done.OutputKey)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(out))
	if err != nil || typ != "image/png" {
		t.Fatalf("output (%s) is not a PNG: %v", typ, err)
	}
	if b := img.Bounds(); b.Dx() != jobs.AvatarSize || b.Dy() != jobs.AvatarSize {
		t.Errorf("avatar is %v, want %dx%d", b, jobs.AvatarSize, jobs.AvatarSize)
	}
	tr.waitDepth(t, tr.QueueURL, 0)
	if n := testutil.ToFloat64(tr.metrics.Jobs.WithLabelValues(jobs.AvatarKind, "done")); n != 1 {
		t.Errorf("jobs done counted %v, want 1", n)
	}
}

func TestAnInputThatIsNotAPictureFailsAtOnceWithoutRetries(t *testing.T) {
	tr := newTier(t, 3, 30)
	j, err := tr.submitter().Submit(context.Background(), 7, jobs.AvatarKind, "image/png", []byte("not a picture at all"))
	if err != nil {
		t.Fatal(err)
	}
	start(t, tr.worker(t, map[string]jobs.Handler{jobs.AvatarKind: jobs.Avatar}))
	failed := tr.waitState(t, j.ID, app.JobFailed)
	if failed.Attempts != 1 || !strings.Contains(failed.Error, "not a PNG, JPEG or GIF") {
		t.Errorf("failed job %+v: want 1 attempt and the reason", failed)
	}
	tr.waitDepth(t, tr.QueueURL, 0)
	if n := testenv.QueueDepth(t, tr.Config, tr.DLQURL); n != 0 {
		t.Errorf("dead-letter queue holds %d, want 0: a permanent error is not retried", n)
	}
}

func TestAFlakyJobIsRetriedUntilItSucceeds(t *testing.T) {
	tr := newTier(t, 5, 30)
	var calls atomic.Int32
	flaky := func(ctx context.Context, in []byte, _ string) ([]byte, string, error) {
		if calls.Add(1) < 3 {
			return nil, "", errors.New("a dependency hiccup")
		}
		return in, "text/plain", nil
	}
	j, err := tr.submitter().Submit(context.Background(), 1, "flaky", "text/plain", []byte("payload"))
	if err != nil {
		t.Fatal(err)
	}
	start(t, tr.worker(t, map[string]jobs.Handler{"flaky": flaky}))
	done := tr.waitState(t, j.ID, app.JobDone)
	if done.Attempts != 3 || calls.Load() != 3 || done.Error != "" {
		t.Errorf("job %+v after %d calls: want done on attempt 3 with the error cleared", done, calls.Load())
	}
	if n := testutil.ToFloat64(tr.metrics.Jobs.WithLabelValues("flaky", "retry")); n != 2 {
		t.Errorf("retries counted %v, want 2", n)
	}
}

func TestAJobThatKeepsFailingEndsFailedAndItsMessageInTheDeadLetterQueue(t *testing.T) {
	tr := newTier(t, 3, 1)
	var calls atomic.Int32
	broken := func(context.Context, []byte, string) ([]byte, string, error) {
		calls.Add(1)
		return nil, "", errors.New("downstream is down")
	}
	j, err := tr.submitter().Submit(context.Background(), 1, "broken", "text/plain", []byte("payload"))
	if err != nil {
		t.Fatal(err)
	}
	start(t, tr.worker(t, map[string]jobs.Handler{"broken": broken}))
	failed := tr.waitState(t, j.ID, app.JobFailed)
	if failed.Attempts != 3 || !strings.Contains(failed.Error, "gave up after 3 attempts") || !strings.Contains(failed.Error, "downstream is down") {
		t.Errorf("failed job %+v: want 3 attempts and both reasons", failed)
	}
	tr.waitDepth(t, tr.DLQURL, 1)
	tr.waitDepth(t, tr.QueueURL, 0)
	if calls.Load() != 3 {
		t.Errorf("handler called %d times, want 3", calls.Load())
	}
}

func TestAMessageThatIsNoJobIsLeftForTheDeadLetterQueue(t *testing.T) {
	tr := newTier(t, 2, 1)
	if err := tr.queue.Send(context.Background(), "{not json"); err != nil {
		t.Fatal(err)
	}
	if err := tr.queue.Send(context.Background(), `{"job_id":"00000000-0000-0000-0000-000000000000"}`); err != nil {
		t.Fatal(err)
	}
	start(t, tr.worker(t, nil))
	tr.waitDepth(t, tr.DLQURL, 2)
	if n := testutil.ToFloat64(tr.metrics.Jobs.WithLabelValues("unknown", "poison")); n < 4 {
		t.Errorf("poison deliveries counted %v, want at least 4 (2 messages x 2 receives)", n)
	}
}

func TestADuplicateDeliveryOfAFinishedJobIsAcknowledgedAndSkipped(t *testing.T) {
	tr := newTier(t, 3, 30)
	var calls atomic.Int32
	echo := func(_ context.Context, in []byte, _ string) ([]byte, string, error) {
		calls.Add(1)
		return in, "text/plain", nil
	}
	j, err := tr.submitter().Submit(context.Background(), 1, "echo", "text/plain", []byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	start(t, tr.worker(t, map[string]jobs.Handler{"echo": echo}))
	tr.waitState(t, j.ID, app.JobDone)
	// SQS delivers at least once: the same job id again.
	if err := tr.queue.Send(context.Background(), `{"job_id":"`+j.ID+`"}`); err != nil {
		t.Fatal(err)
	}
	tr.waitDepth(t, tr.QueueURL, 0)
	if calls.Load() != 1 {
		t.Errorf("handler ran %d times, want 1", calls.Load())
	}
	if n := testutil.ToFloat64(tr.metrics.Jobs.WithLabelValues("echo", "duplicate")); n != 1 {
		t.Errorf("duplicates counted %v, want 1", n)
	}
}

func TestShutdownLetsTheJobInFlightFinish(t *testing.T) {
	tr := newTier(t, 3, 30)
	started, release := make(chan struct{}), make(chan struct{})
	slow := func(_ context.Context, in []byte, _ string) ([]byte, string, error) {
		close(started)
		<-release
		return in, "text/plain", nil
	}
	j, err := tr.submitter().Submit(context.Background(), 1, "slow", "text/plain", []byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	stop := start(t, tr.worker(t, map[string]jobs.Handler{"slow": slow}))
	<-started
	stopped := make(chan struct{})
	go func() { stop(); close(stopped) }()
	select {
	case <-stopped:
		t.Fatal("the worker returned while a job was still running")
	case <-time.After(300 * time.Millisecond):
	}
	close(release)
	<-stopped
	if got := tr.waitState(t, j.ID, app.JobDone); got.OutputKey == "" {
		t.Errorf("job %+v has no output", got)
	}
	tr.waitDepth(t, tr.QueueURL, 0)
}

func TestWithTheQueueDownASubmissionFailsClearlyAndIsRecorded(t *testing.T) {
	tr := newTier(t, 3, 30)
	down := testenv.AWSConfig(t, "http://127.0.0.1:1") // nothing listens there
	s := tr.submitter()
	s.Queue = cloud.NewQueue(down, tr.QueueURL)
	_, err := s.Submit(context.Background(), 1, jobs.AvatarKind, "image/png", picture(t, 10, 10))
	if !errors.Is(err, app.ErrUnavailable) {
		t.Fatalf("submit with the queue down: %v, want ErrUnavailable", err)
	}
	var n int
	var state, reason string
	c := testenv.Conn(t, tr.writer)
	if err := c.QueryRow(context.Background(), `SELECT count(*), min(state), min(error) FROM jobs`).Scan(&n, &state, &reason); err != nil {
		t.Fatal(err)
	}
	if n != 1 || state != string(app.JobFailed) || !strings.Contains(reason, "not queued") {
		t.Errorf("jobs table: %d rows, state %q, error %q; want the one job failed as not queued", n, state, reason)
	}

	w := tr.worker(t, nil)
	w.Queue = s.Queue
	stop := start(t, w)
	time.Sleep(300 * time.Millisecond)
	if w.Healthy() {
		t.Error("worker reports healthy with its queue unreachable")
	}
	stop() // and it still stops promptly
}

// With the database unreachable, a worker cannot read the job: the message
// goes back to the queue (nothing is lost), and a worker that can reach the
// database runs it later.
func TestWithTheDatabaseDownAJobWaitsInTheQueue(t *testing.T) {
	tr := newTier(t, 10, 30)
	j, err := tr.submitter().Submit(context.Background(), 1, "echo", "text/plain", []byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	echo := map[string]jobs.Handler{"echo": func(_ context.Context, in []byte, _ string) ([]byte, string, error) { return in, "text/plain", nil }}
	down, err := postgres.Open(context.Background(), postgres.Options{
		WriterURL: fmt.Sprintf("postgres://postgres@127.0.0.1:%d/x?sslmode=disable&connect_timeout=1", testenv.FreePort(t)), MaxConns: 2, HealthInterval: time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(down.Close)
	broken := tr.worker(t, echo)
	broken.Store = down
	// Paced retries: a refused connection fails at once, and unpaced
	// deliveries would use up the redrive's receives in a moment.
	broken.Backoff = func(int) time.Duration { return time.Second }
	stop := start(t, broken)
	// The message is received, fails, and comes back: two receives at least.
	deadline := time.Now().Add(20 * time.Second)
	for testutil.ToFloat64(tr.metrics.Jobs.WithLabelValues("unknown", "retry")) < 2 {
		if time.Now().After(deadline) {
			t.Fatal("the worker never retried")
		}
		time.Sleep(50 * time.Millisecond)
	}
	stop()
	if n := testenv.QueueDepth(t, tr.Config, tr.DLQURL); n != 0 {
		t.Fatalf("%d messages went to the dead-letter queue", n)
	}
	if got, _ := tr.db.JobByID(context.Background(), j.ID); got.State != app.JobQueued {
		t.Fatalf("job %+v, want still queued", got)
	}
	start(t, tr.worker(t, echo))
	tr.waitState(t, j.ID, app.JobDone)
}

// The attempt that reaches maxReceiveCount dies with its worker (kill -9):
// SQS moves the message to the dead-letter queue without telling anyone, and
// the job would stay running forever. The workers' sweep ends it as failed,
// with the reason; a job with a delivery left, or still within its attempt's
// time, stays as it is.
func TestAJobWhoseLastAttemptDiedEndsFailed(t *testing.T) {
	tr := newTier(t, 2, 30)
	ctx := context.Background()
	newJob := func(attempt int, silentFor string) string {
		j, err := tr.db.CreateJob(ctx, app.Job{ID: uuid.NewString(), UserID: 1, Kind: jobs.AvatarKind, InputKey: "jobs/x/input"})
		if err != nil {
			t.Fatal(err)
		}
		if err := tr.db.StartJob(ctx, j.ID, attempt); err != nil {
			t.Fatal(err)
		}
		if _, err := testenv.Conn(t, tr.writer).Exec(ctx, "UPDATE jobs SET updated_at = now() - $2::interval WHERE id = $1", j.ID, silentFor); err != nil {
			t.Fatal(err)
		}
		return j.ID
	}
	dead := newJob(2, "1 hour")      // the last attempt, silent for long
	retried := newJob(1, "1 hour")   // SQS delivers it again
	underway := newJob(2, "0 hours") // its attempt may still be running
	w := tr.worker(t, nil)
	w.SweepEvery, w.JobTimeout, w.StuckGrace = 50*time.Millisecond, 2*time.Second, 2*time.Second
	stop := start(t, w)
	j := tr.waitState(t, dead, app.JobFailed)
	if !strings.Contains(j.Error, "stopped without a result") || !strings.Contains(j.Error, "dead-letter queue") {
		t.Errorf("reason %q", j.Error)
	}
	stop()
	for _, id := range []string{retried, underway} {
		if j, _ := tr.db.JobByID(ctx, id); j.State != app.JobRunning {
			t.Errorf("job %s is %s, want still running", id, j.State)
		}
	}
}
