package jobs_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/scalezero/scalezero/app"
	"github.com/scalezero/scalezero/app/internal/testenv"
	"github.com/scalezero/scalezero/app/jobs"
)

// The worker's sweep deletes the rows of jobs older than the retention
// (their objects expire by the bucket's lifecycle); newer ones stay.
func TestTheSweepDeletesJobsPastTheRetention(t *testing.T) {
	tr := newTier(t, 3, 30)
	old, err := tr.submitter().Submit(context.Background(), 7, "none", "image/png", []byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	recent, err := tr.submitter().Submit(context.Background(), 7, "none", "image/png", []byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	conn := testenv.Conn(t, tr.writer)
	if _, err := conn.Exec(t.Context(), `UPDATE jobs SET created_at = now() - interval '8 days' WHERE id = $1`, old.ID); err != nil {
		t.Fatal(err)
	}
	if n, err := tr.db.PendingJobs(t.Context(), 7); err != nil || n != 2 {
		t.Errorf("pending jobs of user 7: %d (%v), want 2", n, err)
	}
	w := tr.worker(t, nil)
	w.Retention, w.SweepEvery, w.MaxReceives = 7*24*time.Hour, 50*time.Millisecond, 0
	start(t, w)
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := tr.db.JobByID(t.Context(), old.ID)
		if errors.Is(err, app.ErrNotFound) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the 8-day-old job is still there (%v)", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if _, err := tr.db.JobByID(t.Context(), recent.ID); err != nil {
		t.Errorf("the recent job: %v, want it kept", err)
	}
}

// A picture waits for its bytes of the worker's memory budget before it
// is decoded, so concurrent jobs together stay within it; a job whose
// deadline passes while it waits is retried, not failed.
func TestAPictureWaitsForTheWorkersMemoryBudget(t *testing.T) {
	pic := testenv.PNG(1200, 1200, 16, false)
	need, _, _, err := jobs.DecodedBytes(pic)
	if err != nil {
		t.Fatal(err)
	}
	a := jobs.NewAvatars(need, need+need/2)
	other := need/2 + 1 // another job's picture: what is left is too little
	a.Memory.Acquire(context.Background(), other)
	done := make(chan error, 1)
	go func() { _, _, err := a.Make(context.Background(), pic, "image/png"); done <- err }()
	select {
	case err := <-done:
		t.Fatalf("decoded beside another picture, past the budget: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	a.Memory.Release(other)
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the picture did not run once the budget was free")
	}
	a.Memory.Acquire(context.Background(), other)
	defer a.Memory.Release(other)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, _, err := a.Make(ctx, pic, "image/png"); err == nil || errors.Is(err, app.ErrPermanent) {
		t.Errorf("a job that waited past its deadline: %v, want a retryable error", err)
	}
}
