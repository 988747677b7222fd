// Package graph runs the real stack program under Pulumi's mock monitor, as a
// preview would (values that only exist after creation stay unknown), and
// records every registered resource. Tests, policies, the offline plan and
// diffs all read this one graph.
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
	Account = "000000000000"
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
	IgnoreChanges       []string `json:"ignoreChanges,omitempty"`
	ReplaceOnChanges    []string `json:"replaceOnChanges,omitempty"`
	RetainOnDelete      bool     `json:"retainOnDelete,omitempty"`
	DeleteBeforeReplace bool     `json:"deleteBeforeReplace,omitempty"`
	Protect             bool     `json:"protect,omitempty"`
}

func options(rpc interface {
	GetIgnoreChanges() []string
	GetReplaceOnChanges() []string
	GetRetainOnDelete() bool
	GetDeleteBeforeReplace() bool
	GetProtect() bool
}) *Options {
	o := Options{
		IgnoreChanges:       rpc.GetIgnoreChanges(),
		ReplaceOnChanges:    rpc.GetReplaceOnChanges(),
		RetainOnDelete:      rpc.GetRetainOnDelete(),
		DeleteBeforeReplace: rpc.GetDeleteBeforeReplace(),
		Protect:             rpc.GetProtect(),
	}
	if len(o.IgnoreChanges) == 0 && len(o.ReplaceOnChanges) == 0 && !o.RetainOnDelete && !o.DeleteBeforeReplace && !o.Protect {
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
}

// recorder is the mock monitor.
type recorder struct {
	mu        sync.Mutex
	resources []Resource
	regions   map[string]string // provider URN -> region
	invokes   []string
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
	return "", args.Inputs, nil
}

// Call answers the invokes the program makes, as the provider would.
func (r *recorder) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	r.mu.Lock()
	region := r.regions[providerURN(args.Provider)]
	r.invokes = append(r.invokes, args.Token)
	r.mu.Unlock()
	switch args.Token {
	case "aws:index/getAvailabilityZones:getAvailabilityZones":
		if region == "" {
			return nil, fmt.Errorf("getAvailabilityZones without a regional provider (%q)", args.Provider)
		}
		names := []any{region + "a", region + "b", region + "c"}
		return resource.NewPropertyMapFromMap(map[string]any{"names": names, "id": region}), nil
	case "aws:ecr/getAuthorizationToken:getAuthorizationToken":
		return resource.NewPropertyMapFromMap(map[string]any{
			"userName": "AWS", "password": "offline", "authorizationToken": "offline",
			"proxyEndpoint": "https://000000000000.dkr.ecr." + region + ".amazonaws.com",
		}), nil
	case "aws:ec2/getAmi:getAmi":
		return resource.NewPropertyMapFromMap(map[string]any{
			"id": "ami-al2023-" + region, "name": "al2023-ami-2023.6-x86_64", "architecture": "x86_64",
		}), nil
	case "aws:index/getCallerIdentity:getCallerIdentity":
		return resource.NewPropertyMapFromMap(map[string]any{
			"accountId": Account, "arn": "arn:aws:iam::" + Account + ":user/offline", "userId": "OFFLINE", "id": Account,
		}), nil
	case "aws:elb/getServiceAccount:getServiceAccount":
		// The account that delivers load balancer logs in the region
		// (Elastic Load Balancing User Guide, "Enable access logs").
		id := map[string]string{"us-east-1": "127311923021", "us-east-2": "033677994240", "us-west-2": "797873946194", "eu-west-1": "156460612806", "eu-central-1": "054676820928"}[region]
		if id == "" {
			id = "000000000001"
		}
		return resource.NewPropertyMapFromMap(map[string]any{"arn": "arn:aws:iam::" + id + ":root", "id": id}), nil
	}
	return nil, fmt.Errorf("the offline graph does not answer invoke %s", args.Token)
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
// without the "scalezero:" prefix) and returns its graph; on error, the graph
// holds what was declared before the failure. secretKeys marks
// config values that Pulumi would hold as secrets.
func Run(config map[string]string, secretKeys ...string) (*Graph, error) {
	cfg := map[string]string{}
	for k, v := range config {
		cfg[qualify(k)] = v
	}
	secrets := make([]string, len(secretKeys))
	for i, k := range secretKeys {
		secrets[i] = qualify(k)
	}
	g, err := RunProgram(stacks.Program, cfg, secrets...)
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
	rec := &recorder{regions: map[string]string{}}
	err := pulumi.RunErr(program,
		pulumi.WithMocks(Project, Stack, rec),
		func(info *pulumi.RunInfo) {
			info.Config = cfg
			info.ConfigSecretKeys = secretKeys
			info.DryRun = true
		})
	g := &Graph{Resources: rec.resources, Invokes: rec.invokes}
	sort.Slice(g.Resources, func(i, j int) bool { return g.Resources[i].URN < g.Resources[j].URN })
	// On error, the graph holds what was declared before the failure.
	return g, err
}

// JSON renders the graph, indented, with a stable key order.
func (g *Graph) JSON() ([]byte, error) {
	return json.MarshalIndent(g, "", "  ")
}
