package policies_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/scalezero/scalezero/graph"
	"github.com/scalezero/scalezero/policies"
)

var (
	packOnce sync.Once
	pack     *policies.Pack
	packErr  error
	graphsMu sync.Mutex
	graphs   = map[int]*graph.Graph{}
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

// phase returns a private copy of the dev stack's graph of phase p.
func phase(t *testing.T, p int) *graph.Graph {
	t.Helper()
	graphsMu.Lock()
	g, ok := graphs[p]
	if !ok {
		var err error
		g, err = graph.RunStack("../Pulumi.dev.yaml", fmt.Sprint(p), stackDomain)
		if err != nil {
			graphsMu.Unlock()
			t.Fatal(err)
		}
		graphs[p] = g
	}
	graphsMu.Unlock()
	raw, _ := json.Marshal(g)
	var cp graph.Graph
	if err := json.Unmarshal(raw, &cp); err != nil {
		t.Fatal(err)
	}
	return &cp
}

func evaluate(t *testing.T, g *graph.Graph, cfg policies.Config) []policies.Violation {
	t.Helper()
	vs, err := loadPack(t).Evaluate(context.Background(), g, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return vs
}

func TestEveryPhasePassesWithNoMandatoryViolation(t *testing.T) {
	for p := 1; p <= 9; p++ {
		for _, v := range evaluate(t, phase(t, p), nil) {
			if v.Level == policies.Mandatory {
				t.Errorf("phase %d: %s on %s: %s", p, v.Rule, v.Resource, v.Message)
			}
		}
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

// breakers break one resource of one phase so that one rule fires.
var breakers = map[string]struct {
	phase int
	want  string // in the message
	apply func(t *testing.T, g *graph.Graph)
}{
	"deny_rds_public": {2, "publicly accessible", func(t *testing.T, g *graph.Graph) {
		find(t, g, tRDS, "db").Inputs["publiclyAccessible"] = true
	}},
	"deny_rds_unencrypted": {2, "does not encrypt", func(t *testing.T, g *graph.Graph) {
		find(t, g, tRDS, "db").Inputs["storageEncrypted"] = false
	}},
	"deny_rds_no_backups": {2, "keeps no backups", func(t *testing.T, g *graph.Graph) {
		find(t, g, tRDS, "db").Inputs["backupRetentionPeriod"] = 0
	}},
	"deny_s3_public_access": {5, "blockPublicPolicy off", func(t *testing.T, g *graph.Graph) {
		find(t, g, tPAB, "cdn").Inputs["blockPublicPolicy"] = false
	}},
	"deny_s3_unencrypted": {5, "no default algorithm", func(t *testing.T, g *graph.Graph) {
		r := find(t, g, "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2", "cdn")
		r.Inputs["rules"] = []any{map[string]any{"bucketKeyEnabled": true}}
	}},
	"deny_cloudfront_http": {5, "plain HTTP", func(t *testing.T, g *graph.Graph) {
		find(t, g, tDist, "cdn").Inputs["defaultCacheBehavior"].(map[string]any)["viewerProtocolPolicy"] = "allow-all"
	}},
	"deny_cloudfront_s3_without_oac": {5, "without origin access control", func(t *testing.T, g *graph.Graph) {
		origin := find(t, g, tDist, "cdn").Inputs["origins"].([]any)[0].(map[string]any)
		delete(origin, "originAccessControlId")
	}},
	"deny_ssh_from_anywhere": {1, "admits SSH from the internet", func(t *testing.T, g *graph.Graph) {
		r := find(t, g, tIngr, "server-80")
		r.Inputs["fromPort"], r.Inputs["toPort"] = 22, 22
	}},
	"deny_world_ingress": {3, "opens ports 8080-8080 to the internet", func(t *testing.T, g *graph.Graph) {
		r := find(t, g, tIngr, "web-lb-80")
		r.Inputs["fromPort"], r.Inputs["toPort"] = 8080, 8080
	}},
	"deny_imdsv1": {3, "allows IMDSv1", func(t *testing.T, g *graph.Graph) {
		find(t, g, tLT, "web-fleet").Inputs["metadataOptions"].(map[string]any)["httpTokens"] = "optional"
	}},
	"deny_launch_template_public_ip": {3, "public IP", func(t *testing.T, g *graph.Graph) {
		find(t, g, tLT, "web-fleet").Inputs["networkInterfaces"].([]any)[0].(map[string]any)["associatePublicIpAddress"] = "true"
	}},
	"deny_elasticache_unencrypted": {5, "transitEncryptionEnabled off", func(t *testing.T, g *graph.Graph) {
		find(t, g, tRG, "cache").Inputs["transitEncryptionEnabled"] = false
	}},
	"deny_elasticache_no_failover": {5, "no automatic failover", func(t *testing.T, g *graph.Graph) {
		find(t, g, tRG, "cache").Inputs["automaticFailoverEnabled"] = false
	}},
	"deny_sqs_unencrypted": {8, "is not encrypted", func(t *testing.T, g *graph.Graph) {
		find(t, g, tQueue, "jobs-dlq").Inputs["sqsManagedSseEnabled"] = false
	}},
	"deny_iam_star": {1, "allows * on *", func(t *testing.T, g *graph.Graph) {
		find(t, g, "aws:iam/rolePolicy:RolePolicy", "server-role").Inputs["policy"] =
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":["*"]}]}`
	}},
	"deny_ebs_unencrypted": {3, "maps /dev/xvda unencrypted", func(t *testing.T, g *graph.Graph) {
		find(t, g, tLT, "web-fleet").Inputs["blockDeviceMappings"].([]any)[0].(map[string]any)["ebs"].(map[string]any)["encrypted"] = "false"
	}},
	"deny_elasticache_no_auth": {5, "lets any client in", func(t *testing.T, g *graph.Graph) {
		delete(find(t, g, tRG, "cache").Inputs, "authToken")
	}},
	"warn_lb_invalid_headers": {3, "passes invalid header fields on", func(t *testing.T, g *graph.Graph) {
		find(t, g, "aws:lb/loadBalancer:LoadBalancer", "web").Inputs["dropInvalidHeaderFields"] = false
	}},
	"stack_deny_public_entry": {2, "neither a load balancer's nor the public server's group", func(t *testing.T, g *graph.Graph) {
		r := find(t, g, tIngr, "db-from-server")
		r.Inputs["cidrIpv4"], r.Inputs["fromPort"], r.Inputs["toPort"] = "0.0.0.0/0", 443, 443
		delete(r.Inputs, "referencedSecurityGroupId")
		delete(r.PropertyDependencies, "referencedSecurityGroupId")
	}},
	"stack_deny_fleet_bypass": {3, "other than from the load balancer's group", func(t *testing.T, g *graph.Graph) {
		r := find(t, g, tIngr, "web-fleet-from-lb")
		r.PropertyDependencies["referencedSecurityGroupId"] = []string{find(t, g, tSG, "db").URN}
	}},
	"stack_deny_fleet_redundancy": {3, "minSize 1", func(t *testing.T, g *graph.Graph) {
		find(t, g, tASG, "web-fleet").Inputs["minSize"] = 1
	}},
	"stack_warn_fleet_redundancy": {8, "over 1 zone(s)", func(t *testing.T, g *graph.Graph) {
		r := find(t, g, tASG, "worker-fleet")
		r.PropertyDependencies["vpcZoneIdentifiers"] = r.PropertyDependencies["vpcZoneIdentifiers"][:1]
	}},
	"stack_deny_lb_single_zone": {3, "spans 1 zone(s)", func(t *testing.T, g *graph.Graph) {
		r := find(t, g, "aws:lb/loadBalancer:LoadBalancer", "web")
		r.PropertyDependencies["subnets"] = r.PropertyDependencies["subnets"][:1]
	}},
	"stack_deny_db_multi_az": {4, "no Multi-AZ standby", func(t *testing.T, g *graph.Graph) {
		find(t, g, tRDS, "db").Inputs["multiAz"] = false
	}},
	"stack_deny_sticky_shared_sessions": {6, "sticky although sessions are shared", func(t *testing.T, g *graph.Graph) {
		find(t, g, "aws:lb/targetGroup:TargetGroup", "web").Inputs["stickiness"].(map[string]any)["enabled"] = true
	}},
	"stack_deny_queue_without_dlq": {8, "has no dead-letter queue", func(t *testing.T, g *graph.Graph) {
		r := find(t, g, tQueue, "jobs")
		delete(r.Inputs, "redrivePolicy")
		delete(r.PropertyDependencies, "redrivePolicy")
	}},
	"stack_deny_geo_without_default": {7, "no default", func(t *testing.T, g *graph.Graph) {
		drop(g, tRecord, "dns-site")
	}},
	"stack_deny_geo_unchecked": {7, "has no health check", func(t *testing.T, g *graph.Graph) {
		delete(find(t, g, tRecord, "dns-geo-eu").Inputs, "healthCheckId")
	}},
	"stack_deny_bucket_unprotected": {5, "BucketPublicAccessBlock", func(t *testing.T, g *graph.Graph) {
		drop(g, tPAB, "cdn")
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
// exactly that rule reports something new, with its message.
func TestEachRuleFiresOnItsBreakage(t *testing.T) {
	for _, rule := range loadPack(t).Rules {
		b, ok := breakers[rule.Name]
		if !ok {
			t.Errorf("%s has no breaking case", rule.Name)
			continue
		}
		t.Run(rule.Name, func(t *testing.T) {
			before := keys(evaluate(t, phase(t, b.phase), nil))
			g := phase(t, b.phase)
			b.apply(t, g)
			var fired []policies.Violation
			for k, v := range keys(evaluate(t, g, nil)) {
				if _, old := before[k]; !old {
					fired = append(fired, v)
				}
			}
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
		})
	}
}

func TestEnforcementLevelsFollowThePolicyConfig(t *testing.T) {
	g := phase(t, 2)
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

// In a preview many values are unknown. Making every scalar input of every
// resource unknown must not make any rule fire (nor fail).
func TestUnknownValuesNeverFire(t *testing.T) {
	for p := 1; p <= 9; p++ {
		g := phase(t, p)
		for i := range g.Resources {
			g.Resources[i].Inputs = unknownLeaves(g.Resources[i].Inputs).(map[string]any)
		}
		for _, v := range evaluate(t, g, nil) {
			t.Errorf("phase %d: %s fired on unknowns: %s", p, v.Rule, v.Message)
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
