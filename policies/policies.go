// Package policies evaluates the policy pack in this folder (the .rego files
// that `pulumi preview --policy-pack policies` runs through Pulumi's OPA
// analyzer) on the offline graph, offline and the way the analyzer does:
// Rego v0 compilation, rules found by name, levels from the name and from the
// policy config, resource input with properties at the top level.
package policies

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/scalezero/scalezero/graph"
)

//go:embed *.rego PulumiPolicy.yaml
var files embed.FS

// Enforcement levels, as Pulumi names them.
const (
	Mandatory = "mandatory"
	Advisory  = "advisory"
	Disabled  = "disabled"
)

// Kinds of rules. A preflight rule states what AWS (or Docker, or the
// provider) refuses at create, update or delete time, or because of ordering;
// a best-practice rule, the chapter's principles and the security baseline.
// A rule is preflight when its METADATA says `custom: {kind: preflight}`.
const (
	Preflight    = "preflight"
	BestPractice = "best practice"
)

// The analyzer's rule-name patterns.
var (
	denyRule      = regexp.MustCompile(`^(deny|violation)(_[a-zA-Z0-9]+)*$`)
	warnRule      = regexp.MustCompile(`^warn(_[a-zA-Z0-9]+)*$`)
	stackDenyRule = regexp.MustCompile(`^stack_(deny|violation)(_[a-zA-Z0-9]+)*$`)
	stackWarnRule = regexp.MustCompile(`^stack_warn(_[a-zA-Z0-9]+)*$`)
)

// Rule is one policy of the pack.
type Rule struct {
	Name        string
	Title       string
	Description string
	Message     string // how to fix it
	Level       string // from the name: deny -> mandatory, warn -> advisory
	Stack       bool
	Kind        string   // Preflight or BestPractice
	Types       []string // the resource types a preflight rule reads (custom.types)
	Doc         string   // the documentation page that states the limit (custom.doc)
	File        string   // the .rego file that defines it (the first, in name order, if several do)
}

// Pack is the compiled pack.
type Pack struct {
	Package string
	Rules   []Rule
	// One query for the resource rules, one for the stack rules: each
	// evaluates only its rules (and what they use), as the analyzer does.
	resourceQuery, stackQuery rego.PreparedEvalQuery
}

// Violation is one message of one rule.
type Violation struct {
	Phase    int    `json:"phase"`
	Rule     string `json:"rule"`
	Kind     string `json:"kind"`
	Level    string `json:"level"`
	Resource string `json:"resource"` // the resource's name, or "(stack)"
	URN      string `json:"urn,omitempty"`
	Message  string `json:"message"`
}

// Load compiles the embedded pack.
func Load() (*Pack, error) { return LoadFS(files) }

// LoadFS compiles every .rego file of fsys (sub-folders too), as the analyzer does.
func LoadFS(fsys fs.FS) (*Pack, error) {
	modules := map[string]string{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(p) != ".rego" {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		modules[p] = string(b)
		return err
	})
	if err != nil {
		return nil, err
	}
	compiler, err := ast.CompileModulesWithOpt(modules, ast.CompileOpts{
		EnablePrintStatements: false,
		ParserOptions:         ast.ParserOptions{RegoVersion: ast.RegoV0, ProcessAnnotation: true},
	})
	if err != nil {
		return nil, fmt.Errorf("policy compilation failed: %w", err)
	}
	pack := &Pack{}
	seen := map[string]bool{}
	names := make([]string, 0, len(compiler.Modules))
	for name := range compiler.Modules {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		m := compiler.Modules[name]
		pkg := strings.TrimPrefix(m.Package.Path.String(), "data.")
		if pack.Package == "" {
			pack.Package = pkg
		} else if pkg != pack.Package {
			return nil, fmt.Errorf("%s: package %s differs from %s (the analyzer needs one package)", name, pkg, pack.Package)
		}
		for _, r := range m.Rules {
			rule := Rule{Name: r.Head.Name.String(), Kind: BestPractice, File: name}
			switch {
			case stackDenyRule.MatchString(rule.Name):
				rule.Level, rule.Stack = Mandatory, true
			case stackWarnRule.MatchString(rule.Name):
				rule.Level, rule.Stack = Advisory, true
			case denyRule.MatchString(rule.Name):
				rule.Level = Mandatory
			case warnRule.MatchString(rule.Name):
				rule.Level = Advisory
			default:
				continue
			}
			if seen[rule.Name] {
				continue
			}
			seen[rule.Name] = true
			for _, a := range r.Annotations {
				rule.Title, rule.Description = a.Title, a.Description
				if msg, ok := a.Custom["message"].(string); ok {
					rule.Message = msg
				}
				if kind, ok := a.Custom["kind"].(string); ok {
					rule.Kind = kind
				}
				if doc, ok := a.Custom["doc"].(string); ok {
					rule.Doc = doc
				}
				if types, ok := a.Custom["types"].([]any); ok {
					for _, t := range types {
						rule.Types = append(rule.Types, fmt.Sprint(t))
					}
				}
			}
			pack.Rules = append(pack.Rules, rule)
		}
	}
	sort.Slice(pack.Rules, func(i, j int) bool { return pack.Rules[i].Name < pack.Rules[j].Name })
	for _, stack := range []bool{false, true} {
		var fields []string
		for _, r := range pack.Rules {
			if r.Stack == stack {
				fields = append(fields, fmt.Sprintf("%q: data.%s.%s", r.Name, pack.Package, r.Name))
			}
		}
		q, err := rego.New(rego.Query("x = {"+strings.Join(fields, ", ")+"}"), rego.Compiler(compiler)).PrepareForEval(context.Background())
		if err != nil {
			return nil, err
		}
		if stack {
			pack.stackQuery = q
		} else {
			pack.resourceQuery = q
		}
	}
	return pack, nil
}

// Config is Pulumi's policy config: {"rule": {"enforcementLevel": "advisory"}},
// {"rule": "disabled"}, and "all" for a pack-wide default.
type Config map[string]string

// ParseConfig reads the JSON that `pulumi preview --policy-config` takes.
func ParseConfig(raw []byte) (Config, error) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("policy config: %w", err)
	}
	out := Config{}
	for rule, v := range doc {
		var level string
		if json.Unmarshal(v, &level) != nil {
			var obj struct {
				EnforcementLevel string `json:"enforcementLevel"`
			}
			if err := json.Unmarshal(v, &obj); err != nil {
				return nil, fmt.Errorf("policy config %s: %w", rule, err)
			}
			level = obj.EnforcementLevel
		}
		switch level {
		case Mandatory, Advisory, Disabled:
			out[rule] = level
		default:
			return nil, fmt.Errorf("policy config %s: enforcement level %q: allowed mandatory, advisory or disabled", rule, level)
		}
	}
	return out, nil
}

func (c Config) level(r Rule) string {
	if l, ok := c[r.Name]; ok {
		return l
	}
	if l, ok := c["all"]; ok {
		return l
	}
	return r.Level
}

// ResourceInput is what the analyzer gives a resource rule as `input`.
func ResourceInput(r graph.Resource) map[string]any {
	opts := map[string]any{"parent": r.Parent, "protect": false, "ignoreChanges": []string{}, "deleteBeforeReplace": false}
	provider := map[string]any{}
	if r.Provider != "" {
		parts := strings.Split(r.Provider, "::")
		provider = map[string]any{"urn": r.Provider, "name": parts[len(parts)-1], "type": parts[len(parts)-2]}
	}
	obj := map[string]any{
		"type": r.Type, "urn": r.URN, "name": r.Name, "options": opts, "provider": provider, "properties": r.Inputs,
	}
	for k, v := range r.Inputs {
		obj[k] = v
	}
	obj["__type"], obj["__urn"], obj["__name"] = r.Type, r.URN, r.Name
	obj["__options"], obj["__provider"], obj["__properties"] = opts, provider, r.Inputs
	return obj
}

// StackInput is what the analyzer gives a stack rule as `input`.
func StackInput(g *graph.Graph) map[string]any {
	resources := make([]any, 0, len(g.Resources))
	for _, r := range g.Resources {
		obj := ResourceInput(r)
		obj["dependencies"] = r.Dependencies
		obj["propertyDependencies"] = r.PropertyDependencies
		resources = append(resources, obj)
	}
	return map[string]any{"resources": resources}
}

// Evaluate runs every rule on the graph: resource rules on each resource,
// stack rules once. Disabled rules report nothing.
func (p *Pack) Evaluate(ctx context.Context, g *graph.Graph, cfg Config) ([]Violation, error) {
	var out []Violation
	collect := func(input map[string]any, stack bool, res graph.Resource) error {
		query := p.resourceQuery
		if stack {
			query = p.stackQuery
		}
		rs, err := query.Eval(ctx, rego.EvalInput(input))
		if err != nil {
			return err
		}
		if len(rs) == 0 {
			return nil
		}
		doc, _ := rs[0].Bindings["x"].(map[string]any)
		for _, rule := range p.Rules {
			level := cfg.level(rule)
			if rule.Stack != stack || level == Disabled {
				continue
			}
			msgs, _ := doc[rule.Name].([]any)
			for _, m := range msgs {
				v := Violation{Phase: g.Phase, Rule: rule.Name, Kind: rule.Kind, Level: level, Message: fmt.Sprint(m), Resource: "(stack)"}
				if !stack {
					v.Resource, v.URN = res.Name, res.URN
				}
				out = append(out, v)
			}
		}
		return nil
	}
	for _, r := range g.Resources {
		if err := collect(ResourceInput(r), false, r); err != nil {
			return nil, fmt.Errorf("%s: %w", r.URN, err)
		}
	}
	if err := collect(StackInput(g), true, graph.Resource{}); err != nil {
		return nil, fmt.Errorf("stack rules: %w", err)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Rule != out[j].Rule {
			return out[i].Rule < out[j].Rule
		}
		return out[i].Message < out[j].Message
	})
	return out, nil
}

// CountMandatory counts the violations that block a deployment.
func CountMandatory(vs []Violation) int {
	n := 0
	for _, v := range vs {
		if v.Level == Mandatory {
			n++
		}
	}
	return n
}
