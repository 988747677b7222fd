package dns_test

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/components/dns"
	"github.com/scalezero/scalezero/graph/record"
)

func program(ctx *pulumi.Context) error {
	zone, err := dns.NewZone(ctx, "zone", &dns.ZoneArgs{Domain: "shop.example.com"})
	if err != nil {
		return err
	}
	_, err = dns.New(ctx, "dns", &dns.Args{
		Zone:      zone,
		Primary:   &dns.Target{DNSName: pulumi.String("web-1.us-east-1.elb.amazonaws.com"), ZoneID: pulumi.String("Z35SXDOTRQ7X7K"), HTTPS: true},
		Secondary: &dns.Target{DNSName: pulumi.String("web-2.eu-west-1.elb.amazonaws.com"), ZoneID: pulumi.String("Z32O12XQLNTSW2"), HTTPS: true},
		Locations: []dns.Location{{Continent: "EU", Secondary: true}},
	})
	return err
}

// failover.<domain> answers with the primary while its health check passes
// and with the secondary otherwise, each record watched by its own check.
func TestFailoverRecords(t *testing.T) {
	g := record.Known(t, program)
	for role, target := range map[string]string{"primary": "web-1.us-east-1.elb.amazonaws.com", "secondary": "web-2.eu-west-1.elb.amazonaws.com"} {
		hc, ok := g.Named("aws:route53/healthCheck:HealthCheck", "dns-"+role)
		if !ok || hc.Str("fqdn") != target || hc.Str("type") != "HTTPS" || hc.Get("port") != 443.0 || hc.Str("resourcePath") != "/readyz" {
			t.Errorf("%s health check %v", role, hc.Inputs)
		}
		r, ok := g.Named("aws:route53/record:Record", "dns-failover-"+role)
		if !ok {
			t.Fatalf("no %s failover record", role)
		}
		want := map[string]any{
			"name": "failover.shop.example.com", "setIdentifier": role,
			"failoverRoutingPolicies.0.type": map[string]string{"primary": "PRIMARY", "secondary": "SECONDARY"}[role],
			"aliases.0.name":                 target, "aliases.0.evaluateTargetHealth": true,
		}
		for path, v := range want {
			if got := r.Get(path); got != v {
				t.Errorf("%s record %s = %v, want %v", role, path, got, v)
			}
		}
		if !r.DependsOn("healthCheckId", hc.URN) {
			t.Errorf("%s record is not watched by its health check", role)
		}
	}
}

// Two regions behind failover, Europe sent to the second.
func ExampleNew() {
	record.PrintCensus(program)
	// Output:
	// aws:route53/healthCheck:HealthCheck 2
	// aws:route53/record:Record 4
	// aws:route53/zone:Zone 1
}
