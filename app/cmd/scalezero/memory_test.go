package main_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/scalezero/scalezero/app"
	"github.com/scalezero/scalezero/app/cloud"
	"github.com/scalezero/scalezero/app/internal/testenv"
	"github.com/scalezero/scalezero/app/jobs"
	"github.com/scalezero/scalezero/app/postgres"
)

// peakMemory is a process's peak resident set (VmHWM), in bytes.
func peakMemory(t *testing.T, p *proc) int64 {
	t.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				t.Fatal(line, err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc/<pid>/status")
	return 0
}

// runJobs submits the pictures straight to the job tier (as a web tier
// without the upload check would: the worker must not rely on it) and
// waits until every job has ended.
func runJobs(t *testing.T, env []string, pictures ...[]byte) []app.Job {
	t.Helper()
	ctx := context.Background()
	db, err := postgres.Open(ctx, postgres.Options{WriterURL: envValue(env, "SCALEZERO_DATABASE_URL"), HealthInterval: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	aws := testenv.AWSConfig(t, envValue(env, "SCALEZERO_AWS_ENDPOINT"))
	sub := &jobs.Submitter{Store: db, Bucket: cloud.NewBucket(aws, envValue(env, "SCALEZERO_JOBS_BUCKET")), Queue: cloud.NewQueue(aws, envValue(env, "SCALEZERO_QUEUE_URL"))}
	var ids []string
	for _, p := range pictures {
		j, err := sub.Submit(ctx, 1, jobs.AvatarKind, "image/png", p)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, j.ID)
	}
	var out []app.Job
	deadline := time.Now().Add(3 * time.Minute)
	for _, id := range ids {
		for {
			j, err := db.JobByID(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if j.State == app.JobDone || j.State == app.JobFailed {
				out = append(out, j)
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("job %s still %s", id, j.State)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	return out
}

// The peak memory of the real worker process, with its default settings
// (4 jobs at once, worker.memory_budget 512 MiB): four of the report's
// hostile PNGs (16-bit, interlaced, 6320x6320, just under the pixel cap:
// 640 MB each to decode) and then four of the largest pictures it accepts
// (16-bit, 4700x4700, 196 MB each), all at once. The bound is the budget
// plus the headroom the worker leaves the rest of the process (the Go
// memory limit, 640 MiB) and what the process held before (its baseline).
func TestWorkerPeakMemoryIsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("decodes about 800 MB of pictures")
	}
	env := jobEnv(t)
	worker := startCommand(t, "worker", env...)
	baseline := peakMemory(t, worker)
	hostile := testenv.PNG(6320, 6320, 16, true)
	largest := testenv.PNG(4700, 4700, 16, false)
	hostileJobs := runJobs(t, env, hostile, hostile, hostile, hostile)
	afterHostile := peakMemory(t, worker)
	largestJobs := runJobs(t, env, largest, largest, largest, largest)
	afterLargest := peakMemory(t, worker)
	t.Logf("hostile PNG %d KB; peak RSS: %d MiB at start, %d MiB after 4 hostile jobs (%s), %d MiB after 4 of the largest accepted (%s)",
		len(hostile)>>10, baseline>>20, afterHostile>>20, hostileJobs[0].State, afterLargest>>20, largestJobs[0].State)
	for _, j := range largestJobs {
		if j.State != app.JobDone {
			t.Errorf("the largest accepted picture: job %s, %s", j.State, j.Error)
		}
	}
	const budget, headroom = 512 << 20, 128 << 20
	if bound := baseline + budget + headroom; afterLargest > bound {
		t.Errorf("peak RSS %d MiB, above the bound %d MiB (baseline %d + budget %d + headroom %d)",
			afterLargest>>20, bound>>20, baseline>>20, budget>>20, headroom>>20)
	}
}
