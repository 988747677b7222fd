package stacks_test

import (
	"testing"

	"github.com/scalezero/scalezero/graph"
)

func runWith(t *testing.T, phase int, set map[string]string) *graph.Graph {
	t.Helper()
	cfg := baseConfig(phase)
	for k, v := range set {
		cfg[k] = v
	}
	g, err := graph.Run(cfg, "cacheAuthToken")
	if err != nil {
		t.Fatal(err)
	}
	return g
}

const testCert = "arn:aws:acm:us-east-1:123456789012:certificate/abcd-1234"

// With a certificate the ALB serves HTTPS (TLS 1.2+) and HTTP redirects to it.
func TestCertificateTurnsOnHTTPSWithRedirect(t *testing.T) {
	g := runWith(t, 3, map[string]string{"certificateArn": testCert})
	https := component(t, g, "aws:lb/listener:Listener", "web-https")
	if https.Str("protocol") != "HTTPS" || https.Str("certificateArn") != testCert || https.Str("sslPolicy") == "" {
		t.Fatalf("https listener %v", https.Inputs)
	}
	http := component(t, g, "aws:lb/listener:Listener", "web-http")
	if http.Str("defaultActions.0.type") != "redirect" || http.Str("defaultActions.0.redirect.protocol") != "HTTPS" {
		t.Fatalf("http listener %v", http.Inputs)
	}
	if _, ok := g.Named(tIngress, "web-lb-443"); !ok {
		t.Fatal("443 is not open on the load balancer")
	}
	// Without one, HTTP forwards and 443 stays closed.
	g = phaseGraph(t, 3)
	if component(t, g, "aws:lb/listener:Listener", "web-http").Str("defaultActions.0.type") != "forward" {
		t.Fatal("plain HTTP does not forward")
	}
	if _, ok := g.Named(tIngress, "web-lb-443"); ok {
		t.Fatal("443 is open with nothing behind it")
	}
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
			if c.want > 0 && len(rt.Name) > 8 && rt.Name[:8] == "net-app-" && len(rt.PropertyDependencies["routes"]) == 0 {
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
