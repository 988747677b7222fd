// Package plan turns a stack's raw configuration into validated settings and
// decides which tiers exist in each phase. It imports no cloud SDK, so every
// builder (aws, localstack, docker) reads one plan.
package plan

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// Namespace is the Pulumi config namespace (the project name) of every key below.
const Namespace = "scalezero"

// MaxPhase is the last phase of the chapter.
const MaxPhase = 9

// Settings are the validated stack settings. Field comments name the config key.
type Settings struct {
	Phase int // phase: 1..9

	// Target is where the stack is built: aws; localstack (the same
	// resources, every AWS endpoint at LocalstackEndpoint); or docker
	// (containers standing in for each tier on one Docker host).
	Target             string // target: aws | localstack | docker
	LocalstackEndpoint string // localstackEndpoint
	DockerHost         string // dockerHost (optional)
	LocalPort          int    // localPort: the docker target's first host port
	LocalBindAddress   string // localBindAddress: the host address its ports are published on

	PrimaryRegion   string // primaryRegion
	SecondaryRegion string // secondaryRegion (used from phase 7)
	AZCount         int    // azCount
	NATPerAZ        bool   // natGateways: single | perAz
	VPCCIDR         string // vpcCidr
	SecondaryCIDR   string // secondaryVpcCidr

	ServerInstanceType string // serverInstanceType (phases 1-2)
	WebInstanceType    string // webInstanceType
	WebMin             int    // webMin
	WebDesired         int    // webDesired
	WebMax             int    // webMax

	DBInstanceClass       string // dbInstanceClass
	DBAllocatedStorage    int    // dbAllocatedStorage (GiB)
	DBMaxAllocatedStorage int    // dbMaxAllocatedStorage (GiB, storage autoscaling ceiling)
	DBEngineVersion       string // dbEngineVersion: a major version, e.g. "16"
	DBReplicas            int    // dbReplicas (phase 4 on)
	DBBackupRetentionDays int    // dbBackupRetentionDays
	DBMultiAZ             bool   // dbMultiAz
	DBDeletionProtection  bool   // dbDeletionProtection
	DBSkipFinalSnapshot   bool   // dbSkipFinalSnapshot

	Domain       string // domain (optional until phase 7 on aws)
	HostedZoneID string // hostedZoneId (optional: use an existing, delegated zone)
	// ZoneDelegated says the domain's NS records point at the zone the stack
	// made, so ACM can validate certificates by DNS (zoneDelegated).
	ZoneDelegated        bool
	LBDeletionProtection bool   // lbDeletionProtection
	BucketForceDestroy   bool   // bucketForceDestroy: buckets of user data (jobs, logs) may be deleted with their objects
	CookieKeys           string // cookieKeys (secret, optional): keys signing the app's cookies, newest first
	LogRetentionDays     int    // logRetentionDays: access logs and log groups
	AlertEmail           string // alertEmail (optional): who alarms mail

	CacheAuthToken       string // cacheAuthToken (secret, optional: the stack makes one)
	CacheNodeType        string // cacheNodeType
	CacheReplicas        int    // cacheReplicas
	CacheMaxmemoryPolicy string // cacheMaxmemoryPolicy
	CacheEngine          string // cacheEngine: redis or valkey (a switch replaces the deployed cache)
	CDNPriceClass        string // cdnPriceClass
	CDNDefaultTTL        int    // cdnDefaultTtl (seconds)
	CDNMinTTL            int    // cdnMinTtl
	CDNMaxTTL            int    // cdnMaxTtl

	ScalingMetric string  // scalingMetric: cpu | requests
	ScalingTarget float64 // scalingTarget

	GeoLocations []GeoLocation // geoLocations: "NA=primary,EU=secondary"

	WorkerInstanceType     string // workerInstanceType
	WorkerMin              int    // workerMin
	WorkerMax              int    // workerMax
	BacklogPerInstance     int    // backlogPerInstance
	JobTimeoutSeconds      int    // jobTimeoutSeconds
	QueueVisibilitySeconds int    // queueVisibilityTimeoutSeconds
	QueueMaxReceiveCount   int    // queueMaxReceiveCount

	Shards        int // shards (phase 9)
	ShardReplicas int // shardReplicas

	// WriterRegion holds the write primaries (writerRegion; empty: the
	// primary region). Set to the second region, it fails the writes over:
	// the second region's copies are promoted and its hosts write to them.
	WriterRegion string
	// LostRegion is a region whose APIs fail (lostRegion, optional): the
	// program then changes nothing there and asks it nothing, so that a
	// failover can run during the outage.
	LostRegion string
	// PrimaryDatabases is what the first region's databases are
	// (primaryDatabases): PrimaryOriginal, PrimaryRetiring, PrimaryCopies
	// or PrimaryRetiringCopies.
	PrimaryDatabases string
	// WritesPaused makes the hosts of every region answer writes 503 with
	// Retry-After (writesPaused), so that a copy can catch up before a
	// planned switchover promotes it.
	WritesPaused bool
}

// The first region's databases (primaryDatabases). RDS cannot turn a
// standalone instance into a replica (the provider answers "cannot elect new
// source database for replication"), so the first region comes back after a
// failover by replacing its old primaries with copies of the promoted ones.
const (
	// PrimaryOriginal: the primaries the stack created (the default).
	PrimaryOriginal = "original"
	// PrimaryRetiring: the old primaries once the first region answers
	// again after a failover, before they are replaced: the first region's
	// hosts write to and read from the second region, the old primaries
	// lose their deletion protection (RDS refuses to delete a protected
	// instance, and a replacement deletes first) and keep a named final
	// snapshot; their same-region replicas go. Their other inputs keep what
	// their state holds, whichever form they were created in.
	PrimaryRetiring = "retiring"
	// PrimaryCopies: rebuilt by a failback as cross-region replicas of
	// the second region's instances, each with a KMS key of its own
	// region; promoted again when writerRegion is the first region (the
	// planned switchover). They keep this form from then on.
	PrimaryCopies = "copies"
	// PrimaryRetiringCopies is PrimaryRetiring for databases that are
	// copies already (a second failback): they keep their KMS keys.
	PrimaryRetiringCopies = "retiringCopies"
)

// PrimaryRetires reports whether the first region's databases are being
// retired (PrimaryRetiring or PrimaryRetiringCopies).
func (s Settings) PrimaryRetires() bool {
	return s.PrimaryDatabases == PrimaryRetiring || s.PrimaryDatabases == PrimaryRetiringCopies
}

// PrimaryCopyForm reports whether the first region's databases were built
// as copies (PrimaryCopies or PrimaryRetiringCopies).
func (s Settings) PrimaryCopyForm() bool {
	return s.PrimaryDatabases == PrimaryCopies || s.PrimaryDatabases == PrimaryRetiringCopies
}

// PrimaryHoldsCopies reports whether the first region's databases are
// copies that replicate from the second region now: not while the first
// region is lost (a second failover), when they are the stale writers.
func (s Settings) PrimaryHoldsCopies() bool {
	return s.PrimaryDatabases == PrimaryCopies && s.WriterRole() == "secondary" && s.LostRole() != "primary"
}

// WriterRole is "primary" or "secondary": the region role that holds the writers.
func (s Settings) WriterRole() string {
	if s.WriterRegion != "" && s.WriterRegion == s.SecondaryRegion && s.SecondaryRegion != s.PrimaryRegion {
		return "secondary"
	}
	return "primary"
}

// LostRole is "", "primary" or "secondary": the region role whose APIs fail.
func (s Settings) LostRole() string {
	switch s.LostRegion {
	case "":
		return ""
	case s.PrimaryRegion:
		return "primary"
	default:
		return "secondary"
	}
}

// GeoLocation maps a Route53 geolocation (continent code, or country code) to a region role.
type GeoLocation struct {
	Continent string // two-letter continent code, or "" when Country is set
	Country   string // ISO country code, or ""
	Secondary bool   // true: served by the secondary region
}

// Code returns the location as written in config.
func (g GeoLocation) Code() string {
	if g.Country != "" {
		return g.Country
	}
	return g.Continent
}

// Lookup returns the raw value of a config key (without namespace) and whether it is set.
type Lookup func(key string) (string, bool)

// FromMap adapts a map of raw values, keyed with or without the namespace.
func FromMap(m map[string]string) Lookup {
	return func(key string) (string, bool) {
		if v, ok := m[Namespace+":"+key]; ok {
			return v, true
		}
		v, ok := m[key]
		return v, ok
	}
}

// ConfigError names the config key at fault and what it allows.
type ConfigError struct {
	Key     string
	Value   string
	Allowed string
}

func (e *ConfigError) Error() string {
	if secretKeys[e.Key] {
		return fmt.Sprintf("config %s:%s (secret) is invalid: allowed %s", Namespace, e.Key, e.Allowed)
	}
	return fmt.Sprintf("config %s:%s = %q is invalid: allowed %s", Namespace, e.Key, e.Value, e.Allowed)
}

// secretKeys are never echoed in errors.
var secretKeys = map[string]bool{"cacheAuthToken": true, "cookieKeys": true}

// reader collects the first error so that Load reads like a list of keys.
type reader struct {
	get Lookup
	err error
}

func (r *reader) fail(key, value, allowed string) {
	if r.err == nil {
		r.err = &ConfigError{Key: key, Value: value, Allowed: allowed}
	}
}

func (r *reader) str(key string) string {
	if v, ok := r.get(key); ok {
		return strings.TrimSpace(v)
	}
	return Defaults[key]
}

func (r *reader) intIn(key string, lo, hi int) int {
	raw := r.str(key)
	n, err := strconv.Atoi(raw)
	if err != nil || n < lo || n > hi {
		r.fail(key, raw, fmt.Sprintf("a whole number from %d to %d", lo, hi))
		return lo
	}
	return n
}

func (r *reader) floatIn(key string, lo, hi float64) float64 {
	raw := r.str(key)
	f, err := strconv.ParseFloat(raw, 64)
	if err != nil || f < lo || f > hi {
		r.fail(key, raw, fmt.Sprintf("a number from %g to %g", lo, hi))
		return lo
	}
	return f
}

func (r *reader) boolean(key string) bool {
	raw := r.str(key)
	b, err := strconv.ParseBool(raw)
	if err != nil {
		r.fail(key, raw, "true or false")
	}
	return b
}

func (r *reader) oneOf(key string, allowed ...string) string {
	raw := r.str(key)
	for _, a := range allowed {
		if raw == a {
			return raw
		}
	}
	r.fail(key, raw, "one of "+strings.Join(allowed, ", "))
	return allowed[0]
}

func (r *reader) ipv4(key, allowed string) string {
	raw := r.str(key)
	if a, err := netip.ParseAddr(raw); err != nil || !a.Is4() {
		r.fail(key, raw, allowed)
	}
	return raw
}

func (r *reader) cidr(key string) string {
	raw := r.str(key)
	p, err := netip.ParsePrefix(raw)
	if err != nil || !p.Addr().Is4() || p.Bits() < 16 || p.Bits() > 20 {
		r.fail(key, raw, "an IPv4 CIDR block from /16 to /20, such as 10.0.0.0/16")
		return raw
	}
	return p.Masked().String()
}

// reservedSuffixes are the names RFC 2606 and RFC 6761 reserve; Route 53
// refuses hosted zones for them (InvalidDomainName).
var reservedSuffixes = []string{"example.com", "example.net", "example.org", "example", "test", "invalid", "localhost"}

// domain reads an optional DNS name that the stack will make a hosted zone for.
func (r *reader) domain(key string) string {
	raw := r.str(key)
	if raw == "" {
		return ""
	}
	if !domainPattern.MatchString(raw) {
		r.fail(key, raw, "empty, or a lower-case DNS name you control, such as shop.your-domain.com")
		return raw
	}
	for _, suffix := range reservedSuffixes {
		if raw == suffix || strings.HasSuffix(raw, "."+suffix) {
			r.fail(key, raw, "a name you control: "+suffix+" is reserved (RFC 2606/6761) and Route 53 refuses a zone for it")
			return raw
		}
	}
	return raw
}

// LogRetentionDays are the retention periods CloudWatch Logs accepts; the
// access-log buckets keep logs as long.
var LogRetentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

func (r *reader) logRetention(key string) int {
	raw := r.str(key)
	n, err := strconv.Atoi(raw)
	if err == nil && slices.Contains(LogRetentionDays, n) {
		return n
	}
	r.fail(key, raw, fmt.Sprintf("one of CloudWatch Logs' retention periods in days: %v", LogRetentionDays))
	return 30
}

// CheckSecrets refuses a secret setting that was set in plain text: it would
// sit unencrypted in the stack file and in state.
func CheckSecrets(get Lookup, isSecret func(key string) bool) error {
	for _, key := range SortedSecretKeys() {
		if v, ok := get(key); ok && v != "" && !isSecret(key) {
			return &ConfigError{Key: key, Allowed: "a secret: set it with `pulumi config set --secret " + key + " ...`"}
		}
	}
	return nil
}

// SortedSecretKeys lists the keys whose values are secrets.
func SortedSecretKeys() []string {
	return slices.Sorted(maps.Keys(secretKeys))
}
