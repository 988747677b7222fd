// Package graph runs the real stack program under Pulumi's mock monitor and
// records every registered resource. Tests, policies, the offline plan and
// diffs all read this one graph, in one of two views: Preview, as a first
// preview of a new stack shows it (values that only exist after creation stay
// unknown), and Known, as after `pulumi up` (every output a provider declares
// for the type is returned, made up deterministically per URN by
// internal/knownvalues, so values computed from other resources are concrete
// and two phases compare value with value).
package graph

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"github.com/scalezero/scalezero/internal/knownvalues"
	"github.com/scalezero/scalezero/stacks"
	"github.com/scalezero/scalezero/stacks/plan"
)

// Unknown stands for a value a preview does not know yet (an id, an ARN, an
// endpoint). It is Pulumi's own wire sentinel for unknown values.
const Unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"

// Secret replaces every secret value: the graph is printed and committed.
const Secret = "[secret]"

// Project and Stack name the offline run; Account is its AWS account.
const (
	Project = "scalezero"
	Stack   = "dev"
	Account = knownvalues.Account
)

// Resource is one registered resource.
type Resource struct {
	URN                  string              `json:"urn"`
	Type                 string              `json:"type"`
	Name                 string              `json:"name"`
	Parent               string              `json:"parent"`
	Provider             string              `json:"provider"`
	Custom               bool                `json:"custom"`
	Inputs               map[string]any      `json:"inputs"`
	Dependencies         []string            `json:"dependencies"`
	PropertyDependencies map[string][]string `json:"propertyDependencies"`
	// Options are the resource options that change what the engine does
	// with it (left out when none is set).
	Options *Options `json:"options,omitempty"`
}

// Options are a resource's lifecycle options, as registered.
type Options struct {
	IgnoreChanges    []string `json:"ignoreChanges,omitempty"`
	ReplaceOnChanges []string `json:"replaceOnChanges,omitempty"`
	RetainOnDelete   bool     `json:"retainOnDelete,omitempty"`
	// DeleteBeforeReplace is set where the program says: true, or false
	// where it overrides a provider that deletes first by default.
	DeleteBeforeReplace *bool `json:"deleteBeforeReplace,omitempty"`
	Protect             bool  `json:"protect,omitempty"`
	// Aliases are the URNs the resource was known by: the engine takes a
	// resource of the old state under one of them as this one.
	Aliases []string `json:"aliases,omitempty"`
}

func options(rpc interface {
	GetIgnoreChanges() []string
	GetReplaceOnChanges() []string
	GetRetainOnDelete() bool
	GetDeleteBeforeReplace() bool
	GetDeleteBeforeReplaceDefined() bool
	GetProtect() bool
	GetAliases() []*pulumirpc.Alias
	GetAliasURNs() []string
}) *Options {
	o := Options{
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

// Graph is what a phase declares.
type Graph struct {
	Phase     int        `json:"phase"`
	Resources []Resource `json:"resources"`
	// Invokes are the data-source tokens the program called, in order; not
	// part of the JSON (an invoke creates nothing), but tests read them.
	Invokes []string `json:"-"`
	// InvokeRegions are the regions of the providers those calls went to
	// ("" for a provider without one), in the same order.
	InvokeRegions []string `json:"-"`
}

// View is which values a graph holds.
type View int

const (
	// Preview holds what a first preview of a new stack shows: ids, ARNs and
	// endpoints are Unknown.
	Preview View = iota
	// Known holds what the stack holds after `pulumi up`: mocks return every
	// output the provider declares for the type (internal/knownvalues).
	Known
)

// ParseView reads "preview" or "known".
func ParseView(s string) (View, error) {
	switch s {
	case "preview":
		return Preview, nil
	case "known":
		return Known, nil
	}
	return Preview, fmt.Errorf("view %q: allowed known or preview", s)
}

func (v View) String() string {
	if v == Known {
		return "known"
	}
	return "preview"
}

// recorder is the mock monitor.
type recorder struct {
	view      View
	mu        sync.Mutex
	resources []Resource
	regions   map[string]string // provider URN -> region
	invokes   []string
	invokedIn []string
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
	res := Resource{
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
	if r.view == Preview || !args.Custom {
		return "", args.Inputs, nil
	}
	return knownvalues.Resource(knownvalues.Request{
		URN: res.URN, Type: res.Type, Name: res.Name, Region: r.regions[res.Provider], Inputs: args.Inputs,
	})
}

// Call answers the invokes the program makes, as the provider would, from
// the same table as the test provider; in both views, as a provider answers
// invokes during a preview too.
func (r *recorder) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	r.mu.Lock()
	region := r.regions[providerURN(args.Provider)]
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
	return fmt.Sprintf("urn:pulumi:%s::%s::%s%s::%s", Stack, Project, parentType, typ, name)
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
		return Secret
	case v.IsComputed():
		return Unknown
	case v.IsOutput():
		o := v.OutputValue()
		if o.Secret {
			return Secret
		}
		if !o.Known {
			return Unknown
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

// Run executes the stack program with the given raw config (keys with or
// without the "scalezero:" prefix) and returns its graph in the preview view;
// on error, the graph holds what was declared before the failure. secretKeys
// marks config values that Pulumi would hold as secrets.
func Run(config map[string]string, secretKeys ...string) (*Graph, error) {
	return RunView(Preview, config, secretKeys...)
}

// RunView is Run in either view.
func RunView(view View, config map[string]string, secretKeys ...string) (*Graph, error) {
	cfg := map[string]string{}
	for k, v := range config {
		cfg[qualify(k)] = v
	}
	secrets := make([]string, len(secretKeys))
	for i, k := range secretKeys {
		secrets[i] = qualify(k)
	}
	g, err := RunProgramView(view, stacks.Program, cfg, secrets...)
	settings, cfgErr := plan.Load(plan.FromMap(cfg))
	if cfgErr != nil {
		// The program stopped on the same check; its error comes wrapped by
		// the SDK ("1 error occurred"), this one names the key plainly.
		return g, cfgErr
	}
	if err != nil {
		return g, err
	}
	g.Phase = settings.Phase
	return g, nil
}

// qualify prefixes a bare key with the project's namespace.
func qualify(key string) string {
	if strings.Contains(key, ":") {
		return key
	}
	return Project + ":" + key
}

// RunProgram runs any Pulumi program (a component's test harness, say) under
// the recorder, as a preview with the given config.
func RunProgram(program pulumi.RunFunc, cfg map[string]string, secretKeys ...string) (*Graph, error) {
	return RunProgramView(Preview, program, cfg, secretKeys...)
}

// RunProgramView is RunProgram in either view: Known runs it as an update,
// with every output known.
func RunProgramView(view View, program pulumi.RunFunc, cfg map[string]string, secretKeys ...string) (*Graph, error) {
	rec := &recorder{view: view, regions: map[string]string{}}
	err := pulumi.RunErr(program,
		pulumi.WithMocks(Project, Stack, rec),
		func(info *pulumi.RunInfo) {
			info.Config = cfg
			info.ConfigSecretKeys = secretKeys
			info.DryRun = view == Preview
		})
	g := &Graph{Resources: rec.resources, Invokes: rec.invokes, InvokeRegions: rec.invokedIn}
	sort.Slice(g.Resources, func(i, j int) bool { return g.Resources[i].URN < g.Resources[j].URN })
	// On error, the graph holds what was declared before the failure.
	return g, err
}

// JSON renders the graph, indented, with a stable key order.
func (g *Graph) JSON() ([]byte, error) {
	return json.MarshalIndent(g, "", "  ")
}
