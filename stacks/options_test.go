package stacks_test

import (
	"strings"
	"testing"

	"github.com/scalezero/scalezero/graph"
	"github.com/scalezero/scalezero/graph/stackgraph"
)

func runWith(t *testing.T, phase int, set map[string]string) *graph.Graph {
	t.Helper()
	cfg := baseConfig(phase)
	for k, v := range set {
		cfg[k] = v
	}
	g, err := stackgraph.Run(cfg, "cacheAuthToken")
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestNATGateways(t *testing.T) {
	for _, c := range []struct {
		phase int
		mode  string
		want  int
	}{{2, "single", 0}, {3, "single", 1}, {3, "perAz", 3}} {
		g := runWith(t, c.phase, map[string]string{"natGateways": c.mode, "azCount": "3"})
		nats := g.OfType("aws:ec2/natGateway:NatGateway")
		if len(nats) != c.want {
			t.Errorf("phase %d %s: %d NAT gateways, want %d", c.phase, c.mode, len(nats), c.want)
		}
		// Every app route table routes out through a NAT gateway once there is one.
		for _, rt := range g.OfType("aws:ec2/routeTable:RouteTable") {
			if c.want == 0 || !strings.HasPrefix(rt.Name, "net-app-") {
				continue
			}
			out := false
			for _, r := range g.OfType("aws:ec2/route:Route") {
				out = out || (r.DependsOn("routeTableId", rt.URN) && r.Str("destinationCidrBlock") == "0.0.0.0/0" && len(r.PropertyDependencies["natGatewayId"]) == 1)
			}
			if !out {
				t.Errorf("%s has no way out", rt.Name)
			}
		}
	}
}

// In phase 7 each region's hosts read from their own region's replica and
// write to the primary region's writer.
func TestRegionAwareAppConfig(t *testing.T) {
	g := phaseGraph(t, 7)
	primaryDB := component(t, g, tRDS, "db")
	for _, c := range []struct{ config, readers string }{
		{"app-config", "db-replica-1"},
		{"app-config-secondary", "db-secondary"},
	} {
		host := component(t, g, "aws:ssm/parameter:Parameter", c.config+"-scalezero-database-host")
		if !host.DependsOn("insecureValue", primaryDB.URN) {
			t.Errorf("%s: writes do not go to the primary region's writer", c.config)
		}
		readers := component(t, g, "aws:ssm/parameter:Parameter", c.config+"-scalezero-database-reader-hosts")
		if !readers.DependsOn("insecureValue", component(t, g, tRDS, c.readers).URN) {
			t.Errorf("%s: reads do not go to %s", c.config, c.readers)
		}
		region := component(t, g, "aws:ssm/parameter:Parameter", c.config+"-scalezero-region")
		if want := map[string]string{"app-config": "us-east-1", "app-config-secondary": "eu-west-1"}[c.config]; region.Str("insecureValue") != want {
			t.Errorf("%s: region %s", c.config, region.Str("insecureValue"))
		}
	}
}

// Requests-per-target tracking names the ALB and target group it measures.
func TestScalingOnRequestsPerTarget(t *testing.T) {
	g := runWith(t, 6, map[string]string{"scalingMetric": "requests", "scalingTarget": "800"})
	p := component(t, g, tPolicy, "web-target-tracking")
	spec := "targetTrackingConfiguration.predefinedMetricSpecification."
	if p.Str(spec+"predefinedMetricType") != "ALBRequestCountPerTarget" || p.Get("targetTrackingConfiguration.targetValue") != float64(800) {
		t.Fatalf("%v", p.Inputs)
	}
	alb := component(t, g, tALB, "web")
	tg := component(t, g, tTargetGroup, "web")
	if !p.DependsOn("targetTrackingConfiguration", alb.URN) || !p.DependsOn("targetTrackingConfiguration", tg.URN) {
		t.Fatalf("the resource label does not name the ALB and its target group: %v", p.PropertyDependencies)
	}
}

// An existing zone is used as it is: no zone is created, records go into it.
func TestExistingHostedZone(t *testing.T) {
	g := runWith(t, 7, map[string]string{"hostedZoneId": "Z0123456789ABC"})
	if n := count(g, "aws:route53/zone:Zone"); n != 0 {
		t.Fatalf("%d zones created", n)
	}
	records := g.OfType(tRecord)
	// The geolocation pair and its default for the site, and the CDN's names.
	if len(records) < 3 {
		t.Fatalf("%d records: the site's geolocation records are missing", len(records))
	}
	for _, r := range records {
		if r.Str("zoneId") != "Z0123456789ABC" {
			t.Errorf("%s in zone %v", r.Name, r.Inputs["zoneId"])
		}
	}
}
