// Package service wires the app from its configuration: the tiers that exist
// in the stack's phase (replicas, cache, shared sessions, CDN) are switched on
// by config alone. cmd/scalezero, the integration tests and the benchmarks
// all build the app here.
package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/scalezero/scalezero/app"
	"github.com/scalezero/scalezero/app/cloud"
	"github.com/scalezero/scalezero/app/config"
	apphttp "github.com/scalezero/scalezero/app/http"
	"github.com/scalezero/scalezero/app/internal/loop"
	"github.com/scalezero/scalezero/app/jobs"
	"github.com/scalezero/scalezero/app/metrics"
	"github.com/scalezero/scalezero/app/password"
	"github.com/scalezero/scalezero/app/postgres"
	"github.com/scalezero/scalezero/app/redis"
)

// Service is a built app.
type Service struct {
	Config config.Config
	// DB is the main database: all users before phase 9, the shard directory after.
	DB      *postgres.DB
	Sharded *postgres.Sharded // nil before phase 9
	Users   app.UserStore     // DB, or Sharded
	Cache   *goredis.Client   // nil without a cache tier
	Jobs    *jobs.Submitter   // nil before phase 8
	Metrics *metrics.Metrics
	HTTP    *apphttp.Server
	Logger  *slog.Logger

	sessionsRedis *goredis.Client    // the sessions' own Redis (sessions.store redis), else nil
	stop          context.CancelFunc // the background loops (the cache's sweep)
	bg            sync.WaitGroup
}

// JobClients builds the clients of the job tier's bucket and queue for the
// region they live in (cfg.JobsRegion), which is not the host's own when a
// second region's hosts submit to the primary region's queue.
func JobClients(ctx context.Context, cfg config.Config) (*cloud.Bucket, *cloud.Queue, error) {
	aws, err := cloud.Config(ctx, cloud.Options{Region: cfg.JobsRegion, Endpoint: cfg.AWSEndpoint})
	if err != nil {
		return nil, nil, fmt.Errorf("job tier: %w", err)
	}
	return cloud.NewBucket(aws, cfg.JobsBucket), cloud.NewQueue(aws, cfg.QueueURL), nil
}

// JobOutputs reads job outputs from every region's jobs bucket
// (cfg.JobsBuckets), each with a client for its own region; own is this
// region's bucket (cfg.JobsBucket).
func JobOutputs(cfg config.Config, own *cloud.Bucket) *jobs.Buckets {
	// Rows from before jobs recorded their bucket are the primary's (the
	// first listed); a config without the list (built by hand) has only its own.
	legacy := jobs.Location{Region: cfg.JobsRegion, Bucket: cfg.JobsBucket}
	if len(cfg.JobsBuckets) > 0 {
		legacy = jobs.Location{Region: cfg.JobsBuckets[0].Region, Bucket: cfg.JobsBuckets[0].Bucket}
	}
	open := func(ctx context.Context, at jobs.Location) (*cloud.Bucket, error) {
		aws, err := cloud.Config(ctx, cloud.Options{Region: at.Region, Endpoint: cfg.AWSEndpoint})
		if err != nil {
			return nil, err
		}
		return cloud.NewBucket(aws, at.Bucket), nil
	}
	return jobs.NewBuckets(jobs.Location{Region: cfg.JobsRegion, Bucket: cfg.JobsBucket}, own, legacy, open)
}

// Logger returns a JSON logger at the configured level.
func Logger(level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: l}))
}

// Build connects to the tiers and applies migrations (waiting up to
// migrateWait for the primary, as a fresh fleet may start before its database).
func Build(ctx context.Context, cfg config.Config, log *slog.Logger, pw password.Params, migrateWait time.Duration) (*Service, error) {
	m := metrics.New()
	open := func(writer string, readers []string, secretARN string) (*postgres.DB, error) {
		creds, err := credentials(ctx, cfg, secretARN)
		if err != nil {
			return nil, err
		}
		return postgres.Open(ctx, postgres.Options{
			WriterURL: writer, ReaderURLs: readers, MaxConns: cfg.MaxConns, MaxConnLifetime: cfg.MaxConnLifetime,
			HealthInterval: cfg.HealthInterval, Credentials: creds, Metrics: m, Logger: log,
		})
	}
	db, err := open(cfg.DatabaseURL, cfg.ReaderURLs, cfg.DatabaseSecretARN)
	if err != nil {
		return nil, err
	}
	s := &Service{Config: cfg, DB: db, Users: db, Metrics: m, Logger: log}
	var schema migrator = db
	if len(cfg.Shards) > 0 {
		shards := make([]*postgres.DB, len(cfg.Shards))
		for i, sh := range cfg.Shards {
			if shards[i], err = open(sh.WriterURL, sh.ReaderURLs, sh.SecretARN); err != nil {
				closeAll(shards)
				db.Close()
				return nil, fmt.Errorf("shard %d: %w", i, err)
			}
		}
		if s.Sharded, err = postgres.NewSharded(db, shards); err != nil {
			closeAll(shards)
			db.Close()
			return nil, err
		}
		s.Users, schema = s.Sharded, s.Sharded
	}
	if err := migrate(ctx, schema, log, migrateWait); err != nil {
		s.Close()
		return nil, err
	}
	var profiles app.ProfileReader = app.StoreProfiles{Users: s.Users}
	sessions, throttle, sessionsRedis, err := sessionStore(ctx, cfg, log)
	s.sessionsRedis = sessionsRedis
	if err != nil {
		s.Close()
		return nil, err
	}
	bg, stop := context.WithCancel(context.Background())
	s.stop = stop
	if cfg.CacheAddr != "" {
		s.Cache = redis.NewClient(redis.Options{Addr: cfg.CacheAddr, Password: cfg.CachePassword, TLS: cfg.CacheTLS})
		cache := redis.NewProfiles(s.Cache, s.Users, redis.ProfileOptions{TTL: cfg.CacheTTL, Jitter: cfg.CacheJitter, Metrics: m, Logger: log})
		s.bg.Add(1)
		go func() { defer s.bg.Done(); cache.Run(bg) }()
		profiles = cache
	}
	if cfg.QueueURL != "" {
		// Jobs live in the main database in every phase (shards hold users).
		bucket, queue, err := JobClients(ctx, cfg)
		if err != nil {
			s.Close()
			return nil, err
		}
		here := jobs.Location{Region: cfg.JobsRegion, Bucket: cfg.JobsBucket}
		s.Jobs = &jobs.Submitter{Store: db, Bucket: bucket, Queue: queue, Metrics: m, Here: here, Outputs: JobOutputs(cfg, bucket)}
	}
	s.HTTP, err = apphttp.New(apphttp.Options{
		Users: s.Users, Profiles: profiles, Sessions: sessions, Metrics: m, Logger: log,
		MaxBodyBytes: cfg.MaxBodyBytes, CookieSecure: cfg.CookieSecure, ReadYourWrites: cfg.ReadYourWrites,
		WritesPaused: cfg.WritesPaused,
		CDNBaseURL:   cfg.CDNBaseURL, Region: cfg.Region, PasswordParams: pw,
		Jobs: s.Jobs, MaxUploadBytes: cfg.MaxUploadBytes,
		Throttle: throttle, CookieKeys: cfg.CookieKeys,
		JobLimits:     jobLimits(cfg),
		LogSampleRate: cfg.LogSampleRate, LogSlow: cfg.LogSlow,
		Login: apphttp.LoginLimits{
			MaxHashing: cfg.LoginMaxHashing, HashWait: cfg.LoginHashWait,
			AccountFailures: cfg.LoginAccountFailures, AccountWindow: cfg.LoginAccountWindow,
			AddressAttempts: cfg.LoginAddressAttempts, AddressWindow: cfg.LoginAddressWindow,
			ProxyHops:         cfg.ProxyHops,
			UntrustedFailures: cfg.LoginUntrustedFailures, UntrustedWindow: cfg.LoginUntrustedWindow,
		},
	})
	if err != nil {
		s.Close()
		return nil, err
	}
	log.Info("app built", "replicas", db.Replicas(), "healthy_replicas", db.HealthyReplicas(), "shards", len(cfg.Shards),
		"cache", cfg.CacheAddr != "", "sessions", cfg.SessionStore, "cdn", cfg.CDNBaseURL != "", "jobs", s.Jobs != nil)
	return s, nil
}

// jobLimits are what one user may ask of the job tier.
func jobLimits(cfg config.Config) apphttp.JobLimits {
	return apphttp.JobLimits{
		Lookups:    apphttp.Limit{N: cfg.JobLookups, Per: cfg.JobLookupWindow},
		Uploads:    apphttp.Limit{N: cfg.Uploads, Per: cfg.UploadWindow},
		MaxPending: cfg.MaxPendingJobs, MaxDecoded: cfg.MaxDecodedBytes,
	}
}

// credentials reads a database's credentials from its secret when it has
// one (nil: the static ones in its URL). The secret is read from its own
// region; aws.endpoint points the client at an emulator.
func credentials(ctx context.Context, cfg config.Config, arn string) (postgres.Credentials, error) {
	if arn == "" {
		return nil, nil
	}
	aws, err := cloud.Config(ctx, cloud.Options{Region: config.SecretRegion(arn), Endpoint: cfg.AWSEndpoint})
	if err != nil {
		return nil, fmt.Errorf("database secret %s: %w", arn, err)
	}
	return cloud.NewSecret(aws, arn, cfg.SecretCache), nil
}

type migrator interface{ Migrate() error }

func migrate(ctx context.Context, db migrator, log *slog.Logger, wait time.Duration) error {
	return retryFor(ctx, log, wait, "migrations not applied yet; retrying", db.Migrate)
}

// retryFor calls try once a second until it succeeds, wait has passed (its
// last error is returned) or ctx ends: a fleet may start before the database
// or the queue it needs answers.
func retryFor(ctx context.Context, log *slog.Logger, wait time.Duration, warning string, try func() error) error {
	deadline := time.Now().Add(wait)
	for {
		err := try()
		if err == nil || time.Now().After(deadline) {
			return err
		}
		log.Warn(warning, "error", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

func closeAll(dbs []*postgres.DB) {
	for _, sh := range dbs {
		if sh != nil {
			sh.Close()
		}
	}
}

// Close stops the background loops and releases the pools and the cache client.
func (s *Service) Close() {
	if s.stop != nil {
		s.stop()
		s.bg.Wait()
	}
	if s.Sharded != nil {
		s.Sharded.Close() // the main database too
	} else {
		s.DB.Close()
	}
	if s.Cache != nil {
		s.Cache.Close()
	}
	if s.sessionsRedis != nil {
		s.sessionsRedis.Close()
	}
}

// writeMetrics writes the service's metrics to stdout as CloudWatch EMF
// lines every metrics.emf_interval, until the returned stop is called;
// stop writes the interval under way, so what an instance did between its
// last tick and its exit (SIGTERM at a scale-in or a deploy) is not lost.
func (s *Service) writeMetrics(service string) (stop func()) {
	if s.Config.EMFInterval <= 0 {
		return func() {}
	}
	emf, err := s.Metrics.EMF(service, os.Stdout)
	if err != nil {
		s.Logger.Error("no CloudWatch metrics", "error", err)
		return func() {}
	}
	flush := func() {
		if err := emf.Flush(); err != nil {
			s.Logger.Warn("CloudWatch metrics not written", "error", err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); loop.Every(ctx, s.Config.EMFInterval, flush) }()
	return func() {
		cancel()
		<-done
		flush()
	}
}

// MaxHeaderBytes bounds a request's headers (Go's default is 1 MiB): the
// app's cookies and an ALB's headers fit many times over; more is refused
// with 431.
const MaxHeaderBytes = 16 << 10

// NewHTTPServer is the web tier's server around h: its limits and timeouts.
func NewHTTPServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		MaxHeaderBytes:    MaxHeaderBytes,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
}

// Serve listens until ctx ends, then drains: /readyz turns 503, the load
// balancer has DrainDelay to notice, and in-flight requests get
// ShutdownTimeout to finish.
func (s *Service) Serve(ctx context.Context, ln net.Listener) error {
	defer s.writeMetrics("web")() // after the drain: the last requests count too
	srv := NewHTTPServer(s.HTTP)
	if s.HTTP.EphemeralCookieKey() {
		s.Logger.Warn("no cookie_keys (SCALEZERO_COOKIE_KEYS) set: the read-your-writes cookie is signed with a key of this process, so other instances ignore it")
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	s.Logger.Info("listening", "addr", ln.Addr().String())
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.HTTP.Drain()
	s.Logger.Info("draining", "delay", s.Config.DrainDelay.String())
	time.Sleep(s.Config.DrainDelay)
	sctx, cancel := context.WithTimeout(context.Background(), s.Config.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	s.Logger.Info("stopped")
	return nil
}
