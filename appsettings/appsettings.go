// Package appsettings is the contract between the infrastructure and the
// app: the names of the settings the stack publishes to each host (SSM
// parameters on AWS, container environments on Docker) and the app reads
// (app/config), and the shape of the values that are more than a word (the
// shard map, the jobs buckets). Both sides import it and nothing else, so a
// setting renamed here is renamed on both, and it imports no Pulumi or AWS
// SDK: the app is built without them.
//
// A name is the app's config key ("database.host"); Env gives the
// environment variable a host receives (SCALEZERO_DATABASE_HOST).
package appsettings

import (
	"fmt"
	"strings"
)

// Prefix starts every environment variable the app reads.
const Prefix = "SCALEZERO_"

// Env is the environment variable of config key: dots become underscores,
// upper case, after Prefix.
func Env(key string) string { return Prefix + strings.ToUpper(strings.ReplaceAll(key, ".", "_")) }

// The settings the stack publishes, as the app's config keys.
const (
	Region       = "region"        // the host's own region
	DatabaseName = "database.name" // the database every instance serves
	DatabaseHost = "database.host" // the writer's host, in every region
	DatabaseUser = "database.user"
	// DatabasePassword is written on the host itself (the local database
	// of phase 1), never published.
	DatabasePassword    = "database.password"
	DatabaseTLS         = "database.tls"
	DatabaseReaderHosts = "database.reader_hosts" // hosts separated by commas
	DatabaseSecretARN   = "database.secret_arn"   // the credentials' secret, in the host's region
	DatabaseShards      = "database.shards"       // the shard map: EncodeShards
	ProxyHops           = "proxy_hops"            // proxies in front that append to X-Forwarded-For
	MetricsEMFInterval  = "metrics.emf_interval"
	CacheAddr           = "cache.addr"
	CacheTLS            = "cache.tls"
	CachePassword       = "cache.password"
	CDNBaseURL          = "cdn.base_url"
	CookieKeys          = "cookie_keys"
	QueueURL            = "queue.url"
	JobsBucket          = "jobs.bucket"
	JobsRegion          = "jobs.region"  // the region of queue.url and jobs.bucket
	JobsBuckets         = "jobs.buckets" // every region's bucket: EncodeBuckets
	WorkerJobTimeout    = "worker.job_timeout"
	AWSEndpoint         = "aws.endpoint" // an emulator's URL; empty for AWS
	SessionsStore       = "sessions.store"
	SessionsTable       = "sessions.table"
	SessionsRedisAddr   = "sessions.redis_addr"
	SessionsRedisPass   = "sessions.redis_password"
	// WritesPaused makes the app answer every write 503 with Retry-After:
	// the first step of a planned switchover between regions.
	WritesPaused = "writes_paused"
)

// AppKeys are the published settings the app reads, each a key of app/config.
var AppKeys = []string{
	Region, DatabaseName, DatabaseHost, DatabaseUser, DatabasePassword, DatabaseTLS,
	DatabaseReaderHosts, DatabaseSecretARN, DatabaseShards, ProxyHops, MetricsEMFInterval,
	CacheAddr, CacheTLS, CachePassword, CDNBaseURL, CookieKeys, QueueURL, JobsBucket,
	JobsRegion, JobsBuckets, WorkerJobTimeout, AWSEndpoint, SessionsStore, SessionsTable,
	SessionsRedisAddr, SessionsRedisPass, WritesPaused,
}

// The values of SessionsStore.
const (
	StoreMemory   = "memory"   // in the process: one instance only
	StoreDynamoDB = "dynamodb" // a DynamoDB table (SessionsTable), replicated across regions
	StoreRedis    = "redis"    // a Redis of its own that never evicts (SessionsRedisAddr)
)

// The settings the boot script on a host reads, not the app: the image to
// run and whether the host runs its own database and cache (phase 1).
const (
	Image     = "image"
	LocalData = "local_data"
)

// ShardSecretARN, ShardUser and ShardPassword name shard id's own
// credentials (shard_<id>.secret_arn, i.e. SCALEZERO_SHARD_<id>_SECRET_ARN);
// a shard without them uses the main database's.
func ShardSecretARN(id int) string { return fmt.Sprintf("shard_%d.secret_arn", id) }
func ShardUser(id int) string      { return fmt.Sprintf("shard_%d.user", id) }
func ShardPassword(id int) string  { return fmt.Sprintf("shard_%d.password", id) }
