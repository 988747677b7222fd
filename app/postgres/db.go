// Package postgres stores users in PostgreSQL with pgx. Writes go to the
// primary; reads go to a healthy replica (round robin), to the primary when
// none is healthy, and to the primary when the request reads its own writes
// (app.WithOwnWrites) unless the primary is down. A server that is down or
// going answers app.ErrUnavailable, never a bare driver error, so the web
// tier tells an outage (503) from a bug (500).
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strings"
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
	"github.com/scalezero/scalezero/app/internal/loop"
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
	WriterURL  string
	ReaderURLs []string
	MaxConns   int32
	// MaxConnLifetime closes connections this old (when released), so every
	// connection authenticates again now and then; default 30m.
	MaxConnLifetime time.Duration
	HealthInterval  time.Duration // how often replicas are probed
	// Credentials, when set, give every new connection its user and
	// password (a secret that rotates); nil: the URLs' own.
	Credentials Credentials
	Metrics     *metrics.Metrics
	Logger      *slog.Logger
}

// Credentials supply the user and password of new connections. Refresh is
// called when the server refused them (SQLSTATE 28P01, as after a rotation):
// the next Get must read them again instead of answering from a cache.
type Credentials interface {
	Get(ctx context.Context) (user, password string, err error)
	Refresh()
}

// DB is the writer pool and the reader pools.
type DB struct {
	writerURL string
	creds     Credentials
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

func poolConfig(raw string, o Options) (*pgxpool.Config, error) {
	cfg, err := pgxpool.ParseConfig(raw)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", redact(raw), err)
	}
	cfg.MaxConns = o.MaxConns
	cfg.MaxConnLifetime = o.MaxConnLifetime
	creds := o.Credentials
	// A dead replica must fail fast, so reads can fall back to the primary.
	cfg.ConnConfig.ConnectTimeout = 2 * time.Second
	if creds != nil {
		// Read at every new connection, so a rotated secret reaches the
		// pools without a restart.
		cfg.BeforeConnect = func(ctx context.Context, cc *pgx.ConnConfig) error {
			user, password, err := creds.Get(ctx)
			if err != nil {
				return fmt.Errorf("database credentials: %w", err)
			}
			cc.User, cc.Password = user, password
			return nil
		}
	}
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
	if o.MaxConnLifetime == 0 {
		o.MaxConnLifetime = 30 * time.Minute
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	wcfg, err := poolConfig(o.WriterURL, o)
	if err != nil {
		return nil, err
	}
	db := &DB{writerURL: o.WriterURL, creds: o.Credentials, metrics: o.Metrics, log: o.Logger}
	if db.writer, err = pgxpool.NewWithConfig(ctx, wcfg); err != nil {
		return nil, fmt.Errorf("writer pool: %w", err)
	}
	for _, raw := range o.ReaderURLs {
		rcfg, err := poolConfig(raw, o)
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
		r.healthy.Store(false)
		r.pool.Close()
	}
}

func (db *DB) healthLoop(ctx context.Context, every time.Duration) {
	defer db.wg.Done()
	loop.Every(ctx, every, func() { db.probe(ctx, every) })
}

// probe pings every replica and records whether it answered.
func (db *DB) probe(ctx context.Context, timeout time.Duration) {
	for _, r := range db.readers {
		pctx, cancel := context.WithTimeout(ctx, max(timeout, 500*time.Millisecond))
		err := db.retryAuth(func() error { return r.pool.Ping(pctx) })
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

// isUnavailable tells an error worth repeating later (the server down,
// starting, shutting down, out of connections, refusing stale credentials,
// read-only during a failover) from an answer or a bug, which must not be
// dressed as an outage.
func isUnavailable(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code[:2] {
		case "08", "57", "53", "28", "40":
			return true
		}
		return pgErr.Code == "25006" // read-only: a primary that is a replica now
	}
	var connErr *pgconn.ConnectError
	var netErr net.Error
	return errors.As(err, &connErr) || errors.As(err, &netErr) || pgconn.Timeout(err) || pgconn.SafeToRetry(err) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, app.ErrUnavailable) || strings.Contains(err.Error(), "closed pool")
}

// classify wraps an outage in app.ErrUnavailable; other errors pass as they are.
func classify(err error) error {
	if err == nil || errors.Is(err, app.ErrUnavailable) || errors.Is(err, pgx.ErrNoRows) || !isUnavailable(err) {
		return err
	}
	return fmt.Errorf("%w: %w", app.ErrUnavailable, err)
}

func isAuthError(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "28P01" || pgErr.Code == "28000")
}

// retryAuth runs fn again, once, after re-reading the credentials when the
// server refused them: a rotated password costs the request nothing.
func (db *DB) retryAuth(fn func() error) error {
	err := fn()
	if db.creds != nil && isAuthError(err) {
		db.log.Warn("the database refused its credentials; reading them again", "error", err)
		db.creds.Refresh()
		err = fn()
	}
	return err
}

// read runs fn on a replica, or on the primary when the context asks for it or
// no replica is healthy; a replica that fails to connect is marked unhealthy
// and the read is retried on the primary. A read of one's own writes whose
// primary is down is served by a replica: a copy perhaps a moment old beats
// no answer while the primary restarts.
func (db *DB) read(ctx context.Context, fn func(q querier) error) error {
	if app.ReadsOwnWrites(ctx) || len(db.readers) == 0 {
		db.metrics.Query(Primary)
		err := db.retryAuth(func() error { return fn(db.writer) })
		if !isConnectionError(ctx, err) {
			return classify(err)
		}
		if r := db.pickReplica(); r != nil {
			db.metrics.Query(Replica)
			return classify(db.retryAuth(func() error { return fn(r.pool) }))
		}
		return classify(err)
	}
	r := db.pickReplica()
	if r == nil {
		db.metrics.Fallback()
		db.metrics.Query(Primary)
		return classify(db.retryAuth(func() error { return fn(db.writer) }))
	}
	db.metrics.Query(Replica)
	err := db.retryAuth(func() error { return fn(r.pool) })
	if !isConnectionError(ctx, err) {
		return classify(err)
	}
	db.setHealth(r, false, err)
	db.metrics.Fallback()
	db.metrics.Query(Primary)
	return classify(db.retryAuth(func() error { return fn(db.writer) }))
}

func (db *DB) write(fn func(q querier) error) error {
	db.metrics.Query(Primary)
	return classify(db.retryAuth(func() error { return fn(db.writer) }))
}

func (db *DB) exec(ctx context.Context, sql string, args ...any) error {
	_, err := db.execTag(ctx, sql, args...)
	return err
}

func (db *DB) execTag(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	db.metrics.Query(Primary)
	var tag pgconn.CommandTag
	err := db.retryAuth(func() (err error) {
		tag, err = db.writer.Exec(ctx, sql, args...)
		return err
	})
	return tag, classify(err)
}

// begin starts a transaction on the primary.
func (db *DB) begin(ctx context.Context) (pgx.Tx, error) {
	db.metrics.Query(Primary)
	var tx pgx.Tx
	err := db.retryAuth(func() (err error) {
		tx, err = db.writer.Begin(ctx)
		return err
	})
	return tx, classify(err)
}

// querier is what pools and transactions share.
type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// Ping checks the primary.
func (db *DB) Ping(ctx context.Context) error {
	return classify(db.retryAuth(func() error { return db.writer.Ping(ctx) }))
}

// Health says what this database can serve now: writes while the primary
// answers, reads while the primary or a replica does.
func (db *DB) Health(ctx context.Context) app.Health {
	primary := db.Ping(ctx) == nil
	return app.Health{Writes: primary, Reads: primary || db.HealthyReplicas() > 0}
}

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
	if db.creds != nil {
		// golang-migrate dials on its own: it gets the current credentials.
		user, password, err := db.creds.Get(context.Background())
		if err != nil {
			return fmt.Errorf("migrations: database credentials: %w", err)
		}
		u.User = url.UserPassword(user, password)
	}
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
