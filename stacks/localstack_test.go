package stacks_test

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/scalezero/scalezero/graph"
	"github.com/scalezero/scalezero/graph/stackgraph"
	"github.com/scalezero/scalezero/stacks"
)

func localstackGraph(t *testing.T, phase int) *graph.Graph {
	t.Helper()
	cfg := baseConfig(phase)
	cfg["target"] = "localstack"
	cfg["localstackEndpoint"] = "http://localstack.internal:4566"
	g, err := stackgraph.Run(cfg, "cacheAuthToken")
	if err != nil {
		t.Fatalf("phase %d on localstack: %v", phase, err)
	}
	return g
}

// The localstack target builds exactly the aws target's resources with the
// same inputs; only the providers differ.
func TestLocalstackBuildsTheSameResourcesAsAWS(t *testing.T) {
	for phase := 1; phase <= 9; phase++ {
		aws, local := phaseGraph(t, phase), localstackGraph(t, phase)
		if len(aws.Resources) != len(local.Resources) {
			t.Fatalf("phase %d: %d resources on aws, %d on localstack", phase, len(aws.Resources), len(local.Resources))
		}
		for i, a := range aws.Resources {
			l := local.Resources[i]
			if a.URN != l.URN {
				t.Fatalf("phase %d: %s on aws, %s on localstack", phase, a.URN, l.URN)
			}
			if !strings.HasPrefix(a.Type, "pulumi:providers:") && !reflect.DeepEqual(a.Inputs, l.Inputs) {
				t.Errorf("phase %d: %s has other inputs on localstack", phase, a.URN)
			}
		}
	}
}

func TestLocalstackPointsEveryServiceTheProgramCallsAtLocalStack(t *testing.T) {
	used := map[string]bool{}
	for phase := 1; phase <= 9; phase++ {
		g := localstackGraph(t, phase)
		tokens := slices.Clone(g.Invokes)
		for _, r := range g.Resources {
			tokens = append(tokens, r.Type)
		}
		for _, tok := range tokens {
			if strings.HasPrefix(tok, "aws:") {
				used[stacks.LocalstackService(tok)] = true
			}
		}
		for _, p := range g.OfType("pulumi:providers:aws") {
			eps, _ := p.Inputs["endpoints"].([]any)
			if len(eps) != 1 {
				t.Fatalf("phase %d: provider %s has endpoints %v", phase, p.Name, p.Inputs["endpoints"])
			}
			ep := eps[0].(map[string]any)
			for _, svc := range stacks.LocalstackServices {
				if ep[svc] != "http://localstack.internal:4566" {
					t.Errorf("phase %d: provider %s sends %s to %v", phase, p.Name, svc, ep[svc])
				}
			}
			for k, want := range map[string]any{"skipCredentialsValidation": true, "skipRequestingAccountId": true, "s3UsePathStyle": true, "accessKey": "[secret]"} {
				if p.Inputs[k] != want {
					t.Errorf("phase %d: provider %s has %s = %v, want %v", phase, p.Name, k, p.Inputs[k], want)
				}
			}
		}
	}
	// sts: the provider asks it who it is, which shows as no resource type.
	used["sts"] = true
	var got []string
	for svc := range used {
		got = append(got, svc)
	}
	slices.Sort(got)
	want := slices.Sorted(slices.Values(stacks.LocalstackServices))
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("the program calls %v; the localstack target redirects %v", got, want)
	}
}

func TestAWSProvidersKeepTheirDefaults(t *testing.T) {
	for _, p := range phaseGraph(t, 7).OfType("pulumi:providers:aws") {
		for _, k := range []string{"endpoints", "accessKey", "secretKey", "s3UsePathStyle"} {
			if _, set := p.Inputs[k]; set {
				t.Errorf("aws target: provider %s sets %s", p.Name, k)
			}
		}
		if p.Inputs["skipCredentialsValidation"] != false { // the SDK's own default
			t.Errorf("aws target: provider %s skips credential validation", p.Name)
		}
	}
}

// The Free tier lacks RDS, ElastiCache, ELBv2, Auto Scaling, ECR and
// CloudFront; the paid tiers and Student emulate every service the program
// calls. Every phase pushes the app's image to ECR, so Free serves none;
// phase 2 adds RDS, phase 3 the load balancer and the fleet.
func TestLocalstackUnserved(t *testing.T) {
	tokens := func(phase int) []string {
		g := localstackGraph(t, phase)
		out := slices.Clone(g.Invokes)
		for _, r := range g.Resources {
			out = append(out, r.Type)
		}
		return out
	}
	for _, tc := range []struct {
		name  string
		tier  string
		phase int
		want  string
	}{
		{"free lacks ECR for the single server's image", "free", 1, "[ecr]"},
		{"free lacks RDS", "free", 2, "[ecr rds]"},
		{"free lacks the load balancer and the fleet", "free", 3, "[autoscaling ecr elbv2 rds]"},
		{"base serves the job tier", "base", 8, "[]"},
		{"student serves the shards", "student", 9, "[]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := stacks.LocalstackUnserved(tc.tier, tokens(tc.phase))
			if err != nil || fmt.Sprint(got) != tc.want {
				t.Errorf("phase %d on %s: %v, %v; want %s", tc.phase, tc.tier, got, err, tc.want)
			}
		})
	}
	free, _ := stacks.LocalstackUnserved("free", tokens(9))
	for _, svc := range free {
		if !slices.Contains(stacks.LocalstackServices, svc) {
			t.Errorf("the Free tier's gap names %s, which the program does not call", svc)
		}
	}
	if _, err := stacks.LocalstackUnserved("pro", nil); err == nil || !strings.Contains(err.Error(), "allowed free, base, ultimate, student") {
		t.Errorf("tier pro: %v, want an error naming the tiers allowed", err)
	}
}
