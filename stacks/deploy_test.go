package stacks_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/scalezero/scalezero/graph"
	"github.com/scalezero/scalezero/graph/record"
	"github.com/scalezero/scalezero/graph/stackgraph"
)

// The tests in this file hold the program to what AWS accepts at create,
// update and delete time, which mocks cannot see unless asked.

const (
	tCert       = "aws:acm/certificate:Certificate"
	tCertValid  = "aws:acm/certificateValidation:CertificateValidation"
	tListener   = "aws:lb/listener:Listener"
	tParam      = "aws:ssm/parameter:Parameter"
	tBucket     = "aws:s3/bucketV2:BucketV2"
	tEIP        = "aws:ec2/eip:Eip"
	tNAT        = "aws:ec2/natGateway:NatGateway"
	tIGW        = "aws:ec2/internetGateway:InternetGateway"
	tAlarm      = "aws:cloudwatch/metricAlarm:MetricAlarm"
	tSecret     = "aws:secretsmanager/secret:Secret"
	tObject     = "aws:s3/bucketObjectv2:BucketObjectv2"
	tRepository = "aws:ecr/repository:Repository"
)

// dependsAtAll reports whether r depends on urn through any chain of
// dependencies (of its own or of its ancestors' inputs).
func dependsAtAll(g *graph.Graph, r graph.Resource, urn string) bool {
	seen := map[string]bool{}
	var walk func(u string) bool
	walk = func(u string) bool {
		if u == urn {
			return true
		}
		if seen[u] {
			return false
		}
		seen[u] = true
		res, ok := g.ByURN(u)
		if !ok {
			return false
		}
		return slices.ContainsFunc(res.Dependencies, walk)
	}
	return slices.ContainsFunc(r.Dependencies, walk)
}

// With a delegated domain the load balancer serves HTTPS with a certificate
// ACM validated in the stack's zone, HTTP redirects to it, and nothing on
// the hosts' path waits for the validation.
func TestHTTPSWithADelegatedDomain(t *testing.T) {
	g := phaseGraph(t, 3)
	validation := component(t, g, tCertValid, "cert")
	if cert := component(t, g, tCert, "cert"); cert.Str("domainName") != testDomain || cert.Str("validationMethod") != "DNS" {
		t.Fatalf("certificate %v", cert.Inputs)
	}
	https := component(t, g, tListener, "web-https")
	if https.Str("protocol") != "HTTPS" || !https.DependsOn("certificateArn", validation.URN) || https.Str("sslPolicy") == "" {
		t.Fatalf("the HTTPS listener does not use the validated certificate: %v %v", https.Inputs, https.PropertyDependencies)
	}
	if http := component(t, g, tListener, "web-http"); http.Str("defaultActions.0.type") != "redirect" || http.Str("defaultActions.0.redirect.protocol") != "HTTPS" {
		t.Fatalf("http listener %v", http.Inputs)
	}
	if _, ok := g.Named(tIngress, "web-lb-443"); !ok {
		t.Fatal("443 is not open on the load balancer")
	}
	for _, r := range append(g.OfType(tASG), g.OfType(tLT)...) {
		if dependsAtAll(g, r, validation.URN) {
			t.Errorf("%s %s waits for the certificate's DNS validation", r.Type, r.Name)
		}
	}
	// Without a delegated zone ACM cannot validate: plain HTTP, and the
	// stack says so.
	g = runWith(t, 3, map[string]string{"zoneDelegated": "false"})
	if component(t, g, tListener, "web-http").Str("defaultActions.0.type") != "forward" {
		t.Fatal("plain HTTP does not forward")
	}
	if _, ok := g.Named(tIngress, "web-lb-443"); ok || count(g, tCert) != 0 {
		t.Fatal("443 is open, or a certificate requested, with nothing to validate it")
	}
}

// Two regions' certificates for one name share ACM's one validation record.
func TestCertificatesShareTheDomainsValidationRecord(t *testing.T) {
	g := phaseGraph(t, 7)
	record := component(t, g, tRecord, "cert-validation")
	secondary := component(t, g, tCertValid, "cert-secondary")
	if !secondary.DependsOn("validationRecordFqdns", record.URN) {
		t.Errorf("the secondary certificate does not wait for the domain's record")
	}
	if _, ok := g.Named(tRecord, "cert-secondary-validation"); ok {
		t.Errorf("a second validation record for the same name")
	}
	if c := component(t, g, tCert, "cert-secondary"); c.Provider != providerURN("secondary") {
		t.Errorf("the secondary load balancer's certificate is in %s", c.Provider)
	}
}

// The CDN answers as static.<domain> with a us-east-1 certificate and a
// TLS 1.2 floor; with CloudFront's own certificate no floor is asked for (it
// serves TLSv1 whatever is asked, and would show a change on every update).
func TestCDNCertificateAndProtocol(t *testing.T) {
	g := phaseGraph(t, 5)
	d := component(t, g, tDistribution, "cdn")
	if a, _ := d.Get("aliases").([]any); len(a) != 1 || a[0] != "static."+testDomain {
		t.Errorf("aliases %v", d.Get("aliases"))
	}
	if !d.DependsOn("viewerCertificate", component(t, g, tCertValid, "cdn-cert").URN) || d.Str("viewerCertificate.minimumProtocolVersion") != "TLSv1.2_2021" || d.Str("viewerCertificate.sslSupportMethod") != "sni-only" {
		t.Errorf("viewer certificate %v", d.Get("viewerCertificate"))
	}
	if d.Str("origins.1.customOriginConfig.originProtocolPolicy") != "https-only" || d.Str("origins.1.domainName") != testDomain {
		t.Errorf("the dynamic origin is not the domain over HTTPS: %v", d.Get("origins.1"))
	}
	// static.<domain> answers on both address families, as the
	// distribution does.
	for name, typ := range map[string]string{"dns-static": "A", "dns-static-ipv6": "AAAA"} {
		r := component(t, g, tRecord, name)
		if r.Str("type") != typ || r.Str("name") != "static."+testDomain || !r.DependsOn("aliases", d.URN) || d.Get("isIpv6Enabled") != true {
			t.Errorf("%s: %v", name, r.Inputs)
		}
	}
	// Before the zone is delegated the domain does not resolve for
	// CloudFront: even with two regions the origin stays the primary load
	// balancer (the geo-routed domain once delegated, above).
	undelegated := runWith(t, 7, map[string]string{"zoneDelegated": "false"})
	if o := component(t, undelegated, tDistribution, "cdn"); !o.DependsOn("origins", component(t, undelegated, tALB, "web").URN) {
		t.Errorf("phase 7 without delegation: the dynamic origin is %v", o.Get("origins.1.domainName"))
	}
	plain := component(t, runWith(t, 5, map[string]string{"zoneDelegated": "false"}), tDistribution, "cdn")
	if plain.Get("viewerCertificate.cloudfrontDefaultCertificate") != true || plain.Get("viewerCertificate.minimumProtocolVersion") != nil || plain.Get("aliases") != nil {
		t.Errorf("default certificate: %v, aliases %v", plain.Get("viewerCertificate"), plain.Get("aliases"))
	}
	// CloudFront's certificate and log delivery live in us-east-1.
	eu := runWith(t, 5, map[string]string{"primaryRegion": "eu-west-1", "secondaryRegion": "us-west-2"})
	edge := component(t, eu, tProvider, "edge")
	if edge.Str("region") != "us-east-1" {
		t.Fatalf("edge provider in %s", edge.Str("region"))
	}
	for _, r := range []graph.Resource{component(t, eu, tCert, "cdn-cert"), component(t, eu, tDistribution, "cdn"), component(t, eu, "aws:cloudwatch/logDeliverySource:LogDeliverySource", "cdn")} {
		if r.Provider != providerURN("edge") {
			t.Errorf("%s %s uses %s, not us-east-1's provider", r.Type, r.Name, r.Provider)
		}
	}
}

// A release keeps the previous assets: pages rendered before it still load
// them. Pulumi forgets a retired object instead of deleting it.
func TestRetiredAssetsStay(t *testing.T) {
	g := phaseGraph(t, 5)
	objects := g.OfType(tObject)
	if len(objects) == 0 {
		t.Fatal("no assets uploaded")
	}
	for _, o := range objects {
		if o.Options == nil || !o.Options.RetainOnDelete {
			t.Errorf("%s is deleted when a release retires it", o.Name)
		}
	}
}

// Load balancers and the CDN log to a private, encrypted, expiring bucket;
// the load balancer waits for the bucket's policy (ELB checks it can write).
func TestAccessLogs(t *testing.T) {
	g := phaseGraph(t, 7)
	for _, suffix := range regionSuffixes(g) {
		bucket := component(t, g, tBucket, "logs"+suffix)
		policy := component(t, g, "aws:s3/bucketPolicy:BucketPolicy", "logs"+suffix)
		alb := component(t, g, tALB, "web"+suffix)
		if alb.Get("accessLogs.enabled") != true || !alb.DependsOn("accessLogs", bucket.URN) || !alb.DependsOn("accessLogs", policy.URN) {
			t.Errorf("web%s: access logs %v, deps %v", suffix, alb.Get("accessLogs"), alb.PropertyDependencies["accessLogs"])
		}
		life := component(t, g, "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2", "logs"+suffix)
		if life.Get("rules.0.expiration.days") != float64(30) {
			t.Errorf("logs%s expire after %v days, want logRetentionDays (30)", suffix, life.Get("rules.0.expiration.days"))
		}
		sse := component(t, g, "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2", "logs"+suffix)
		if sse.Str("rules.0.applyServerSideEncryptionByDefault.sseAlgorithm") != "AES256" {
			t.Errorf("logs%s: ELB delivers only to SSE-S3 buckets", suffix)
		}
	}
	delivery := component(t, g, "aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination", "cdn")
	if !delivery.DependsOn("deliveryDestinationConfiguration", component(t, g, tBucket, "logs").URN) {
		t.Errorf("the CDN's logs do not go to the primary region's log bucket")
	}
}

// Every phase can be lowered and the stack destroyed: what holds data follows
// a setting, what the repository rebuilds goes with its contents.
func TestDeletionFollowsTheSettings(t *testing.T) {
	for _, c := range []struct {
		set     map[string]string
		protect bool
		force   bool
	}{
		{map[string]string{}, true, false},
		{map[string]string{"lbDeletionProtection": "false", "bucketForceDestroy": "true"}, false, true},
	} {
		g := runWith(t, 8, c.set)
		for _, alb := range g.OfType(tALB) {
			if alb.Get("enableDeletionProtection") != c.protect {
				t.Errorf("%v: %s deletion protection %v", c.set, alb.Name, alb.Get("enableDeletionProtection"))
			}
		}
		for _, b := range g.OfType(tBucket) {
			want := c.force || b.Name == "cdn" // assets come from the repository
			if b.Get("forceDestroy") != want {
				t.Errorf("%v: bucket %s forceDestroy %v, want %v", c.set, b.Name, b.Get("forceDestroy"), want)
			}
		}
		if repo := component(t, g, tRepository, "app"); repo.Get("forceDelete") != true {
			t.Errorf("the image repository cannot be deleted while it holds the image")
		}
	}
}

// Elastic IPs and NAT gateways wait for the internet gateway.
func TestAddressesWaitForTheInternetGateway(t *testing.T) {
	for _, phase := range []int{1, 3, 7} {
		g := phaseGraph(t, phase)
		for _, typ := range []string{tEIP, tNAT} {
			for _, r := range g.OfType(typ) {
				igw := "net"
				if strings.HasSuffix(r.Name, "-secondary") || strings.Contains(r.Name, "net-secondary") {
					igw = "net-secondary"
				}
				if !slices.Contains(r.Dependencies, component(t, g, tIGW, igw).URN) {
					t.Errorf("phase %d: %s %s does not wait for the internet gateway", phase, typ, r.Name)
				}
			}
		}
	}
}

// paramsOf lists the URNs of a region's app settings.
func paramsOf(t *testing.T, g *graph.Graph, config string) []string {
	t.Helper()
	var out []string
	for _, p := range under(g, component(t, g, "scalezero:appconfig:AppConfig", config), tParam) {
		out = append(out, p.URN)
	}
	if len(out) == 0 {
		t.Fatalf("no parameters under %s", config)
	}
	return out
}

// Hosts boot after every setting they read exists, and carry a digest of
// them, so a change in any setting reaches them (fleets roll).
func TestHostsWaitForAndFollowTheirSettings(t *testing.T) {
	g := phaseGraph(t, 1)
	server := component(t, g, tInstance, "server")
	for _, p := range paramsOf(t, g, "app-config") {
		if !slices.Contains(server.Dependencies, p) || !server.DependsOn("tags", p) {
			t.Errorf("the server does not wait for, or follow, %s", p)
		}
	}
	g = phaseGraph(t, 8)
	for _, c := range []struct{ lt, config string }{
		{"web-fleet", "app-config"}, {"worker-fleet", "app-config"}, {"web-secondary-fleet", "app-config-secondary"},
	} {
		lt := component(t, g, tLT, c.lt)
		for _, p := range paramsOf(t, g, c.config) {
			if !slices.Contains(lt.Dependencies, p) || !lt.DependsOn("tagSpecifications", p) {
				t.Errorf("%s does not wait for, or roll with, %s", c.lt, p)
			}
		}
	}
}

// A fleet that may shrink to zero starts its first worker when jobs wait:
// backlog per instance has nothing to divide by at zero.
func TestWorkersStartFromZero(t *testing.T) {
	if _, ok := phaseGraph(t, 8).Named(tAlarm, "worker-start"); ok {
		t.Fatal("a start-from-zero alarm with workerMin 2")
	}
	g := runWith(t, 8, map[string]string{"workerMin": "0"})
	alarm := component(t, g, tAlarm, "worker-start")
	start := component(t, g, tPolicy, "worker-start")
	if !alarm.DependsOn("alarmActions", start.URN) || start.Str("adjustmentType") != "ExactCapacity" || start.Get("stepAdjustments.0.scalingAdjustment") != float64(1) {
		t.Errorf("alarm %v, policy %v", alarm.Inputs, start.Inputs)
	}
	expr := alarm.Str("metricQueries.2.expression")
	if !strings.Contains(expr, "visible > 0") || !strings.Contains(expr, "inservice") {
		t.Errorf("the alarm does not fire on jobs waiting with no worker: %q", expr)
	}
}

// The database secrets have a copy in the second region, which its hosts
// read and may read.
func TestSecondRegionReadsItsOwnSecretCopy(t *testing.T) {
	g := phaseGraph(t, 9)
	for _, s := range g.OfType(tSecret) {
		if s.Str("replicas.0.region") != "eu-west-1" {
			t.Errorf("secret %s has no copy in the second region: %v", s.Name, s.Get("replicas"))
		}
	}
	arn := component(t, g, tParam, "app-config-secondary-scalezero-database-secret-arn")
	if !arn.DependsOn("insecureValue", component(t, g, tSecret, "db").URN) {
		t.Errorf("the second region's hosts are not pointed at the database secret")
	}
}

// The cache's AUTH token is made by the stack unless configured; a made one
// is kept (later runs' values are ignored).
func TestCacheTokenIsGeneratedAndKept(t *testing.T) {
	cfg := baseConfig(5)
	delete(cfg, "cacheAuthToken")
	g, err := stackgraph.Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rg := component(t, g, tReplGroup, "cache")
	if rg.Get("authToken") != graph.Secret || rg.Options == nil || !slices.Contains(rg.Options.IgnoreChanges, "authToken") {
		t.Errorf("generated token: %v, options %+v", rg.Get("authToken"), rg.Options)
	}
	pw := component(t, g, tParam, "app-config-scalezero-cache-password")
	if !pw.DependsOn("value", rg.URN) {
		t.Errorf("the hosts' cache password is not the replication group's own token")
	}
	if rg := component(t, phaseGraph(t, 5), tReplGroup, "cache"); rg.Options != nil && slices.Contains(rg.Options.IgnoreChanges, "authToken") {
		t.Errorf("a configured token is ignored when it changes")
	}
}

// The apex is the geolocation default record in every phase, so raising
// the phase to two regions, or lowering it back, only updates it: Route53
// refuses a simple record beside geolocation ones under one name, and
// Pulumi deletes what a phase no longer has only after its updates.
func TestApexIsAlwaysTheGeolocationDefault(t *testing.T) {
	for phase := 1; phase <= 9; phase++ {
		site := component(t, phaseGraph(t, phase), tRecord, "dns-site")
		if site.Str("setIdentifier") != "default" || site.Str("geolocationRoutingPolicies.0.country") != "*" {
			t.Errorf("phase %d: the apex is not the geolocation default: %v", phase, site.Inputs)
		}
	}
	for _, step := range [][2]int{{6, 7}, {7, 6}} {
		for _, c := range graph.Diff(phaseGraph(t, step[0]), phaseGraph(t, step[1])) {
			if strings.HasSuffix(c.URN, "::dns-site") && c.Kind != graph.Changed {
				t.Errorf("%d -> %d: the apex is %s, want updated in place", step[0], step[1], c.Kind)
			}
		}
	}
}

// From phase 7 the second region's hosts reach the primary region's
// databases (every write goes to its writer) through a peering of the two
// VPCs: accepted in the second region, routed both ways once active, and
// admitted by the databases from the second region's app subnets only.
func TestSecondRegionReachesThePrimaryDatabases(t *testing.T) {
	if _, ok := phaseGraph(t, 6).Named("aws:ec2/vpcPeeringConnection:VpcPeeringConnection", "peering"); ok {
		t.Fatal("a peering before the second region")
	}
	g := phaseGraph(t, 9)
	pcx := component(t, g, "aws:ec2/vpcPeeringConnection:VpcPeeringConnection", "peering")
	accepter := component(t, g, "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter", "peering-accepter")
	if pcx.Str("peerRegion") != "eu-west-1" || pcx.Get("autoAccept") != false || accepter.Get("autoAccept") != true || accepter.Provider != providerURN("secondary") {
		t.Errorf("peering %v, accepter %v in %s", pcx.Inputs, accepter.Inputs, accepter.Provider)
	}
	routes := map[string]string{} // route table -> destination
	for _, r := range g.OfType("aws:ec2/route:Route") {
		if !strings.HasPrefix(r.Name, "peering-") {
			continue
		}
		if !r.DependsOn("vpcPeeringConnectionId", accepter.URN) {
			t.Errorf("%s does not wait for the connection to be accepted", r.Name)
		}
		for _, u := range r.PropertyDependencies["routeTableId"] {
			table, _ := g.ByURN(u)
			routes[table.Name+" "+r.Str("destinationCidrBlock")] = r.Name
		}
	}
	for _, want := range []string{
		"net-secondary-app-eu-west-1a 10.0.0.0/16", "net-secondary-app-eu-west-1b 10.0.0.0/16",
		"net-data 10.1.64.0/21", "net-data 10.1.72.0/21",
	} {
		if _, ok := routes[want]; !ok {
			t.Errorf("no route %s (have %v)", want, routes)
		}
	}
	if len(routes) != 4 {
		t.Errorf("%d peering routes, want 4: %v", len(routes), routes)
	}
	// The peering carries smaller packets than the hosts' own network: the
	// second region's hosts route the primary's block at 1500 bytes.
	if !strings.Contains(userData(t, component(t, g, tLT, "web-secondary-fleet")), "ip route replace 10.0.0.0/16 via") {
		t.Error("the second region's hosts keep jumbo frames towards the primary region")
	}
	if strings.Contains(userData(t, component(t, g, tLT, "web-fleet")), "peer-mtu") {
		t.Error("the primary region's hosts change their MTU")
	}
	for _, db := range []string{"db", "shard-0", "shard-1"} {
		for i, cidr := range []string{"10.1.64.0/21", "10.1.72.0/21"} {
			rule := component(t, g, tIngress, fmt.Sprintf("%s-from-web-secondary-%d", db, i))
			if rule.Str("cidrIpv4") != cidr || rule.Get("fromPort") != float64(5432) || rule.Get("toPort") != float64(5432) {
				t.Errorf("%s: %v", rule.Name, rule.Inputs)
			}
		}
	}
}

// Every database a region's hosts are told to use admits that region's
// hosts: the primary's writer, replicas and shards the primary region's
// fleets, and the second region's copy (its only reader) the second
// region's web fleet. AWS accepts a database nobody may reach, so only the
// graph can show it.
func TestEveryDatabaseAdmitsTheHostsOfItsRegion(t *testing.T) {
	forPhases(t, 3, 9, func(t *testing.T, g *graph.Graph) {
		for _, lt := range g.OfType(tLT) {
			fleetSG := lt.PropertyDependencies["networkInterfaces"]
			if len(fleetSG) != 1 {
				t.Fatalf("%s: network interfaces from %v, want one security group", lt.Name, fleetSG)
			}
			for _, db := range g.OfType(tRDS) {
				if db.Provider != lt.Provider {
					continue
				}
				dbSG := db.PropertyDependencies["vpcSecurityGroupIds"]
				admitted := false
				for _, rule := range g.OfType(tIngress) {
					if len(dbSG) == 1 && rule.DependsOn("securityGroupId", dbSG[0]) && rule.DependsOn("referencedSecurityGroupId", fleetSG[0]) &&
						rule.Get("fromPort") == float64(5432) {
						admitted = true
					}
				}
				if !admitted {
					t.Errorf("database %s does not admit the hosts of %s on 5432", db.Name, lt.Name)
				}
			}
		}
	})
}

// A fleet's hosts boot after their way out exists: at 2 -> 3 the NAT routes
// are created in the same update as the fleet, and a host that boots first
// cannot install packages or pull the image.
func TestFleetsWaitForTheirRouteOut(t *testing.T) {
	forPhases(t, 3, 9, func(t *testing.T, g *graph.Graph) {
		for _, lt := range g.OfType(tLT) {
			prefix := "net-app-"
			if strings.Contains(lt.Name, "secondary") {
				prefix = "net-secondary-app-"
			}
			waits := 0
			for _, r := range g.OfType("aws:ec2/route:Route") {
				if strings.HasPrefix(r.Name, prefix) && strings.HasSuffix(r.Name, "-out") {
					if !slices.Contains(lt.Dependencies, r.URN) {
						t.Errorf("%s does not wait for %s", lt.Name, r.Name)
					}
					waits++
				}
			}
			if waits == 0 {
				t.Errorf("%s: no route out to wait for", lt.Name)
			}
		}
	})
}

// Public subnets wait for their VPC's internet gateway, and so everything
// placed in them: AWS refuses an internet-facing load balancer (and an
// Elastic IP's association) until the gateway is attached.
func TestPublicSubnetsWaitForTheGateway(t *testing.T) {
	g := phaseGraph(t, 7)
	for _, net := range []string{"net", "net-secondary"} {
		igw := component(t, g, "aws:ec2/internetGateway:InternetGateway", net)
		n := 0
		for _, s := range g.OfType("aws:ec2/subnet:Subnet") {
			if strings.HasPrefix(s.Name, net+"-public-") {
				n++
				if !slices.Contains(s.Dependencies, igw.URN) {
					t.Errorf("%s does not wait for %s's internet gateway", s.Name, net)
				}
			}
		}
		if n != 2 {
			t.Errorf("%s: %d public subnets, want 2", net, n)
		}
	}
}

// The CDN's log delivery leaves AWS nothing to fill in that a refresh would
// bring back as drift: the destination names its output format (W3C, what
// AWS picks for CloudFront's logs in S3; the field replaces the destination
// on change), the delivery waits for the bucket's policy, and that policy
// holds the statement CloudWatch's log delivery would otherwise append, as
// it writes it: this account's delivery sources in us-east-1, under the CDN's
// prefix. Wherever the primary region is.
func TestCDNLogDeliveryLeavesNothingForAWSToFillIn(t *testing.T) {
	for _, region := range []string{"us-east-1", "eu-west-1"} {
		t.Run(region, func(t *testing.T) {
			g, err := stackgraph.RunView(graph.Known, func() map[string]string {
				cfg := baseConfig(5)
				cfg["primaryRegion"], cfg["secondaryRegion"] = region, "us-west-2"
				return cfg
			}(), "cacheAuthToken")
			if err != nil {
				t.Fatal(err)
			}
			dst := component(t, g, "aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination", "cdn")
			if f := dst.Str("outputFormat"); f != "w3c" {
				t.Errorf("the log destination's outputFormat is %q, want w3c (AWS's default for S3)", f)
			}
			policy := component(t, g, "aws:s3/bucketPolicy:BucketPolicy", "logs")
			if d := component(t, g, "aws:cloudwatch/logDelivery:LogDelivery", "cdn"); !slices.Contains(d.Dependencies, policy.URN) {
				t.Errorf("the log delivery does not wait for the bucket policy: %v", d.Dependencies)
			}
			// Under the destination (the bucket's CDN prefix), where AWS writes.
			prefix := dst.Str("deliveryDestinationConfiguration.destinationResourceArn")
			if !strings.HasSuffix(prefix, "/cloudfront") {
				t.Fatalf("the log destination is %q, want the log bucket's cloudfront prefix", prefix)
			}
			var doc struct{ Statement []map[string]any }
			if err := json.Unmarshal([]byte(policy.Str("policy")), &doc); err != nil {
				t.Fatal(err)
			}
			want := map[string]any{
				"Sid": "AWSLogDeliveryWrite", "Effect": "Allow", "Action": "s3:PutObject",
				"Principal": map[string]any{"Service": "delivery.logs.amazonaws.com"},
				"Resource":  prefix + "/AWSLogs/" + record.Account + "/*",
				"Condition": map[string]any{
					"StringEquals": map[string]any{"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceAccount": []any{record.Account}},
					"ArnLike":      map[string]any{"aws:SourceArn": []any{"arn:aws:logs:us-east-1:" + record.Account + ":delivery-source:*"}},
				},
			}
			if !slices.ContainsFunc(doc.Statement, func(s map[string]any) bool { return reflect.DeepEqual(s, want) }) {
				t.Errorf("the log bucket's policy lacks CloudWatch's statement\n%v\nit has %v", want, doc.Statement)
			}
		})
	}
}
