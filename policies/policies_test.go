package policies_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/scalezero/scalezero/components/shared"
	"github.com/scalezero/scalezero/graph"
	"github.com/scalezero/scalezero/policies"
	"github.com/scalezero/scalezero/stacks/plan"
)

var (
	packOnce sync.Once
	pack     *policies.Pack
	packErr  error
	graphsMu sync.Mutex
	graphs   = map[string]*graph.Graph{}
)

func loadPack(t *testing.T) *policies.Pack {
	t.Helper()
	packOnce.Do(func() { pack, packErr = policies.Load() })
	if packErr != nil {
		t.Fatal(packErr)
	}
	return pack
}

// stackDomain is the domain a user sets before phase 7 (the dev stack ships
// without one).
const stackDomain = "domain=shop.scalezero-demo.net"

// phase returns a private copy of the dev stack's graph of phase p (aws target).
func phase(t *testing.T, p int) *graph.Graph { return graphOf(t, "aws", p) }

// graphOf returns a private copy of the dev stack's graph of a target and
// phase, with the domain a user sets before phase 7 and extra key=value settings.
func graphOf(t *testing.T, target string, p int, set ...string) *graph.Graph {
	t.Helper()
	if target == "" {
		target = "aws"
	}
	key := fmt.Sprint(target, p, set)
	graphsMu.Lock()
	g, ok := graphs[key]
	if !ok {
		var err error
		g, err = graph.RunStack("../Pulumi.dev.yaml", fmt.Sprint(p), append([]string{"target=" + target, stackDomain}, set...)...)
		if err != nil {
			graphsMu.Unlock()
			t.Fatal(err)
		}
		graphs[key] = g
	}
	graphsMu.Unlock()
	raw, _ := json.Marshal(g)
	var cp graph.Graph
	if err := json.Unmarshal(raw, &cp); err != nil {
		t.Fatal(err)
	}
	return &cp
}

// variant is one way to run the stack: a target and settings.
type variant struct {
	target string
	set    []string
}

func (v variant) String() string { return strings.Join(append([]string{v.target}, v.set...), " ") }

// variants are the stacks the pack is checked on: aws as shipped (with a
// domain), aws with its zone delegated (certificates and HTTPS), docker.
var variants = []variant{{"aws", nil}, {"aws", []string{"zoneDelegated=true"}}, {"docker", nil}}

func evaluate(t *testing.T, g *graph.Graph, cfg policies.Config) []policies.Violation {
	t.Helper()
	vs, err := loadPack(t).Evaluate(context.Background(), g, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return vs
}

// TestEveryPhasePassesWithNoMandatoryViolation runs the pack on every phase
// of both targets and reports what fires, rule by rule, with the phases.
func TestEveryPhasePassesWithNoMandatoryViolation(t *testing.T) {
	type seen struct {
		where   []string
		example string
	}
	fired := map[string]*seen{}
	var order []string
	for _, vr := range variants {
		for p := 1; p <= plan.MaxPhase; p++ {
			perRule := map[string]int{}
			for _, v := range evaluate(t, graphOf(t, vr.target, p, vr.set...), nil) {
				if v.Level != policies.Mandatory {
					continue
				}
				name := v.Kind + " " + v.Rule
				if fired[name] == nil {
					fired[name] = &seen{example: fmt.Sprintf("%s: %s", v.Resource, v.Message)}
					order = append(order, name)
				}
				perRule[name]++
			}
			for name, n := range perRule {
				fired[name].where = append(fired[name].where, fmt.Sprintf("%s %d (%d)", vr, p, n))
			}
		}
	}
	sort.Strings(order)
	for _, name := range order {
		f := fired[name]
		sort.Strings(f.where)
		t.Errorf("%s fires on %s; e.g. %s", name, strings.Join(f.where, ", "), f.example)
	}
}

func TestPackFollowsTheAnalyzersRules(t *testing.T) {
	p := loadPack(t)
	if p.Package != "scalezero" {
		t.Fatalf("package %s", p.Package)
	}
	for _, r := range p.Rules {
		if r.Title == "" || r.Description == "" || r.Message == "" {
			t.Errorf("%s lacks METADATA title, description or custom.message", r.Name)
		}
		if r.Kind != policies.Preflight && r.Kind != policies.BestPractice {
			t.Errorf("%s: kind %q", r.Name, r.Kind)
		}
	}
	files, _ := filepath.Glob("*.rego")
	for _, f := range files {
		raw, _ := os.ReadFile(f)
		if !strings.Contains(string(raw), "\nimport rego.v1\n") {
			t.Errorf("%s does not import rego.v1", f)
		}
	}
	yaml, _ := os.ReadFile("PulumiPolicy.yaml")
	if !strings.Contains(string(yaml), "runtime: opa") {
		t.Error("PulumiPolicy.yaml does not name the opa runtime")
	}
}

// Preflight rules live in preflight_*.rego, are mandatory, and say which
// types they read and which documentation page states their limit.
func TestPreflightRulesAreMandatoryAndCited(t *testing.T) {
	defined := map[string]string{} // rule -> file
	files, _ := filepath.Glob("*.rego")
	head := regexp.MustCompile(`(?m)^(\w+) contains `)
	for _, f := range files {
		raw, _ := os.ReadFile(f)
		for _, m := range head.FindAllStringSubmatch(string(raw), -1) {
			defined[m[1]] = f
		}
	}
	n := 0
	for _, r := range loadPack(t).Rules {
		preflightFile := strings.HasPrefix(defined[r.Name], "preflight_")
		if (r.Kind == policies.Preflight) != preflightFile {
			t.Errorf("%s: kind %s but defined in %s", r.Name, r.Kind, defined[r.Name])
		}
		if r.Kind != policies.Preflight {
			continue
		}
		n++
		if r.Level != policies.Mandatory {
			t.Errorf("%s is a preflight rule but %s", r.Name, r.Level)
		}
		if !strings.Contains(r.Doc, "https://") || len(r.Types) == 0 {
			t.Errorf("%s lacks custom.doc with a URL or custom.types", r.Name)
		}
		for _, typ := range r.Types {
			if !regexp.MustCompile(`^(aws|docker):[a-zA-Z0-9]+(/[a-zA-Z0-9]+)?:[A-Z][a-zA-Z0-9]*$`).MatchString(typ) {
				t.Errorf("%s: %q is not a type token", r.Name, typ)
			}
		}
	}
	if n < 30 {
		t.Errorf("%d preflight rules; the issue asks for at least 30", n)
	}
}

// TestPreflightCoversEveryDeclaredType: every resource type any phase of any
// variant declares (providers and our components aside: they call no cloud
// API) is read by some preflight rule.
func TestPreflightCoversEveryDeclaredType(t *testing.T) {
	covered := map[string]bool{}
	for _, r := range loadPack(t).Rules {
		if r.Kind == policies.Preflight {
			for _, typ := range r.Types {
				covered[typ] = true
			}
		}
	}
	need := map[string]bool{}
	for _, vr := range variants {
		for p := 1; p <= plan.MaxPhase; p++ {
			for _, r := range graphOf(t, vr.target, p, vr.set...).Resources {
				if r.Custom && !strings.HasPrefix(r.Type, "pulumi:providers:") {
					need[r.Type] = true
				}
			}
		}
	}
	for _, typ := range shared.SortedKeys(need) {
		if !covered[typ] {
			t.Errorf("no preflight rule reads %s", typ)
		}
	}
}

// A file in another package, or one the analyzer's Rego v0 parser rejects,
// breaks the pack: Load must fail as the analyzer would.
func TestLoadRejectsWhatTheAnalyzerRejects(t *testing.T) {
	for name, src := range map[string]string{
		"other package":                "package other\nimport rego.v1\ndeny_x contains \"m\" if { true }\n",
		"v1 syntax without the import": "package scalezero\ndeny_x contains \"m\" if { true }\n",
	} {
		fsys := fstest.MapFS{"a.rego": {Data: []byte("package scalezero\nimport rego.v1\ndeny_a contains \"m\" if { false }\n")}, "b.rego": {Data: []byte(src)}}
		if _, err := policies.LoadFS(fsys); err == nil {
			t.Errorf("%s: loaded", name)
		}
	}
}

func find(t *testing.T, g *graph.Graph, typ, name string) *graph.Resource {
	t.Helper()
	for i := range g.Resources {
		if g.Resources[i].Type == typ && g.Resources[i].Name == name {
			return &g.Resources[i]
		}
	}
	t.Fatalf("phase %d has no %s %s", g.Phase, typ, name)
	return nil
}

func drop(g *graph.Graph, typ, name string) {
	out := g.Resources[:0]
	for _, r := range g.Resources {
		if r.Type != typ || r.Name != name {
			out = append(out, r)
		}
	}
	g.Resources = out
}

const (
	tRDS    = "aws:rds/instance:Instance"
	tIngr   = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
	tLT     = "aws:ec2/launchTemplate:LaunchTemplate"
	tRG     = "aws:elasticache/replicationGroup:ReplicationGroup"
	tDist   = "aws:cloudfront/distribution:Distribution"
	tQueue  = "aws:sqs/queue:Queue"
	tASG    = "aws:autoscaling/group:Group"
	tRecord = "aws:route53/record:Record"
	tSG     = "aws:ec2/securityGroup:SecurityGroup"
	tPAB    = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
)

// breaker breaks one resource of one phase so that one rule fires.
type breaker struct {
	target string   // "aws" (the default) or "docker"
	phase  int      // the phase whose graph is broken
	set    []string // config settings over the stack file's (key=value)
	want   string   // in the message
	// fix repairs, before and after the breakage, what today's program gets
	// wrong for this rule, so that the case shows the rule's own breakage.
	fix   func(t *testing.T, g *graph.Graph)
	apply func(t *testing.T, g *graph.Graph)
	// unknown makes the value the rule decides on unknown, as in a preview:
	// then nothing fires. Preflight rules need it, or structural: why the
	// rule reads only what a preview always knows (dependencies, which
	// properties are set).
	unknown    func(t *testing.T, g *graph.Graph)
	structural string
	// disable turns off other rules the same breakage necessarily trips.
	disable []string
	// at is the type, name and input path a setting breaks.
	at [3]string
}

// breakers break one resource of one phase per best-practice rule.
var breakers = map[string]breaker{
	"deny_rds_public": {phase: 2, want: "publicly accessible", apply: func(t *testing.T, g *graph.Graph) {
		find(t, g, tRDS, "db").Inputs["publiclyAccessible"] = true
	}},
	"deny_rds_unencrypted": {phase: 2, want: "does not encrypt", apply: func(t *testing.T, g *graph.Graph) {
		find(t, g, tRDS, "db").Inputs["storageEncrypted"] = false
	}},
	"deny_rds_no_backups": {phase: 2, want: "keeps no backups", apply: func(t *testing.T, g *graph.Graph) {
		find(t, g, tRDS, "db").Inputs["backupRetentionPeriod"] = 0
	}},
	"deny_s3_public_access": {phase: 5, want: "blockPublicPolicy off", apply: func(t *testing.T, g *graph.Graph) {
		find(t, g, tPAB, "cdn").Inputs["blockPublicPolicy"] = false
	}},
	"deny_s3_unencrypted": {phase: 5, want: "no default algorithm", apply: func(t *testing.T, g *graph.Graph) {
		r := find(t, g, "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2", "cdn")
		r.Inputs["rules"] = []any{map[string]any{"bucketKeyEnabled": true}}
	}},
	"deny_cloudfront_http": {phase: 5, want: "plain HTTP", apply: func(t *testing.T, g *graph.Graph) {
		find(t, g, tDist, "cdn").Inputs["defaultCacheBehavior"].(map[string]any)["viewerProtocolPolicy"] = "allow-all"
	}},
	"deny_cloudfront_s3_without_oac": {phase: 5, want: "without origin access control", apply: func(t *testing.T, g *graph.Graph) {
		origin := find(t, g, tDist, "cdn").Inputs["origins"].([]any)[0].(map[string]any)
		delete(origin, "originAccessControlId")
	}},
	"deny_cloudfront_s3_without_headers": {phase: 5, want: "serves /static/* from S3 without a response headers policy", apply: func(t *testing.T, g *graph.Graph) {
		static := find(t, g, tDist, "cdn").Inputs["orderedCacheBehaviors"].([]any)[0].(map[string]any)
		delete(static, "responseHeadersPolicyId")
	}},
	"deny_ssh_from_anywhere": {phase: 1, want: "admits SSH from the internet", apply: func(t *testing.T, g *graph.Graph) {
		r := find(t, g, tIngr, "server-80")
		r.Inputs["fromPort"], r.Inputs["toPort"] = 22, 22
	}},
	"deny_world_ingress": {phase: 3, want: "opens ports 8080-8080 to the internet", apply: func(t *testing.T, g *graph.Graph) {
		r := find(t, g, tIngr, "web-lb-80")
		r.Inputs["fromPort"], r.Inputs["toPort"] = 8080, 8080
	}},
	"deny_imdsv1": {phase: 3, want: "allows IMDSv1", apply: func(t *testing.T, g *graph.Graph) {
		find(t, g, tLT, "web-fleet").Inputs["metadataOptions"].(map[string]any)["httpTokens"] = "optional"
	}},
	"deny_launch_template_public_ip": {phase: 3, want: "public IP", apply: func(t *testing.T, g *graph.Graph) {
		find(t, g, tLT, "web-fleet").Inputs["networkInterfaces"].([]any)[0].(map[string]any)["associatePublicIpAddress"] = "true"
	}},
	"deny_elasticache_unencrypted": {phase: 5, want: "atRestEncryptionEnabled off", apply: func(t *testing.T, g *graph.Graph) {
		find(t, g, tRG, "cache").Inputs["atRestEncryptionEnabled"] = false
	}},
	"deny_elasticache_no_failover": {phase: 5, want: "no automatic failover", apply: func(t *testing.T, g *graph.Graph) {
		// Multi-AZ goes too: ElastiCache refuses it without failover (a preflight rule).
		rg := find(t, g, tRG, "cache")
		rg.Inputs["automaticFailoverEnabled"], rg.Inputs["multiAzEnabled"] = false, false
	}},
	"deny_sqs_unencrypted": {phase: 8, want: "is not encrypted", apply: func(t *testing.T, g *graph.Graph) {
		find(t, g, tQueue, "jobs-dlq").Inputs["sqsManagedSseEnabled"] = false
	}},
	"deny_iam_star": {phase: 1, want: "allows * on *", apply: func(t *testing.T, g *graph.Graph) {
		find(t, g, "aws:iam/rolePolicy:RolePolicy", "server-role").Inputs["policy"] =
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":["*"]}]}`
	}},
	"deny_ebs_unencrypted": {phase: 3, want: "maps /dev/xvda unencrypted", apply: func(t *testing.T, g *graph.Graph) {
		find(t, g, tLT, "web-fleet").Inputs["blockDeviceMappings"].([]any)[0].(map[string]any)["ebs"].(map[string]any)["encrypted"] = "false"
	}},
	"deny_elasticache_no_auth": {phase: 5, want: "lets any client in", apply: func(t *testing.T, g *graph.Graph) {
		delete(find(t, g, tRG, "cache").Inputs, "authToken")
	}},
	"warn_lb_invalid_headers": {phase: 3, want: "passes invalid header fields on", apply: func(t *testing.T, g *graph.Graph) {
		find(t, g, "aws:lb/loadBalancer:LoadBalancer", "web").Inputs["dropInvalidHeaderFields"] = false
	}},
	"stack_deny_public_entry": {phase: 2, want: "neither a load balancer's nor the public server's group", apply: func(t *testing.T, g *graph.Graph) {
		r := find(t, g, tIngr, "db-from-server")
		r.Inputs["cidrIpv4"], r.Inputs["fromPort"], r.Inputs["toPort"] = "0.0.0.0/0", 443, 443
		delete(r.Inputs, "referencedSecurityGroupId")
		delete(r.PropertyDependencies, "referencedSecurityGroupId")
	}},
	"stack_deny_fleet_bypass": {phase: 3, want: "other than from the load balancer's group", apply: func(t *testing.T, g *graph.Graph) {
		r := find(t, g, tIngr, "web-fleet-from-lb")
		r.PropertyDependencies["referencedSecurityGroupId"] = []string{find(t, g, tSG, "db").URN}
	}},
	"stack_deny_fleet_redundancy": {phase: 3, want: "minSize 1", apply: func(t *testing.T, g *graph.Graph) {
		find(t, g, tASG, "web-fleet").Inputs["minSize"] = 1
	}},
	"stack_warn_fleet_redundancy": {phase: 8, want: "over 1 zone(s)", apply: func(t *testing.T, g *graph.Graph) {
		r := find(t, g, tASG, "worker-fleet")
		r.PropertyDependencies["vpcZoneIdentifiers"] = r.PropertyDependencies["vpcZoneIdentifiers"][:1]
	}},
	"stack_deny_db_multi_az": {phase: 4, want: "no Multi-AZ standby", apply: func(t *testing.T, g *graph.Graph) {
		find(t, g, tRDS, "db").Inputs["multiAz"] = false
	}},
	"stack_deny_sticky_shared_sessions": {phase: 6, want: "sticky although sessions are shared", apply: func(t *testing.T, g *graph.Graph) {
		find(t, g, "aws:lb/targetGroup:TargetGroup", "web").Inputs["stickiness"].(map[string]any)["enabled"] = true
	}},
	"stack_deny_queue_without_dlq": {phase: 8, want: "has no dead-letter queue", apply: func(t *testing.T, g *graph.Graph) {
		r := find(t, g, tQueue, "jobs")
		delete(r.Inputs, "redrivePolicy")
		delete(r.PropertyDependencies, "redrivePolicy")
	}},
	"stack_deny_geo_without_default": {phase: 7, set: []string{withDomain}, want: "no default", apply: func(t *testing.T, g *graph.Graph) {
		drop(g, tRecord, "dns-site")
	}},
	"stack_deny_geo_unchecked": {phase: 7, set: []string{withDomain}, want: "has no health check", apply: func(t *testing.T, g *graph.Graph) {
		delete(find(t, g, tRecord, "dns-geo-eu").Inputs, "healthCheckId")
	}},
	"stack_deny_database_unreachable": {phase: 7, set: []string{withDomain}, want: "database 'db-secondary' does not admit the web hosts of its region (web-secondary-fleet)", apply: func(t *testing.T, g *graph.Graph) {
		drop(g, tIngr, "db-secondary-from-web")
	}},
	"stack_deny_bucket_unprotected": {phase: 5, want: "BucketPublicAccessBlock", apply: func(t *testing.T, g *graph.Graph) {
		drop(g, tPAB, "cdn")
	}},
	// What runs is watched (observability.rego).
	"stack_deny_dlq_unwatched": {phase: 8, want: "dead-letter queue 'jobs-dlq' has no alarm", apply: func(t *testing.T, g *graph.Graph) {
		drop(g, tAlarm, "jobs-dlq")
	}},
	"stack_deny_lb_unwatched": {phase: 3, want: "load balancer 'web' has no 5xx alarm", apply: func(t *testing.T, g *graph.Graph) {
		drop(g, tAlarm, "web-5xx")
	}},
	"stack_deny_db_storage_unwatched": {phase: 2, want: "RDS instance 'db' has no free-storage alarm", apply: func(t *testing.T, g *graph.Graph) {
		drop(g, tAlarm, "db-storage")
	}},
	"stack_deny_replica_lag_unwatched": {phase: 4, want: "read replica 'db-replica-1' has no lag alarm", apply: func(t *testing.T, g *graph.Graph) {
		drop(g, tAlarm, "db-replica-1-lag")
	}},
	"deny_alarm_without_action": {phase: 2, want: "notifies nobody", apply: func(t *testing.T, g *graph.Graph) {
		find(t, g, tAlarm, "db-storage").Inputs["alarmActions"] = []any{}
	}},
	"deny_log_group_without_retention": {phase: 1, want: "keeps its logs forever", apply: func(t *testing.T, g *graph.Graph) {
		delete(find(t, g, tLogGroup, "observability-web").Inputs, "retentionInDays")
	}},
}

type key struct{ rule, resource, message string }

func keys(vs []policies.Violation) map[key]policies.Violation {
	out := map[key]policies.Violation{}
	for _, v := range vs {
		out[key{v.Rule, v.Resource, v.Message}] = v
	}
	return out
}

// TestEachRuleFiresOnItsBreakage breaks one resource per rule and checks that
// exactly that rule reports something new, with its message; then, for a
// preflight rule, makes the value it decides on unknown and checks that
// nothing new fires.
func TestEachRuleFiresOnItsBreakage(t *testing.T) {
	all := map[string]breaker{}
	for _, m := range []map[string]breaker{breakers, preflightBreakers} {
		for name, b := range m {
			if _, dup := all[name]; dup {
				t.Errorf("%s has two breaking cases", name)
			}
			all[name] = b
		}
	}
	rules := map[string]bool{}
	for _, rule := range loadPack(t).Rules {
		rules[rule.Name] = true
		b, ok := all[rule.Name]
		if !ok {
			t.Errorf("%s has no breaking case", rule.Name)
			continue
		}
		if rule.Kind == policies.Preflight && b.unknown == nil && b.structural == "" {
			t.Errorf("%s has no unknown-value case (nor says why it needs none)", rule.Name)
		}
		t.Run(rule.Name, func(t *testing.T) {
			cfg := policies.Config{}
			for _, other := range b.disable {
				cfg[other] = policies.Disabled
			}
			prepare := func(steps ...func(*testing.T, *graph.Graph)) *graph.Graph {
				g := graphOf(t, b.target, b.phase, b.set...)
				for _, step := range steps {
					if step != nil {
						step(t, g)
					}
				}
				return g
			}
			before := keys(evaluate(t, prepare(b.fix), cfg))
			newSince := func(g *graph.Graph) []policies.Violation {
				var out []policies.Violation
				for k, v := range keys(evaluate(t, g, cfg)) {
					if _, old := before[k]; !old {
						out = append(out, v)
					}
				}
				return out
			}
			fired := newSince(prepare(b.fix, b.apply))
			if len(fired) == 0 {
				t.Fatalf("nothing fired")
			}
			for _, v := range fired {
				if v.Rule != rule.Name {
					t.Errorf("%s fired too: %s", v.Rule, v.Message)
				} else if !strings.Contains(v.Message, b.want) || v.Level != rule.Level {
					t.Errorf("message %q (level %s), want %q (%s)", v.Message, v.Level, b.want, rule.Level)
				}
			}
			if b.unknown == nil {
				return
			}
			for _, v := range newSince(prepare(b.fix, b.apply, b.unknown)) {
				t.Errorf("with the value unknown, %s fired: %s", v.Rule, v.Message)
			}
		})
	}
	for name := range all {
		if !rules[name] {
			t.Errorf("breaking case for %s, which the pack does not have", name)
		}
	}
}

func TestEnforcementLevelsFollowThePolicyConfig(t *testing.T) {
	g := phase(t, 2)
	fixAll(t, g)
	find(t, g, tRDS, "db").Inputs["publiclyAccessible"] = true
	cfg, err := policies.ParseConfig([]byte(`{"deny_rds_public": {"enforcementLevel": "advisory"}}`))
	if err != nil {
		t.Fatal(err)
	}
	vs := evaluate(t, g, cfg)
	if len(vs) != 1 || vs[0].Level != policies.Advisory {
		t.Fatalf("%+v", vs)
	}
	cfg, _ = policies.ParseConfig([]byte(`{"all": "disabled"}`))
	if vs := evaluate(t, g, cfg); len(vs) != 0 {
		t.Fatalf("disabled pack reported %+v", vs)
	}
	if _, err := policies.ParseConfig([]byte(`{"deny_rds_public": "sometimes"}`)); err == nil || !strings.Contains(err.Error(), "allowed mandatory, advisory or disabled") {
		t.Fatalf("bad level: %v", err)
	}
}

// In a preview many values are unknown. Making every input value of every
// resource unknown must not make any rule fire (nor fail) that does not fire
// on the known graph: unknowns only ever take violations away. (Rules that
// read only dependencies, which a preview knows, fire on both; once the
// program passes, nothing fires here at all.)
func TestUnknownValuesNeverFire(t *testing.T) {
	type at struct{ rule, resource string }
	for _, vr := range variants {
		for p := 1; p <= plan.MaxPhase; p++ {
			known := map[at]bool{}
			for _, v := range evaluate(t, graphOf(t, vr.target, p, vr.set...), nil) {
				known[at{v.Rule, v.Resource}] = true
			}
			g := graphOf(t, vr.target, p, vr.set...)
			for i := range g.Resources {
				g.Resources[i].Inputs = unknownLeaves(g.Resources[i].Inputs).(map[string]any)
			}
			for _, v := range evaluate(t, g, nil) {
				if !known[at{v.Rule, v.Resource}] {
					t.Errorf("%s phase %d: %s fired on unknowns: %s", vr, p, v.Rule, v.Message)
				}
			}
		}
	}
}

func unknownLeaves(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = unknownLeaves(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = unknownLeaves(e)
		}
		return out
	}
	return graph.Unknown
}

// BenchmarkEvaluatePhase9 evaluates every rule on the largest phase's graph.
func BenchmarkEvaluatePhase9(b *testing.B) {
	g, err := graph.RunStack("../Pulumi.dev.yaml", "9", stackDomain)
	if err != nil {
		b.Fatal(err)
	}
	p, err := policies.Load()
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := p.Evaluate(context.Background(), g, nil); err != nil {
			b.Fatal(err)
		}
	}
}
