package stacks_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"

	"github.com/scalezero/scalezero/graph/stackgraph"
	"github.com/scalezero/scalezero/stacks/plan"
)

// Pulumi.yaml must pass Pulumi's own project schema and declare every key the
// program reads, with the program's default, a type and a description.
func TestPulumiYamlDeclaresEveryKeyWithTheProgramsDefault(t *testing.T) {
	proj, err := workspace.LoadProject("../Pulumi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if proj.Name != "scalezero" || proj.Runtime.Name() != "go" {
		t.Fatalf("project %s runtime %s", proj.Name, proj.Runtime.Name())
	}
	for key, def := range plan.Defaults {
		decl, ok := proj.Config[key]
		if !ok {
			t.Errorf("%s is not declared", key)
			continue
		}
		if decl.Description == "" || decl.Type == nil || *decl.Type == "" {
			t.Errorf("%s lacks a type or description", key)
		}
		// A secret declared without a default is one the CLI demands at
		// every phase; the secret keys are optional, so they have one.
		if slices.Contains(plan.SortedSecretKeys(), key) && (decl.Default == nil || !strings.Contains(decl.Description, "--secret")) {
			t.Errorf("%s: an optional secret needs a default and a description that says --secret", key)
		}
		if got := fmt.Sprint(decl.Default); got != def {
			t.Errorf("%s: Pulumi.yaml default %q, program default %q", key, got, def)
		}
	}
	for key := range proj.Config {
		if _, ok := plan.Defaults[key]; !ok {
			t.Errorf("Pulumi.yaml declares %s, which the program does not read", key)
		}
	}
}

// The dev stack deploys as shipped up to phase 6; from phase 7 the error
// says what to set (a domain), and with it every phase plans.
func TestDevStackPlansEveryPhase(t *testing.T) {
	for p := 1; p <= 9; p++ {
		g, err := stackgraph.RunStack("../Pulumi.dev.yaml", fmt.Sprint(p))
		if p >= 7 {
			var ce *plan.ConfigError
			if !errors.As(err, &ce) || ce.Key != "domain" || !strings.Contains(err.Error(), "pulumi config set domain") {
				t.Fatalf("phase %d as shipped: %v; want an error that asks for a domain", p, err)
			}
			g, err = stackgraph.RunStack("../Pulumi.dev.yaml", fmt.Sprint(p), "domain="+testDomain)
		}
		if err != nil {
			t.Fatalf("phase %d: %v", p, err)
		}
		if g.Phase != p || len(g.Resources) == 0 {
			t.Fatalf("phase %d: graph of phase %d with %d resources", p, g.Phase, len(g.Resources))
		}
	}
}

// A secret set in plain text would sit unencrypted in the stack file.
func TestPlainTextSecretsAreRefused(t *testing.T) {
	for _, key := range plan.SortedSecretKeys() {
		cfg := baseConfig(1)
		delete(cfg, "cacheAuthToken")
		cfg[key] = strings.Repeat("ab", 40)
		_, err := stackgraph.Run(cfg) // no key marked secret
		var ce *plan.ConfigError
		if !errors.As(err, &ce) || ce.Key != key || !strings.Contains(err.Error(), "--secret") {
			t.Errorf("%s in plain text: %v", key, err)
		}
		if _, err := stackgraph.Run(cfg, key); err != nil {
			t.Errorf("%s as a secret: %v", key, err)
		}
	}
}

// Bad config stops the program before anything is declared.
func TestBadConfigDeclaresNothing(t *testing.T) {
	for _, c := range []struct {
		set map[string]string
		key string
	}{
		{map[string]string{"phase": "0"}, "phase"},
		{map[string]string{"phase": "abc"}, "phase"},
		{map[string]string{"phase": "3", "webMin": "9", "webMax": "2"}, "webMin"},
		{map[string]string{"phase": "9", "shards": "1"}, "shards"},
	} {
		cfg := baseConfig(1)
		for k, v := range c.set {
			cfg[k] = v
		}
		g, err := stackgraph.Run(cfg)
		if err == nil || len(g.Resources) != 0 {
			t.Fatalf("%v: want an error and nothing declared, got %v and %d resources", c.set, err, len(g.Resources))
		}
		if !strings.Contains(err.Error(), "scalezero:"+c.key) {
			t.Errorf("%v: error %q does not name scalezero:%s", c.set, err, c.key)
		}
	}
}

// Unknown-until-created values are marked, never invented.
func TestPreviewUnknownsAreMarked(t *testing.T) {
	g := phaseGraph(t, 3)
	sub := component(t, g, tSubnet, "net-app-us-east-1a")
	if !isUnknown(sub.Inputs["vpcId"]) {
		t.Fatalf("subnet vpcId = %v, want the unknown marker", sub.Inputs["vpcId"])
	}
	if sub.Str("cidrBlock") != "10.0.64.0/21" {
		t.Fatalf("app subnet cidr %s", sub.Str("cidrBlock"))
	}
}
