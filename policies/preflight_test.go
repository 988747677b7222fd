package policies_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/scalezero/scalezero/graph"
	"github.com/scalezero/scalezero/policies"
)

// Type tokens the breakers use.
const (
	tVPC      = "aws:ec2/vpc:Vpc"
	tSubnet   = "aws:ec2/subnet:Subnet"
	tIGW      = "aws:ec2/internetGateway:InternetGateway"
	tNAT      = "aws:ec2/natGateway:NatGateway"
	tFlowLog  = "aws:ec2/flowLog:FlowLog"
	tPeering  = "aws:ec2/vpcPeeringConnection:VpcPeeringConnection"
	tRoute    = "aws:ec2/route:Route"
	tEIP      = "aws:ec2/eip:Eip"
	tRT       = "aws:ec2/routeTable:RouteTable"
	tRTA      = "aws:ec2/routeTableAssociation:RouteTableAssociation"
	tInst     = "aws:ec2/instance:Instance"
	tParam    = "aws:ssm/parameter:Parameter"
	tRole     = "aws:iam/role:Role"
	tRolePol  = "aws:iam/rolePolicy:RolePolicy"
	tAttach   = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
	tLB       = "aws:lb/loadBalancer:LoadBalancer"
	tTG       = "aws:lb/targetGroup:TargetGroup"
	tListener = "aws:lb/listener:Listener"
	tPolicy   = "aws:autoscaling/policy:Policy"
	tPG       = "aws:rds/parameterGroup:ParameterGroup"
	tDBSubnet = "aws:rds/subnetGroup:SubnetGroup"
	tCachePG  = "aws:elasticache/parameterGroup:ParameterGroup"
	tKMS      = "aws:kms/key:Key"
	tCert     = "aws:acm/certificate:Certificate"
	tCertVal  = "aws:acm/certificateValidation:CertificateValidation"
	tZone     = "aws:route53/zone:Zone"
	tHC       = "aws:route53/healthCheck:HealthCheck"
	tBucket   = "aws:s3/bucketV2:BucketV2"
	tVersion  = "aws:s3/bucketVersioningV2:BucketVersioningV2"
	tObject   = "aws:s3/bucketObjectv2:BucketObjectv2"
	tBPolicy  = "aws:s3/bucketPolicy:BucketPolicy"
	tSSE      = "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"
	tOwner    = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
	tLifecyc  = "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2"
	tRepo     = "aws:ecr/repository:Repository"
	tECRLife  = "aws:ecr/lifecyclePolicy:LifecyclePolicy"
	tCachePol = "aws:cloudfront/cachePolicy:CachePolicy"
	tOAC      = "aws:cloudfront/originAccessControl:OriginAccessControl"
	tRedrive  = "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy"
	tSecret   = "aws:secretsmanager/secret:Secret"
	tSecretV  = "aws:secretsmanager/secretVersion:SecretVersion"
	tAlarm    = "aws:cloudwatch/metricAlarm:MetricAlarm"
	tDash     = "aws:cloudwatch/dashboard:Dashboard"
	tLogGroup = "aws:cloudwatch/logGroup:LogGroup"
	tTopic    = "aws:sns/topic:Topic"
	tLogSrc   = "aws:cloudwatch/logDeliverySource:LogDeliverySource"
	tLogDel   = "aws:cloudwatch/logDelivery:LogDelivery"
	tEgr      = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
	tDocker   = "docker:index/container:Container"
	tDockImg  = "docker:index/image:Image"
	tRemote   = "docker:index/remoteImage:RemoteImage"
	tVolume   = "docker:index/volume:Volume"
	tProvider = "pulumi:providers:aws"

	primaryProvider = "urn:pulumi:dev::scalezero::pulumi:providers:aws::primary"
	// withDomain gives the stack a domain (the DNS tier exists only with one).
	withDomain = "domain=app.scalezero.dev"
)

// put sets the value at a dotted path of a resource's inputs ("a.0.b"),
// creating objects on the way.
func put(t *testing.T, r *graph.Resource, path string, v any) {
	t.Helper()
	parts := strings.Split(path, ".")
	var cur any = r.Inputs
	for i, p := range parts {
		last := i == len(parts)-1
		switch c := cur.(type) {
		case map[string]any:
			if last {
				c[p] = v
				return
			}
			next, ok := c[p]
			if !ok {
				next = map[string]any{}
				c[p] = next
			}
			cur = next
		case []any:
			idx := 0
			for _, ch := range p {
				idx = idx*10 + int(ch-'0')
			}
			if idx >= len(c) {
				t.Fatalf("%s: %s has no element %d", r.Name, path, idx)
			}
			if last {
				c[idx] = v
				return
			}
			cur = c[idx]
		default:
			t.Fatalf("%s: %s is not an object or array at %q", r.Name, path, p)
		}
	}
}

// unknownAt makes the input at path unknown, as a preview would see it.
func unknownAt(t *testing.T, g *graph.Graph, typ, name, path string) {
	t.Helper()
	put(t, find(t, g, typ, name), path, graph.Unknown)
}

// newResource makes a resource of the primary provider; deps are property
// dependencies, and every one of them is a dependency too.
func newResource(typ, name string, inputs map[string]any, deps map[string][]string) graph.Resource {
	r := graph.Resource{
		URN: "urn:pulumi:dev::scalezero::" + typ + "::" + name, Type: typ, Name: name, Custom: true,
		Provider: primaryProvider, Inputs: inputs, Dependencies: []string{}, PropertyDependencies: map[string][]string{},
	}
	for prop, urns := range deps {
		r.PropertyDependencies[prop] = urns
		r.Dependencies = append(r.Dependencies, urns...)
	}
	return r
}

func add(g *graph.Graph, rs ...graph.Resource) { g.Resources = append(g.Resources, rs...) }

// firstOf returns the first resource of a type (for names the program derives,
// such as asset objects named by their content hash).
func firstOf(t *testing.T, g *graph.Graph, typ string) *graph.Resource {
	t.Helper()
	rs := allOf(g, typ)
	if len(rs) == 0 {
		t.Fatalf("phase %d has no %s", g.Phase, typ)
	}
	return rs[0]
}

// clone copies a resource under a new logical name.
func clone(t *testing.T, g *graph.Graph, typ, name, newName string) *graph.Resource {
	t.Helper()
	raw, _ := json.Marshal(find(t, g, typ, name))
	var r graph.Resource
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatal(err)
	}
	r.Name = newName
	r.URN = strings.TrimSuffix(r.URN, "::"+name) + "::" + newName
	add(g, r)
	return &g.Resources[len(g.Resources)-1]
}

// dependOn adds urn to r's dependencies (and to a property's, when given).
func dependOn(r *graph.Resource, prop, urn string) {
	r.Dependencies = append(r.Dependencies, urn)
	if prop != "" {
		r.PropertyDependencies[prop] = append(r.PropertyDependencies[prop], urn)
	}
}

func dropDeps(r *graph.Resource, prop string) {
	drop := map[string]bool{}
	for _, u := range r.PropertyDependencies[prop] {
		drop[u] = true
	}
	delete(r.PropertyDependencies, prop)
	keep := r.Dependencies[:0]
	for _, u := range r.Dependencies {
		if !drop[u] {
			keep = append(keep, u)
		}
	}
	r.Dependencies = keep
}

// allOf returns pointers to every resource of a type.
func allOf(g *graph.Graph, typ string) []*graph.Resource {
	var out []*graph.Resource
	for i := range g.Resources {
		if g.Resources[i].Type == typ {
			out = append(out, &g.Resources[i])
		}
	}
	return out
}

// Fixes: what today's program gets wrong, repaired before a rule's breaking
// case so that the case shows the rule firing on its own breakage.

// fixManagedPasswords gives every primary a stack-owned password instead of
// an RDS-managed one.
func fixManagedPasswords(_ *testing.T, g *graph.Graph) {
	for _, db := range allOf(g, tRDS) {
		if db.Inputs["manageMasterUserPassword"] == true {
			delete(db.Inputs, "manageMasterUserPassword")
			db.Inputs["password"] = graph.Secret
		}
	}
}

// fixHostOrder makes hosts depend on every parameter, and NAT gateways and
// Elastic IPs on every internet gateway.
func fixHostOrder(_ *testing.T, g *graph.Graph) {
	for _, pair := range [][2]string{{tInst, tParam}, {tLT, tParam}, {tNAT, tIGW}, {tEIP, tIGW}} {
		for _, r := range allOf(g, pair[0]) {
			for _, d := range allOf(g, pair[1]) {
				dependOn(r, "", d.URN)
			}
		}
	}
}

// fixAliases makes every record depend on every other record of the stack.
func fixAliases(_ *testing.T, g *graph.Graph) {
	for _, r := range allOf(g, tRecord) {
		if aliases, _ := r.Inputs["aliases"].([]any); len(aliases) == 0 {
			continue
		}
		for _, d := range allOf(g, tRecord) {
			if d.URN != r.URN {
				dependOn(r, "", d.URN)
			}
		}
	}
}

func fixEngineVersions(_ *testing.T, g *graph.Graph) {
	for _, db := range allOf(g, tRDS) {
		if v, ok := db.Inputs["engineVersion"].(string); ok {
			db.Inputs["engineVersion"], _, _ = strings.Cut(v, ".")
		}
	}
}

func fixDestroy(_ *testing.T, g *graph.Graph) {
	for _, b := range allOf(g, tBucket) {
		b.Inputs["forceDestroy"] = true
	}
	for _, r := range allOf(g, tRepo) {
		r.Inputs["forceDelete"] = true
	}
}

func fixViewerCertificate(_ *testing.T, g *graph.Graph) {
	for _, d := range allOf(g, tDist) {
		vc := d.Inputs["viewerCertificate"].(map[string]any)
		if vc["cloudfrontDefaultCertificate"] == true {
			delete(vc, "minimumProtocolVersion")
		}
	}
}

// fixZones moves a zone (and its records) from under example.com to a
// domain Route 53 accepts.
func fixZones(_ *testing.T, g *graph.Graph) {
	for _, r := range append(allOf(g, tZone), allOf(g, tRecord)...) {
		if n, _ := r.Inputs["name"].(string); strings.HasSuffix(n, ".example.com") {
			r.Inputs["name"] = strings.TrimSuffix(n, ".example.com") + ".dev"
		}
	}
}

func fixAll(t *testing.T, g *graph.Graph) {
	for _, f := range []func(*testing.T, *graph.Graph){fixManagedPasswords, fixHostOrder, fixAliases, fixEngineVersions, fixDestroy, fixViewerCertificate, fixZones} {
		f(t, g)
	}
}

func repeat(s string, n int) string { return strings.Repeat(s, n) }

// addPlainRecord adds a simple A record to the stack's zone.
func addPlainRecord(t *testing.T, g *graph.Graph, name, recordName string) {
	zone := find(t, g, tZone, "zone")
	add(g, newResource(tRecord, name, map[string]any{"name": recordName, "type": "A", "ttl": 60, "records": []any{"192.0.2.1"}, "zoneId": graph.Unknown},
		map[string][]string{"zoneId": {zone.URN}}))
}

// oneSubnet keeps only the first subnet of a resource's subnet list; the
// unknown case hides that subnet's zone.
func oneSubnet(phase int, typ, name, prop, first, want string) breaker {
	return breaker{phase: phase, want: want, fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			r := find(t, g, typ, name)
			r.PropertyDependencies[prop] = r.PropertyDependencies[prop][:1]
		},
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tSubnet, first, "availabilityZone") },
	}
}

// noWaitForGateway takes the network's internet gateway out of the
// dependencies of its public subnets (which wait for it, and so all that is
// placed in them) and of the resources given.
func noWaitForGateway(t *testing.T, g *graph.Graph, network string, also ...*graph.Resource) {
	t.Helper()
	igw := find(t, g, tIGW, network).URN
	for i := range g.Resources {
		if r := &g.Resources[i]; r.Type == tSubnet && strings.HasPrefix(r.Name, network+"-public-") {
			also = append(also, r)
		}
	}
	for _, r := range also {
		r.Dependencies = slices.DeleteFunc(r.Dependencies, func(u string) bool { return u == igw })
	}
}

// withSet plans the broken phase with these settings (key=value).
func (b breaker) withSet(kv ...string) breaker {
	b.set = append(b.set, kv...)
	return b
}

// withUnknown makes another input unknown in the unknown-value case: the one
// the rule decides on besides the broken one.
func (b breaker) withUnknown(typ, name, path string) breaker {
	b.unknown = func(t *testing.T, g *graph.Graph) { unknownAt(t, g, typ, name, path) }
	return b
}

// secret makes the broken input a secret in the unknown-value case, as the
// offline graph shows secrets: a rule never reads the mask as the value.
func (b breaker) secret() breaker {
	at := b.at
	b.unknown = func(t *testing.T, g *graph.Graph) { put(t, find(t, g, at[0], at[1]), at[2], graph.Secret) }
	return b
}

// disabling turns off other rules the breakage trips too.
func (b breaker) disabling(rules ...string) breaker {
	b.disable = rules
	return b
}

// added is the case of a type the program does not declare yet: a resource
// made by hand with a value the rule refuses at path.
func added(phase int, r graph.Resource, path, want string) breaker {
	return breaker{phase: phase, want: want, fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			raw, _ := json.Marshal(r) // a copy per case: unknownAt writes into it
			var cp graph.Resource
			if err := json.Unmarshal(raw, &cp); err != nil {
				t.Fatal(err)
			}
			add(g, cp)
		},
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, r.Type, r.Name, path) },
	}
}

// setting is the common case: one input of one resource set to a value the
// rule refuses, and that input unknown for the unknown-value case.
func setting(phase int, typ, name, path string, v any, want string) breaker {
	return breaker{phase: phase, want: want, fix: fixAll, at: [3]string{typ, name, path},
		apply:   func(t *testing.T, g *graph.Graph) { put(t, find(t, g, typ, name), path, v) },
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, typ, name, path) },
	}
}

// preflightBreakers break one resource per preflight rule (and the two queue
// rules of the best-practice pack).
var preflightBreakers = map[string]breaker{
	// DynamoDB
	"deny_dynamodb_replica_without_stream": setting(7, tTable, "sessions", "streamViewType", "KEYS_ONLY", "has replicas but no stream of new and old images"),
	// RDS
	"stack_deny_replica_of_managed_password": {phase: 4, want: "whose master password Secrets Manager manages", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			db := find(t, g, tRDS, "db")
			delete(db.Inputs, "password")
			db.Inputs["manageMasterUserPassword"] = true
		},
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tRDS, "db", "manageMasterUserPassword") }},
	"stack_deny_replica_source_without_backups": {phase: 4, want: "which keeps no automated backups", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			src := find(t, g, tRDS, "db-replica-1")
			chain := clone(t, g, tRDS, "db-replica-1", "db-replica-chain")
			dropDeps(chain, "replicateSourceDb")
			dependOn(chain, "replicateSourceDb", src.URN)
		},
		disable: []string{"stack_deny_db_storage_unwatched", "stack_deny_replica_lag_unwatched"}, // the clone has no alarms
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tRDS, "db-replica-1", "backupRetentionPeriod") }},
	"stack_deny_cross_region_replica": {phase: 7, want: "without a kmsKeyId of its own region", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			r := find(t, g, tRDS, "db-secondary")
			delete(r.Inputs, "kmsKeyId")
			dropDeps(r, "kmsKeyId")
		},
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tRDS, "db", "storageEncrypted") }},
	// An unencrypted source breaks the best-practice deny_rds_unencrypted too.
	"stack_deny_encrypted_replica_of_plain_source": setting(4, tRDS, "db", "storageEncrypted", false, "is encrypted but its source 'db' is not").disabling("deny_rds_unencrypted"),
	"stack_deny_too_many_replicas": {phase: 4, want: "has 16 read replicas", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			for i := 2; i <= 16; i++ {
				clone(t, g, tRDS, "db-replica-1", "db-replica-x"+repeat("i", i))
			}
		},
		// The clones have no alarms of their own.
		disable:    []string{"stack_deny_db_storage_unwatched", "stack_deny_replica_lag_unwatched"},
		structural: "counts replicas by their dependencies, which a preview knows"},
	"stack_deny_replica_storage_ceiling": {phase: 4, want: "read replica 'db-replica-1' has no storage autoscaling", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			delete(find(t, g, tRDS, "db-replica-1").Inputs, "maxAllocatedStorage")
		},
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tRDS, "db-replica-1", "maxAllocatedStorage") }},
	"stack_deny_db_parameter_group_family": setting(2, tPG, "db", "family", "postgres15", "is of family postgres15"),
	"stack_deny_db_subnet_group_zones":     oneSubnet(2, tDBSubnet, "db", "subnetIds", "net-data-us-east-1a", "spans 1 availability zone(s)"),
	"deny_rds_identifier":                  setting(2, tRDS, "db", "identifier", "1db", "gets the identifier '1db'"),
	"deny_rds_minor_version_pinned":        setting(2, tRDS, "db", "engineVersion", "16.6", "pins postgres 16.6").withUnknown(tRDS, "db", "autoMinorVersionUpgrade"),
	"deny_rds_password_and_managed_password": {phase: 2, want: "sets both password and manageMasterUserPassword", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			db := find(t, g, tRDS, "db")
			db.Inputs["password"], db.Inputs["manageMasterUserPassword"] = graph.Secret, true
		},
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tRDS, "db", "manageMasterUserPassword") }},
	"deny_rds_master_password":    setting(2, tRDS, "db", "password", "has@sign1", "has a master password RDS refuses (9 characters").secret(),
	"deny_rds_multi_az_with_zone": setting(4, tRDS, "db", "availabilityZone", "us-east-1a", "is Multi-AZ and names an availability zone").withUnknown(tRDS, "db", "multiAz"),
	"deny_rds_final_snapshot_unnamed": {phase: 2, want: "keeps a final snapshot but names none", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			db := find(t, g, tRDS, "db")
			db.Inputs["skipFinalSnapshot"] = false
			delete(db.Inputs, "finalSnapshotIdentifier")
		},
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tRDS, "db", "skipFinalSnapshot") }},
	"deny_rds_storage_and_backups": setting(2, tRDS, "db", "allocatedStorage", 10, "allocates 10 GiB"),
	"deny_rds_group_names":         setting(2, tPG, "db", "name", "1pg", "gets the name '1pg'"),
	// ElastiCache
	"deny_elasticache_failover_nodes": setting(5, tRG, "cache", "numCacheClusters", 1, "with 1 cache cluster(s)"),
	// Transit encryption off breaks the best-practice deny_elasticache_unencrypted too.
	"deny_elasticache_auth_without_tls":       setting(5, tRG, "cache", "transitEncryptionEnabled", false, "sets an AUTH token without in-transit encryption").disabling("deny_elasticache_unencrypted"),
	"deny_elasticache_auth_token_format":      setting(5, tRG, "cache", "authToken", "token with space", "has an AUTH token ElastiCache refuses (16 characters").secret(),
	"deny_elasticache_group_id":               setting(5, tRG, "cache", "replicationGroupId", "cache--x", "gets the id 'cache--x'"),
	"deny_elasticache_group_names":            setting(5, tCachePG, "cache", "name", "9cache", "gets the name '9cache'"),
	"deny_elasticache_maxmemory_policy":       setting(5, tCachePG, "cache", "parameters.0.value", "lru", "sets maxmemory-policy 'lru'"),
	"stack_deny_cache_parameter_group_family": setting(5, tCachePG, "cache", "family", "redis6.x", "is of family redis6.x").withUnknown(tRG, "cache", "engineVersion"),
	// KMS, Secrets Manager, SSM
	"deny_kms_key_settings":            setting(7, tKMS, "db-secondary", "deletionWindowInDays", 5, "waits 5 days before deletion"),
	"deny_secret_recovery_window":      added(2, newResource(tSecret, "db-master", map[string]any{"recoveryWindowInDays": 3}, nil), "recoveryWindowInDays", "has a recovery window of 3 days"),
	"deny_secret_name":                 added(2, newResource(tSecret, "db-master", map[string]any{"name": "db master"}, nil), "name", "gets the name 'db master'"),
	"deny_secret_version":              added(2, newResource(tSecretV, "db-master", map[string]any{"secretString": repeat("a", 70000)}, nil), "secretString", "holds 70000 bytes"),
	"stack_deny_secret_replica_region": added(2, newResource(tSecret, "db-master", map[string]any{"replicas": []any{map[string]any{"region": "us-east-1"}}}, nil), "replicas.0.region", "lives in us-east-1 and lists us-east-1 as a replica region"),
	"deny_ssm_parameter_size": {phase: 1, want: "holds 5000 bytes; the Standard tier allows 4096", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			find(t, g, tParam, "app-config-scalezero-region").Inputs["insecureValue"] = repeat("x", 5000)
		},
		unknown: func(t *testing.T, g *graph.Graph) {
			unknownAt(t, g, tParam, "app-config-scalezero-region", "insecureValue")
		}},
	"deny_ssm_parameter_name": setting(1, tParam, "app-config-scalezero-region", "name", "/aws/region", "names may not begin with aws or ssm"),
	"stack_deny_ssm_parameter_duplicate": {phase: 1, want: "both create /scalezero/dev/SCALEZERO_REGION in us-east-1", fix: fixAll,
		disable: []string{"stack_deny_host_before_parameters"}, // the server does not depend on the added copy
		apply: func(t *testing.T, g *graph.Graph) {
			clone(t, g, tParam, "app-config-scalezero-region", "app-config-region-again")
		},
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tParam, "app-config-region-again", "name") }},
	// Network
	"stack_deny_nat_before_internet_gateway": {phase: 3, want: "public NAT gateway 'net-nat-extra' does not depend on internet gateway 'net'", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			nat := clone(t, g, tNAT, "net-nat-us-east-1a", "net-nat-extra")
			nat.Dependencies = append([]string{}, nat.PropertyDependencies["subnetId"]...)
			noWaitForGateway(t, g, "net")
			dependOn(find(t, g, tLB, "web"), "", find(t, g, tIGW, "net").URN) // only the NAT is broken
		},
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tNAT, "net-nat-extra", "connectivityType") }},
	"stack_deny_eip_before_internet_gateway": {phase: 1, want: "Elastic IP 'server-again' is associated in a VPC", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			eip := clone(t, g, tEIP, "server", "server-again")
			eip.Dependencies = append([]string{}, eip.PropertyDependencies["instance"]...)
			noWaitForGateway(t, g, "net")
		},
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tEIP, "server-again", "domain") }},
	"deny_refresh_auto_rollback": setting(3, tASG, "web-fleet", "instanceRefresh.preferences.autoRollback", true, "roll back to the new launch template version"),
	"stack_deny_lb_before_internet_gateway": {phase: 3, want: "load balancer 'web' does not depend on internet gateway 'net'", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			noWaitForGateway(t, g, "net", find(t, g, tLB, "web"))
		},
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tLB, "web", "internal") }},
	"stack_deny_second_internet_gateway": {phase: 1, want: "VPC 'net' gets 2 internet gateways", fix: fixAll,
		disable:    []string{"stack_deny_eip_before_internet_gateway"}, // the server's address does not wait for the second gateway
		apply:      func(t *testing.T, g *graph.Graph) { clone(t, g, tIGW, "net", "net-again") },
		structural: "counts gateways by their dependency on the VPC, which a preview knows"},
	"deny_cidr_block_size":   setting(1, tSubnet, "net-data-us-east-1b", "cidrBlock", "10.0.255.240/29", "asks for 10.0.255.240/29"),
	"deny_flow_log_interval": setting(1, tFlowLog, "net", "maxAggregationInterval", 300, "aggregates over 300 s"),
	"stack_deny_peering_overlap": {phase: 7, set: []string{withDomain}, want: "which overlap", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			find(t, g, tVPC, "net-secondary").Inputs["cidrBlock"] = "10.0.128.0/17"
		},
		// A VPC's block is its own, always known; the breakage also moves
		// the secondary's subnets out of their VPC.
		disable: []string{"stack_deny_subnet_cidr"},
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tVPC, "net-secondary", "cidrBlock") }},
	"stack_deny_peering_acceptance": setting(7, tPeering, "peering", "autoAccept", true, "asks to accept itself across regions").withSet(withDomain).withUnknown(tPeering, "peering", "peerRegion"),
	"stack_deny_route_table_mixed": {phase: 3, want: "lists routes inline and is also the table of net-app-us-east-1a-out", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			find(t, g, tRT, "net-app-us-east-1a").Inputs["routes"] = []any{map[string]any{"cidrBlock": "10.9.0.0/16", "gatewayId": "igw-1"}}
		},
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tRT, "net-app-us-east-1a", "routes") }},
	"stack_deny_route_duplicate_destination": setting(7, tRoute, "peering-remote-app-0", "destinationCidrBlock", "0.0.0.0/0", "both send 0.0.0.0/0 in route table 'net-secondary-app-eu-west-1a'").withSet(withDomain),
	"deny_route_targets": {phase: 3, want: "has 2 targets", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			find(t, g, tRoute, "net-app-us-east-1a-out").Inputs["gatewayId"] = "igw-1"
		},
		structural: "counts which targets are set, which a preview knows"},
	"deny_flow_log_without_role": {phase: 1, want: "no role to write there", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			r := find(t, g, tFlowLog, "net")
			delete(r.Inputs, "iamRoleArn")
			dropDeps(r, "iamRoleArn")
		},
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tFlowLog, "net", "logDestinationType") }},
	"stack_deny_subnet_cidr": setting(1, tSubnet, "net-data-us-east-1b", "cidrBlock", "10.9.0.0/21", "lies outside its VPC 'net'"),
	"stack_deny_subnet_zone_region": {phase: 1, want: "asks for zone eu-west-1b through a provider of us-east-1", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			find(t, g, tSubnet, "net-data-us-east-1b").Inputs["availabilityZone"] = "eu-west-1b"
		},
		unknown: func(t *testing.T, g *graph.Graph) {
			unknownAt(t, g, tSubnet, "net-data-us-east-1b", "availabilityZone")
		}},
	"stack_deny_subnet_two_route_tables": {phase: 1, want: "is associated with 2 route tables", fix: fixAll,
		apply:      func(t *testing.T, g *graph.Graph) { clone(t, g, tRTA, "net-data-us-east-1a", "net-data-again") },
		structural: "counts associations by their dependency on the subnet, which a preview knows"},
	"deny_route_table_duplicate_destination": {phase: 3, want: "has two routes to 0.0.0.0/0", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			rt := find(t, g, tRT, "net-public")
			rt.Inputs["routes"] = append(rt.Inputs["routes"].([]any), map[string]any{"cidrBlock": "0.0.0.0/0", "gatewayId": graph.Unknown})
		},
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tRT, "net-public", "routes.1.cidrBlock") }},
	"deny_security_group_name": setting(1, tSG, "server", "description", "serveur public – web", "has a description EC2 refuses"),
	"deny_sg_rule_peer": {phase: 1, want: "names 2 peers", fix: fixAll,
		apply:      func(t *testing.T, g *graph.Graph) { find(t, g, tIngr, "server-80").Inputs["cidrIpv6"] = "::/0" },
		structural: "reads which peer properties are set, which a preview knows even when their values are not"},
	"deny_sg_rule_ports": {phase: 2, want: "opens tcp ports 5433-5432", fix: fixAll,
		apply:   func(t *testing.T, g *graph.Graph) { find(t, g, tIngr, "db-from-server").Inputs["fromPort"] = 5433 },
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tIngr, "db-from-server", "toPort") }},
	"deny_sg_rule_description": setting(1, tIngr, "server-80", "description", "public web <b>", "has a rule description EC2 refuses: 'public web <b>'"),
	"stack_deny_duplicate_sg_rule": {phase: 1, want: "are the same rule", fix: fixAll,
		apply:   func(t *testing.T, g *graph.Graph) { clone(t, g, tIngr, "server-80", "server-80-again") },
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tIngr, "server-80-again", "fromPort") }},
	// Hosts, scaling, IAM
	"deny_user_data_size": setting(1, tInst, "server", "userData", repeat("#", 17000), "has 17000 bytes of user data"),
	"stack_deny_host_before_parameters": {phase: 3, want: "'web-fleet-again' reads /scalezero/dev/ in us-east-1 at boot", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			lt := clone(t, g, tLT, "web-fleet", "web-fleet-again")
			lt.Dependencies = []string{}
		},
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tLT, "web-fleet-again", "userData") }},
	"deny_launch_template_settings": setting(3, tLT, "web-fleet", "metadataOptions.httpPutResponseHopLimit", 0, "sets a metadata hop limit of 0"),
	"deny_launch_template_name":     setting(3, tLT, "web-fleet", "name", "lt", "gets the name 'lt'"),
	"deny_asg_capacity":             setting(3, tASG, "web-fleet", "desiredCapacity", 9, "wants 9 instances outside minSize 2 to maxSize 6"),
	"deny_scaling_policy_parameters": {phase: 6, want: "of type TargetTrackingScaling sets cooldown", fix: fixAll,
		apply:   func(t *testing.T, g *graph.Graph) { find(t, g, tPolicy, "web-target-tracking").Inputs["cooldown"] = 60 },
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tPolicy, "web-target-tracking", "policyType") }},
	"deny_step_adjustments": {phase: 6, want: "the step ending at 10 is followed by one starting at 5", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			p := find(t, g, tPolicy, "web-target-tracking")
			delete(p.Inputs, "targetTrackingConfiguration")
			p.Inputs["policyType"], p.Inputs["adjustmentType"] = "StepScaling", "ChangeInCapacity"
			p.Inputs["stepAdjustments"] = []any{
				map[string]any{"metricIntervalUpperBound": "0", "scalingAdjustment": -1},
				map[string]any{"metricIntervalLowerBound": "0", "metricIntervalUpperBound": "10", "scalingAdjustment": 1},
				map[string]any{"metricIntervalLowerBound": "5", "scalingAdjustment": 2},
			}
		},
		unknown: func(t *testing.T, g *graph.Graph) {
			unknownAt(t, g, tPolicy, "web-target-tracking", "stepAdjustments.2.metricIntervalLowerBound")
		}},
	"deny_iam_names":                     setting(1, tRole, "server-role", "name", repeat("r", 70), "(explicit, 70 characters); IAM allows 64"),
	"stack_deny_role_inline_policy_size": setting(1, tRolePol, "server-role", "policy", `{"Version":"2012-10-17","Statement":[{"Sid":"`+repeat("S", 11000)+`","Effect":"Allow","Action":"ssm:GetParameter","Resource":"arn:aws:ssm:*:*:parameter/x"}]}`, "characters of inline policy; IAM allows 10240"),
	"stack_deny_role_managed_policies": {phase: 1, want: "managed policies; IAM allows at most 20", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			for i := 0; i < 19; i++ {
				clone(t, g, tAttach, "server-role-ssm", "server-role-extra-"+repeat("x", i+1))
			}
		},
		structural: "counts attachments by their dependency on the role, which a preview knows"},
	// Load balancers and certificates
	"deny_lb_name":              setting(3, tLB, "web", "name", "web_lb", "gets the name 'web_lb'"),
	"deny_lb_attributes":        setting(3, tLB, "web", "idleTimeout", 5000, "has an idle timeout of 5000 s"),
	"stack_deny_lb_single_zone": oneSubnet(3, tLB, "web", "subnets", "net-public-us-east-1a", "spans 1 zone(s)"),
	"stack_deny_lb_two_subnets_one_zone": {phase: 3, want: "has 2 subnets in us-east-1a", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			dependOn(find(t, g, tLB, "web"), "subnets", find(t, g, tSubnet, "net-app-us-east-1a").URN)
		},
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tSubnet, "net-app-us-east-1a", "availabilityZone") }},
	"deny_target_group_name":         setting(3, tTG, "web", "name", "-tg", "gets the name '-tg'"),
	"deny_target_group_health_check": setting(3, tTG, "web", "healthCheck.interval", 400, "sets health check interval 400"),
	"deny_target_group_attributes":   setting(3, tTG, "web", "deregistrationDelay", 4000, "delays deregistration 4000 s"),
	"deny_listener_tls_settings": {phase: 3, want: "HTTP listener 'web-http' sets sslPolicy", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			find(t, g, tListener, "web-http").Inputs["sslPolicy"] = "ELBSecurityPolicy-TLS13-1-2-2021-06"
		},
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tListener, "web-http", "protocol") }},
	"stack_deny_listener_port_taken": {phase: 3, want: "both listen on port 80 of 'web'", fix: fixAll,
		apply:   func(t *testing.T, g *graph.Graph) { clone(t, g, tListener, "web-http", "web-http-again") },
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tListener, "web-http-again", "port") }},
	"stack_deny_listener_certificate": {phase: 3, want: "uses certificate 'web' without waiting for its validation", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			cert := newResource(tCert, "web", map[string]any{"domainName": "app.scalezero.dev", "validationMethod": "DNS"}, nil)
			https := clone(t, g, tListener, "web-http", "web-https")
			https.Inputs["protocol"], https.Inputs["port"], https.Inputs["certificateArn"] = "HTTPS", 443, graph.Unknown
			dependOn(https, "certificateArn", cert.URN)
			add(g, cert)
		},
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tListener, "web-https", "protocol") }},
	"stack_deny_cloudfront_certificate": {phase: 5, want: "uses certificate 'cdn' of eu-west-1", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			eu := newResource(tProvider, "secondary", map[string]any{"region": "eu-west-1"}, nil)
			eu.URN, eu.Provider, eu.Custom = "urn:pulumi:dev::scalezero::pulumi:providers:aws::secondary", "", true
			cert := newResource(tCert, "cdn", map[string]any{"domainName": "app.scalezero.dev"}, nil)
			cert.Provider = eu.URN
			val := newResource(tCertVal, "cdn", map[string]any{"certificateArn": graph.Unknown}, map[string][]string{"certificateArn": {cert.URN}})
			d := find(t, g, tDist, "cdn")
			d.Inputs["viewerCertificate"] = map[string]any{"acmCertificateArn": graph.Unknown, "sslSupportMethod": "sni-only", "minimumProtocolVersion": "TLSv1.2_2021"}
			dependOn(d, "viewerCertificate", val.URN)
			add(g, eu, cert, val)
		},
		disable: []string{"stack_deny_validation_before_records"}, // the added validation has no records
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tProvider, "secondary", "region") }},
	"deny_cloudfront_viewer_certificate":    setting(5, tDist, "cdn", "aliases", []any{"www.scalezero.dev"}, "has alternate domain names [\"www.scalezero.dev\"] but only the default certificate"),
	"deny_cloudfront_behaviors":             setting(5, tDist, "cdn", "defaultCacheBehavior.targetOriginId", "nowhere", "the default behavior targets origin 'nowhere'"),
	"deny_cloudfront_comment":               setting(5, tCachePol, "cdn-static", "comment", repeat("c", 200), "has a 200-character comment"),
	"deny_cloudfront_cache_policy_ttl":      setting(5, tCachePol, "cdn-static", "minTtl", 100000, "has minTtl 100000, defaultTtl 86400"),
	"deny_cloudfront_origin_access_control": setting(5, tOAC, "cdn", "signingProtocol", "sigv2", "sets signingProtocol 'sigv2'"),
	"deny_cloudfront_origin_groups": {phase: 5, want: "origin group 'failover' has 1 members", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			find(t, g, tDist, "cdn").Inputs["originGroups"] = []any{map[string]any{
				"originId": "failover", "members": []any{map[string]any{"originId": "app"}},
				"failoverCriteria": map[string]any{"statusCodes": []any{500, 502}},
			}}
		},
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tDist, "cdn", "originGroups.0.members") }},
	"deny_acm_certificate": added(3, newResource(tCert, "web", map[string]any{"domainName": "a.*.scalezero.dev", "validationMethod": "DNS"}, nil), "domainName", "names a.*.scalezero.dev; a wildcard stands only as the leftmost label"),
	"stack_deny_validation_before_records": {phase: 3, want: "does not wait for any Route 53 validation record of certificate 'web'", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			cert := newResource(tCert, "web", map[string]any{"domainName": "app.scalezero.dev", "validationMethod": "DNS"}, nil)
			add(g, cert, newResource(tCertVal, "web", map[string]any{"certificateArn": graph.Unknown}, map[string][]string{"certificateArn": {cert.URN}}))
		},
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tCert, "web", "validationMethod") }},
	// Route 53
	"deny_route53_reserved_zone": {phase: 3, set: []string{withDomain}, want: "is for app.scalezero.example.com, under the reserved example.com", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			find(t, g, tZone, "zone").Inputs["name"] = "app.scalezero.example.com"
			for _, r := range allOf(g, tRecord) {
				r.Inputs["name"] = strings.Replace(r.Inputs["name"].(string), "app.scalezero.dev", "app.scalezero.example.com", 1)
			}
		},
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tZone, "zone", "name") }},
	"deny_route53_record_shape": {phase: 7, set: []string{withDomain}, want: "has a routing policy but no setIdentifier", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			delete(find(t, g, tRecord, "dns-failover-primary").Inputs, "setIdentifier")
		},
		unknown: func(t *testing.T, g *graph.Graph) {
			unknownAt(t, g, tRecord, "dns-failover-primary", "failoverRoutingPolicies")
		}},
	"deny_route53_geolocation": {phase: 7, set: []string{withDomain}, want: "names continent XX", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			put(t, find(t, g, tRecord, "dns-geo-eu"), "geolocationRoutingPolicies.0.continent", "XX")
		},
		unknown: func(t *testing.T, g *graph.Graph) {
			unknownAt(t, g, tRecord, "dns-geo-eu", "geolocationRoutingPolicies.0.continent")
		}},
	"stack_deny_alias_before_target": {phase: 7, set: []string{withDomain}, want: "alias record 'dns-www' targets failover.app.scalezero.dev but does not depend on record 'dns-failover-", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			www := clone(t, g, tRecord, "dns-site", "dns-www")
			www.Inputs["name"] = "www.app.scalezero.dev"
			www.Dependencies = append([]string{}, www.PropertyDependencies["zoneId"]...)
		},
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tRecord, "dns-www", "aliases.0.name") }},
	"stack_deny_record_set_conflict": {phase: 7, set: []string{withDomain}, want: "a simple record cannot share its name and type", fix: fixAll,
		apply:   func(t *testing.T, g *graph.Graph) { addPlainRecord(t, g, "dns-plain", "app.scalezero.dev") },
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tRecord, "dns-plain", "name") }},
	"stack_deny_record_outside_zone": {phase: 7, set: []string{withDomain}, want: "record 'dns-stray' (stray.example.org) is not within zone 'zone'", fix: fixAll,
		apply:   func(t *testing.T, g *graph.Graph) { addPlainRecord(t, g, "dns-stray", "stray.example.org") },
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tRecord, "dns-stray", "name") }},
	"deny_route53_health_check": {phase: 7, set: []string{withDomain}, want: "runs every 20 s", fix: fixAll,
		apply:   func(t *testing.T, g *graph.Graph) { find(t, g, tHC, "dns-primary").Inputs["requestInterval"] = 20 },
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tHC, "dns-primary", "requestInterval") }},
	// S3 and ECR
	"deny_s3_bucket_name":                     setting(5, tBucket, "cdn", "bucket", "Static_Assets", "gets the name 'Static_Assets'"),
	"stack_deny_versioned_bucket_undeletable": setting(5, tBucket, "cdn", "forceDestroy", false, "bucket 'cdn' is versioned and has no forceDestroy"),
	"deny_s3_object_key": {phase: 5, want: "has a 1100-byte key", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			firstOf(t, g, tObject).Inputs["key"] = "static/" + repeat("k", 1093)
		},
		unknown: func(t *testing.T, g *graph.Graph) { firstOf(t, g, tObject).Inputs["key"] = graph.Unknown }},
	"deny_s3_bucket_policy_size": setting(5, tBPolicy, "cdn", "policy", `{"Version":"2012-10-17","Statement":[{"Sid":"`+repeat("S", 21000)+`","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*"}]}`, "bytes; S3 allows 20 KB"),
	"stack_deny_public_policy_blocked": {phase: 5, want: "allows public access to 'cdn'", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			find(t, g, tBPolicy, "cdn").Inputs["policy"] = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::x/*"}]}`
		},
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tPAB, "cdn", "blockPublicPolicy") }},
	"stack_deny_acl_on_owner_enforced_bucket": {phase: 5, want: "sets acl public-read in bucket 'cdn'", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			firstOf(t, g, tObject).Inputs["acl"] = "public-read"
		},
		unknown: func(t *testing.T, g *graph.Graph) { firstOf(t, g, tObject).Inputs["acl"] = graph.Unknown }},
	"deny_s3_encryption_key": {phase: 5, want: "names a KMS key with algorithm AES256", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			put(t, find(t, g, tSSE, "cdn"), "rules.0.applyServerSideEncryptionByDefault.kmsMasterKeyId", "alias/aws/s3")
		},
		unknown: func(t *testing.T, g *graph.Graph) {
			unknownAt(t, g, tSSE, "cdn", "rules.0.applyServerSideEncryptionByDefault.sseAlgorithm")
		}},
	"deny_s3_lifecycle_rules": setting(5, tLifecyc, "cdn", "rules.0.noncurrentVersionExpiration.noncurrentDays", 0, "expires after 0 days (noncurrentVersionExpiration)"),
	"stack_deny_lifecycle_before_versioning": {phase: 5, want: "has noncurrent-version rules but does not depend on versioning 'cdn' of bucket 'cdn'", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			lc, versioning := find(t, g, tLifecyc, "cdn"), find(t, g, tVersion, "cdn")
			keep := lc.Dependencies[:0]
			for _, u := range lc.Dependencies {
				if u != versioning.URN {
					keep = append(keep, u)
				}
			}
			lc.Dependencies = keep
		},
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tLifecyc, "cdn", "rules") }},
	"stack_deny_alb_log_bucket": setting(3, tSSE, "logs", "rules.0.applyServerSideEncryptionByDefault.sseAlgorithm", "aws:kms", "encrypted with aws:kms; ELB writes access logs only with SSE-S3"),
	"stack_deny_log_delivery_order": {phase: 5, want: "log delivery 'cdn' names delivery source cdn-access ('cdn') without depending on it", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			find(t, g, tLogSrc, "cdn").Inputs["name"] = "cdn-access"
			d := find(t, g, tLogDel, "cdn")
			d.Inputs["deliverySourceName"] = "cdn-access"
			dropDeps(d, "deliverySourceName")
		},
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tLogDel, "cdn", "deliverySourceName") }},
	"stack_deny_cloudfront_log_bucket_acls": {phase: 5, want: "logs to bucket 'cdn', whose ACLs are disabled", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			d := find(t, g, tDist, "cdn")
			d.Inputs["loggingConfig"] = map[string]any{"bucket": graph.Unknown, "prefix": "cdn/"}
			dependOn(d, "loggingConfig", find(t, g, tBucket, "cdn").URN)
		},
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tOwner, "cdn", "rule.objectOwnership") }},
	"stack_deny_repository_undeletable": setting(1, tRepo, "app", "forceDelete", false, "repository 'app' receives image 'app' and has no forceDelete"),
	"deny_ecr_repository_name":          setting(1, tRepo, "app", "name", "App", "gets the name 'App'"),
	"deny_ecr_lifecycle_policy":         setting(1, tECRLife, "app", "policy", `{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":20},"action":{"type":"expire"}},{"rulePriority":1,"selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":7},"action":{"type":"expire"}}]}`, "two rules have priority 1"),
	// SQS, SNS, CloudWatch
	"deny_sqs_queue_name":           setting(8, tQueue, "jobs", "name", "jobs queue", "gets the name 'jobs queue'"),
	"deny_sqs_queue_attributes":     setting(8, tQueue, "jobs", "receiveWaitTimeSeconds", 30, "sets receiveWaitTimeSeconds to 30"),
	"deny_sqs_redrive_policy":       setting(8, tQueue, "jobs", "redrivePolicy", `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:jobs-dlq","maxReceiveCount":0}`, "redrives after 0 receives"),
	"deny_sqs_redrive_allow_policy": setting(8, tRedrive, "jobs-dlq", "redriveAllowPolicy", `{"redrivePermission":"byQueue","sourceQueueArns":[]}`, "allows byQueue with 0 source queues"),
	"stack_deny_dead_letter_queue_kind": {phase: 8, want: "queue 'jobs' (fifo false) redrives to 'jobs-dlq' (fifo true)", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			dlq := find(t, g, tQueue, "jobs-dlq")
			dlq.Inputs["fifoQueue"] = true
			if n, ok := dlq.Inputs["name"].(string); ok {
				dlq.Inputs["name"] = n + ".fifo"
			}
		},
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tQueue, "jobs-dlq", "fifoQueue") }},
	"deny_alarm_period": added(8, newResource(tAlarm, "jobs-backlog", map[string]any{"period": 45, "evaluationPeriods": 2, "metricName": "ApproximateNumberOfMessagesVisible", "statistic": "Sum"}, nil), "period", "has a period of 45 s").disabling("deny_alarm_without_action"),
	"deny_alarm_metric": added(8, newResource(tAlarm, "jobs-backlog", map[string]any{"period": 60, "evaluationPeriods": 2, "metricName": "ApproximateNumberOfMessagesVisible", "statistic": "Sum",
		"alarmActions": []any{"a1", "a2", "a3", "a4", "a5", "a6"}}, nil), "alarmActions", "has 6 alarmActions; CloudWatch allows 5"),
	"deny_dashboard":                          added(8, newResource(tDash, "ops", map[string]any{"dashboardName": "scalezero-dev", "dashboardBody": `{"widgets":[{"type":"text","x":0,"y":0,"width":30,"height":2,"properties":{"markdown":"hi"}}]}`}, nil), "dashboardBody", "widget 0 has width 30"),
	"deny_log_group":                          added(8, newResource(tLogGroup, "app", map[string]any{"retentionInDays": 2}, nil), "retentionInDays", "keeps logs 2 days"),
	"deny_sns_topic_name":                     added(8, newResource(tTopic, "alarms", map[string]any{"name": "alarms.fifo"}, nil), "name", "gets the name 'alarms.fifo' (explicit)"),
	"stack_deny_visibility_below_job_timeout": setting(8, tQueue, "jobs", "visibilityTimeoutSeconds", 60, "hides a message 60 s but its workers may run a job 120 s"),
	"stack_deny_dead_letter_retention":        setting(8, tQueue, "jobs-dlq", "messageRetentionSeconds", 3600, "keeps messages 3600 s, less than its source 'jobs'"),
	// Docker target
	"deny_docker_container_name": {target: "docker", phase: 3, want: "gets the name '-web'", fix: fixAll,
		apply:   func(t *testing.T, g *graph.Graph) { find(t, g, tDocker, "web-0").Inputs["name"] = "-web" },
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tDocker, "web-0", "name") }},
	"deny_docker_restart_policy": {target: "docker", phase: 3, want: "restarts by 'sometimes'", fix: fixAll,
		apply:   func(t *testing.T, g *graph.Graph) { find(t, g, tDocker, "web-0").Inputs["restart"] = "sometimes" },
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tDocker, "web-0", "restart") }},
	"deny_docker_image_reference": {target: "docker", phase: 3, want: "path component 'Nginx'", fix: fixAll,
		apply:   func(t *testing.T, g *graph.Graph) { find(t, g, tRemote, "lb").Inputs["name"] = "Nginx:1.28-bookworm" },
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tRemote, "lb", "name") }},
	"stack_deny_container_undeclared_use": {target: "docker", phase: 2, want: "container 'db' mounts volume db-data ('db-data') without depending on it", fix: fixAll,
		apply: func(t *testing.T, g *graph.Graph) {
			find(t, g, tVolume, "db-data").Inputs["name"] = "db-data"
			c := find(t, g, tDocker, "db")
			put(t, c, "volumes.0.volumeName", "db-data")
			dropDeps(c, "volumes")
		},
		unknown: func(t *testing.T, g *graph.Graph) { unknownAt(t, g, tDocker, "db", "volumes.0.volumeName") }},
}

var update = flag.Bool("update", false, "rewrite the rule table in PREFLIGHT.md")

const (
	tableBegin = "<!-- BEGIN RULES: generated from the rules' METADATA by `go test ./policies -run TestPreflightTable -update` -->\n"
	tableEnd   = "<!-- END RULES -->\n"
)

// preflightTable renders the preflight rules as a Markdown table.
func preflightTable(p *policies.Pack) string {
	var b strings.Builder
	b.WriteString("| rule | resource types | limit | documentation |\n|---|---|---|---|\n")
	cell := func(s string) string { return strings.ReplaceAll(s, "|", "\\|") }
	for _, r := range p.Rules {
		if r.Kind != policies.Preflight {
			continue
		}
		types := make([]string, len(r.Types))
		for i, typ := range r.Types {
			types[i] = "`" + typ + "`"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", r.Name, strings.Join(types, ", "), cell(r.Description), cell(r.Doc))
	}
	return b.String()
}

// TestPreflightTable keeps the table of PREFLIGHT.md equal to the rules.
func TestPreflightTable(t *testing.T) {
	raw, err := os.ReadFile("PREFLIGHT.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	start, end := strings.Index(doc, tableBegin), strings.Index(doc, tableEnd)
	if start < 0 || end < start {
		t.Fatalf("PREFLIGHT.md lacks the markers %q and %q", tableBegin, tableEnd)
	}
	want := preflightTable(loadPack(t))
	got := doc[start+len(tableBegin) : end]
	if got == want {
		return
	}
	if *update {
		if err := os.WriteFile("PREFLIGHT.md", []byte(doc[:start+len(tableBegin)]+want+doc[end:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("PREFLIGHT.md's table differs from the rules; run go test ./policies -run TestPreflightTable -update")
}

// The storage-autoscaling ceiling clause of deny_rds_storage_and_backups
// (the breaking case above covers the allocation's range): RDS wants the
// ceiling at least 10% above the allocation, so 21 GiB over 20 fails and 22
// passes.
func TestStorageCeilingTenPercentAbove(t *testing.T) {
	for ceiling, fires := range map[float64]bool{21: true, 22: false} {
		g := graphOf(t, "aws", 2)
		db := find(t, g, tRDS, "db")
		db.Inputs["allocatedStorage"], db.Inputs["maxAllocatedStorage"] = float64(20), ceiling
		fired := false
		for _, v := range evaluate(t, g, policies.Config{}) {
			if v.Rule == "deny_rds_storage_and_backups" && strings.Contains(v.Message, "less than 10% above allocatedStorage 20") {
				fired = true
			}
		}
		if fired != fires {
			t.Errorf("maxAllocatedStorage %v over 20 GiB: fired %v, want %v", ceiling, fired, fires)
		}
	}
}

// The analyzer hands stack rules a table's outputs, whose routes list the
// table's standalone routes too: those alone are no mix.
func TestRouteTableOutputsAreNoMix(t *testing.T) {
	g := graphOf(t, "aws", 3)
	find(t, g, tRT, "net-app-us-east-1a").Inputs["routes"] = []any{map[string]any{"cidrBlock": "0.0.0.0/0", "natGatewayId": "nat-1"}}
	for _, v := range evaluate(t, g, policies.Config{}) {
		if v.Rule == "stack_deny_route_table_mixed" {
			t.Errorf("fired on a table listing only its standalone routes: %s", v.Message)
		}
	}
}

// The ceiling clause of stack_deny_replica_storage_ceiling, on every kind of
// replica the stack makes (same-region, the cross-region copy, a shard's):
// off (0) or below the source's fires; the source's ceiling passes; an
// unknown ceiling on either side fires nothing.
func TestReplicaStorageCeiling(t *testing.T) {
	cases := []struct {
		name, replica, source string
		phase                 int
		ceiling               any // the replica's maxAllocatedStorage
		unknownSource         bool
		want                  string // a part of the message; "" for none
	}{
		{"off", "db-replica-1", "db", 4, float64(0), false, "has no storage autoscaling"},
		{"below", "db-replica-1", "db", 4, float64(50), false, "grows to 50 GiB (maxAllocatedStorage), its source 'db' to 100 GiB"},
		{"equal", "db-replica-1", "db", 4, float64(100), false, ""},
		{"cross-region below", "db-secondary", "db", 7, float64(50), false, "read replica 'db-secondary' grows to 50 GiB"},
		{"shard replica below", "shard-1-replica-1", "shard-1", 9, float64(50), false, "read replica 'shard-1-replica-1' grows to 50 GiB"},
		{"unknown replica", "db-replica-1", "db", 4, graph.Unknown, false, ""},
		{"unknown source", "db-replica-1", "db", 4, float64(50), true, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := graphOf(t, "aws", c.phase)
			src := find(t, g, tRDS, c.source)
			src.Inputs["maxAllocatedStorage"] = float64(100)
			if c.unknownSource {
				src.Inputs["maxAllocatedStorage"] = graph.Unknown
			}
			find(t, g, tRDS, c.replica).Inputs["maxAllocatedStorage"] = c.ceiling
			var got []string
			for _, v := range evaluate(t, g, policies.Config{}) {
				if v.Rule == "stack_deny_replica_storage_ceiling" {
					got = append(got, v.Message)
				}
			}
			switch {
			case c.want == "" && len(got) > 0:
				t.Errorf("fired: %v", got)
			case c.want != "" && (len(got) != 1 || !strings.Contains(got[0], c.want)):
				t.Errorf("got %v, want one message with %q", got, c.want)
			}
		})
	}
}
