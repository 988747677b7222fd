// Package postgres stores users in PostgreSQL with pgx. Writes go to the
// primary; reads go to a healthy replica (round robin), to the primary when
// none is healthy, and to the primary when the request reads its own writes
// (app.WithOwnWrites).
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang-migrate/migrate/v4"
	_ "github.com/golang-migrate/migrate/v4/database/pgx/v5" // the pgx5:// driver
	"github.com/golang-migrate/migrate/v4/source/iofs"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/scalezero/scalezero/app"
	"github.com/scalezero/scalezero/app/metrics"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Pool labels, as in the metrics.
const (
	Primary = "primary"
	Replica = "replica"
)

// Options configure Open.
type Options struct {
	WriterURL      string
	ReaderURLs     []string
	MaxConns       int32
	HealthInterval time.Duration // how often replicas are probed
	Metrics        *metrics.Metrics
	Logger         *slog.Logger
}

// DB is the writer pool and the reader pools.
type DB struct {
	writerURL string
	writer    *pgxpool.Pool
	readers   []*replica
	next      atomic.Uint64
	metrics   *metrics.Metrics
	log       *slog.Logger
	stop      context.CancelFunc
	wg        sync.WaitGroup
}

type replica struct {
	pool    *pgxpool.Pool
	host    string
	healthy atomic.Bool
}

func poolConfig(raw string, maxConns int32) (*pgxpool.Config, error) {
	cfg, err := pgxpool.ParseConfig(raw)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", redact(raw), err)
	}
	cfg.MaxConns = maxConns
	// A dead replica must fail fast, so reads can fall back to the primary.
	cfg.ConnConfig.ConnectTimeout = 2 * time.Second
	return cfg, nil
}

func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(database URL)"
	}
	return u.Redacted()
}

// Open creates the pools (connections are made lazily), probes the replicas
// once and keeps probing them in the background until Close.
func Open(ctx context.Context, o Options) (*DB, error) {
	if o.MaxConns == 0 {
		o.MaxConns = 10
	}
	if o.HealthInterval == 0 {
		o.HealthInterval = 2 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	wcfg, err := poolConfig(o.WriterURL, o.MaxConns)
	if err != nil {
		return nil, err
	}
	db := &DB{writerURL: o.WriterURL, metrics: o.Metrics, log: o.Logger}
	if db.writer, err = pgxpool.NewWithConfig(ctx, wcfg); err != nil {
		return nil, fmt.Errorf("writer pool: %w", err)
	}
	for _, raw := range o.ReaderURLs {
		rcfg, err := poolConfig(raw, o.MaxConns)
		if err != nil {
			db.Close()
			return nil, err
		}
		pool, err := pgxpool.NewWithConfig(ctx, rcfg)
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("reader pool %s: %w", rcfg.ConnConfig.Host, err)
		}
		db.readers = append(db.readers, &replica{pool: pool, host: fmt.Sprintf("%s:%d", rcfg.ConnConfig.Host, rcfg.ConnConfig.Port)})
	}
	db.probe(ctx, o.HealthInterval)
	loop, stop := context.WithCancel(context.Background())
	db.stop = stop
	db.wg.Add(1)
	go db.healthLoop(loop, o.HealthInterval)
	return db, nil
}

// Close stops the probes and closes every pool.
func (db *DB) Close() {
	if db.stop != nil {
		db.stop()
		db.wg.Wait()
	}
	if db.writer != nil {
		db.writer.Close()
	}
	for _, r := range db.readers {
		r.pool.Close()
	}
}

func (db *DB) healthLoop(ctx context.Context, every time.Duration) {
	defer db.wg.Done()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			db.probe(ctx, every)
		}
	}
}

// probe pings every replica and records whether it answered.
func (db *DB) probe(ctx context.Context, timeout time.Duration) {
	for _, r := range db.readers {
		pctx, cancel := context.WithTimeout(ctx, max(timeout, 500*time.Millisecond))
		err := r.pool.Ping(pctx)
		cancel()
		db.setHealth(r, err == nil, err)
	}
}

func (db *DB) setHealth(r *replica, ok bool, cause error) {
	if r.healthy.Swap(ok) != ok {
		if ok {
			db.log.Info("replica healthy", "replica", r.host)
		} else {
			db.log.Warn("replica unhealthy", "replica", r.host, "error", cause)
		}
	}
}

// HealthyReplicas counts the replicas currently taking reads.
func (db *DB) HealthyReplicas() int {
	n := 0
	for _, r := range db.readers {
		if r.healthy.Load() {
			n++
		}
	}
	return n
}

// Replicas counts the configured replicas.
func (db *DB) Replicas() int { return len(db.readers) }

// pickReplica returns the next healthy replica, or nil.
func (db *DB) pickReplica() *replica {
	n := len(db.readers)
	start := db.next.Add(1)
	for i := range n {
		r := db.readers[(int(start)+i)%n]
		if r.healthy.Load() {
			return r
		}
	}
	return nil
}

// isConnectionError tells a server that is gone or going (no connection, the
// connection cut, the server shutting down: SQLSTATE classes 08 and 57) from
// an answer (no such row, a constraint violated) or the caller giving up.
func isConnectionError(ctx context.Context, err error) bool {
	if err == nil || ctx.Err() != nil || errors.Is(err, pgx.ErrNoRows) || errors.Is(err, app.ErrNotFound) {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		class := pgErr.Code[:2]
		return class == "08" || class == "57"
	}
	return true
}

// read runs fn on a replica, or on the primary when the context asks for it or
// no replica is healthy; a replica that fails to connect is marked unhealthy
// and the read is retried on the primary.
func (db *DB) read(ctx context.Context, fn func(q querier) error) error {
	if app.ReadsOwnWrites(ctx) || len(db.readers) == 0 {
		db.metrics.Query(Primary)
		return fn(db.writer)
	}
	r := db.pickReplica()
	if r == nil {
		db.metrics.Fallback()
		db.metrics.Query(Primary)
		return fn(db.writer)
	}
	db.metrics.Query(Replica)
	err := fn(r.pool)
	if !isConnectionError(ctx, err) {
		return err
	}
	db.setHealth(r, false, err)
	db.metrics.Fallback()
	db.metrics.Query(Primary)
	return fn(db.writer)
}

func (db *DB) write(fn func(q querier) error) error {
	db.metrics.Query(Primary)
	return fn(db.writer)
}

func (db *DB) exec(ctx context.Context, sql string, args ...any) error {
	db.metrics.Query(Primary)
	_, err := db.writer.Exec(ctx, sql, args...)
	return err
}

// querier is what pools and transactions share.
type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Ping checks the primary: the app is not ready without it.
func (db *DB) Ping(ctx context.Context) error { return db.writer.Ping(ctx) }

// Migrate applies the embedded migrations to the primary. golang-migrate takes
// an advisory lock, so a fleet starting at once migrates once.
func (db *DB) Migrate() error {
	src, err := iofs.New(migrations, "migrations")
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	u, err := url.Parse(db.writerURL)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	u.Scheme = "pgx5"
	m, err := migrate.NewWithSourceInstance("iofs", src, u.String())
	if err != nil {
		return fmt.Errorf("migrations: connect %s: %w", u.Redacted(), err)
	}
	defer m.Close()
	if err := m.Up(); err != nil && !errors.Is(err, migrate.ErrNoChange) {
		return fmt.Errorf("migrations: %w", err)
	}
	return nil
}
