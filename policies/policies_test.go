package policies_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/scalezero/scalezero/components/shared"
	"github.com/scalezero/scalezero/graph"
	"github.com/scalezero/scalezero/graph/stackgraph"
	"github.com/scalezero/scalezero/policies"
	"github.com/scalezero/scalezero/stacks/plan"
)

var (
	packOnce sync.Once
	pack     *policies.Pack
	packErr  error
	graphsMu sync.Mutex
	graphs   = map[string]*graph.Graph{}
)

func loadPack(t *testing.T) *policies.Pack {
	t.Helper()
	packOnce.Do(func() { pack, packErr = policies.Load() })
	if packErr != nil {
		t.Fatal(packErr)
	}
	return pack
}

// stackDomain is the domain a user sets before phase 7 (the dev stack ships
// without one).
const stackDomain = "domain=shop.scalezero-demo.net"

// phase returns a private copy of the dev stack's graph of phase p (aws target).
func phase(t *testing.T, p int) *graph.Graph { return graphOf(t, "aws", p) }

// graphOf returns a private copy of the dev stack's graph of a target and
// phase, with the domain a user sets before phase 7 and extra key=value settings.
func graphOf(t *testing.T, target string, p int, set ...string) *graph.Graph {
	t.Helper()
	if target == "" {
		target = "aws"
	}
	key := fmt.Sprint(target, p, set)
	graphsMu.Lock()
	g, ok := graphs[key]
	if !ok {
		var err error
		g, err = stackgraph.RunStack("../Pulumi.dev.yaml", fmt.Sprint(p), append([]string{"target=" + target, stackDomain}, set...)...)
		if err != nil {
			graphsMu.Unlock()
			t.Fatal(err)
		}
		graphs[key] = g
	}
	graphsMu.Unlock()
	raw, _ := json.Marshal(g)
	var cp graph.Graph
	if err := json.Unmarshal(raw, &cp); err != nil {
		t.Fatal(err)
	}
	return &cp
}

// variant is one way to run the stack: a target and settings.
type variant struct {
	target string
	set    []string
}

func (v variant) String() string { return strings.Join(append([]string{v.target}, v.set...), " ") }

// variants are the stacks the pack is checked on: aws as shipped (with a
// domain), aws with its zone delegated (certificates and HTTPS), docker.
var variants = []variant{{"aws", nil}, {"aws", []string{"zoneDelegated=true"}}, {"docker", nil}}

func evaluate(t *testing.T, g *graph.Graph, cfg policies.Config) []policies.Violation {
	t.Helper()
	vs, err := loadPack(t).Evaluate(context.Background(), g, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return vs
}

// TestEveryPhasePassesWithNoMandatoryViolation runs the pack on every phase
// of both targets and reports what fires, rule by rule, with the phases.
func TestEveryPhasePassesWithNoMandatoryViolation(t *testing.T) {
	type seen struct {
		where   []string
		example string
	}
	fired := map[string]*seen{}
	var order []string
	for _, vr := range variants {
		for p := 1; p <= plan.MaxPhase; p++ {
			perRule := map[string]int{}
			for _, v := range evaluate(t, graphOf(t, vr.target, p, vr.set...), nil) {
				if v.Level != policies.Mandatory {
					continue
				}
				name := v.Kind + " " + v.Rule
				if fired[name] == nil {
					fired[name] = &seen{example: fmt.Sprintf("%s: %s", v.Resource, v.Message)}
					order = append(order, name)
				}
				perRule[name]++
			}
			for name, n := range perRule {
				fired[name].where = append(fired[name].where, fmt.Sprintf("%s %d (%d)", vr, p, n))
			}
		}
	}
	sort.Strings(order)
	for _, name := range order {
		f := fired[name]
		sort.Strings(f.where)
		t.Errorf("%s fires on %s; e.g. %s", name, strings.Join(f.where, ", "), f.example)
	}
}

func TestPackFollowsTheAnalyzersRules(t *testing.T) {
	p := loadPack(t)
	if p.Package != "scalezero" {
		t.Fatalf("package %s", p.Package)
	}
	for _, r := range p.Rules {
		if r.Title == "" || r.Description == "" || r.Message == "" {
			t.Errorf("%s lacks METADATA title, description or custom.message", r.Name)
		}
		if r.Kind != policies.Preflight && r.Kind != policies.BestPractice {
			t.Errorf("%s: kind %q", r.Name, r.Kind)
		}
	}
	files, _ := filepath.Glob("*.rego")
	for _, f := range files {
		raw, _ := os.ReadFile(f)
		if !strings.Contains(string(raw), "\nimport rego.v1\n") {
			t.Errorf("%s does not import rego.v1", f)
		}
	}
	yaml, _ := os.ReadFile("PulumiPolicy.yaml")
	if !strings.Contains(string(yaml), "runtime: opa") {
		t.Error("PulumiPolicy.yaml does not name the opa runtime")
	}
}

// Preflight rules (METADATA custom.kind: preflight) are mandatory and say
// which types they read and which documentation page states their limit.
func TestPreflightRulesAreMandatoryAndCited(t *testing.T) {
	n := 0
	for _, r := range loadPack(t).Rules {
		if r.Kind != policies.Preflight {
			continue
		}
		n++
		if r.Level != policies.Mandatory {
			t.Errorf("%s is a preflight rule but %s", r.Name, r.Level)
		}
		if !strings.Contains(r.Doc, "https://") || len(r.Types) == 0 {
			t.Errorf("%s lacks custom.doc with a URL or custom.types", r.Name)
		}
		for _, typ := range r.Types {
			if !regexp.MustCompile(`^(aws|docker):[a-zA-Z0-9]+(/[a-zA-Z0-9]+)?:[A-Z][a-zA-Z0-9]*$`).MatchString(typ) {
				t.Errorf("%s: %q is not a type token", r.Name, typ)
			}
		}
	}
	if n < 30 {
		t.Errorf("%d preflight rules; the issue asks for at least 30", n)
	}
}

// TestPreflightCoversEveryDeclaredType: every resource type any phase of any
// variant declares (providers and our components aside: they call no cloud
// API) is read by some preflight rule.
func TestPreflightCoversEveryDeclaredType(t *testing.T) {
	covered := map[string]bool{}
	for _, r := range loadPack(t).Rules {
		if r.Kind == policies.Preflight {
			for _, typ := range r.Types {
				covered[typ] = true
			}
		}
	}
	need := map[string]bool{}
	for _, vr := range variants {
		for p := 1; p <= plan.MaxPhase; p++ {
			for _, r := range graphOf(t, vr.target, p, vr.set...).Resources {
				if r.Custom && !strings.HasPrefix(r.Type, "pulumi:providers:") {
					need[r.Type] = true
				}
			}
		}
	}
	for _, typ := range shared.SortedKeys(need) {
		if !covered[typ] {
			t.Errorf("no preflight rule reads %s", typ)
		}
	}
}

// A file in another package, or one the analyzer's Rego v0 parser rejects,
// breaks the pack: Load must fail as the analyzer would.
func TestLoadRejectsWhatTheAnalyzerRejects(t *testing.T) {
	for name, src := range map[string]string{
		"other package":                "package other\nimport rego.v1\ndeny_x contains \"m\" if { true }\n",
		"v1 syntax without the import": "package scalezero\ndeny_x contains \"m\" if { true }\n",
	} {
		fsys := fstest.MapFS{"a.rego": {Data: []byte("package scalezero\nimport rego.v1\ndeny_a contains \"m\" if { false }\n")}, "b.rego": {Data: []byte(src)}}
		if _, err := policies.LoadFS(fsys); err == nil {
			t.Errorf("%s: loaded", name)
		}
	}
}

type key struct{ rule, resource, message string }

func keys(vs []policies.Violation) map[key]policies.Violation {
	out := map[key]policies.Violation{}
	for _, v := range vs {
		out[key{v.Rule, v.Resource, v.Message}] = v
	}
	return out
}

// TestEachRuleFiresOnItsBreakage breaks one resource per rule and checks that
// exactly that rule reports something new, with its message; then, for a
// preflight rule, makes the value it decides on unknown and checks that
// nothing new fires.
func TestEachRuleFiresOnItsBreakage(t *testing.T) {
	all := map[string]breaker{}
	fileOf := map[string]string{} // rule -> the .rego file whose cases hold its breaking case
	for file, m := range cases {
		for name, b := range m {
			if _, dup := all[name]; dup {
				t.Errorf("%s has two breaking cases (%s, %s)", name, fileOf[name], file)
			}
			all[name], fileOf[name] = b, file
		}
	}
	rules := map[string]bool{}
	for _, rule := range loadPack(t).Rules {
		rules[rule.Name] = true
		b, ok := all[rule.Name]
		if !ok {
			t.Errorf("%s has no breaking case", rule.Name)
			continue
		}
		if fileOf[rule.Name] != rule.File {
			t.Errorf("%s is defined in %s but its breaking case is among those of %s; move it to %s_test.go",
				rule.Name, rule.File, fileOf[rule.Name], strings.TrimSuffix(rule.File, ".rego"))
		}
		if rule.Kind == policies.Preflight && b.unknown == nil && b.structural == "" {
			t.Errorf("%s has no unknown-value case (nor says why it needs none)", rule.Name)
		}
		t.Run(rule.Name, func(t *testing.T) {
			cfg := policies.Config{}
			for _, other := range b.disable {
				cfg[other] = policies.Disabled
			}
			prepare := func(steps ...func(*testing.T, *graph.Graph)) *graph.Graph {
				g := graphOf(t, b.target, b.phase, b.set...)
				for _, step := range steps {
					if step != nil {
						step(t, g)
					}
				}
				return g
			}
			before := keys(evaluate(t, prepare(b.fix), cfg))
			newSince := func(g *graph.Graph) []policies.Violation {
				var out []policies.Violation
				for k, v := range keys(evaluate(t, g, cfg)) {
					if _, old := before[k]; !old {
						out = append(out, v)
					}
				}
				return out
			}
			fired := newSince(prepare(b.fix, b.apply))
			if len(fired) == 0 {
				t.Fatalf("nothing fired")
			}
			for _, v := range fired {
				if v.Rule != rule.Name {
					t.Errorf("%s fired too: %s", v.Rule, v.Message)
				} else if !strings.Contains(v.Message, b.want) || v.Level != rule.Level {
					t.Errorf("message %q (level %s), want %q (%s)", v.Message, v.Level, b.want, rule.Level)
				}
			}
			if b.unknown == nil {
				return
			}
			for _, v := range newSince(prepare(b.fix, b.apply, b.unknown)) {
				t.Errorf("with the value unknown, %s fired: %s", v.Rule, v.Message)
			}
		})
	}
	for name := range all {
		if !rules[name] {
			t.Errorf("breaking case for %s, which the pack does not have", name)
		}
	}
}

func TestEnforcementLevelsFollowThePolicyConfig(t *testing.T) {
	g := phase(t, 2)
	fixAll(t, g)
	find(t, g, tRDS, "db").Inputs["publiclyAccessible"] = true
	cfg, err := policies.ParseConfig([]byte(`{"deny_rds_public": {"enforcementLevel": "advisory"}}`))
	if err != nil {
		t.Fatal(err)
	}
	vs := evaluate(t, g, cfg)
	if len(vs) != 1 || vs[0].Level != policies.Advisory {
		t.Fatalf("%+v", vs)
	}
	cfg, _ = policies.ParseConfig([]byte(`{"all": "disabled"}`))
	if vs := evaluate(t, g, cfg); len(vs) != 0 {
		t.Fatalf("disabled pack reported %+v", vs)
	}
	if _, err := policies.ParseConfig([]byte(`{"deny_rds_public": "sometimes"}`)); err == nil || !strings.Contains(err.Error(), "allowed mandatory, advisory or disabled") {
		t.Fatalf("bad level: %v", err)
	}
}

// In a preview many values are unknown. Making every input value of every
// resource unknown must not make any rule fire (nor fail) that does not fire
// on the known graph: unknowns only ever take violations away. (Rules that
// read only dependencies, which a preview knows, fire on both; once the
// program passes, nothing fires here at all.)
func TestUnknownValuesNeverFire(t *testing.T) {
	type at struct{ rule, resource string }
	for _, vr := range variants {
		for p := 1; p <= plan.MaxPhase; p++ {
			known := map[at]bool{}
			for _, v := range evaluate(t, graphOf(t, vr.target, p, vr.set...), nil) {
				known[at{v.Rule, v.Resource}] = true
			}
			g := graphOf(t, vr.target, p, vr.set...)
			for i := range g.Resources {
				g.Resources[i].Inputs = unknownLeaves(g.Resources[i].Inputs).(map[string]any)
			}
			for _, v := range evaluate(t, g, nil) {
				if !known[at{v.Rule, v.Resource}] {
					t.Errorf("%s phase %d: %s fired on unknowns: %s", vr, p, v.Rule, v.Message)
				}
			}
		}
	}
}

func unknownLeaves(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = unknownLeaves(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = unknownLeaves(e)
		}
		return out
	}
	return graph.Unknown
}

// BenchmarkEvaluatePhase9 evaluates every rule on the largest phase's graph.
func BenchmarkEvaluatePhase9(b *testing.B) {
	g, err := stackgraph.RunStack("../Pulumi.dev.yaml", "9", stackDomain)
	if err != nil {
		b.Fatal(err)
	}
	p, err := policies.Load()
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := p.Evaluate(context.Background(), g, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// TestReadmeCountsTheRules keeps the counts README.md states ("**Preflight**
// (118 rules", "**Best practice** (37 rules") equal to the pack's, and every
// .rego file it names existing.
func TestReadmeCountsTheRules(t *testing.T) {
	raw, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, r := range loadPack(t).Rules {
		count[r.Kind]++
	}
	for kind, label := range map[string]string{policies.Preflight: "Preflight", policies.BestPractice: "Best practice"} {
		m := regexp.MustCompile(`\*\*` + label + `\*\* \((\d+) rules`).FindStringSubmatch(string(raw))
		if m == nil {
			t.Errorf("README.md does not say how many %s rules there are", label)
		} else if m[1] != fmt.Sprint(count[kind]) {
			t.Errorf("README.md counts %s %s rules, the pack has %d", m[1], label, count[kind])
		}
	}
	for _, m := range regexp.MustCompile("`([a-z0-9_]+\\.rego)`").FindAllStringSubmatch(string(raw), -1) {
		if _, err := os.Stat(m[1]); err != nil {
			t.Errorf("README.md names %s: %v", m[1], err)
		}
	}
}
