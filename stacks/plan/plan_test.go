package plan

import (
	"errors"
	"strings"
	"testing"
)

const token = "0123456789abcdef0123"

func load(t *testing.T, kv map[string]string) (Settings, error) {
	t.Helper()
	return Load(FromMap(kv))
}

func TestDefaultsLoadForEveryPhase(t *testing.T) {
	for phase := 1; phase <= MaxPhase; phase++ {
		kv := map[string]string{"phase": itoa(phase), "domain": "shop.scalezero-demo.net", "cacheAuthToken": token}
		s, err := load(t, kv)
		if err != nil {
			t.Fatalf("phase %d: %v", phase, err)
		}
		if s.Phase != phase {
			t.Fatalf("phase %d loaded as %d", phase, s.Phase)
		}
	}
}

func itoa(n int) string { return string(rune('0' + n)) }

func TestBadConfigNamesTheKeyAndWhatIsAllowed(t *testing.T) {
	cases := []struct {
		name    string
		kv      map[string]string
		key     string
		allowed string
	}{
		{"phase zero", map[string]string{"phase": "0"}, "phase", "1 to 9"},
		{"writer in a third region", map[string]string{"phase": "7", "domain": "shop.scalezero-demo.net", "writerRegion": "ap-south-1"}, "writerRegion", "us-east-1 (primaryRegion) or eu-west-1 (secondaryRegion)"},
		{"failover before phase 7", map[string]string{"phase": "6", "writerRegion": "eu-west-1"}, "writerRegion", "empty before phase 7"},
		{"lost region before phase 7", map[string]string{"phase": "5", "lostRegion": "us-east-1"}, "lostRegion", "empty before phase 7"},
		{"the writer lost", map[string]string{"phase": "7", "domain": "shop.scalezero-demo.net", "lostRegion": "us-east-1"}, "lostRegion", "pulumi config set writerRegion eu-west-1"},
		{"the new writer lost", map[string]string{"phase": "9", "domain": "shop.scalezero-demo.net", "writerRegion": "eu-west-1", "lostRegion": "eu-west-1"}, "lostRegion", "pulumi config set writerRegion us-east-1"},
		{"a third region lost", map[string]string{"phase": "7", "domain": "shop.scalezero-demo.net", "lostRegion": "ap-south-1"}, "lostRegion", "us-east-1 (primaryRegion) or eu-west-1"},
		{"failover on docker", map[string]string{"phase": "7", "target": "docker", "writerRegion": "eu-west-1"}, "writerRegion", "empty on the docker target"},
		{"two writers once the first region is back", map[string]string{"phase": "7", "domain": "shop.scalezero-demo.net", "writerRegion": "eu-west-1"}, "primaryDatabases", "retiring once us-east-1 answers again"},
		{"an unknown form of the first region's databases", map[string]string{"phase": "7", "domain": "shop.scalezero-demo.net", "primaryDatabases": "replicas"}, "primaryDatabases", "one of original, retiring, copies, retiringCopies"},
		{"copies before phase 7", map[string]string{"phase": "6", "primaryDatabases": "copies"}, "primaryDatabases", "original before phase 7"},
		{"copies on docker", map[string]string{"phase": "7", "target": "docker", "primaryDatabases": "copies"}, "primaryDatabases", "on the docker target"},
		{"retiring the writers", map[string]string{"phase": "7", "domain": "shop.scalezero-demo.net", "primaryDatabases": "retiring"}, "primaryDatabases", "retiring only with writerRegion eu-west-1 and lostRegion empty"},
		{"retiring a lost region", map[string]string{"phase": "9", "domain": "shop.scalezero-demo.net", "writerRegion": "eu-west-1", "lostRegion": "us-east-1", "primaryDatabases": "retiringCopies"}, "primaryDatabases", "retiringCopies only with writerRegion eu-west-1 and lostRegion empty"},
		{"writes paused with a region lost", map[string]string{"phase": "7", "domain": "shop.scalezero-demo.net", "writerRegion": "eu-west-1", "lostRegion": "us-east-1", "writesPaused": "true"}, "writesPaused", "false while a region is lost"},
		{"writes paused on docker", map[string]string{"phase": "3", "target": "docker", "writesPaused": "true"}, "writesPaused", "false on the docker target"},
		{"writes paused not a bool", map[string]string{"phase": "7", "domain": "shop.scalezero-demo.net", "writesPaused": "soon"}, "writesPaused", "true or false"},
		{"phase ten", map[string]string{"phase": "10"}, "phase", "1 to 9"},
		{"phase in words", map[string]string{"phase": "five"}, "phase", "1 to 9"},
		{"min above max", map[string]string{"webMin": "5", "webMax": "3", "webDesired": "4"}, "webMin", "at most webMax"},
		{"desired outside", map[string]string{"webDesired": "9"}, "webDesired", "from webMin"},
		{"storage ceiling too close", map[string]string{"dbAllocatedStorage": "100", "dbMaxAllocatedStorage": "105"}, "dbMaxAllocatedStorage", "at least 110"},
		{"negative replicas", map[string]string{"dbReplicas": "-1"}, "dbReplicas", "0 to 15"},
		{"no replicas in phase 4", map[string]string{"phase": "4", "dbReplicas": "0"}, "dbReplicas", "at least 1 from phase 4"},
		{"one zone with a fleet", map[string]string{"phase": "3", "azCount": "1"}, "azCount", "at least 2 from phase 3"},
		{"bad region", map[string]string{"primaryRegion": "Virginia"}, "primaryRegion", "AWS region"},
		{"govcloud region", map[string]string{"primaryRegion": "us-gov-west-1"}, "primaryRegion", "not GovCloud, China or ISO"},
		{"china region", map[string]string{"secondaryRegion": "cn-north-1"}, "secondaryRegion", "not GovCloud, China or ISO"},
		{"iso region", map[string]string{"primaryRegion": "us-iso-east-1"}, "primaryRegion", "commercial partition"},
		{"bad nat", map[string]string{"natGateways": "many"}, "natGateways", "single, perAz"},
		{"bad cidr", map[string]string{"vpcCidr": "10.0.0.0/8"}, "vpcCidr", "/16 to /20"},
		{"overlapping regions", map[string]string{"phase": "7", "vpcCidr": "10.0.0.0/16", "secondaryVpcCidr": "10.0.128.0/17"}, "secondaryVpcCidr", "a block apart from vpcCidr"},
		{"bad boolean", map[string]string{"dbMultiAz": "yes please"}, "dbMultiAz", "true or false"},
		{"short cache token", map[string]string{"cacheAuthToken": "short"}, "cacheAuthToken", "16 to 128"},
		// ElastiCache takes only ! & # $ ^ < > - besides letters and digits.
		{"cache token with a percent sign", map[string]string{"cacheAuthToken": "0123456789abcdef%"}, "cacheAuthToken", "! & # $ ^ < > -"},
		{"cache token with a period", map[string]string{"cacheAuthToken": "0123456789abcdef.x"}, "cacheAuthToken", "letters, digits"},
		{"reserved domain", map[string]string{"domain": "app.example.com"}, "domain", "example.com is reserved"},
		{"reserved tld", map[string]string{"domain": "shop.test"}, "domain", "test is reserved"},
		{"reserved example.org", map[string]string{"domain": "example.org"}, "domain", "reserved"},
		{"pinned minor version", map[string]string{"dbEngineVersion": "16.4"}, "dbEngineVersion", "14 to 18"},
		{"log retention RDS would refuse", map[string]string{"logRetentionDays": "10"}, "logRetentionDays", "retention periods"},
		{"short cookie key", map[string]string{"cookieKeys": "abcdef"}, "cookieKeys", "64 lower-case hex"},
		{"unknown maxmemory policy", map[string]string{"cacheMaxmemoryPolicy": "lru-please"}, "cacheMaxmemoryPolicy", "allkeys-lru"},
		{"unknown cache engine", map[string]string{"cacheEngine": "memcached"}, "cacheEngine", "valkey"},
		{"ttl order", map[string]string{"cdnMinTtl": "100", "cdnDefaultTtl": "10"}, "cdnDefaultTtl", "cdnMinTtl"},
		{"cpu over 100", map[string]string{"scalingTarget": "150"}, "scalingTarget", "CPU percentage"},
		{"same second region", map[string]string{"phase": "7", "domain": "a.scalezero-demo.net", "cacheAuthToken": token, "secondaryRegion": "us-east-1"}, "secondaryRegion", "other than primaryRegion"},
		{"phase 7 without domain", map[string]string{"phase": "7"}, "domain", "from phase 7"},
		{"geo syntax", map[string]string{"geoLocations": "NA:primary"}, "geoLocations", "LOCATION=primary|secondary"},
		{"geo one region only", map[string]string{"phase": "7", "domain": "a.scalezero-demo.net", "cacheAuthToken": token, "geoLocations": "NA=primary"}, "geoLocations", "each region"},
		{"visibility below job", map[string]string{"jobTimeoutSeconds": "600", "queueVisibilityTimeoutSeconds": "300"}, "queueVisibilityTimeoutSeconds", "at least jobTimeoutSeconds"},
		{"one shard", map[string]string{"shards": "1"}, "shards", "2 to 64"},
		{"worker min above max", map[string]string{"workerMin": "5", "workerMax": "2"}, "workerMin", "at most workerMax"},
		{"unknown target", map[string]string{"target": "gcp"}, "target", "aws, localstack"},
		{"bind address by name", map[string]string{"localBindAddress": "localhost"}, "localBindAddress", "127.0.0.1 (this host only)"},
		{"bind address v6", map[string]string{"localBindAddress": "::1"}, "localBindAddress", "an IPv4 address"},
		{"localstack endpoint without scheme", map[string]string{"target": "localstack", "localstackEndpoint": "localhost:4566"}, "localstackEndpoint", "http(s) URL"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := load(t, c.kv)
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("want a *ConfigError, got %v", err)
			}
			if ce.Key != c.key {
				t.Fatalf("error names %q, want %q: %v", ce.Key, c.key, err)
			}
			msg := err.Error()
			if !strings.Contains(msg, "scalezero:"+c.key) || !strings.Contains(msg, c.allowed) {
				t.Fatalf("message %q should name scalezero:%s and say %q", msg, c.key, c.allowed)
			}
		})
	}
}

func TestSecretValuesAreNeverEchoed(t *testing.T) {
	_, err := load(t, map[string]string{"cacheAuthToken": "bad token with spaces"})
	if err == nil || strings.Contains(err.Error(), "bad token") {
		t.Fatalf("error must reject the token without echoing it: %v", err)
	}
}

func TestPlanTiersByPhase(t *testing.T) {
	type tiers struct{ server, local, db, web, sticky, scaling, cache, shared, multi, queue bool }
	want := map[int]tiers{
		1: {server: true, local: true},
		2: {server: true, db: true},
		3: {db: true, web: true, sticky: true},
		4: {db: true, web: true, sticky: true},
		5: {db: true, web: true, sticky: true, cache: true},
		6: {db: true, web: true, scaling: true, cache: true, shared: true},
		7: {db: true, web: true, scaling: true, cache: true, shared: true, multi: true},
		8: {db: true, web: true, scaling: true, cache: true, shared: true, multi: true, queue: true},
		9: {db: true, web: true, scaling: true, cache: true, shared: true, multi: true, queue: true},
	}
	for phase, w := range want {
		s, err := load(t, map[string]string{"phase": itoa(phase), "domain": "a.scalezero-demo.net", "cacheAuthToken": token})
		if err != nil {
			t.Fatal(err)
		}
		p := For(s)
		got := tiers{p.SingleServer, p.LocalData, p.Database, p.WebTier, p.Stickiness, p.TargetScaling, p.Cache, p.SharedSessions, p.MultiRegion, p.Queue}
		if got != w {
			t.Errorf("phase %d: tiers %+v, want %+v", phase, got, w)
		}
		if (p.DBReplicas > 0) != (phase >= 4) || (p.Shards > 0) != (phase == 9) || p.CDN != p.Cache {
			t.Errorf("phase %d: replicas %d shards %d cdn %v", phase, p.DBReplicas, p.Shards, p.CDN)
		}
		if p.Stickiness && p.SharedSessions {
			t.Errorf("phase %d: stickiness and shared sessions together", phase)
		}
	}
}

func TestGeoLocationsParse(t *testing.T) {
	s, err := load(t, map[string]string{"geoLocations": "NA=primary, DE=secondary,EU=secondary"})
	if err != nil {
		t.Fatal(err)
	}
	want := []GeoLocation{{Continent: "NA"}, {Country: "DE", Secondary: true}, {Continent: "EU", Secondary: true}}
	if len(s.GeoLocations) != len(want) {
		t.Fatalf("got %+v", s.GeoLocations)
	}
	for i := range want {
		if s.GeoLocations[i] != want[i] {
			t.Fatalf("location %d: %+v, want %+v", i, s.GeoLocations[i], want[i])
		}
	}
}

// The shipped defaults deploy every phase the target allows without a
// domain: aws up to 6 (7 routes by geolocation in a zone), docker all nine.
func TestNoDomainNeededBeforePhase7OrOnDocker(t *testing.T) {
	for phase := 1; phase <= MaxPhase; phase++ {
		_, err := load(t, map[string]string{"phase": itoa(phase)})
		if (err != nil) != (phase >= 7) {
			t.Errorf("aws phase %d without a domain: %v", phase, err)
		}
		if _, err := load(t, map[string]string{"phase": itoa(phase), "target": "docker"}); err != nil {
			t.Errorf("docker phase %d without a domain: %v", phase, err)
		}
	}
}

// HTTPS needs a zone ACM can validate in: a delegated one, or an existing one.
func TestHTTPSNeedsADelegatedZone(t *testing.T) {
	cases := []struct {
		kv   map[string]string
		want bool
	}{
		{map[string]string{"phase": "3"}, false},
		{map[string]string{"phase": "3", "domain": "shop.scalezero-demo.net"}, false},
		{map[string]string{"phase": "3", "domain": "shop.scalezero-demo.net", "zoneDelegated": "true"}, true},
		{map[string]string{"phase": "3", "domain": "shop.scalezero-demo.net", "hostedZoneId": "Z0123456789ABC"}, true},
		{map[string]string{"phase": "2", "domain": "shop.scalezero-demo.net", "zoneDelegated": "true"}, false},
		{map[string]string{"phase": "3", "domain": "shop.scalezero-demo.net", "zoneDelegated": "true", "target": "docker"}, false},
	}
	for _, c := range cases {
		s, err := load(t, c.kv)
		if err != nil {
			t.Fatal(err)
		}
		if got := For(s).HTTPS; got != c.want {
			t.Errorf("%v: HTTPS %v, want %v", c.kv, got, c.want)
		}
	}
}

// Regions opened since 2022 are regions like the others: the config takes
// them (the stack then admits their load balancers' log delivery by the
// service principal, components/logs).
func TestRegionsOpenedSince2022Load(t *testing.T) {
	for _, region := range []string{"ap-southeast-4", "il-central-1", "mx-central-1", "ca-west-1", "ap-southeast-7", "eu-central-2"} {
		t.Run(region, func(t *testing.T) {
			s, err := load(t, map[string]string{"primaryRegion": region, "secondaryRegion": "us-east-1"})
			if err != nil {
				t.Fatal(err)
			}
			if s.PrimaryRegion != region {
				t.Fatalf("primaryRegion = %q, want %q", s.PrimaryRegion, region)
			}
		})
	}
}

// Every step of the runbook's failover, failback and switchover loads, at
// the phases with a second data center.
func TestTheRunbookStepsLoad(t *testing.T) {
	steps := []struct {
		name string
		kv   map[string]string
	}{
		{"failover", map[string]string{"writerRegion": "eu-west-1", "lostRegion": "us-east-1"}},
		{"first region back, old primaries retiring", map[string]string{"writerRegion": "eu-west-1", "primaryDatabases": "retiring"}},
		{"failback: copies", map[string]string{"writerRegion": "eu-west-1", "primaryDatabases": "copies"}},
		{"writes paused", map[string]string{"writerRegion": "eu-west-1", "primaryDatabases": "copies", "writesPaused": "true"}},
		{"switchover", map[string]string{"primaryDatabases": "copies", "writesPaused": "true"}},
		{"writes resumed", map[string]string{"primaryDatabases": "copies"}},
		{"a second failover", map[string]string{"writerRegion": "eu-west-1", "lostRegion": "us-east-1", "primaryDatabases": "copies"}},
		{"a second failback retiring the copies", map[string]string{"writerRegion": "eu-west-1", "primaryDatabases": "retiringCopies"}},
	}
	for _, phase := range []string{"7", "9"} {
		for _, st := range steps {
			t.Run(phase+"/"+st.name, func(t *testing.T) {
				kv := map[string]string{"phase": phase, "domain": "shop.scalezero-demo.net"}
				for k, v := range st.kv {
					kv[k] = v
				}
				if _, err := load(t, kv); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}
