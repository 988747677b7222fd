// Package record runs a Pulumi program under Pulumi's mock monitor and
// records every registered resource as a graph.Graph: a component's test
// harness, or (through graph/stackgraph) the whole stack program. In the
// Known view every output a provider declares is made up deterministically
// per URN by internal/knownvalues. It does not import the stack program, so
// a component is tested alone.
package record

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"github.com/scalezero/scalezero/graph"
	"github.com/scalezero/scalezero/internal/knownvalues"
)

// Account is the offline run's AWS account.
const Account = knownvalues.Account

func options(rpc interface {
	GetIgnoreChanges() []string
	GetReplaceOnChanges() []string
	GetRetainOnDelete() bool
	GetDeleteBeforeReplace() bool
	GetDeleteBeforeReplaceDefined() bool
	GetProtect() bool
	GetAliases() []*pulumirpc.Alias
	GetAliasURNs() []string
}) *graph.Options {
	o := graph.Options{
		IgnoreChanges:    rpc.GetIgnoreChanges(),
		ReplaceOnChanges: rpc.GetReplaceOnChanges(),
		RetainOnDelete:   rpc.GetRetainOnDelete(),
		Protect:          rpc.GetProtect(),
		Aliases:          append([]string{}, rpc.GetAliasURNs()...),
	}
	if rpc.GetDeleteBeforeReplace() || rpc.GetDeleteBeforeReplaceDefined() {
		dbr := rpc.GetDeleteBeforeReplace()
		o.DeleteBeforeReplace = &dbr
	}
	for _, a := range rpc.GetAliases() {
		if u := a.GetUrn(); u != "" {
			o.Aliases = append(o.Aliases, u)
		}
	}
	sort.Strings(o.Aliases)
	if len(o.Aliases) == 0 {
		o.Aliases = nil
	}
	if len(o.IgnoreChanges) == 0 && len(o.ReplaceOnChanges) == 0 && !o.RetainOnDelete && o.DeleteBeforeReplace == nil && !o.Protect && o.Aliases == nil {
		return nil
	}
	return &o
}

// recorder is the mock monitor.
type recorder struct {
	view      graph.View
	mu        sync.Mutex
	resources []graph.Resource
	regions   map[string]string // provider URN -> region
	invokes   []string
	invokedIn []string
	// defaultRegion is the config's aws:region, for invokes through the
	// default provider (a component run alone has no explicit one).
	defaultRegion string
	// edit, when set, changes the outputs made up for a resource.
	edit func(typ string, outputs resource.PropertyMap)
}

// Option changes what the recorder answers.
type Option func(*recorder)

// Outputs lets a test change the outputs made up for each custom resource
// before the program sees them: an empty list where AWS may return one, say.
func Outputs(edit func(typ string, outputs resource.PropertyMap)) Option {
	return func(r *recorder) { r.edit = edit }
}

func (r *recorder) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	rpc := args.RegisterRPC
	inputs := args.Inputs
	if rpc != nil {
		// The mock monitor drops unknown inputs; a preview sends them, so read
		// the request itself.
		full, err := plugin.UnmarshalProperties(rpc.GetObject(), plugin.MarshalOptions{
			KeepUnknowns: true, KeepSecrets: true, KeepResources: true,
		})
		if err != nil {
			return "", nil, fmt.Errorf("%s %s: %w", args.TypeToken, args.Name, err)
		}
		inputs = full
	}
	res := graph.Resource{
		Type:                 args.TypeToken,
		Name:                 args.Name,
		Custom:               args.Custom,
		Provider:             providerURN(args.Provider),
		Inputs:               plain(inputs),
		Dependencies:         []string{},
		PropertyDependencies: map[string][]string{},
	}
	if rpc != nil {
		res.Parent = rpc.GetParent()
		res.Options = options(rpc)
		res.Dependencies = append(res.Dependencies, rpc.GetDependencies()...)
		sort.Strings(res.Dependencies)
		for prop, deps := range rpc.GetPropertyDependencies() {
			urns := append([]string{}, deps.GetUrns()...)
			sort.Strings(urns)
			res.PropertyDependencies[prop] = urns
		}
	}
	res.URN = urn(res.Parent, res.Type, res.Name)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.resources = append(r.resources, res)
	// A provider is configured during a preview, so its id is known; every
	// other resource's id is unknown until it is created (returned as "").
	if strings.HasPrefix(args.TypeToken, "pulumi:providers:") {
		if region, ok := args.Inputs["region"]; ok && region.IsString() {
			r.regions[res.URN] = region.StringValue()
		}
		return args.Name + "-id", args.Inputs, nil
	}
	if r.view == graph.Preview || !args.Custom {
		return "", args.Inputs, nil
	}
	id, out, err := knownvalues.Resource(knownvalues.Request{
		URN: res.URN, Type: res.Type, Name: res.Name, Region: r.regions[res.Provider], Inputs: args.Inputs,
	})
	if err == nil && r.edit != nil {
		r.edit(res.Type, out)
	}
	return id, out, err
}

// Call answers the invokes the program makes, as the provider would, from
// the same table as the test provider; in both views, as a provider answers
// invokes during a preview too.
func (r *recorder) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	r.mu.Lock()
	region := r.regions[providerURN(args.Provider)]
	if args.Provider == "" {
		region = r.defaultRegion
	}
	r.invokes = append(r.invokes, args.Token)
	r.invokedIn = append(r.invokedIn, region)
	r.mu.Unlock()
	out, err := knownvalues.Invoke(args.Token, region, args.Args, false)
	if err != nil {
		return nil, fmt.Errorf("the offline graph: %w (provider %q)", err, args.Provider)
	}
	return out, nil
}

func providerURN(ref string) string {
	if i := strings.LastIndex(ref, "::"); i > 0 {
		return ref[:i]
	}
	return ref
}

// urn computes a URN the way the mock monitor does, so that parents match.
func urn(parent, typ, name string) string {
	parentType := ""
	if parent != "" {
		// urn:pulumi:stack::project::qualified$type::name
		parts := strings.Split(parent, "::")
		if len(parts) >= 3 {
			parentType = parts[2] + "$"
		}
	}
	if parentType == "pulumi:pulumi:Stack$" {
		parentType = ""
	}
	return fmt.Sprintf("urn:pulumi:%s::%s::%s%s::%s", graph.Stack, graph.Project, parentType, typ, name)
}

// plain turns property values into JSON-ready values, masking secrets and
// marking unknowns.
func plain(m resource.PropertyMap) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if v.IsNull() {
			continue
		}
		out[string(k)] = plainValue(v)
	}
	return out
}

func plainValue(v resource.PropertyValue) any {
	switch {
	case v.IsSecret():
		return graph.Secret
	case v.IsComputed():
		return graph.Unknown
	case v.IsOutput():
		o := v.OutputValue()
		if o.Secret {
			return graph.Secret
		}
		if !o.Known {
			return graph.Unknown
		}
		return plainValue(o.Element)
	case v.IsObject():
		return plain(v.ObjectValue())
	case v.IsArray():
		arr := v.ArrayValue()
		out := make([]any, len(arr))
		for i, e := range arr {
			out[i] = plainValue(e)
		}
		return out
	case v.IsResourceReference():
		return string(v.ResourceReferenceValue().URN)
	case v.IsAsset():
		a := v.AssetValue()
		return map[string]any{"asset": a.Hash}
	case v.IsArchive():
		return map[string]any{"archive": v.ArchiveValue().Hash}
	}
	return v.V
}

// RunProgram runs any Pulumi program (a component's test harness, say) under
// the recorder, as a preview with the given config.
func RunProgram(program pulumi.RunFunc, cfg map[string]string, secretKeys ...string) (*graph.Graph, error) {
	return RunProgramView(graph.Preview, program, cfg, secretKeys...)
}

// RunProgramView is RunProgram in either view: Known runs it as an update,
// with every output known.
func RunProgramView(view graph.View, program pulumi.RunFunc, cfg map[string]string, secretKeys ...string) (*graph.Graph, error) {
	return run(view, program, cfg, secretKeys, nil)
}

func run(view graph.View, program pulumi.RunFunc, cfg map[string]string, secretKeys []string, opts []Option) (*graph.Graph, error) {
	rec := &recorder{view: view, regions: map[string]string{}, defaultRegion: cfg["aws:region"]}
	for _, o := range opts {
		o(rec)
	}
	err := pulumi.RunErr(program,
		pulumi.WithMocks(graph.Project, graph.Stack, rec),
		func(info *pulumi.RunInfo) {
			info.Config = cfg
			info.ConfigSecretKeys = secretKeys
			info.DryRun = view == graph.Preview
		})
	g := &graph.Graph{Resources: rec.resources, Invokes: rec.invokes, InvokeRegions: rec.invokedIn}
	sort.Slice(g.Resources, func(i, j int) bool { return g.Resources[i].URN < g.Resources[j].URN })
	// On error, the graph holds what was declared before the failure.
	return g, err
}

// Region is the default provider's region in Known: the dev stack's first
// region (data sources such as the AMI lookup need one).
const Region = "us-east-1"

// Known records program in the Known view (every output concrete, as after
// `pulumi up`) with the default provider in Region, and stops the test on an
// error: the one harness components' tests run a component alone under.
func Known(tb testing.TB, program pulumi.RunFunc, opts ...Option) *graph.Graph {
	tb.Helper()
	g, err := KnownErr(program, opts...)
	if err != nil {
		tb.Fatal(err)
	}
	return g
}

// KnownErr is Known for an Example (which has no test to stop) or a test
// that wants the error.
func KnownErr(program pulumi.RunFunc, opts ...Option) (*graph.Graph, error) {
	return run(graph.Known, program, map[string]string{"aws:region": Region}, nil, opts)
}

// PrintCensus runs program as KnownErr does and prints what it declares, a
// line per resource type with its count (or the error): what a component's
// Example shows.
func PrintCensus(program pulumi.RunFunc, opts ...Option) {
	g, err := KnownErr(program, opts...)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(g.Census())
}
