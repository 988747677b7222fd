package jobs_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/scalezero/scalezero/app"
	"github.com/scalezero/scalezero/app/jobs"
)

// BenchmarkAvatar is the worker's CPU cost of one avatar from a 1600x1200
// picture (a phone photo scaled down): what sizes the worker fleet.
func BenchmarkAvatar(b *testing.B) {
	in := picture(b, 1600, 1200)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := jobs.Avatar(context.Background(), in, "image/png"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkJobRoundTrip is one small job from submission to done through the
// real queue, bucket and database (one worker, long polling): the latency a
// user waits beyond the work itself.
func BenchmarkJobRoundTrip(b *testing.B) {
	tr := newTier(b, 3, 30)
	w := tr.worker(b, map[string]jobs.Handler{"echo": func(_ context.Context, in []byte, _ string) ([]byte, string, error) {
		return in, "text/plain", nil
	}})
	w.Concurrency = 1
	start(b, w)
	s := tr.submitter()
	b.ReportAllocs()
	for b.Loop() {
		j, err := s.Submit(context.Background(), 1, "echo", "text/plain", []byte("x"))
		if err != nil {
			b.Fatal(err)
		}
		for {
			got, err := tr.db.JobByID(context.Background(), j.ID)
			if err != nil {
				b.Fatal(err)
			}
			if got.State == app.JobDone {
				break
			}
			time.Sleep(time.Millisecond)
		}
	}
}

// BenchmarkWorkerThroughput drains a backlog of avatar jobs (800x600
// pictures) with one worker at several concurrencies: how far one worker
// instance scales before it needs company (the fleet scales on backlog).
func BenchmarkWorkerThroughput(b *testing.B) {
	pic := picture(b, 800, 600)
	for _, n := range []int{1, 2, 4} {
		b.Run(fmt.Sprintf("concurrency=%d", n), func(b *testing.B) {
			tr := newTier(b, 3, 30)
			s := tr.submitter()
			var ids []string
			for range b.N {
				j, err := s.Submit(context.Background(), 1, jobs.AvatarKind, "image/png", pic)
				if err != nil {
					b.Fatal(err)
				}
				ids = append(ids, j.ID)
			}
			w := tr.worker(b, map[string]jobs.Handler{jobs.AvatarKind: jobs.Avatar})
			w.Concurrency = n
			b.ResetTimer()
			start(b, w)
			for _, id := range ids {
				for {
					got, err := tr.db.JobByID(context.Background(), id)
					if err != nil {
						b.Fatal(err)
					}
					if got.State == app.JobDone {
						break
					}
					time.Sleep(2 * time.Millisecond)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "jobs/s")
		})
	}
}
