package plan

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"
)

// Defaults holds the default of every config key, in one place. Pulumi.yaml
// declares the same defaults; a test keeps the two equal.
var Defaults = map[string]string{
	"phase":                         "1",
	"target":                        "aws",
	"localstackEndpoint":            "http://localhost:4566",
	"dockerHost":                    "",
	"localPort":                     "8080",
	"localBindAddress":              "127.0.0.1",
	"primaryRegion":                 "us-east-1",
	"secondaryRegion":               "eu-west-1",
	"azCount":                       "2",
	"natGateways":                   "single",
	"vpcCidr":                       "10.0.0.0/16",
	"secondaryVpcCidr":              "10.1.0.0/16",
	"serverInstanceType":            "t3.small",
	"webInstanceType":               "t3.small",
	"webMin":                        "2",
	"webDesired":                    "2",
	"webMax":                        "6",
	"dbInstanceClass":               "db.t4g.medium",
	"dbAllocatedStorage":            "20",
	"dbMaxAllocatedStorage":         "100",
	"dbEngineVersion":               "16",
	"dbReplicas":                    "1",
	"dbBackupRetentionDays":         "7",
	"dbMultiAz":                     "true",
	"dbDeletionProtection":          "true",
	"dbSkipFinalSnapshot":           "false",
	"domain":                        "",
	"hostedZoneId":                  "",
	"zoneDelegated":                 "false",
	"lbDeletionProtection":          "true",
	"bucketForceDestroy":            "false",
	"cookieKeys":                    "",
	"logRetentionDays":              "30",
	"alertEmail":                    "",
	"cacheAuthToken":                "",
	"cacheNodeType":                 "cache.t4g.small",
	"cacheReplicas":                 "1",
	"cacheMaxmemoryPolicy":          "allkeys-lru",
	"cacheEngine":                   "redis",
	"cdnPriceClass":                 "PriceClass_100",
	"cdnDefaultTtl":                 "86400",
	"cdnMinTtl":                     "0",
	"cdnMaxTtl":                     "31536000",
	"scalingMetric":                 "cpu",
	"scalingTarget":                 "50",
	"geoLocations":                  "NA=primary,SA=primary,EU=secondary,AF=secondary,AS=secondary,OC=secondary",
	"workerInstanceType":            "t3.small",
	"workerMin":                     "2",
	"workerMax":                     "10",
	"backlogPerInstance":            "100",
	"jobTimeoutSeconds":             "120",
	"queueVisibilityTimeoutSeconds": "300",
	"queueMaxReceiveCount":          "5",
	"shards":                        "2",
	"shardReplicas":                 "1",
	"writerRegion":                  "",
	"lostRegion":                    "",
	"primaryDatabases":              "original",
	"writesPaused":                  "false",
}

// MaxmemoryPolicies are the eviction policies Redis and Valkey accept.
var MaxmemoryPolicies = []string{
	"allkeys-lru", "allkeys-lfu", "allkeys-random", "volatile-lru", "volatile-lfu",
	"volatile-random", "volatile-ttl", "noeviction",
}

var (
	// Regions of AWS's commercial partition (the stack writes arn:aws:
	// ARNs and the commercial service principals), the newest included
	// (ap-southeast-7, mx-central-1); GovCloud, China and the ISO regions
	// have partitions of their own.
	regionPattern     = regexp.MustCompile(`^(af|ap|ca|eu|il|me|mx|sa|us)-(central|north|northeast|northwest|south|southeast|southwest|east|west)-[0-9]{1,2}$`)
	instancePattern   = regexp.MustCompile(`^[a-z][a-z0-9-]*\.[a-z0-9]+$`)
	dbClassPattern    = regexp.MustCompile(`^db\.[a-z0-9-]+\.[a-z0-9]+$`)
	cacheNodePatern   = regexp.MustCompile(`^cache\.[a-z0-9-]+\.[a-z0-9]+$`)
	dockerHostPattern = regexp.MustCompile(`^(unix|tcp|ssh)://\S+$`)
	endpointPattern   = regexp.MustCompile(`^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?/?$`)
	domainPattern     = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)
	zoneIDPattern     = regexp.MustCompile(`^Z[A-Z0-9]{1,31}$`)
	continents        = map[string]bool{"AF": true, "AN": true, "AS": true, "EU": true, "OC": true, "NA": true, "SA": true}
	// ElastiCache AUTH tokens: 16 to 128 characters, letters, digits and only
	// the specials ElastiCache lists (!, &, #, $, ^, <, >, -).
	authTokenPattern = regexp.MustCompile(`^[A-Za-z0-9!&#$^<>-]{16,128}$`)
	cookieKeyPattern = regexp.MustCompile(`^[0-9a-f]{64,}(,[0-9a-f]{64,})*$`)
	countryPattern   = regexp.MustCompile(`^[A-Z]{2}$`)
	emailPattern     = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$`)
)

const regionAllowed = "an AWS region name of the commercial partition such as us-east-1 or ap-southeast-4 (not GovCloud, China or ISO: their ARNs differ)"

// Load reads and validates every setting. It returns the first problem as a
// *ConfigError naming the key and what it allows; nothing is declared before.
func Load(get Lookup) (Settings, error) {
	r := &reader{get: get}
	s := Settings{}
	s.Phase = r.intIn("phase", 1, MaxPhase)
	if r.err != nil {
		return s, fmt.Errorf("%w (the phase of the chapter this stack builds, e.g. `pulumi config set phase 3`)", r.err)
	}
	s.Target = r.oneOf("target", "aws", "localstack", "docker")
	s.LocalstackEndpoint = r.matching("localstackEndpoint", endpointPattern, "an http(s) URL such as http://localhost:4566")
	s.DockerHost = r.optional("dockerHost", dockerHostPattern, "empty (DOCKER_HOST or the local socket), or unix://, tcp:// or ssh:// address")
	s.LocalPort = r.intIn("localPort", 1024, 65000)
	s.LocalBindAddress = r.ipv4("localBindAddress", "an IPv4 address of the Docker host: 127.0.0.1 (this host only) or 0.0.0.0 (every interface, reachable from the network)")

	s.PrimaryRegion = r.matching("primaryRegion", regionPattern, regionAllowed)
	s.SecondaryRegion = r.matching("secondaryRegion", regionPattern, regionAllowed)
	s.AZCount = r.intIn("azCount", 1, 6)
	s.NATPerAZ = r.oneOf("natGateways", "single", "perAz") == "perAz"
	s.VPCCIDR = r.cidr("vpcCidr")
	s.SecondaryCIDR = r.cidr("secondaryVpcCidr")

	s.ServerInstanceType = r.matching("serverInstanceType", instancePattern, "an EC2 instance type such as t3.small")
	s.WebInstanceType = r.matching("webInstanceType", instancePattern, "an EC2 instance type such as t3.small")
	s.WebMin = r.intIn("webMin", 0, 1000)
	s.WebDesired = r.intIn("webDesired", 0, 1000)
	s.WebMax = r.intIn("webMax", 1, 1000)

	s.DBInstanceClass = r.matching("dbInstanceClass", dbClassPattern, "an RDS instance class such as db.t4g.medium")
	s.DBAllocatedStorage = r.intIn("dbAllocatedStorage", 20, 65536)
	s.DBMaxAllocatedStorage = r.intIn("dbMaxAllocatedStorage", 20, 65536)
	// A major version only: RDS picks the minor and upgrades it
	// (autoMinorVersionUpgrade); a pinned minor is one RDS stops creating
	// after its end of support, and one the provider would try to go back to.
	s.DBEngineVersion = fmt.Sprint(r.intIn("dbEngineVersion", 14, 18))
	s.DBReplicas = r.intIn("dbReplicas", 0, 15)
	s.DBBackupRetentionDays = r.intIn("dbBackupRetentionDays", 1, 35)
	s.DBMultiAZ = r.boolean("dbMultiAz")
	s.DBDeletionProtection = r.boolean("dbDeletionProtection")
	s.DBSkipFinalSnapshot = r.boolean("dbSkipFinalSnapshot")

	s.Domain = r.domain("domain")
	s.HostedZoneID = r.optional("hostedZoneId", zoneIDPattern, "empty, or a Route53 hosted zone id such as Z0123456789ABC")
	s.ZoneDelegated = r.boolean("zoneDelegated")
	s.LBDeletionProtection = r.boolean("lbDeletionProtection")
	s.BucketForceDestroy = r.boolean("bucketForceDestroy")
	s.LogRetentionDays = r.logRetention("logRetentionDays")
	s.AlertEmail = r.optional("alertEmail", emailPattern, "empty, or an email address that alarms notify (confirm the subscription AWS mails)")
	s.CookieKeys = r.optional("cookieKeys", cookieKeyPattern, "empty (the stack makes one), or comma-separated keys of at least 64 lower-case hex characters, the newest first")

	s.CacheAuthToken = r.optional("cacheAuthToken", authTokenPattern, "empty (the stack makes one), or 16 to 128 characters: letters, digits and ! & # $ ^ < > - only (ElastiCache's AUTH rules)")
	s.CacheNodeType = r.matching("cacheNodeType", cacheNodePatern, "an ElastiCache node type such as cache.t4g.small")
	s.CacheReplicas = r.intIn("cacheReplicas", 1, 5)
	s.CacheMaxmemoryPolicy = r.oneOf("cacheMaxmemoryPolicy", MaxmemoryPolicies...)
	s.CacheEngine = r.oneOf("cacheEngine", "redis", "valkey")
	s.CDNPriceClass = r.oneOf("cdnPriceClass", "PriceClass_100", "PriceClass_200", "PriceClass_All")
	s.CDNMinTTL = r.intIn("cdnMinTtl", 0, 31536000)
	s.CDNDefaultTTL = r.intIn("cdnDefaultTtl", 0, 31536000)
	s.CDNMaxTTL = r.intIn("cdnMaxTtl", 0, 31536000)

	s.ScalingMetric = r.oneOf("scalingMetric", "cpu", "requests")
	s.ScalingTarget = r.floatIn("scalingTarget", 1, 100000)
	s.GeoLocations = r.geoLocations("geoLocations")

	s.WorkerInstanceType = r.matching("workerInstanceType", instancePattern, "an EC2 instance type such as t3.small")
	s.WorkerMin = r.intIn("workerMin", 0, 1000) // 0: the fleet starts from zero when jobs arrive
	s.WorkerMax = r.intIn("workerMax", 1, 1000)
	s.BacklogPerInstance = r.intIn("backlogPerInstance", 1, 1000000)
	s.JobTimeoutSeconds = r.intIn("jobTimeoutSeconds", 1, 43200)
	s.QueueVisibilitySeconds = r.intIn("queueVisibilityTimeoutSeconds", 0, 43200)
	s.QueueMaxReceiveCount = r.intIn("queueMaxReceiveCount", 1, 1000)

	s.Shards = r.intIn("shards", 2, 64)
	s.ShardReplicas = r.intIn("shardReplicas", 0, 15)
	s.WriterRegion = r.optional("writerRegion", regionPattern, "empty (the primary region), or primaryRegion's or secondaryRegion's name")
	s.LostRegion = r.optional("lostRegion", regionPattern, "empty, or the name of the stack's region whose APIs fail")
	s.PrimaryDatabases = r.oneOf("primaryDatabases", PrimaryOriginal, PrimaryRetiring, PrimaryCopies, PrimaryRetiringCopies)
	s.WritesPaused = r.boolean("writesPaused")
	if r.err != nil {
		return s, r.err
	}
	return s, s.crossCheck()
}

func (r *reader) matching(key string, re *regexp.Regexp, allowed string) string {
	raw := r.str(key)
	if !re.MatchString(raw) {
		r.fail(key, raw, allowed)
	}
	return raw
}

func (r *reader) optional(key string, re *regexp.Regexp, allowed string) string {
	raw := r.str(key)
	if raw != "" && !re.MatchString(raw) {
		r.fail(key, raw, allowed)
	}
	return raw
}

// geoLocations parses "NA=primary,EU=secondary,DE=secondary".
func (r *reader) geoLocations(key string) []GeoLocation {
	raw := r.str(key)
	const allowed = "a comma-separated list of LOCATION=primary|secondary, LOCATION a continent code (AF AN AS EU NA OC SA) or a two-letter country code, each once"
	var out []GeoLocation
	seen := map[string]bool{}
	for _, part := range strings.Split(raw, ",") {
		loc, role, ok := strings.Cut(strings.TrimSpace(part), "=")
		loc = strings.TrimSpace(loc)
		role = strings.TrimSpace(role)
		if !ok || (role != "primary" && role != "secondary") || seen[loc] {
			r.fail(key, raw, allowed)
			return nil
		}
		seen[loc] = true
		g := GeoLocation{Secondary: role == "secondary"}
		switch {
		case continents[loc]:
			g.Continent = loc
		case countryPattern.MatchString(loc):
			g.Country = loc
		default:
			r.fail(key, raw, allowed)
			return nil
		}
		out = append(out, g)
	}
	return out
}

// crossCheck validates rules that span keys, only where the phase uses them.
func (s Settings) crossCheck() error {
	p := s.Phase
	switch {
	case p >= 3 && s.AZCount < 2:
		return &ConfigError{Key: "azCount", Value: fmt.Sprint(s.AZCount), Allowed: "at least 2 from phase 3 on (a load balancer and a fleet need two availability zones)"}
	case s.WebMin > s.WebMax:
		return &ConfigError{Key: "webMin", Value: fmt.Sprint(s.WebMin), Allowed: fmt.Sprintf("at most webMax (%d)", s.WebMax)}
	case s.WebDesired < s.WebMin || s.WebDesired > s.WebMax:
		return &ConfigError{Key: "webDesired", Value: fmt.Sprint(s.WebDesired), Allowed: fmt.Sprintf("from webMin (%d) to webMax (%d)", s.WebMin, s.WebMax)}
	case s.DBMaxAllocatedStorage < MinStorageCeiling(s.DBAllocatedStorage):
		return &ConfigError{Key: "dbMaxAllocatedStorage", Value: fmt.Sprint(s.DBMaxAllocatedStorage), Allowed: fmt.Sprintf("at least %d, 10%% above dbAllocatedStorage (%d): RDS refuses a lower storage-autoscaling ceiling", MinStorageCeiling(s.DBAllocatedStorage), s.DBAllocatedStorage)}
	case p >= 4 && s.DBReplicas < 1:
		return &ConfigError{Key: "dbReplicas", Value: fmt.Sprint(s.DBReplicas), Allowed: "at least 1 from phase 4 on (phase 4 is database replication)"}
	case s.CDNMinTTL > s.CDNDefaultTTL || s.CDNDefaultTTL > s.CDNMaxTTL:
		return &ConfigError{Key: "cdnDefaultTtl", Value: fmt.Sprint(s.CDNDefaultTTL), Allowed: fmt.Sprintf("cdnMinTtl (%d) <= cdnDefaultTtl <= cdnMaxTtl (%d)", s.CDNMinTTL, s.CDNMaxTTL)}
	case s.ScalingMetric == "cpu" && s.ScalingTarget > 100:
		return &ConfigError{Key: "scalingTarget", Value: fmt.Sprint(s.ScalingTarget), Allowed: "a CPU percentage from 1 to 100 when scalingMetric is cpu"}
	case p >= 7 && s.SecondaryRegion == s.PrimaryRegion:
		return &ConfigError{Key: "secondaryRegion", Value: s.SecondaryRegion, Allowed: "a region other than primaryRegion (" + s.PrimaryRegion + ")"}
	case p >= 7 && blocksOverlap(s.SecondaryCIDR, s.VPCCIDR):
		return &ConfigError{Key: "secondaryVpcCidr", Value: s.SecondaryCIDR, Allowed: "a block apart from vpcCidr (" + s.VPCCIDR + "): phase 7 peers the two VPCs, and peered blocks cannot overlap"}
	case p >= 7 && s.Domain == "" && s.Target != "docker":
		return &ConfigError{Key: "domain", Value: "", Allowed: "a DNS name you control from phase 7 on (geolocation routing needs a hosted zone): `pulumi config set domain shop.your-domain.com`"}
	case p >= 7 && !s.hasBothRoles():
		return &ConfigError{Key: "geoLocations", Value: s.geoCodes(), Allowed: "at least one location for each region (primary and secondary)"}
	case s.WorkerMin > s.WorkerMax:
		return &ConfigError{Key: "workerMin", Value: fmt.Sprint(s.WorkerMin), Allowed: fmt.Sprintf("at most workerMax (%d)", s.WorkerMax)}
	case s.WriterRegion != "" && s.WriterRegion != s.PrimaryRegion && s.WriterRegion != s.SecondaryRegion:
		return &ConfigError{Key: "writerRegion", Value: s.WriterRegion, Allowed: fmt.Sprintf("empty, %s (primaryRegion) or %s (secondaryRegion)", s.PrimaryRegion, s.SecondaryRegion)}
	case (s.WriterRole() == "secondary" || s.LostRegion != "") && p < 7:
		return &ConfigError{Key: failoverKey(s), Value: s.WriterRegion + s.LostRegion, Allowed: "empty before phase 7: a failover needs the second data center"}
	case (s.WriterRole() == "secondary" || s.LostRegion != "") && s.Target == "docker":
		return &ConfigError{Key: failoverKey(s), Value: s.WriterRegion + s.LostRegion, Allowed: "empty on the docker target: its two regions share one host, and a failover promotes RDS copies"}
	case s.LostRegion != "" && s.LostRegion != s.PrimaryRegion && s.LostRegion != s.SecondaryRegion:
		return &ConfigError{Key: "lostRegion", Value: s.LostRegion, Allowed: fmt.Sprintf("empty, %s (primaryRegion) or %s (secondaryRegion)", s.PrimaryRegion, s.SecondaryRegion)}
	case s.LostRegion != "" && s.LostRole() == s.WriterRole():
		return &ConfigError{Key: "lostRegion", Value: s.LostRegion, Allowed: "a region other than the writer region: fail the writes over first (pulumi config set writerRegion " + s.other(s.LostRegion) + ")"}
	case s.PrimaryDatabases != PrimaryOriginal && (p < 7 || s.Target == "docker"):
		return &ConfigError{Key: "primaryDatabases", Value: s.PrimaryDatabases, Allowed: "original before phase 7 and on the docker target: a failback rebuilds RDS copies of the second data center"}
	case s.WritesPaused && s.Target == "docker":
		return &ConfigError{Key: "writesPaused", Value: "true", Allowed: "false on the docker target: its containers read their settings once, at start"}
	case s.WriterRole() == "secondary" && s.LostRegion == "" && s.PrimaryDatabases == PrimaryOriginal:
		// With both regions answering, the first region's hosts must not
		// write to its old primary while the second's write to the
		// promoted copy: the old primaries are retired (fenced off,
		// deletion protection off, a final snapshot named) before a
		// failback replaces them by copies.
		return &ConfigError{Key: "primaryDatabases", Value: s.PrimaryDatabases, Allowed: fmt.Sprintf("retiring once %s answers again while %s holds the writers (`pulumi config set primaryDatabases retiring`), then copies (see the failover runbook)", s.PrimaryRegion, s.SecondaryRegion)}
	case s.PrimaryRetires() && (s.WriterRole() != "secondary" || s.LostRegion != ""):
		return &ConfigError{Key: "primaryDatabases", Value: s.PrimaryDatabases, Allowed: fmt.Sprintf("%s only with writerRegion %s and lostRegion empty: it prepares the failback of %s; original or copies otherwise", s.PrimaryDatabases, s.SecondaryRegion, s.PrimaryRegion)}
	case s.WritesPaused && s.LostRegion != "":
		return &ConfigError{Key: "writesPaused", Value: "true", Allowed: "false while a region is lost: pausing writes prepares a planned switchover, which needs both regions"}
	case s.QueueVisibilitySeconds < s.JobTimeoutSeconds:
		return &ConfigError{Key: "queueVisibilityTimeoutSeconds", Value: fmt.Sprint(s.QueueVisibilitySeconds), Allowed: fmt.Sprintf("at least jobTimeoutSeconds (%d), or a message reappears while its job still runs", s.JobTimeoutSeconds)}
	}
	return nil
}

// failoverKey names the failover setting a phase or target refuses.
func failoverKey(s Settings) string {
	if s.WriterRole() == "secondary" {
		return "writerRegion"
	}
	return "lostRegion"
}

// other is the stack's region that is not r.
func (s Settings) other(r string) string {
	if r == s.PrimaryRegion {
		return s.SecondaryRegion
	}
	return s.PrimaryRegion
}

func (s Settings) hasBothRoles() bool {
	var primary, secondary bool
	for _, g := range s.GeoLocations {
		primary = primary || !g.Secondary
		secondary = secondary || g.Secondary
	}
	return primary && secondary
}

func (s Settings) geoCodes() string {
	parts := make([]string, len(s.GeoLocations))
	for i, g := range s.GeoLocations {
		role := "primary"
		if g.Secondary {
			role = "secondary"
		}
		parts[i] = g.Code() + "=" + role
	}
	return strings.Join(parts, ",")
}

// MinStorageCeiling is the lowest storage-autoscaling ceiling RDS accepts for
// an allocation: 10% above it, in whole GiB (Amazon RDS User Guide,
// "Managing capacity automatically with Amazon RDS storage autoscaling").
func MinStorageCeiling(allocatedGiB int) int { return (allocatedGiB*11 + 9) / 10 }

// blocksOverlap reports whether two IPv4 blocks share an address (both are
// validated as blocks before this is asked).
func blocksOverlap(a, b string) bool {
	pa, errA := netip.ParsePrefix(a)
	pb, errB := netip.ParsePrefix(b)
	return errA == nil && errB == nil && pa.Overlaps(pb)
}
