package stacks_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/scalezero/scalezero/app/config"
	"github.com/scalezero/scalezero/components/cdn"
	"github.com/scalezero/scalezero/components/queue"
	"github.com/scalezero/scalezero/graph"
)

func TestCache(t *testing.T) {
	forPhases(t, 5, 9, func(t *testing.T, g *graph.Graph) {
		groups := g.OfType(tReplGroup)
		// One per region: the primary's from phase 5, the second region's from 7.
		if want := len(regionsOf(g)); len(groups) != want {
			t.Fatalf("%d replication groups, want one in each of %d regions", len(groups), want)
		}
		for _, rg := range groups {
			for _, flag := range []string{"automaticFailoverEnabled", "multiAzEnabled", "atRestEncryptionEnabled", "transitEncryptionEnabled"} {
				if rg.Get(flag) != true {
					t.Errorf("%s: %s = %v", rg.Name, flag, rg.Get(flag))
				}
			}
			if n, _ := rg.Get("numCacheClusters").(float64); n < 2 {
				t.Errorf("%s: %v nodes, want a primary and a replica", rg.Name, n)
			}
			params, _ := g.ByURN(rg.PropertyDependencies["parameterGroupName"][0])
			if p := params.Str("parameters.0.name") + "=" + params.Str("parameters.0.value"); p != "maxmemory-policy=allkeys-lru" {
				t.Errorf("%s: parameter %s", rg.Name, p)
			}
		}
		cacheRules := 0
		for _, rule := range g.OfType(tIngress) {
			if rule.Get("fromPort") != float64(6379) {
				continue
			}
			cacheRules++
			if len(rule.PropertyDependencies["referencedSecurityGroupId"]) != 1 {
				t.Errorf("%s: cache ingress not from a security group", rule.Name)
			}
		}
		if cacheRules < len(groups) {
			t.Errorf("%d cache ingress rules for %d caches: some admit nobody", cacheRules, len(groups))
		}
	})
}

// regionsOf lists the regions of a graph's AWS providers.
func regionsOf(g *graph.Graph) []string {
	var out []string
	for _, p := range g.OfType("pulumi:providers:aws") {
		if r := p.Str("region"); r != "" && !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

func TestCDN(t *testing.T) {
	forPhases(t, 5, 9, func(t *testing.T, g *graph.Graph) {
		dist := g.OfType(tDistribution)[0]
		oac := g.OfType(tOAC)[0]
		if !dist.DependsOn("origins", oac.URN) {
			t.Errorf("the distribution does not read through the origin access control")
		}
		if dist.Str("defaultCacheBehavior.viewerProtocolPolicy") != "redirect-to-https" ||
			dist.Str("orderedCacheBehaviors.0.viewerProtocolPolicy") != "redirect-to-https" {
			t.Errorf("viewers are not redirected to HTTPS")
		}
		if dist.Str("orderedCacheBehaviors.0.pathPattern") != "/static/*" || dist.Get("orderedCacheBehaviors.0.compress") != true {
			t.Errorf("static behavior %v", dist.Get("orderedCacheBehaviors"))
		}
		// S3 sends no security headers: the static behavior's policy adds
		// the ones the app sends on its own answers.
		headers := component(t, g, "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy", "cdn-static")
		if !dist.DependsOn("orderedCacheBehaviors", headers.URN) {
			t.Errorf("the static behavior has no response headers policy")
		}
		for path, want := range map[string]any{
			"securityHeadersConfig.contentSecurityPolicy.contentSecurityPolicy":    cdn.StaticCSP,
			"securityHeadersConfig.contentTypeOptions.override":                    true,
			"securityHeadersConfig.frameOptions.frameOption":                       "DENY",
			"securityHeadersConfig.referrerPolicy.referrerPolicy":                  "same-origin",
			"securityHeadersConfig.strictTransportSecurity.accessControlMaxAgeSec": 31536000.0,
			"securityHeadersConfig.strictTransportSecurity.includeSubdomains":      true,
		} {
			if got := headers.Get(path); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("static headers %s = %v, want %v", path, got, want)
			}
		}
		// The app may be reached over HTTP behind CloudFront, and then
		// sends no HSTS: the default behavior adds it.
		hsts := component(t, g, "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy", "cdn-app")
		if !dist.DependsOn("defaultCacheBehavior", hsts.URN) || hsts.Get("securityHeadersConfig.strictTransportSecurity.accessControlMaxAgeSec") != 31536000.0 {
			t.Errorf("the app's behavior does not add HSTS: %v", hsts.Inputs)
		}
		if !strings.Contains(cdn.StaticCSP, "frame-ancestors 'none'") {
			t.Errorf("static CSP %q lets other sites frame the assets", cdn.StaticCSP)
		}
		if dist.Str("priceClass") != "PriceClass_100" {
			t.Errorf("price class %s", dist.Str("priceClass"))
		}
		if origins, _ := dist.Get("origins").([]any); len(origins) != 2 {
			t.Errorf("want the bucket and the app as origins, got %d", len(origins))
		}
		block := component(t, g, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "cdn")
		for _, k := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
			if block.Get(k) != true {
				t.Errorf("public access block %s = %v", k, block.Get(k))
			}
		}
		policy := component(t, g, "aws:s3/bucketPolicy:BucketPolicy", "cdn")
		if !policy.DependsOn("policy", dist.URN) {
			t.Errorf("the bucket policy is not conditioned on the distribution")
		}
		objects := g.OfType("aws:s3/bucketObjectv2:BucketObjectv2")
		if len(objects) == 0 {
			t.Fatal("no static assets uploaded")
		}
		for _, o := range objects {
			key := o.Str("key")
			parts := strings.Split(strings.TrimPrefix(key, "static/"), ".")
			if !strings.HasPrefix(key, "static/") || len(parts) != 3 || len(parts[1]) != 8 {
				t.Errorf("asset key %q is not content-hashed", key)
			}
			if !strings.Contains(o.Str("cacheControl"), "immutable") {
				t.Errorf("%s: cache control %q", key, o.Str("cacheControl"))
			}
		}
	})
}

func TestTargetTrackingFromPhase6(t *testing.T) {
	forPhases(t, 3, 9, func(t *testing.T, g *graph.Graph) {
		var web []graph.Resource
		for _, p := range g.OfType(tPolicy) {
			if strings.Contains(p.Name, "target-tracking") {
				web = append(web, p)
				if p.Str("policyType") != "TargetTrackingScaling" || p.Str("targetTrackingConfiguration.predefinedMetricSpecification.predefinedMetricType") != "ASGAverageCPUUtilization" {
					t.Errorf("%s: %v", p.Name, p.Inputs)
				}
			}
		}
		if want := btoi(g.Phase >= 6) * len(regionSuffixes(g)); len(web) != want {
			t.Errorf("%d web scaling policies, want %d", len(web), want)
		}
	})
}

func TestTwoRegions(t *testing.T) {
	forPhases(t, 7, 9, func(t *testing.T, g *graph.Graph) {
		providers := map[string]string{}
		for _, p := range g.OfType(tProvider) {
			providers[p.URN] = p.Str("region")
		}
		if len(providers) != 2 || providers[providerURN("primary")] != "us-east-1" || providers[providerURN("secondary")] != "eu-west-1" {
			t.Fatalf("providers %v", providers)
		}
		secondaryRoots := map[string]bool{}
		for _, r := range g.Resources {
			if r.Parent != "" && strings.Contains(r.Parent, "::pulumi:pulumi:Stack::") && strings.HasSuffix(r.Name, "-secondary") {
				secondaryRoots[r.URN] = true
			}
		}
		if len(secondaryRoots) == 0 {
			t.Fatal("no secondary-region components")
		}
		for _, r := range g.Resources {
			if !r.Custom || r.Type == tProvider || !strings.HasPrefix(r.Type, "aws:") {
				continue
			}
			inSecondary := false
			for root := range secondaryRoots {
				inSecondary = inSecondary || childOf(g, r, root)
			}
			want := providerURN("primary")
			// The peering's accepter and its routes in the second region's
			// app tables belong to that region.
			if inSecondary || strings.HasPrefix(r.Name, "peering-accepter") || strings.HasPrefix(r.Name, "peering-remote-") {
				want = providerURN("secondary")
			}
			if r.Provider != want {
				t.Errorf("%s %s uses provider %q, want %q", r.Type, r.Name, r.Provider, want)
			}
		}
		// Global resources exist once.
		for _, typ := range []string{tDistribution, "aws:route53/zone:Zone"} {
			if n := count(g, typ); n != 1 {
				t.Errorf("%d %s, want one", n, typ)
			}
		}
		// The secondary holds an encrypted cross-region replica with its own key.
		replica := component(t, g, tRDS, "db-secondary")
		key := component(t, g, "aws:kms/key:Key", "db-secondary")
		if !replica.DependsOn("kmsKeyId", key.URN) || replica.Get("storageEncrypted") != true {
			t.Errorf("cross-region replica not encrypted with its region's key")
		}
		if !replica.DependsOn("replicateSourceDb", component(t, g, tRDS, "db").URN) {
			t.Errorf("cross-region replica does not follow the primary")
		}
	})
}

func providerURN(name string) string {
	return "urn:pulumi:dev::scalezero::pulumi:providers:aws::" + name
}

func TestGeolocationWithFailover(t *testing.T) {
	forPhases(t, 7, 9, func(t *testing.T, g *graph.Graph) {
		checks := g.OfType(tHealthCheck)
		if len(checks) != 2 {
			t.Fatalf("%d health checks, want one per region", len(checks))
		}
		var defaults, geo, failover int
		dnsComp := component(t, g, "scalezero:dns:DNS", "dns")
		for _, r := range under(g, dnsComp, tRecord) {
			if r.Str("name") == "static."+testDomain {
				continue // the CDN's alias
			}
			loc, _ := r.Get("geolocationRoutingPolicies.0").(map[string]any)
			switch {
			case loc != nil && loc["country"] == "*":
				defaults++
				if r.Get("aliases.0.evaluateTargetHealth") != true || r.Str("aliases.0.name") != "failover.shop.scalezero-demo.net" {
					t.Errorf("the default record does not follow the failover pair: %v", r.Inputs)
				}
				// Its alias names the pair only by text; Route53 refuses an
				// alias to records that do not exist yet.
				for _, f := range []string{"dns-failover-primary", "dns-failover-secondary"} {
					if !slices.Contains(r.Dependencies, component(t, g, tRecord, f).URN) {
						t.Errorf("the default record does not wait for %s", f)
					}
				}
			case loc != nil:
				geo++
				if len(r.PropertyDependencies["healthCheckId"]) != 1 {
					t.Errorf("geolocation record %s is not health-checked", r.Name)
				}
			case r.Get("failoverRoutingPolicies.0.type") != nil:
				failover++
				if len(r.PropertyDependencies["healthCheckId"]) != 1 {
					t.Errorf("failover record %s is not health-checked", r.Name)
				}
			default:
				t.Errorf("record %s has no routing policy", r.Name)
			}
		}
		if defaults != 1 || failover != 2 || geo != 6 {
			t.Errorf("records: %d default, %d failover, %d geolocation; want 1, 2, 6", defaults, failover, geo)
		}
	})
}

// The app deletes job rows after jobs.retention, by default as long as the
// jobs bucket keeps their objects.
func TestTheAppKeepsJobRowsAsLongAsTheBucketTheirObjects(t *testing.T) {
	t.Setenv("SCALEZERO_DATABASE_URL", "postgres://u@h/db")
	cfg, err := config.Load(nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Duration(queue.JobRetentionDays) * 24 * time.Hour; cfg.JobRetention != want {
		t.Errorf("the app keeps job rows %s, the bucket their objects %s", cfg.JobRetention, want)
	}
}

func TestQueueAndWorkers(t *testing.T) {
	forPhases(t, 8, 9, func(t *testing.T, g *graph.Graph) {
		main := component(t, g, tQueue, "jobs")
		dlq := component(t, g, tQueue, "jobs-dlq")
		if !main.DependsOn("redrivePolicy", dlq.URN) {
			t.Errorf("the queue does not redrive to the dead-letter queue")
		}
		if dlq.Inputs["redrivePolicy"] != nil {
			t.Errorf("the dead-letter queue has a redrive policy of its own")
		}
		for _, q := range []graph.Resource{main, dlq} {
			if q.Get("sqsManagedSseEnabled") != true {
				t.Errorf("%s not encrypted", q.Name)
			}
		}
		if v, _ := main.Get("visibilityTimeoutSeconds").(float64); v < 120 {
			t.Errorf("visibility timeout %v below the job timeout", v)
		}
		// Uploads leave nothing for ever: the bucket expires job objects
		// after as long as the app keeps their rows (jobs.retention).
		life := component(t, g, "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2", "jobs-jobs")
		if days := life.Get("rules.0.expiration.days"); days != float64(queue.JobRetentionDays) {
			t.Errorf("job objects expire after %v days, want %d", days, queue.JobRetentionDays)
		}
		workers := component(t, g, "scalezero:worker:Worker", "worker")
		asgs := under(g, workers, tASG)
		if len(asgs) != 1 {
			t.Fatalf("want one worker ASG, got %d", len(asgs))
		}
		policy := under(g, workers, tPolicy)[0]
		metrics, _ := policy.Get("targetTrackingConfiguration.customizedMetricSpecification.metrics").([]any)
		if len(metrics) != 3 || policy.Str("targetTrackingConfiguration.customizedMetricSpecification.metrics.2.expression") != "visible / instances" {
			t.Errorf("worker scaling is not backlog per instance: %v", metrics)
		}
		// The worker group admits nothing.
		workerSG := under(g, workers, tSG)[0]
		for _, rule := range g.OfType(tIngress) {
			if rule.DependsOn("securityGroupId", workerSG.URN) {
				t.Errorf("worker hosts accept traffic: %s", rule.Name)
			}
		}
	})
}

func TestLeastPrivilegeForQueue(t *testing.T) {
	forPhases(t, 8, 9, func(t *testing.T, g *graph.Graph) {
		// The policies are unknown until the queue's ARN is; what is known is
		// which actions each role's statements name, from the program itself.
		for name, allowed := range map[string][]string{
			"web-role":    {"sqs:SendMessage", "sqs:GetQueueUrl"},
			"worker-role": {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"},
		} {
			p := component(t, g, "aws:iam/rolePolicy:RolePolicy", name)
			if !isUnknown(p.Inputs["policy"]) {
				doc := p.Str("policy")
				for _, a := range allowed {
					if !strings.Contains(doc, a) {
						t.Errorf("%s lacks %s", name, a)
					}
				}
			}
			q := component(t, g, tQueue, "jobs")
			if !p.DependsOn("policy", q.URN) {
				t.Errorf("%s is not scoped to the queue", name)
			}
		}
	})
}

func TestShards(t *testing.T) {
	g := phaseGraph(t, 9)
	for _, name := range []string{"shard-0", "shard-1"} {
		db := component(t, g, "scalezero:database:Database", name)
		if n := len(under(g, db, tRDS)); n != 2 {
			t.Errorf("%s has %d instances, want a primary and a replica", name, n)
		}
	}
	shards := component(t, g, "aws:ssm/parameter:Parameter", "app-config-scalezero-database-shards")
	for _, name := range []string{"shard-0", "shard-1"} {
		if !shards.DependsOn("insecureValue", component(t, g, tRDS, name).URN) {
			t.Errorf("the shard map does not name %s", name)
		}
	}
}
