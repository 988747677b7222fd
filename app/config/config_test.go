package config

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/scalezero/scalezero/appsettings"
)

func flags(t *testing.T, args ...string) *pflag.FlagSet {
	t.Helper()
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	Flags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return fs
}

func TestInfrastructureEnvironmentBuildsURLs(t *testing.T) {
	t.Setenv("SCALEZERO_DATABASE_HOST", "db.abc.us-east-1.rds.amazonaws.com")
	t.Setenv("SCALEZERO_DATABASE_USER", "app")
	t.Setenv("SCALEZERO_DATABASE_PASSWORD", "p@ss:word")
	t.Setenv("SCALEZERO_DATABASE_TLS", "true")
	t.Setenv("SCALEZERO_DATABASE_READER_HOSTS", "r1.example.com, r2.example.com:6543")
	t.Setenv("SCALEZERO_CACHE_ADDR", "cache.example.com:6379")
	t.Setenv("SCALEZERO_SESSIONS_STORE", "dynamodb")
	t.Setenv("SCALEZERO_SESSIONS_TABLE", "scalezero-sessions")
	t.Setenv("SCALEZERO_REGION", "eu-west-1")
	c, err := Load(nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.DatabaseURL != "postgres://app:p%40ss%3Aword@db.abc.us-east-1.rds.amazonaws.com:5432/app?sslmode=require" {
		t.Fatalf("writer %s", c.DatabaseURL)
	}
	if len(c.ReaderURLs) != 2 || !strings.Contains(c.ReaderURLs[1], "@r2.example.com:6543/app") {
		t.Fatalf("readers %v", c.ReaderURLs)
	}
	if c.SessionStore != "dynamodb" || c.SessionTable != "scalezero-sessions" || c.CacheAddr != "cache.example.com:6379" {
		t.Fatalf("%+v", c)
	}
}

func TestFlagsOverrideEnvironmentOverridesFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "app.yaml")
	os.WriteFile(file, []byte("database:\n  url: postgres://file@h/db\ncache:\n  ttl: 7m\nlisten: ':7000'\n"), 0o600)
	t.Setenv("SCALEZERO_CACHE_TTL", "9m")
	c, err := Load(flags(t, "--config", file, "--listen", ":9999"))
	if err != nil {
		t.Fatal(err)
	}
	if c.DatabaseURL != "postgres://file@h/db" || c.CacheTTL.String() != "9m0s" || c.Listen != ":9999" {
		t.Fatalf("url %s ttl %s listen %s", c.DatabaseURL, c.CacheTTL, c.Listen)
	}
}

func TestBadSettingsNameTheKey(t *testing.T) {
	cases := map[string][2]string{
		"SCALEZERO_CACHE_TTL":             {"soon", "cache.ttl"},
		"SCALEZERO_CACHE_JITTER":          {"0.9", "cache.jitter"},
		"SCALEZERO_LISTEN":                {"8080", "listen"},
		"SCALEZERO_SESSIONS_STORE":        {"cache", "sessions.store"},
		"SCALEZERO_COOKIE_SECURE":         {"maybe", "cookie_secure"},
		"SCALEZERO_CDN_BASE_URL":          {"cdn.example.com", "cdn.base_url"},
		"SCALEZERO_DATABASE_MAX_CONNS":    {"0", "database.max_conns"},
		"SCALEZERO_DATABASE_URL":          {"mysql://x", "database.url"},
		"SCALEZERO_QUEUE_URL":             {"jobs-queue", "queue.url"},
		"SCALEZERO_AWS_ENDPOINT":          {"localhost:4566", "aws.endpoint"},
		"SCALEZERO_WORKER_CONCURRENCY":    {"0", "worker.concurrency"},
		"SCALEZERO_WORKER_JOB_TIMEOUT":    {"1m?", "worker.job_timeout"},
		"SCALEZERO_WORKER_WAIT":           {"30s", "worker.wait"},
		"SCALEZERO_JOBS_MAX_UPLOAD_BYTES": {"1", "jobs.max_upload_bytes"},
		"SCALEZERO_COOKIE_KEYS":           {"c2hvcnQ=", "cookie_keys"},
		"SCALEZERO_DATABASE_SECRET_ARN":   {"arn:aws:ssm:us-east-1:1:parameter/x", "database.secret_arn"},
		"SCALEZERO_LOGIN_HASH_WAIT":       {"soon", "login.hash_wait"},
		"SCALEZERO_PROXY_HOPS":            {"-1", "proxy_hops"},
	}
	for env, c := range cases {
		t.Run(env, func(t *testing.T) {
			if env != "SCALEZERO_DATABASE_URL" {
				t.Setenv("SCALEZERO_DATABASE_URL", "postgres://u@h/db")
			}
			t.Setenv(env, c[0])
			_, err := Load(nil)
			var ce *Error
			if !errors.As(err, &ce) || ce.Key != c[1] || !strings.Contains(err.Error(), env) {
				t.Fatalf("got %v, want an error naming %s and %s", err, c[1], env)
			}
		})
	}
}

// Each session store needs its own settings, and none may be the cache.
func TestSessionStoreSettings(t *testing.T) {
	for _, c := range []struct {
		name string
		env  map[string]string
		key  string // the setting the error names; "" for none
	}{
		{"memory by default", map[string]string{}, ""},
		{"dynamodb", map[string]string{"STORE": "dynamodb", "TABLE": "s", "REGION": "eu-west-1"}, ""},
		{"dynamodb without a table", map[string]string{"STORE": "dynamodb", "REGION": "eu-west-1"}, "sessions.table"},
		{"dynamodb without a region", map[string]string{"STORE": "dynamodb", "TABLE": "s"}, "region"},
		{"dynamodb with a bad endpoint", map[string]string{"STORE": "dynamodb", "TABLE": "s", "REGION": "eu-west-1", "ENDPOINT": "localhost:4567"}, "sessions.endpoint"},
		{"redis", map[string]string{"STORE": "redis", "REDIS_ADDR": "sessions:6379", "CACHE": "cache:6379"}, ""},
		{"redis without an address", map[string]string{"STORE": "redis"}, "sessions.redis_addr"},
		{"redis in the cache", map[string]string{"STORE": "redis", "REDIS_ADDR": "cache:6379", "CACHE": "cache:6379"}, "sessions.redis_addr"},
		{"the cache itself", map[string]string{"STORE": "cache", "CACHE": "cache:6379"}, "sessions.store"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("SCALEZERO_DATABASE_URL", "postgres://u@h/db")
			for k, v := range c.env {
				switch k {
				case "REGION":
					t.Setenv("SCALEZERO_REGION", v)
				case "CACHE":
					t.Setenv("SCALEZERO_CACHE_ADDR", v)
				default:
					t.Setenv("SCALEZERO_SESSIONS_"+k, v)
				}
			}
			_, err := Load(nil)
			var ce *Error
			switch {
			case c.key == "" && err != nil:
				t.Fatalf("got %v, want no error", err)
			case c.key != "" && (!errors.As(err, &ce) || ce.Key != c.key):
				t.Fatalf("got %v, want an error naming %s", err, c.key)
			}
		})
	}
}

func TestAQueueNeedsItsBucket(t *testing.T) {
	t.Setenv("SCALEZERO_DATABASE_URL", "postgres://u@h/db")
	t.Setenv("SCALEZERO_QUEUE_URL", "https://sqs.eu-west-1.amazonaws.com/123456789012/jobs")
	_, err := Load(nil)
	var ce *Error
	if !errors.As(err, &ce) || ce.Key != "jobs.bucket" {
		t.Fatalf("got %v, want an error naming jobs.bucket", err)
	}
	t.Setenv("SCALEZERO_JOBS_BUCKET", "jobs-bucket")
	c, err := Load(nil)
	if err != nil || c.QueueURL == "" || c.JobsBucket != "jobs-bucket" || c.WorkerJobTimeout != time.Minute {
		t.Fatalf("got %+v, %v", c, err)
	}
}

// The job tier's clients are built for the queue's region, which a second
// region's hosts do not share: the region queue.url names, unless set, and
// a setting that contradicts the URL is refused.
func TestJobsRegion(t *testing.T) {
	base := map[string]string{
		"SCALEZERO_DATABASE_URL": "postgres://u@h/db", "SCALEZERO_REGION": "eu-west-1", "SCALEZERO_JOBS_BUCKET": "jobs",
	}
	cases := []struct {
		name, queueURL, jobsRegion, want, refused string
	}{
		{"the region the URL names", "https://sqs.us-east-1.amazonaws.com/123456789012/jobs", "", "us-east-1", ""},
		{"the older URL form", "https://us-west-2.queue.amazonaws.com/123456789012/jobs", "", "us-west-2", ""},
		{"dual-stack", "https://sqs.ap-southeast-4.api.aws/123456789012/jobs", "", "ap-southeast-4", ""},
		{"set and agreeing", "https://sqs.us-east-1.amazonaws.com/123456789012/jobs", "us-east-1", "us-east-1", ""},
		{"an emulator: the app's own", "http://127.0.0.1:4566/000000000000/jobs", "", "eu-west-1", ""},
		{"an emulator, set", "http://127.0.0.1:4566/000000000000/jobs", "us-east-1", "us-east-1", ""},
		{"contradicting the URL", "https://sqs.us-east-1.amazonaws.com/123456789012/jobs", "eu-west-1", "", "jobs.region"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env := map[string]string{"SCALEZERO_QUEUE_URL": c.queueURL, "SCALEZERO_JOBS_REGION": c.jobsRegion}
			for k, v := range base {
				env[k] = v
			}
			got, err := FromEnv(env)
			if c.refused != "" {
				var ce *Error
				if !errors.As(err, &ce) || ce.Key != c.refused || !strings.Contains(err.Error(), "us-east-1") {
					t.Fatalf("got %v, want an error naming %s and the URL's region", err, c.refused)
				}
				return
			}
			if err != nil || got.JobsRegion != c.want {
				t.Fatalf("jobs region %q, %v; want %q", got.JobsRegion, err, c.want)
			}
		})
	}
}

// jobs.buckets lists every region's bucket, the primary's first; a bad
// list is refused naming the key, and without one this region's bucket is
// the only one.
func TestJobsBuckets(t *testing.T) {
	base := map[string]string{
		"SCALEZERO_DATABASE_URL": "postgres://u@h/db", "SCALEZERO_JOBS_BUCKET": "jobs-eu",
		"SCALEZERO_QUEUE_URL": "https://sqs.eu-west-1.amazonaws.com/123456789012/jobs",
	}
	cases := []struct {
		name, raw string
		want      []JobsBucket // nil: refused
	}{
		{"unset: this region's alone", "", []JobsBucket{{"eu-west-1", "jobs-eu"}}},
		{"both, in order", "us-east-1=jobs-us, eu-west-1=jobs-eu", []JobsBucket{{"us-east-1", "jobs-us"}, {"eu-west-1", "jobs-eu"}}},
		{"without this region", "us-east-1=jobs-us", nil},
		{"this region's bucket differs", "us-east-1=jobs-us,eu-west-1=other", nil},
		{"a region twice", "us-east-1=jobs-us,us-east-1=jobs-us2,eu-west-1=jobs-eu", nil},
		{"no bucket", "us-east-1=,eu-west-1=jobs-eu", nil},
		{"not a pair", "us-east-1,eu-west-1=jobs-eu", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env := map[string]string{"SCALEZERO_JOBS_BUCKETS": c.raw}
			for k, v := range base {
				env[k] = v
			}
			got, err := FromEnv(env)
			if c.want == nil {
				var ce *Error
				if !errors.As(err, &ce) || ce.Key != "jobs.buckets" || !strings.Contains(err.Error(), "eu-west-1=jobs-eu") {
					t.Fatalf("got %v, want an error naming jobs.buckets and this region's pair", err)
				}
				return
			}
			if err != nil || !slices.Equal(got.JobsBuckets, c.want) {
				t.Fatalf("jobs buckets %v, %v; want %v", got.JobsBuckets, err, c.want)
			}
		})
	}
}

func TestQueueRegion(t *testing.T) {
	for url, want := range map[string]string{
		"https://sqs.eu-central-2.amazonaws.com/1/q":   "eu-central-2",
		"https://sqs-fips.us-east-1.amazonaws.com/1/q": "us-east-1",
		"https://sqs.cn-north-1.amazonaws.com.cn/1/q":  "cn-north-1",
		"https://eu-west-1.queue.amazonaws.com/1/q":    "eu-west-1",
		"https://sqs.amazonaws.com/1/q":                "",
		"http://sqs.us-east-1.jobs.scalezero:4566/1/q": "",
		"https://sqs.us-east-1.amazonaws.com.evil/1/q": "",
		"://not a url": "",
	} {
		if got := QueueRegion(url); got != want {
			t.Errorf("QueueRegion(%q) = %q, want %q", url, got, want)
		}
	}
}

func TestNoDatabaseIsAnError(t *testing.T) {
	_, err := Load(nil)
	if err == nil || !strings.Contains(err.Error(), "database.host") {
		t.Fatalf("got %v", err)
	}
}

func TestPasswordsAreRedactedInErrors(t *testing.T) {
	t.Setenv("SCALEZERO_DATABASE_URL", "mysql://u:hunter2@h/db")
	_, err := Load(nil)
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("got %v", err)
	}
}

func TestShardMapFromTheInfrastructure(t *testing.T) {
	t.Setenv("SCALEZERO_DATABASE_HOST", "main.example.com")
	t.Setenv("SCALEZERO_DATABASE_TLS", "true")
	t.Setenv("SCALEZERO_DATABASE_SHARDS", `[{"id":1,"writer":"s1.example.com","readers":["s1r.example.com"]},{"id":0,"writer":"s0.example.com","readers":[]}]`)
	t.Setenv("SCALEZERO_SHARD_1_USER", "shard1")
	t.Setenv("SCALEZERO_SHARD_1_PASSWORD", "pw1")
	c, err := Load(nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Shards) != 2 || c.Shards[0].ID != 0 || c.Shards[1].ID != 1 {
		t.Fatalf("%+v", c.Shards)
	}
	if c.Shards[1].WriterURL != "postgres://shard1:pw1@s1.example.com:5432/app?sslmode=require" || len(c.Shards[1].ReaderURLs) != 1 {
		t.Fatalf("shard 1: %+v", c.Shards[1])
	}
	if !strings.Contains(c.Shards[0].WriterURL, "//app:@s0.example.com:5432/") {
		t.Fatalf("shard 0 without its own credentials: %s", c.Shards[0].WriterURL)
	}
	for _, bad := range []string{`[{"id":0,"writer":"a"}]`, `[{"id":0,"writer":"a"},{"id":0,"writer":"b"}]`, `[{"id":0,"writer":"a"},{"id":2,"writer":"b"}]`, `{"id":0}`, `[{"id":0,"writer":"a"},{"id":1}]`} {
		t.Setenv("SCALEZERO_DATABASE_SHARDS", bad)
		if _, err := Load(nil); err == nil || !strings.Contains(err.Error(), "database.shards") {
			t.Errorf("%s: %v", bad, err)
		}
	}
}

func TestSecretsAndCookieKeysFromTheInfrastructure(t *testing.T) {
	hexKey := strings.Repeat("ab", 32)
	b64Key := "bm90IGEgcmVhbCBrZXksIGJ1dCAzMiBieXRlcyBsb25nIQ=="
	t.Setenv("SCALEZERO_DATABASE_HOST", "main.example.com")
	t.Setenv("SCALEZERO_DATABASE_SECRET_ARN", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbC")
	t.Setenv("SCALEZERO_DATABASE_SHARDS", `[{"id":0,"writer":"s0.example.com"},{"id":1,"writer":"s1.example.com"}]`)
	t.Setenv("SCALEZERO_SHARD_1_SECRET_ARN", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:shard1-XyZ")
	t.Setenv("SCALEZERO_COOKIE_KEYS", hexKey+", "+b64Key)
	c, err := Load(nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.DatabaseSecretARN == "" || SecretRegion(c.DatabaseSecretARN) != "eu-west-1" || c.SecretCache != 2*time.Minute {
		t.Fatalf("secret %q region %q cache %s", c.DatabaseSecretARN, SecretRegion(c.DatabaseSecretARN), c.SecretCache)
	}
	if c.Shards[0].SecretARN != c.DatabaseSecretARN || !strings.HasSuffix(c.Shards[1].SecretARN, ":shard1-XyZ") {
		t.Fatalf("shard secrets %q %q", c.Shards[0].SecretARN, c.Shards[1].SecretARN)
	}
	if len(c.CookieKeys) != 2 || c.CookieKeys[0][0] != 0xab || string(c.CookieKeys[1]) != "not a real key, but 32 bytes long!" {
		t.Fatalf("cookie keys %q", c.CookieKeys)
	}
	t.Setenv("SCALEZERO_COOKIE_KEYS", hexKey+",tooshort")
	if _, err := Load(nil); err == nil || !strings.Contains(err.Error(), "cookie_keys") || strings.Contains(err.Error(), hexKey) {
		t.Fatalf("a short key: %v (the error must name cookie_keys and show no key)", err)
	}
}

// The EMF lines are off unless asked for (local runs and tests print
// nothing); an interval outside 100ms-1h is refused by name.
func TestEMFInterval(t *testing.T) {
	for _, c := range []struct {
		raw  string
		want time.Duration
		ok   bool
	}{
		{"", 0, true}, {"0", 0, true}, {"60s", time.Minute, true}, {"100ms", 100 * time.Millisecond, true}, {"1h", time.Hour, true},
		{"often", 0, false}, {"60", 0, false}, {"-1s", 0, false}, {"50ms", 0, false}, {"2h", 0, false},
	} {
		t.Run(c.raw, func(t *testing.T) {
			t.Setenv("SCALEZERO_DATABASE_URL", "postgres://u@h/db")
			if c.raw != "" {
				t.Setenv("SCALEZERO_METRICS_EMF_INTERVAL", c.raw)
			}
			got, err := Load(nil)
			var ce *Error
			switch {
			case c.ok && (err != nil || got.EMFInterval != c.want):
				t.Fatalf("got %s, %v; want %s", got.EMFInterval, err, c.want)
			case !c.ok && (!errors.As(err, &ce) || ce.Key != "metrics.emf_interval" ||
				!strings.Contains(err.Error(), "SCALEZERO_METRICS_EMF_INTERVAL") || !strings.Contains(err.Error(), "0 (off) or a duration from 100ms to 1h")):
				t.Fatalf("got %v, want an error naming metrics.emf_interval and what it allows", err)
			}
		})
	}
}

// Metrics are served apart from the public listener, by default where only
// the host reaches them; a bad address, or the public one, is refused by name.
func TestMetricsListen(t *testing.T) {
	for _, c := range []struct {
		name, raw, want string
		ok              bool
	}{
		{"default", "", "127.0.0.1:9090", true}, {"another port", "127.0.0.1:9100", "127.0.0.1:9100", true},
		{"no port", "127.0.0.1", "", false}, {"the public listener", ":8080", "", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("SCALEZERO_DATABASE_URL", "postgres://u@h/db")
			if c.raw != "" {
				t.Setenv("SCALEZERO_METRICS_LISTEN", c.raw)
			}
			got, err := Load(nil)
			var ce *Error
			switch {
			case c.ok && (err != nil || got.MetricsListen != c.want):
				t.Fatalf("got %q, %v; want %q", got.MetricsListen, err, c.want)
			case !c.ok && (!errors.As(err, &ce) || ce.Key != "metrics.listen" || !strings.Contains(err.Error(), "host:port other than listen's")):
				t.Fatalf("got %v, want an error naming metrics.listen and what it allows", err)
			}
		})
	}
}

// The app reads every setting the infrastructure publishes, under the
// name appsettings gives it: a key renamed on one side only fails here.
func TestReadsEveryPublishedSetting(t *testing.T) {
	env := EnvVars()
	for _, key := range appsettings.AppKeys {
		if _, ok := defaults[key]; !ok {
			t.Errorf("appsettings.%s: the app has no setting %q", key, key)
		}
		if !slices.Contains(env, appsettings.Env(key)) {
			t.Errorf("EnvVars lacks %s", appsettings.Env(key))
		}
	}
	for id := range 3 {
		raw := `[{"id":0,"writer":"a"},{"id":1,"writer":"b"},{"id":2,"writer":"c"}]`
		c, err := FromEnv(map[string]string{
			appsettings.Env(appsettings.DatabaseHost): "main", appsettings.Env(appsettings.DatabaseShards): raw,
			appsettings.Env(appsettings.ShardUser(id)): "own", appsettings.Env(appsettings.ShardPassword(id)): "pw",
		})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(c.Shards[id].WriterURL, "own:pw@") {
			t.Errorf("shard %d's own credentials (%s) not used: %s", id, appsettings.Env(appsettings.ShardUser(id)), c.Shards[id].WriterURL)
		}
	}
}

// Request logs sample DefaultLogSampleRate of the ordinary requests and
// always log those slower than 500ms; a rate outside 0-1 or a threshold
// under 1ms (other than 0, off) is refused by name, with what it allows.
func TestRequestLogSettings(t *testing.T) {
	for _, c := range []struct {
		env, key, raw string
		rate          float64
		slow          time.Duration
		ok            bool
	}{
		{"", "", "", DefaultLogSampleRate, 500 * time.Millisecond, true},
		{"SCALEZERO_LOG_SAMPLE_RATE", "log.sample_rate", "0", 0, 500 * time.Millisecond, true},
		{"SCALEZERO_LOG_SAMPLE_RATE", "log.sample_rate", "1", 1, 500 * time.Millisecond, true},
		{"SCALEZERO_LOG_SAMPLE_RATE", "log.sample_rate", "0.25", 0.25, 500 * time.Millisecond, true},
		{"SCALEZERO_LOG_SAMPLE_RATE", "log.sample_rate", "1.5", 0, 0, false},
		{"SCALEZERO_LOG_SAMPLE_RATE", "log.sample_rate", "-0.1", 0, 0, false},
		{"SCALEZERO_LOG_SAMPLE_RATE", "log.sample_rate", "1%", 0, 0, false},
		{"SCALEZERO_LOG_SAMPLE_RATE", "log.sample_rate", "NaN", 0, 0, false},
		{"SCALEZERO_LOG_SLOW", "log.slow", "0", DefaultLogSampleRate, 0, true},
		{"SCALEZERO_LOG_SLOW", "log.slow", "2s", DefaultLogSampleRate, 2 * time.Second, true},
		{"SCALEZERO_LOG_SLOW", "log.slow", "500", 0, 0, false},
		{"SCALEZERO_LOG_SLOW", "log.slow", "100us", 0, 0, false},
		{"SCALEZERO_LOG_SLOW", "log.slow", "-1s", 0, 0, false},
	} {
		t.Run(c.key+"="+c.raw, func(t *testing.T) {
			t.Setenv("SCALEZERO_DATABASE_URL", "postgres://u@h/db")
			if c.env != "" {
				t.Setenv(c.env, c.raw)
			}
			got, err := Load(nil)
			var ce *Error
			switch {
			case c.ok && (err != nil || got.LogSampleRate != c.rate || got.LogSlow != c.slow):
				t.Fatalf("got rate %v, slow %s, %v; want %v, %s", got.LogSampleRate, got.LogSlow, err, c.rate, c.slow)
			case !c.ok && (!errors.As(err, &ce) || ce.Key != c.key || !strings.Contains(err.Error(), c.env) || !strings.Contains(err.Error(), "allowed ")):
				t.Fatalf("got %v, want an error naming %s (%s) and what it allows", err, c.key, c.env)
			}
		})
	}
}
