package stacks_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/scalezero/scalezero/components/logs"
	"github.com/scalezero/scalezero/graph"
	"github.com/scalezero/scalezero/graph/stackgraph"
)

// Every region the config takes plans, the regions opened since August 2022
// included, where the provider's elb.GetServiceAccount has no account
// ("unsupported AWS Region"; the offline graph answers as it does). The log
// buckets' policies admit the load balancers' logs by the log-delivery
// service principal everywhere, and by the region's ELB account only where
// AWS has one. A primary and a second region from each group.
func TestLogBucketsInEveryRegion(t *testing.T) {
	for _, c := range []struct{ primary, secondary, primaryAccount, secondaryAccount string }{
		{"us-east-1", "eu-west-1", "127311923021", "156460612806"},
		{"ap-southeast-4", "il-central-1", "", ""},
		{"mx-central-1", "ap-northeast-1", "", "582318560864"},
		{"ca-central-1", "ap-southeast-5", "985666609251", ""},
	} {
		t.Run(c.primary+"+"+c.secondary, func(t *testing.T) {
			cfg := baseConfig(7)
			cfg["primaryRegion"], cfg["secondaryRegion"] = c.primary, c.secondary
			g, err := stackgraph.RunView(graph.Known, cfg, "cacheAuthToken")
			if err != nil {
				t.Fatal(err)
			}
			for name, account := range map[string]string{"logs": c.primaryAccount, "logs-secondary": c.secondaryAccount} {
				p, ok := g.Named("aws:s3/bucketPolicy:BucketPolicy", name)
				if !ok {
					t.Fatalf("no bucket policy %s", name)
				}
				principal := loadBalancerPrincipal(t, p.Str("policy"))
				if principal["Service"] != logs.LogDeliveryPrincipal {
					t.Errorf("%s: load balancer principal %v lacks the service %s", name, principal, logs.LogDeliveryPrincipal)
				}
				want := ""
				if account != "" {
					want = "arn:aws:iam::" + account + ":root"
				}
				if got, _ := principal["AWS"].(string); got != want {
					t.Errorf("%s: ELB account %q, want %q", name, got, want)
				}
			}
			if slices.Contains(g.Invokes, "aws:elb/getServiceAccount:getServiceAccount") {
				t.Error("the program looks up elb.GetServiceAccount, which fails in the newer regions")
			}
		})
	}
}

// loadBalancerPrincipal is the Principal of the policy's LoadBalancerLogs statement.
func loadBalancerPrincipal(t *testing.T, policy string) map[string]any {
	t.Helper()
	var doc struct {
		Statement []struct {
			Sid       string
			Principal any // "*" or a map
		}
	}
	if err := json.Unmarshal([]byte(policy), &doc); err != nil {
		t.Fatalf("policy %q: %v", policy, err)
	}
	for _, s := range doc.Statement {
		if p, ok := s.Principal.(map[string]any); ok && s.Sid == "LoadBalancerLogs" {
			return p
		}
	}
	t.Fatalf("policy has no LoadBalancerLogs statement: %s", policy)
	return nil
}
