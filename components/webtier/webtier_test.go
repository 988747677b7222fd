package webtier_test

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/scalezero/scalezero/components/webtier"
	"github.com/scalezero/scalezero/graph/record"
)

func program(ctx *pulumi.Context) error {
	_, err := webtier.New(ctx, "web", &webtier.Args{
		VpcID: pulumi.String("vpc-1"), PublicSubnetIDs: pulumi.StringArray{pulumi.String("a"), pulumi.String("b")}, Zones: []string{"us-east-1a", "us-east-1b"},
		CertificateARN: pulumi.String("arn:aws:acm:us-east-1:1:certificate/c"),
	})
	return err
}

// With a certificate, 443 forwards to the hosts over TLS 1.2 or later and
// 80 only redirects to it.
func TestListeners(t *testing.T) {
	g := record.Known(t, program)
	tg, _ := g.Named("aws:lb/targetGroup:TargetGroup", "web")
	listeners := g.OfType("aws:lb/listener:Listener")
	if len(listeners) != 2 {
		t.Fatalf("%d listeners, want 2", len(listeners))
	}
	for _, l := range listeners {
		switch l.Get("port") {
		case 443.0:
			if l.Str("protocol") != "HTTPS" || l.Str("sslPolicy") != "ELBSecurityPolicy-TLS13-1-2-2021-06" || l.Str("certificateArn") == "" ||
				l.Str("defaultActions.0.type") != "forward" || !l.DependsOn("defaultActions", tg.URN) {
				t.Errorf("443: %v", l.Inputs)
			}
		case 80.0:
			if l.Str("defaultActions.0.type") != "redirect" || l.Str("defaultActions.0.redirect.protocol") != "HTTPS" || l.Str("defaultActions.0.redirect.port") != "443" {
				t.Errorf("80 does not redirect to HTTPS: %v", l.Get("defaultActions"))
			}
		default:
			t.Errorf("listener on %v", l.Get("port"))
		}
	}
	alb, _ := g.Named("aws:lb/loadBalancer:LoadBalancer", "web")
	if alb.Get("internal") == true || alb.Get("dropInvalidHeaderFields") != true {
		t.Errorf("load balancer %v", alb.Inputs)
	}
}

// A public load balancer with HTTPS and a target group, before its fleet.
func ExampleNew() {
	record.PrintCensus(program)
	// Output:
	// aws:ec2/securityGroup:SecurityGroup 1
	// aws:lb/listener:Listener 2
	// aws:lb/loadBalancer:LoadBalancer 1
	// aws:lb/targetGroup:TargetGroup 1
	// aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule 1
	// aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule 2
}
