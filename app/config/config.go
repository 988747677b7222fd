// Package config loads the app's settings with viper from, in rising order of
// precedence: defaults, a config file, SCALEZERO_* environment variables (what
// the infrastructure writes for each phase) and command-line flags. Load
// validates everything before the app starts.
package config

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/scalezero/scalezero/appsettings"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"
)

// Config is the validated configuration.
type Config struct {
	Listen string

	// Database: the writer, and zero or more readers (replicas).
	DatabaseURL string
	ReaderURLs  []string
	// Shards (phase 9): with two or more, users are spread over them and the
	// main database (DatabaseURL) keeps the directory.
	Shards         []Shard
	MaxConns       int32
	HealthInterval time.Duration
	ReadYourWrites time.Duration
	// WritesPaused answers every write 503 with Retry-After
	// (SCALEZERO_WRITES_PAUSED): a planned switchover pauses writes until
	// the region taking them over has caught up, so none is lost.
	WritesPaused bool
	// DatabaseSecretARN, when set, names the Secrets Manager secret the
	// database credentials are read from at connect time (and again when
	// the database refuses them); SecretCache is how long a read is reused.
	DatabaseSecretARN string
	SecretCache       time.Duration
	MaxConnLifetime   time.Duration

	// Cache: empty CacheAddr means no cache (phases 1-4).
	CacheAddr     string
	CachePassword string
	CacheTLS      bool
	CacheTTL      time.Duration
	CacheJitter   float64

	// Sessions and the login throttle's counts: in the process (memory,
	// phases 1-5) or, shared by the fleet from phase 6, in a store that
	// never evicts them: a DynamoDB table (its replica in Region) or a
	// Redis of their own (noeviction; the docker target). Never the cache,
	// whose allkeys-lru evicts them under a flood of profile reads.
	SessionStore         string // memory | redis | dynamodb
	SessionTable         string // dynamodb: the table's name, the same in every region
	SessionEndpoint      string // dynamodb: empty for AWS itself, else an emulator
	SessionRedisAddr     string // redis: host:port of a non-evicting Redis
	SessionRedisPassword string
	SessionTTL           time.Duration
	CookieSecure         string // auto | always | never
	// CookieKeys sign the read-your-writes cookie: the first signs, all
	// verify. Empty: one random key per process (one instance only).
	CookieKeys [][]byte

	// Login throttling: concurrent password hashes per instance and how long
	// a login waits for one; failed logins per account and client address
	// (or known device) and attempts per client address, each per window;
	// proxies in front that append to X-Forwarded-For.
	LoginMaxHashing      int
	LoginHashWait        time.Duration
	LoginAccountFailures int
	LoginAccountWindow   time.Duration
	LoginAddressAttempts int
	LoginAddressWindow   time.Duration
	ProxyHops            int
	// Failed logins per account from all its unknown clients (not a known
	// device), per window.
	LoginUntrustedFailures int
	LoginUntrustedWindow   time.Duration

	// Jobs (phase 8): empty QueueURL means no job tier.
	QueueURL   string
	JobsBucket string
	// JobsRegion is the region of the queue and the jobs bucket, which the
	// SQS and S3 clients must be built for: a host in another region still
	// calls them there (SQS answers a client of another region that the
	// queue does not exist, S3 with a redirect the SDK does not follow).
	// Unset, it is the region in queue.url, else the app's own.
	JobsRegion string
	// JobsBuckets is every region's jobs bucket, the primary's first: a
	// job's output is read from the bucket it was submitted to, with a
	// client for that bucket's region, and a job recorded before jobs
	// carried their bucket, from the first. Unset, it is this region's
	// bucket alone.
	JobsBuckets       []JobsBucket
	AWSEndpoint       string // empty: AWS itself; else an emulator such as LocalStack
	MaxUploadBytes    int64
	WorkerConcurrency int
	WorkerJobTimeout  time.Duration
	WorkerWait        time.Duration

	// JobLookups a user may make per JobLookupWindow (each reads the primary).
	JobLookups      int
	JobLookupWindow time.Duration
	// Uploads a user may make per UploadWindow, and jobs of theirs that may
	// be queued or running at once.
	Uploads        int
	UploadWindow   time.Duration
	MaxPendingJobs int
	// MaxDecodedBytes bounds what one picture may take to decode (web and
	// worker refuse a larger one from its header); WorkerMemoryBudget what
	// all of a worker's jobs may take at once (they wait for it).
	MaxDecodedBytes    int64
	WorkerMemoryBudget int64
	// JobRetention is how long job rows are kept (the jobs bucket's
	// lifecycle expires their objects after as many days).
	JobRetention time.Duration

	// MetricsListen is where the web tier serves /metrics, apart from the
	// public listener the load balancer forwards to; empty: nowhere.
	MetricsListen string
	// EMFInterval is how often the app writes its metrics to stdout as
	// CloudWatch Embedded Metric Format lines; 0 writes none.
	EMFInterval time.Duration

	CDNBaseURL      string // empty: assets are served by the app itself
	MaxBodyBytes    int64
	DrainDelay      time.Duration
	ShutdownTimeout time.Duration
	Region          string
	LogLevel        string
	// Request logs: every 5xx and every request slower than LogSlow is
	// logged, and LogSampleRate (0 to 1) of the rest. The load balancer's
	// access logs hold every request; these are for what needs a look.
	LogSampleRate float64
	LogSlow       time.Duration
}

// DefaultLogSampleRate is the fraction of ordinary requests (not 5xx, not
// slow) the app logs by default: 1 in 100, enough to see what traffic looks
// like in the app's own terms (route, duration) at any volume, a hundredth
// of the CloudWatch Logs bill of logging them all. `make cost` prices the
// web log group with it (cost/usage.yaml, logs.requestSampleRate).
const DefaultLogSampleRate = 0.01

// JobsBucket is one region's jobs bucket.
type JobsBucket struct {
	Region, Bucket string
}

// Shard is one shard database.
type Shard struct {
	ID         int
	WriterURL  string
	ReaderURLs []string
	SecretARN  string // as DatabaseSecretARN, for this shard
}

var defaults = map[string]any{
	"listen":                        ":8080",
	"database.url":                  "",
	appsettings.DatabaseHost:        "",
	"database.port":                 5432,
	appsettings.DatabaseName:        "app",
	appsettings.DatabaseUser:        "app",
	appsettings.DatabasePassword:    "",
	appsettings.DatabaseTLS:         false,
	"database.reader_urls":          "",
	appsettings.DatabaseReaderHosts: "",
	appsettings.DatabaseShards:      "",
	"database.max_conns":            10,
	"database.health_interval":      "2s",
	appsettings.DatabaseSecretARN:   "",
	"database.secret_cache":         "2m",
	"database.max_conn_lifetime":    "30m",
	appsettings.CookieKeys:          "",
	"login.max_hashing":             0,
	"login.hash_wait":               "2s",
	"login.account_failures":        10,
	"login.account_window":          "15m",
	"login.untrusted_failures":      100,
	"login.untrusted_window":        "1h",
	"login.address_attempts":        60,
	"login.address_window":          "1m",
	appsettings.ProxyHops:           0,
	"read_your_writes":              "5s",
	appsettings.CacheAddr:           "",
	appsettings.CachePassword:       "",
	appsettings.CacheTLS:            false,
	"cache.ttl":                     "5m",
	"cache.jitter":                  0.1,
	appsettings.SessionsStore:       appsettings.StoreMemory,
	appsettings.SessionsTable:       "",
	"sessions.endpoint":             "",
	appsettings.SessionsRedisAddr:   "",
	appsettings.SessionsRedisPass:   "",
	"sessions.ttl":                  "24h",
	"cookie_secure":                 "auto",
	appsettings.CDNBaseURL:          "",
	appsettings.QueueURL:            "",
	appsettings.JobsBucket:          "",
	appsettings.JobsRegion:          "",
	appsettings.JobsBuckets:         "",
	"jobs.max_upload_bytes":         4 << 20,
	"jobs.lookups":                  120,
	"jobs.lookup_window":            "1m",
	"jobs.uploads":                  20,
	"jobs.upload_window":            "1h",
	"jobs.max_pending":              3,
	"jobs.max_decoded_bytes":        192 << 20,
	"jobs.retention":                "168h",
	"worker.memory_budget":          512 << 20,
	appsettings.AWSEndpoint:         "",
	"worker.concurrency":            4,
	appsettings.WorkerJobTimeout:    "60s",
	"worker.wait":                   "20s",
	appsettings.MetricsEMFInterval:  "0s",
	"metrics.listen":                "127.0.0.1:9090",
	"max_body_bytes":                65536,
	"drain_delay":                   "10s",
	"shutdown_timeout":              "20s",
	appsettings.Region:              "",
	"log_level":                     "info",
	"log.sample_rate":               DefaultLogSampleRate,
	"log.slow":                      "500ms",
	appsettings.WritesPaused:        false,
}

// Flags registers a flag for every key on fs (dots become dashes: --cache-addr).
func Flags(fs *pflag.FlagSet) {
	fs.String("config", "", "a config file (yaml, json or toml)")
	for key, def := range defaults {
		fs.String(flagName(key), "", fmt.Sprintf("%s (default %v; env %s)", key, def, appsettings.Env(key)))
	}
}

// EnvVars lists the environment variables the app reads, one per setting.
func EnvVars() []string {
	out := make([]string, 0, len(defaults))
	for key := range defaults {
		out = append(out, appsettings.Env(key))
	}
	sort.Strings(out)
	return out
}

func flagName(key string) string { return strings.NewReplacer(".", "-", "_", "-").Replace(key) }

// Error names the setting at fault and what it allows.
type Error struct {
	Key     string
	Value   any
	Allowed string
}

func (e *Error) Error() string {
	return fmt.Sprintf("config %s (env %s) = %q is invalid: allowed %s", e.Key, appsettings.Env(e.Key), fmt.Sprint(e.Value), e.Allowed)
}

// Load reads the configuration; fs may be nil.
func Load(fs *pflag.FlagSet) (Config, error) {
	v := withDefaults()
	v.SetEnvPrefix(strings.TrimSuffix(appsettings.Prefix, "_"))
	v.SetEnvKeyReplacer(strings.NewReplacer(".", "_"))
	v.AutomaticEnv()
	if fs != nil {
		for key := range defaults {
			if f := fs.Lookup(flagName(key)); f != nil && f.Changed {
				v.Set(key, f.Value.String())
			}
		}
		if f := fs.Lookup("config"); f != nil && f.Value.String() != "" {
			v.SetConfigFile(f.Value.String())
			if err := v.ReadInConfig(); err != nil {
				return Config{}, fmt.Errorf("config file %s: %w", f.Value.String(), err)
			}
		}
	}
	return build(v)
}

// FromEnv reads the configuration from env alone (SCALEZERO_* names, as a
// host's environment file holds what the infrastructure publishes), not
// from the process's environment: to check what a host would run with.
func FromEnv(env map[string]string) (Config, error) {
	v := withDefaults()
	for key := range defaults {
		if val, ok := env[appsettings.Env(key)]; ok {
			v.Set(key, val)
		}
	}
	// Each shard's own credentials, which have no default: those of the
	// shards the map names (a map that does not decode fails in build).
	shards, _ := appsettings.DecodeShards(env[appsettings.Env(appsettings.DatabaseShards)])
	for _, sh := range shards {
		for _, key := range []string{appsettings.ShardUser(sh.ID), appsettings.ShardPassword(sh.ID), appsettings.ShardSecretARN(sh.ID)} {
			if val, ok := env[appsettings.Env(key)]; ok {
				v.Set(key, val)
			}
		}
	}
	return build(v)
}

func withDefaults() *viper.Viper {
	v := viper.New()
	for k, d := range defaults {
		v.SetDefault(k, d)
	}
	return v
}

type reader struct {
	v   *viper.Viper
	err error
}

func (r *reader) fail(key string, val any, allowed string) {
	if r.err == nil {
		r.err = &Error{Key: key, Value: val, Allowed: allowed}
	}
}

func (r *reader) duration(key string, min time.Duration) time.Duration {
	raw := r.v.GetString(key)
	d, err := time.ParseDuration(raw)
	if err != nil || d < min {
		r.fail(key, raw, fmt.Sprintf("a duration of at least %s, such as 5s or 2m", min))
	}
	return d
}

func (r *reader) integer(key string, min, max int64) int64 {
	raw := r.v.GetString(key)
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || n < min || n > max {
		r.fail(key, raw, fmt.Sprintf("a whole number from %d to %d", min, max))
	}
	return n
}

func (r *reader) boolean(key string) bool {
	raw := r.v.GetString(key)
	b, err := strconv.ParseBool(raw)
	if err != nil {
		r.fail(key, raw, "true or false")
	}
	return b
}

func (r *reader) list(key string) []string {
	var out []string
	for _, s := range strings.Split(r.v.GetString(key), ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func build(v *viper.Viper) (Config, error) {
	r := &reader{v: v}
	c := Config{
		Listen:               v.GetString("listen"),
		MaxConns:             int32(r.integer("database.max_conns", 1, 1000)),
		HealthInterval:       r.duration("database.health_interval", 100*time.Millisecond),
		ReadYourWrites:       r.duration("read_your_writes", 0),
		WritesPaused:         r.boolean(appsettings.WritesPaused),
		CacheAddr:            v.GetString(appsettings.CacheAddr),
		CachePassword:        v.GetString(appsettings.CachePassword),
		CacheTLS:             r.boolean(appsettings.CacheTLS),
		CacheTTL:             r.duration("cache.ttl", time.Second),
		SessionStore:         v.GetString(appsettings.SessionsStore),
		SessionTable:         v.GetString(appsettings.SessionsTable),
		SessionEndpoint:      strings.TrimSuffix(v.GetString("sessions.endpoint"), "/"),
		SessionRedisAddr:     v.GetString(appsettings.SessionsRedisAddr),
		SessionRedisPassword: v.GetString(appsettings.SessionsRedisPass),
		SessionTTL:           r.duration("sessions.ttl", time.Minute),
		CookieSecure:         v.GetString("cookie_secure"),
		CDNBaseURL:           strings.TrimSuffix(v.GetString(appsettings.CDNBaseURL), "/"),
		MaxBodyBytes:         r.integer("max_body_bytes", 1024, 10<<20),
		DrainDelay:           r.duration("drain_delay", 0),
		ShutdownTimeout:      r.duration("shutdown_timeout", time.Second),
		Region:               v.GetString(appsettings.Region),
		LogLevel:             v.GetString("log_level"),

		QueueURL:          v.GetString(appsettings.QueueURL),
		JobsBucket:        v.GetString(appsettings.JobsBucket),
		JobsRegion:        strings.TrimSpace(v.GetString(appsettings.JobsRegion)),
		AWSEndpoint:       strings.TrimSuffix(v.GetString(appsettings.AWSEndpoint), "/"),
		MaxUploadBytes:    r.integer("jobs.max_upload_bytes", 1024, 64<<20),
		WorkerConcurrency: int(r.integer("worker.concurrency", 1, 256)),
		WorkerJobTimeout:  r.duration(appsettings.WorkerJobTimeout, time.Second),
		WorkerWait:        r.duration("worker.wait", 0),

		JobLookups:      int(r.integer("jobs.lookups", 1, 1_000_000)),
		JobLookupWindow: r.duration("jobs.lookup_window", time.Second),
		Uploads:         int(r.integer("jobs.uploads", 1, 1_000_000)),
		UploadWindow:    r.duration("jobs.upload_window", time.Second),
		MaxPendingJobs:  int(r.integer("jobs.max_pending", 1, 10_000)),
		JobRetention:    r.duration("jobs.retention", time.Hour),

		MaxDecodedBytes:    r.integer("jobs.max_decoded_bytes", 1<<20, 16<<30),
		WorkerMemoryBudget: r.integer("worker.memory_budget", 1<<20, 256<<30),

		SecretCache:          r.duration("database.secret_cache", time.Second),
		MaxConnLifetime:      r.duration("database.max_conn_lifetime", 100*time.Millisecond),
		LoginMaxHashing:      int(r.integer("login.max_hashing", 0, 1024)),
		LoginHashWait:        r.duration("login.hash_wait", 10*time.Millisecond),
		LoginAccountFailures: int(r.integer("login.account_failures", 1, 1_000_000)),
		LoginAccountWindow:   r.duration("login.account_window", time.Second),
		LoginAddressAttempts: int(r.integer("login.address_attempts", 1, 1_000_000_000)),
		LoginAddressWindow:   r.duration("login.address_window", time.Second),
		ProxyHops:            int(r.integer(appsettings.ProxyHops, 0, 10)),

		LoginUntrustedFailures: int(r.integer("login.untrusted_failures", 1, 1_000_000_000)),
		LoginUntrustedWindow:   r.duration("login.untrusted_window", time.Second),
	}
	c.EMFInterval = r.emfInterval()
	c.CookieKeys = r.cookieKeys()
	c.DatabaseSecretARN = r.secretARN(appsettings.DatabaseSecretARN)
	jitter, err := strconv.ParseFloat(v.GetString("cache.jitter"), 64)
	if err != nil || jitter < 0 || jitter > 0.5 {
		r.fail("cache.jitter", v.GetString("cache.jitter"), "a fraction from 0 to 0.5")
	}
	c.CacheJitter = jitter
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		r.fail("listen", c.Listen, "host:port, such as :8080")
	}
	if c.MetricsListen = v.GetString("metrics.listen"); c.MetricsListen != "" {
		if _, _, err := net.SplitHostPort(c.MetricsListen); err != nil || c.MetricsListen == c.Listen {
			r.fail("metrics.listen", c.MetricsListen, "host:port other than listen's, such as 127.0.0.1:9090 (reached from the host only), or empty for no metrics endpoint")
		}
	}
	if c.CacheAddr != "" {
		if _, _, err := net.SplitHostPort(c.CacheAddr); err != nil {
			r.fail(appsettings.CacheAddr, c.CacheAddr, "host:port of Redis, or empty for no cache")
		}
	}
	r.sessions(&c)
	switch c.CookieSecure {
	case "auto", "always", "never":
	default:
		r.fail("cookie_secure", c.CookieSecure, "auto, always or never")
	}
	c.LogSampleRate = r.fraction("log.sample_rate")
	c.LogSlow = r.logSlow()
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		r.fail("log_level", c.LogLevel, "debug, info, warn or error")
	}
	if c.CDNBaseURL != "" && !isHTTPURL(c.CDNBaseURL) {
		r.fail(appsettings.CDNBaseURL, c.CDNBaseURL, "an absolute http(s) URL, or empty")
	}
	r.jobTier(&c)
	c.DatabaseURL, c.ReaderURLs = r.databaseURLs()
	c.Shards = r.shards()
	return c, r.err
}

// fraction reads a number from 0 to 1.
func (r *reader) fraction(key string) float64 {
	raw := r.v.GetString(key)
	f, err := strconv.ParseFloat(strings.TrimSpace(raw), 64)
	if err != nil || !(f >= 0 && f <= 1) {
		r.fail(key, raw, "a fraction from 0 (none) to 1 (every request), such as 0.01")
	}
	return f
}

// logSlow reads log.slow: a request this slow is always logged.
func (r *reader) logSlow() time.Duration {
	const key = "log.slow"
	raw := r.v.GetString(key)
	d, err := time.ParseDuration(strings.TrimSpace(raw))
	if err != nil || (d != 0 && d < time.Millisecond) || d < 0 {
		r.fail(key, raw, "0 (no request counts as slow) or a duration of at least 1ms, such as 500ms")
	}
	return d
}

// emfInterval reads metrics.emf_interval: off (0), or often enough to be
// worth a line and no rarer than an hour (CloudWatch keeps one-minute
// datapoints; the infrastructure publishes 60s).
func (r *reader) emfInterval() time.Duration {
	const key = appsettings.MetricsEMFInterval
	raw := r.v.GetString(key)
	d, err := time.ParseDuration(raw)
	if err != nil || (d != 0 && (d < 100*time.Millisecond || d > time.Hour)) {
		r.fail(key, raw, "0 (off) or a duration from 100ms to 1h, such as 60s")
	}
	return d
}

// jobTier checks the phase 8 settings: a queue needs its bucket, and the
// addresses must be URLs.
func (r *reader) jobTier(c *Config) {
	if c.QueueURL != "" && !isHTTPURL(c.QueueURL) {
		r.fail(appsettings.QueueURL, c.QueueURL, "the SQS queue's https URL, or empty for no job tier")
	}
	if c.QueueURL != "" && c.JobsBucket == "" {
		r.fail(appsettings.JobsBucket, "", "the jobs bucket's name whenever queue.url is set")
	}
	if c.QueueURL != "" {
		r.jobsRegion(c)
		c.JobsBuckets = r.jobsBuckets(c.JobsRegion, c.JobsBucket)
	}
	if c.AWSEndpoint != "" && !isHTTPURL(c.AWSEndpoint) {
		r.fail(appsettings.AWSEndpoint, c.AWSEndpoint, "an http(s) URL of an AWS emulator, or empty for AWS")
	}
	if c.WorkerMemoryBudget < c.MaxDecodedBytes {
		r.fail("worker.memory_budget", c.WorkerMemoryBudget, fmt.Sprintf("at least jobs.max_decoded_bytes (%d), or no picture could be decoded", c.MaxDecodedBytes))
	}
	if c.WorkerWait > 20*time.Second {
		r.fail("worker.wait", c.WorkerWait.String(), "a duration from 0s to 20s (the longest SQS long poll)")
	}
}

// jobsRegion settles the region the job tier's clients are built for: the
// one configured, which must agree with the region queue.url names, else
// that region, else the app's own (an emulator's URL names none).
func (r *reader) jobsRegion(c *Config) {
	inURL := QueueRegion(c.QueueURL)
	switch {
	case c.JobsRegion != "" && inURL != "" && c.JobsRegion != inURL:
		r.fail(appsettings.JobsRegion, c.JobsRegion, fmt.Sprintf("the region of the queue and the jobs bucket: %s, the region queue.url names", inURL))
	case c.JobsRegion == "" && inURL != "":
		c.JobsRegion = inURL
	case c.JobsRegion == "":
		c.JobsRegion = c.Region
	}
}

// jobsBuckets reads jobs.buckets, "region=bucket,...": each region once,
// and this region's entry the bucket jobs.bucket names. Unset, this
// region's bucket is the only one.
func (r *reader) jobsBuckets(region, bucket string) []JobsBucket {
	const key = appsettings.JobsBuckets
	raw := r.v.GetString(key)
	if strings.TrimSpace(raw) == "" {
		return []JobsBucket{{Region: region, Bucket: bucket}}
	}
	buckets, err := appsettings.DecodeBuckets(raw)
	// This region's entry, once (DecodeBuckets refuses a region twice),
	// must name this region's bucket.
	own := slices.Contains(buckets, appsettings.Bucket{Region: region, Name: bucket})
	if err != nil || !own {
		r.fail(key, raw, fmt.Sprintf("region=bucket pairs separated by commas, the primary region's first, each region once, with %s=%s (jobs.region=jobs.bucket) among them", region, bucket))
		return nil
	}
	out := make([]JobsBucket, len(buckets))
	for i, b := range buckets {
		out[i] = JobsBucket{Region: b.Region, Bucket: b.Name}
	}
	return out
}

// QueueRegion is the region an SQS queue URL names
// (https://sqs.<region>.amazonaws.com/<account>/<name>, the older
// https://<region>.queue.amazonaws.com/..., and the dual-stack
// https://sqs.<region>.api.aws/...), or "" for any other URL (an emulator's).
func QueueRegion(queueURL string) string {
	u, err := url.Parse(queueURL)
	if err != nil {
		return ""
	}
	labels := strings.Split(u.Hostname(), ".")
	if len(labels) < 3 {
		return ""
	}
	rest := strings.Join(labels[2:], ".")
	switch {
	case strings.HasPrefix(labels[0], "sqs") && (rest == "amazonaws.com" || rest == "amazonaws.com.cn" || rest == "api.aws"):
		return labels[1]
	case labels[1] == "queue" && (rest == "amazonaws.com" || rest == "amazonaws.com.cn"):
		return labels[0]
	}
	return ""
}

// sessions checks the session store's settings: each store has what it
// needs, and none of them is the evicting cache.
func (r *reader) sessions(c *Config) {
	switch c.SessionStore {
	case appsettings.StoreMemory:
	case appsettings.StoreDynamoDB:
		if c.SessionTable == "" {
			r.fail(appsettings.SessionsTable, "", "the DynamoDB table's name whenever sessions.store is dynamodb")
		}
		if c.Region == "" {
			r.fail(appsettings.Region, "", "the host's own AWS region (the table replica it calls) whenever sessions.store is dynamodb")
		}
		if c.SessionEndpoint != "" && !isHTTPURL(c.SessionEndpoint) {
			r.fail("sessions.endpoint", c.SessionEndpoint, "an http(s) URL of a DynamoDB emulator, or empty for AWS")
		}
	case appsettings.StoreRedis:
		if _, _, err := net.SplitHostPort(c.SessionRedisAddr); err != nil {
			r.fail(appsettings.SessionsRedisAddr, c.SessionRedisAddr, "host:port of a Redis whose maxmemory-policy is noeviction, whenever sessions.store is redis")
		} else if c.SessionRedisAddr == c.CacheAddr {
			r.fail(appsettings.SessionsRedisAddr, c.SessionRedisAddr, "a Redis other than cache.addr (the cache evicts under allkeys-lru)")
		}
	default:
		r.fail(appsettings.SessionsStore, c.SessionStore, "memory (one instance), dynamodb (sessions.table) or redis (a non-evicting Redis at sessions.redis_addr)")
	}
}

func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// shards reads database.shards, the map the infrastructure publishes:
// [{"id":0,"writer":"host","readers":["host"]}, ...]. Hosts become URLs with
// the shard's own credentials (shard_<id>.user / .password, i.e.
// SCALEZERO_SHARD_<id>_USER, or shard_<id>.secret_arn, the secret they are
// read from at connect time) and the
// main database's name and TLS setting; full postgres:// URLs are kept.
func (r *reader) shards() []Shard {
	raw := r.v.GetString(appsettings.DatabaseShards)
	entries, err := appsettings.DecodeShards(raw)
	if err != nil {
		r.fail(appsettings.DatabaseShards, raw, appsettings.ShardsAllowed)
		return nil
	}
	var out []Shard
	for _, e := range entries {
		user := r.v.GetString(appsettings.ShardUser(e.ID))
		password := r.v.GetString(appsettings.ShardPassword(e.ID))
		secret := r.secretARN(appsettings.ShardSecretARN(e.ID))
		if user == "" && secret == "" {
			user, password = r.v.GetString(appsettings.DatabaseUser), r.v.GetString(appsettings.DatabasePassword)
			secret = r.secretARN(appsettings.DatabaseSecretARN)
		}
		s := Shard{ID: e.ID, WriterURL: r.hostURL(e.Writer, user, password), SecretARN: secret}
		for _, h := range e.Readers {
			s.ReaderURLs = append(s.ReaderURLs, r.hostURL(h, user, password))
		}
		out = append(out, s)
	}
	return out
}

// cookieKeys reads cookie_keys: keys separated by commas, each hex or
// base64 (standard or URL alphabet, padded or not) of at least 32 bytes.
func (r *reader) cookieKeys() [][]byte {
	var keys [][]byte
	for _, raw := range r.list(appsettings.CookieKeys) {
		k, err := hex.DecodeString(raw)
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
			if err == nil {
				break
			}
			k, err = enc.DecodeString(raw)
		}
		if err != nil || len(k) < 32 {
			r.fail(appsettings.CookieKeys, "(redacted)", "keys separated by commas, each hex or base64 of at least 32 bytes (64 hex digits); the first signs, all verify")
			return nil
		}
		keys = append(keys, k)
	}
	return keys
}

// secretARN reads a Secrets Manager secret's ARN, or "".
func (r *reader) secretARN(key string) string {
	arn := strings.TrimSpace(r.v.GetString(key))
	if arn != "" && SecretRegion(arn) == "" {
		r.fail(key, arn, "a Secrets Manager secret ARN, arn:aws:secretsmanager:<region>:<account>:secret:<name>, or empty")
	}
	return arn
}

// SecretRegion is the region in a Secrets Manager secret's ARN, or "" when
// arn is not one: the secret is read from its own region, whatever the app's.
func SecretRegion(arn string) string {
	parts := strings.SplitN(arn, ":", 7)
	if len(parts) != 7 || parts[0] != "arn" || !strings.HasPrefix(parts[1], "aws") || parts[2] != "secretsmanager" ||
		parts[3] == "" || parts[4] == "" || parts[5] != "secret" || parts[6] == "" {
		return ""
	}
	return parts[3]
}

// databaseURLs takes database.url and database.reader_urls as given, or builds
// them from host, port, name, user, password and tls (what the infrastructure
// publishes) with the reader hosts.
func (r *reader) databaseURLs() (string, []string) {
	v := r.v
	readers := r.list("database.reader_urls")
	for _, u := range append([]string{v.GetString("database.url")}, readers...) {
		if u == "" {
			continue
		}
		if p, err := url.Parse(u); err != nil || (p.Scheme != "postgres" && p.Scheme != "postgresql") {
			r.fail("database.url", redact(u), "a postgres:// URL")
		}
	}
	if w := v.GetString("database.url"); w != "" {
		return w, readers
	}
	host := v.GetString(appsettings.DatabaseHost)
	if host == "" {
		r.fail(appsettings.DatabaseHost, "", "the writer's host name (or set database.url)")
		return "", nil
	}
	user, password := v.GetString(appsettings.DatabaseUser), v.GetString(appsettings.DatabasePassword)
	for _, h := range r.list(appsettings.DatabaseReaderHosts) {
		readers = append(readers, r.hostURL(h, user, password))
	}
	return r.hostURL(host, user, password), readers
}

// hostURL turns "host" or "host:port" into a URL for the app's database
// with the given credentials; a postgres:// URL is returned as it is.
func (r *reader) hostURL(h, user, password string) string {
	if strings.HasPrefix(h, "postgres://") || strings.HasPrefix(h, "postgresql://") {
		return h
	}
	if !strings.Contains(h, ":") {
		h = net.JoinHostPort(h, strconv.Itoa(int(r.integer("database.port", 1, 65535))))
	}
	u := url.URL{Scheme: "postgres", Host: h, Path: "/" + r.v.GetString(appsettings.DatabaseName), User: url.UserPassword(user, password)}
	q := url.Values{"sslmode": {"disable"}}
	if r.boolean(appsettings.DatabaseTLS) {
		q.Set("sslmode", "require")
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// redact hides a URL's password for error messages and logs.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}
