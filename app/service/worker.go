package service

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/scalezero/scalezero/app/jobs"
)

// Worker builds the job worker of phase 8. It learns the queue's
// maxReceiveCount from the queue itself (so the attempt SQS will not repeat
// ends the job as failed), waiting up to wait for the queue to answer.
func (s *Service) Worker(ctx context.Context, wait time.Duration) (*jobs.Worker, error) {
	if s.Jobs == nil {
		return nil, errors.New("the worker needs the job tier: set queue.url (SCALEZERO_QUEUE_URL) and jobs.bucket (SCALEZERO_JOBS_BUCKET)")
	}
	var maxReceives int
	err := retryFor(ctx, s.Logger, wait, "job queue not reachable yet; retrying", func() (err error) {
		maxReceives, err = s.Jobs.Queue.MaxReceives(ctx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("job queue %s: %w", s.Jobs.Queue.URL(), err)
	}
	limitMemory(s.Config.WorkerMemoryBudget)
	avatars := jobs.NewAvatars(s.Config.MaxDecodedBytes, s.Config.WorkerMemoryBudget)
	return &jobs.Worker{
		Store: s.Jobs.Store, Bucket: s.Jobs.Bucket, Queue: s.Jobs.Queue, Metrics: s.Metrics, Logger: s.Logger,
		Handlers:    map[string]jobs.Handler{jobs.AvatarKind: avatars.Make},
		Concurrency: s.Config.WorkerConcurrency, JobTimeout: s.Config.WorkerJobTimeout, Wait: s.Config.WorkerWait,
		MaxReceives: maxReceives, Backoff: jobs.DefaultBackoff, Retention: s.Config.JobRetention,
	}, nil
}

// memoryHeadroom is what a worker needs beside its jobs' pictures: the
// runtime, the SDK clients, the inputs and outputs in flight.
const memoryHeadroom = 128 << 20

// limitMemory makes the garbage collector keep the heap within the jobs'
// budget plus headroom (unless GOMEMLIMIT says otherwise): the budget
// bounds what the pictures being decoded hold, and the limit keeps the
// garbage of those already done from piling up on top of it.
func limitMemory(budget int64) {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(budget + memoryHeadroom)
	}
}

// RunWorker runs w until ctx ends, and serves /healthz, /readyz (the queue
// answered the last receive and the database is reachable) and /metrics on
// ln meanwhile: no load balancer reaches a worker's listener (and a worker
// may share a host with a web instance, whose metrics.listen it would take). It returns once the jobs in flight have finished.
func (s *Service) RunWorker(ctx context.Context, w *jobs.Worker, ln net.Listener) error {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(rw http.ResponseWriter, _ *http.Request) { rw.Write([]byte("alive\n")) })
	mux.HandleFunc("GET /readyz", func(rw http.ResponseWriter, r *http.Request) {
		pctx, cancel := context.WithTimeout(r.Context(), time.Second)
		defer cancel()
		switch {
		case !w.Healthy():
			http.Error(rw, "job queue unreachable", http.StatusServiceUnavailable)
		case s.DB.Ping(pctx) != nil:
			http.Error(rw, "database unreachable", http.StatusServiceUnavailable)
		default:
			rw.Write([]byte("ready\n"))
		}
	})
	mux.Handle("GET /metrics", s.metricsHandler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()
	defer s.writeMetrics("worker")() // after Run: the jobs in flight at SIGTERM count too
	s.Logger.Info("worker running", "queue", s.Jobs.Queue.URL(), "concurrency", w.Concurrency, "max_receives", w.MaxReceives, "addr", ln.Addr().String())
	err := w.Run(ctx)
	s.Logger.Info("worker stopped")
	return err
}

func (s *Service) metricsHandler() http.Handler {
	return promhttp.HandlerFor(s.Metrics.Registry, promhttp.HandlerOpts{})
}

// ServeMetrics serves /metrics on ln, a listener apart from the public one
// (metrics.listen), until the returned stop is called.
func (s *Service) ServeMetrics(ln net.Listener) (stop func()) {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.metricsHandler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, MaxHeaderBytes: MaxHeaderBytes}
	go srv.Serve(ln)
	s.Logger.Info("serving metrics", "addr", ln.Addr().String())
	return func() { srv.Close() }
}
