package stacks_test

import (
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/scalezero/scalezero/graph"
	"github.com/scalezero/scalezero/graph/stackgraph"
)

// testToken is the cache AUTH token the tests configure; no graph may show it.
const testToken = "tests-cache-token-0123456789"

// testDomain is a name the tests' stacks hold (not a reserved one, which
// the config refuses).
const testDomain = "shop.scalezero-demo.net"

// baseConfig is a stack with every tier's option on: a delegated domain
// (so HTTPS and DNS exist from their phases) and a configured cache token.
func baseConfig(phase int) map[string]string {
	return map[string]string{
		"phase":               fmt.Sprint(phase),
		"primaryRegion":       "us-east-1",
		"secondaryRegion":     "eu-west-1",
		"domain":              testDomain,
		"zoneDelegated":       "true",
		"cacheAuthToken":      testToken,
		"dbSkipFinalSnapshot": "true",
	}
}

// graphCache runs each program once per key and shares its graph among
// the tests that read it.
type graphCache struct {
	mu sync.Mutex
	m  map[string]*graph.Graph
}

func (c *graphCache) get(key string, run func() *graph.Graph) *graph.Graph {
	c.mu.Lock()
	defer c.mu.Unlock()
	if g, ok := c.m[key]; ok {
		return g
	}
	if c.m == nil {
		c.m = map[string]*graph.Graph{}
	}
	g := run()
	c.m[key] = g
	return g
}

var phaseGraphs graphCache

// phaseGraph runs the program once per phase and shares the result.
func phaseGraph(t *testing.T, phase int) *graph.Graph {
	t.Helper()
	return targetGraph(t, "aws", phase)
}

// targetGraph is phaseGraph for a target (aws or docker).
func targetGraph(t *testing.T, target string, phase int) *graph.Graph {
	t.Helper()
	return phaseGraphs.get(fmt.Sprintf("%s/%d", target, phase), func() *graph.Graph {
		cfg := baseConfig(phase)
		cfg["target"] = target
		g, err := stackgraph.Run(cfg, "cacheAuthToken")
		if err != nil {
			t.Fatalf("phase %d, target %s: %v", phase, target, err)
		}
		return g
	})
}

func forPhases(t *testing.T, from, to int, f func(t *testing.T, g *graph.Graph)) {
	t.Helper()
	for p := from; p <= to; p++ {
		t.Run(fmt.Sprintf("phase%d", p), func(t *testing.T) { f(t, phaseGraph(t, p)) })
	}
}

func count(g *graph.Graph, typ string) int { return len(g.OfType(typ)) }

// childOf reports whether r sits (at any depth) under the component at urn.
func childOf(g *graph.Graph, r graph.Resource, urn string) bool {
	for p := r.Parent; p != ""; {
		if p == urn {
			return true
		}
		parent, ok := g.ByURN(p)
		if !ok {
			return false
		}
		p = parent.Parent
	}
	return false
}

func component(t *testing.T, g *graph.Graph, typ, name string) graph.Resource {
	t.Helper()
	r, ok := g.Named(typ, name)
	if !ok {
		t.Fatalf("phase %d has no %s %q", g.Phase, typ, name)
	}
	return r
}

// under returns the resources of a type under a component.
func under(g *graph.Graph, comp graph.Resource, typ string) []graph.Resource {
	var out []graph.Resource
	for _, r := range g.OfType(typ) {
		if childOf(g, r, comp.URN) {
			out = append(out, r)
		}
	}
	return out
}

func isUnknown(v any) bool { s, ok := v.(string); return ok && s == graph.Unknown }

func containsFold(s, sub string) bool { return strings.Contains(strings.ToLower(s), sub) }

// userData decodes a launch template's user data.
func userData(t *testing.T, lt graph.Resource) string {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(lt.Str("userData"))
	if err != nil {
		t.Fatalf("%s: user data: %v", lt.Name, err)
	}
	return string(raw)
}

// strs reads an input that holds a list (or a lone string, as an IAM
// statement's Action and Resource may) as strings.
func strs(v any) []string {
	if s, ok := v.(string); ok {
		return []string{s}
	}
	xs, _ := v.([]any) // nil when absent
	var out []string
	for _, x := range xs {
		out = append(out, fmt.Sprint(x))
	}
	return out
}
